import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

/**
 * The MongoDB-compatible server of the native platform: mongo-java-server with its on-disk H2
 * backend and the oplog enabled, so change streams (and the MongoDB Kafka source) work.
 *
 * Usage: LakeMongoServer <bind-host> <port> <database-file>
 */
public final class LakeMongoServer {
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: LakeMongoServer <bind-host> <port> <database-file>");
            System.exit(2);
        }
        H2Backend backend = new H2Backend(args[2]);
        MongoServer server = new MongoServer(backend);
        server.enableOplog();
        server.bind(args[0], Integer.parseInt(args[1]));
        // SIGTERM from the supervisor: stop accepting, then close the store so every write is on disk.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            backend.close();
        }));
        System.out.println("mongo-java-server listening on " + server.getLocalAddress() + ", data in " + args[2]);
        Thread.currentThread().join();
    }
}

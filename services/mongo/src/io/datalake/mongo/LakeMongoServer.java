package io.datalake.mongo;

import de.bwaldvogel.mongo.MongoServer;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The MongoDB-compatible server of the native platform: mongo-java-server with its on-disk H2
 * backend and our oplog ({@link LakeOplog}), so change streams (and the MongoDB Kafka source)
 * see events shaped like MongoDB's.
 *
 * <p>Usage: LakeMongoServer &lt;bind-host&gt; &lt;port&gt; &lt;database-file&gt; [oplog-excluded-db,...]
 */
public final class LakeMongoServer {
    private static final int WORKER_THREADS = 64;

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: LakeMongoServer <bind-host> <port> <database-file> [oplog-excluded-db,...]");
            System.exit(2);
        }
        Set<String> excluded = args.length == 4
            ? Arrays.stream(args[3].split(",")).map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet())
            : Set.of();
        LakeBackend backend = new LakeBackend(args[2], excluded);
        MongoServer server = new MongoServer(backend);
        server.enableOplog();
        // One event loop thread per connection in practice: a getMore waiting for a change event
        // (maxAwaitTimeMS) holds its thread, and must not hold up other clients on it.
        server.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 1, WORKER_THREADS);
        // SIGTERM from the supervisor: stop accepting, then close the store so every write is on disk.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            backend.close();
        }));
        System.out.println("mongo-java-server listening on " + server.getLocalAddress() + ", data in " + args[2]
            + ", oplog without " + excluded);
        Thread.currentThread().join();
    }
}

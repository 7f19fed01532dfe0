package io.datalake.mongo;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import java.util.Set;
import org.h2.mvstore.MVStore;

/**
 * mongo-java-server's H2 backend with {@link LakeOplog} as its oplog, and {@code operationTime}
 * in every command reply, as a replica set member sends it: drivers open a change stream "from
 * now" at the reply's operationTime and resume from it.
 */
final class LakeBackend extends H2Backend {
    private final Set<String> oplogExcluded;
    private LakeOplog lakeOplog;

    /**
     * How long the store keeps chunks an older version still uses. H2's default, 45 s, frees them
     * under a cursor that reads longer than that while writes go on (a Spark or pymongo scan of a
     * million documents): the read then fails with "Chunk N not found".
     */
    static final int RETENTION_MS = 60 * 60 * 1000;

    LakeBackend(String fileName, Set<String> oplogExcluded) {
        super(openStore(fileName));
        this.oplogExcluded = oplogExcluded;
    }

    private static MVStore openStore(String fileName) {
        MVStore store = MVStore.open(fileName);
        store.setRetentionTime(RETENTION_MS);
        return store;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Oplog createOplog() {
        MongoDatabase local = resolveDatabase("local");
        MongoCollection<Document> entries = (MongoCollection<Document>) local.resolveCollection("oplog.rs", false);
        if (entries == null) {
            entries = (MongoCollection<Document>) local.createCollectionOrThrowIfExists("oplog.rs");
        }
        lakeOplog = new LakeOplog(this, entries, getCursorRegistry(), oplogExcluded);
        return lakeOplog;
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        Document reply = super.handleCommand(channel, databaseName, command, query);
        if (lakeOplog != null && reply != null && !reply.containsKey("operationTime")) {
            reply.put("operationTime", lakeOplog.lastTimestamp());
        }
        return reply;
    }
}

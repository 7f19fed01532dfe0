package io.datalake.mongo;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import java.util.Set;

/**
 * mongo-java-server's H2 backend with {@link LakeOplog} as its oplog, and {@code operationTime}
 * in every command reply, as a replica set member sends it: drivers open a change stream "from
 * now" at the reply's operationTime and resume from it.
 */
final class LakeBackend extends H2Backend {
    private final Set<String> oplogExcluded;
    private LakeOplog lakeOplog;

    LakeBackend(String fileName, Set<String> oplogExcluded) {
        super(fileName);
        this.oplogExcluded = oplogExcluded;
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

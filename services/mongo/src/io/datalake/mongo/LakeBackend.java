package io.datalake.mongo;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import java.util.List;
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

    /** The longest a getMore on a change stream waits for an event (MongoDB's default is 1 s). */
    static final long MAX_AWAIT_MS = 5_000;

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
        Document reply;
        if ("getMore".equalsIgnoreCase(command) && query.get("maxTimeMS") instanceof Number await) {
            LakeOplog.AWAIT_MS.set(Math.min(await.longValue(), MAX_AWAIT_MS));
            try {
                reply = super.handleCommand(channel, databaseName, command, query);
            } finally {
                LakeOplog.AWAIT_MS.remove();
            }
        } else {
            reply = super.handleCommand(channel, databaseName, command, query);
        }
        if ("aggregate".equalsIgnoreCase(command) && reply != null) {
            batch(reply, query);
        }
        if (lakeOplog != null && reply != null && !reply.containsKey("operationTime")) {
            reply.put("operationTime", lakeOplog.lastTimestamp());
        }
        return reply;
    }

    /**
     * An aggregate's complete result (cursor id 0, everything in firstBatch) becomes a first batch
     * and a {@link BatchedCursor} for the rest. Tailable cursors (change streams) are left alone.
     */
    @SuppressWarnings("unchecked")
    private void batch(Document reply, Document query) {
        Object cursorField = reply.get("cursor");
        if (!(cursorField instanceof Document cursor) || ((Number) cursor.get("id")).longValue() != 0) {
            return;
        }
        List<Document> all = (List<Document>) cursor.get("firstBatch");
        int asked = BatchedCursor.FIRST_BATCH;
        if (query.get("cursor") instanceof Document options && options.get("batchSize") instanceof Number n) {
            asked = n.intValue();
        }
        if (all == null || all.isEmpty()) {
            return;
        }
        BatchedCursor rest = new BatchedCursor(getCursorRegistry().generateCursorId(), all);
        cursor.put("firstBatch", rest.takeDocuments(asked));
        if (!rest.isEmpty()) {
            getCursorRegistry().add(rest);
            cursor.put("id", rest.getId());
        }
    }
}

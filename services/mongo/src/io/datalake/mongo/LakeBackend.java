package io.datalake.mongo;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * mongo-java-server's H2 backend with {@link LakeOplog} as its oplog, {@code operationTime}
 * in every command reply, as a replica set member sends it (drivers open a change stream "from
 * now" at the reply's operationTime and resume from it), aggregate results in batches, and plain
 * reads streamed from the store ({@link #streamedRead}).
 */
final class LakeBackend extends H2Backend {
    /** How mongo-java-server's H2 backend names a collection's map of documents (by _id). */
    private static final String DATA_MAP_PREFIX = "databases.";
    /** Stages a streamed read applies document by document, in order. */
    private static final Set<String> STREAMED_STAGES = Set.of("$match", "$project");

    private final MVStore store;
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
        this(openStore(fileName), oplogExcluded);
    }

    private LakeBackend(MVStore store, Set<String> oplogExcluded) {
        super(store);
        this.store = store;
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
        } else if ("aggregate".equalsIgnoreCase(command) && streamable(databaseName, query)) {
            reply = streamedRead(databaseName, query);
        } else {
            reply = super.handleCommand(channel, databaseName, command, query);
            if ("aggregate".equalsIgnoreCase(command) && reply != null) {
                batch(reply, query);
            }
        }
        if (lakeOplog != null && reply != null && !reply.containsKey("operationTime")) {
            reply.put("operationTime", lakeOplog.lastTimestamp());
        }
        return reply;
    }

    /**
     * A plain read: an aggregate of a user collection with only {@code $match} and {@code $project}
     * stages (what the MongoDB Spark connector sends for each partition), no explain.
     */
    private boolean streamable(String databaseName, Document query) {
        if (!(query.get("aggregate") instanceof String collection) || query.containsKey("explain")
            || !(query.get("pipeline") instanceof List<?> pipeline) || Set.of("admin", "local", "config").contains(databaseName)
            || !store.hasMap(dataMapName(databaseName, collection))) {
            return false;
        }
        return pipeline.stream().allMatch(stage -> stage instanceof Document d && d.size() == 1
            && STREAMED_STAGES.contains(d.keySet().iterator().next()));
    }

    /**
     * Answers a plain read from a lazy stream over the collection's map, a consistent snapshot
     * read without the collection's lock: the first batch is sent at once and each getMore reads
     * on, so the client consumes while the server reads. mongo-java-server would read the whole
     * collection into a list first (for a million documents ~30 s before the first one is sent and
     * ~1.6 GiB of heap), and behind the collection's lock, so reads of one collection queued.
     */
    private Document streamedRead(String databaseName, Document query) {
        String collectionName = (String) query.get("aggregate");
        MongoDatabase database = resolveDatabase(databaseName);
        MongoCollection<?> collection = database.resolveCollection(collectionName, false);
        Aggregation aggregation = Aggregation.fromPipeline(query.get("pipeline"), this::resolveDatabase, database, collection, null);
        aggregation.validate(query);
        MVMap<Object, Document> documents = store.openMap(dataMapName(databaseName, collectionName));
        Iterator<Document> result = aggregation.runStagesAsStream(documents.values().stream()).iterator();
        Document cursor = new Document("id", 0L).append("ns", databaseName + "." + collectionName);
        handOut(new BatchedCursor(getCursorRegistry().generateCursorId(), result, true), query, cursor);
        Document reply = new Document("cursor", cursor);
        reply.put("ok", 1.0);
        return reply;
    }

    private static String dataMapName(String databaseName, String collectionName) {
        return DATA_MAP_PREFIX + databaseName + "." + collectionName;
    }

    /**
     * Puts the first batch of {@code batches} (101 documents, or the batch size the query asks
     * for) into a reply's {@code cursor} document, and registers the cursor under its id when
     * documents are left for getMore.
     */
    private void handOut(BatchedCursor batches, Document query, Document cursor) {
        int asked = BatchedCursor.FIRST_BATCH;
        if (query.get("cursor") instanceof Document options && options.get("batchSize") instanceof Number n) {
            asked = n.intValue();
        }
        cursor.put("firstBatch", batches.takeDocuments(asked));
        if (!batches.isEmpty()) {
            getCursorRegistry().add(batches);
            cursor.put("id", batches.getId());
        }
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
        if (all == null || all.isEmpty()) {
            return;
        }
        handOut(new BatchedCursor(getCursorRegistry().generateCursorId(), BatchedCursor.releasing(all), false), query, cursor);
    }
}

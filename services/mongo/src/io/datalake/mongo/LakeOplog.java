package io.datalake.mongo;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The server's oplog and change streams, with change events shaped like MongoDB's.
 *
 * <p>mongo-java-server's own oplog puts the update description where the key belongs
 * ({@code documentKey}), leaves out {@code ns} and {@code wallTime}, and scans its whole oplog on
 * every {@code getMore}. This one records each write in {@code local.oplog.rs} (keyed by its
 * timestamp, so an entry is one index lookup away) and keeps a small in-memory index of
 * (timestamp, namespace), so a change stream reads only the entries after its position.
 *
 * <p>Events carry {@code _id} (resume token {@code {_data: <hex timestamp>}}, the format the
 * server's resume options parse), {@code operationType} (insert, update, replace, delete, drop),
 * {@code clusterTime}, {@code wallTime}, {@code ns: {db, coll}}, {@code documentKey: {_id}},
 * {@code fullDocument} (inserts and replaces; updates with {@code fullDocument: "updateLookup"},
 * null when the document is gone) and {@code updateDescription} for updates. A stream opened on a
 * database ({@code aggregate: 1}) sees every collection of it. Databases in {@code excluded} are
 * not recorded at all (nothing reads their changes, and recording doubles the cost of a write).
 */
final class LakeOplog implements Oplog {
    private static final int SCAN_LIMIT = 100_000; // entries examined per getMore at most

    private final MongoBackend backend;
    private final MongoCollection<Document> entries;
    private final CursorRegistry cursors;
    private final Set<String> excluded;
    private final Clock clock;

    // The index: timestamps (ascending) and the namespace of each entry, appended under the lock.
    private long[] timestamps = new long[1024];
    private String[] namespaces = new String[1024];
    private int size;
    private int increment;

    LakeOplog(MongoBackend backend, MongoCollection<Document> entries, CursorRegistry cursors, Set<String> excluded) {
        this.backend = backend;
        this.entries = entries;
        this.cursors = cursors;
        this.excluded = excluded;
        this.clock = backend.getClock();
        entries.queryAllAsStream()
            .filter(e -> e.get("_id") instanceof Long && e.get("ts") instanceof BsonTimestamp)
            .sorted((a, b) -> Long.compare((Long) a.get("_id"), (Long) b.get("_id")))
            .forEach(e -> index((Long) e.get("_id"), (String) e.get("ns")));
        if (size > 0) {
            increment = new BsonTimestamp(timestamps[size - 1]).getInc();
        }
    }

    /** The newest timestamp handed out (the {@code operationTime} of command replies). */
    synchronized BsonTimestamp lastTimestamp() {
        return size > 0 ? new BsonTimestamp(timestamps[size - 1]) : new BsonTimestamp(clock.instant(), increment);
    }

    // ---- recording ------------------------------------------------------------------------------
    @Override
    public void handleInsert(String namespace, List<Document> documents) {
        for (Document document : documents) {
            record(namespace, "i", document.cloneDeeply(), null);
        }
    }

    @Override
    public void handleUpdate(String namespace, Document selector, Document update, List<Object> modifiedIds) {
        for (Object id : modifiedIds) {
            record(namespace, "u", update.cloneDeeply(), new Document("_id", id));
        }
    }

    @Override
    public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
        for (Object id : deletedIds) {
            record(namespace, "d", new Document("_id", id), null);
        }
    }

    @Override
    public void handleDropCollection(String namespace) {
        record(namespace, "c", new Document("drop", collectionOf(namespace)), null);
    }

    private synchronized void record(String namespace, String op, Document o, Document o2) {
        if (namespace.equals(entries.getFullName()) || excluded.contains(databaseOf(namespace))) {
            return;
        }
        BsonTimestamp ts = new BsonTimestamp(clock.instant(), ++increment);
        if (size > 0 && ts.getValue() <= timestamps[size - 1]) { // clock went back: stay ordered
            ts = new BsonTimestamp(timestamps[size - 1] + 1);
        }
        Document entry = new Document("_id", ts.getValue())
            .append("ts", ts)
            .append("t", 1L)
            .append("op", op)
            .append("ns", namespace)
            .append("wall", clock.instant())
            .append("o", o);
        if (o2 != null) {
            entry.append("o2", o2);
        }
        entries.addDocument(entry);
        index(ts.getValue(), namespace);
        notifyAll(); // wakes change streams waiting in a getMore (awaitAfter)
    }

    /**
     * How long a getMore on a change stream may wait for a new event: the command's
     * {@code maxTimeMS} (drivers send the stream's maxAwaitTimeMS there), set by
     * {@link LakeBackend} around the command. MongoDB waits that long before answering an empty
     * batch; answering at once made every client spin (the Kafka source used a core between
     * itself and this server on an idle platform).
     */
    static final ThreadLocal<Long> AWAIT_MS = ThreadLocal.withInitial(() -> 0L);

    /** Waits up to {@code millis} for an entry after {@code position}; true if one came. */
    private synchronized boolean awaitAfter(long position, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (size == 0 || timestamps[size - 1] <= position) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wait(Math.max(1, left / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private void index(long ts, String namespace) {
        if (size == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, size * 2);
            namespaces = Arrays.copyOf(namespaces, size * 2);
        }
        timestamps[size] = ts;
        namespaces[size] = namespace.intern();
        size++;
    }

    /** Up to {@code limit} entry timestamps after {@code after} whose namespace matches. */
    private synchronized long[] after(long after, Predicate<String> namespace, int limit, long[] scannedUpTo) {
        int from = Arrays.binarySearch(timestamps, 0, size, after);
        from = from >= 0 ? from + 1 : -from - 1;
        List<Long> found = new ArrayList<>();
        int i = from;
        for (; i < size && i - from < SCAN_LIMIT && found.size() < limit; i++) {
            if (namespace.test(namespaces[i])) {
                found.add(timestamps[i]);
            }
        }
        scannedUpTo[0] = i > from ? timestamps[i - 1] : after;
        return found.stream().mapToLong(Long::longValue).toArray();
    }

    // ---- change streams -------------------------------------------------------------------------
    @Override
    public Cursor createCursor(Document changeStream, String namespace, Aggregation aggregation) {
        long start;
        if (changeStream.get("startAfter") instanceof Document token) {
            start = Long.parseLong((String) token.get("_data"), 16);
        } else if (changeStream.get("resumeAfter") instanceof Document token) {
            start = Long.parseLong((String) token.get("_data"), 16);
        } else if (changeStream.get("startAtOperationTime") instanceof BsonTimestamp at) {
            start = at.getValue() - 1; // inclusive
        } else {
            start = lastTimestamp().getValue();
        }
        boolean lookup = "updateLookup".equals(changeStream.get("fullDocument"));
        String database = databaseOf(namespace);
        Predicate<String> watched = collectionOf(namespace).equals("1")
            ? ns -> databaseOf(ns).equals(database) && !collectionOf(ns).startsWith("system.")
            : namespace::equals;
        ChangeStreamCursor cursor = new ChangeStreamCursor(cursors.generateCursorId(), start, watched, lookup, aggregation);
        cursors.add(cursor);
        return cursor;
    }

    private final class ChangeStreamCursor implements Cursor {
        private final long id;
        private final Predicate<String> watched;
        private final boolean lookup;
        private final Aggregation aggregation;
        private long position;

        ChangeStreamCursor(long id, long position, Predicate<String> watched, boolean lookup, Aggregation aggregation) {
            this.id = id;
            this.position = position;
            this.watched = watched;
            this.lookup = lookup;
            this.aggregation = aggregation;
        }

        @Override
        public long getId() {
            return id;
        }

        @Override
        public boolean isEmpty() {
            return false; // a change stream is tailable: it never runs dry
        }

        @Override
        public synchronized List<Document> takeDocuments(int numberToReturn) {
            long[] scanned = new long[1];
            int limit = numberToReturn > 0 ? numberToReturn : 1000;
            long[] found = after(position, watched, limit, scanned);
            // Advance past entries the namespace filter or the pipeline dropped, too.
            position = scanned[0];
            if (found.length == 0 && awaitAfter(position, AWAIT_MS.get())) {
                found = after(position, watched, limit, scanned);
                position = scanned[0];
            }
            Stream<Document> events = Arrays.stream(found).mapToObj(ts -> toEvent(entry(ts)));
            return aggregation.runStages(events);
        }

        private Document toEvent(Document entry) {
            BsonTimestamp ts = (BsonTimestamp) entry.get("ts");
            String ns = (String) entry.get("ns");
            Document o = (Document) entry.get("o");
            Document event = new Document("_id", new Document("_data", Long.toHexString(ts.getValue())));
            Document nsDoc = new Document("db", databaseOf(ns)).append("coll", collectionOf(ns));
            switch ((String) entry.get("op")) {
                case "i" -> event.append("operationType", "insert")
                    .append("clusterTime", ts).append("wallTime", entry.get("wall")).append("ns", nsDoc)
                    .append("documentKey", new Document("_id", o.get("_id")))
                    .append("fullDocument", o);
                case "u" -> {
                    Object key = ((Document) entry.get("o2")).get("_id");
                    boolean replace = o.keySet().stream().noneMatch(k -> k.startsWith("$"));
                    event.append("operationType", replace ? "replace" : "update")
                        .append("clusterTime", ts).append("wallTime", entry.get("wall")).append("ns", nsDoc)
                        .append("documentKey", new Document("_id", key));
                    if (replace) {
                        event.append("fullDocument", new Document("_id", key).appendAll(without(o, "_id")));
                    } else {
                        event.append("updateDescription", updateDescription(o));
                        if (lookup) {
                            event.append("fullDocument", current(ns, key));
                        }
                    }
                }
                case "d" -> event.append("operationType", "delete")
                    .append("clusterTime", ts).append("wallTime", entry.get("wall")).append("ns", nsDoc)
                    .append("documentKey", new Document("_id", o.get("_id")));
                default -> event.append("operationType", "drop")
                    .append("clusterTime", ts).append("wallTime", entry.get("wall")).append("ns", nsDoc);
            }
            return event;
        }
    }

    private Document entry(long ts) {
        for (Document entry : entries.handleQuery(new Document("_id", ts), 0, 1)) {
            return entry;
        }
        throw new IllegalStateException("oplog entry " + Long.toHexString(ts) + " is indexed but missing");
    }

    private Document current(String namespace, Object id) {
        var collection = backend.resolveDatabase(databaseOf(namespace)).resolveCollection(collectionOf(namespace), false);
        if (collection == null) {
            return null;
        }
        for (Document document : collection.handleQuery(new Document("_id", id), 0, 1)) {
            return document;
        }
        return null; // deleted since: MongoDB's updateLookup gives null too
    }

    private static Document updateDescription(Document update) {
        Document updated = new Document();
        List<String> removed = new ArrayList<>();
        if (update.get("$set") instanceof Document set) {
            updated.appendAll(set);
        }
        if (update.get("$inc") instanceof Document inc) {
            inc.keySet().forEach(k -> updated.append(k, inc.get(k))); // the increment, not the result
        }
        if (update.get("$unset") instanceof Document unset) {
            removed.addAll(unset.keySet());
        }
        return new Document("updatedFields", updated).append("removedFields", removed);
    }

    private static Map<String, Object> without(Document document, String key) {
        Document copy = document.clone();
        copy.remove(key);
        return copy;
    }

    private static String databaseOf(String namespace) {
        return namespace.substring(0, namespace.indexOf('.'));
    }

    private static String collectionOf(String namespace) {
        return namespace.substring(namespace.indexOf('.') + 1);
    }
}

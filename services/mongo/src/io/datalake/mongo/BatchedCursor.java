package io.datalake.mongo;

import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An aggregate's result handed out in batches as MongoDB does: the first of 101 documents (or the
 * batch size asked for), each later one up to the batch size or 16 MiB.
 *
 * <p>mongo-java-server answers {@code aggregate} with the whole result in {@code firstBatch}: over
 * a million documents that is one reply of 160 MB, which drivers refuse (the Java driver's limit is
 * 48 MB), so the MongoDB Spark connector could not read a large collection. The documents come
 * from an iterator: a lazy one for a plain read ({@link LakeBackend}), so the server reads the
 * collection while the client consumes it; or {@link #releasing} over a computed result, so the
 * documents already sent are released and the heap shrinks as the client reads.
 *
 * <p>A lazy cursor reads ahead: once a batch is sent, the next one is read in the background, so
 * the server reads while the client works on the batch it has (drivers ask for the next batch
 * only when done with the last: without reading ahead, the server and the client took turns).
 */
final class BatchedCursor extends AbstractCursor {
    static final int FIRST_BATCH = 101;
    /** MongoDB's batch limit, less room for the reply around the documents. */
    static final int MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;

    private static final ExecutorService READ_AHEAD = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "cursor-read-ahead");
        thread.setDaemon(true);
        return thread;
    });

    /** One buffer per thread for measuring, so sizing a document allocates nothing. */
    private static final ThreadLocal<ByteBuf> SIZING = ThreadLocal.withInitial(() -> Unpooled.buffer(4096));
    private static final int KEPT_SIZING_BYTES = 1024 * 1024;

    private record Sized(Document document, int bytes) {}

    private final Iterator<Document> documents;
    private final boolean readAhead;
    /** Documents taken from the iterator and not sent yet (the read-ahead fills it). */
    private final ArrayDeque<Sized> pending = new ArrayDeque<>();
    private CompletableFuture<Void> reading = CompletableFuture.completedFuture(null);
    private volatile boolean more;

    BatchedCursor(long id, Iterator<Document> documents, boolean readAhead) {
        super(id);
        this.documents = documents;
        this.readAhead = readAhead;
        this.more = documents.hasNext();
    }

    /** Iterates a computed result and lets go of each document once handed out. */
    static Iterator<Document> releasing(List<Document> result) {
        List<Document> documents = new ArrayList<>(result);
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < documents.size();
            }

            @Override
            public Document next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Document document = documents.get(next);
                documents.set(next++, null);
                return document;
            }
        };
    }

    @Override
    public boolean isEmpty() {
        return !more;
    }

    /** Up to {@code limit} documents (none: as many as fit in one batch), never over 16 MiB. */
    @Override
    public synchronized List<Document> takeDocuments(int limit) {
        try {
            reading.join();
        } catch (CompletionException e) {
            // The read ahead failed (the store, a $match on a bad value): the client gets its error.
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        List<Document> batch = new ArrayList<>();
        long bytes = 0;
        while (limit <= 0 || batch.size() < limit) {
            Sized next = pending.isEmpty() ? readOne() : pending.peekFirst();
            if (next == null || (!batch.isEmpty() && bytes + next.bytes() > MAX_BATCH_BYTES)) {
                break;
            }
            pending.pollFirst();
            batch.add(next.document());
            bytes += next.bytes();
        }
        more = !pending.isEmpty() || documents.hasNext();
        if (readAhead && more) {
            reading = CompletableFuture.runAsync(this::readBatch, READ_AHEAD);
        }
        return batch;
    }

    /** The next document into {@code pending}, or null at the end. */
    private Sized readOne() {
        if (!documents.hasNext()) {
            return null;
        }
        Document document = documents.next();
        Sized sized = new Sized(document, bsonSize(document));
        pending.addLast(sized);
        return sized;
    }

    /** Reads up to one full batch into {@code pending}. */
    private void readBatch() {
        long bytes = pending.stream().mapToLong(Sized::bytes).sum();
        while (bytes < MAX_BATCH_BYTES) {
            Sized next = readOne();
            if (next == null) {
                return;
            }
            bytes += next.bytes();
        }
    }

    static int bsonSize(Document document) {
        ByteBuf buffer = SIZING.get().clear();
        BsonEncoder.encodeDocument(document, buffer);
        if (buffer.capacity() > KEPT_SIZING_BYTES) {
            SIZING.remove(); // a large document: its buffer is not kept for the thread's life
        }
        return buffer.writerIndex();
    }
}

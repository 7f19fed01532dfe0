package io.datalake.mongo;

import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * An aggregate's result handed out in batches as MongoDB does: the first of 101 documents (or the
 * batch size asked for), each later one up to the batch size or 16 MiB.
 *
 * <p>mongo-java-server answers {@code aggregate} with the whole result in {@code firstBatch}: over
 * a million documents that is one reply of 160 MB, which drivers refuse (the Java driver's limit is
 * 48 MB), so the MongoDB Spark connector could not read a large collection. Documents already sent
 * are released, so the server's heap shrinks as the client reads.
 */
final class BatchedCursor extends AbstractCursor {
    static final int FIRST_BATCH = 101;
    /** MongoDB's batch limit, less room for the reply around the documents. */
    static final int MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;

    private final List<Document> documents;
    private int next;

    BatchedCursor(long id, List<Document> documents) {
        super(id);
        this.documents = new ArrayList<>(documents);
    }

    @Override
    public boolean isEmpty() {
        return next >= documents.size();
    }

    /** Up to {@code limit} documents (none: as many as fit in one batch), never over 16 MiB. */
    @Override
    public List<Document> takeDocuments(int limit) {
        List<Document> batch = new ArrayList<>();
        long bytes = 0;
        while (next < documents.size() && (limit <= 0 || batch.size() < limit)) {
            Document document = documents.get(next);
            int size = bsonSize(document);
            if (!batch.isEmpty() && bytes + size > MAX_BATCH_BYTES) {
                break;
            }
            batch.add(document);
            documents.set(next++, null);
            bytes += size;
        }
        return batch;
    }

    static int bsonSize(Document document) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            BsonEncoder.encodeDocument(document, buffer);
            return buffer.writerIndex();
        } finally {
            buffer.release();
        }
    }
}

package io.datalake.connect.lake;

import java.io.IOException;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes one topic partition into at most one open temp file and commits it by renaming.
 * Offsets only ever move forward: anything below {@link #nextOffset} is skipped.
 */
class PartitionWriter {

    private final FileSystem fs;
    private final Path topicDir;
    private final TopicPartition tp;
    private final int flushSize;
    private final long rotateIntervalMs;

    /** Last offset inside a committed file, -1 if none. */
    private long lastCommitted = -1;
    /** Offset after the last one written or committed, -1 if unknown; records below it are duplicates. */
    private long nextOffset = -1;

    /** Non-null while a file is open, until its rename succeeded. */
    private Path tempPath;
    private FSDataOutputStream out;
    private String dt;
    private long startOffset;
    private long openedAtMs;
    private int count;

    PartitionWriter(FileSystem fs, Path root, TopicPartition tp, int flushSize, long rotateIntervalMs) {
        this.fs = fs;
        this.topicDir = new Path(root, tp.topic());
        this.tp = tp;
        this.flushSize = flushSize;
        this.rotateIntervalMs = rotateIntervalMs;
    }

    /** Deletes leftover temp files and returns the last committed offset found in the lake, or -1. */
    long recover() throws IOException {
        for (FileStatus temp : glob(LakeFiles.tempGlob(tp.topic(), tp.partition()))) {
            fs.delete(temp.getPath(), false);
        }
        long max = -1;
        for (FileStatus file : glob(LakeFiles.committedGlob(tp.topic(), tp.partition()))) {
            var parsed = LakeFiles.parse(file.getPath().getName());
            if (parsed.isPresent() && parsed.get().topic().equals(tp.topic())
                    && parsed.get().partition() == tp.partition()) {
                max = Math.max(max, parsed.get().endOffset());
            }
        }
        lastCommitted = max;
        nextOffset = max < 0 ? -1 : max + 1;
        return max;
    }

    private FileStatus[] glob(String namePattern) throws IOException {
        FileStatus[] found = fs.globStatus(new Path(new Path(topicDir, "dt=*"), namePattern));
        return found == null ? new FileStatus[0] : found;
    }

    boolean accepts(long offset) {
        return offset >= nextOffset;
    }

    void write(long offset, String recordDt, byte[] line, long nowMs) throws IOException {
        if (!accepts(offset)) {
            return;
        }
        if (tempPath != null && !dt.equals(recordDt)) {
            commit();
        }
        if (tempPath == null) {
            dt = recordDt;
            startOffset = offset;
            openedAtMs = nowMs;
            count = 0;
            Path path = new Path(new Path(topicDir, dt), LakeFiles.tempName(tp.topic(), tp.partition(), offset));
            out = fs.create(path, false);
            tempPath = path;
        }
        out.write(line);
        nextOffset = offset + 1;
        if (++count >= flushSize) {
            commit();
        }
    }

    void rotateIfExpired(long nowMs) throws IOException {
        if (tempPath != null && nowMs - openedAtMs >= rotateIntervalMs) {
            commit();
        }
    }

    private void commit() throws IOException {
        out.close();
        Path target = new Path(tempPath.getParent(),
                new LakeFiles.Committed(tp.topic(), tp.partition(), startOffset, nextOffset - 1).name());
        if (!fs.rename(tempPath, target)) {
            throw new IOException("Rename " + tempPath + " -> " + target + " failed");
        }
        lastCommitted = nextOffset - 1;
        tempPath = null;
        out = null;
    }

    /** Drops the open file, if any; its records are written again once the consumer is at {@link #resumeOffset}. */
    void abort() {
        if (tempPath == null) {
            return;
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // The file is deleted below (or by the next recovery), so a failed close loses nothing.
        }
        try {
            fs.delete(tempPath, false);
        } catch (IOException ignored) {
            // Leftover temp files are hidden from readers and removed by recover().
        }
        tempPath = null;
        out = null;
        nextOffset = startOffset;
    }

    /** The offset after the last record that sits in a committed file, or -1 if none does. */
    long committedNextOffset() {
        return lastCommitted < 0 ? -1 : lastCommitted + 1;
    }

    /** The offset the consumer should be at for this writer to continue without gaps, or -1 if unknown. */
    long resumeOffset() {
        return nextOffset;
    }
}

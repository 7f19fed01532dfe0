package io.datalake.connect.lake;

import java.io.IOException;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once sink task: records go to one temp file per partition, files are committed by an
 * atomic rename, Kafka offsets are only reported for renamed files, and on open() the resume point
 * is read back from the committed file names.
 */
public class LakeSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(LakeSinkTask.class);

    private final Clock clock;
    private final Map<TopicPartition, PartitionWriter> writers = new HashMap<>();
    private LakeSinkConfig config;
    private FileSystem fs;
    private JsonLineFormatter formatter;
    /** Set after a failed put(): the worker redelivers that batch, but we already rewound instead. */
    private boolean discardNextBatch;

    public LakeSinkTask() {
        this(Clock.systemUTC());
    }

    LakeSinkTask(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String version() {
        return LakeSinkConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new LakeSinkConfig(props);
        formatter = new JsonLineFormatter();
        try {
            // A private instance, so stop() can close it without breaking other tasks in this JVM.
            fs = FileSystem.newInstance(config.root().toUri(), config.hadoopConf());
        } catch (IOException e) {
            throw new ConnectException("Cannot open filesystem " + config.root(), e);
        }
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            PartitionWriter writer = new PartitionWriter(fs, config.root(), tp, config.flushSize(),
                    config.rotateIntervalMs());
            long lastCommitted = recover(tp, writer);
            writers.put(tp, writer);
            if (lastCommitted >= 0) {
                log.info("{}: resuming after offset {} found in the lake", tp, lastCommitted);
                context.offset(tp, lastCommitted + 1);
            }
        }
    }

    /**
     * The partition's last committed offset in the lake, retried while the filesystem is unreachable:
     * a rebalance during a NameNode restart calls open() then, and failing here would fail the task
     * for good (Connect does not restart a FAILED task). Gives up after recover.timeout.ms.
     */
    private long recover(TopicPartition tp, PartitionWriter writer) {
        long deadline = clock.millis() + config.recoverTimeoutMs();
        long backoffMs = 500;
        while (true) {
            try {
                return writer.recover();
            } catch (IOException e) {
                if (clock.millis() + backoffMs > deadline) {
                    throw new ConnectException("Cannot recover " + tp + " from " + config.root(), e);
                }
                log.warn("{}: cannot read the resume point from {} ({}); retrying in {} ms", tp, config.root(),
                        e.getMessage(), backoffMs);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new ConnectException("Interrupted while recovering " + tp, interrupted);
                }
                backoffMs = Math.min(backoffMs * 2, 5000);
            }
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (discardNextBatch) {
            discardNextBatch = false;
            rewind(records);
            return;
        }
        long now = clock.millis();
        try {
            for (SinkRecord record : records) {
                write(record, now);
            }
            for (PartitionWriter writer : writers.values()) {
                writer.rotateIfExpired(now);
            }
        } catch (IOException e) {
            writers.values().forEach(PartitionWriter::abort);
            rewind(records);
            discardNextBatch = true;
            throw new RetriableException("Writing to " + config.root() + " failed; open files were dropped "
                    + "and their partitions rewound", e);
        }
    }

    private void write(SinkRecord record, long now) throws IOException {
        PartitionWriter writer = writers.get(partitionOf(record));
        if (writer == null) {
            throw new ConnectException("Record for unassigned partition " + partitionOf(record));
        }
        // Skip replays before serializing, so a bad record is not sent to the dead-letter queue twice.
        if (!writer.accepts(record.originalKafkaOffset())) {
            return;
        }
        byte[] line;
        try {
            line = formatter.format(record);
        } catch (DataException e) {
            ErrantRecordReporter reporter = context.errantRecordReporter();
            if (reporter == null) {
                throw e;
            }
            // Routes the record to the dead-letter queue when errors.tolerance=all; fails the task otherwise.
            reporter.report(record, e);
            return;
        }
        long timestamp = record.timestamp() != null ? record.timestamp() : now;
        writer.write(record.originalKafkaOffset(), LakeFiles.dtFolder(timestamp), line, now);
    }

    /**
     * Seeks each partition back to where its writer continues (or, if unknown, to its first record in
     * the batch), so that records dropped from aborted files or in a discarded batch are delivered
     * again; the writers skip anything older.
     */
    private void rewind(Collection<SinkRecord> records) {
        Map<TopicPartition, Long> targets = new HashMap<>();
        writers.forEach((tp, writer) -> {
            if (writer.resumeOffset() >= 0) {
                targets.put(tp, writer.resumeOffset());
            }
        });
        for (SinkRecord record : records) {
            TopicPartition tp = partitionOf(record);
            if (writers.containsKey(tp) && writers.get(tp).resumeOffset() < 0) {
                targets.merge(tp, record.originalKafkaOffset(), Math::min);
            }
        }
        context.offset(targets);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        long now = clock.millis();
        for (Map.Entry<TopicPartition, PartitionWriter> entry : writers.entrySet()) {
            try {
                entry.getValue().rotateIfExpired(now);
            } catch (IOException e) {
                entry.getValue().abort();
                context.offset(entry.getKey(), entry.getValue().resumeOffset());
                throw new RetriableException("Committing a file of " + entry.getKey() + " failed", e);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        for (TopicPartition tp : currentOffsets.keySet()) {
            PartitionWriter writer = writers.get(tp);
            if (writer != null && writer.committedNextOffset() >= 0) {
                committed.put(tp, new OffsetAndMetadata(writer.committedNextOffset()));
            }
        }
        return committed;
    }

    /**
     * Open files are dropped, not committed: their records are above the offsets preCommit reported,
     * so whoever owns the partition next re-reads them, and close() stays quick during a rebalance.
     */
    @Override
    public void close(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            PartitionWriter writer = writers.remove(tp);
            if (writer != null) {
                writer.abort();
            }
        }
    }

    @Override
    public void stop() {
        writers.values().forEach(PartitionWriter::abort);
        writers.clear();
        if (fs != null) {
            try {
                fs.close();
            } catch (IOException e) {
                log.warn("Closing filesystem {} failed", config.root(), e);
            }
        }
    }

    private static TopicPartition partitionOf(SinkRecord record) {
        return new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
    }
}

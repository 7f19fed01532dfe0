package io.datalake.connect.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeSinkTaskTest {

    private static final String TOPIC = "orders.v1-eu";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final long DAY1 = Instant.parse("2024-05-01T10:00:00Z").toEpochMilli();
    private static final long DAY2 = Instant.parse("2024-05-02T00:00:00Z").toEpochMilli();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(DAY1);
    private final List<LakeSinkTask> tasks = new ArrayList<>();

    @AfterEach
    void stopTasks() {
        tasks.forEach(LakeSinkTask::stop);
        FaultyFileSystem.failRenames = false;
        FaultyFileSystem.failGlobs = 0;
    }

    private LakeSinkTask startTask(FakeContext context, int flushSize, long rotateIntervalMs, Map<String, String> extra) {
        LakeSinkTask task = new LakeSinkTask(clock);
        task.initialize(context);
        Map<String, String> props = new HashMap<>(Map.of(
                "lake.url", dir.toUri().toString(),
                "flush.size", String.valueOf(flushSize),
                "rotate.interval.ms", String.valueOf(rotateIntervalMs)));
        props.putAll(extra);
        task.start(props);
        task.open(List.of(TP));
        tasks.add(task);
        return task;
    }

    private LakeSinkTask startTask(FakeContext context, int flushSize) {
        return startTask(context, flushSize, 3_600_000, Map.of());
    }

    private static SinkRecord record(long offset, Long timestamp, Schema valueSchema, Object value) {
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, "k" + offset, valueSchema, value, offset,
                timestamp, timestamp == null ? org.apache.kafka.common.record.TimestampType.NO_TIMESTAMP_TYPE
                        : org.apache.kafka.common.record.TimestampType.CREATE_TIME);
    }

    private static List<SinkRecord> records(long from, long toInclusive, long timestamp) {
        return LongStream.rangeClosed(from, toInclusive)
                .mapToObj(o -> record(o, timestamp, null, Map.of("n", o)))
                .toList();
    }

    private Path root() {
        return dir.resolve("lake/raw/kafka");
    }

    /** Committed files as "dt=.../name", sorted. */
    private List<String> committed() throws IOException {
        return files(name -> !name.startsWith(".") && name.endsWith(".jsonl"));
    }

    private List<String> temps() throws IOException {
        return files(name -> name.startsWith(".") && name.endsWith(".tmp"));
    }

    private List<String> files(java.util.function.Predicate<String> nameFilter) throws IOException {
        if (!Files.exists(root())) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root())) {
            return walk.filter(p -> nameFilter.test(p.getFileName().toString()))
                    .map(p -> p.getParent().getFileName() + "/" + p.getFileName())
                    .sorted()
                    .toList();
        }
    }

    private List<JsonNode> rows() throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String file : committed()) {
            for (String line : Files.readAllLines(root().resolve(TOPIC).resolve(file))) {
                rows.add(JSON.readTree(line));
            }
        }
        return rows;
    }

    private static String name(long start, long end) {
        return new LakeFiles.Committed(TOPIC, 0, start, end).name();
    }

    private static Map<TopicPartition, OffsetAndMetadata> current(long offset) {
        return Map.of(TP, new OffsetAndMetadata(offset));
    }

    @Test
    void rotatesByFlushSizeAndReportsOnlyCommittedOffsets() throws IOException {
        FakeContext context = new FakeContext();
        LakeSinkTask task = startTask(context, 10);
        assertEquals(Map.of(), context.offsets, "empty lake: no seek");

        task.put(records(0, 24, DAY1));

        assertEquals(List.of("dt=2024-05-01/" + name(0, 9), "dt=2024-05-01/" + name(10, 19)), committed());
        assertEquals(1, temps().size());
        assertEquals(Map.of(TP, new OffsetAndMetadata(20)), task.preCommit(current(25)));

        task.close(List.of(TP));
        assertEquals(List.of(), temps(), "close drops the open file");
        assertEquals(2, committed().size());
    }

    @Test
    void partitionWithOnlyAnOpenFileReportsNoOffset() {
        LakeSinkTask task = startTask(new FakeContext(), 10);
        task.put(records(0, 4, DAY1));
        assertEquals(Map.of(), task.preCommit(current(5)));
    }

    @Test
    void rotatesByIntervalOnPutAndOnPreCommit() throws IOException {
        LakeSinkTask task = startTask(new FakeContext(), 1000, 60_000, Map.of());
        task.put(records(0, 2, DAY1));
        clock.advance(59_999);
        task.put(List.of());
        assertEquals(List.of(), committed());

        clock.advance(1);
        task.put(List.of());
        assertEquals(List.of("dt=2024-05-01/" + name(0, 2)), committed());

        task.put(records(3, 4, DAY1));
        clock.advance(60_000);
        assertEquals(Map.of(TP, new OffsetAndMetadata(5)), task.preCommit(current(5)), "idle partition commits");
        assertEquals(List.of("dt=2024-05-01/" + name(0, 2), "dt=2024-05-01/" + name(3, 4)), committed());
    }

    @Test
    void rotatesWhenTheDateChanges() throws IOException {
        LakeSinkTask task = startTask(new FakeContext(), 1000);
        List<SinkRecord> batch = new ArrayList<>(records(0, 1, DAY1));
        batch.addAll(records(2, 3, DAY2));
        task.put(batch);

        assertEquals(List.of("dt=2024-05-01/" + name(0, 1)), committed());
        assertTrue(temps().get(0).startsWith("dt=2024-05-02/."), temps().toString());
    }

    @Test
    void recordWithoutTimestampUsesTheClock() throws IOException {
        LakeSinkTask task = startTask(new FakeContext(), 1);
        clock.set(DAY2);
        task.put(List.of(record(0, null, null, "x")));
        assertEquals(List.of("dt=2024-05-02/" + name(0, 0)), committed());
        assertTrue(rows().get(0).get("timestamp").isNull());
    }

    @Test
    void recoversFromACrashWithoutLosingOrDuplicatingRecords() throws IOException {
        LakeSinkTask first = startTask(new FakeContext(), 10);
        first.put(records(0, 14, DAY1));
        first.put(records(15, 24, DAY2));
        // Crash: the first task is dropped without close(), leaving 20..24 in a temp file.
        tasks.remove(first);
        assertEquals(List.of("dt=2024-05-01/" + name(0, 9), "dt=2024-05-01/" + name(10, 14),
                "dt=2024-05-02/" + name(15, 24)), committed());
        // Make dt=2024-05-02 hold a committed file and a temp file, as a crash mid-file would.
        FakeContext crashed = new FakeContext();
        LakeSinkTask second = startTask(crashed, 10);
        second.put(records(25, 27, DAY2));
        tasks.remove(second);
        assertEquals(1, temps().size());

        FakeContext context = new FakeContext();
        LakeSinkTask third = startTask(context, 10);

        assertEquals(List.of(), temps(), "leftover temp files are deleted on open");
        assertEquals(Map.of(TP, 25L), context.offsets, "resume right after the last committed record");
        // The worker's consumer offsets may be older than the lake: the replay must be skipped.
        third.put(records(0, 34, DAY2));
        assertEquals(Map.of(TP, new OffsetAndMetadata(35)), third.preCommit(current(35)));

        List<Long> offsets = rows().stream().map(r -> r.get("offset").asLong()).sorted().toList();
        assertEquals(LongStream.rangeClosed(0, 34).boxed().toList(), offsets);
    }

    @Test
    void openRetriesTheResumePointWhileTheFilesystemIsUnreachable() throws IOException {
        Map<String, String> faulty = Map.of(
                "lake.url", "faulty://" + dir.toUri().getPath(),
                "hadoop.conf.fs.faulty.impl", FaultyFileSystem.class.getName());
        startTask(new FakeContext(), 10, 3_600_000, faulty).put(records(0, 9, DAY1));

        FaultyFileSystem.failGlobs = 2; // a NameNode restarting during a rebalance
        FakeContext context = new FakeContext();
        startTask(context, 10, 3_600_000, faulty);
        assertEquals(Map.of(TP, 10L), context.offsets, "resumes after the committed file");

        FaultyFileSystem.failGlobs = 1;
        Map<String, String> impatient = new HashMap<>(faulty);
        impatient.put("recover.timeout.ms", "0");
        assertThrows(ConnectException.class, () -> startTask(new FakeContext(), 10, 3_600_000, impatient));
    }

    @Test
    void ioFailureRewindsAndDiscardsTheRedeliveredBatch() throws IOException {
        FakeContext context = new FakeContext();
        LakeSinkTask task = startTask(context, 10, 3_600_000, Map.of(
                "lake.url", "faulty://" + dir.toUri().getPath(),
                "hadoop.conf.fs.faulty.impl", FaultyFileSystem.class.getName()));
        task.put(records(0, 4, DAY1));

        FaultyFileSystem.failRenames = true;
        assertThrows(RetriableException.class, () -> task.put(records(5, 9, DAY1)));
        assertEquals(List.of(), temps());
        assertEquals(Map.of(TP, 0L), context.offsets, "rewind to the start of the dropped file");

        FaultyFileSystem.failRenames = false;
        task.put(records(5, 9, DAY1)); // the worker's redelivery, which precedes the rewound records
        task.put(records(0, 12, DAY1));
        assertEquals(List.of("dt=2024-05-01/" + name(0, 9)), committed());
        assertEquals(Map.of(TP, new OffsetAndMetadata(10)), task.preCommit(current(13)));
    }

    @Test
    void structAndSchemalessMapGiveTheSameJsonAndTombstonesGiveNull() throws IOException {
        Schema schema = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA)
                .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build()).build();
        Struct struct = new Struct(schema).put("id", 7L).put("name", "ü\"x").put("tags", List.of("a"));
        Map<String, Object> map = Map.of("id", 7L, "name", "ü\"x", "tags", List.of("a"));

        LakeSinkTask task = startTask(new FakeContext(), 3);
        task.put(List.of(record(0, DAY1, schema, struct), record(1, DAY1, null, map), record(2, DAY1, null, null)));

        List<JsonNode> rows = rows();
        assertEquals(rows.get(0).get("value"), rows.get(1).get("value"));
        assertEquals(JSON.readTree("{\"id\":7,\"name\":\"ü\\\"x\",\"tags\":[\"a\"]}"), rows.get(0).get("value"));
        assertEquals(JSON.readTree("{\"topic\":\"orders.v1-eu\",\"partition\":0,\"offset\":2,\"timestamp\":"
                + DAY1 + ",\"key\":\"k2\",\"value\":null}"), rows.get(2));
    }

    @Test
    void unserializableValueIsADataExceptionOrGoesToTheErrantRecordReporter() throws IOException {
        SinkRecord bad = record(1, DAY1, null, new Object());

        LakeSinkTask strict = startTask(new FakeContext(), 10);
        DataException error = assertThrows(DataException.class, () -> strict.put(List.of(bad)));
        assertTrue(error.getMessage().contains("value of record orders.v1-eu-0@1"), error.getMessage());

        FakeContext context = new FakeContext();
        context.errantReporting = true;
        LakeSinkTask tolerant = startTask(context, 2);
        tolerant.put(List.of(record(0, DAY1, null, "a"), bad, record(2, DAY1, null, "c")));
        assertEquals(List.of(bad), context.errant);
        assertEquals(List.of(0L, 2L), rows().stream().map(r -> r.get("offset").asLong()).toList());
    }

    private static final class MutableClock extends Clock {
        private long millis;

        MutableClock(long millis) {
            this.millis = millis;
        }

        void advance(long ms) {
            millis += ms;
        }

        void set(long ms) {
            millis = ms;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}

package io.datalake.connect.lake;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Pure naming rules for files in the raw zone. */
public final class LakeFiles {

    /** A committed file's coordinates; offsets are inclusive. */
    public record Committed(String topic, int partition, long startOffset, long endOffset) {
        public String name() {
            return String.format("%s+%d+%020d+%020d.jsonl", topic, partition, startOffset, endOffset);
        }
    }

    // Kafka topic names are [a-zA-Z0-9._-]+, so '+' safely separates the fields.
    private static final Pattern COMMITTED = Pattern.compile("([a-zA-Z0-9._-]+)\\+(\\d+)\\+(\\d{20})\\+(\\d{20})\\.jsonl");
    private static final DateTimeFormatter DT = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private LakeFiles() {
    }

    public static Optional<Committed> parse(String name) {
        Matcher m = COMMITTED.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Committed(m.group(1), Integer.parseInt(m.group(2)),
                Long.parseLong(m.group(3)), Long.parseLong(m.group(4))));
    }

    /** Hidden (leading '.') so Spark and other readers skip files that are still being written. */
    public static String tempName(String topic, int partition, long startOffset) {
        return String.format(".%s+%d+%020d.%s.tmp", topic, partition, startOffset, UUID.randomUUID());
    }

    /** Glob matching the temp files of one partition in a dt= folder. */
    public static String tempGlob(String topic, int partition) {
        return "." + topic + "+" + partition + "+*.tmp";
    }

    /** Glob matching the committed files of one partition in a dt= folder. */
    public static String committedGlob(String topic, int partition) {
        return topic + "+" + partition + "+*.jsonl";
    }

    public static String dtFolder(long epochMillis) {
        return "dt=" + DT.format(Instant.ofEpochMilli(epochMillis));
    }
}

package io.datalake.connect.lake;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Connector settings; keys prefixed with {@code hadoop.conf.} go to the Hadoop Configuration. */
public class LakeSinkConfig extends AbstractConfig {

    public static final String LAKE_URL = "lake.url";
    public static final String TOPICS_DIR = "topics.dir";
    public static final String FLUSH_SIZE = "flush.size";
    public static final String ROTATE_INTERVAL_MS = "rotate.interval.ms";
    public static final String RECOVER_TIMEOUT_MS = "recover.timeout.ms";
    public static final String HADOOP_CONF_PREFIX = "hadoop.conf.";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(LAKE_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Filesystem URI, e.g. hdfs://127.0.0.1:9000, gs://bucket or file:///tmp/lake.")
            .define(TOPICS_DIR, Type.STRING, "/lake/raw/kafka", Importance.MEDIUM,
                    "Root folder, relative to the path of lake.url, under which <topic>/dt=<date>/ folders are written.")
            .define(FLUSH_SIZE, Type.INT, 10000, Range.atLeast(1), Importance.MEDIUM,
                    "Commit a file after this many records.")
            .define(ROTATE_INTERVAL_MS, Type.LONG, 60000L, Range.atLeast(1), Importance.MEDIUM,
                    "Commit an open file once it has been open this long.")
            .define(RECOVER_TIMEOUT_MS, Type.LONG, 180000L, Range.atLeast(0), Importance.LOW,
                    "How long open() retries reading a partition's resume point while the filesystem "
                    + "is unreachable (a restarting NameNode) before the task fails.");

    public LakeSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
    }

    public int flushSize() {
        return getInt(FLUSH_SIZE);
    }

    public long rotateIntervalMs() {
        return getLong(ROTATE_INTERVAL_MS);
    }

    public long recoverTimeoutMs() {
        return getLong(RECOVER_TIMEOUT_MS);
    }

    /** lake.url joined with topics.dir, so file:///tmp/x lands under /tmp/x/lake/raw/kafka. */
    public Path root() {
        String url = getString(LAKE_URL).replaceAll("/+$", "");
        String dir = getString(TOPICS_DIR).replaceAll("^/+", "");
        return new Path(dir.isEmpty() ? url + "/" : url + "/" + dir);
    }

    public Configuration hadoopConf() {
        Configuration conf = new Configuration();
        originalsWithPrefix(HADOOP_CONF_PREFIX).forEach((k, v) -> conf.set(k, String.valueOf(v)));
        return conf;
    }
}

package io.datalake.connect.lake;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/** Lands Kafka topics as JSON Lines files in a data lake's raw zone, exactly once. */
public class LakeSinkConnector extends SinkConnector {

    static final String VERSION = "0.1.0";

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return LakeSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return Collections.nCopies(maxTasks, props);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return LakeSinkConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return VERSION;
    }
}

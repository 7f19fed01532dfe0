package io.datalake.connect.lake;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Turns a record into one JSON Lines row. Key and value go through Kafka's own JsonConverter
 * without schemas, so a Struct and an equivalent schemaless Map produce the same JSON.
 */
public class JsonLineFormatter {

    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    private final JsonConverter keyConverter = converter(true);
    private final JsonConverter valueConverter = converter(false);

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), isKey);
        return converter;
    }

    public byte[] format(SinkRecord record) {
        String topic = record.originalTopic();
        byte[] key = toJson(keyConverter, "key", record, record.keySchema(), record.key());
        byte[] value = toJson(valueConverter, "value", record, record.valueSchema(), record.value());
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + key.length + value.length);
        // Topic names are [a-zA-Z0-9._-]+, so they need no JSON escaping.
        out.writeBytes(("{\"topic\":\"" + topic
                + "\",\"partition\":" + record.originalKafkaPartition()
                + ",\"offset\":" + record.originalKafkaOffset()
                + ",\"timestamp\":" + record.timestamp()
                + ",\"key\":").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(key);
        out.writeBytes(",\"value\":".getBytes(StandardCharsets.UTF_8));
        out.writeBytes(value);
        out.write('}');
        out.write('\n');
        return out.toByteArray();
    }

    private static byte[] toJson(JsonConverter converter, String field, SinkRecord record, Schema schema, Object data) {
        try {
            byte[] json = converter.fromConnectData(record.originalTopic(), schema, data);
            return json == null ? NULL : json;
        } catch (RuntimeException e) {
            throw new DataException(String.format("Cannot serialize %s of record %s-%d@%d to JSON: %s", field,
                    record.originalTopic(), record.originalKafkaPartition(), record.originalKafkaOffset(),
                    e.getMessage()), e);
        }
    }
}

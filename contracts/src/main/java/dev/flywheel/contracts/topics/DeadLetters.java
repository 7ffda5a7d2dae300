package dev.flywheel.contracts.topics;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead-letter records: the original key and value bytes unchanged, and headers saying where they came from
 * and why they were rejected, so that nothing is lost and an operator can replay after a fix.
 */
public final class DeadLetters {
    public static final String REASON = "flywheel.dlq.reason";
    public static final String FIELD = "flywheel.dlq.field";
    public static final String SOURCE_TOPIC = "flywheel.dlq.source.topic";
    public static final String SOURCE_PARTITION = "flywheel.dlq.source.partition";
    public static final String SOURCE_OFFSET = "flywheel.dlq.source.offset";

    private DeadLetters() {}

    public static ProducerRecord<byte[], byte[]> record(Topic source, int partition, long offset,
                                                        byte[] key, byte[] value, String field, String reason) {
        var headers = new RecordHeaders();
        headers.add(REASON, utf8(reason));
        headers.add(FIELD, utf8(field));
        headers.add(SOURCE_TOPIC, utf8(source.name()));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return new ProducerRecord<>(source.dlq(), null, key, value, headers);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}

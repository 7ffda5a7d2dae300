package dev.flywheel.ingest.internal;

import dev.flywheel.ingest.config.IngestConfig;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Kafka client settings of the ingest service, in one place so that tests and benchmarks run what production runs. */
public final class KafkaClients {
    private KafkaClients() {}

    /**
     * The sink's consumer: manual commits (only after ClickHouse acknowledged), from the earliest offset for a new
     * group, and room for a record over the event size limit so that it can reach the DLQ.
     */
    public static Properties sinkConsumer(String bootstrap, IngestConfig config, String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumerGroup());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.maxPollRecords()));
        // Large fetches: fewer round trips per row (events are ~0.7 KB, so 8 MiB is ~12k records a partition);
        // fetch.min.bytes lets the broker answer once 256 KiB are ready, fetch.max.wait bounds the delay at low rates.
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 << 20));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(256 << 10));
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        p.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, Integer.toString(1 << 20));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /**
     * The feedback producer: acks=all and idempotent; every wait bounded by {@code produceTimeout} (metadata via
     * max.block.ms, delivery via delivery.timeout.ms) so that a request never hangs when Kafka is down.
     */
    public static Properties feedbackProducer(String bootstrap, IngestConfig config) {
        Properties p = reliableProducer(bootstrap, "flywheel-ingest-feedback");
        long timeout = config.produceTimeout().toMillis();
        long linger = 2;
        p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, timeout - linger)));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(config.maxEventBytes() + (64 << 10)));
        return p;
    }

    /** The DLQ producer: acks=all and idempotent; large requests allowed because rejected records can be oversized. */
    public static Properties deadLetterProducer(String bootstrap, Duration deliveryTimeout) {
        Properties p = reliableProducer(bootstrap, "flywheel-ingest-dlq");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 << 20));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(deliveryTimeout.toMillis()));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, deliveryTimeout.toMillis() - 5)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(deliveryTimeout.toMillis()));
        return p;
    }

    private static Properties reliableProducer(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }
}

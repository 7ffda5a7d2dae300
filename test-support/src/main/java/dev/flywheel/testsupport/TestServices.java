package dev.flywheel.testsupport;

import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.topics.Topics;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The real services one test class runs against: a Kafka bootstrap address, a ClickHouse database of its own
 * (migrated), and a topic namespace of its own (all contract topics created under {@link #topics()}), so test
 * classes never see each other's data.
 */
public record TestServices(String kafkaBootstrap, ClickHouseConfig clickhouse, Topics topics, String namespace) {

    public ClickHouseConnections clickhouseConnections() {
        return new ClickHouseConnections(clickhouse);
    }

    /**
     * Producer properties with byte-array serialisers, acks=all and one request in flight (order kept on retries).
     * Not idempotent on purpose: on a topic created a moment ago, Kafka 4.1's broker can refuse the first batch
     * (NOT_LEADER_OR_FOLLOWER) and then answer every retry of an idempotent producer with OUT_OF_ORDER_SEQUENCE_NUMBER
     * until the delivery timeout (seen in CI runs). A refused batch was not written, so a plain retry cannot duplicate.
     */
    public Properties producerProperties() {
        Properties p = new Properties();
        p.putAll(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
        return p;
    }

    /** Consumer properties for a group unique to this test class, reading from the earliest offset. */
    public Properties consumerProperties(String groupSuffix) {
        Properties p = new Properties();
        p.putAll(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, namespace + "-" + groupSuffix,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
        return p;
    }

    public Properties adminProperties() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        return p;
    }
}

package dev.flywheel.retrain.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The registry on the compacted topic {@code flywheel.models.v1}: key = adapter id, value = the whole record as
 * JSON (snake_case) with its version. {@link #find} reads the topic from the beginning to its current end (the
 * topic holds one small record per adapter after compaction). {@link #registerOnce} looks first and writes only an
 * absent id, with acks=all; only the replica holding the base model's lease deploys, so look-then-write is safe.
 */
public final class KafkaModelRegistry implements ModelRegistry {
    private final String bootstrap;
    private final String topic;
    private final ObjectMapper mapper;

    public KafkaModelRegistry(String bootstrap, String topic, ObjectMapper mapper) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.mapper = mapper;
    }

    @Override
    public synchronized AdapterRecord registerOnce(AdapterRecord record) {
        Optional<AdapterRecord> existing = find(record.id());
        if (existing.isPresent()) {
            return existing.get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, record.id().getBytes(StandardCharsets.UTF_8), encode(record)))
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new DeployException("could not register adapter " + record.id() + " on " + topic + ": " + e.getMessage(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployException("interrupted while registering adapter " + record.id(), true, e);
        }
        return record;
    }

    @Override
    public Optional<AdapterRecord> find(String id) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Map<String, AdapterRecord> latest = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new DeployException("reading " + topic + " to its end took over 30 s", true, null);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(id) && r.value() != null) {
                        latest.put(id, decode(r.value()));
                    }
                }
            }
        }
        return Optional.ofNullable(latest.get(id));
    }

    private byte[] encode(AdapterRecord r) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", r.id());
        n.put("version", r.version());
        n.put("kind", "lora_adapter");
        n.put("base_model", r.baseModel());
        n.put("path", r.path());
        n.put("status", r.status());
        ObjectNode lineage = n.putObject("lineage");
        r.lineage().forEach(lineage::put);
        n.put("created_at_ms", r.createdAtMs());
        try {
            return mapper.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode adapter record " + r.id(), e);
        }
    }

    private AdapterRecord decode(byte[] bytes) {
        try {
            JsonNode n = mapper.readTree(bytes);
            Map<String, String> lineage = new HashMap<>();
            n.path("lineage").properties().forEach(e -> lineage.put(e.getKey(), e.getValue().asText()));
            return new AdapterRecord(n.path("id").asText(), n.path("version").asLong(1), n.path("base_model").asText(),
                    n.path("path").asText(), n.path("status").asText(), lineage, n.path("created_at_ms").asLong());
        } catch (IOException e) {
            throw new DeployException("unreadable record on " + topic + ": " + e.getMessage(), false, e);
        }
    }
}

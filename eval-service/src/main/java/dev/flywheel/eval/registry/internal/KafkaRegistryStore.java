package dev.flywheel.eval.registry.internal;

import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.contracts.topics.TopicAdmin;
import dev.flywheel.eval.registry.DefinitionCodec;
import dev.flywheel.eval.registry.EvaluatorConflictException;
import dev.flywheel.eval.registry.EvaluatorRecord;
import dev.flywheel.eval.registry.RegistryStorageException;
import dev.flywheel.eval.registry.RegistryStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry on a Kafka topic of its own ({@code <prefix>flywheel.evaluators.v1}, one partition, key = evaluator
 * id, value = the whole record as JSON). Why a topic rather than a ClickHouse table: it is the pattern the design
 * uses for experiment and model state (every replica reads the same state in the same order), a write is
 * acknowledged by all in-sync replicas before the API answers, and ClickHouse's ReplacingMergeTree only deduplicates
 * eventually, which is wrong for "does version 3 exist".
 *
 * <p>Two replicas may change one evaluator at once; both append revision r+1. Readers take, per id, a record only if
 * its revision is above the one taken before (in log order), so the first append of r+1 wins everywhere, and a
 * writer reads the log through its own append to learn whether it won (else a 409: nothing changed). The topic is
 * not compacted, so the loser's later record can never replace the winner's.
 */
public final class KafkaRegistryStore implements RegistryStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRegistryStore.class);
    public static final String TOPIC = "flywheel.evaluators.v1";

    private final String bootstrap;
    private final String topic;
    private final DefinitionCodec codec;
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaRegistryStore(String bootstrap, String topicPrefix, DefinitionCodec codec) {
        this.bootstrap = bootstrap;
        this.topic = (topicPrefix == null ? "" : topicPrefix) + TOPIC;
        this.codec = codec;
        ensureTopic();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
    }

    public String topic() {
        return topic;
    }

    @Override
    public List<EvaluatorRecord> loadAll() {
        return read(-1).values().stream().map(Accepted::record).toList();
    }

    /** A record that won its revision, and where it is in the log. */
    private record Accepted(EvaluatorRecord record, long offset) {}

    /**
     * Reads the partition from the beginning in log order, to its end offset (or through {@code through}, when that
     * is not -1), accepting a record only when its revision is above the one accepted for its id: the first write of
     * a revision wins, one that lost a race is ignored by every reader alike.
     */
    private Map<String, Accepted> read(long through) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<String, Accepted> accepted = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = through >= 0 ? through + 1 : consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(tp, Duration.ofSeconds(30)) < end) {
                if (System.nanoTime() > deadline) {
                    throw new RegistryStorageException("reading " + topic + " to offset " + end + " took over 60 s", null);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= end) {
                        break;
                    }
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        accepted.remove(key);
                        continue;
                    }
                    EvaluatorRecord record;
                    try {
                        record = codec.decode(r.value());
                    } catch (RuntimeException e) {
                        // A record this version cannot read (written by a newer release?) must not hide the others.
                        LOG.error("skipping unreadable evaluator record {} at {}@{}: {}", key, topic, r.offset(), e.getMessage());
                        continue;
                    }
                    Accepted known = accepted.get(key);
                    if (known == null || known.record().revision() < record.revision()) {
                        accepted.put(key, new Accepted(record, r.offset()));
                    }
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new RegistryStorageException("cannot read evaluator registry topic " + topic + ": " + e.getMessage(), e);
        }
        return accepted;
    }

    /** Appends the record, then reads the log through it: if another write took that revision first, ours lost. */
    @Override
    public void save(EvaluatorRecord record) {
        long offset;
        try {
            offset = producer.send(new ProducerRecord<>(topic, record.id().getBytes(StandardCharsets.UTF_8), codec.encode(record)))
                    .get(40, TimeUnit.SECONDS).offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryStorageException("interrupted while storing evaluator " + record.id(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new RegistryStorageException("cannot store evaluator " + record.id() + " on " + topic + ": " + e.getMessage(), e);
        }
        Accepted winner = read(offset).get(record.id());
        if (winner == null || winner.offset() != offset) {
            throw EvaluatorConflictException.concurrentChange(record, winner == null ? 0 : winner.record().revision());
        }
    }

    /**
     * The topic keeps every write ({@link Topic.Kind#LOGGED_STATE}): compaction keeps the last record per key, which after
     * a lost race is the loser's, and would hand readers the version the winner's client was never told about.
     * Evaluator changes are rare and small (kilobytes), so the log stays small.
     */
    private void ensureTopic() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            new TopicAdmin(admin).ensure(topic, Topic.Kind.LOGGED_STATE, (short) 1);
        } catch (IllegalStateException e) {
            throw new RegistryStorageException("cannot create evaluator registry topic " + topic + " at " + bootstrap
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}

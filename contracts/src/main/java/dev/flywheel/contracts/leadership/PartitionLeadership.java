package dev.flywheel.contracts.leadership;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership by partition ownership, for work that exactly one replica must do per key (the ramp controller per
 * experiment, the retrain scheduler per base model): every replica joins one Kafka consumer group on a state topic;
 * the group coordinator gives each partition to exactly one live member, and a replica leads exactly the keys that
 * hash to a partition it owns (the producer's default partitioner: murmur2(key) mod partitions). Why this: no extra
 * infrastructure, failover within the session timeout (10 s) when a replica dies, and a revoked partition stops the
 * old owner before the new one is assigned (eager rebalance). Callers must still make their writes safe against a
 * short overlap during a hand-over (compare-and-set on a version, idempotent ids).
 *
 * <p>The consumer only keeps membership alive (it polls on its own thread and discards records; it never commits).
 */
public final class PartitionLeadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLeadership.class);

    private final String topic;
    private final String purpose;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicReference<Set<Integer>> owned = new AtomicReference<>(Set.of());
    private final AtomicInteger partitions = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    /** {@code purpose} names the work in logs and the thread name, e.g. "ramp controller". */
    public PartitionLeadership(String bootstrapServers, String topic, String groupId, String purpose) {
        this.topic = topic;
        this.purpose = purpose;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.thread = Thread.ofPlatform().daemon().name("leadership-" + groupId).unstarted(this::run);
        thread.start();
    }

    /** Whether this replica leads the work for {@code key} now. */
    public boolean leads(String key) {
        int n = partitions.get();
        return n > 0 && owned.get().contains(partitionOf(key, n));
    }

    /** The partition the producer's default partitioner picks for this key. */
    public static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Partitions this replica owns now (for diagnostics and tests). */
    public Set<Integer> owned() {
        return owned.get();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                    owned.set(Set.of());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                    partitions.set(consumer.partitionsFor(topic).size());
                    owned.set(consumer.assignment().stream().map(TopicPartition::partition).collect(Collectors.toUnmodifiableSet()));
                    LOG.info("{} now leads partitions {} of {}", purpose, owned.get(), topic);
                }
            });
            while (running.get()) {
                consumer.poll(Duration.ofMillis(500));
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (RuntimeException e) {
            LOG.error("{} leadership consumer on {} stopped; this replica leads nothing until restarted", purpose, topic, e);
        } finally {
            owned.set(Set.of());
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        consumer.wakeup();
        thread.join(Duration.ofSeconds(10));
    }
}

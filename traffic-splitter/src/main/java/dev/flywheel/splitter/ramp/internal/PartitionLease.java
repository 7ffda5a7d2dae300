package dev.flywheel.splitter.ramp.internal;

import dev.flywheel.splitter.ramp.ExperimentLeadership;
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
 * Leadership by partition ownership: every replica joins one Kafka consumer group on the compacted experiments topic
 * ({@code flywheel.experiments.v1}); the group coordinator gives each partition to exactly one live member, and a
 * replica leads exactly the experiments whose key hashes to a partition it owns (the producer's default partitioner:
 * murmur2(key) mod partitions). Why this: no extra infrastructure, failover within the session timeout when a replica
 * dies, and a revoked partition stops the old owner before the new one is assigned (eager rebalance). Any overlap
 * during a hand-over is harmless because transitions are compare-and-set on the experiment version.
 *
 * <p>The consumer only keeps membership alive (it polls on its own thread and discards records; it never commits).
 */
public final class PartitionLease implements ExperimentLeadership, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLease.class);

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicReference<Set<Integer>> owned = new AtomicReference<>(Set.of());
    private final AtomicInteger partitions = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    public PartitionLease(String bootstrapServers, String topic, String groupId) {
        this.topic = topic;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.thread = Thread.ofPlatform().daemon().name("ramp-lease-" + groupId).unstarted(this::run);
        thread.start();
    }

    @Override
    public boolean leads(String experimentId) {
        int n = partitions.get();
        return n > 0 && owned.get().contains(partitionOf(experimentId, n));
    }

    /** The partition the producer's default partitioner picks for this key. */
    static int partitionOf(String key, int partitions) {
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
                    LOG.info("ramp controller now leads partitions {} of {}", owned.get(), topic);
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
            LOG.error("ramp leadership consumer on {} stopped; this replica leads no experiment until restarted", topic, e);
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

package dev.flywheel.retrain.runs.internal;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Which base models this replica may retrain, across replicas: every replica joins one consumer group on the models
 * topic ({@code flywheel.models.v1}); the group coordinator gives each partition to exactly one live member, and a
 * replica owns the base models whose name hashes (murmur2, as the producer partitions keys) to a partition it holds.
 * A dead replica's partitions move to a live one within the session timeout (10 s). The consumer only keeps
 * membership alive: it discards records and never commits.
 */
public final class PartitionLeadership implements Predicate<String>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLeadership.class);

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicReference<Set<Integer>> owned = new AtomicReference<>(Set.of());
    private final AtomicInteger partitions = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    public PartitionLeadership(String bootstrapServers, String topic, String groupId) {
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
        this.thread = Thread.ofPlatform().daemon().name("retrain-leadership").unstarted(this::run);
        thread.start();
    }

    @Override
    public boolean test(String baseModel) {
        int n = partitions.get();
        return n > 0 && owned.get().contains(
                Utils.toPositive(Utils.murmur2(baseModel.getBytes(StandardCharsets.UTF_8))) % n);
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
                    LOG.info("retrain scheduler now owns partitions {} of {}", owned.get(), topic);
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
            LOG.error("retrain leadership consumer on {} stopped; this replica starts no run until restarted", topic, e);
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

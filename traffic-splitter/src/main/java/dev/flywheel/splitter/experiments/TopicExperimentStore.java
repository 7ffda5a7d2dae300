package dev.flywheel.splitter.experiments;

import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.splitter.experiments.internal.LayerSlices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ExperimentStore} on the compacted topic {@code flywheel.experiments.v1} (one partition, key = id, value = the
 * whole record). Every replica reads the topic from the start and applies records in log order with one rule:
 * <b>a record is accepted iff its version is exactly the applied version + 1</b>; a key's first record is accepted
 * as it is (version 1 from a writer, which only creates at version 1, or a later version where a compacted topic of an
 * earlier release has lost the ones before it: a replica started on it must not drop the experiment). Because the log
 * order is the same everywhere, every replica accepts the same records: that is the compare-and-set. A writer
 * produces, waits until this replica has applied up to its record's offset (read-your-writes), then checks that its
 * own write (header {@value #WRITE_ID}) is the accepted one; if not, it throws a retriable conflict. The topic keeps
 * every write ({@link dev.flywheel.contracts.topics.Topic.Kind#LOGGED_STATE}): compaction, which keeps the last
 * record per key, could keep a losing write and hand it to a replica that starts later. The same replay refuses a
 * record that starts an experiment on buckets another serving experiment of its layer already holds
 * ({@link LayerSlices#takesOccupiedSlice}): per-key versions alone would let two replicas with stale views start two
 * experiments on one slice.
 * Records that do not decode are logged and skipped (never applied).
 */
public final class TopicExperimentStore implements ExperimentStore, AutoCloseable {
    public static final String WRITE_ID = "flywheel.write-id";
    public static final String REASON = "flywheel.reason";
    private static final Logger LOG = LoggerFactory.getLogger(TopicExperimentStore.class);

    private record Applied(Experiment experiment, String writeId) {}

    private final Topic topic;
    private final ExperimentJson json;
    private final Duration timeout;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Applied> state = new ConcurrentHashMap<>();
    private final AtomicLong revision = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Thread reader;
    private volatile long nextOffset;
    private volatile RuntimeException readerFailure;
    private volatile boolean running = true;

    /**
     * Starts reading at once and returns when this replica has caught up with the topic's end (or throws
     * {@link StoreUnavailableException} after {@code timeout}).
     */
    public TopicExperimentStore(String bootstrapServers, Topic topic, ExperimentJson json, Duration timeout) {
        this.topic = topic;
        this.json = json;
        this.timeout = timeout;
        this.producer = new KafkaProducer<>(producerProperties(bootstrapServers, timeout));
        this.consumer = new KafkaConsumer<>(consumerProperties(bootstrapServers));
        TopicPartition tp = new TopicPartition(topic.name(), 0);
        long end;
        try {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            end = consumer.endOffsets(List.of(tp), timeout).get(tp);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            consumer.close(Duration.ZERO);
            throw new StoreUnavailableException("cannot read experiment topic " + topic.name() + ": " + e.getMessage(), e);
        }
        this.reader = Thread.ofPlatform().name("experiment-store-" + topic.name()).daemon().start(this::readLoop);
        awaitApplied(end - 1, "catching up with " + topic.name());
    }

    @Override
    public List<Experiment> all() {
        return state.values().stream().map(Applied::experiment).sorted(Comparator.comparing(Experiment::id)).toList();
    }

    @Override
    public Optional<Experiment> get(String id) {
        return Optional.ofNullable(state.get(id)).map(Applied::experiment);
    }

    @Override
    public long revision() {
        return revision.get();
    }

    /** Records on the topic that could not be decoded or applied (skipped). */
    public long skippedRecords() {
        return skipped.get();
    }

    @Override
    public Experiment write(Experiment next, String reason) {
        writeLock.lock();
        try {
            Applied current = state.get(next.id());
            long expected = current == null ? 1 : current.experiment().version() + 1;
            if (next.version() != expected) {
                throw new ExperimentConflictException(next.id(), expected - 1, true,
                        "write of version " + next.version() + " is stale: this replica is at version " + (expected - 1));
            }
            String writeId = UUID.randomUUID().toString();
            long offset = produce(next, writeId, reason);
            awaitApplied(offset, "seeing write of " + next.id() + " v" + next.version());
            Applied winner = state.get(next.id());
            if (winner != null && writeId.equals(winner.writeId())) {
                return winner.experiment();
            }
            long accepted = winner == null ? 0 : winner.experiment().version();
            throw new ExperimentConflictException(next.id(), accepted, true, accepted == next.version() - 1
                    ? "another experiment took buckets [" + next.layerOffset() + ", " + (next.layerOffset() + next.sliceBuckets())
                            + ") of layer '" + next.layer() + "' first"
                    : "another writer got version " + next.version() + " first");
        } finally {
            writeLock.unlock();
        }
    }

    private long produce(Experiment record, String writeId, String reason) {
        var pr = new ProducerRecord<>(topic.name(), 0, record.id().getBytes(StandardCharsets.UTF_8), json.encode(record));
        pr.headers().add(WRITE_ID, writeId.getBytes(StandardCharsets.UTF_8));
        pr.headers().add(REASON, (reason == null ? "" : reason).getBytes(StandardCharsets.UTF_8));
        try {
            RecordMetadata md = producer.send(pr).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return md.offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted writing experiment " + record.id(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreUnavailableException("cannot write experiment " + record.id() + " to " + topic.name() + ": " + e, e);
        }
    }

    private void awaitApplied(long offset, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (nextOffset <= offset) {
                if (readerFailure != null) {
                    throw new StoreUnavailableException("experiment topic reader failed while " + what, readerFailure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new StoreUnavailableException("timed out after " + timeout + " " + what + " (at offset " + nextOffset + ", need " + (offset + 1) + ")", null);
                }
                advanced.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted " + what, e);
        } finally {
            lock.unlock();
        }
    }

    private void readLoop() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    apply(r);
                }
                long position = consumer.position(new TopicPartition(topic.name(), 0));
                lock.lock();
                try {
                    nextOffset = position;
                    advanced.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                readerFailure = new IllegalStateException("experiment store reader woken unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("experiment store reader of {} failed; writes will fail until restart", topic.name(), e);
            readerFailure = e;
        } finally {
            lock.lock();
            try {
                advanced.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return; // tombstone: experiments are archived, never deleted
        }
        Experiment e;
        try {
            e = json.decodeExperiment(r.value());
        } catch (InvalidExperimentException ex) {
            skipped.incrementAndGet();
            LOG.warn("skipping undecodable record at {}@{}: {}", topic.name(), r.offset(), ex.getMessage());
            return;
        }
        Applied current = state.get(e.id());
        // A key's first record in the log is its state: version 1, or, on a topic an earlier release had compacted, the
        // version of the record compaction kept. After that, only the next version is accepted.
        if (current != null && e.version() != current.experiment().version() + 1) {
            return; // a lost compare-and-set: the accepted record stays
        }
        // takesOccupiedSlice answers false for a record that serves no traffic; testing that first skips building the
        // list of every experiment for each such record replayed.
        if (e.status().servesTraffic() && LayerSlices.takesOccupiedSlice(e, current == null ? null : current.experiment(),
                state.values().stream().map(Applied::experiment).toList())) {
            return; // another experiment got these buckets of the layer first (a start from a stale view): refused
        }
        Header h = r.headers().lastHeader(WRITE_ID);
        state.put(e.id(), new Applied(e, h == null ? "" : new String(h.value(), StandardCharsets.UTF_8)));
        revision.incrementAndGet();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(2));
        producer.close(Duration.ofSeconds(2));
    }

    private static Properties producerProperties(String bootstrap, Duration timeout) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout.toMillis()));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(timeout.toMillis(), 1000)));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(timeout.toMillis() - 1, 999)));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static Properties consumerProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }
}

package dev.flywheel.eval.scoring;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online scoring loop on its own thread: poll {@code llm.inference.v1}, decode, hand the batch to
 * {@link ScoringService}, produce the score events to {@code llm.scores.v1} (key = request id), wait for the acks,
 * then commit the offsets (at-least-once; the deterministic score ids make the duplicates of a replay collapse).
 * Undecodable records are skipped and counted here: routing them to the inference DLQ is the ingest's job, which
 * reads the same topic. A failed batch (Kafka unavailable) is retried from the last committed offsets after a
 * pause; the loop only ends on {@link #close()}. The registry is reloaded every {@code registryRefresh}.
 */
public final class ScoringConsumer implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringConsumer.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Topics topics;
    private final EventCodec codec;
    private final ScoringService service;
    private final EvaluatorRegistry registry;
    private final Duration registryRefresh;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Counter undecodable;
    private final Counter batchFailures;
    private final Thread thread;
    private long lastRefreshMs;

    public ScoringConsumer(String bootstrap, String groupId, Topics topics, EventCodec codec, ScoringService service,
                           EvaluatorRegistry registry, Duration registryRefresh, Clock clock, MeterRegistry meters) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.consumer = new KafkaConsumer<>(c);
        this.producer = new KafkaProducer<>(p);
        this.topics = topics;
        this.codec = codec;
        this.service = service;
        this.registry = registry;
        this.registryRefresh = registryRefresh;
        this.clock = clock;
        this.undecodable = meters.counter("eval_inference_undecodable_total");
        this.batchFailures = meters.counter("eval_scoring_batch_failures_total");
        this.thread = Thread.ofPlatform().name("eval-scoring-consumer").daemon(true).unstarted(this);
        this.lastRefreshMs = clock.millis();
    }

    public void start() {
        thread.start();
    }

    public long undecodableCount() {
        return (long) undecodable.count();
    }

    @Override
    public void run() {
        consumer.subscribe(List.of(topics.inference().name()));
        while (running.get()) {
            try {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                maybeRefreshRegistry();
                if (!records.isEmpty()) {
                    process(records);
                }
            } catch (WakeupException e) {
                if (running.get()) {
                    throw e;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                batchFailures.increment();
                LOG.error("scoring batch failed; rewinding to the committed offsets and retrying: {}", e.toString(), e);
                rewind();
                pause();
            }
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
    }

    private void process(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        List<InferenceEvent> events = new ArrayList<>(records.count());
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            try {
                events.add(codec.decode(r.value(), InferenceEvent.class));
            } catch (InvalidEventException e) {
                undecodable.increment();
                LOG.warn("skipping undecodable inference record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            }
        }
        List<ScoreEvent> scores = service.score(events);
        List<Future<RecordMetadata>> acks = new ArrayList<>(scores.size());
        for (ScoreEvent s : scores) {
            acks.add(producer.send(new ProducerRecord<>(topics.scores().name(), s.key().getBytes(StandardCharsets.UTF_8), codec.encode(s))));
        }
        producer.flush();
        for (Future<RecordMetadata> f : acks) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("could not produce a score event: " + e.getCause(), e.getCause());
            }
        }
        consumer.commitSync(offsets);
    }

    private void maybeRefreshRegistry() {
        long now = clock.millis();
        if (now - lastRefreshMs >= registryRefresh.toMillis()) {
            lastRefreshMs = now;
            try {
                registry.refresh();
            } catch (RuntimeException e) {
                LOG.warn("could not refresh the evaluator registry; scoring with the previous view: {}", e.toString());
            }
        }
    }

    private void rewind() {
        try {
            var committed = consumer.committed(consumer.assignment(), Duration.ofSeconds(10));
            for (TopicPartition tp : consumer.assignment()) {
                OffsetAndMetadata om = committed.get(tp);
                if (om != null) {
                    consumer.seek(tp, om.offset());
                } else {
                    consumer.seekToBeginning(List.of(tp));
                }
            }
        } catch (RuntimeException e) {
            LOG.error("could not rewind the scoring consumer: {}", e.toString());
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    @Override
    public void close() {
        running.set(false);
        if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ofSeconds(5)); // never started: the loop will not close them
            producer.close(Duration.ofSeconds(5));
            return;
        }
        consumer.wakeup();
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

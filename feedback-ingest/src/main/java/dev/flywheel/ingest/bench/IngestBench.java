package dev.flywheel.ingest.bench;

import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.Event;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.FeedbackEvent;
import dev.flywheel.contracts.events.FeedbackKind;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.contracts.events.ScoreStatus;
import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.contracts.topics.TopicAdmin;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.ingest.config.IngestConfig;
import dev.flywheel.ingest.dlq.DeadLetterPublisher;
import dev.flywheel.ingest.internal.ClickHouseHttpWriter;
import dev.flywheel.ingest.internal.KafkaClients;
import dev.flywheel.ingest.metrics.IngestMetrics;
import dev.flywheel.ingest.sink.Backoff;
import dev.flywheel.ingest.sink.InsertObserver;
import dev.flywheel.ingest.sink.SinkLoop;
import dev.flywheel.ingest.sink.SinkRoutes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code ./run bench ingest [events]}: end-to-end throughput of the sink (first produce → last row visible in
 * ClickHouse) for mixed events of realistic sizes (60% inference with a prompt and completion, 25% feedback, 15%
 * scores), the p99 produce → visible delay (insert acknowledgement time minus the event's ts, set when produced),
 * and duplicates / lost counted with FINAL. Peer: ClickHouse's own Kafka engine (Kafka table + materialized view per
 * topic) reading the same topics into equivalent MergeTree tables, on a private 18.16 server the bench starts with
 * {@code input_format_skip_unknown_fields=1} in its profile (the Kafka engine reads the global profile, and the
 * shared server's profile must not be changed), so that it can skip the nested prompt/attributes fields.
 * The peer's group starts at the log end (18.16), so the same events are produced a second time once its consumers
 * joined, and its time runs from that first produce to its last row visible.
 * Last line: {@code BENCH ingest {json}}.
 */
public final class IngestBench {
    private static final String KAFKA = env("FLYWHEEL_KAFKA_BOOTSTRAP", "127.0.0.1:19092");
    private static final URI CH = URI.create(env("FLYWHEEL_CLICKHOUSE_URL", "http://127.0.0.1:18123"));
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        // Benchmarks log warnings only (the launcher owns logging for services; DEBUG Kafka logs would dominate).
        System.setProperty("logback.configurationFile", "dev/flywheel/ingest/bench/logback-bench.xml");
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String ns = "bench" + Long.toString(System.currentTimeMillis(), 36);
        Topics topics = new Topics(ns + ".");
        ClickHouseConfig ch = new ClickHouseConfig(CH, ns, "default", "");
        new Migrator(new ClickHouseConnections(ch)).migrate();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA))) {
            new TopicAdmin(admin).ensure(topics, 6, (short) 1);
        }
        EventCodec codec = new EventCodec();
        List<ProducerRecord<byte[], byte[]>> records = generate(n, topics, codec);
        long bytes = records.stream().mapToLong(r -> r.value().length).sum();
        int[] tsAt = tsDigits(records); // found once, outside both measured windows
        System.out.printf("events=%d bytes=%d (avg %d B), topics %s*, database %s%n", n, bytes, bytes / n, ns, ns);

        // --- ours ---
        long[] delays = new long[n + 1024];
        AtomicInteger delayCount = new AtomicInteger();
        IngestConfig config = IngestConfig.defaults().withConsumerGroup(ns + "-sink");
        IngestMetrics metrics = new IngestMetrics(new SimpleMeterRegistry());
        InsertObserver observer = (table, times, ack) -> {
            for (long t : times) {
                int i = delayCount.getAndIncrement();
                if (i < delays.length) delays[i] = ack - t;
            }
        };
        SinkRoutes routes = new SinkRoutes(topics, codec);
        ClickHouseHttpWriter writer = new ClickHouseHttpWriter(ch, config.insertTimeout());
        List<SinkLoop> sinks = new ArrayList<>();
        List<Thread> sinkThreads = new ArrayList<>();
        for (int i = 0; i < config.consumerThreads(); i++) {
            var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(KafkaClients.sinkConsumer(KAFKA, config, "bench-sink-" + i));
            var dlq = new DeadLetterPublisher(new KafkaProducer<>(KafkaClients.deadLetterProducer(KAFKA, Duration.ofSeconds(30))), metrics);
            SinkLoop sink = new SinkLoop(consumer, routes, writer, dlq, metrics, observer, config.batchBounds(), config.maxInFlightInserts(),
                    new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)), config.pollTimeout(), Clock.systemUTC());
            sinks.add(sink);
            sinkThreads.add(Thread.ofPlatform().name("bench-sink-" + i).start(sink));
        }
        Thread.sleep(3000); // let the group form, so that ours is not charged for the join
        // The generated records (~0.9 GB on the heap, held to the end for the peer) are the bench's, not the sink's:
        // tenure them now, so that young collections in the measured window do not copy them (a full GC with Parallel).
        System.gc();
        String loadBefore = loadAverage();
        long cpuBefore = processCpuNanos(), gcBefore = gcPauseMillis();
        long start = System.currentTimeMillis();
        var producedAt = new AtomicLong();
        Thread producer = produce(records, tsAt, producedAt);
        long visibleAt = awaitRows(CH, ns, List.of("inference_events", "feedback_events", "score_events"), n, Duration.ofMinutes(5));
        String loadAfter = loadAverage();
        // This JVM's CPU (producer, both sinks, GC) and collector time in the measured window: the share of the box's
        // 2 cores that the bench process itself takes, next to ClickHouse's and Kafka's.
        double jvmCpu = (processCpuNanos() - cpuBefore) / 1e9, gcSeconds = (gcPauseMillis() - gcBefore) / 1000.0;
        producer.join();
        sinks.forEach(SinkLoop::stop);
        for (Thread t : sinkThreads) {
            t.join();
        }
        double seconds = (visibleAt - start) / 1000.0;
        double ours = n / seconds;
        long[] d = Arrays.copyOf(delays, Math.min(delayCount.get(), delays.length));
        Arrays.sort(d);
        long p50 = d.length == 0 ? -1 : d[(int) (d.length * 0.50)];
        long p99 = d.length == 0 ? -1 : d[Math.min(d.length - 1, (int) (d.length * 0.99))];
        long distinct = 0, finalRows = 0, raw = 0;
        for (String t : List.of("inference_events", "feedback_events", "score_events")) {
            distinct += query(CH, "SELECT uniqExact(event_id) FROM " + ns + "." + t);
            finalRows += query(CH, "SELECT count() FROM " + ns + "." + t + " FINAL");
            raw += query(CH, "SELECT count() FROM " + ns + "." + t);
        }
        long duplicates = finalRows - distinct;
        long lost = n - distinct;
        System.out.printf("ours: %.1f s, %.0f events/s, visible delay p50 %d ms p99 %d ms, rows %d (raw %d), duplicates %d, lost %d%n",
                seconds, ours, p50, p99, finalRows, raw, duplicates, lost);
        System.out.printf("  bench JVM in the window: %.1f CPU-s (producer + sinks + GC), collections %.2f s%n", jvmCpu, gcSeconds);
        // When producing takes most of the window, the load generator (one producer thread) bounds the figure.
        System.out.printf("  produced (all acknowledged by Kafka) in %.1f s of the %.1f s%n", (producedAt.get() - start) / 1000.0, seconds);

        for (var t : metrics.registry().find("ingest.insert").tag("outcome", "ok").timers()) {
            System.out.printf("  inserts into %s: %d, mean %.0f ms, max %.0f ms, total %.1f s%n", t.getId().getTag("table"), t.count(),
                    t.mean(TimeUnit.MILLISECONDS), t.max(TimeUnit.MILLISECONDS), t.totalTime(TimeUnit.SECONDS));
        }

        // --- peer: ClickHouse's Kafka engine on a private server ---
        String peerJson;
        try (PeerClickHouse peer = PeerClickHouse.start()) {
            double peerRate = peer.ingest(topics, records, tsAt, ns);
            System.out.printf("peer (ClickHouse Kafka engine): %.0f events/s%n", peerRate);
            peerJson = String.format(java.util.Locale.ROOT, "\"peer_events_per_s\":%.0f,\"ratio\":%.3f", peerRate, ours / peerRate);
        } catch (Exception e) {
            System.out.println("peer failed: " + e);
            peerJson = "\"peer_events_per_s\":null,\"ratio\":null,\"peer_error\":\"" + e.getMessage().replace("\"", "'").replace("\n", " ") + "\"";
        }
        try {
            execute(CH, "DROP DATABASE IF EXISTS " + ns);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA))) {
                List<String> names = new ArrayList<>();
                topics.all().forEach(t -> { names.add(t.name()); names.add(t.dlq()); });
                admin.deleteTopics(names).all().get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            System.out.println("cleanup incomplete: " + e.getMessage());
        }
        System.out.printf(java.util.Locale.ROOT, "BENCH ingest {\"events\":%d,\"events_per_s\":%.0f,\"p99_visible_ms\":%d,\"p50_visible_ms\":%d,%s,"
                + "\"duplicates\":%d,\"lost\":%d,\"avg_event_bytes\":%d,\"consumers\":%d,\"jvm_cpu_s\":%.1f,\"gc_s\":%.2f,\"load_before\":\"%s\",\"load_after\":\"%s\","
                + "\"machine\":\"2-core dev VM, Kafka + ClickHouse on the same box\"}%n",
                n, ours, p99, p50, peerJson, duplicates, lost, bytes / n, config.consumerThreads(), jvmCpu, gcSeconds, loadBefore, loadAfter);
        System.exit(0);
    }

    static List<ProducerRecord<byte[], byte[]>> generate(int n, Topics topics, EventCodec codec) {
        SplittableRandom r = new SplittableRandom(2024);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(n);
        String words = "the quick brown fox jumps over the lazy dog while the model explains arithmetic step by step ";
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(100);
            Topic topic;
            Event e;
            long ts = 0; // placeholder: the real ts is stamped when produced (see produce)
            if (kind < 60) {
                topic = topics.inference();
                String prompt = words.repeat(1 + r.nextInt(4));
                e = new InferenceEvent("inf-" + i, 1_700_000_000_000L, "exp-" + r.nextInt(5), "var-" + r.nextInt(2), r.nextInt(4), "unit-" + r.nextInt(100_000),
                        "llama-tiny", r.nextInt(3) == 0 ? "adapter-" + r.nextInt(10) : "",
                        List.of(new ChatMessage("system", "You are a helpful assistant."), new ChatMessage("user", prompt)),
                        words.repeat(1 + r.nextInt(5)), "stop", 30 + r.nextInt(200), 20 + r.nextInt(300), r.nextDouble() * 200,
                        200 + r.nextDouble() * 2000, r.nextDouble() * 0.01, InferenceStatus.OK, "", Map.of("tier", "free", "region", "eu"));
            } else if (kind < 85) {
                topic = topics.feedback();
                e = new FeedbackEvent("fb-" + i, 1_700_000_000_000L, "req-" + r.nextInt(1_000_000), "unit-" + r.nextInt(100_000),
                        FeedbackKind.RATING, 1.0 + r.nextInt(5), "", Map.of("ui", "web"));
            } else {
                topic = topics.scores();
                e = new ScoreEvent("sc-" + i, 1_700_000_000_000L, "req-" + r.nextInt(1_000_000), "exp-" + r.nextInt(5), "var-" + r.nextInt(2),
                        "arith-exact", 1, r.nextDouble(), r.nextBoolean(), ScoreStatus.OK, "", r.nextDouble() * 20);
            }
            out.add(new ProducerRecord<>(topic.name(), e.key().getBytes(StandardCharsets.UTF_8), codec.encode(e)));
        }
        return out;
    }

    /**
     * Produces every record with its ts replaced by the produce time (13 digits, same length, so same size) at
     * {@code tsAt} (see {@link #tsDigits}, found before the measured window: searching for it in the window was ~11 % of
     * the producer thread's samples, JFR 2026-12-05). {@code flushedAt} gets the time (epoch ms) Kafka acknowledged
     * the last record.
     */
    static Thread produce(List<ProducerRecord<byte[], byte[]>> records, int[] tsAt, AtomicLong flushedAt) {
        return Thread.ofPlatform().name("bench-producer").start(() -> {
            var props = new java.util.Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
            props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
            try (var p = new KafkaProducer<byte[], byte[]>(props)) {
                for (int i = 0; i < records.size(); i++) {
                    var rec = records.get(i);
                    writeMillis(rec.value(), tsAt[i], System.currentTimeMillis());
                    p.send(rec, (md, ex) -> {
                        if (ex != null) {
                            System.err.println("produce failed: " + ex);
                        }
                    });
                }
                p.flush();
                flushedAt.set(System.currentTimeMillis());
            }
        });
    }

    /** Per record, the index of the 13 ts digits in its value (after {@code "ts":}). */
    static int[] tsDigits(List<ProducerRecord<byte[], byte[]>> records) {
        byte[] placeholder = "\"ts\":".getBytes(StandardCharsets.US_ASCII);
        int[] at = new int[records.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = indexOf(records.get(i).value(), placeholder) + placeholder.length;
        }
        return at;
    }

    /** Writes {@code millis} as 13 ASCII digits at {@code at}. */
    private static void writeMillis(byte[] v, int at, long millis) {
        for (int d = at + 12; d >= at; d--) {
            v[d] = (byte) ('0' + millis % 10);
            millis /= 10;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        throw new IllegalStateException("no ts placeholder in event");
    }

    /** Polls count() over the tables every 50 ms until it reaches {@code n}; returns when (epoch ms). */
    static long awaitRows(URI server, String db, List<String> tables, long n, Duration timeout) throws Exception {
        String sql = "SELECT " + String.join(" + ", tables.stream().map(t -> "(SELECT count() FROM " + db + "." + t + ")").toList());
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        long last = -1;
        while (System.currentTimeMillis() < deadline) {
            last = query(server, sql);
            if (last >= n) {
                return System.currentTimeMillis();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("only " + last + " of " + n + " rows visible in " + db + " after " + timeout);
    }

    static long query(URI server, String sql) throws Exception {
        String body = execute(server, sql).strip();
        return Long.parseLong(body);
    }

    static String execute(URI server, String sql) throws Exception {
        var req = HttpRequest.newBuilder(server.resolve("/?compress=0&decompress=0&query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("ClickHouse " + r.statusCode() + " for " + sql + ": " + r.body());
        }
        return r.body();
    }

    /** The 1, 5 and 15 minute load averages (as uptime prints them), to judge a figure taken on a shared machine. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** CPU time of this process (all threads, GC included), ns; -1 where the platform does not say. */
    static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** Total time of every collector so far, ms (with Parallel: the stop-the-world pauses). */
    static long gcPauseMillis() {
        long sum = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static Path tempDir() throws Exception {
        return Files.createTempDirectory("flywheel-ingest-peer");
    }
}

package dev.flywheel.ingest.bench;

import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.topics.TopicAdmin;
import dev.flywheel.contracts.topics.Topics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.io.file.PathUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./run main feedback-ingest dev.flywheel.ingest.bench.IngestFaultsBench [events-per-case]}: the three faults
 * of issue 3 against the real service ({@code IngestApplication} in a child JVM on this JVM's classpath) and a
 * PRIVATE Kafka + ClickHouse ({@code infra/local/services.sh} with its own FLYWHEEL_HOME and ports; the shared
 * ones are never touched):
 * <ol>
 *   <li>{@code kill9}: the sink JVM is killed with SIGKILL while rows are flowing, then a new one is started;</li>
 *   <li>{@code kafka-restart}: the broker is stopped (SIGTERM) and started again while events are produced;</li>
 *   <li>{@code clickhouse-down-30s}: ClickHouse is stopped for 30 s during ingestion, then started.</li>
 * </ol>
 * Each case uses fresh topics and a fresh database and passes when count() FINAL and uniqExact(event_id) both equal
 * the number of events Kafka acknowledged. Last line: {@code BENCH ingest-faults {json}}.
 */
public final class IngestFaultsBench {
    private final Path repo = Path.of("").toAbsolutePath();
    private final Path home;
    private final Map<String, String> env;
    private final String kafka;
    private final URI clickhouse;
    private final int perCase;
    private final EventCodec codec = new EventCodec();

    private IngestFaultsBench(Path home, int kafkaPort, int chHttpPort, int perCase) {
        this.home = home;
        this.perCase = perCase;
        this.kafka = "127.0.0.1:" + kafkaPort;
        this.clickhouse = URI.create("http://127.0.0.1:" + chHttpPort);
        this.env = Map.of("FLYWHEEL_HOME", home.toString(), "FLYWHEEL_KAFKA_PORT", Integer.toString(kafkaPort),
                "FLYWHEEL_KAFKA_CONTROLLER_PORT", Integer.toString(kafkaPort + 1), "FLYWHEEL_CH_HTTP_PORT", Integer.toString(chHttpPort),
                "FLYWHEEL_CH_TCP_PORT", Integer.toString(chHttpPort + 1000));
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.configurationFile", "dev/flywheel/ingest/bench/logback-bench.xml");
        int perCase = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int kafkaPort = Integer.parseInt(System.getenv().getOrDefault("FLYWHEEL_FAULTS_KAFKA_PORT", "29392"));
        int chPort = Integer.parseInt(System.getenv().getOrDefault("FLYWHEEL_FAULTS_CH_HTTP_PORT", "28323"));
        Path home = Files.createTempDirectory("flywheel-ingest-faults");
        IngestFaultsBench bench = new IngestFaultsBench(home, kafkaPort, chPort, perCase);
        List<String> results = new ArrayList<>();
        boolean ok = true;
        try {
            bench.services("up");
            for (String fault : List.of("kill9", "kafka-restart", "clickhouse-down-30s")) {
                Result r = bench.run(fault);
                System.out.println(r);
                results.add(r.json());
                ok &= r.ok();
            }
        } finally {
            bench.services("down");
            PathUtils.deleteDirectory(home);
        }
        System.out.printf(Locale.ROOT, "BENCH ingest-faults {\"events_per_case\":%d,\"ok\":%b,\"cases\":[%s],\"load\":\"%s\",\"machine\":\"2-core dev VM\"}%n",
                perCase, ok, String.join(",", results), IngestBench.loadAverage());
        System.exit(ok ? 0 : 1);
    }

    record Result(String fault, long produced, long finalRows, long distinct, long rawRows, double seconds, String note) {
        boolean ok() {
            return finalRows == produced && distinct == produced;
        }

        String json() {
            return String.format(Locale.ROOT, "{\"fault\":\"%s\",\"produced\":%d,\"count_final\":%d,\"distinct_event_id\":%d,\"raw_rows\":%d,"
                    + "\"duplicates\":%d,\"lost\":%d,\"seconds\":%.1f,\"ok\":%b,\"note\":\"%s\"}",
                    fault, produced, finalRows, distinct, rawRows, finalRows - distinct, produced - distinct, seconds, ok(), note);
        }
    }

    private Result run(String fault) throws Exception {
        String ns = fault.replace("-", "_") + Long.toString(System.currentTimeMillis(), 36);
        Topics topics = new Topics(ns + ".");
        ClickHouseConfig ch = new ClickHouseConfig(clickhouse, ns, "default", "");
        new Migrator(new ClickHouseConnections(ch)).migrate();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
            new TopicAdmin(admin).ensure(topics, 6, (short) 1);
        }
        List<ProducerRecord<byte[], byte[]>> records = IngestBench.generate(perCase, topics, codec);
        long start = System.currentTimeMillis();
        Process sink = startSink(ns, fault + "-1");
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Thread producer = produce(records, acked, failed);
        awaitVisible(ns, perCase / 4, Duration.ofMinutes(3)); // rows are flowing: now break something
        String note;
        switch (fault) {
            case "kill9" -> {
                sink.destroyForcibly().waitFor(); // SIGKILL: no flush, no commit, no shutdown hook
                long at = visible(ns);
                sink = startSink(ns, fault + "-2");
                note = "killed at " + at + " rows visible";
            }
            case "kafka-restart" -> {
                stopPidFile(home.resolve("kafka/pid"));
                services("up"); // starts the broker again on the same data
                note = "broker restarted";
            }
            case "clickhouse-down-30s" -> {
                stopPidFile(home.resolve("clickhouse/pid"));
                long downAt = System.nanoTime();
                while (System.nanoTime() - downAt < TimeUnit.SECONDS.toNanos(30)) {
                    Thread.sleep(500); // ClickHouse stays down for 30 s while the producer goes on
                }
                services("up");
                note = "ClickHouse down 30 s";
            }
            default -> throw new IllegalArgumentException(fault);
        }
        producer.join();
        long produced = acked.get();
        if (failed.get() > 0) {
            note += "; " + failed.get() + " sends failed (not counted as produced)";
        }
        try {
            awaitVisible(ns, produced, Duration.ofMinutes(4));
        } catch (IllegalStateException e) {
            note += "; " + e.getMessage();
        }
        double seconds = (System.currentTimeMillis() - start) / 1000.0;
        sink.destroy(); // SIGTERM: graceful stop (flush + commit)
        if (!sink.waitFor(60, TimeUnit.SECONDS)) {
            sink.destroyForcibly();
        }
        long finalRows = sum(ns, "count()", " FINAL");
        long distinct = sum(ns, "uniqExact(event_id)", "");
        long raw = sum(ns, "count()", "");
        IngestBench.execute(clickhouse, "DROP DATABASE IF EXISTS " + ns);
        return new Result(fault, produced, finalRows, distinct, raw, seconds, note);
    }

    /** The real service in a child JVM on this JVM's classpath, sink on, HTTP on a random port, this case's names. */
    private Process startSink(String ns, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=dev/flywheel/ingest/bench/logback-bench.xml",
                "-Dmicronaut.server.port=-1",
                "-Dflywheel.kafka.bootstrap-servers=" + kafka,
                "-Dflywheel.clickhouse.url=" + clickhouse,
                "-Dflywheel.clickhouse.database=" + ns,
                "-Dflywheel.topics.prefix=" + ns + ".",
                "-Dflywheel.ingest.consumer-group=" + ns + "-sink",
                "-Dflywheel.auth.client-tokens=faults-bench-client-token-0001",
                "-Dflywheel.auth.admin-tokens=faults-bench-admin-token-00001",
                "dev.flywheel.ingest.IngestApplication");
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve(name + ".log").toFile())).start();
    }

    private Thread produce(List<ProducerRecord<byte[], byte[]>> records, AtomicLong acked, AtomicLong failed) {
        return Thread.ofPlatform().name("faults-producer").start(() -> {
            var props = new java.util.Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000"); // survives a broker restart
            props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            try (var p = new KafkaProducer<byte[], byte[]>(props)) {
                for (var rec : records) {
                    p.send(rec, (md, ex) -> (ex == null ? acked : failed).incrementAndGet());
                }
                p.flush();
            }
        });
    }

    private long sum(String db, String expr, String suffix) throws Exception {
        long total = 0;
        for (String t : List.of("inference_events", "feedback_events", "score_events")) {
            total += IngestBench.query(clickhouse, "SELECT " + expr + " FROM " + db + "." + t + suffix);
        }
        return total;
    }

    private long visible(String db) throws Exception {
        return sum(db, "uniqExact(event_id)", "");
    }

    private void awaitVisible(String db, long n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = visible(db);
                if (last >= n) {
                    return;
                }
            } catch (Exception e) {
                // ClickHouse is down in one case: keep polling
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("only " + last + " of " + n + " events visible after " + timeout);
    }

    /** Stops a service this bench started (its pid file is in this bench's private FLYWHEEL_HOME) and waits for it. */
    private static void stopPidFile(Path pidFile) throws Exception {
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid + " from " + pidFile));
        h.destroy();
        h.onExit().get(60, TimeUnit.SECONDS);
    }

    private void services(String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("infra/local/services.sh").toString(), command).inheritIO();
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("services.sh " + command + " failed for " + home);
        }
    }
}

package dev.flywheel.ingest.bench;

import dev.flywheel.contracts.topics.Topics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.io.file.PathUtils;

/**
 * The benchmark's peer: a private clickhouse-server (the same 18.16 binary as the shared one, on ports 28123/29000,
 * data in a temp directory) whose default profile sets {@code input_format_skip_unknown_fields=1}, ingesting the
 * benchmark's topics from the shared Kafka with its Kafka table engine + materialized views.
 */
final class PeerClickHouse implements AutoCloseable {
    private static final int HTTP_PORT = Integer.parseInt(System.getenv().getOrDefault("FLYWHEEL_PEER_CH_HTTP_PORT", "28123"));
    private static final int TCP_PORT = Integer.parseInt(System.getenv().getOrDefault("FLYWHEEL_PEER_CH_TCP_PORT", "29000"));
    private static final String KAFKA = System.getenv().getOrDefault("FLYWHEEL_KAFKA_BOOTSTRAP", "127.0.0.1:19092");

    private final Process process;
    private final Path dir;
    final URI url = URI.create("http://127.0.0.1:" + HTTP_PORT);

    private PeerClickHouse(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    static PeerClickHouse start() throws Exception {
        Path dir = IngestBench.tempDir();
        for (String d : List.of("data", "tmp", "user_files", "format_schemas", "logs")) {
            Files.createDirectories(dir.resolve(d));
        }
        Files.writeString(dir.resolve("users.xml"), """
                <yandex>
                  <profiles><default><max_memory_usage>4000000000</max_memory_usage><input_format_skip_unknown_fields>1</input_format_skip_unknown_fields></default></profiles>
                  <users><default><password></password><networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
                  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
                </yandex>
                """);
        Files.writeString(dir.resolve("config.xml"), """
                <yandex>
                  <logger><level>warning</level><log>%1$s/logs/clickhouse.log</log><errorlog>%1$s/logs/clickhouse.err.log</errorlog></logger>
                  <http_port>%2$d</http_port><tcp_port>%3$d</tcp_port><listen_host>127.0.0.1</listen_host>
                  <max_concurrent_queries>100</max_concurrent_queries><mark_cache_size>268435456</mark_cache_size>
                  <path>%1$s/data/</path><tmp_path>%1$s/tmp/</tmp_path><user_files_path>%1$s/user_files/</user_files_path>
                  <format_schema_path>%1$s/format_schemas/</format_schema_path><users_config>%1$s/users.xml</users_config>
                  <default_profile>default</default_profile><default_database>default</default_database><timezone>UTC</timezone>
                  <mlock_executable>false</mlock_executable>
                </yandex>
                """.formatted(dir, HTTP_PORT, TCP_PORT));
        ProcessBuilder builder = new ProcessBuilder("clickhouse-server", "--config-file=" + dir.resolve("config.xml"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile());
        // The allocator setting infra/local/services.sh gives the shared server (same variable, same default), so both
        // servers pay the same for page faults.
        String mallocConf = System.getenv("FLYWHEEL_CH_MALLOC_CONF");
        builder.environment().put("MALLOC_CONF", mallocConf == null ? "thp:always" : mallocConf);
        Process p = builder.start();
        PeerClickHouse peer = new PeerClickHouse(p, dir);
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                IngestBench.execute(peer.url, "SELECT 1");
                break;
            } catch (Exception e) {
                if (System.currentTimeMillis() > deadline || !p.isAlive()) {
                    peer.close();
                    throw new IllegalStateException("peer clickhouse-server did not start (logs in " + dir + "/logs): " + e.getMessage());
                }
                Thread.sleep(200);
            }
        }
        // Only this server's profile sets the flag: anything else is another server on the port (e.g. a second
        // checkout's local ClickHouse), which must be neither measured nor left with the peer's tables.
        String own = IngestBench.execute(peer.url, "SELECT value FROM system.settings WHERE name = 'input_format_skip_unknown_fields'").strip();
        if (!own.equals("1") || !p.isAlive()) {
            peer.close();
            throw new IllegalStateException("port " + HTTP_PORT + " is answered by another ClickHouse server; set "
                    + "FLYWHEEL_PEER_CH_HTTP_PORT and FLYWHEEL_PEER_CH_TCP_PORT to free ports");
        }
        return peer;
    }

    /** Creates Kafka tables + MVs over the three event topics and returns events/s until all {@code n} rows are visible. */
    double ingest(Topics topics, List<org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>> records, int[] tsAt, String ns)
            throws Exception {
        int n = records.size();
        String db = "peer";
        IngestBench.execute(url, "CREATE DATABASE IF NOT EXISTS " + db);
        String group = ns + "-peer";
        String inference = "event_id String, ts UInt64, experiment_id String, variant_id String, ramp_stage Int32, unit_id String, model String, "
                + "adapter_id String, completion String, finish_reason String, prompt_tokens UInt64, completion_tokens UInt64, ttft_ms Float64, "
                + "latency_ms Float64, cost Float64, status String, error String";
        String feedback = "event_id String, ts UInt64, request_id String, unit_id String, kind String, value Nullable(Float64), comment String";
        String scores = "event_id String, ts UInt64, request_id String, experiment_id String, variant_id String, evaluator_id String, "
                + "evaluator_version UInt32, score Float64, status String, detail String, latency_ms Float64";
        create(db, "inference", topics.inference().name(), group, inference);
        create(db, "feedback", topics.feedback().name(), group, feedback);
        create(db, "scores", topics.scores().name(), group, scores);
        // 18.16's Kafka engine starts a new group at the log end, so it is measured like ours: the same events are
        // produced again (same sizes) once its consumers have joined, from first produce to last row visible.
        Thread.sleep(8000);
        long start = System.currentTimeMillis();
        Thread producer = IngestBench.produce(records, tsAt, new AtomicLong());
        long visible;
        try {
            visible = IngestBench.awaitRows(url, db, List.of("inference", "feedback", "scores"), n, Duration.ofMinutes(2));
        } catch (IllegalStateException e) {
            String log = Files.exists(dir.resolve("logs/clickhouse.err.log")) ? Files.readString(dir.resolve("logs/clickhouse.err.log")) : "";
            String tail = log.length() > 600 ? log.substring(log.length() - 600) : log;
            throw new IllegalStateException(e.getMessage() + "; peer server log tail: " + tail.replaceAll("\\s+", " "), e);
        }
        producer.join();
        long rows = IngestBench.query(url, "SELECT (SELECT count() FROM peer.inference) + (SELECT count() FROM peer.feedback) + (SELECT count() FROM peer.scores)");
        System.out.printf("peer rows %d of %d in %.1f s%n", rows, n, (visible - start) / 1000.0);
        for (String t : List.of("inference", "feedback", "scores")) {
            IngestBench.execute(url, "DROP TABLE IF EXISTS " + db + "." + t + "_mv");
            IngestBench.execute(url, "DROP TABLE IF EXISTS " + db + "." + t + "_queue");
        }
        return n * 1000.0 / (visible - start);
    }

    private void create(String db, String name, String topic, String group, String columns) throws Exception {
        IngestBench.execute(url, "CREATE TABLE " + db + "." + name + " (" + columns + ", ts_time DateTime) ENGINE = MergeTree() "
                + "PARTITION BY toYYYYMM(ts_time) ORDER BY event_id");
        IngestBench.execute(url, "CREATE TABLE " + db + "." + name + "_queue (" + columns + ") ENGINE = Kafka('" + KAFKA + "', '" + topic
                + "', '" + group + "-" + name + "', 'JSONEachRow')");
        IngestBench.execute(url, "CREATE MATERIALIZED VIEW " + db + "." + name + "_mv TO " + db + "." + name
                + " AS SELECT *, toDateTime(intDiv(ts, 1000)) AS ts_time FROM " + db + "." + name + "_queue");
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        PathUtils.deleteDirectory(dir);
    }
}

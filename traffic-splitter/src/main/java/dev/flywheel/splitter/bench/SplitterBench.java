package dev.flywheel.splitter.bench;

import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.splitter.assignment.Assigner;
import dev.flywheel.splitter.assignment.Assignment;
import dev.flywheel.splitter.assignment.AssignmentTable;
import dev.flywheel.splitter.assignment.UnitIds;
import dev.flywheel.splitter.experiments.Direction;
import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.ExperimentStatus;
import dev.flywheel.splitter.experiments.MetricSpec;
import dev.flywheel.splitter.experiments.RampStage;
import dev.flywheel.splitter.experiments.Unit;
import dev.flywheel.splitter.experiments.Variant;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;

/**
 * {@code ./run bench splitter}. (1) Assignment decisions per second on one thread over a realistic table (three
 * experiments in two layers, one of them split into slices, 10 % holdout). (2) Proxy overhead: the same paced load
 * (default 2,000 requests/s from a fixed pool of workers) sent straight to an instant stub backend and then through
 * the splitter (real Micronaut server, real Kafka for events and experiment state), reporting the added p50/p99
 * latency and the achieved-throughput ratio; then both unpaced (closed loop, same concurrency) for the saturation
 * throughput of each path. Last line: {@code BENCH splitter {json}}.
 * Arguments (all optional): rate=2000 concurrency=32 seconds=10 kafka=127.0.0.1:19092 proxy=true (false: assignment
 * part only, for quick checks; the BENCH line then has assignments_per_s alone) stub=netty ({@link InstantBackend};
 * jdk: the {@link StubBackend} on com.sun.net.httpserver with four threads, as measured before 2026-12-05)
 * client=socket ({@link SocketLoad}: 32 keep-alive connections on blocking sockets, a thread each, kept across the
 * rounds; since 2026-12-06) or jdk (32 platform threads on the JDK HttpClient, every figure before 2026-12-06: its
 * selector and executor threads put two more wake-ups into every request of both paths) or netty ({@link NettyLoad},
 * one event loop thread for all connections)
 * rounds=5 (the paced phases alternate between the paths in this many rounds of seconds/rounds, pooled per path; 1:
 * one block each, direct first, as before 2026-12-05 evening) splitter=inproc (the splitter inside the bench JVM;
 * process: in a JVM of its own, {@link SplitterProcess}, started with the options splitter_jvm, default
 * {@value #SPLITTER_JVM} — the deployed shape, but on the 2-core dev VM the second JVM's threads cost more than the
 * separation gains: p99 added 6.3–15 ms against 0.9–2.8 ms in-process, 2026-12-05).
 */
public final class SplitterBench {
    private static final String ADMIN = "bench-admin-token-0123456789";
    private static final String CLIENT = "bench-client-token-0123456789";
    /** The warm-up ends once the JIT compiled for less than this (ms) in one second per path, see warmUntilJitQuiet. */
    private static final long JIT_QUIET_MS = 50;
    /** ... or after this many seconds more, measuring anyway (and saying so). */
    private static final int JIT_WARMUP_MAX_S = 60;
    /**
     * ... and not before the splitter has served this long (s): rare branches of the proxy's hot code first run
     * ~40 s in (Micrometer rotates the request timers' percentile windows every expiry / buffer length = 2 min / 3,
     * Kafka's metrics roll their 30-s samples), and the compiled code then hits an uncommon trap, is thrown away and
     * compiled again. With a shorter warm-up that fell in the measured rounds (-XX:+PrintCompilation, 2026-12-06:
     * SplitterMetrics.requestDuration, NioIoHandler.processSelectedKey and FastProxyHandler.read made not entrant).
     */
    private static final int MIN_SERVING_S = 50;
    private static final String BODY = "{\"model\":\"base\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 12+30?\"}],\"max_tokens\":8}";

    /**
     * With splitter=process, the splitter JVM's options by default: the generational ZGC (as deployed) and a fixed
     * heap, so the figures do not depend on heap growth.
     */
    static final String SPLITTER_JVM = "-XX:+UseZGC -Xms512m -Xmx512m -XX:+AlwaysPreTouch";

    private SplitterBench() {}

    /** One path's requests: every latency (µs, sorted), the seconds they took and the failed requests. */
    record LoadResult(long[] sortedUs, double elapsedS, long errors) {
        /** Merges the workers' latencies (µs; the first {@code counts[w]} of {@code latenciesUs[w]} are filled). */
        static LoadResult of(long[][] latenciesUs, int[] counts, double elapsedS, long errors) {
            long[] all = new long[Arrays.stream(counts).sum()];
            int pos = 0;
            for (int w = 0; w < counts.length; w++) {
                System.arraycopy(latenciesUs[w], 0, all, pos, counts[w]);
                pos += counts[w];
            }
            Arrays.sort(all);
            return new LoadResult(all, elapsedS, errors);
        }

        /** Pools rounds of the same path: all their requests over their summed time. */
        static LoadResult pool(List<LoadResult> rounds) {
            long[][] parts = rounds.stream().map(LoadResult::sortedUs).toArray(long[][]::new);
            int[] counts = Arrays.stream(parts).mapToInt(a -> a.length).toArray();
            return of(parts, counts, rounds.stream().mapToDouble(LoadResult::elapsedS).sum(),
                    rounds.stream().mapToLong(LoadResult::errors).sum());
        }

        double rps() {
            return sortedUs.length / elapsedS;
        }

        double p50Ms() {
            return quantileMs(0.50);
        }

        double p99Ms() {
            return quantileMs(0.99);
        }

        double quantileMs(double q) {
            return sortedUs.length == 0 ? 0 : sortedUs[Math.min(sortedUs.length - 1, (int) (sortedUs.length * q))] / 1000.0;
        }
    }

    /** The load generators the {@code client} argument names. */
    private enum Client {
        SOCKET, JDK, NETTY;

        static Client parse(String name) {
            for (Client c : values()) {
                if (c.name().equalsIgnoreCase(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("client must be socket, jdk or netty, got '" + name + "'");
        }
    }

    /** A load generator: {@code concurrency} connections for {@code seconds}, paced at {@code rate} (0: back to back). */
    @FunctionalInterface
    interface Load {
        LoadResult run(URI uri, int concurrency, int rate, int seconds) throws InterruptedException;
    }

    public static void main(String[] args) throws Exception {
        // Before any logger exists: warnings only, so debug logging does not distort the numbers.
        System.setProperty("logback.configurationFile", "dev/flywheel/splitter/bench/bench-logback.xml");
        Map<String, String> opts = new java.util.HashMap<>(Map.of("rate", "2000", "concurrency", "32", "seconds", "10",
                "kafka", "127.0.0.1:19092", "proxy", "true", "stub", "netty", "client", "socket", "splitter", "inproc",
                "splitter_jvm", SPLITTER_JVM, "rounds", "5"));
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !opts.containsKey(kv[0])) {
                throw new IllegalArgumentException("expected NAME=VALUE with NAME one of " + new java.util.TreeSet<>(opts.keySet()) + ", got '" + a + "'");
            }
            opts.put(kv[0], kv[1]);
        }
        int rate = Integer.parseInt(opts.get("rate"));
        int concurrency = Integer.parseInt(opts.get("concurrency"));
        int seconds = Integer.parseInt(opts.get("seconds"));
        int rounds = Integer.parseInt(opts.get("rounds"));
        Client client = Client.parse(opts.get("client"));

        double assignmentsPerS = assignmentsPerSecond();
        System.out.printf(Locale.ROOT, "assignments: %.0f decisions/s on one thread%n", assignmentsPerS);

        if (!Boolean.parseBoolean(opts.get("proxy"))) {
            System.out.println(String.format(Locale.ROOT, "BENCH splitter {\"assignments_per_s\":%.0f,\"cores\":%d}",
                    assignmentsPerS, Runtime.getRuntime().availableProcessors()));
            return;
        }
        String json;
        String prefix = "bench" + Long.toString(System.nanoTime() & 0xffffffL, 36) + ".";
        boolean jdkStub = "jdk".equals(opts.get("stub"));
        StubBackend jdk = jdkStub ? new StubBackend(false, false, 4) : null;
        InstantBackend instant = jdkStub ? null : new InstantBackend();
        URI stubUrl = jdkStub ? jdk.url() : instant.url();
        Map<String, String> props = Map.of(
                "flywheel.kafka.bootstrap-servers", opts.get("kafka"),
                "flywheel.topics.prefix", prefix,
                "flywheel.auth.admin-tokens", ADMIN,
                "flywheel.auth.client-tokens", CLIENT,
                "flywheel.splitter.default-backend-url", stubUrl.toString(),
                // The ramp controller's minute tick is no part of the proxy path, and the bench creates no ClickHouse
                // schema for it: its first tick failed inside the measured rounds, and logging that cold (stack trace,
                // classes loaded) set off ~600 ms of C2 compiling on one of the two cores (perf sched, 2026-12-06).
                "flywheel.splitter.ramp.enabled", "false");
        boolean ownProcess = "process".equals(opts.get("splitter"));
        List<String> childJvm = List.of(opts.get("splitter_jvm").trim().split("\\s+"));
        try (AutoCloseable stub = jdkStub ? jdk : instant;
             Splitter server = ownProcess ? Splitter.process(childJvm, props) : Splitter.inProcess(props)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI splitter = server.url();
            setUpExperiment(http, splitter, stubUrl);
            URI direct = URI.create(stubUrl + "/v1/chat/completions");
            URI proxied = URI.create(splitter + "/v1/chat/completions");

            Map<String, String> clientHeaders = Map.of("Authorization", "Bearer " + CLIENT, "Content-Type", "application/json");
            byte[] body = BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Map<URI, SocketLoad> sockets = new java.util.HashMap<>();
            Load load = switch (client) {
                case JDK -> (uri, c, r, s) -> load(http, uri, c, r, s);
                case NETTY -> (uri, c, r, s) -> NettyLoad.run(uri, clientHeaders, body, c, r, s);
                case SOCKET -> (uri, c, r, s) -> sockets.computeIfAbsent(uri, u -> new SocketLoad(u, clientHeaders, body, c)).run(r, s);
            };
            // Warm-up (JIT, connections): the splitter's own JVM starts cold, and on 2 cores its C2 compilations of the
            // proxy path (~10k requests in) compete with the load for the CPU, so it gets twice the time.
            load.run(direct, concurrency, rate, 5);
            long servingSince = System.nanoTime();
            load.run(proxied, concurrency, rate, 10);
            warmUntilJitQuiet(load, direct, proxied, concurrency, rate, ownProcess, servingSince);
            // The paced phases in alternating rounds (direct, proxied, proxied, direct, ...) of seconds/rounds each, pooled
            // per path: both paths then sample the same stretch of the machine's background noise (a shared VM whose
            // load drifts over seconds) instead of one path getting the first ten seconds and the other the next.
            List<LoadResult> dRounds = new ArrayList<>();
            List<LoadResult> pRounds = new ArrayList<>();
            int roundSeconds = Math.max(1, seconds / rounds);
            for (int r = 0; r < rounds; r++) {
                boolean directFirst = r % 2 == 0;
                (directFirst ? dRounds : pRounds).add(load.run(directFirst ? direct : proxied, concurrency, rate, roundSeconds));
                (directFirst ? pRounds : dRounds).add(load.run(directFirst ? proxied : direct, concurrency, rate, roundSeconds));
            }
            for (int r = 0; r < rounds; r++) {
                System.out.printf(Locale.ROOT, "round %d: direct p99 %.3f ms, proxied p99 %.3f ms%n", r + 1, dRounds.get(r).p99Ms(), pRounds.get(r).p99Ms());
            }
            LoadResult d = LoadResult.pool(dRounds);
            LoadResult p = LoadResult.pool(pRounds);
            print("direct  (paced)", d);
            print("proxied (paced)", p);
            LoadResult dMax = load.run(direct, concurrency, 0, seconds / 2 + 1);
            LoadResult pMax = load.run(proxied, concurrency, 0, seconds / 2 + 1);
            print("direct  (closed loop)", dMax);
            print("proxied (closed loop)", pMax);
            for (SocketLoad s : sockets.values()) {
                s.close();
            }

            double ratio = p.rps() / d.rps();
            json = String.format(Locale.ROOT,
                    "{\"assignments_per_s\":%.0f,\"p50_added_ms\":%.3f,\"p99_added_ms\":%.3f,\"throughput_ratio\":%.3f,"
                            + "\"offered_rps\":%d,\"concurrency\":%d,\"direct_rps\":%.1f,\"proxied_rps\":%.1f,"
                            + "\"direct_p50_ms\":%.3f,\"direct_p99_ms\":%.3f,\"proxied_p50_ms\":%.3f,\"proxied_p99_ms\":%.3f,"
                            + "\"errors\":%d,\"saturation_direct_rps\":%.1f,\"saturation_proxied_rps\":%.1f,\"saturation_ratio\":%.3f,"
                            + "\"stub\":\"%s\",\"client\":\"%s\",\"splitter\":\"%s\",\"rounds\":%d,\"cores\":%d}",
                    assignmentsPerS, p.p50Ms() - d.p50Ms(), p.p99Ms() - d.p99Ms(), ratio, rate, concurrency, d.rps(), p.rps(),
                    d.p50Ms(), d.p99Ms(), p.p50Ms(), p.p99Ms(), d.errors() + p.errors() + dMax.errors() + pMax.errors(),
                    dMax.rps(), pMax.rps(), pMax.rps() / dMax.rps(), jdkStub ? "jdk" : "netty", client.name().toLowerCase(Locale.ROOT),
                    ownProcess ? "process" : "in-process", rounds,
                    Runtime.getRuntime().availableProcessors());
        }
        deleteTopics(opts.get("kafka"), prefix);
        System.out.println("BENCH splitter " + json);
    }

    /**
     * Goes on warming up, one second per path at a time, until the JIT compiled for less than {@value #JIT_QUIET_MS} ms
     * in such a pair of seconds and the splitter has served for {@value #MIN_SERVING_S} s (at most
     * {@value #JIT_WARMUP_MAX_S} s more). On 2 cores the fixed warm-up left C2 busy for the first ~5 s of the measured
     * rounds (60-75 % of a core, 2026-12-05 night), and that CPU was taken from whichever path was being measured,
     * mostly the first proxied round. Only the bench JVM's own compiler is visible, so with splitter=process this only
     * covers the load generator and the stub.
     */
    private static void warmUntilJitQuiet(Load load, URI direct, URI proxied, int concurrency, int rate, boolean ownProcess,
                                          long servingSince) throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean visible = jit != null && jit.isCompilationTimeMonitoringSupported();
        long before = visible ? jit.getTotalCompilationTime() : 0;
        for (int s = 0; s < JIT_WARMUP_MAX_S; s += 2) {
            load.run(direct, concurrency, rate, 1);
            load.run(proxied, concurrency, rate, 1);
            long now = visible ? jit.getTotalCompilationTime() : 0;
            boolean served = System.nanoTime() - servingSince >= MIN_SERVING_S * 1_000_000_000L;
            if (served && now - before < JIT_QUIET_MS) {
                System.out.printf(Locale.ROOT, "warm-up: JIT quiet (%d ms compiling in the last 2 s) after %d s more%s%n",
                        now - before, s + 2, !visible ? " (JIT time not visible)" : ownProcess ? " (the splitter's own JVM not included)" : "");
                return;
            }
            before = now;
        }
        System.out.printf(Locale.ROOT, "warm-up: JIT still compiling after %d s more; measuring anyway%n", JIT_WARMUP_MAX_S);
    }

    private static void print(String what, LoadResult r) {
        System.out.printf(Locale.ROOT, "%-22s %8.1f req/s  p50 %.3f ms  p90 %.3f ms  p95 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  errors %d%n",
                what, r.rps(), r.p50Ms(), r.quantileMs(0.90), r.quantileMs(0.95), r.p99Ms(), r.quantileMs(0.999), r.errors());
    }

    /** One thread, a warm table, precomputed unit ids; returns decisions per second over ~3 s after a 2 s warm-up. */
    static double assignmentsPerSecond() {
        List<Experiment> experiments = List.of(
                running("chat-a", "chat", 50, 0, 0.0, 2),
                running("chat-b", "chat", 50, 5000, 0.0, 3),
                running("summary", "summary", 100, 0, 10.0, 4));
        AssignmentTable table = AssignmentTable.of(experiments, 1);
        Assigner assigner = new Assigner();
        int n = 1 << 16;
        UnitIds[] units = new UnitIds[n];
        for (int i = 0; i < n; i++) {
            units[i] = new UnitIds("user-" + (i * 2654435761L & 0xffffffffL), null, "req-" + i);
        }
        long sink = 0;
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (UnitIds u : units) {
                sink += assigner.assign(table, u) instanceof Assignment.InExperiment ? 1 : 0;
            }
        }
        long count = 0;
        long start = System.nanoTime();
        long end = start + 3_000_000_000L;
        long now;
        do {
            for (UnitIds u : units) {
                sink += assigner.assign(table, u) instanceof Assignment.InExperiment ? 1 : 0;
            }
            count += n;
            now = System.nanoTime();
        } while (now < end);
        if (sink == 42) {
            System.out.println("(unlikely)");
        }
        return count / ((now - start) / 1e9);
    }

    private static Experiment running(String id, String layer, double traffic, int offset, double holdout, int stage) {
        List<Variant> variants = List.of(
                new Variant("control", URI.create("http://127.0.0.1:8000"), "base", Map.of(), 0.001),
                new Variant("treatment", URI.create("http://127.0.0.1:8000"), "lora", Map.of("temperature", 0.2), 0.001));
        return new Experiment(id, "", "bench", Unit.USER, variants, "control", layer, holdout,
                RampStage.defaultPlan(Duration.ofMinutes(1), 10), new MetricSpec("error_rate", Direction.LOWER_IS_BETTER, null, false),
                List.of(), ExperimentStatus.RUNNING, stage, "salt-" + id, 3, 1, 1, traffic, offset);
    }

    private static void setUpExperiment(HttpClient http, URI splitter, URI backend) throws Exception {
        String def = """
                {"id":"bench","owner":"bench","variants":[
                  {"id":"control","backend_url":"%s","model":"base"},
                  {"id":"treatment","backend_url":"%s","model":"lora-bench","overrides":{"temperature":0.2,"system_prompt":"Answer with a number."}}],
                 "control_variant_id":"control","holdout_percent":5,
                 "primary_metric":{"metric":"error_rate","direction":"lower_is_better"}}
                """.formatted(backend, backend);
        for (String[] step : List.of(new String[] {"/v1/experiments", def}, new String[] {"/v1/experiments/bench/start", "{}"},
                new String[] {"/v1/experiments/bench/advance", "{}"}, new String[] {"/v1/experiments/bench/advance", "{}"},
                new String[] {"/v1/experiments/bench/advance", "{}"}, new String[] {"/v1/experiments/bench/advance", "{}"})) {
            var r = http.send(HttpRequest.newBuilder(URI.create(splitter + step[0])).header("Authorization", "Bearer " + ADMIN)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(step[1])).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("setting up the bench experiment failed at " + step[0] + ": " + r.body());
            }
        }
    }

    /**
     * {@code concurrency} workers for {@code seconds}; with {@code rate > 0} each worker sends at its own fixed pace
     * (rate / concurrency per second, sending at once when late), else back to back. Latency per request in µs.
     */
    static LoadResult load(HttpClient http, URI uri, int concurrency, int rate, int seconds) throws InterruptedException {
        Pace pace = Pace.start(rate, concurrency, seconds);
        long[][] latencies = new long[concurrency][pace.capacity()];
        int[] counts = new int[concurrency];
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            final int worker = w;
            threads.add(Thread.ofPlatform().start(() -> {
                HttpRequest req = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + CLIENT)
                        .header("Content-Type", "application/json").header("X-Flywheel-Unit", "user-" + worker)
                        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
                long[] lat = latencies[worker];
                long due = pace.first(worker);
                int i = 0;
                while (true) {
                    due = pace.await(due);
                    long t0 = System.nanoTime();
                    if (t0 >= pace.endNs()) {
                        break;
                    }
                    try {
                        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() != 200 && errors.incrementAndGet() == 1) {
                            System.err.println("first error on " + uri + ": status " + r.statusCode() + " " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
                        }
                    } catch (Exception e) {
                        if (errors.incrementAndGet() == 1) {
                            System.err.println("first error on " + uri + ": " + e);
                        }
                    }
                    long us = (System.nanoTime() - t0) / 1000;
                    if (i < lat.length) {
                        lat[i++] = us;
                    }
                }
                counts[worker] = i;
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return LoadResult.of(latencies, counts, pace.elapsedS(), errors.get());
    }

    private static void deleteTopics(String bootstrap, String prefix) {
        var props = new java.util.Properties();
        props.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(props)) {
            List<String> names = new ArrayList<>();
            for (Topic t : new dev.flywheel.contracts.topics.Topics(prefix).all()) {
                names.add(t.name());
                names.add(t.dlq());
            }
            admin.deleteTopics(names).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("could not delete bench topics under " + prefix + ": " + e);
        }
    }
}

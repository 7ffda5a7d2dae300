package dev.flywheel.eval.bench;

import com.sun.net.httpserver.HttpServer;
import dev.flywheel.eval.evaluators.CompiledEvaluator;
import dev.flywheel.eval.evaluators.ComponentResolver;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.EvaluatorBackends;
import dev.flywheel.eval.evaluators.EvaluatorCompiler;
import dev.flywheel.eval.registry.DefinitionCodec;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./run bench eval}. Two measurements:
 * <ol>
 *   <li>Deterministic scores/s on ONE thread: a stream of 10,000 synthetic inference inputs (seeded) scored by six
 *       deterministic evaluators (string_match, regex, json_valid, numeric, length, latency); one score = one
 *       (input, evaluator) evaluation through {@link CompiledEvaluator#evaluate}. Warm-up 2 s, measured 5 s.
 *   <li>http evaluator sustained scores/s against a local reward server (JDK HttpServer on virtual threads) that
 *       answers after 50 ms. Concurrency model: one virtual thread per evaluation, the evaluator's semaphore caps
 *       calls in flight at 256, and the driver caps outstanding evaluations at 512 (so memory is bounded: at most
 *       512 small tasks exist at once). Warm-up 2 s, measured 8 s. Heap used after the run is reported.
 * </ol>
 * Goals from the issue (the "peer" the ratios are against): 200,000 deterministic scores/s per core and 2,000 http
 * scores/s. Args: none. Last line: {@code BENCH eval {json}}.
 */
public final class EvalBench {
    static final double DETERMINISTIC_GOAL = 200_000;
    static final double HTTP_GOAL = 2_000;
    static final int HTTP_CONCURRENCY = 256;
    static final int OUTSTANDING = 512;
    static final long SERVER_DELAY_MS = 50;

    private EvalBench() {}

    public static void main(String[] args) throws Exception {
        DefinitionCodec codec = new DefinitionCodec();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        EvaluatorCompiler compiler = new EvaluatorCompiler(new EvaluatorBackends(http, Clock.systemUTC(), 7L, codec.mapper(),
                Optional.empty(), Optional.empty(), Duration.ofMillis(250)));

        double deterministic = deterministic(compiler, codec);
        System.out.printf(Locale.ROOT, "deterministic: %.0f scores/s on one thread (goal %.0f, ratio %.2f)%n",
                deterministic, DETERMINISTIC_GOAL, deterministic / DETERMINISTIC_GOAL);
        double[] httpResult = http(compiler, codec);
        System.out.printf(Locale.ROOT, "http (50 ms server): %.0f scores/s, %d errors, heap used %.0f MiB (goal %.0f, ratio %.2f)%n",
                httpResult[0], (long) httpResult[1], httpResult[2], HTTP_GOAL, httpResult[0] / HTTP_GOAL);
        System.out.printf(Locale.ROOT, "BENCH eval {\"deterministic_scores_per_s\": %.0f, \"deterministic_goal_ratio\": %.3f, "
                        + "\"http_scores_per_s\": %.0f, \"http_goal_ratio\": %.3f, \"http_errors\": %d, \"http_server_delay_ms\": %d, "
                        + "\"http_max_in_flight\": %d, \"http_max_outstanding\": %d, \"heap_used_mib_after_http\": %.0f, \"threads_deterministic\": 1}%n",
                deterministic, deterministic / DETERMINISTIC_GOAL, httpResult[0], httpResult[0] / HTTP_GOAL, (long) httpResult[1],
                SERVER_DELAY_MS, HTTP_CONCURRENCY, OUTSTANDING, httpResult[2]);
    }

    static List<EvalInput> inputs(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<EvalInput> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int a = rnd.nextInt(1000), b = rnd.nextInt(1000);
            boolean right = rnd.nextDouble() < 0.7;
            String completion = switch (rnd.nextInt(3)) {
                case 0 -> "Let me add " + a + " and " + b + ". The answer is " + (right ? a + b : a + b + 1) + ".";
                case 1 -> "{\"answer\": " + (right ? a + b : a - b) + ", \"confidence\": 0.9}";
                default -> "answer: " + (right ? a + b : a * b);
            };
            out.add(new EvalInput("req-" + i, "exp", "v" + (i % 2), List.of(), completion, Integer.toString(a + b),
                    20 + rnd.nextInt(400), 5, 0.0001, 12, 20, Map.of()));
        }
        return out;
    }

    private static double deterministic(EvaluatorCompiler compiler, DefinitionCodec codec) {
        List<CompiledEvaluator> evaluators = new ArrayList<>();
        for (String def : List.of(
                "{\"id\":\"says_answer\",\"type\":\"string_match\",\"config\":{\"op\":\"contains\",\"value\":\"answer\",\"case_insensitive\":true}}",
                "{\"id\":\"has_number\",\"type\":\"regex\",\"config\":{\"pattern\":\"\\\\d+\"}}",
                "{\"id\":\"is_json\",\"type\":\"json_valid\"}",
                "{\"id\":\"correct\",\"type\":\"numeric\",\"pass_threshold\":1}",
                "{\"id\":\"short\",\"type\":\"length\",\"config\":{\"max_words\":20}}",
                "{\"id\":\"fast\",\"type\":\"latency\",\"config\":{\"max_latency_ms\":300}}")) {
            evaluators.add(compiler.compile(codec.parseRequest(codec.mapper().valueToTree(parse(codec, def)), 1, 0), ComponentResolver.NONE));
        }
        List<EvalInput> stream = inputs(10_000, 42);
        run(evaluators, stream, 2_000_000_000L); // warm-up
        long start = System.nanoTime();
        long scores = run(evaluators, stream, 5_000_000_000L);
        return scores / ((System.nanoTime() - start) / 1e9);
    }

    private static long run(List<CompiledEvaluator> evaluators, List<EvalInput> stream, long nanos) {
        long end = System.nanoTime() + nanos;
        long scores = 0;
        double sink = 0;
        while (System.nanoTime() < end) {
            for (EvalInput in : stream) {
                for (CompiledEvaluator e : evaluators) {
                    EvalResult r = e.evaluate(in);
                    sink += r.valid() ? r.score() : 0;
                    scores++;
                }
            }
        }
        if (sink == -1) {
            System.out.println(sink); // keeps the JIT from discarding the work
        }
        return scores;
    }

    private static Object parse(DefinitionCodec codec, String json) {
        try {
            return codec.mapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** @return {scores/s, errors, heap used MiB after the run} */
    private static double[] http(EvaluatorCompiler compiler, DefinitionCodec codec) throws Exception {
        // The JDK server keeps at most 200 idle keep-alive connections by default and closes the rest, which the
        // client would see as "header parser received no bytes" on a reused connection: allow all 256 to stay open.
        System.setProperty("sun.net.httpserver.maxIdleConnections", "1024");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] answer = "{\"score\":1.0,\"reason\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
        server.createContext("/reward", exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(SERVER_DELAY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            String def = "{\"id\":\"reward\",\"type\":\"http\",\"config\":{\"url\":\"http://127.0.0.1:" + server.getAddress().getPort()
                    + "/reward\",\"timeout_ms\":5000,\"max_retries\":0,\"max_concurrency\":" + HTTP_CONCURRENCY + "}}";
            CompiledEvaluator ce = compiler.compile(codec.parseRequest(codec.mapper().readTree(def), 1, 0), ComponentResolver.NONE);
            List<EvalInput> stream = inputs(1_000, 43);
            drive(ce, stream, pool, 2_000_000_000L, new AtomicLong(), new AtomicLong()); // warm-up (connections, JIT)
            AtomicLong ok = new AtomicLong(), errors = new AtomicLong();
            long start = System.nanoTime();
            drive(ce, stream, pool, 8_000_000_000L, ok, errors);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.gc();
            Runtime rt = Runtime.getRuntime();
            double heapMiB = (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
            return new double[] {ok.get() / seconds, errors.get(), heapMiB};
        } finally {
            server.stop(0);
        }
    }

    private static void drive(CompiledEvaluator ce, List<EvalInput> stream, ExecutorService pool, long nanos, AtomicLong ok,
                              AtomicLong errors) throws InterruptedException {
        Semaphore outstanding = new Semaphore(OUTSTANDING);
        long end = System.nanoTime() + nanos;
        int i = 0;
        while (System.nanoTime() < end) {
            outstanding.acquire();
            EvalInput in = stream.get(i++ % stream.size());
            pool.submit(() -> {
                try {
                    EvalResult r = ce.evaluate(in);
                    if (r.valid()) {
                        ok.incrementAndGet();
                    } else if (errors.incrementAndGet() == 1) {
                        System.out.println("first http error: " + r.reason());
                    }
                } finally {
                    outstanding.release();
                }
            });
        }
        outstanding.acquire(OUTSTANDING); // drain: every started evaluation has finished
        outstanding.release(OUTSTANDING);
    }
}

package dev.flywheel.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.task.AdditionProblem;
import dev.flywheel.engine.task.AdditionTask;
import dev.flywheel.engine.task.Answers;
import dev.flywheel.engine.task.Split;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Users of a product that asks the shipped model sums: {@code concurrency} virtual threads, each a stream of
 * requests from users drawn out of a pool of {@code users} unit ids, through the traffic splitter's
 * {@code /v1/chat/completions} (the splitter decides the variant by unit id). After each answer the user may send
 * thumbs feedback to feedback-ingest, correlated with whether the sum was right ({@link FeedbackModel}). Prompts are
 * the task's problems (train and held-out alike: real users do not know the split). Every worker has its own
 * {@link SplittableRandom} split from the seed, so the stream of prompts, users and reactions replays.
 */
public final class SimulatedUsers implements AutoCloseable {
    /** Running totals of one variant as the users saw it: requests, correct answers, thumbs up and thumbs. */
    public record VariantTally(long requests, long correct, long thumbsUp, long thumbs) {}

    private final HttpClient http;
    private final URI splitter;
    private final URI ingest;
    private final String clientToken;
    private final ObjectMapper mapper;
    private final DemoSettings settings;
    private final FeedbackModel feedback;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> workers = new ArrayList<>();
    private final Map<String, LongAdder[]> tallies = new ConcurrentHashMap<>();
    private final LongAdder errors = new LongAdder();
    private volatile String lastError = "";
    private volatile String model = "arith-tiny";
    /** Workers with an index at or above this wait (off-peak hours); see {@link #setActive}. */
    private volatile int active;

    public SimulatedUsers(HttpClient http, URI splitter, URI ingest, String clientToken, ObjectMapper mapper,
                          DemoSettings settings, FeedbackModel feedback) {
        this.http = http;
        this.splitter = splitter;
        this.ingest = ingest;
        this.clientToken = clientToken;
        this.mapper = mapper;
        this.settings = settings;
        this.feedback = feedback;
    }

    public void start() {
        SplittableRandom root = new SplittableRandom(settings.seed());
        active = settings.concurrency();
        for (int i = 0; i < settings.concurrency(); i++) {
            SplittableRandom rng = root.split();
            int index = i;
            workers.add(Thread.ofVirtual().name("demo-user-" + i).start(() -> loop(index, rng)));
        }
    }

    /**
     * How many of the {@code concurrency} user streams send requests: fewer at "night" while a retrain shares the
     * cores, all of them by day. Idle streams keep their random state, so the day's traffic resumes where it left off.
     */
    public void setActive(int streams) {
        if (streams < 0 || streams > settings.concurrency()) {
            throw new IllegalArgumentException("streams must be in [0, " + settings.concurrency() + "], got " + streams);
        }
        active = streams;
    }

    /** Tallies keyed by "experiment/variant" ("-/-" outside every experiment). */
    public Map<String, VariantTally> tallies() {
        Map<String, VariantTally> out = new java.util.TreeMap<>();
        tallies.forEach((k, a) -> out.put(k, new VariantTally(a[0].sum(), a[1].sum(), a[2].sum(), a[3].sum())));
        return out;
    }

    /** The model the product asks for by default (the current champion); experiments still override it per unit. */
    public void useModel(String served) {
        this.model = served;
    }

    public long errors() {
        return errors.sum();
    }

    public String lastError() {
        return lastError;
    }

    private void loop(int index, SplittableRandom rng) {
        AdditionTask task = AdditionTask.standard();
        while (running.get() && !Thread.currentThread().isInterrupted()) {
            if (index >= active) {
                LockSupport.parkNanos(200_000_000L); // off-peak: this stream is idle; look again in 200 ms
                continue;
            }
            String unit = String.format("user-%05d", rng.nextInt(settings.users()));
            AdditionProblem problem = task.sample(rng, rng.nextInt(100) < task.heldOutPercent() ? Split.HELD_OUT : Split.TRAIN);
            try {
                ask(unit, problem, rng);
            } catch (IOException | DemoException e) {
                if (!running.get()) {
                    return;
                }
                errors.increment();
                lastError = e.getMessage();
            } catch (InterruptedException e) {
                return;
            }
            long thinkNanos = (long) (-Math.log(1 - rng.nextDouble()) * settings.thinkTime().toNanos());
            LockSupport.parkNanos(thinkNanos);
        }
    }

    private void ask(String unit, AdditionProblem problem, SplittableRandom rng) throws IOException, InterruptedException {
        ObjectNode body = mapper.createObjectNode();
        body.put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", problem.prompt());
        body.put("max_tokens", 6);
        body.put("temperature", 0.0);
        body.put("user", unit);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(splitter.resolve("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + clientToken)
                .header("Content-Type", "application/json").header("X-Flywheel-Unit", unit)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new DemoException("splitter answered HTTP " + r.statusCode() + ": " + r.body(), null);
        }
        JsonNode answer = mapper.readTree(r.body());
        String completion = answer.path("choices").path(0).path("message").path("content").asText("");
        String requestId = r.headers().firstValue("X-Request-Id").orElse(answer.path("id").asText(""));
        String key = r.headers().firstValue("X-Flywheel-Experiment").orElse("-") + "/"
                + r.headers().firstValue("X-Flywheel-Variant").orElse("-");
        boolean correct = Answers.isCorrect(problem, completion);
        int thumb = feedback.react(correct, rng);
        LongAdder[] t = tallies.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()});
        t[0].increment();
        if (correct) {
            t[1].increment();
        }
        if (thumb >= 0 && !requestId.isEmpty()) {
            t[3].increment();
            if (thumb == 1) {
                t[2].increment();
            }
            sendFeedback(requestId, unit, thumb);
        }
    }

    private void sendFeedback(String requestId, String unit, int thumb) throws IOException, InterruptedException {
        ObjectNode fb = mapper.createObjectNode();
        fb.put("request_id", requestId);
        fb.put("unit_id", unit);
        fb.put("kind", "thumbs");
        fb.put("value", (double) thumb);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(ingest.resolve("/v1/feedback"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + clientToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(fb.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new DemoException("feedback-ingest answered HTTP " + r.statusCode() + ": " + r.body(), null);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread w : workers) {
            w.interrupt();
        }
        for (Thread w : workers) {
            w.join(Duration.ofSeconds(30));
        }
    }
}

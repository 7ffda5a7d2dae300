package dev.flywheel.eval.runs;

import dev.flywheel.eval.datasets.Dataset;
import dev.flywheel.eval.datasets.DatasetItem;
import dev.flywheel.eval.datasets.DatasetStore;
import dev.flywheel.eval.evaluators.CompiledEvaluator;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.registry.EvaluatorConflictException;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import dev.flywheel.eval.runs.internal.ChatClient;
import dev.flywheel.eval.runs.internal.RunStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline evaluation, as a plain Java API (the retrain loop's gate calls it in-process; the REST API is a thin
 * layer over it). {@link #run} sends every dataset item {@code repeats} times to the variant (at most
 * {@code concurrency} generations in flight, one virtual thread each), scores every completion with the same
 * compiled evaluators online scoring uses, stores per-item rows and the aggregates in ClickHouse, and returns the
 * summary. {@link #compare} pairs two runs item by item; {@link #compareVariants} runs both variants and compares.
 */
public final class EvalRuns {
    private static final Logger LOG = LoggerFactory.getLogger(EvalRuns.class);

    private final DatasetStore datasets;
    private final EvaluatorRegistry registry;
    private final ChatClient chat;
    private final RunStore store;
    private final ExecutorService executor;
    private final Clock clock;
    private final double confidence;
    private final Map<String, RunSummary> live = new ConcurrentHashMap<>();

    public EvalRuns(DatasetStore datasets, EvaluatorRegistry registry, ChatClient chat, RunStore store, ExecutorService executor,
                    Clock clock, double confidence) {
        this.datasets = datasets;
        this.registry = registry;
        this.chat = chat;
        this.store = store;
        this.executor = executor;
        this.clock = clock;
        this.confidence = confidence;
    }

    /** Checks the spec (dataset exists, evaluators exist and are enabled) and runs it to the end. */
    public RunSummary run(RunSpec spec) throws InterruptedException {
        Prepared p = prepare(spec);
        return execute(p);
    }

    /** Checks the spec now (errors are thrown to the caller) and runs it in the background; returns the run id. */
    public String start(RunSpec spec) {
        Prepared p = prepare(spec);
        executor.submit(() -> {
            try {
                execute(p);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.error("run {} failed: {}", p.runId(), e.toString(), e);
            }
            return null;
        });
        return p.runId();
    }

    public Optional<RunSummary> get(String runId) {
        RunSummary s = live.get(runId);
        return s != null ? Optional.of(s) : store.loadRun(runId);
    }

    /** Paired comparison of two finished runs for one evaluator (B - A). */
    public Comparison compare(String runA, String runB, String evaluatorId) {
        RunSummary a = get(runA).orElseThrow(() -> new RunNotFoundException(runA));
        RunSummary b = get(runB).orElseThrow(() -> new RunNotFoundException(runB));
        if (!a.datasetId().equals(b.datasetId())) {
            throw new IllegalArgumentException("runs " + runA + " and " + runB + " used different datasets ("
                    + a.datasetId() + " vs " + b.datasetId() + "); a paired comparison needs the same items");
        }
        for (RunSummary s : List.of(a, b)) {
            if (s.status() != RunStatus.SUCCEEDED) {
                throw new IllegalArgumentException("run " + s.runId() + " is " + s.status().name().toLowerCase(Locale.ROOT)
                        + ", not succeeded");
            }
        }
        return PairedStatistics.compare(evaluatorId, runA, runB, store.itemScores(runA, evaluatorId),
                store.itemScores(runB, evaluatorId), confidence);
    }

    /** The retrain gate: runs baseline A and candidate B on the same dataset, then compares per evaluator. */
    public List<Comparison> compareVariants(String datasetId, VariantTarget a, VariantTarget b, List<EvaluatorRef> evaluators,
                                            int repeats, int concurrency) throws InterruptedException {
        RunSummary ra = run(new RunSpec(datasetId, a, evaluators, repeats, concurrency));
        RunSummary rb = run(new RunSpec(datasetId, b, evaluators, repeats, concurrency));
        for (RunSummary s : List.of(ra, rb)) {
            if (s.status() != RunStatus.SUCCEEDED) {
                throw new IllegalStateException("run " + s.runId() + " of " + s.variantName() + " failed: " + s.error());
            }
        }
        return ra.evaluators().stream().map(e -> compare(ra.runId(), rb.runId(), e.evaluatorId())).toList();
    }

    private record Prepared(String runId, RunSpec spec, Dataset dataset, List<CompiledEvaluator> evaluators, long startedAtMs) {}

    private Prepared prepare(RunSpec spec) {
        Dataset dataset = datasets.load(spec.datasetId()).orElseThrow(() ->
                new IllegalArgumentException("dataset_id: no dataset '" + spec.datasetId() + "'"));
        List<CompiledEvaluator> evaluators = new ArrayList<>();
        for (EvaluatorRef ref : spec.evaluators()) {
            if (registry.get(ref.id()).map(r -> r.disabled()).orElse(false)) {
                throw new EvaluatorConflictException(ref.id(), "evaluator '" + ref.id() + "' is disabled");
            }
            evaluators.add(registry.evaluator(ref.id(), ref.version()));
        }
        return new Prepared("run-" + UUID.randomUUID(), spec, dataset, evaluators, clock.millis());
    }

    private RunSummary execute(Prepared p) throws InterruptedException {
        RunSpec spec = p.spec();
        RunSummary running = summary(p, RunStatus.RUNNING, "", List.of(), 0);
        live.put(p.runId(), running);
        store.saveRun(running, spec, 1, clock.millis());
        List<RunStore.ResultRow> rows = Collections.synchronizedList(new ArrayList<>());
        Semaphore inFlight = new Semaphore(spec.concurrency());
        List<Future<?>> tasks = new ArrayList<>();
        try {
            for (DatasetItem item : p.dataset().items()) {
                for (int r = 0; r < spec.repeats(); r++) {
                    int repeat = r;
                    inFlight.acquire();
                    tasks.add(executor.submit(() -> {
                        try {
                            rows.addAll(generateAndScore(p, item, repeat));
                        } finally {
                            inFlight.release();
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : tasks) {
                f.get();
            }
            List<RunStore.ResultRow> sorted = new ArrayList<>(rows);
            store.saveResults(p.runId(), sorted);
            RunSummary done = summary(p, RunStatus.SUCCEEDED, "", RunAggregates.summarise(p.evaluators(), sorted, spec.repeats(),
                    confidence), clock.millis());
            store.saveRun(done, spec, 2, clock.millis());
            live.remove(p.runId());
            return done;
        } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            RunSummary failed = summary(p, RunStatus.FAILED, String.valueOf(cause), List.of(), clock.millis());
            live.put(p.runId(), failed);
            try {
                store.saveRun(failed, spec, 2, clock.millis());
                live.remove(p.runId());
            } catch (RuntimeException storeDown) {
                LOG.error("could not record the failure of run {}: {}", p.runId(), storeDown.toString());
            }
            return failed;
        } finally {
            tasks.forEach(t -> t.cancel(true));
        }
    }

    private List<RunStore.ResultRow> generateAndScore(Prepared p, DatasetItem item, int repeat) throws InterruptedException {
        long ts = clock.millis();
        List<RunStore.ResultRow> out = new ArrayList<>(p.evaluators().size());
        ChatClient.Generation g;
        try {
            g = chat.complete(p.spec().variant(), item.messages(), 1000L * item.index() + repeat);
        } catch (java.io.IOException e) {
            for (CompiledEvaluator ce : p.evaluators()) {
                out.add(new RunStore.ResultRow(item.index(), repeat, ce.definition().id(), ce.definition().version(), "error",
                        0.0, null, "generation failed: " + e.getMessage(), "", 0.0, ts));
            }
            return out;
        }
        EvalInput input = new EvalInput(p.runId() + "/" + item.index() + "/" + repeat, "", p.spec().variant().name(),
                item.messages(), g.content(), item.reference(), g.latencyMs(), 0, 0, g.promptTokens(), g.completionTokens(),
                item.attributes());
        for (CompiledEvaluator ce : p.evaluators()) {
            EvalResult r = ce.evaluate(input);
            out.add(new RunStore.ResultRow(item.index(), repeat, ce.definition().id(), ce.definition().version(),
                    r.status().name().toLowerCase(Locale.ROOT), r.valid() ? r.score() : 0.0, r.passed(), r.reason(), g.content(),
                    g.latencyMs(), ts));
        }
        return out;
    }

    private static RunSummary summary(Prepared p, RunStatus status, String error, List<EvaluatorSummary> evaluators, long finishedAtMs) {
        return new RunSummary(p.runId(), p.spec().datasetId(), p.spec().variant().name(), p.spec().variant().model(),
                p.spec().repeats(), p.dataset().items().size(), status, error, evaluators, p.startedAtMs(), finishedAtMs);
    }
}

package dev.flywheel.eval.scoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.contracts.events.ScoreStatus;
import dev.flywheel.eval.evaluators.CompiledEvaluator;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.EvaluatorDefinition;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Scores live requests: for every (event, active evaluator) pair the sampler picks, the evaluation runs on its own
 * virtual thread with a deadline; whatever happens (exception, timeout) becomes a score event, with status error
 * and the reason when the evaluator failed. Requests that failed upstream (status error) have no completion to
 * judge and are not scored. Framework-free: the Kafka consumer loop hands batches here.
 */
public final class ScoringService {
    private final EvaluatorRegistry registry;
    private final RequestSampler sampler;
    private final ExecutorService executor;
    private final Duration timeout;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final MeterRegistry meters;

    public ScoringService(EvaluatorRegistry registry, RequestSampler sampler, ExecutorService executor, Duration timeout,
                          Clock clock, ObjectMapper mapper, MeterRegistry meters) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("evaluation timeout must be positive, got " + timeout);
        }
        this.registry = registry;
        this.sampler = sampler;
        this.executor = executor;
        this.timeout = timeout;
        this.clock = clock;
        this.mapper = mapper;
        this.meters = meters;
    }

    private record Pending(InferenceEvent event, CompiledEvaluator evaluator, Future<EvalResult> result, long startNanos) {}

    /** The score events for a batch, in (event, evaluator) order. Blocks at most about one timeout. */
    public List<ScoreEvent> score(List<InferenceEvent> events) throws InterruptedException {
        List<CompiledEvaluator> active = registry.activeForScoring();
        List<Pending> pending = new ArrayList<>();
        for (InferenceEvent e : events) {
            if (e.status() == InferenceStatus.ERROR) {
                continue;
            }
            EvalInput input = EvalInput.of(e);
            for (CompiledEvaluator ce : active) {
                EvaluatorDefinition d = ce.definition();
                if (sampler.sampled(d.sampling(), d.id(), e.eventId(), e.experimentId(), e.variantId())) {
                    pending.add(new Pending(e, ce, executor.submit(() -> ce.evaluate(input)), System.nanoTime()));
                }
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ScoreEvent> out = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            EvalResult r = await(p, deadline);
            double latencyMs = (System.nanoTime() - p.startNanos()) / 1e6;
            out.add(toEvent(p.event(), p.evaluator().definition(), r, latencyMs));
        }
        return out;
    }

    private EvalResult await(Pending p, long deadline) throws InterruptedException {
        try {
            return p.result().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            p.result().cancel(true);
            return EvalResult.error("timed out after " + timeout.toMillis() + " ms");
        } catch (ExecutionException | CancellationException e) {
            return EvalResult.error("evaluation failed: " + (e.getCause() == null ? e : e.getCause()));
        }
    }

    ScoreEvent toEvent(InferenceEvent e, EvaluatorDefinition d, EvalResult r, double latencyMs) {
        ScoreStatus status = switch (r.status()) {
            case OK -> ScoreStatus.OK;
            case ERROR -> ScoreStatus.ERROR;
            case SKIPPED -> ScoreStatus.SKIPPED;
        };
        meters.counter("eval_scores_total", "evaluator", d.id(), "status", status.wire()).increment();
        return new ScoreEvent(ScoreEvent.eventIdFor(e.eventId(), d.id(), d.version()), clock.millis(), e.eventId(),
                e.experimentId(), e.variantId(), d.id(), d.version(), r.valid() ? r.score() : 0.0, r.passed(), status,
                ScoreDetail.of(mapper, r), latencyMs);
    }
}

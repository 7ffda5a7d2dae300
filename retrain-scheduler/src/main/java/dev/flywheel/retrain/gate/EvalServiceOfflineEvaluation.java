package dev.flywheel.retrain.gate;

import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.eval.datasets.Dataset;
import dev.flywheel.eval.datasets.DatasetStore;
import dev.flywheel.eval.runs.Comparison;
import dev.flywheel.eval.runs.EvalRuns;
import dev.flywheel.eval.runs.EvaluatorRef;
import dev.flywheel.eval.runs.VariantTarget;
import dev.flywheel.retrain.dataset.DatasetItem;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gate through eval-service's offline-run API ({@link EvalRuns#compareVariants}), for candidates served by an
 * OpenAI-compatible engine (the built-in one after {@code /v1/load_lora_adapter}, or an external vLLM): the holdout
 * is stored as an eval dataset (id {@code holdout-<snapshot>}; an existing id is reused, the content being the same),
 * both models are run greedily (temperature 0, one repeat) and compared per evaluator. The candidate must already be
 * loaded on the engine, so this gate is used when the policy names an engine URL.
 */
public final class EvalServiceOfflineEvaluation implements OfflineEvaluation {
    private final EvalRuns runs;
    private final DatasetStore datasets;
    private final URI engineUrl;
    private final String apiKey;
    private final String datasetId;
    private final int maxTokens;
    private final Clock clock;

    public EvalServiceOfflineEvaluation(EvalRuns runs, DatasetStore datasets, URI engineUrl, String apiKey, String snapshotId,
                                        int maxTokens, Clock clock) {
        this.runs = runs;
        this.datasets = datasets;
        this.engineUrl = engineUrl;
        this.apiKey = apiKey;
        this.datasetId = "holdout-" + snapshotId;
        this.maxTokens = maxTokens;
        this.clock = clock;
    }

    @Override
    public List<Comparison> compare(List<DatasetItem> holdout, Contender champion, Contender candidate, List<String> evaluatorIds,
                                    double confidence) throws InterruptedException {
        List<dev.flywheel.eval.datasets.DatasetItem> items = new ArrayList<>(holdout.size());
        for (int i = 0; i < holdout.size(); i++) {
            DatasetItem h = holdout.get(i);
            items.add(new dev.flywheel.eval.datasets.DatasetItem(i, List.of(new ChatMessage("user", h.prompt())), h.reference(), Map.of()));
        }
        datasets.save(new Dataset(datasetId, "retrain holdout", items, datasetId, clock.millis()));
        List<EvaluatorRef> refs = evaluatorIds.stream().map(id -> new EvaluatorRef(id, null)).toList();
        return runs.compareVariants(datasetId,
                new VariantTarget("champion", engineUrl, champion.name(), 0.0, maxTokens, apiKey),
                new VariantTarget("candidate", engineUrl, candidate.name(), 0.0, maxTokens, apiKey),
                refs, 1, 8);
    }
}

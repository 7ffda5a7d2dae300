package dev.flywheel.eval.internal;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.net.URI;

/**
 * {@code flywheel.eval.*}: the eval service's own settings, defaults here (not in application.yml, which the
 * one-JVM launcher shares between services). Checked at start-up; a bad value stops the service with a message
 * naming the key.
 *
 * @param scoringEnabled        run the online scoring consumer
 * @param consumerGroup         Kafka consumer group of the online scorer
 * @param evaluationTimeoutMs   deadline of one online evaluation (ms); past it the score is an error
 * @param registryRefreshMs     how often the scorer reloads the registry (other replicas' changes), ms
 * @param judgeBaseUrl          default OpenAI-compatible server for llm_judge (absent: judges must name base_url)
 * @param judgeModel            default judge model
 * @param judgeApiKey           bearer key for the judge (never logged)
 * @param embeddingBaseUrl      OpenAI-compatible server for embedding_cosine (absent: that kind is refused)
 * @param embeddingModel        embedding model
 * @param embeddingApiKey       bearer key for embeddings (never logged)
 * @param regexBudgetMs         time budget of one regex match (ms)
 * @param maxDatasetItems       largest accepted dataset
 * @param maxDatasetBytes       largest accepted JSONL upload
 * @param generationTimeoutMs   timeout of one variant call in offline runs (ms)
 * @param confidence            confidence level of run intervals and comparisons
 * @param jitterSeed            seed of retry-backoff jitter
 */
@ConfigurationProperties("flywheel.eval")
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public record EvalConfig(
        @Bindable(defaultValue = "true") boolean scoringEnabled,
        @Bindable(defaultValue = "flywheel-eval-scoring") String consumerGroup,
        @Bindable(defaultValue = "10000") long evaluationTimeoutMs,
        @Bindable(defaultValue = "30000") long registryRefreshMs,
        @Nullable URI judgeBaseUrl,
        @Bindable(defaultValue = "judge") String judgeModel,
        @Nullable String judgeApiKey,
        @Nullable URI embeddingBaseUrl,
        @Bindable(defaultValue = "embedding") String embeddingModel,
        @Nullable String embeddingApiKey,
        @Bindable(defaultValue = "250") long regexBudgetMs,
        @Bindable(defaultValue = "100000") int maxDatasetItems,
        @Bindable(defaultValue = "67108864") int maxDatasetBytes,
        @Bindable(defaultValue = "120000") long generationTimeoutMs,
        @Bindable(defaultValue = "0.95") double confidence,
        @Bindable(defaultValue = "20240601") long jitterSeed) {

    public EvalConfig {
        positive("flywheel.eval.evaluation-timeout-ms", evaluationTimeoutMs);
        positive("flywheel.eval.registry-refresh-ms", registryRefreshMs);
        positive("flywheel.eval.regex-budget-ms", regexBudgetMs);
        positive("flywheel.eval.max-dataset-items", maxDatasetItems);
        positive("flywheel.eval.max-dataset-bytes", maxDatasetBytes);
        positive("flywheel.eval.generation-timeout-ms", generationTimeoutMs);
        if (!(confidence > 0.5 && confidence < 1)) {
            throw new IllegalArgumentException("flywheel.eval.confidence must be in (0.5, 1), got " + confidence);
        }
        if (consumerGroup == null || consumerGroup.isBlank()) {
            throw new IllegalArgumentException("flywheel.eval.consumer-group must not be blank");
        }
    }

    private static void positive(String key, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + v);
        }
    }

    @Override
    public String toString() {
        return "EvalConfig[scoring=" + scoringEnabled + ", group=" + consumerGroup + ", judge=" + judgeBaseUrl
                + ", embeddings=" + embeddingBaseUrl + "]";
    }
}

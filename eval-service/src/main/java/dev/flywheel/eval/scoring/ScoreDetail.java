package dev.flywheel.eval.scoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.eval.evaluators.EvalResult;

/**
 * The {@code detail} string of a score event: {"reason": "...", "metrics": {"name": number}} as JSON, so the
 * judge's reasoning and a composite's component scores reach ClickHouse with the score. Capped at 64 KiB of reason.
 */
public final class ScoreDetail {
    private static final int MAX_REASON_CHARS = 64 * 1024;

    private ScoreDetail() {}

    public static String of(ObjectMapper mapper, EvalResult r) {
        ObjectNode n = mapper.createObjectNode();
        String reason = r.reason().length() > MAX_REASON_CHARS ? r.reason().substring(0, MAX_REASON_CHARS) : r.reason();
        n.put("reason", reason);
        ObjectNode m = n.putObject("metrics");
        r.subMetrics().forEach((k, v) -> {
            if (Double.isFinite(v)) {
                m.put(k, v);
            }
        });
        try {
            return mapper.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode score detail", e);
        }
    }
}

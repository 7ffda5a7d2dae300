package dev.flywheel.eval.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.eval.evaluators.EvalResult;
import java.util.Locale;

/** {"status", "valid", "score" (null unless valid), "passed", "reason", "sub_metrics"}. */
final class ResultJson {
    private ResultJson() {}

    static ObjectNode of(ObjectMapper mapper, EvalResult r) {
        ObjectNode n = mapper.createObjectNode();
        n.put("status", r.status().name().toLowerCase(Locale.ROOT));
        n.put("valid", r.valid());
        if (r.valid()) {
            n.put("score", r.score());
        } else {
            n.putNull("score");
        }
        if (r.passed() == null) {
            n.putNull("passed");
        } else {
            n.put("passed", r.passed());
        }
        n.put("reason", r.reason());
        ObjectNode m = n.putObject("sub_metrics");
        r.subMetrics().forEach((k, v) -> {
            if (Double.isFinite(v)) {
                m.put(k, v);
            }
        });
        return n;
    }
}

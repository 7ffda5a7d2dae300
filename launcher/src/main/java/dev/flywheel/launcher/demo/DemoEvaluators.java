package dev.flywheel.launcher.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;

/**
 * The evaluators the demo registers in eval-service: {@code exact_answer} (the task verifier over HTTP: 1 when the
 * leading number is exactly the sum; every request scored), and {@code answer_format} (regex: the completion is a bare
 * number; half the requests).
 */
final class DemoEvaluators {
    static final String EXACT = "exact_answer";
    static final String FORMAT = "answer_format";

    private DemoEvaluators() {}

    static void register(ServiceCalls eval, ObjectMapper mapper, URI verifier) throws InterruptedException {
        ObjectNode exact = mapper.createObjectNode();
        exact.put("id", EXACT);
        exact.put("type", "http");
        exact.put("description", "the leading number of the completion is exactly the sum asked for (task verifier)");
        exact.putObject("config").put("url", verifier.toString()).put("timeout_ms", 2000).put("max_concurrency", 64);
        exact.put("pass_threshold", 1.0);
        exact.putObject("sampling").put("rate", 1.0);
        eval.post("/v1/evaluators", exact);

        ObjectNode format = mapper.createObjectNode();
        format.put("id", FORMAT);
        format.put("type", "regex");
        format.put("description", "the completion is a bare number");
        format.putObject("config").put("pattern", "^[0-9]+$").put("mode", "find");
        format.putObject("sampling").put("rate", 0.5);
        eval.post("/v1/evaluators", format);
    }
}

package dev.flywheel.retrain.policy;

import java.net.URI;

/**
 * Where a passing adapter goes: the engine that serves it ({@code /v1/load_lora_adapter}), the traffic-splitter that
 * runs the champion-vs-candidate experiment, and the experiment's primary metric ({@code score:<evaluator>}).
 * A null URL skips that step (dry runs, tests).
 */
public record DeployTarget(URI engineUrl, URI splitterUrl, String primaryMetric) {
    public DeployTarget {
        for (URI u : new URI[] {engineUrl, splitterUrl}) {
            if (u != null && !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new InvalidPolicyException(u == engineUrl ? "deploy.engine_url" : "deploy.splitter_url",
                        "must be an http(s) URL, got '" + u + "'");
            }
        }
        if (primaryMetric == null || !primaryMetric.startsWith("score:")) {
            throw new InvalidPolicyException("deploy.primary_metric", "must be score:<evaluator_id>, got '" + primaryMetric + "'");
        }
    }
}

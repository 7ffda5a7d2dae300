package dev.flywheel.retrain.policy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.Set;

/**
 * Where a passing adapter goes: the engine that serves it ({@code /v1/load_lora_adapter}), the traffic-splitter that
 * runs the champion-vs-candidate experiment, and the experiment's primary metric ({@code score:<evaluator>}).
 * A null URL skips that step (dry runs, tests). {@code experiment} holds further fields of the experiment definition
 * the splitter creates (its {@code POST /v1/experiments} body: {@code layer}, {@code ramp_plan}, {@code guardrails},
 * {@code holdout_percent}, {@code unit}, ...; the splitter validates them and names a bad one); empty, the
 * splitter's defaults apply (the 1-5-10-25-50-100 % plan, the default layer). The fields the deployer sets itself
 * are refused here.
 */
public record DeployTarget(URI engineUrl, URI splitterUrl, String primaryMetric, ObjectNode experiment) {
    /** Experiment fields the deployer writes (the variants are the champion and the candidate). */
    public static final Set<String> RESERVED_EXPERIMENT_FIELDS = Set.of("id", "variants", "control_variant_id", "primary_metric", "owner");

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
        experiment = experiment == null ? JsonNodeFactory.instance.objectNode() : experiment.deepCopy();
        for (String field : RESERVED_EXPERIMENT_FIELDS) {
            if (experiment.has(field)) {
                throw new InvalidPolicyException("deploy.experiment." + field, "is set by the deployer (champion vs candidate); leave it out");
            }
        }
    }

    /** No experiment fields beyond the deployer's own. */
    public DeployTarget(URI engineUrl, URI splitterUrl, String primaryMetric) {
        this(engineUrl, splitterUrl, primaryMetric, null);
    }

    /** A copy of the extra experiment fields (the record's own stays unchanged). */
    @Override
    public ObjectNode experiment() {
        return experiment.deepCopy();
    }
}

package dev.flywheel.retrain.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Policy records to and from JSON (snake_case), with errors that name the field. */
public final class PolicyJson {
    private final ObjectMapper mapper;

    public PolicyJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public RetrainPolicy parse(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new InvalidPolicyException("$", "expected a JSON object");
        }
        JsonNode traffic = object(n, "traffic");
        JsonNode reward = object(n, "reward");
        JsonNode trainer = object(n, "trainer");
        JsonNode gate = object(n, "gate");
        JsonNode schedule = n.path("schedule");
        JsonNode deploy = object(n, "deploy");
        List<RewardTerm> terms = new ArrayList<>();
        JsonNode evs = reward.path("evaluators");
        if (!evs.isArray()) {
            throw new InvalidPolicyException("reward.evaluators", "must be an array of {id, version, weight}");
        }
        for (JsonNode e : evs) {
            terms.add(new RewardTerm(text(e, "id", "reward.evaluators[].id"), e.hasNonNull("version") ? e.get("version").asInt() : null,
                    e.path("weight").asDouble(1.0)));
        }
        Map<String, Double> settings = new LinkedHashMap<>();
        trainer.path("settings").properties().forEach(s -> {
            if (!s.getValue().isNumber()) {
                throw new InvalidPolicyException("trainer.settings." + s.getKey(), "must be a number");
            }
            settings.put(s.getKey(), s.getValue().asDouble());
        });
        List<String> command = new ArrayList<>();
        trainer.path("command").forEach(c -> command.add(c.asText()));
        List<String> guardrails = new ArrayList<>();
        gate.path("guardrails").forEach(g -> guardrails.add(g.asText()));
        return new RetrainPolicy(
                text(n, "id", "id"),
                text(n, "base_model", "base_model"),
                path(n, "base_model_dir"),
                n.hasNonNull("champion_adapter") ? n.get("champion_adapter").asText() : null,
                n.hasNonNull("champion_adapter_dir") ? path(n, "champion_adapter_dir") : null,
                new TrafficFilter(strings(traffic.path("experiment_ids")), strings(traffic.path("variant_ids")),
                        traffic.path("window_hours").asInt(24), traffic.path("max_prompts").asInt(5000),
                        traffic.path("holdout_percent").asInt(20)),
                new RewardSpec(terms, reward.path("feedback_weight").asDouble(0)),
                new TrainerSpec(trainer.path("kind").asText("grpo"), settings, command, trainer.path("timeout_minutes").asInt(60)),
                new GateSpec(text(gate, "primary_evaluator", "gate.primary_evaluator"), guardrails, gate.path("confidence").asDouble(0.95),
                        gate.path("guardrail_margin").asDouble(0.02), gate.path("max_items").asInt(500)),
                new Schedule(schedule.hasNonNull("cron") ? schedule.get("cron").asText() : null,
                        Schedule.zone(schedule.hasNonNull("time_zone") ? schedule.get("time_zone").asText() : "UTC")),
                new DeployTarget(uri(deploy, "engine_url"), uri(deploy, "splitter_url"), deploy.path("primary_metric").asText(null),
                        experimentFields(deploy)));
    }

    public ObjectNode toJson(RetrainPolicy p) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", p.id());
        n.put("base_model", p.baseModel());
        n.put("base_model_dir", p.baseModelDir().toString());
        n.put("champion_adapter", p.championAdapter());
        n.put("champion_adapter_dir", p.championAdapterDir() == null ? null : p.championAdapterDir().toString());
        ObjectNode t = n.putObject("traffic");
        p.traffic().experimentIds().forEach(t.putArray("experiment_ids")::add);
        p.traffic().variantIds().forEach(t.putArray("variant_ids")::add);
        t.put("window_hours", p.traffic().windowHours());
        t.put("max_prompts", p.traffic().maxPrompts());
        t.put("holdout_percent", p.traffic().holdoutPercent());
        ObjectNode r = n.putObject("reward");
        var evs = r.putArray("evaluators");
        for (RewardTerm term : p.reward().evaluators()) {
            ObjectNode e = evs.addObject();
            e.put("id", term.evaluatorId());
            e.put("version", term.version());
            e.put("weight", term.weight());
        }
        r.put("feedback_weight", p.reward().feedbackWeight());
        ObjectNode tr = n.putObject("trainer");
        tr.put("kind", p.trainer().kind());
        p.trainer().settings().forEach(tr.putObject("settings")::put);
        p.trainer().command().forEach(tr.putArray("command")::add);
        tr.put("timeout_minutes", p.trainer().timeoutMinutes());
        ObjectNode g = n.putObject("gate");
        g.put("primary_evaluator", p.gate().primaryEvaluator());
        p.gate().guardrails().forEach(g.putArray("guardrails")::add);
        g.put("confidence", p.gate().confidence());
        g.put("guardrail_margin", p.gate().guardrailMargin());
        g.put("max_items", p.gate().maxItems());
        ObjectNode s = n.putObject("schedule");
        s.put("cron", p.schedule().cron());
        s.put("time_zone", p.schedule().zone().getId());
        ObjectNode d = n.putObject("deploy");
        d.put("engine_url", p.deploy().engineUrl() == null ? null : p.deploy().engineUrl().toString());
        d.put("splitter_url", p.deploy().splitterUrl() == null ? null : p.deploy().splitterUrl().toString());
        d.put("primary_metric", p.deploy().primaryMetric());
        if (!p.deploy().experiment().isEmpty()) {
            d.set("experiment", p.deploy().experiment());
        }
        return n;
    }

    /** deploy.experiment: absent, null or an object of further experiment-definition fields. */
    private static ObjectNode experimentFields(JsonNode deploy) {
        JsonNode e = deploy.get("experiment");
        if (e == null || e.isNull()) {
            return null;
        }
        if (!(e instanceof ObjectNode o)) {
            throw new InvalidPolicyException("deploy.experiment", "must be an object of experiment fields (layer, ramp_plan, guardrails, ...)");
        }
        return o;
    }

    private static JsonNode object(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isObject()) {
            throw new InvalidPolicyException(field, "must be a JSON object");
        }
        return v;
    }

    private static String text(JsonNode n, String key, String field) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new InvalidPolicyException(field, "is required (a non-empty string)");
        }
        return v.asText();
    }

    private static Path path(JsonNode n, String field) {
        return Path.of(text(n, field, field));
    }

    private static URI uri(JsonNode n, String key) {
        if (!n.hasNonNull(key)) {
            return null;
        }
        try {
            return new URI(n.get(key).asText());
        } catch (URISyntaxException e) {
            throw new InvalidPolicyException("deploy." + key, "is not a URL: " + e.getMessage());
        }
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(x -> out.add(x.asText()));
        return out;
    }
}

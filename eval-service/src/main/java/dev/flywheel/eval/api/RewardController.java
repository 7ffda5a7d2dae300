package dev.flywheel.eval.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.eval.reward.Completion;
import dev.flywheel.eval.reward.Reward;
import dev.flywheel.eval.reward.Rewards;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/rewards} (client token), the HTTP face of {@link Rewards} for trainers in another process:
 * <pre>{"evaluator": "exact_answer", "version": 2?, "group": [{"prompt": [...] | "text", "completion": "...", "reference": "..."}]}
 * → {"evaluator_id", "evaluator_version", "rewards": [{"status", "valid", "score", "passed", "reason", "sub_metrics"}]}</pre>
 */
@Controller("/v1/rewards")
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public final class RewardController {
    static final int MAX_GROUP = 1024;

    private final Rewards rewards;
    private final ApiResponses responses;

    public RewardController(Rewards rewards, ApiResponses responses) {
        this.rewards = rewards;
        this.responses = responses;
    }

    @Post
    public HttpResponse<String> score(@Body String body) {
        return responses.handle(() -> {
            JsonNode req = responses.parse(body);
            if (!req.path("evaluator").isTextual()) {
                throw new InvalidEventException("evaluator", "is required (an evaluator id)");
            }
            JsonNode g = req.get("group");
            if (g == null || !g.isArray() || g.isEmpty() || g.size() > MAX_GROUP) {
                throw new InvalidEventException("group", "must be an array of 1.." + MAX_GROUP + " completions");
            }
            List<Completion> group = new ArrayList<>();
            for (int i = 0; i < g.size(); i++) {
                var in = SampleParser.input(g.get(i), "group[" + i + "]");
                group.add(new Completion(in.prompt(), in.completion(), in.reference(), in.attributes()));
            }
            Integer version = req.hasNonNull("version") ? req.get("version").asInt() : null;
            List<Reward> out = rewards.score(group, req.get("evaluator").asText(), version);
            ObjectNode n = responses.mapper().createObjectNode();
            n.put("evaluator_id", out.getFirst().evaluatorId());
            n.put("evaluator_version", out.getFirst().evaluatorVersion());
            ArrayNode arr = n.putArray("rewards");
            out.forEach(r -> arr.add(ResultJson.of(responses.mapper(), r.result())));
            return responses.json(200, n);
        });
    }
}

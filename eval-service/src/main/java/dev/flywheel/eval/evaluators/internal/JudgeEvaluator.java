package dev.flywheel.eval.evaluators.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import dev.flywheel.eval.evaluators.EvaluatorSpec.LlmJudge;
import java.net.URI;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * LLM-as-judge over an OpenAI-compatible {@code /v1/chat/completions}: the rubric (with {{prompt}}, {{question}},
 * {{completion}}, {{reference}} filled in) goes to the judge at temperature 0 with an instruction to answer only
 * {"score": number, "reasoning": "..."}. The answer is parsed strictly (one JSON object, optionally fenced; anything
 * else is an error, not a guess), the score is clamped to [min_score, max_score], and the reasoning becomes the reason.
 */
public final class JudgeEvaluator implements Evaluator {
    static final String FORMAT_INSTRUCTION = "You are a strict grader. Reply with exactly one JSON object and nothing else: "
            + "{\"score\": <number between %s and %s>, \"reasoning\": \"<one short paragraph>\"}";

    private final LlmJudge spec;
    private final URI endpoint;
    private final String model;
    private final String apiKey;
    private final ResilientHttp http;
    private final ObjectMapper mapper;

    /** @param baseUrl the judge's base URL, e.g. http://host:8000 (the /v1/chat/completions path is appended) */
    public JudgeEvaluator(LlmJudge spec, URI baseUrl, String model, String apiKey, ResilientHttp http, ObjectMapper mapper) {
        this.spec = spec;
        this.endpoint = OpenAiPaths.resolve(baseUrl, "chat/completions");
        this.model = model;
        this.apiKey = apiKey == null ? "" : apiKey;
        this.http = http;
        this.mapper = mapper;
    }

    @Override
    public EvalResult evaluate(EvalInput input) throws InterruptedException {
        ObjectNode body = mapper.createObjectNode();
        body.put("model", model);
        body.put("temperature", 0);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", FORMAT_INSTRUCTION.formatted(spec.minScore(), spec.maxScore()));
        messages.addObject().put("role", "user").put("content", render(input));
        String answer;
        try {
            answer = http.postJson(endpoint, body.toString(), apiKey.isEmpty() ? Map.of() : Map.of("Authorization", "Bearer " + apiKey));
        } catch (CallFailedException e) {
            return EvalResult.error("judge call failed: " + e.getMessage());
        }
        String content;
        try {
            JsonNode c = mapper.readTree(answer).path("choices").path(0).path("message").path("content");
            if (!c.isTextual()) {
                return EvalResult.error("judge response has no choices[0].message.content: " + ResilientHttp.abbreviate(answer));
            }
            content = c.asText();
        } catch (JsonProcessingException e) {
            return EvalResult.error("judge endpoint answered with malformed JSON: " + e.getOriginalMessage());
        }
        return parseVerdict(content);
    }

    /** Strict parse of the judge's text; visible for tests. */
    EvalResult parseVerdict(String content) {
        JsonNode verdict;
        try {
            verdict = mapper.readTree(JsonEvaluator.stripFence(content).strip());
        } catch (JsonProcessingException e) {
            return EvalResult.error("judge did not answer in the required JSON format: '" + ResilientHttp.abbreviate(content) + "'");
        }
        if (verdict == null || !verdict.isObject()) {
            return EvalResult.error("judge did not answer with a JSON object: '" + ResilientHttp.abbreviate(content) + "'");
        }
        JsonNode score = verdict.get("score");
        if (score == null || !score.isNumber() || !Double.isFinite(score.asDouble())) {
            return EvalResult.error("judge answer has no finite numeric 'score': '" + ResilientHttp.abbreviate(content) + "'");
        }
        double raw = score.asDouble();
        double clamped = Math.max(spec.minScore(), Math.min(spec.maxScore(), raw));
        String reasoning = verdict.path("reasoning").asText("");
        return EvalResult.ok(clamped, reasoning, Map.of("raw_score", raw, "clamped", raw == clamped ? 0.0 : 1.0));
    }

    private String render(EvalInput in) {
        String prompt = in.prompt().stream().map(m -> m.role() + ": " + m.content()).collect(Collectors.joining("\n"));
        return spec.rubric()
                .replace("{{prompt}}", prompt)
                .replace("{{question}}", in.lastUserMessage())
                .replace("{{completion}}", in.completion())
                .replace("{{reference}}", in.hasReference() ? in.reference() : "(none)");
    }
}

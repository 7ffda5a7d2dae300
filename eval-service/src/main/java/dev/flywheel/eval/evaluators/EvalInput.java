package dev.flywheel.eval.evaluators;

import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.InferenceEvent;
import java.util.List;
import java.util.Map;

/**
 * What one evaluator looks at: the prompt, the completion, an optional reference answer, and the request's
 * measured latency (milliseconds), cost (the variant's currency units) and token counts. The same record is built
 * from a live {@link InferenceEvent}, a dataset item in an offline run, and a completion in an RFT group, so every
 * path runs the same evaluator code.
 */
public record EvalInput(
        String requestId,
        String experimentId,
        String variantId,
        List<ChatMessage> prompt,
        String completion,
        String reference,
        double latencyMs,
        double ttftMs,
        double cost,
        long promptTokens,
        long completionTokens,
        Map<String, String> attributes) {

    /** Attribute an upstream caller may set on an inference event to carry a reference answer. */
    public static final String REFERENCE_ATTRIBUTE = "reference";

    public EvalInput {
        requestId = requestId == null ? "" : requestId;
        experimentId = experimentId == null ? "" : experimentId;
        variantId = variantId == null ? "" : variantId;
        prompt = prompt == null ? List.of() : List.copyOf(prompt);
        completion = completion == null ? "" : completion;
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        if (!(latencyMs >= 0) || !(ttftMs >= 0) || !(cost >= 0) || promptTokens < 0 || completionTokens < 0) {
            throw new IllegalArgumentException("latency_ms, ttft_ms, cost and token counts must be >= 0, got latency_ms="
                    + latencyMs + " ttft_ms=" + ttftMs + " cost=" + cost + " tokens=" + promptTokens + "/" + completionTokens);
        }
    }

    /** A sample with only a completion and an optional reference (tests, the reward API). */
    public static EvalInput of(String completion, String reference) {
        return new EvalInput("", "", "", List.of(), completion, reference, 0, 0, 0, 0, 0, Map.of());
    }

    /** A live request; its reference, if any, comes from the {@value #REFERENCE_ATTRIBUTE} attribute. */
    public static EvalInput of(InferenceEvent e) {
        return new EvalInput(e.eventId(), e.experimentId(), e.variantId(), e.prompt(), e.completion(),
                e.attributes().get(REFERENCE_ATTRIBUTE), e.latencyMs(), e.ttftMs(), e.cost(),
                e.promptTokens(), e.completionTokens(), e.attributes());
    }

    public boolean hasReference() {
        return reference != null;
    }

    /** The last user message, or "" (what a judge or an http reward endpoint usually wants as "the question"). */
    public String lastUserMessage() {
        for (int i = prompt.size() - 1; i >= 0; i--) {
            if ("user".equals(prompt.get(i).role())) {
                return prompt.get(i).content();
            }
        }
        return "";
    }
}

package dev.flywheel.contracts.events;

import java.util.List;
import java.util.Map;

/**
 * One proxied LLM request, on topic {@code llm.inference.v1} keyed by {@code unit_id}.
 * {@code eventId} is the request id. {@code experimentId}/{@code variantId} are empty for traffic outside any
 * experiment. {@code rampStage} is the index of the experiment's ramp stage when the unit was assigned (-1 when
 * none), so that analysis compares arms within a stage. {@code prompt} may be empty when capture is off or
 * redacted. Latencies in milliseconds, cost in the variant's currency units.
 */
public record InferenceEvent(
        String eventId,
        long ts,
        String experimentId,
        String variantId,
        int rampStage,
        String unitId,
        String model,
        String adapterId,
        List<ChatMessage> prompt,
        String completion,
        String finishReason,
        long promptTokens,
        long completionTokens,
        double ttftMs,
        double latencyMs,
        double cost,
        InferenceStatus status,
        String error,
        Map<String, String> attributes) implements Event {

    public InferenceEvent {
        eventId = Checks.id("event_id", eventId);
        Checks.timestamp("ts", ts);
        experimentId = Checks.optionalId("experiment_id", experimentId);
        variantId = Checks.optionalId("variant_id", variantId);
        if (!experimentId.isEmpty() && variantId.isEmpty()) {
            throw new InvalidEventException("variant_id", "is required when experiment_id is set");
        }
        if (rampStage < -1) {
            throw new InvalidEventException("ramp_stage", "must be -1 (none) or a stage index >= 0, got " + rampStage);
        }
        unitId = Checks.id("unit_id", unitId);
        model = Checks.id("model", model);
        adapterId = Checks.optionalId("adapter_id", adapterId);
        prompt = prompt == null ? List.of() : List.copyOf(prompt);
        completion = Checks.text("completion", completion);
        finishReason = Checks.text("finish_reason", finishReason);
        Checks.nonNegative("prompt_tokens", promptTokens);
        Checks.nonNegative("completion_tokens", completionTokens);
        Checks.nonNegative("ttft_ms", ttftMs);
        Checks.nonNegative("latency_ms", latencyMs);
        Checks.nonNegative("cost", cost);
        if (status == null) {
            throw new InvalidEventException("status", "is required (ok, error or fallback)");
        }
        error = Checks.text("error", error);
        attributes = Checks.attributes("attributes", attributes);
    }

    @Override
    public String key() {
        return unitId;
    }
}

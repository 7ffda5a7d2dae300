package dev.flywheel.retrain.gate;

import dev.flywheel.eval.runs.Comparison;

import java.util.List;

/** The gate's verdict with the numbers it was based on (primary first, then guardrails) and a sentence why. */
public record GateDecision(boolean passed, String reason, Comparison primary, List<Comparison> guardrails) {
    public GateDecision {
        guardrails = List.copyOf(guardrails);
    }
}

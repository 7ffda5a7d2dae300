package dev.flywheel.engine.training.grpo;

import dev.flywheel.engine.lora.LoraAdapter;

import java.nio.file.Path;
import java.util.List;

/** The trained adapter (loaded back from its saved PEFT directory, so it no longer changes), where it lies, and the curve. */
public record GrpoResult(LoraAdapter adapter, Path peftDir, List<StepMetrics> metrics) {
    public GrpoResult {
        metrics = List.copyOf(metrics);
    }
}

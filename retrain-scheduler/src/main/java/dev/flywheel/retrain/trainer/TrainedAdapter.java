package dev.flywheel.retrain.trainer;

import java.nio.file.Path;
import java.util.Map;

/** A trained adapter's PEFT directory and a few summary numbers for the run record (as strings). */
public record TrainedAdapter(Path peftDir, Map<String, String> summary) {
    public TrainedAdapter {
        summary = summary == null ? Map.of() : Map.copyOf(summary);
    }
}

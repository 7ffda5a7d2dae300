package dev.flywheel.retrain.deploy;

import java.nio.file.Path;

/** Makes an adapter servable under its name (the engine's vLLM-compatible {@code /v1/load_lora_adapter}). */
public interface AdapterLoader {
    void load(String name, Path peftDir) throws InterruptedException;
}

package dev.flywheel.engine.adapters;

import dev.flywheel.engine.lora.LoraAdapter;
import java.nio.file.Path;

/** Reads a PEFT directory into an adapter for the served base model (LoraAdapter.load in production). */
@FunctionalInterface
public interface AdapterLoader {
    LoraAdapter load(String name, Path peftDir);
}

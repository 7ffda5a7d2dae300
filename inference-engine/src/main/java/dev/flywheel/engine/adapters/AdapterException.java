package dev.flywheel.engine.adapters;

/** Why an adapter request failed. All are the caller's fault (4xx) and not worth retrying unchanged. */
public sealed abstract class AdapterException extends RuntimeException
        permits AdapterException.Unknown, AdapterException.Duplicate, AdapterException.LoadFailed, AdapterException.InvalidName {

    private final String adapterName;

    AdapterException(String adapterName, String message, Throwable cause) {
        super(message, cause);
        this.adapterName = adapterName;
    }

    public String adapterName() {
        return adapterName;
    }

    /** No adapter is registered under the name. */
    public static final class Unknown extends AdapterException {
        public Unknown(String name) {
            super(name, "no LoRA adapter named '" + name + "' is loaded", null);
        }
    }

    /** An adapter (or the base model) already uses the name. */
    public static final class Duplicate extends AdapterException {
        public Duplicate(String name) {
            super(name, "a model named '" + name + "' is already served; unload it first", null);
        }
    }

    /** The directory could not be read as a PEFT LoRA adapter for the base model. */
    public static final class LoadFailed extends AdapterException {
        public LoadFailed(String name, String reason, Throwable cause) {
            super(name, "cannot load LoRA adapter '" + name + "': " + reason, cause);
        }
    }

    /** The name is not usable as a model name. */
    public static final class InvalidName extends AdapterException {
        public InvalidName(String name, String reason) {
            super(name, "lora_name " + reason, null);
        }
    }
}

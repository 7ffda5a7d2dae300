package dev.flywheel.eval.registry;

/** The registry's storage could not be read or written (retriable: the store may come back). */
public final class RegistryStorageException extends RuntimeException {
    public RegistryStorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public boolean retriable() {
        return true;
    }
}

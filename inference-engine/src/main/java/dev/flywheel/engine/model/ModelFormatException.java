package dev.flywheel.engine.model;

import java.nio.file.Path;

/**
 * A model or adapter directory cannot be used: unsupported architecture, missing or invalid field,
 * shape that does not match the configuration. Fatal: the same files give the same answer. The
 * message names the file and the field.
 */
public final class ModelFormatException extends RuntimeException {
    private final Path file;

    public ModelFormatException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public ModelFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    public Path file() { return file; }
}

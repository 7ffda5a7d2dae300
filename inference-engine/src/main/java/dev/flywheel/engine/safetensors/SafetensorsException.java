package dev.flywheel.engine.safetensors;

import java.nio.file.Path;

/**
 * A safetensors file is malformed or holds something we cannot use. Fatal: retrying the same file
 * gives the same answer. The message names the file and, where there is one, the tensor.
 */
public final class SafetensorsException extends RuntimeException {
    private final Path file;

    public SafetensorsException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public SafetensorsException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** The file that was being read or written. */
    public Path file() { return file; }
}

package dev.flywheel.launcher.demo;

/** The demo cannot go on: a service refused a call, or a stage did not finish in time. The message says which. */
public final class DemoException extends RuntimeException {
    public DemoException(String message, Throwable cause) {
        super(message, cause);
    }
}

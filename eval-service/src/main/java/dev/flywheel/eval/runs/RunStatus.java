package dev.flywheel.eval.runs;

/** running → succeeded | failed. A failed run (dataset unreadable, storage down) gates nothing. */
public enum RunStatus {
    RUNNING, SUCCEEDED, FAILED
}

package dev.flywheel.launcher;

/**
 * The services one JVM can hold. Each runs in its own Micronaut application context on its own port; in that context
 * every other service is switched off through its {@code flywheel.<key>.enabled} property.
 */
public enum Service {
    ENGINE("engine", 8000),
    INGEST("ingest", 8081),
    EVAL("eval", 8082),
    SPLITTER("splitter", 8080),
    RETRAIN("retrain", 8083);

    private final String key;
    private final int defaultPort;

    Service(String key, int defaultPort) {
        this.key = key;
        this.defaultPort = defaultPort;
    }

    /** The configuration key segment: {@code flywheel.<key>.*}. */
    public String key() {
        return key;
    }

    public int defaultPort() {
        return defaultPort;
    }
}

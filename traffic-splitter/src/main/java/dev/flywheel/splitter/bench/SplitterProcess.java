package dev.flywheel.splitter.bench;

import dev.flywheel.splitter.SplitterApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The splitter under test in a JVM of its own ({@link SplitterApplication}, the production entry point), as it is
 * deployed: its collections and threads then no longer pause or crowd the load generator and the stub, which share
 * the bench JVM and weigh on the direct and the proxied path alike. Output goes to a log file, named when start-up
 * fails. Closing stops the process (SIGTERM, then SIGKILL after 10 s).
 */
final class SplitterProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private final Process process;
    private final Path log;
    private final int port;

    /**
     * @param jvmOptions options for the child JVM (e.g. the collector and heap size)
     * @param properties Micronaut properties, passed as system properties (lists comma-separated)
     */
    SplitterProcess(List<String> jvmOptions, Map<String, String> properties) throws IOException, InterruptedException {
        this.port = freePort();
        this.log = Files.createTempFile("flywheel-bench-splitter-", ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot find the java binary of this JVM")));
        cmd.addAll(jvmOptions);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Dlogback.configurationFile=dev/flywheel/splitter/bench/bench-logback.xml");
        cmd.add("-Dmicronaut.server.port=" + port);
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SplitterApplication.class.getName());
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        awaitHealthy();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private void awaitHealthy() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(url().resolve("/health")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the splitter process exited with " + process.exitValue() + " during start-up; its output: " + log);
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet: poll again
            }
            Thread.sleep(200);
        }
        close();
        throw new IllegalStateException("the splitter process was not healthy within " + START_TIMEOUT + "; its output: " + log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}

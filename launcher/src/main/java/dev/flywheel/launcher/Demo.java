package dev.flywheel.launcher;

import dev.flywheel.launcher.console.Console;
import dev.flywheel.launcher.demo.DemoRun;
import dev.flywheel.launcher.demo.DemoSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * {@code ./run demo [--fast] [--out DIR]}: the closed loop on this machine (see {@link DemoRun}). Kafka and
 * ClickHouse come from the environment ({@code FLYWHEEL_KAFKA_BOOTSTRAP}, {@code FLYWHEEL_CLICKHOUSE_URL}, …, as
 * {@code infra/local/services.sh env} prints them). Ctrl-C stops users and services through a shutdown hook.
 * Exit status: 0 the loop closed, 1 the demo failed (the reason is printed), 2 bad arguments, 3 the ramp controller
 * rolled back or paused the first candidate (its decision is printed and in the report).
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) {
        DemoSettings settings = DemoSettings.full();
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--fast" -> settings = DemoSettings.fast();
                case "--out" -> {
                    if (i + 1 >= args.length) {
                        usage("--out needs a directory");
                    }
                    out = Path.of(args[++i]);
                }
                case "-h", "--help" -> usage(null);
                default -> usage("unknown argument '" + args[i] + "'");
            }
        }
        if (out != null) {
            settings = settings.withOutputDir(out);
        }
        Path model = Path.of("inference-engine/models/arith-tiny");
        if (!Files.isDirectory(model)) {
            model = Path.of("../inference-engine/models/arith-tiny");
        }
        var endpoints = new DemoRun.Endpoints(env("FLYWHEEL_KAFKA_BOOTSTRAP", "127.0.0.1:19092"),
                URI.create(env("FLYWHEEL_CLICKHOUSE_URL", "http://127.0.0.1:18123")), env("FLYWHEEL_DEMO_DATABASE", "flywheel_demo"),
                env("FLYWHEEL_CLICKHOUSE_USER", "default"), env("FLYWHEEL_CLICKHOUSE_PASSWORD", ""), model.toAbsolutePath().normalize());
        Console console = Console.system();
        DemoRun run = new DemoRun(settings, endpoints, console, Clock.systemUTC());
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            console.line("");
            console.say(Console.Tone.WARN, "stopping: users, then every service");
            main.interrupt();
            try {
                run.close();
            } catch (Exception e) {
                System.err.println("shutdown: " + e);
            }
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int status = 0;
        try {
            DemoRun.Result result = run.run();
            status = result.loopClosed() ? 0 : 3;
        } catch (InterruptedException e) {
            status = 130;
        } catch (Exception e) {
            console.say(Console.Tone.BAD, "demo failed: " + e.getMessage());
            status = 1;
        } finally {
            try {
                run.close();
            } catch (Exception e) {
                System.err.println("stopping the services failed: " + e);
                status = 1;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is running already.
        }
        System.exit(status);
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("flywheel demo: " + problem);
        }
        System.err.println("usage: ./run demo [--fast] [--out DIR]   (report at DIR/report.html, default .flywheel/demo)");
        System.exit(problem == null ? 0 : 2);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}

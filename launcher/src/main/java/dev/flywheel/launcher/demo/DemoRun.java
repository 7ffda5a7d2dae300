package dev.flywheel.launcher.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.topics.TopicAdmin;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.launcher.FlywheelLauncher;
import dev.flywheel.launcher.Service;
import dev.flywheel.launcher.console.Console;
import dev.flywheel.launcher.report.HtmlReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The closed loop, start to end: services up (one JVM, free ports, a fresh ClickHouse database and topic namespace
 * so earlier runs never leak in), evaluators registered, simulated users on the base model, retrain #1, its
 * experiment ramped 1 → 100 % by the ramp controller and promoted, retrain #2 from the new champion, its experiment
 * entering at 1 %, then the HTML report. {@link #close} (also the Ctrl-C path) stops users, services and verifier.
 */
public final class DemoRun implements AutoCloseable {
    /** Where the demo's services store things: Kafka, ClickHouse (URL, database), and the shipped model. */
    public record Endpoints(String kafkaBootstrap, URI clickhouseUrl, String database, String user, String password, Path modelDir) {}

    private static final String ADMIN = "demo-admin-token-0123456789";
    private static final String CLIENT = "demo-client-token-0123456789";

    private final DemoSettings settings;
    private final Endpoints endpoints;
    private final Console console;
    private final Clock clock;
    private final ObjectMapper mapper = EventCodec.newMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private volatile FlywheelLauncher launcher;
    private volatile FlywheelLauncher retrainLauncher;
    private volatile SimulatedUsers users;
    private volatile TaskVerifier verifier;
    private volatile boolean closed;
    /** A database of its own per run: earlier runs never leak into datasets or plots (DROP on 18.16 can take minutes). */
    private final String database;

    public DemoRun(DemoSettings settings, Endpoints endpoints, Console console, Clock clock) {
        this.settings = settings;
        this.endpoints = endpoints;
        this.console = console;
        this.clock = clock;
        this.database = DemoDatabases.nameFor(endpoints.database(), clock.millis());
    }

    /**
     * How a demo ended: the report's path, and whether the loop closed (candidate #1 promoted) or the ramp controller
     * stopped it early (rolled back or paused; {@code endedBy} says which and why).
     */
    public record Result(Path report, boolean loopClosed, String endedBy) {}

    /** Earlier runs' databases kept besides this one (the rest are dropped in the background at start). */
    private static final int KEEP_EARLIER_DATABASES = 2;

    /** Runs the whole demo. */
    public Result run() throws Exception {
        long t0 = clock.millis();
        ReportRecorder report = new ReportRecorder(t0);
        String namespace = "demo" + Long.toString(t0, 36) + ".";
        console.heading("Flywheel demo: starting Kafka topics, ClickHouse schema and every service in one JVM");
        ClickHouseConfig chConfig = new ClickHouseConfig(endpoints.clickhouseUrl(), database, endpoints.user(), endpoints.password());
        createDatabase(chConfig);
        new DemoDatabases(new ClickHouseConnections(chConfig.withDatabase("default")), endpoints.database(), console)
                .pruneInBackground(database, t0, KEEP_EARLIER_DATABASES, java.time.Duration.ofMinutes(30));
        ClickHouseConnections clickhouse = new ClickHouseConnections(chConfig);
        new Migrator(clickhouse).migrate();
        Topics topics = new Topics(namespace);
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrap());
        try (Admin a = Admin.create(admin)) {
            new TopicAdmin(a).ensure(topics, 6, (short) 1);
        }
        verifier = TaskVerifier.start(mapper);
        Path work = settings.outputDir().toAbsolutePath();
        Map<Service, Map<String, Object>> perService = perService(work);
        launcher = FlywheelLauncher.start(EnumSet.complementOf(EnumSet.of(Service.RETRAIN)), common(namespace), perService);
        URI engine = launcher.uri(Service.ENGINE);
        launcher.services().forEach(s -> console.line(String.format(Locale.ROOT, "  %-9s %s", s.key(), launcher.uri(s))));
        console.line("  ClickHouse database " + database + ", topics prefixed '" + namespace + "'");
        report.note("services in one JVM: " + launcher.services() + " + retrain" + "; ClickHouse database " + database
                + "; topic prefix " + namespace);

        ServiceCalls splitterCalls = new ServiceCalls(http, launcher.uri(Service.SPLITTER), ADMIN, mapper);
        ServiceCalls evalCalls = new ServiceCalls(http, launcher.uri(Service.EVAL), ADMIN, mapper);
        DemoEvaluators.register(evalCalls, mapper, verifier.url());
        // retrain-scheduler reads the evaluator registry once at start-up, so it starts after the evaluators exist.
        retrainLauncher = FlywheelLauncher.start(EnumSet.of(Service.RETRAIN), common(namespace), perService);
        console.line(String.format(Locale.ROOT, "  %-9s %s", "retrain", retrainLauncher.uri(Service.RETRAIN)));
        ServiceCalls retrainCalls = new ServiceCalls(http, retrainLauncher.uri(Service.RETRAIN), ADMIN, mapper);
        console.say(Console.Tone.OK, "evaluators registered: exact_answer (task verifier, every request), answer_format (regex, 50 %)");

        console.heading("1. Champion: the shipped base model arith-tiny serves simulated users");
        users = new SimulatedUsers(http, launcher.uri(Service.SPLITTER), launcher.uri(Service.INGEST), CLIENT, mapper, settings,
                FeedbackModel.standard());
        users.start();
        report.decision(clock.millis(), "-", "traffic", settings.concurrency() + " concurrent users of " + settings.users()
                + " on the base model");
        warmup(report);

        RetrainDriver retrain = new RetrainDriver(retrainCalls, clickhouse, mapper, console, report, settings, clock);
        RampWatcher ramp = new RampWatcher(splitterCalls, mapper, console, report, settings, users, clock);
        console.heading("2. Nightly retrain #1 (time-compressed): dataset from ClickHouse → GRPO → offline gate → deploy");
        RetrainDriver.Outcome first = atNight(() -> retrain.run("demo-nightly-1", endpoints.modelDir(), null, null, engine, List.of(),
                List.of(), settings.grpoSteps(), settings.seed()));
        requireDeployed(first);
        String exp1 = "exp-" + first.adapterId();

        console.heading("3. Ramp: the controller takes " + first.adapterId() + " from 1 % to 100 %");
        ramp.launch(exp1, "arith-tiny", first.adapterId(), engine);
        String end1 = ramp.follow(exp1, settings.rampTimeout(), "promoted"::equals);
        if (!end1.equals("promoted")) {
            // The controller's call stands: the demo reports it and ends now rather than waiting out its timeout.
            String why = end1.equals("rolled_back") || end1.equals("paused")
                    ? "the ramp controller " + end1.replace('_', ' ') + " " + exp1 + ": " + ramp.lastDecisionReason()
                    : exp1 + " was still " + end1 + " after " + settings.rampTimeout().toSeconds() + " s";
            console.say(Console.Tone.BAD, why + "; the loop stops here, " + "arith-tiny stays champion");
            report.decision(clock.millis(), exp1, "demo ended", why);
            return finish(report, work, t0, false, why);
        }
        console.say(Console.Tone.OK, first.adapterId() + " is the new champion");
        // The product now asks for the new champion by name; the promoted experiment has done its job.
        users.useModel(first.adapterId());
        splitterCalls.post("/v1/experiments/" + exp1 + "/archive", mapper.createObjectNode().put("reason", "promoted; default model updated"));

        console.heading("4. Nightly retrain #2 from the new champion");
        // GRPO needs prompts, not answers: all of the last hour's traffic (base and champion alike) gives the most
        // distinct prompts, hence the largest holdout and the narrowest gate interval.
        RetrainDriver.Outcome second = atNight(() -> retrain.run("demo-nightly-2", endpoints.modelDir(), first.adapterId(),
                first.adapterPath(), engine, List.of(), List.of(), settings.secondGrpoSteps(), settings.seed() + 1));
        if (second.status().equals("rejected")) {
            // The loop's safety net working as designed: a candidate that does not beat the champion deploys nothing.
            console.say(Console.Tone.WARN, "the offline gate rejected the second candidate (" + second.error() + "); nothing deployed, "
                    + first.adapterId() + " stays champion");
            report.decision(clock.millis(), "-", "gate rejected", second.error());
        } else {
            requireDeployed(second);
            String exp2 = "exp-" + second.adapterId();
            ramp.launch(exp2, first.adapterId(), second.adapterId(), engine);
            String end2 = ramp.follow(exp2, settings.stageDuration().multipliedBy(2), s -> false);
            if (end2.equals("rolled_back") || end2.equals("paused")) {
                console.say(Console.Tone.WARN, "the ramp controller " + end2.replace('_', ' ') + " " + exp2 + " at 1 %: "
                        + ramp.lastDecisionReason());
            } else {
                console.say(Console.Tone.OK, "the next candidate " + second.adapterId() + " is in the loop at 1 %; the flywheel turns on");
            }
        }
        return finish(report, work, t0, true, "");
    }

    /** Stops the users, writes the report and prints where to look next. */
    private Result finish(ReportRecorder report, Path work, long t0, boolean loopClosed, String endedBy) throws Exception {
        users.close();
        report.note(String.format(Locale.ROOT, "simulated users: %d requests; %d errors", users.tallies().values().stream()
                .mapToLong(SimulatedUsers.VariantTally::requests).sum(), users.errors()));
        Path file = HtmlReport.write(report.build("Flywheel demo", clock.millis()), work.resolve("report.html"));
        console.heading("Done in " + String.format(Locale.ROOT, "%.1f min", (clock.millis() - t0) / 60000.0));
        console.line("report: " + file);
        console.line("Grafana-style SQL on the demo's data (dashboards in dashboards/; SQL runs on ClickHouse 18.16):");
        String ch = endpoints.clickhouseUrl() + "/?database=" + database + "&compress=0&decompress=0";
        console.line("  curl '" + ch + "' --data-binary \"SELECT experiment_id, variant_id, count() FROM inference_events GROUP BY experiment_id, variant_id\"");
        console.line("  curl '" + ch + "' --data-binary \"SELECT evaluator_id, variant_id, avg(score) FROM score_events WHERE status = 'ok' GROUP BY evaluator_id, variant_id\"");
        console.line("  curl '" + ch + "' --data-binary \"SELECT run_id, step, value FROM training_metrics WHERE metric = 'reward_mean' ORDER BY run_id, step\"");
        return new Result(file, loopClosed, endedBy);
    }

    /** A unit of work that may be interrupted (Ctrl-C) or fail. */
    private interface Step<T> {
        T run() throws Exception;
    }

    /**
     * Runs a "nightly" retrain at off-peak traffic ({@code nightConcurrency} user streams): trainer and engine share
     * two cores, so daytime traffic would slow GRPO two- to threefold. Daytime traffic resumes afterwards.
     */
    private <T> T atNight(Step<T> retrain) throws Exception {
        users.setActive(settings.nightConcurrency());
        console.line(String.format(Locale.ROOT, "  night: %d of %d user streams active while the retrain runs",
                settings.nightConcurrency(), settings.concurrency()));
        try {
            return retrain.run();
        } finally {
            users.setActive(settings.concurrency());
        }
    }

    private void warmup(ReportRecorder report) throws InterruptedException {
        long end = clock.millis() + settings.warmup().toMillis();
        long start = clock.millis();
        Map<String, SimulatedUsers.VariantTally> before = users.tallies();
        while (clock.millis() < end) {
            Thread.sleep(1000);
            SimulatedUsers.VariantTally t = users.tallies().getOrDefault("-/-", new SimulatedUsers.VariantTally(0, 0, 0, 0));
            Map<String, SimulatedUsers.VariantTally> now = users.tallies();
            long d = now.values().stream().mapToLong(SimulatedUsers.VariantTally::requests).sum()
                    - before.values().stream().mapToLong(SimulatedUsers.VariantTally::requests).sum();
            before = now;
            if (d > 0) {
                report.traffic(clock.millis(), Map.of("base arith-tiny", 100.0));
            }
            console.progress(String.format(Locale.ROOT, "collecting traffic: %d requests, %.0f req/s, accuracy %.3f, thumbs up %.3f, errors %d",
                    t.requests(), d / 1.0, t.requests() == 0 ? 0 : (double) t.correct() / t.requests(),
                    t.thumbs() == 0 ? 0 : (double) t.thumbsUp() / t.thumbs(), users.errors()), clock.millis() - start, settings.warmup().toMillis());
        }
        console.endProgress();
        long ok = users.tallies().values().stream().mapToLong(SimulatedUsers.VariantTally::requests).sum();
        if (ok == 0) {
            throw new DemoException("no simulated request succeeded (" + users.errors() + " failed; last: " + users.lastError() + ")", null);
        }
        if (users.errors() > 0) {
            console.say(Console.Tone.WARN, "user errors so far: " + users.errors() + " (last: " + users.lastError() + ")");
        }
    }

    private void requireDeployed(RetrainDriver.Outcome o) {
        if (!o.status().equals("deployed")) {
            throw new DemoException("retrain run " + o.runId() + " ended " + o.status() + ": " + o.error(), null);
        }
        console.say(Console.Tone.OK, String.format(Locale.ROOT, "gate passed: %s; adapter %s deployed",
                o.details().getOrDefault("gate.reason", "?"), o.adapterId()));
    }

    private Map<String, Object> common(String namespace) {
        Map<String, Object> p = new HashMap<>();
        p.put("flywheel.kafka.bootstrap-servers", endpoints.kafkaBootstrap());
        p.put("flywheel.clickhouse.url", endpoints.clickhouseUrl().toString());
        p.put("flywheel.clickhouse.database", database);
        p.put("flywheel.clickhouse.user", endpoints.user());
        p.put("flywheel.clickhouse.password", endpoints.password());
        p.put("flywheel.topics.prefix", namespace);
        p.put("flywheel.auth.admin-tokens", List.of(ADMIN));
        p.put("flywheel.auth.client-tokens", List.of(CLIENT));
        return p;
    }

    private Map<Service, Map<String, Object>> perService(Path work) {
        Map<Service, Map<String, Object>> m = new EnumMap<>(Service.class);
        Map<Service, Integer> ports = freePorts();
        for (Service s : Service.values()) {
            m.put(s, new HashMap<>(Map.of("micronaut.server.port", ports.get(s), "micronaut.server.host", "127.0.0.1")));
        }
        // The engine checks tokens like every service; the splitter presents the client token to it (the caller's own
        // token is never forwarded), and retrain-scheduler the admin token for adapter loads.
        m.get(Service.SPLITTER).put("flywheel.splitter.backend-token", CLIENT);
        // Requests outside every experiment go to the engine (its port is chosen here, before anything starts).
        m.get(Service.SPLITTER).put("flywheel.splitter.default-backend-url", "http://127.0.0.1:" + ports.get(Service.ENGINE));
        m.get(Service.ENGINE).put("flywheel.engine.model-dir", endpoints.modelDir().toString());
        m.get(Service.SPLITTER).put("flywheel.splitter.ramp.tick-interval", settings.rampTick().toMillis() + "ms");
        m.get(Service.SPLITTER).put("flywheel.splitter.ramp.sequential-tuning", 500);
        m.get(Service.SPLITTER).put("flywheel.splitter.ramp.min-units-for-limit", 30);
        // Demo scale: the sequential test may act from 30 units per arm (production default 100), never from a handful.
        m.get(Service.SPLITTER).put("flywheel.splitter.ramp.min-units-to-test", 30);
        m.get(Service.EVAL).put("flywheel.eval.registry-refresh-ms", 2000);
        m.get(Service.RETRAIN).put("flywheel.retrain.work-dir", work.resolve("retrain").toString());
        m.get(Service.RETRAIN).put("flywheel.retrain.adapter-dir", work.resolve("adapters").toString());
        m.get(Service.RETRAIN).put("flywheel.retrain.service-token", ADMIN);
        return m;
    }

    /** One free local port per service (chosen up front so the splitter can name the engine's). */
    private static Map<Service, Integer> freePorts() {
        Map<Service, Integer> out = new EnumMap<>(Service.class);
        List<java.net.ServerSocket> held = new java.util.ArrayList<>();
        try {
            for (Service s : Service.values()) {
                java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(socket);
                out.put(s, socket.getLocalPort());
            }
        } catch (java.io.IOException e) {
            throw new DemoException("no free local port for the services: " + e.getMessage(), e);
        } finally {
            for (java.net.ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    private static void createDatabase(ClickHouseConfig config) throws Exception {
        ClickHouseConnections server = new ClickHouseConnections(config.withDatabase("default"));
        try (Connection c = server.open(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + config.database());
        }
    }

    @Override
    public synchronized void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        Exception failure = null;
        try {
            if (users != null) {
                users.close();
            }
        } catch (Exception e) {
            failure = e;
        }
        try {
            if (retrainLauncher != null) {
                retrainLauncher.close();
            }
            if (launcher != null) {
                launcher.close();
            }
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (verifier != null) {
            verifier.close();
        }
        http.close();
        if (failure != null) {
            throw failure;
        }
    }
}

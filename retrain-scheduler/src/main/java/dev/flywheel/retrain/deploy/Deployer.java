package dev.flywheel.retrain.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Map;

/**
 * Puts a passing adapter into the loop, every step idempotent so a resumed deploy repeats nothing: copy the PEFT
 * directory into the adapter store ({@code <adapters>/<adapter id>}, via a temporary directory and an atomic move),
 * register it once with its lineage, load it into the engine, create and start the champion-vs-candidate experiment
 * (id derived from the adapter id). Returns the experiment id (empty when no splitter is configured).
 */
public final class Deployer {
    private final Path adapterRoot;
    private final ModelRegistry registry;
    private final AdapterLoader engine;
    private final ExperimentLauncher splitter;
    private final Clock clock;

    /** engine / splitter null: that step is skipped (dry runs, tests without those services). */
    public Deployer(Path adapterRoot, ModelRegistry registry, AdapterLoader engine, ExperimentLauncher splitter, Clock clock) {
        this.adapterRoot = adapterRoot;
        this.registry = registry;
        this.engine = engine;
        this.splitter = splitter;
        this.clock = clock;
    }

    public record Deployment(AdapterRecord adapter, String experimentId) {}

    public Deployment deploy(String adapterId, String baseModel, Path trainedDir, Map<String, String> lineage, String championModel,
                             URI backendUrl, String primaryMetric) throws InterruptedException {
        Path stored = store(adapterId, trainedDir);
        AdapterRecord record = registry.registerOnce(new AdapterRecord(adapterId, 1, baseModel, stored.toString(), "candidate",
                lineage, clock.millis()));
        if (engine != null) {
            engine.load(adapterId, stored);
        }
        String experimentId = "";
        if (splitter != null && backendUrl != null) {
            experimentId = splitter.launch(new ExperimentLauncher.ExperimentRequest("exp-" + adapterId,
                    "retrain candidate " + adapterId + " vs champion " + championModel, championModel, adapterId, backendUrl,
                    primaryMetric));
        }
        return new Deployment(record, experimentId);
    }

    private Path store(String adapterId, Path trainedDir) {
        Path target = adapterRoot.resolve(adapterId);
        if (Files.isRegularFile(target.resolve("adapter_config.json"))) {
            return target;
        }
        try {
            Files.createDirectories(adapterRoot);
            Path tmp = Files.createTempDirectory(adapterRoot, adapterId + ".tmp");
            try (var files = Files.list(trainedDir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, tmp.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store adapter " + adapterId + " under " + adapterRoot, e);
        }
    }
}

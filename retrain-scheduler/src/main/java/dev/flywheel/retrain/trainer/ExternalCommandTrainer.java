package dev.flywheel.retrain.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the policy's {@code trainer.command} (no shell: the list is the argv) with {dataset} (the snapshot's JSON
 * Lines file), {output} (a directory to fill), {base_model} (the base's Hugging Face directory) and {run_id}
 * substituted, waits up to {@code timeout_minutes}, and expects a PEFT directory in {output}
 * (adapter_config.json + adapter_model.safetensors). Its output goes to {output}/trainer.log. A non-zero exit, a
 * timeout or a missing adapter fails the run; interrupting the run kills the process.
 */
public final class ExternalCommandTrainer implements Trainer {
    @Override
    public TrainedAdapter train(TrainingJob job, TrainingProgress progress) throws InterruptedException {
        Path out = job.outputDir().resolve("external");
        List<String> argv = job.policy().trainer().command().stream().map(a -> a
                .replace("{dataset}", job.datasetFile().toString())
                .replace("{output}", out.toString())
                .replace("{base_model}", job.policy().baseModelDir().toString())
                .replace("{run_id}", job.runId())).toList();
        Process process;
        try {
            Files.createDirectories(out);
            process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(job.outputDir().resolve("trainer.log").toFile()).start();
        } catch (IOException e) {
            throw new TrainingFailedException("cannot start external trainer " + argv.getFirst() + ": " + e.getMessage(), e);
        }
        try {
            if (!process.waitFor(job.policy().trainer().timeoutMinutes(), TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new TrainingFailedException("external trainer exceeded " + job.policy().trainer().timeoutMinutes() + " minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
        if (process.exitValue() != 0) {
            throw new TrainingFailedException("external trainer exited with " + process.exitValue() + "; see "
                    + job.outputDir().resolve("trainer.log"));
        }
        if (!Files.isRegularFile(out.resolve("adapter_config.json")) || !Files.isRegularFile(out.resolve("adapter_model.safetensors"))) {
            throw new TrainingFailedException("external trainer left no PEFT adapter (adapter_config.json + adapter_model.safetensors) in " + out);
        }
        progress.checkpoint(0, out);
        return new TrainedAdapter(out, Map.of("trainer", "external", "command", argv.getFirst()));
    }
}

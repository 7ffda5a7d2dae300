package dev.flywheel.retrain.trainer;

/**
 * The trainer SPI: turn a dataset snapshot into a PEFT adapter directory. Implementations: {@link BuiltInGrpoTrainer}
 * (GRPO on the built-in engine) and {@link ExternalCommandTrainer} (a command, for GPU clusters).
 * Interrupting the calling thread cancels training.
 */
public interface Trainer {
    TrainedAdapter train(TrainingJob job, TrainingProgress progress) throws InterruptedException;
}

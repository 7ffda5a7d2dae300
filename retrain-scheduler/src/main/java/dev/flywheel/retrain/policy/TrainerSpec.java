package dev.flywheel.retrain.policy;

import java.util.List;
import java.util.Map;

/**
 * Which trainer runs and how. {@code kind} "grpo" = the built-in GRPO LoRA trainer on the engine ({@code settings}
 * keys are GrpoSettings fields in snake_case: rank, alpha, steps, prompts_per_step, group_size, temperature,
 * max_new_tokens, learning_rate, warmup_steps, clip_epsilon, kl_coefficient, max_grad_norm, epochs_per_batch,
 * checkpoint_every, seed, cosine_decay (1 = on, the default; 0 = constant rate); "external" = {@code command} is run with placeholders {dataset}, {output}, {base_model},
 * {run_id} substituted and must leave a PEFT directory in {output}.
 */
public record TrainerSpec(String kind, Map<String, Double> settings, List<String> command, int timeoutMinutes) {
    public TrainerSpec {
        if (!"grpo".equals(kind) && !"external".equals(kind)) {
            throw new InvalidPolicyException("trainer.kind", "must be grpo or external, got '" + kind + "'");
        }
        settings = settings == null ? Map.of() : Map.copyOf(settings);
        command = command == null ? List.of() : List.copyOf(command);
        if ("external".equals(kind) && command.isEmpty()) {
            throw new InvalidPolicyException("trainer.command", "is required for an external trainer");
        }
        if (timeoutMinutes < 1 || timeoutMinutes > 24 * 60) {
            throw new InvalidPolicyException("trainer.timeout_minutes", "must be in [1, 1440], got " + timeoutMinutes);
        }
    }

    public double setting(String key, double fallback) {
        Double v = settings.get(key);
        return v == null ? fallback : v;
    }
}

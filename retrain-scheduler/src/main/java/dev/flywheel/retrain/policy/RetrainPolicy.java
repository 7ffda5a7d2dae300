package dev.flywheel.retrain.policy;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A retrain policy: the base model (served name and its Hugging Face directory), the champion adapter the candidate
 * must beat (null: the base model itself; its PEFT directory when it is one of ours), the traffic it learns from,
 * the reward, the trainer, the gate, the schedule, and where to deploy (engine and traffic-splitter base URLs and
 * the experiment's primary metric).
 */
public record RetrainPolicy(
        String id,
        String baseModel,
        Path baseModelDir,
        String championAdapter,
        Path championAdapterDir,
        TrafficFilter traffic,
        RewardSpec reward,
        TrainerSpec trainer,
        GateSpec gate,
        Schedule schedule,
        DeployTarget deploy) {

    public static final Pattern ID = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

    public RetrainPolicy {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidPolicyException("id", "must match [a-z][a-z0-9_-]{0,63}, got '" + id + "'");
        }
        if (baseModel == null || baseModel.isBlank()) {
            throw new InvalidPolicyException("base_model", "is required");
        }
        if (baseModelDir == null) {
            throw new InvalidPolicyException("base_model_dir", "is required (the Hugging Face directory the engine serves)");
        }
        if ((championAdapter == null) != (championAdapterDir == null)) {
            throw new InvalidPolicyException("champion_adapter_dir", "champion_adapter and champion_adapter_dir go together");
        }
        require(traffic, "traffic");
        require(reward, "reward");
        require(trainer, "trainer");
        require(gate, "gate");
        require(schedule, "schedule");
        require(deploy, "deploy");
    }

    /** The model name the champion is served under (the adapter's name, or the base model). */
    public String championModel() {
        return championAdapter == null ? baseModel : championAdapter;
    }

    private static void require(Object value, String field) {
        if (value == null) {
            throw new InvalidPolicyException(field, "is required");
        }
    }
}

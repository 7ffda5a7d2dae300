package dev.flywheel.engine.model;

/** The seven linear projections of a Llama layer, named as in Hugging Face / PEFT checkpoints. */
public enum Projection {
    Q("self_attn", "q_proj"), K("self_attn", "k_proj"), V("self_attn", "v_proj"), O("self_attn", "o_proj"),
    GATE("mlp", "gate_proj"), UP("mlp", "up_proj"), DOWN("mlp", "down_proj");

    private final String block;
    private final String moduleName;

    Projection(String block, String moduleName) {
        this.block = block;
        this.moduleName = moduleName;
    }

    /** The PEFT target_modules name, e.g. "q_proj". */
    public String moduleName() { return moduleName; }

    /** The checkpoint weight name for a layer, e.g. "model.layers.3.self_attn.q_proj.weight". */
    public String weightName(int layer) {
        return "model.layers." + layer + "." + block + "." + moduleName + ".weight";
    }

    /** Input width of this projection. */
    public int in(ModelConfig c) {
        return this == DOWN ? c.hiddenDim() : c.dim();
    }

    /** Output width of this projection (rows of its weight). */
    public int out(ModelConfig c) {
        return switch (this) {
            case Q, O -> c.dim();
            case K, V -> c.kvDim();
            case GATE, UP -> c.hiddenDim();
            case DOWN -> c.dim();
        };
    }

    /** The projection with this PEFT module name, or null. */
    public static Projection byModuleName(String name) {
        for (Projection p : values()) {
            if (p.moduleName.equals(name)) {
                return p;
            }
        }
        return null;
    }
}

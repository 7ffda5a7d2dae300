package dev.flywheel.engine.training;

import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.task.AdditionProblem;
import dev.flywheel.engine.task.AdditionTask;
import dev.flywheel.engine.task.GreedyEvaluator;
import dev.flywheel.engine.task.Split;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.kernels.Kernels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains the shipped model "arith-tiny" from scratch on {@link AdditionTask#standard()} and writes a
 * Hugging Face directory. Training stops as soon as held-out greedy exact-match accuracy on a
 * monitoring sample enters [STOP_LOW, STOP_HIGH], well inside the required [0.2, 0.6] band: the
 * model is deliberately imperfect so that RFT has something to improve. Everything is seeded.
 *
 * <p>Usage: {@code TrainShippedModel [outputDir]} (default inference-engine/models/arith-tiny).
 */
public final class TrainShippedModel {
    static final ModelConfig CONFIG = new ModelConfig(64, 192, 2, 4, 2, ShippedModelFiles.VOCAB_SIZE, 32,
            10000f, 1e-5f, true, ShippedModelFiles.BOS_ID, ShippedModelFiles.EOS_ID);
    static final long INIT_SEED = 20240611L;
    static final long DATA_SEED = 7L;
    static final long MONITOR_SEED = 99L;
    /** The sample the README reports and ShippedModelTest re-checks. */
    public static final long REPORT_SEED = 2024L;
    public static final int REPORT_SIZE = 300;
    static final int BATCH = 32;
    static final int MAX_STEPS = 20_000;
    static final int EVAL_EVERY = 50;
    static final double STOP_LOW = 0.32;
    static final double STOP_HIGH = 0.50;
    static final double LR = 3e-3;
    static final int WARMUP = 100;

    private TrainShippedModel() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "inference-engine/models/arith-tiny");
        Instant began = Instant.now();
        AdditionTask task = AdditionTask.standard();
        Files.createDirectories(out);
        ShippedModelFiles.writeTokenizer(out);
        Tokenizer tokenizer = Tokenizer.load(out.resolve("tokenizer.json"));
        Kernels kernels = Kernels.scalar();

        LlamaParameters params = LlamaParameters.initialize(CONFIG, new SplittableRandom(INIT_SEED), 0.02f);
        Backprop graph = Backprop.full(params, kernels);
        List<Parameter> all = params.all();
        AdamW opt = new AdamW(all, AdamW.Settings.defaults());
        SplittableRandom data = new SplittableRandom(DATA_SEED);
        List<AdditionProblem> monitor = task.sample(new SplittableRandom(MONITOR_SEED), Split.HELD_OUT, 300);

        double accuracy = 0;
        int step = 0;
        double emaLoss = Double.NaN;
        while (step < MAX_STEPS) {
            all.forEach(Parameter::zeroGrad);
            List<AdditionProblem> batch = task.sample(data, Split.TRAIN, BATCH);
            double loss = 0;
            for (AdditionProblem p : batch) {
                loss += trainOn(graph, tokenizer, p, BATCH);
            }
            GradientClipping.clipGlobalNorm(all, 1.0);
            opt.step(LR * Math.min(1.0, (step + 1.0) / WARMUP));
            step++;
            emaLoss = Double.isNaN(emaLoss) ? loss : 0.95 * emaLoss + 0.05 * loss;
            if (step % EVAL_EVERY == 0) {
                accuracy = heldOutAccuracy(params, kernels, tokenizer, monitor);
                System.out.printf("step %d loss %.4f held-out %.3f (%ds)%n", step, emaLoss, accuracy,
                        Duration.between(began, Instant.now()).toSeconds());
                if (accuracy >= STOP_LOW) {
                    break;
                }
            }
        }
        if (accuracy < STOP_LOW || accuracy > STOP_HIGH) {
            throw new IllegalStateException("training ended at step " + step + " with held-out accuracy " + accuracy
                    + " outside [" + STOP_LOW + ", " + STOP_HIGH + "]; adjust the schedule");
        }
        params.saveHuggingFace(out);
        double reported;
        try (LlamaModel model = LlamaModel.load(out, kernels)) {
            reported = new GreedyEvaluator(model, tokenizer, 6)
                    .accuracy(task.sample(new SplittableRandom(REPORT_SEED), Split.HELD_OUT, REPORT_SIZE), null);
        }
        long seconds = Duration.between(began, Instant.now()).toSeconds();
        writeReadme(out, step, accuracy, reported, seconds);
        System.out.printf("wrote %s: %d steps, held-out accuracy %.3f (report sample), %ds%n", out, step, reported, seconds);
    }

    /** Adds one sequence's gradient; loss only on the answer digits and EOS. Returns its mean loss / batch. */
    private static double trainOn(Backprop graph, Tokenizer tokenizer, AdditionProblem p, int batch) {
        int[] prompt = tokenizer.encode(p.prompt());
        int[] answer = tokenizer.encode(p.answer());
        int n = 1 + prompt.length + answer.length + 1;
        int[] seq = new int[n];
        seq[0] = CONFIG.bosToken();
        System.arraycopy(prompt, 0, seq, 1, prompt.length);
        System.arraycopy(answer, 0, seq, 1 + prompt.length, answer.length);
        seq[n - 1] = CONFIG.eosToken();
        int[] input = java.util.Arrays.copyOf(seq, n - 1);
        int[] targets = java.util.Arrays.copyOfRange(seq, 1, n);
        float[] weight = new float[n - 1];
        for (int t = prompt.length; t < n - 1; t++) {
            weight[t] = 1f; // position t predicts seq[t+1]; answers start at seq[1 + prompt.length]
        }
        Backprop.Tape tape = graph.forward(input);
        float[] dLogits = new float[tape.logits().length];
        double normaliser = (answer.length + 1.0) * batch;
        double loss = CrossEntropy.lossAndGradient(tape.logits(), CONFIG.vocabSize(), targets, weight, normaliser, dLogits);
        graph.backward(tape, dLogits);
        return loss;
    }

    private static double heldOutAccuracy(LlamaParameters params, Kernels kernels, Tokenizer tokenizer, List<AdditionProblem> problems) {
        LlamaModel live = new LlamaModel(CONFIG, params.weights(), kernels, () -> { });
        return new GreedyEvaluator(live, tokenizer, 6).accuracy(problems, null);
    }

    private static void writeReadme(Path out, int steps, double monitorAccuracy, double reported, long seconds) throws IOException {
        String readme = """
                # arith-tiny

                A deliberately small and deliberately imperfect Llama-architecture model (LlamaForCausalLM) for the
                Flywheel demo and tests. It completes multi-digit addition prompts: `12+345=` → `357` then EOS.

                - Shape: hidden %d, MLP %d, %d layers, %d heads, %d KV heads (grouped-query), vocab %d (256 byte tokens +
                  `<|bos|>` 256 + `<|eos|>` 257), RoPE theta %.0f, tied embeddings, float32 safetensors.
                - Tokenizer: byte-level BPE with no merges, so every digit is one token. The chat template renders
                  `<|bos|>` followed by the text of the user messages (other roles are ignored): the model knows
                  nothing but `a+b=` prompts.
                - Task: `dev.flywheel.engine.task.AdditionTask.standard()`: operands of 1-3 digits (digit count uniform),
                  20 %% of prompts held out by a stable FNV-1a hash of the prompt text.
                - Training: `dev.flywheel.engine.training.TrainShippedModel` (run `./run main inference-engine
                  dev.flywheel.engine.training.TrainShippedModel`), from scratch, full-parameter AdamW (lr %.0e, %d warm-up
                  steps, weight decay 0.01), global gradient-norm clip 1.0, batches of %d training problems, loss on the
                  answer tokens and EOS only. Seeds: init %d, data %d. Training stops as soon as greedy held-out accuracy
                  on a monitoring sample (seed %d, 300 problems) reaches %.2f; it stopped after %d steps at %.3f
                  (%d s on a 2-core dev VM, scalar kernels).
                - Measured held-out exact-match accuracy (greedy, %d held-out problems drawn with seed %d): **%.3f**.
                  `ShippedModelTest` re-checks that this stays within [0.2, 0.6].
                """.formatted(CONFIG.dim(), CONFIG.hiddenDim(), CONFIG.nLayers(), CONFIG.nHeads(), CONFIG.nKvHeads(),
                CONFIG.vocabSize(), CONFIG.ropeTheta(), LR, WARMUP, BATCH, INIT_SEED, DATA_SEED, MONITOR_SEED, STOP_LOW,
                steps, monitorAccuracy, seconds, REPORT_SIZE, REPORT_SEED, reported);
        Files.writeString(out.resolve("README.md"), readme, StandardCharsets.UTF_8);
    }
}

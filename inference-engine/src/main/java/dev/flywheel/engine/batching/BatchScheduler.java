package dev.flywheel.engine.batching;

import dev.flywheel.engine.batching.internal.RateWindow;
import dev.flywheel.engine.cache.KvBlockPool;
import dev.flywheel.engine.cache.SequenceKv;
import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.RowSplitter;
import dev.flywheel.engine.model.StepBatch;
import dev.flywheel.engine.sampling.Sampler;
import dev.flywheel.engine.sampling.StopSequences;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching. Requests enter a bounded queue; every engine step admits waiting requests
 * (FCFS, while the batch, the step's prefill budget and the KV pool allow), then runs ONE forward
 * pass over every running sequence: prefills (whole remaining prompt) and decodes (one token) of
 * base and adapter requests together, sorted by adapter so LoRA applies per segment. After the pass
 * each sequence samples a token; finished ones free their KV blocks at once, so new requests join at
 * the next step.
 *
 * <p>Threading: {@link #submit} and {@link GenerationHandle#cancel} from any thread; {@link #step}
 * from one thread only: the engine thread {@link #start} runs, or a test driving it directly.
 */
public final class BatchScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

    private final ForwardPass model;
    private final RowSplitter rows;
    /** Per step: which rows are greedy, and their argmax (-1: the row holds NaN; the sampler reports it). */
    private boolean[] greedyRow = new boolean[0];
    private int[] greedyToken = new int[0];
    /** The previous step's logits, handed back to the model to write the next step's into (step thread only). */
    private float[] lastLogits;
    private final KvBlockPool pool;
    private final SchedulerConfig config;
    private final int vocabSize;
    private final int eosToken;
    private final Clock clock;
    private final Sampler sampler;

    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();

    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final RateWindow tokenRate;
    private final RateWindow completionRate;
    private volatile int lastBatchSize;
    private volatile int runningCount;

    private volatile boolean closed;
    private Thread engineThread;

    /**
     * @param eosToken end-of-sequence token id, or -1 when the model has none
     */
    public BatchScheduler(ForwardPass model, KvBlockPool pool, SchedulerConfig config, int vocabSize, int eosToken, Clock clock) {
        this(model, RowSplitter.SERIAL, pool, config, vocabSize, eosToken, clock);
    }

    /**
     * @param rows threads for the greedy argmax of a step's rows (the model's forward threads); results are the
     *             same as {@link RowSplitter#SERIAL}'s, row for row
     */
    public BatchScheduler(ForwardPass model, RowSplitter rows, KvBlockPool pool, SchedulerConfig config, int vocabSize,
                          int eosToken, Clock clock) {
        this.model = Objects.requireNonNull(model, "model");
        this.rows = Objects.requireNonNull(rows, "rows");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
        }
        if (eosToken < -1 || eosToken >= vocabSize) {
            throw new IllegalArgumentException("eosToken must be -1 or in [0, " + vocabSize + "), got " + eosToken);
        }
        this.vocabSize = vocabSize;
        this.eosToken = eosToken;
        this.sampler = new Sampler(vocabSize);
        this.tokenRate = new RateWindow(clock, 10);
        this.completionRate = new RateWindow(clock, 10);
    }

    /**
     * Queues a request. Throws {@link GenerationException.TooLong} when it can never fit (model context
     * or KV pool) and {@link GenerationException.QueueFull} at the queue bound.
     */
    public GenerationHandle submit(GenerationRequest request) {
        int prompt = request.prompt().length;
        int maxTokens = request.params().maxTokens();
        if ((long) prompt + maxTokens > config.maxSeqLen()) {
            throw new GenerationException.TooLong(prompt, maxTokens, config.maxSeqLen(), "the model context");
        }
        int poolTokens = pool.totalBlocks() * pool.blockSize();
        if (prompt + maxTokens > poolTokens) {
            throw new GenerationException.TooLong(prompt, maxTokens, poolTokens, "the KV cache");
        }
        if (closed) {
            throw new GenerationException.ShuttingDown(request.id());
        }
        if (queued.incrementAndGet() > config.queueBound()) {
            queued.decrementAndGet();
            throw new GenerationException.QueueFull(config.queueBound(), retryAfterSeconds());
        }
        Sequence seq = new Sequence(request, clock.instant());
        incoming.add(seq);
        return new GenerationHandle(request.id(), seq.cancelled);
    }

    /** Runs the engine loop on a new thread until {@link #close}. */
    public synchronized void start() {
        if (engineThread != null) {
            throw new IllegalStateException("scheduler already started");
        }
        engineThread = Thread.ofPlatform().name("engine-step").daemon(true).start(this::loop);
    }

    private void loop() {
        while (!closed) {
            try {
                if (!step()) {
                    Sequence next = incoming.take();
                    waiting.add(next);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("engine step failed outside the forward pass; failing running requests", e);
                failAll(running, e);
            }
        }
    }

    /** One engine step. Returns false when there was nothing to run. */
    public boolean step() {
        incoming.drainTo(waiting);
        dropCancelled();
        admit();
        if (running.isEmpty()) {
            return false;
        }
        running.sort(Comparator.comparing(Sequence::adapterKey));
        int n = running.size();
        int[][] feed = new int[n][];
        int[] start = new int[n];
        int[][] tables = new int[n][];
        LoraAdapter[] adapters = new LoraAdapter[n];
        for (int i = 0; i < n; i++) {
            Sequence s = running.get(i);
            feed[i] = s.feed();
            start[i] = s.computed;
            s.kv.ensureCapacity(s.length);
            tables[i] = s.kv.blockTable();
            adapters[i] = s.request.adapter() == null ? null : s.request.adapter().weights();
        }
        lastBatchSize = n;
        float[] logits;
        try {
            logits = model.forward(new StepBatch(feed, start, tables, adapters), pool, lastLogits);
            lastLogits = logits;
        } catch (RuntimeException e) {
            LOG.error("forward pass failed for a batch of {} sequences", n, e);
            failAll(running, e);
            return true;
        }
        pickGreedy(logits, n);
        List<Sequence> finished = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sequence s = running.get(i);
            s.computed = s.length;
            s.kv.commit(s.tokens, s.computed);
            int token;
            try {
                token = greedyRow[i] && greedyToken[i] >= 0 ? greedyToken[i]
                        : sampler.sample(logits, i * vocabSize, s.request.params(), s.request.rng());
            } catch (RuntimeException e) {
                LOG.error("sampling failed for request {}", s.request.id(), e);
                finish(s, null, new GenerationException.StepFailed(s.request.id(), e));
                finished.add(s);
                continue;
            }
            if (advance(s, token)) {
                finished.add(s);
            }
        }
        running.removeAll(finished);
        runningCount = running.size();
        return true;
    }

    /**
     * The argmax of every greedy row of this step's logits, split across {@link #rows}' threads: the same
     * {@link Sampler#argmaxOrNaN} per row as the serial path, so the same tokens. A row with NaN gets -1 and is
     * left to the sampler, which fails that request alone with its message.
     */
    private void pickGreedy(float[] logits, int n) {
        if (greedyRow.length < n) {
            greedyRow = new boolean[n];
            greedyToken = new int[n];
        }
        int greedy = 0;
        for (int i = 0; i < n; i++) {
            greedyRow[i] = running.get(i).request.params().isGreedy();
            greedy += greedyRow[i] ? 1 : 0;
        }
        if (greedy == 0) {
            return;
        }
        boolean[] want = greedyRow;
        int[] out = greedyToken;
        rows.split(n, (from, to) -> {
            for (int i = from; i < to; i++) {
                if (want[i]) {
                    out[i] = Sampler.argmaxOrNaN(logits, i * vocabSize, vocabSize);
                }
            }
        });
    }

    /** Appends a sampled token, streams it; true when the sequence finished (and was completed). */
    private boolean advance(Sequence s, int token) {
        Instant now = clock.instant();
        if (s.firstToken == null) {
            s.firstToken = now;
        }
        s.tokens[s.length++] = token;
        generatedTokens.incrementAndGet();
        tokenRate.add(1);
        boolean eos = token == eosToken;
        boolean full = s.generatedCount() == s.request.params().maxTokens();
        String delta = "";
        boolean stopped = eos;
        if (!eos) {
            s.text = s.decodeGenerated();
            StopSequences.Scan scan = s.stops.scan(s.text, s.emitted, full);
            delta = s.text.substring(s.emitted, scan.finalEnd());
            s.emitted = scan.finalEnd();
            stopped = scan.stopped();
        } else if (s.emitted < s.text.length()) {
            // Text held back for a possible stop sequence is final now.
            delta = s.text.substring(s.emitted);
            s.emitted = s.text.length();
        }
        try {
            s.request.listener().onToken(token, delta);
        } catch (RuntimeException e) {
            LOG.warn("listener of request {} failed; cancelling it", s.request.id(), e);
            s.cancelled.set(true);
        }
        if (s.cancelled.get()) {
            finish(s, FinishReason.CANCELLED, null);
            return true;
        }
        if (stopped || full) {
            finish(s, stopped ? FinishReason.STOP : FinishReason.LENGTH, null);
            return true;
        }
        return false;
    }

    private void admit() {
        int prefill = 0;
        for (Sequence s : running) {
            if (s.prefilling()) {
                prefill += s.promptLength - s.computed;
            }
        }
        while (!waiting.isEmpty() && running.size() < config.maxBatch()) {
            Sequence s = waiting.peekFirst();
            int remaining = s.promptLength;
            if (prefill > 0 && prefill + remaining > config.maxPrefillTokens()) {
                return;
            }
            Optional<SequenceKv> kv = pool.open(s.request.cacheNamespace(), s.request.prompt(),
                    s.promptLength + s.request.params().maxTokens());
            if (kv.isEmpty()) {
                return;
            }
            waiting.pollFirst();
            queued.decrementAndGet();
            s.kv = kv.get();
            s.computed = s.kv.cachedTokens();
            prefill += s.promptLength - s.computed;
            promptTokens.addAndGet(s.promptLength);
            running.add(s);
        }
        runningCount = running.size();
    }

    private void dropCancelled() {
        waiting.removeIf(s -> {
            if (s.cancelled.get()) {
                queued.decrementAndGet();
                finish(s, FinishReason.CANCELLED, null);
                return true;
            }
            return false;
        });
        running.removeIf(s -> {
            if (s.cancelled.get()) {
                finish(s, FinishReason.CANCELLED, null);
                return true;
            }
            return false;
        });
    }

    /** Frees the sequence's blocks and tells its listener; exactly one of reason / error is set. */
    private void finish(Sequence s, FinishReason reason, GenerationException error) {
        if (s.kv != null) {
            s.kv.close();
        }
        completed.incrementAndGet();
        completionRate.add(1);
        try {
            if (error != null) {
                s.request.listener().onError(error);
            } else {
                Instant now = clock.instant();
                Instant first = s.firstToken == null ? now : s.firstToken;
                String text = s.text.substring(0, s.emitted);
                s.request.listener().onComplete(new GenerationResult(s.request.id(), s.generated(), text, reason,
                        s.promptLength, s.kv == null ? 0 : s.kv.cachedTokens(),
                        Duration.between(s.submitted, first), Duration.between(s.submitted, now)));
            }
        } catch (RuntimeException e) {
            LOG.warn("listener of request {} failed while completing", s.request.id(), e);
        }
    }

    private void failAll(List<Sequence> sequences, RuntimeException cause) {
        for (Sequence s : sequences) {
            finish(s, null, new GenerationException.StepFailed(s.request.id(), cause));
        }
        sequences.clear();
        runningCount = 0;
    }

    private int retryAfterSeconds() {
        double rate = completionRate.perSecond();
        if (rate <= 0) {
            return 1;
        }
        return (int) Math.max(1, Math.min(60, Math.ceil(queued.get() / rate)));
    }

    public SchedulerStats stats() {
        return new SchedulerStats(queued.get(), runningCount, lastBatchSize, generatedTokens.get(), promptTokens.get(),
                completed.get(), tokenRate.perSecond());
    }

    /** Stops the engine thread and fails every request not yet finished. */
    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = engineThread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        incoming.drainTo(waiting);
        for (Sequence s : waiting) {
            finish(s, null, new GenerationException.ShuttingDown(s.request.id()));
        }
        waiting.clear();
        for (Sequence s : running) {
            finish(s, null, new GenerationException.ShuttingDown(s.request.id()));
        }
        running.clear();
    }
}

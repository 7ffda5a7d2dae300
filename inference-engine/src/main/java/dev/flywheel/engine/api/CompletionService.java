package dev.flywheel.engine.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.engine.adapters.AdapterException;
import dev.flywheel.engine.adapters.AdapterRegistry;
import dev.flywheel.engine.adapters.ResidentAdapter;
import dev.flywheel.engine.api.internal.ParsedRequest;
import dev.flywheel.engine.api.internal.RequestParser;
import dev.flywheel.engine.api.internal.ResponseWriter;
import dev.flywheel.engine.batching.BatchScheduler;
import dev.flywheel.engine.batching.GenerationException;
import dev.flywheel.engine.batching.GenerationHandle;
import dev.flywheel.engine.batching.GenerationListener;
import dev.flywheel.engine.batching.GenerationRequest;
import dev.flywheel.engine.batching.GenerationResult;
import dev.flywheel.engine.batching.TextDecoder;
import dev.flywheel.engine.chat.ChatTemplateException;
import dev.flywheel.engine.sampling.InvalidSamplingException;
import dev.flywheel.engine.sampling.SamplingParams;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The OpenAI completion endpoints without the HTTP framework: parse, resolve the model (base or
 * adapter), tokenize (chat template for chat), submit to the scheduler, and answer a whole JSON body
 * or an SSE stream. Failures before generation starts are thrown as {@link ApiException}; later ones
 * complete the future exceptionally (or end the stream with an error event). Thread-safe.
 */
public final class CompletionService {
    /** max_tokens when the client sends none: OpenAI's 16 for completions; chat gets more room. */
    static final int DEFAULT_COMPLETION_TOKENS = 16;
    static final int DEFAULT_CHAT_TOKENS = 256;

    private final ServedModel base;
    private final AdapterRegistry adapters;
    private final BatchScheduler scheduler;
    private final RequestParser parser;
    private final ResponseWriter writer;
    private final RandomGenerator random;
    private final Clock clock;

    /** What the base model serves with: its API name, tokenizer and (optional) chat template. */
    public record ServedModel(String name, dev.flywheel.engine.tokenizer.Tokenizer tokenizer,
                              dev.flywheel.engine.chat.ChatTemplate chatTemplate, int bosToken, int maxSeqLen) {
        public ServedModel {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(tokenizer, "tokenizer");
        }
    }

    /** The answer: a whole JSON body, or SSE chunks (already framed) to stream. */
    public sealed interface Reply {
        record Json(String body) implements Reply {}

        record Stream(Flux<byte[]> chunks) implements Reply {}
    }

    /**
     * @param random seeds requests that carry no seed, and request ids; guarded here, as
     *               RandomGenerators are not thread-safe
     */
    public CompletionService(ServedModel base, AdapterRegistry adapters, BatchScheduler scheduler, ObjectMapper mapper,
                             RandomGenerator random, Clock clock) {
        this.base = Objects.requireNonNull(base, "base");
        this.adapters = Objects.requireNonNull(adapters, "adapters");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.parser = new RequestParser(mapper);
        this.writer = new ResponseWriter(mapper);
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public ResponseWriter writer() {
        return writer;
    }

    public CompletableFuture<Reply> complete(String body, boolean chat) {
        ParsedRequest req = parser.parse(body, chat);
        ResidentAdapter adapter = resolve(req.model());
        int[] prompt = tokenize(req);
        String promptParam = chat ? "messages" : "prompt";
        if (prompt.length >= base.maxSeqLen()) {
            throw ApiException.tooLong(promptParam, "This model's maximum context length is " + base.maxSeqLen()
                    + " tokens, but the prompt has " + prompt.length + " tokens");
        }
        int maxTokens = req.maxTokens() != null ? req.maxTokens()
                : Math.min(chat ? DEFAULT_CHAT_TOKENS : DEFAULT_COMPLETION_TOKENS, base.maxSeqLen() - prompt.length);
        SamplingParams params;
        try {
            params = req.params(maxTokens);
        } catch (InvalidSamplingException e) {
            throw ApiException.invalid(e.param(), e.getMessage());
        }
        long seed;
        String id;
        synchronized (random) {
            seed = req.seed() != null ? req.seed() : random.nextLong();
            id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().toHexDigits(random.nextLong());
        }
        ResponseWriter.Envelope env = new ResponseWriter.Envelope(chat, id, clock.millis() / 1000, req.model());
        // Choice i draws from seed + i: choice 0 is what n = 1 gives, and a seeded request replays every choice.
        RandomGenerator[] rngs = new RandomGenerator[req.n()];
        for (int i = 0; i < rngs.length; i++) {
            rngs[i] = RandomGeneratorFactory.of("L64X128MixRandom").create(seed + i);
        }
        return req.stream() ? stream(env, prompt, adapter, params, rngs) : whole(env, prompt, adapter, params, rngs);
    }

    /**
     * Submits one generation per choice, adding each handle to {@code handles} (which the listeners may read to cancel
     * the others); when a later one is refused (a full queue), the ones already submitted are cancelled and the
     * refusal is the request's answer.
     */
    private void submitAll(ResponseWriter.Envelope env, int[] prompt, ResidentAdapter adapter, SamplingParams params,
                           RandomGenerator[] rngs, IntFunction<GenerationListener> listeners, List<GenerationHandle> handles) {
        for (int i = 0; i < rngs.length; i++) {
            try {
                handles.add(submit(env, prompt, adapter, params, rngs[i], listeners.apply(i)));
            } catch (RuntimeException refused) {
                handles.forEach(GenerationHandle::cancel);
                throw refused;
            }
        }
    }

    private CompletableFuture<Reply> whole(ResponseWriter.Envelope env, int[] prompt, ResidentAdapter adapter,
                                           SamplingParams params, RandomGenerator[] rngs) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        GenerationResult[] results = new GenerationResult[rngs.length];
        AtomicInteger left = new AtomicInteger(rngs.length);
        List<GenerationHandle> handles = new CopyOnWriteArrayList<>();
        submitAll(env, prompt, adapter, params, rngs, i -> new GenerationListener() {
            @Override
            public void onToken(int token, String textDelta) {
            }

            @Override
            public void onComplete(GenerationResult result) {
                results[i] = result;
                if (left.decrementAndGet() == 0) {
                    reply.complete(new Reply.Json(writer.completion(env, List.of(results))));
                }
            }

            @Override
            public void onError(GenerationException error) {
                if (reply.completeExceptionally(toApi(error, env.chat()))) {
                    handles.forEach(GenerationHandle::cancel); // the other choices' work is no longer wanted
                }
            }
        }, handles);
        return reply;
    }

    private CompletableFuture<Reply> stream(ResponseWriter.Envelope env, int[] prompt, ResidentAdapter adapter,
                                            SamplingParams params, RandomGenerator[] rngs) {
        // Buffers chunks until the HTTP layer subscribes; after the role chunks only the engine thread emits.
        Sinks.Many<byte[]> sink = Sinks.many().unicast().onBackpressureBuffer();
        if (env.chat()) {
            for (int i = 0; i < rngs.length; i++) {
                sink.tryEmitNext(writer.roleChunk(env, i));
            }
        }
        AtomicInteger left = new AtomicInteger(rngs.length);
        AtomicInteger completionTokens = new AtomicInteger();
        AtomicBoolean ended = new AtomicBoolean();
        List<GenerationHandle> handles = new CopyOnWriteArrayList<>();
        submitAll(env, prompt, adapter, params, rngs, i -> new GenerationListener() {
            @Override
            public void onToken(int token, String textDelta) {
                if (!textDelta.isEmpty() && !ended.get()) {
                    sink.tryEmitNext(writer.deltaChunk(env, i, textDelta));
                }
            }

            @Override
            public void onComplete(GenerationResult result) {
                int total = completionTokens.addAndGet(result.completionTokens());
                boolean last = left.decrementAndGet() == 0;
                if (ended.get()) {
                    return;
                }
                sink.tryEmitNext(writer.finalChunk(env, i, result, last
                        ? new ResponseWriter.Usage(result.promptTokens(), total, result.cachedPromptTokens()) : null));
                if (last && ended.compareAndSet(false, true)) {
                    sink.tryEmitNext(ResponseWriter.DONE);
                    sink.tryEmitComplete();
                }
            }

            @Override
            public void onError(GenerationException error) {
                if (ended.compareAndSet(false, true)) {
                    sink.tryEmitNext(writer.errorChunk(toApi(error, env.chat())));
                    sink.tryEmitNext(ResponseWriter.DONE);
                    sink.tryEmitComplete();
                    handles.forEach(GenerationHandle::cancel);
                }
            }
        }, handles);
        return CompletableFuture.completedFuture(new Reply.Stream(sink.asFlux().doOnCancel(() -> handles.forEach(GenerationHandle::cancel))));
    }

    private GenerationHandle submit(ResponseWriter.Envelope env, int[] prompt, ResidentAdapter adapter,
                                    SamplingParams params, RandomGenerator rng, GenerationListener listener) {
        try {
            return scheduler.submit(new GenerationRequest(env.id(), prompt, adapter, params, rng,
                    TextDecoder.concatenating(ids -> base.tokenizer().decode(ids, true)), listener));
        } catch (GenerationException e) {
            throw toApi(e, env.chat());
        }
    }

    private ResidentAdapter resolve(String model) {
        if (model.equals(base.name())) {
            return null;
        }
        try {
            return adapters.acquire(model);
        } catch (AdapterException.Unknown e) {
            throw ApiException.unknownModel(model);
        } catch (AdapterException.LoadFailed e) {
            throw ApiException.internal("adapter '" + model + "' is registered but could not be read back: " + e.getMessage(), e);
        }
    }

    private int[] tokenize(ParsedRequest req) {
        String text;
        if (req.chat()) {
            if (base.chatTemplate() == null) {
                throw ApiException.invalid("messages", "model " + base.name() + " has no chat template; use /v1/completions");
            }
            try {
                text = base.chatTemplate().render(req.messages(), true);
            } catch (ChatTemplateException e) {
                throw ApiException.invalid("messages", e.getMessage());
            }
        } else {
            text = req.prompt();
        }
        int[] ids = base.tokenizer().encode(text);
        // Completions get the BOS token the model was trained with; chat templates write their own.
        if (!req.chat() && base.bosToken() >= 0 && (ids.length == 0 || ids[0] != base.bosToken())) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = base.bosToken();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            ids = withBos;
        }
        if (ids.length == 0) {
            throw ApiException.invalid(req.chat() ? "messages" : "prompt", "the prompt encodes to no tokens");
        }
        return ids;
    }

    private static ApiException toApi(GenerationException e, boolean chat) {
        return switch (e) {
            case GenerationException.QueueFull q -> ApiException.overloaded(q.getMessage(), q.retryAfterSeconds());
            case GenerationException.TooLong t -> ApiException.tooLong(
                    t.promptAloneTooLong() ? (chat ? "messages" : "prompt") : "max_tokens", t.getMessage());
            case GenerationException.ShuttingDown s -> ApiException.unavailable(s.getMessage());
            case GenerationException.StepFailed f -> ApiException.internal(f.getMessage(), f);
        };
    }
}

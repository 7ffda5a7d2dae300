package dev.flywheel.splitter.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.splitter.assignment.Assigner;
import dev.flywheel.splitter.assignment.Assignment;
import dev.flywheel.splitter.assignment.AssignmentTable;
import dev.flywheel.splitter.assignment.UnitIds;
import dev.flywheel.splitter.config.SplitterConfig;
import dev.flywheel.splitter.events.EventEmitter;
import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.ExperimentStore;
import dev.flywheel.splitter.experiments.Variant;
import dev.flywheel.splitter.metrics.SplitterMetrics;
import dev.flywheel.splitter.proxy.BackendTransport.Answer;
import dev.flywheel.splitter.proxy.BackendTransport.Streamed;
import dev.flywheel.splitter.proxy.internal.Completion;
import dev.flywheel.splitter.proxy.internal.JdkTransport;
import dev.flywheel.splitter.proxy.internal.RequestIds;
import dev.flywheel.splitter.proxy.internal.RequestRewriter;
import dev.flywheel.splitter.proxy.internal.Target;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.EnumMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SignalType;

/**
 * The OpenAI-compatible proxy: identifies the unit, assigns, forwards to the variant's backend with its model and
 * overrides, falls back to control when a treatment fails (before any byte reached the client), answers with
 * experiment/variant headers, and emits exactly one {@link InferenceEvent} per request through the
 * {@link EventEmitter} (asynchronous; never adds Kafka to the response time). Framework-free.
 */
public final class ProxyService {
    /** Streams larger than this are passed through in full but only this much is parsed for the event. */
    private static final int MAX_CAPTURE_BYTES = 2 << 20;
    private static final String REDACTED = "[redacted]";

    private final SplitterConfig config;
    private final ExperimentStore store;
    private final Assigner assigner;
    private final EventEmitter events;
    private final SplitterMetrics metrics;
    private final HttpClient http;
    /** Completion calls to backends, whole and streamed; {@code /v1/models} uses {@link #http}. */
    private final BackendTransport transport;
    /** {@code Authorization} for backends ("Bearer " + the configured backend token), built once; null when none. */
    private final String backendAuthorization;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final RequestRewriter rewriter;
    private final RequestIds requestIds;
    /** Backend base URL → endpoint, per route: built once per backend instead of parsed per request. */
    private final Map<Route, ConcurrentHashMap<URI, URI>> endpoints = new EnumMap<>(Route.class);
    private volatile AssignmentTable table;

    public ProxyService(SplitterConfig config, ExperimentStore store, Assigner assigner, EventEmitter events,
                        SplitterMetrics metrics, HttpClient http, Clock clock, ObjectMapper mapper) {
        this(config, store, assigner, events, metrics, http, new JdkTransport(http), clock, mapper, new SecureRandom());
    }

    /**
     * {@code transport} sends the completion calls ({@code http} the rest); {@code idRandom} draws the instance part
     * of generated request ids (once).
     */
    public ProxyService(SplitterConfig config, ExperimentStore store, Assigner assigner, EventEmitter events,
                        SplitterMetrics metrics, HttpClient http, BackendTransport transport, Clock clock, ObjectMapper mapper,
                        RandomGenerator idRandom) {
        this.transport = transport;
        this.backendAuthorization = config.backendAuthorization().orElse(null);
        this.requestIds = new RequestIds(idRandom);
        this.config = config;
        this.store = store;
        this.assigner = assigner;
        this.events = events;
        this.metrics = metrics;
        this.http = http;
        this.clock = clock;
        this.mapper = mapper;
        this.rewriter = new RequestRewriter(mapper);
        this.table = AssignmentTable.of(store.all(), store.revision());
        for (Route r : Route.values()) {
            endpoints.put(r, new ConcurrentHashMap<>());
        }
    }

    /**
     * The per-request context carried from assignment to the event. {@code request} is the client's parsed body, never
     * modified (variants get copies), so the prompt can be read from it later, off the response path.
     */
    private record Call(Route route, String requestId, UnitIds units, Assignment assignment, ObjectNode request,
                        boolean stream, long startNanos, long ts, Map<String, String> headers) {}

    /**
     * Proxies one completion request. {@code header} reads request headers by name (null when absent).
     * Client errors complete exceptionally with a {@link ProxyException}; backend errors are passed through.
     */
    public CompletableFuture<ProxyReply> complete(Route route, byte[] body, UnaryOperator<String> header) {
        long start = System.nanoTime();
        ObjectNode request = parse(body);
        RequestRewriter.validate(request, route.chat());
        String requestId = requestId(header.apply(ProxyHeaders.REQUEST_ID));
        String user = header.apply(ProxyHeaders.UNIT);
        if (user == null || user.isBlank()) {
            user = request.path("user").isTextual() ? request.path("user").asText() : null;
        }
        UnitIds units = new UnitIds(checkedUnit(user, ProxyHeaders.UNIT), checkedUnit(header.apply(ProxyHeaders.SESSION), ProxyHeaders.SESSION), requestId);
        Assignment assignment = assign(units, header.apply(ProxyHeaders.VARIANT));
        boolean stream = request.path("stream").asBoolean(false);
        Call call = new Call(route, requestId, units, assignment, request, stream, start, clock.millis(),
                responseHeaders(requestId, assignment));
        Target primary = target(body, request, assignment, route);
        // The control target is only built when the treatment failed (a copy and a serialisation saved per request).
        Supplier<Target> fallback = fallbackTarget(request, assignment, route);
        return stream ? stream(call, primary, fallback) : whole(call, primary, fallback);
    }

    /** {@code GET /v1/models}: the default backend's list plus every serving variant's model name. */
    public CompletableFuture<ProxyReply> models() {
        HttpRequest.Builder models = HttpRequest.newBuilder(Target.resolve(config.defaultBackendUrl(), "/v1/models"))
                .timeout(config.probeTimeout()).GET();
        if (backendAuthorization != null) {
            models.header("Authorization", backendAuthorization);
        }
        HttpRequest req = models.build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                .handle((resp, failure) -> {
                    ObjectNode out = mapper.createObjectNode().put("object", "list");
                    ArrayNode data = out.putArray("data");
                    Set<String> seen = new HashSet<>();
                    if (failure == null && resp.statusCode() == 200) {
                        try {
                            for (JsonNode m : mapper.readTree(resp.body()).path("data")) {
                                if (seen.add(m.path("id").asText())) data.add(m);
                            }
                        } catch (IOException e) {
                            // an unreadable list from the default backend: the variants below are still listed
                        }
                    }
                    for (Experiment e : currentTable().servingExperiments()) {
                        for (Variant v : e.variants()) {
                            if (seen.add(v.model())) {
                                data.addObject().put("id", v.model()).put("object", "model").put("owned_by", "flywheel:" + e.id());
                            }
                        }
                    }
                    return new ProxyReply.Whole(200, "application/json", bytes(out), Map.of());
                });
    }

    private CompletableFuture<ProxyReply> whole(Call call, Target primary, Supplier<Target> fallbackTarget) {
        return sendWhole(call, primary).handle((resp, failure) -> {
            if (fallbackTarget != null && (failure != null || failedStatus(resp.status()))) {
                String why = failure != null ? describe(null, failure) : "backend answered " + resp.status();
                Target fallback = fallbackTarget.get();
                return sendWhole(call, fallback).handle((r2, f2) -> finishWhole(call, fallback, r2, f2, why));
            }
            return CompletableFuture.completedFuture(finishWhole(call, primary, resp, failure, null));
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Answer> sendWhole(Call call, Target target) {
        return transport.post(endpoint(call.route(), target.baseUrl()), backendHeaders(call), target.body(), config.backendTimeout());
    }

    /** The client's own token is never forwarded: backends get the splitter's configured backend token, if any. */
    private Map<String, String> backendHeaders(Call call) {
        return backendAuthorization == null ? Map.of(ProxyHeaders.REQUEST_ID, call.requestId())
                : Map.of(ProxyHeaders.REQUEST_ID, call.requestId(), "Authorization", backendAuthorization);
    }

    private ProxyReply finishWhole(Call call, Target target, Answer resp, Throwable failure, String fallbackReason) {
        double latencyMs = (System.nanoTime() - call.startNanos()) / 1e6;
        if (failure != null) {
            String why = describe(null, failure);
            emit(call, target, () -> Completion.EMPTY, latencyMs, latencyMs, InferenceStatus.ERROR, join(fallbackReason, why));
            ProxyException e = backendUnavailable(target, failure);
            return errorReply(e, call.headers());
        }
        boolean ok = resp.status() / 100 == 2;
        byte[] answer = resp.body();
        Supplier<Completion> completion = ok ? () -> Completion.fromJson(mapper, answer) : () -> Completion.EMPTY;
        InferenceStatus status = !ok ? InferenceStatus.ERROR : fallbackReason != null ? InferenceStatus.FALLBACK : InferenceStatus.OK;
        String error = ok ? (fallbackReason == null ? "" : fallbackReason) : join(fallbackReason, "backend answered " + resp.status());
        emit(call, target, completion, latencyMs, latencyMs, status, error);
        Map<String, String> headers = withFallback(call.headers(), fallbackReason);
        return new ProxyReply.Whole(resp.status(), resp.contentType(), resp.body(), headers);
    }

    private CompletableFuture<ProxyReply> stream(Call call, Target primary, Supplier<Target> fallbackTarget) {
        return sendStream(call, primary).handle((resp, failure) -> {
            if (fallbackTarget != null && failedStream(resp, failure)) {
                String why = describe(resp, failure);
                Target fallback = fallbackTarget.get();
                return sendStream(call, fallback).handle((r2, f2) -> finishStream(call, fallback, r2, f2, why)).thenCompose(f -> f);
            }
            return finishStream(call, primary, resp, failure, null);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Streamed> sendStream(Call call, Target target) {
        return transport.stream(endpoint(call.route(), target.baseUrl()), backendHeaders(call), target.body(), config.backendTimeout());
    }

    private CompletableFuture<ProxyReply> finishStream(Call call, Target target, Streamed resp,
                                                       Throwable failure, String fallbackReason) {
        if (failure != null) {
            double ms = (System.nanoTime() - call.startNanos()) / 1e6;
            emit(call, target, () -> Completion.EMPTY, ms, ms, InferenceStatus.ERROR, join(fallbackReason, describe(null, failure)));
            return CompletableFuture.completedFuture(errorReply(backendUnavailable(target, failure), call.headers()));
        }
        Flux<byte[]> body = Flux.from(resp.body());
        if (resp.status() != 200) {
            // The backend refused before streaming: answer with its whole body and status.
            return body.collectList().toFuture().handle((chunks, f) -> {
                byte[] bytes = f == null ? concatAll(chunks) : new byte[0];
                double ms = (System.nanoTime() - call.startNanos()) / 1e6;
                emit(call, target, () -> Completion.EMPTY, ms, ms, InferenceStatus.ERROR, join(fallbackReason, "backend answered " + resp.status()));
                return new ProxyReply.Whole(resp.status(), resp.contentType(),
                        bytes, withFallback(call.headers(), fallbackReason));
            });
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AtomicLong firstChunkNanos = new AtomicLong();
        AtomicBoolean emitted = new AtomicBoolean();
        Flux<byte[]> passthrough = body
                .doOnNext(chunk -> {
                    firstChunkNanos.compareAndSet(0, System.nanoTime());
                    synchronized (captured) {
                        if (captured.size() + chunk.length <= MAX_CAPTURE_BYTES) {
                            captured.writeBytes(chunk);
                        }
                    }
                })
                .doFinally(signal -> {
                    if (!emitted.compareAndSet(false, true)) {
                        return;
                    }
                    long now = System.nanoTime();
                    double latency = (now - call.startNanos()) / 1e6;
                    double ttft = firstChunkNanos.get() == 0 ? latency : (firstChunkNanos.get() - call.startNanos()) / 1e6;
                    byte[] bytes;
                    synchronized (captured) {
                        bytes = captured.toByteArray();
                    }
                    Supplier<Completion> c = () -> Completion.fromSse(mapper, bytes);
                    if (signal == SignalType.ON_COMPLETE) {
                        emit(call, target, c, ttft, latency, fallbackReason == null ? InferenceStatus.OK : InferenceStatus.FALLBACK,
                                fallbackReason == null ? "" : fallbackReason);
                    } else {
                        emit(call, target, c, ttft, latency, InferenceStatus.ERROR, join(fallbackReason,
                                signal == SignalType.CANCEL ? "client cancelled the stream" : "stream from backend failed"));
                    }
                });
        return CompletableFuture.completedFuture(new ProxyReply.Stream(passthrough, withFallback(call.headers(), fallbackReason)));
    }

    /**
     * Counts the request, and queues its event; {@code completion} (parsing the backend's answer) and the rest of the
     * event are computed on the emitter's thread, after the client has its response.
     */
    private URI endpoint(Route route, URI baseUrl) {
        ConcurrentHashMap<URI, URI> byBase = endpoints.get(route);
        URI uri = byBase.get(baseUrl);
        if (uri == null) {
            if (byBase.size() >= 1024) { // backends of long-gone experiments: start over rather than grow without bound
                byBase.clear();
            }
            uri = Target.resolve(baseUrl, route.path());
            byBase.put(baseUrl, uri);
        }
        return uri;
    }

    private void emit(Call call, Target target, Supplier<Completion> completion, double ttftMs, double latencyMs,
                      InferenceStatus status, String error) {
        String experimentId = "";
        String variantId = "";
        if (call.assignment() instanceof Assignment.InExperiment in && !in.forced()) {
            experimentId = in.experiment().id();
            variantId = target.variant() == null ? in.variant().id() : target.variant().id();
        }
        metrics.request(call.route().tag(), experimentId, variantId, status.wire());
        metrics.requestDuration(call.route().tag(), status.wire(), (long) (latencyMs * 1e6));
        events.emitLater(() -> event(call, target, completion.get(), ttftMs, latencyMs, status, error));
    }

    private InferenceEvent event(Call call, Target target, Completion c, double ttftMs, double latencyMs, InferenceStatus status,
                                 String error) {
        String experimentId = "";
        String variantId = "";
        int stage = -1;
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("route", call.route().tag());
        if (call.stream()) {
            attributes.put("stream", "true");
        }
        switch (call.assignment()) {
            case Assignment.InExperiment in when in.forced() -> {
                // QA traffic is kept out of the analysis: recorded, but not under the experiment.
                attributes.put("forced_experiment", in.experiment().id());
                attributes.put("forced_variant", in.variant().id());
            }
            case Assignment.InExperiment in -> {
                experimentId = in.experiment().id();
                variantId = target.variant() == null ? in.variant().id() : target.variant().id();
                stage = in.rampStage();
                if (status == InferenceStatus.FALLBACK) {
                    attributes.put("assigned_variant", in.variant().id());
                }
            }
            case Assignment.HeldOut h -> attributes.put("holdout", h.experiment().id());
            case Assignment.None n -> { }
        }
        List<ChatMessage> prompt = RequestRewriter.prompt(call.request(), call.route().chat());
        String completion = c.text();
        if (!config.captureContent()) {
            prompt = List.of();
            completion = "";
        } else if (config.redactContent()) {
            prompt = prompt.stream().map(m -> new ChatMessage(m.role(), REDACTED)).toList();
            completion = REDACTED;
            attributes.put("redacted", "true");
        }
        double cost = (c.promptTokens() + c.completionTokens()) / 1000.0 * target.costPer1kTokens();
        String model = target.model().isBlank() ? "unknown" : target.model();
        return new InferenceEvent(call.requestId(), call.ts(), experimentId, variantId, stage,
                call.units().eventUnitId(), clipId(model), "", prompt, completion, c.finishReason(), c.promptTokens(),
                c.completionTokens(), ttftMs, latencyMs, cost, status, clipText(error), attributes);
    }

    private Assignment assign(UnitIds units, String override) {
        AssignmentTable t = currentTable();
        if (override == null || override.isBlank()) {
            return assigner.assign(t, units);
        }
        int colon = override.indexOf(':');
        if (colon <= 0 || colon == override.length() - 1) {
            throw ProxyException.invalid(ProxyHeaders.VARIANT, "must be <experiment_id>:<variant_id>, got '" + clipId(override) + "'");
        }
        try {
            return assigner.force(t, override.substring(0, colon).strip(), override.substring(colon + 1).strip());
        } catch (IllegalArgumentException e) {
            throw ProxyException.invalid(ProxyHeaders.VARIANT, e.getMessage());
        }
    }

    private AssignmentTable currentTable() {
        AssignmentTable t = table;
        long revision = store.revision();
        if (t.revision() != revision) {
            t = AssignmentTable.of(store.all(), revision);
            table = t;
        }
        return t;
    }

    /** Outside every experiment the client's bytes go to the default backend as they came. */
    private Target target(byte[] body, ObjectNode request, Assignment assignment, Route route) {
        return switch (assignment) {
            case Assignment.InExperiment in -> variantTarget(request, in.variant(), route);
            case Assignment.HeldOut h -> variantTarget(request, h.experiment().control(), route);
            case Assignment.None n -> new Target(config.defaultBackendUrl(), request.path("model").asText(""), body, null, 0.0);
        };
    }

    /** Control, when the assigned variant is a treatment (not forced) and fallback is on; otherwise null. */
    private Supplier<Target> fallbackTarget(ObjectNode request, Assignment assignment, Route route) {
        if (config.fallbackToControl() && assignment instanceof Assignment.InExperiment in && !in.forced()
                && !in.variant().id().equals(in.experiment().controlVariantId())) {
            return () -> variantTarget(request, in.experiment().control(), route);
        }
        return null;
    }

    private Target variantTarget(ObjectNode request, Variant v, Route route) {
        return new Target(v.backendUrl(), v.model(), bytes(rewriter.apply(request, v, route.chat())), v, v.costPer1kTokens());
    }

    private static Map<String, String> responseHeaders(String requestId, Assignment assignment) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(ProxyHeaders.REQUEST_ID, requestId);
        switch (assignment) {
            case Assignment.InExperiment in -> {
                h.put(ProxyHeaders.EXPERIMENT, in.experiment().id());
                h.put(ProxyHeaders.VARIANT, in.variant().id());
                h.put(ProxyHeaders.RAMP_STAGE, Integer.toString(in.rampStage()));
            }
            case Assignment.HeldOut ho -> h.put(ProxyHeaders.HOLDOUT, ho.experiment().id());
            case Assignment.None n -> { }
        }
        return h;
    }

    private static Map<String, String> withFallback(Map<String, String> headers, String fallbackReason) {
        if (fallbackReason == null) {
            return headers;
        }
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(ProxyHeaders.FALLBACK, "true");
        return h;
    }

    private ObjectNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ProxyException.invalid("$", "empty body: expected a JSON object");
        }
        if (body.length > config.maxRequestBytes()) {
            throw new ProxyException(413, "$", "invalid_request", "body is " + body.length + " bytes, over the limit of " + config.maxRequestBytes(), null);
        }
        try {
            JsonNode node = mapper.readTree(body);
            if (!(node instanceof ObjectNode o)) {
                throw ProxyException.invalid("$", "expected a JSON object");
            }
            return o;
        } catch (IOException e) {
            throw ProxyException.invalid("$", "malformed JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private String requestId(String given) {
        return given != null && isRequestId(given) ? given : requestIds.next();
    }

    /** {@code [A-Za-z0-9._:-]{1,128}}, without compiling a regex per request. */
    private static boolean isRequestId(String s) {
        int n = s.length();
        if (n == 0 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String checkedUnit(String value, String name) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > 256) {
            throw ProxyException.invalid(name, "must be at most 256 characters, got " + value.length());
        }
        return value;
    }

    /** Answers that send a treatment's request to control instead. */
    private static boolean failedStatus(int status) {
        return status >= 500 || status == 404 || status == 429;
    }

    private static boolean failedStream(Streamed resp, Throwable failure) {
        return failure != null || resp.status() != 200 && failedStatus(resp.status());
    }

    /** Why a backend call failed: {@code failure}, else the status of {@code resp} (null only with a failure). */
    private static String describe(Streamed resp, Throwable failure) {
        if (failure != null) {
            Throwable t = ProxyException.unwrap(failure);
            return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        }
        return "backend answered " + resp.status();
    }

    private static String join(String first, String second) {
        return first == null ? second : "treatment failed (" + first + "); control failed (" + second + ")";
    }

    private static ProxyException backendUnavailable(Target target, Throwable failure) {
        Throwable t = ProxyException.unwrap(failure);
        boolean timeout = t instanceof java.net.http.HttpTimeoutException;
        return new ProxyException(timeout ? 504 : 502, "backend", "backend_unavailable",
                "backend " + target.baseUrl() + " " + (timeout ? "timed out" : "failed: " + t.getClass().getSimpleName()), t);
    }

    private ProxyReply errorReply(ProxyException e, Map<String, String> headers) {
        return new ProxyReply.Whole(e.status(), "application/json", errorBody(e), headers);
    }

    /** {@code {"error": {"message", "field", "type"}}}. */
    public byte[] errorBody(ProxyException e) {
        ObjectNode root = mapper.createObjectNode();
        root.putObject("error").put("message", e.getMessage()).put("field", e.field()).put("type", e.type());
        return bytes(root);
    }

    private byte[] bytes(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode JSON", e);
        }
    }

    private static byte[] concatAll(List<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static String clipId(String s) {
        return s.length() <= 256 ? s : s.substring(0, 256);
    }

    private static String clipText(String s) {
        return s == null ? "" : s.length() <= 4096 ? s : s.substring(0, 4096);
    }
}

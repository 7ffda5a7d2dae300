package dev.flywheel.splitter.api;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.splitter.api.internal.ApiErrors;
import dev.flywheel.splitter.proxy.ProxyReply;
import dev.flywheel.splitter.proxy.ProxyService;
import dev.flywheel.splitter.proxy.Route;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.core.annotation.Nullable;
import java.util.concurrent.CompletableFuture;

/** The OpenAI-compatible proxy routes (client token); all work is in {@link ProxyService}. */
@Controller
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public final class ProxyController {
    private final ProxyService proxy;
    private final ApiErrors errors = new ApiErrors(EventCodec.newMapper());

    public ProxyController(ProxyService proxy) {
        this.proxy = proxy;
    }

    @Post(uri = "/v1/chat/completions", consumes = MediaType.ALL, produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    public CompletableFuture<MutableHttpResponse<?>> chat(HttpRequest<?> request, @Nullable @Body byte[] body) {
        return forward(Route.CHAT, request, body);
    }

    @Post(uri = "/v1/completions", consumes = MediaType.ALL, produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    public CompletableFuture<MutableHttpResponse<?>> completions(HttpRequest<?> request, @Nullable @Body byte[] body) {
        return forward(Route.COMPLETIONS, request, body);
    }

    @Get(uri = "/v1/models", produces = MediaType.APPLICATION_JSON)
    public CompletableFuture<MutableHttpResponse<?>> models() {
        return proxy.models().handle((reply, failure) -> failure == null ? toResponse(reply) : errors.of(failure));
    }

    private CompletableFuture<MutableHttpResponse<?>> forward(Route route, HttpRequest<?> request, byte[] body) {
        try {
            return proxy.complete(route, body, name -> request.getHeaders().get(name))
                    .handle((reply, failure) -> failure == null ? toResponse(reply) : errors.of(failure));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(errors.of(e));
        }
    }

    private static MutableHttpResponse<?> toResponse(ProxyReply reply) {
        MutableHttpResponse<?> response = switch (reply) {
            case ProxyReply.Whole w -> HttpResponse.status(HttpStatus.valueOf(w.status())).body(w.body())
                    .contentType(MediaType.of(w.contentType()));
            case ProxyReply.Stream s -> HttpResponse.ok(s.chunks()).contentType(MediaType.TEXT_EVENT_STREAM_TYPE)
                    .header("Cache-Control", "no-cache");
        };
        reply.headers().forEach(response::header);
        return response;
    }
}

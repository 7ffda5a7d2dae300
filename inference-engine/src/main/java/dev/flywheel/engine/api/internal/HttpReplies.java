package dev.flywheel.engine.api.internal;

import dev.flywheel.engine.api.ApiException;
import dev.flywheel.engine.api.CompletionService;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns service replies and failures into HTTP responses (OpenAI error bodies, Retry-After on 429/503). */
public final class HttpReplies {
    private static final Logger LOG = LoggerFactory.getLogger(HttpReplies.class);

    private final ResponseWriter writer;

    public HttpReplies(ResponseWriter writer) {
        this.writer = writer;
    }

    public MutableHttpResponse<?> reply(CompletionService.Reply reply) {
        return switch (reply) {
            case CompletionService.Reply.Json json -> HttpResponse.ok(json.body()).contentType(MediaType.APPLICATION_JSON_TYPE);
            case CompletionService.Reply.Stream stream -> HttpResponse.ok(stream.chunks())
                    .contentType(MediaType.TEXT_EVENT_STREAM_TYPE)
                    .header("Cache-Control", "no-cache");
        };
    }

    public MutableHttpResponse<String> error(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        ApiException e = t instanceof ApiException api ? api : ApiException.internal("internal error: " + t, t);
        if (e.status() >= 500) {
            LOG.error("request failed: {}", e.getMessage(), e.getCause() == null ? e : e.getCause());
        }
        MutableHttpResponse<String> response = HttpResponse.<String>status(HttpStatus.valueOf(e.status()))
                .body(writer.error(e))
                .contentType(MediaType.APPLICATION_JSON_TYPE);
        if (e.retryAfterSeconds() != null) {
            response.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
        }
        return response;
    }
}

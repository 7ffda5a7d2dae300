package dev.flywheel.engine.api;

import dev.flywheel.engine.api.internal.HttpReplies;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** OpenAI-compatible endpoints and vLLM's adapter endpoints; parsing and work live in the services. */
@Controller
@Requires(property = "flywheel.engine.enabled", notEquals = "false")
public final class OpenAiController {
    private final CompletionService completions;
    private final ModelService models;
    private final HttpReplies replies;

    public OpenAiController(CompletionService completions, ModelService models) {
        this.completions = completions;
        this.models = models;
        this.replies = new HttpReplies(completions.writer());
    }

    @Post(uri = "/v1/completions", consumes = MediaType.ALL, produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    public CompletableFuture<HttpResponse<?>> completions(@Body String body) {
        return generate(() -> completions.complete(body, false));
    }

    @Post(uri = "/v1/chat/completions", consumes = MediaType.ALL, produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    public CompletableFuture<HttpResponse<?>> chatCompletions(@Body String body) {
        return generate(() -> completions.complete(body, true));
    }

    @Get(uri = "/v1/models", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> listModels() {
        return HttpResponse.ok(models.list());
    }

    @Post(uri = "/v1/load_lora_adapter", consumes = MediaType.ALL, produces = MediaType.TEXT_PLAIN)
    public HttpResponse<String> loadLoraAdapter(@Body String body) {
        return plain(() -> models.load(body));
    }

    @Post(uri = "/v1/unload_lora_adapter", consumes = MediaType.ALL, produces = MediaType.TEXT_PLAIN)
    public HttpResponse<String> unloadLoraAdapter(@Body String body) {
        return plain(() -> models.unload(body));
    }

    private CompletableFuture<HttpResponse<?>> generate(Supplier<CompletableFuture<CompletionService.Reply>> call) {
        try {
            return call.get().handle((reply, failure) -> failure == null ? replies.reply(reply) : replies.error(failure));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(replies.error(e));
        }
    }

    private HttpResponse<String> plain(Supplier<String> call) {
        try {
            return HttpResponse.ok(call.get());
        } catch (RuntimeException e) {
            return replies.error(e);
        }
    }
}

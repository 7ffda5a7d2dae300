package dev.flywheel.ingest.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.ingest.config.IngestConfig;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * {@code POST /v1/feedback} (client token). Thin: hands the raw body to {@link FeedbackService} and renders its
 * outcome. Single event: 202 {@code {"event_id", "status": "accepted"}}, 400/413 with the field, 503 with
 * Retry-After. Batch: 200 with per-item results, or 503 with them when Kafka did not acknowledge some.
 * Runs on the blocking pool because it waits for Kafka's acknowledgement.
 */
@Controller
@Requires(property = "flywheel.ingest.enabled", notEquals = "false")
public final class FeedbackController {
    private final FeedbackService service;
    private final ObjectMapper mapper = EventCodec.newMapper();
    private final long retryAfterSeconds;

    public FeedbackController(FeedbackService service, IngestConfig config) {
        this.service = service;
        this.retryAfterSeconds = Math.max(1, config.retryAfter().toSeconds());
    }

    @Post(uri = "/v1/feedback", consumes = {MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN}, produces = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<String> post(@Body byte[] body, @Nullable @Header("Idempotency-Key") String idempotencyKey) {
        return switch (service.submit(body, idempotencyKey)) {
            case FeedbackResponse.Invalid invalid -> json(HttpStatus.valueOf(invalid.status()), error(invalid.field(), invalid.message()));
            case FeedbackResponse.Single single -> switch (single.result()) {
                case ItemResult.Accepted a -> json(HttpStatus.ACCEPTED, mapper.createObjectNode().put("event_id", a.eventId()).put("status", "accepted"));
                case ItemResult.Rejected r -> json(HttpStatus.valueOf(r.status()), error(r.field(), r.message()));
                case ItemResult.Unavailable u -> unavailable(error("$", u.message()).put("event_id", u.eventId()));
            };
            case FeedbackResponse.Batch batch -> {
                ObjectNode out = mapper.createObjectNode();
                ArrayNode results = out.putArray("results");
                int accepted = 0, rejected = 0, unavailable = 0;
                for (ItemResult r : batch.results()) {
                    ObjectNode item = results.addObject().put("index", r.index());
                    switch (r) {
                        case ItemResult.Accepted a -> { item.put("status", "accepted").put("event_id", a.eventId()); accepted++; }
                        case ItemResult.Rejected x -> {
                            item.put("status", "rejected").put("code", x.status());
                            item.set("error", errorDetail(x.field(), x.message()));
                            rejected++;
                        }
                        case ItemResult.Unavailable u -> {
                            item.put("status", "unavailable").put("event_id", u.eventId()).put("message", u.message());
                            unavailable++;
                        }
                    }
                }
                out.put("accepted", accepted).put("rejected", rejected).put("unavailable", unavailable);
                yield batch.anyUnavailable() ? unavailable(out) : json(HttpStatus.OK, out);
            }
        };
    }

    private HttpResponse<String> unavailable(ObjectNode body) {
        return HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", Long.toString(retryAfterSeconds))
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(body.toString());
    }

    private static HttpResponse<String> json(HttpStatus status, ObjectNode body) {
        return HttpResponse.<String>status(status).contentType(MediaType.APPLICATION_JSON_TYPE).body(body.toString());
    }

    private ObjectNode error(String field, String message) {
        ObjectNode root = mapper.createObjectNode();
        root.set("error", errorDetail(field, message));
        return root;
    }

    private ObjectNode errorDetail(String field, String message) {
        return mapper.createObjectNode().put("message", message).put("field", field).put("type", "invalid_request");
    }
}

package dev.flywheel.eval.api;

import dev.flywheel.eval.datasets.Dataset;
import dev.flywheel.eval.datasets.DatasetParser;
import dev.flywheel.eval.datasets.DatasetStore;
import dev.flywheel.eval.internal.EvalConfig;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import java.time.Clock;
import java.util.Map;

/**
 * Datasets: {@code PUT /v1/datasets/{id}} with a JSONL body (admin; 201 new, 200 identical re-upload, 409 other
 * content under a used id); {@code GET /v1/datasets/{id}} returns the header (client).
 */
@Controller("/v1/datasets")
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public final class DatasetController {
    private final DatasetParser parser;
    private final DatasetStore store;
    private final ApiResponses responses;
    private final Clock clock;
    private final int maxBytes;

    public DatasetController(DatasetParser parser, DatasetStore store, ApiResponses responses, Clock clock, EvalConfig config) {
        this.parser = parser;
        this.store = store;
        this.responses = responses;
        this.clock = clock;
        this.maxBytes = config.maxDatasetBytes();
    }

    @Put("/{id}")
    @Consumes({MediaType.ALL})
    public HttpResponse<String> upload(@PathVariable String id, @Nullable @QueryValue String description, @Body byte[] body) {
        return responses.handle(() -> {
            if (body == null || body.length == 0) {
                return responses.error(400, "the body must be JSONL: one {\"messages\": [...], \"reference\": ...} per line", "$", "invalid_request");
            }
            if (body.length > maxBytes) {
                return responses.error(413, "dataset is " + body.length + " bytes, over the limit of " + maxBytes, "$", "too_large");
            }
            Dataset d = parser.parse(id, description, body, clock.millis());
            boolean created = store.save(d);
            return responses.json(created ? 201 : 200, Map.of("dataset_id", d.id(), "items", d.items().size(), "checksum", d.checksum(),
                    "created", created));
        });
    }

    @Get("/{id}")
    public HttpResponse<String> get(@PathVariable String id) {
        return responses.handle(() -> store.header(id)
                .map(h -> responses.json(200, h))
                .orElseGet(() -> responses.error(404, "no dataset '" + id + "'", "dataset_id", "not_found")));
    }
}

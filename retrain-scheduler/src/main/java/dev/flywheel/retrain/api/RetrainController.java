package dev.flywheel.retrain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.retrain.policy.InvalidPolicyException;
import dev.flywheel.retrain.policy.PolicyJson;
import dev.flywheel.retrain.policy.PolicyStore;
import dev.flywheel.retrain.policy.RetrainPolicy;
import dev.flywheel.retrain.runs.PolicyNotFoundException;
import dev.flywheel.retrain.runs.RetrainService;
import dev.flywheel.retrain.runs.RunConflictException;
import dev.flywheel.retrain.runs.RunJson;
import dev.flywheel.retrain.runs.RunRecord;
import dev.flywheel.retrain.runs.RunStoreException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;

import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * {@code POST /retrain-runs {"policy_id": "..."}} starts a run now (admin; 202 with the queued run, 409 when a run of
 * the same base model is in progress); {@code GET /retrain-runs} and {@code GET /retrain-runs/{id}} watch them;
 * {@code POST /retrain-policies} (admin) adds or replaces a policy, {@code GET /retrain-policies} lists them.
 */
@Controller
@Requires(property = "flywheel.retrain.enabled", notEquals = "false")
public final class RetrainController {
    private final RetrainService runs;
    private final PolicyStore policies;
    private final PolicyJson policyJson;
    private final RunJson runJson;
    private final ObjectMapper mapper;

    public RetrainController(RetrainService runs, PolicyStore policies, @jakarta.inject.Named("retrain") ObjectMapper retrainMapper) {
        this.runs = runs;
        this.policies = policies;
        this.mapper = retrainMapper;
        this.policyJson = new PolicyJson(retrainMapper);
        this.runJson = new RunJson(retrainMapper);
    }

    @Post(uri = "/retrain-runs", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> start(@Nullable @Body byte[] body) {
        return handle(202, () -> {
            JsonNode n = parse(body);
            JsonNode id = n.get("policy_id");
            if (id == null || !id.isTextual() || id.asText().isBlank()) {
                throw new InvalidPolicyException("policy_id", "is required (a string naming a retrain policy)");
            }
            return runJson.toJson(runs.start(id.asText(), "api"));
        });
    }

    @Get(uri = "/retrain-runs", produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> list() {
        return handle(200, () -> {
            ObjectNode out = mapper.createObjectNode();
            ArrayNode arr = out.putArray("runs");
            for (RunRecord r : runs.list()) {
                arr.add(runJson.toJson(r));
            }
            return out;
        });
    }

    @Get(uri = "/retrain-runs/{id}", produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> get(@PathVariable String id) {
        return handle(200, () -> runJson.toJson(runs.get(id).orElseThrow(() -> new NotFound("no retrain run '" + id + "'"))));
    }

    @Post(uri = "/retrain-policies", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> putPolicy(@Nullable @Body byte[] body) {
        return handle(201, () -> {
            RetrainPolicy p = policyJson.parse(parse(body));
            policies.put(p);
            return policyJson.toJson(p);
        });
    }

    @Get(uri = "/retrain-policies", produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> listPolicies() {
        return handle(200, () -> {
            ObjectNode out = mapper.createObjectNode();
            ArrayNode arr = out.putArray("policies");
            policies.all().forEach(p -> arr.add(policyJson.toJson(p)));
            return out;
        });
    }

    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidPolicyException("$", "empty body: expected a JSON object");
        }
        try {
            JsonNode n = mapper.readTree(body);
            if (n == null || !n.isObject()) {
                throw new InvalidPolicyException("$", "expected a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new InvalidPolicyException("$", "malformed JSON: " + e.getMessage());
        }
    }

    private MutableHttpResponse<String> handle(int ok, Callable<JsonNode> action) {
        try {
            return HttpResponse.<String>status(io.micronaut.http.HttpStatus.valueOf(ok)).contentType(MediaType.APPLICATION_JSON)
                    .body(mapper.writeValueAsString(action.call()));
        } catch (InvalidPolicyException e) {
            return error(400, e.getMessage(), e.field(), "invalid_request");
        } catch (PolicyNotFoundException | NotFound e) {
            return error(404, e.getMessage(), "policy_id", "not_found");
        } catch (RunConflictException e) {
            return error(409, e.getMessage(), "policy_id", "conflict");
        } catch (RunStoreException e) {
            return error(503, e.getMessage(), "", "unavailable");
        } catch (Exception e) {
            return error(500, e.toString(), "", "internal");
        }
    }

    private MutableHttpResponse<String> error(int status, String message, String field, String type) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", message);
        err.put("field", field);
        err.put("type", type);
        return HttpResponse.<String>status(io.micronaut.http.HttpStatus.valueOf(status)).contentType(MediaType.APPLICATION_JSON)
                .body(root.toString());
    }
}

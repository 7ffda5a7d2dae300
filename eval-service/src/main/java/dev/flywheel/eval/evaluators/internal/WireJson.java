package dev.flywheel.eval.evaluators.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.eval.evaluators.EvalInput;
import java.util.List;

/** JSON shapes sent to outbound evaluator endpoints. */
final class WireJson {
    private WireJson() {}

    static ArrayNode messages(ObjectMapper mapper, List<ChatMessage> messages) {
        ArrayNode arr = mapper.createArrayNode();
        for (ChatMessage m : messages) {
            arr.addObject().put("role", m.role()).put("content", m.content());
        }
        return arr;
    }

    /** {request_id, experiment_id, variant_id, prompt: [{role, content}], completion, reference|null, attributes}. */
    static ObjectNode rewardRequest(ObjectMapper mapper, EvalInput in) {
        ObjectNode body = mapper.createObjectNode();
        body.put("request_id", in.requestId());
        body.put("experiment_id", in.experimentId());
        body.put("variant_id", in.variantId());
        body.set("prompt", messages(mapper, in.prompt()));
        body.put("completion", in.completion());
        if (in.hasReference()) {
            body.put("reference", in.reference());
        } else {
            body.putNull("reference");
        }
        ObjectNode attrs = body.putObject("attributes");
        in.attributes().forEach(attrs::put);
        return body;
    }
}

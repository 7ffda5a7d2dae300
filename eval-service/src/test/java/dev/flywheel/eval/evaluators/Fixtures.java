package dev.flywheel.eval.evaluators;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.eval.registry.DefinitionCodec;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/** Builds compiled evaluators from definition JSON, the way the registry does. */
public final class Fixtures {
    public static final DefinitionCodec CODEC = new DefinitionCodec();

    private Fixtures() {}

    public static EvaluatorBackends backends(Clock clock, Optional<EvaluatorBackends.OpenAiEndpoint> judge,
                                             Optional<EvaluatorBackends.OpenAiEndpoint> embeddings) {
        return new EvaluatorBackends(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), clock, 42L,
                CODEC.mapper(), judge, embeddings, Duration.ofMillis(200));
    }

    public static EvaluatorCompiler compiler() {
        return new EvaluatorCompiler(backends(Clock.systemUTC(), Optional.empty(), Optional.empty()));
    }

    public static JsonNode json(String s) {
        try {
            return CODEC.mapper().readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static EvaluatorDefinition definition(String json) {
        return CODEC.parseRequest(json(json), 1, 1_700_000_000_000L);
    }

    public static CompiledEvaluator compile(EvaluatorCompiler compiler, String json) {
        return compiler.compile(definition(json), ComponentResolver.NONE);
    }

    public static CompiledEvaluator compile(String json) {
        return compile(compiler(), json);
    }
}

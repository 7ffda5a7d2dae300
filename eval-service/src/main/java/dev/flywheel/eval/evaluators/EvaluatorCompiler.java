package dev.flywheel.eval.evaluators;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.flywheel.eval.evaluators.internal.BoundsEvaluator;
import dev.flywheel.eval.evaluators.internal.CompositeEvaluator;
import dev.flywheel.eval.evaluators.internal.EmbeddingEvaluator;
import dev.flywheel.eval.evaluators.internal.HttpEvaluator;
import dev.flywheel.eval.evaluators.internal.JsonEvaluator;
import dev.flywheel.eval.evaluators.internal.JudgeEvaluator;
import dev.flywheel.eval.evaluators.internal.NumericEvaluator;
import dev.flywheel.eval.evaluators.internal.RegexEvaluator;
import dev.flywheel.eval.evaluators.internal.ResilientHttp;
import dev.flywheel.eval.evaluators.internal.SimilarityEvaluator;
import dev.flywheel.eval.evaluators.internal.StringMatchEvaluator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import net.objecthunter.exp4j.Expression;
import net.objecthunter.exp4j.ExpressionBuilder;
import net.objecthunter.exp4j.ValidationResult;

/**
 * Turns a definition into a runnable {@link CompiledEvaluator}, doing every check that needs more than the
 * definition's own fields: the JSON Schema against its meta-schema, composite components against the resolver,
 * the formula against the component ids, the judge and embedding backends against the configuration. Every
 * failure is a {@link DefinitionException} naming the field.
 */
public final class EvaluatorCompiler {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> FORMULA_NAMES = Set.of("pi", "e", "π", "φ", "abs", "acos", "asin", "atan", "cbrt", "ceil",
            "cos", "cosh", "exp", "floor", "log", "log10", "log2", "sin", "sinh", "sqrt", "tan", "tanh", "signum", "log1p", "expm1");

    private final EvaluatorBackends backends;
    private final JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private final com.networknt.schema.JsonSchema metaSchema = schemas.getSchema(SchemaLocation.of(SchemaId.V202012));
    private final SplittableRandom seeds;

    public EvaluatorCompiler(EvaluatorBackends backends) {
        this.backends = backends;
        this.seeds = new SplittableRandom(backends.jitterSeed());
    }

    public CompiledEvaluator compile(EvaluatorDefinition def, ComponentResolver components) {
        return new CompiledEvaluator(def, implement(def.spec(), components));
    }

    private Evaluator implement(EvaluatorSpec spec, ComponentResolver components) {
        return switch (spec) {
            case EvaluatorSpec.StringMatch s -> new StringMatchEvaluator(s);
            case EvaluatorSpec.RegexMatch r -> new RegexEvaluator(r, backends.regexBudget());
            case EvaluatorSpec.JsonValid j -> new JsonEvaluator(null, j.allowFence());
            case EvaluatorSpec.JsonSchema j -> new JsonEvaluator(schema(j), j.allowFence());
            case EvaluatorSpec.NumericAnswer n -> new NumericEvaluator(n);
            case EvaluatorSpec.LengthBounds b -> new BoundsEvaluator(b);
            case EvaluatorSpec.LatencyBound b -> new BoundsEvaluator(b);
            case EvaluatorSpec.CostBound b -> new BoundsEvaluator(b);
            case EvaluatorSpec.EditDistance s -> new SimilarityEvaluator(s);
            case EvaluatorSpec.TokenF1 s -> new SimilarityEvaluator(s);
            case EvaluatorSpec.RougeL s -> new SimilarityEvaluator(s);
            case EvaluatorSpec.EmbeddingCosine e -> {
                var endpoint = backends.embeddings().orElseThrow(() -> new DefinitionException("type",
                        "embedding_cosine needs an embedding backend, and none is configured (flywheel.eval.embedding-base-url)"));
                String model = e.model() == null || e.model().isBlank() ? endpoint.model() : e.model();
                yield new EmbeddingEvaluator(endpoint.baseUrl(), model, endpoint.apiKey(),
                        http(Duration.ofSeconds(10), 2, Duration.ofMillis(100), 64, 5, Duration.ofSeconds(30)), backends.mapper());
            }
            case EvaluatorSpec.Http h -> new HttpEvaluator(h.url(), http(Duration.ofMillis(h.timeoutMs()), h.maxRetries(),
                    Duration.ofMillis(h.backoffMs()), h.maxConcurrency(), h.breakerFailures(), Duration.ofMillis(h.breakerOpenMs())),
                    backends.mapper());
            case EvaluatorSpec.LlmJudge j -> judge(j);
            case EvaluatorSpec.Composite c -> composite(c, components);
        };
    }

    private ResilientHttp http(Duration timeout, int retries, Duration backoff, int concurrency, int breakerFailures, Duration open) {
        long seed;
        synchronized (seeds) {
            seed = seeds.nextLong();
        }
        return new ResilientHttp(backends.httpClient(),
                new ResilientHttp.Policy(timeout, retries, backoff, concurrency, breakerFailures, open),
                backends.clock(), new SplittableRandom(seed));
    }

    private Evaluator judge(EvaluatorSpec.LlmJudge j) {
        var configured = backends.judge();
        if (j.baseUrl() == null && configured.isEmpty()) {
            throw new DefinitionException("config.base_url", "llm_judge needs a judge backend: set config.base_url or configure "
                    + "flywheel.eval.judge-base-url");
        }
        var base = j.baseUrl() != null ? j.baseUrl() : configured.get().baseUrl();
        String model = j.model() != null && !j.model().isBlank() ? j.model()
                : configured.map(EvaluatorBackends.OpenAiEndpoint::model).orElseThrow(() ->
                        new DefinitionException("config.model", "is required when no judge backend is configured"));
        String key = j.baseUrl() == null ? configured.get().apiKey() : "";
        return new JudgeEvaluator(j, base, model, key,
                http(Duration.ofMillis(j.timeoutMs()), j.maxRetries(), Duration.ofMillis(200), 32, 5, Duration.ofSeconds(30)),
                backends.mapper());
    }

    private com.networknt.schema.JsonSchema schema(EvaluatorSpec.JsonSchema spec) {
        JsonNode node = backends.mapper().valueToTree(spec.schema());
        rejectRemoteRefs(node, "config.schema");
        Set<ValidationMessage> problems = metaSchema.validate(node);
        if (!problems.isEmpty()) {
            throw new DefinitionException("config.schema", "is not a valid JSON Schema (2020-12): "
                    + problems.stream().limit(5).map(ValidationMessage::getMessage).collect(Collectors.joining("; ")));
        }
        try {
            return schemas.getSchema(node);
        } catch (RuntimeException e) {
            throw new DefinitionException("config.schema", "cannot be compiled: " + e.getMessage(), e);
        }
    }

    /** Only local "#..." references: a remote $ref would make the service fetch arbitrary URLs. */
    private static void rejectRemoteRefs(JsonNode node, String path) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals("$ref") && e.getValue().isTextual() && !e.getValue().asText().startsWith("#")) {
                    throw new DefinitionException(path + ".$ref", "only local references (#/...) are allowed, got '"
                            + e.getValue().asText() + "'");
                }
                rejectRemoteRefs(e.getValue(), path + "." + e.getKey());
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                rejectRemoteRefs(node.get(i), path + "[" + i + "]");
            }
        }
    }

    private Evaluator composite(EvaluatorSpec.Composite c, ComponentResolver components) {
        List<CompositeEvaluator.Part> parts = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < c.components().size(); i++) {
            EvaluatorSpec.Component comp = c.components().get(i);
            String field = "config.components[" + i + "]";
            if (comp.version() == null) {
                throw new DefinitionException(field + ".version", "must be pinned before compiling (the registry pins the latest)");
            }
            if (!ids.add(comp.evaluator())) {
                throw new DefinitionException(field + ".evaluator", "evaluator '" + comp.evaluator() + "' is listed twice");
            }
            CompiledEvaluator ce = components.find(comp.evaluator(), comp.version()).orElseThrow(() ->
                    new DefinitionException(field + ".evaluator", "unknown evaluator '" + comp.evaluator() + "' version " + comp.version()));
            parts.add(new CompositeEvaluator.Part(ce, comp.weight()));
        }
        Expression formula = null;
        if (c.mode().equals("formula")) {
            Matcher m = IDENTIFIER.matcher(c.formula());
            while (m.find()) {
                String name = m.group();
                if (!ids.contains(name) && !FORMULA_NAMES.contains(name)) {
                    throw new DefinitionException("config.formula", "references unknown evaluator '" + name
                            + "' (list it in config.components)");
                }
            }
            try {
                formula = new ExpressionBuilder(c.formula()).variables(ids).build();
            } catch (RuntimeException e) {
                throw new DefinitionException("config.formula", "cannot be parsed: " + e.getMessage(), e);
            }
            ValidationResult v = formula.validate(false);
            if (!v.isValid()) {
                throw new DefinitionException("config.formula", "is invalid: " + String.join("; ", v.getErrors()));
            }
        }
        return new CompositeEvaluator(parts, formula);
    }
}

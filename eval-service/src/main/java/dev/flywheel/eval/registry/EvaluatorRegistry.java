package dev.flywheel.eval.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.eval.evaluators.CompiledEvaluator;
import dev.flywheel.eval.evaluators.DefinitionException;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.EvaluatorCompiler;
import dev.flywheel.eval.evaluators.EvaluatorDefinition;
import dev.flywheel.eval.evaluators.EvaluatorSpec;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluator registry: create, add a version, list, get, test on a sample, disable/enable. Versions are
 * immutable from the moment they exist (scores record id and version, so a change is always a new version).
 * A composite's components are pinned to their latest versions when it is created, so a composite version always
 * computes the same thing. Writes go to the {@link RegistryStore} first and change the in-memory view only once
 * stored. Reads come from an immutable snapshot; {@link #refresh()} reloads it (other replicas' writes).
 */
public final class EvaluatorRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluatorRegistry.class);

    private final RegistryStore store;
    private final EvaluatorCompiler compiler;
    private final DefinitionCodec codec;
    private final Clock clock;
    private final Map<String, CompiledEvaluator> compiled = new ConcurrentHashMap<>(); // key: id@version
    private volatile Map<String, EvaluatorRecord> records = Map.of();

    public EvaluatorRegistry(RegistryStore store, EvaluatorCompiler compiler, DefinitionCodec codec, Clock clock) {
        this.store = store;
        this.compiler = compiler;
        this.codec = codec;
        this.clock = clock;
        refresh();
    }

    public DefinitionCodec codec() {
        return codec;
    }

    /** Reloads every record from the store. A stored version that no longer compiles is logged and left out of scoring. */
    public synchronized void refresh() {
        Map<String, EvaluatorRecord> loaded = new HashMap<>();
        for (EvaluatorRecord r : store.loadAll()) {
            EvaluatorRecord known = loaded.get(r.id());
            if (known == null || known.revision() < r.revision()) {
                loaded.put(r.id(), r);
            }
        }
        records = Map.copyOf(loaded);
    }

    public synchronized EvaluatorDefinition create(JsonNode body) {
        long now = clock.millis();
        EvaluatorDefinition def = codec.parseRequest(body, 1, now);
        if (records.containsKey(def.id())) {
            throw new EvaluatorConflictException(def.id(), "evaluator '" + def.id() + "' exists already (latest version "
                    + records.get(def.id()).latest().version() + "); POST /v1/evaluators/" + def.id() + "/versions to add a version");
        }
        def = prepare(def);
        EvaluatorRecord record = new EvaluatorRecord(def.id(), List.of(def), false, 1, now);
        commit(record);
        return def;
    }

    public synchronized EvaluatorDefinition addVersion(String id, JsonNode body) {
        EvaluatorRecord current = require(id);
        if (body != null && body.isObject() && !body.has("id")) {
            ((ObjectNode) body).put("id", id);
        }
        long now = clock.millis();
        EvaluatorDefinition def = codec.parseRequest(body, current.latest().version() + 1, now);
        if (!def.id().equals(id)) {
            throw new DefinitionException("id", "must be '" + id + "' (the evaluator in the path), got '" + def.id() + "'");
        }
        def = prepare(def);
        commit(current.withVersion(def, now));
        return def;
    }

    public synchronized EvaluatorRecord setDisabled(String id, boolean disabled) {
        EvaluatorRecord current = require(id);
        if (current.disabled() == disabled) {
            return current;
        }
        EvaluatorRecord next = current.withDisabled(disabled, clock.millis());
        commit(next);
        return next;
    }

    public List<EvaluatorRecord> list() {
        return records.values().stream().sorted(Comparator.comparing(EvaluatorRecord::id)).toList();
    }

    public Optional<EvaluatorRecord> get(String id) {
        return Optional.ofNullable(records.get(id));
    }

    /** The compiled evaluator for (id, version), or for the latest version when version is null. */
    public CompiledEvaluator evaluator(String id, Integer version) {
        EvaluatorRecord r = require(id);
        EvaluatorDefinition def = version == null ? r.latest() : r.version(version).orElseThrow(() ->
                new EvaluatorNotFoundException(id, "evaluator '" + id + "' has no version " + version + " (latest is "
                        + r.latest().version() + ")"));
        return compiled(def);
    }

    /** The latest version of every enabled evaluator that samples live traffic (rate > 0). */
    public List<CompiledEvaluator> activeForScoring() {
        List<CompiledEvaluator> out = new ArrayList<>();
        for (EvaluatorRecord r : list()) {
            if (!r.disabled() && r.latest().sampling().rate() > 0) {
                try {
                    out.add(compiled(r.latest()));
                } catch (DefinitionException e) {
                    LOG.error("evaluator {} no longer compiles and is not scoring: {}", r.latest().ref(), e.getMessage());
                }
            }
        }
        return out;
    }

    /** Runs one version on a sample without recording anything. */
    public EvalResult test(String id, Integer version, EvalInput sample) {
        return evaluator(id, version).evaluate(sample);
    }

    private EvaluatorRecord require(String id) {
        EvaluatorRecord r = records.get(id);
        if (r == null) {
            throw new EvaluatorNotFoundException(id, "no evaluator '" + id + "'");
        }
        return r;
    }

    private CompiledEvaluator compiled(EvaluatorDefinition def) {
        CompiledEvaluator ce = compiled.get(def.ref());
        if (ce == null) {
            // computeIfAbsent would recurse into the map for composites; a racing duplicate compile is harmless.
            ce = compiler.compile(def, (cid, v) -> get(cid).flatMap(r -> r.version(v)).map(this::compiled));
            CompiledEvaluator prev = compiled.putIfAbsent(def.ref(), ce);
            ce = prev == null ? ce : prev;
        }
        return ce;
    }

    /** Pins composite components, rejects cycles, and compiles (which validates everything else). */
    private EvaluatorDefinition prepare(EvaluatorDefinition def) {
        if (def.spec() instanceof EvaluatorSpec.Composite c) {
            List<EvaluatorSpec.Component> pinned = new ArrayList<>();
            for (int i = 0; i < c.components().size(); i++) {
                EvaluatorSpec.Component comp = c.components().get(i);
                String field = "config.components[" + i + "]";
                if (comp.evaluator().equals(def.id())) {
                    throw new DefinitionException(field + ".evaluator", "cycle: " + def.id() + " -> " + def.id());
                }
                EvaluatorRecord target = records.get(comp.evaluator());
                if (target == null) {
                    throw new DefinitionException(field + ".evaluator", "unknown evaluator '" + comp.evaluator() + "'");
                }
                int v = comp.version() == null ? target.latest().version() : comp.version();
                if (target.version(v).isEmpty()) {
                    throw new DefinitionException(field + ".version", "evaluator '" + comp.evaluator() + "' has no version " + v);
                }
                pinned.add(comp.pinned(v));
            }
            def = new EvaluatorDefinition(def.id(), def.version(), def.description(),
                    new EvaluatorSpec.Composite(c.mode(), pinned, c.formula()), def.passThreshold(), def.sampling(), def.createdAtMs());
            rejectCycles(def);
        }
        CompiledEvaluator ce = compiler.compile(def, (cid, v) -> get(cid).flatMap(r -> r.version(v)).map(this::compiled));
        compiled.put(def.ref(), ce);
        return def;
    }

    /** Depth-first walk over pinned component versions; reaching the new definition's id again is a cycle. */
    private void rejectCycles(EvaluatorDefinition root) {
        Deque<List<String>> paths = new ArrayDeque<>();
        Deque<EvaluatorDefinition> todo = new ArrayDeque<>();
        todo.push(root);
        paths.push(List.of(root.id()));
        while (!todo.isEmpty()) {
            EvaluatorDefinition d = todo.pop();
            List<String> path = paths.pop();
            if (!(d.spec() instanceof EvaluatorSpec.Composite c)) {
                continue;
            }
            for (EvaluatorSpec.Component comp : c.components()) {
                List<String> next = new ArrayList<>(path);
                next.add(comp.evaluator());
                if (comp.evaluator().equals(root.id()) || new LinkedHashSet<>(path).contains(comp.evaluator())) {
                    throw new DefinitionException("config.components", "cycle: " + String.join(" -> ", next));
                }
                EvaluatorRecord r = records.get(comp.evaluator());
                if (r != null && comp.version() != null) {
                    r.version(comp.version()).ifPresent(child -> {
                        todo.push(child);
                        paths.push(next);
                    });
                }
            }
        }
    }

    private void commit(EvaluatorRecord record) {
        try {
            store.save(record);
        } catch (RuntimeException notStored) {
            // prepare() compiled the new version under its ref (id@version); that ref may yet name another writer's
            // definition, which must not be scored with this one.
            compiled.remove(record.latest().ref());
            if (notStored instanceof EvaluatorConflictException) {
                refresh(); // another replica's change won: show it from now on, so a retry builds on it
            }
            throw notStored;
        }
        Map<String, EvaluatorRecord> next = new HashMap<>(records);
        next.put(record.id(), record);
        records = Map.copyOf(next);
        LOG.info("evaluator {} now at version {} (revision {}, disabled={})", record.id(), record.latest().version(),
                record.revision(), record.disabled());
    }

    /** The JSON form of a record (for the API). */
    public ObjectNode toJson(EvaluatorRecord r) {
        return codec.toJson(r);
    }
}

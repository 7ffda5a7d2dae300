package dev.flywheel.splitter.experiments;

import dev.flywheel.splitter.experiments.internal.LayerSlices;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * Experiment lifecycle over an {@link ExperimentStore}. Every change is a compare-and-set on {@code version}: it reads
 * the current record, checks the transition is legal (else a non-retriable {@link ExperimentConflictException}, HTTP
 * 409), writes version + 1, and throws a retriable conflict if the record changed under it. The variants taking
 * {@code expectedVersion} also fail when the caller decided on a record that is no longer current.
 * Framework-free; thread-safe as far as the store is.
 */
public final class ExperimentService {
    private final ExperimentStore store;
    private final BackendProbe probe;
    private final Clock clock;
    private final RandomGenerator saltRandom;

    public ExperimentService(ExperimentStore store, BackendProbe probe, Clock clock, RandomGenerator saltRandom) {
        this.store = Objects.requireNonNull(store, "store");
        this.probe = Objects.requireNonNull(probe, "probe");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.saltRandom = Objects.requireNonNull(saltRandom, "saltRandom");
    }

    public List<Experiment> list() {
        return store.all();
    }

    public Optional<Experiment> get(String id) {
        return store.get(id);
    }

    /** Creates a DRAFT (version 1). 409 if the id exists; 400 if the layer's running experiments leave too little traffic. */
    public Experiment create(ExperimentDefinition definition) {
        long now = clock.millis();
        Experiment draft = definition.toDraft(newSalt(), 1, now, now);
        store.get(draft.id()).ifPresent(e -> {
            throw new ExperimentConflictException(e.id(), e.version(), false, "already exists (status " + e.status().wire() + ")");
        });
        LayerSlices.checkCapacity(draft, store.all());
        return store.write(draft, "create");
    }

    /** Replaces the definition of a DRAFT; the salt is kept unless the definition names one. */
    public Experiment update(String id, ExperimentDefinition definition, OptionalLong expectedVersion) {
        if (!id.equals(definition.id())) {
            throw new InvalidExperimentException("id", "must match the path id '" + id + "', got '" + definition.id() + "'");
        }
        Experiment current = current(id, expectedVersion);
        if (current.status() != ExperimentStatus.DRAFT) {
            throw illegal(current, "update (only a draft can be edited)");
        }
        Experiment next = definition.toDraft(current.salt(), current.version() + 1, current.createdAt(),
                Math.max(clock.millis(), current.updatedAt()));
        LayerSlices.checkCapacity(next, store.all());
        return store.write(next, "update");
    }

    /** DRAFT → RUNNING at stage 0: checks every variant's backend answers and takes a free slice of the layer. */
    public Experiment start(String id, String reason) {
        return start(id, OptionalLong.empty(), reason);
    }

    public Experiment start(String id, OptionalLong expectedVersion, String reason) {
        Experiment current = current(id, expectedVersion);
        if (current.status() != ExperimentStatus.DRAFT) {
            throw illegal(current, "start");
        }
        for (int i = 0; i < current.variants().size(); i++) {
            Variant v = current.variants().get(i);
            try {
                probe.check(v);
            } catch (BackendProbe.BackendUnreachableException e) {
                throw new InvalidExperimentException("variants[" + i + "].backend_url",
                        "backend of variant '" + v.id() + "' is unreachable: " + e.getMessage(), e);
            }
        }
        int offset = LayerSlices.freeOffset(current, store.all());
        return write(current.transitioned(ExperimentStatus.RUNNING, 0, current.controlVariantId(), offset, clock.millis()), reason);
    }

    /** RUNNING → RUNNING at the next stage; 409 at the last stage (promote instead). */
    public Experiment advance(String id, String reason) {
        return advance(id, OptionalLong.empty(), reason);
    }

    public Experiment advance(String id, OptionalLong expectedVersion, String reason) {
        Experiment current = current(id, expectedVersion);
        if (current.status() != ExperimentStatus.RUNNING) {
            throw illegal(current, "advance");
        }
        if (current.stageIndex() + 1 >= current.rampPlan().size()) {
            throw new ExperimentConflictException(id, current.version(), false,
                    "is at its last ramp stage (" + current.rampPlan().getLast().percent() + " %): promote or roll back");
        }
        return write(current.transitioned(ExperimentStatus.RUNNING, current.stageIndex() + 1, current.controlVariantId(),
                current.layerOffset(), clock.millis()), reason);
    }

    /** RUNNING → PAUSED: the split freezes (units keep their arm), the ramp stops. */
    public Experiment pause(String id, String reason) {
        return pause(id, OptionalLong.empty(), reason);
    }

    public Experiment pause(String id, OptionalLong expectedVersion, String reason) {
        return changeStatus(id, expectedVersion, "pause", java.util.EnumSet.of(ExperimentStatus.RUNNING), ExperimentStatus.PAUSED, reason);
    }

    /** PAUSED → RUNNING at the same stage. */
    public Experiment resume(String id, String reason) {
        return resume(id, OptionalLong.empty(), reason);
    }

    public Experiment resume(String id, OptionalLong expectedVersion, String reason) {
        return changeStatus(id, expectedVersion, "resume", java.util.EnumSet.of(ExperimentStatus.PAUSED), ExperimentStatus.RUNNING, reason);
    }

    /** RUNNING|PAUSED → ROLLED_BACK: every unit of the experiment goes to control at once. */
    public Experiment rollback(String id, String reason) {
        return rollback(id, OptionalLong.empty(), reason);
    }

    public Experiment rollback(String id, OptionalLong expectedVersion, String reason) {
        return changeStatus(id, expectedVersion, "rollback", java.util.EnumSet.of(ExperimentStatus.RUNNING, ExperimentStatus.PAUSED),
                ExperimentStatus.ROLLED_BACK, reason);
    }

    /** A transition that only changes the status (same stage, control and layer slice), allowed from {@code from}. */
    private Experiment changeStatus(String id, OptionalLong expectedVersion, String action, java.util.Set<ExperimentStatus> from,
                                    ExperimentStatus to, String reason) {
        Experiment current = current(id, expectedVersion);
        if (!from.contains(current.status())) {
            throw illegal(current, action);
        }
        return write(current.transitioned(to, current.stageIndex(), current.controlVariantId(), current.layerOffset(),
                clock.millis()), reason);
    }

    /** RUNNING|PAUSED → PROMOTED with the only treatment as the new control (400 if there are several: name one). */
    public Experiment promote(String id, String reason) {
        return promote(id, null, OptionalLong.empty(), reason);
    }

    /** RUNNING|PAUSED → PROMOTED: {@code variantId} (a treatment; null = the only one) becomes the control for every unit. */
    public Experiment promote(String id, String variantId, OptionalLong expectedVersion, String reason) {
        Experiment current = current(id, expectedVersion);
        if (current.status() != ExperimentStatus.RUNNING && current.status() != ExperimentStatus.PAUSED) {
            throw illegal(current, "promote");
        }
        String winner = variantId;
        if (winner == null) {
            List<Variant> treatments = current.treatments();
            if (treatments.size() != 1) {
                throw new InvalidExperimentException("variant_id", "is required: the experiment has " + treatments.size()
                        + " treatments " + treatments.stream().map(Variant::id).toList());
            }
            winner = treatments.getFirst().id();
        } else if (current.variant(winner).isEmpty() || winner.equals(current.controlVariantId())) {
            throw new InvalidExperimentException("variant_id", "must name a treatment of the experiment, got '" + winner + "'");
        }
        return write(current.transitioned(ExperimentStatus.PROMOTED, current.stageIndex(), winner,
                current.layerOffset(), clock.millis()), reason);
    }

    /** DRAFT|PAUSED|ROLLED_BACK|PROMOTED → ARCHIVED: the experiment releases its layer slice and takes no traffic. */
    public Experiment archive(String id, String reason) {
        return archive(id, OptionalLong.empty(), reason);
    }

    public Experiment archive(String id, OptionalLong expectedVersion, String reason) {
        Experiment current = current(id, expectedVersion);
        if (current.status() == ExperimentStatus.RUNNING || current.status() == ExperimentStatus.ARCHIVED) {
            throw illegal(current, "archive" + (current.status() == ExperimentStatus.RUNNING ? " (pause, roll back or promote it first)" : ""));
        }
        return write(current.transitioned(ExperimentStatus.ARCHIVED, current.stageIndex(), current.controlVariantId(),
                -1, clock.millis()), reason);
    }

    private Experiment current(String id, OptionalLong expectedVersion) {
        Experiment current = store.get(id).orElseThrow(() -> new ExperimentNotFoundException(id));
        if (expectedVersion.isPresent() && expectedVersion.getAsLong() != current.version()) {
            throw new ExperimentConflictException(id, current.version(), true,
                    "expected version " + expectedVersion.getAsLong() + " but the current version is " + current.version());
        }
        return current;
    }

    private Experiment write(Experiment next, String reason) {
        return store.write(next, reason == null ? "" : reason);
    }

    private static ExperimentConflictException illegal(Experiment e, String action) {
        return new ExperimentConflictException(e.id(), e.version(), false,
                "cannot " + action + " an experiment that is " + e.status().wire());
    }

    private String newSalt() {
        byte[] bytes = new byte[8];
        saltRandom.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}

package dev.flywheel.ingest.internal;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.ingest.batching.RowBuffer;
import java.util.List;

/** {@code llm.scores.v1} → {@code score_events} (V001). passed is NULL when the evaluator has no threshold. */
public record ScoreRows(EventCodec codec) implements RowEncoder, JsonStream.Reference {
    private static final List<String> COLUMNS = List.of("event_id", "ts", "ts_ms", "request_id", "experiment_id", "variant_id",
            "evaluator_id", "evaluator_version", "score", "passed", "status", "detail", "latency_ms");

    @Override
    public String table() {
        return "score_events";
    }

    @Override
    public List<String> columns() {
        return COLUMNS;
    }

    /**
     * The one-pass decoder ({@link ScoreStream}) when it accepts the event, else the reference path
     * ({@link #appendDecoded}), which also gives every rejection its reason.
     */
    @Override
    public long append(byte[] key, byte[] value, long recordTimestamp, RowBuffer out) {
        return JsonStream.appendEither(ScoreStream::append, codec, value, out, this);
    }

    /**
     * The reference path: {@link EventCodec#decode} into the contract record (its constructor validates), then the
     * row from the record. Kept as the scalar reference the one-pass decoder is tested against.
     */
    @Override
    public long appendDecoded(byte[] value, RowBuffer out) {
        ScoreEvent e = codec.decode(value, ScoreEvent.class);
        Tsv.string(out, e.eventId()); Tsv.tab(out);
        Tsv.dateTime(out, e.ts()); Tsv.tab(out);
        Tsv.integer(out, e.ts()); Tsv.tab(out);
        Tsv.string(out, e.requestId()); Tsv.tab(out);
        Tsv.string(out, e.experimentId()); Tsv.tab(out);
        Tsv.string(out, e.variantId()); Tsv.tab(out);
        Tsv.string(out, e.evaluatorId()); Tsv.tab(out);
        Tsv.integer(out, e.evaluatorVersion()); Tsv.tab(out);
        Tsv.decimal(out, Double.isFinite(e.score()) ? e.score() : 0.0); Tsv.tab(out);
        if (e.passed() == null) {
            Tsv.nullValue(out);
        } else {
            Tsv.integer(out, e.passed() ? 1 : 0);
        }
        Tsv.tab(out);
        Tsv.string(out, e.status().wire()); Tsv.tab(out);
        Tsv.string(out, e.detail()); Tsv.tab(out);
        Tsv.decimal(out, e.latencyMs());
        Tsv.newline(out);
        return e.ts();
    }
}

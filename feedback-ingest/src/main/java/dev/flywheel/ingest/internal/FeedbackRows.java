package dev.flywheel.ingest.internal;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.FeedbackEvent;
import dev.flywheel.ingest.batching.RowBuffer;
import java.util.List;

/** {@code llm.feedback.v1} → {@code feedback_events} (V001). value is NULL for comments. */
public record FeedbackRows(EventCodec codec) implements RowEncoder, JsonStream.Reference {
    private static final List<String> COLUMNS = List.of("event_id", "ts", "ts_ms", "request_id", "unit_id", "kind", "value",
            "comment", "attributes");

    @Override
    public String table() {
        return "feedback_events";
    }

    @Override
    public List<String> columns() {
        return COLUMNS;
    }

    /**
     * The one-pass decoder ({@link FeedbackStream}) when it accepts the event, else the reference path
     * ({@link #appendDecoded}), which also gives every rejection its reason.
     */
    @Override
    public long append(byte[] key, byte[] value, long recordTimestamp, RowBuffer out) {
        return JsonStream.appendEither(FeedbackStream::append, codec, value, out, this);
    }

    /**
     * The reference path: {@link EventCodec#decode} into the contract record (its constructor validates), then the
     * row from the record. Kept as the scalar reference the one-pass decoder is tested against.
     */
    @Override
    public long appendDecoded(byte[] value, RowBuffer out) {
        FeedbackEvent e = codec.decode(value, FeedbackEvent.class);
        String attributes = JsonText.attributes(e.attributes());
        Tsv.string(out, e.eventId()); Tsv.tab(out);
        Tsv.dateTime(out, e.ts()); Tsv.tab(out);
        Tsv.integer(out, e.ts()); Tsv.tab(out);
        Tsv.string(out, e.requestId()); Tsv.tab(out);
        Tsv.string(out, e.unitId()); Tsv.tab(out);
        Tsv.string(out, e.kind().wire()); Tsv.tab(out);
        if (e.value() == null) {
            Tsv.nullValue(out);
        } else {
            Tsv.decimal(out, e.value());
        }
        Tsv.tab(out);
        Tsv.string(out, e.comment()); Tsv.tab(out);
        Tsv.string(out, attributes);
        Tsv.newline(out);
        return e.ts();
    }
}

package dev.flywheel.ingest.internal;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.ingest.batching.RowBuffer;
import java.util.List;

/** {@code llm.inference.v1} → {@code inference_events} (V001). prompt and attributes are stored as JSON text. */
public record InferenceRows(EventCodec codec) implements RowEncoder, JsonStream.Reference {
    private static final List<String> COLUMNS = List.of("event_id", "ts", "ts_ms", "experiment_id", "variant_id", "ramp_stage",
            "unit_id", "model", "adapter_id", "prompt", "completion", "finish_reason", "prompt_tokens", "completion_tokens",
            "ttft_ms", "latency_ms", "cost", "status", "error", "attributes");

    @Override
    public String table() {
        return "inference_events";
    }

    @Override
    public List<String> columns() {
        return COLUMNS;
    }

    /**
     * The one-pass decoder ({@link InferenceStream}) when it accepts the event, else the reference path
     * ({@link #appendDecoded}), which also gives every rejection its reason.
     */
    @Override
    public long append(byte[] key, byte[] value, long recordTimestamp, RowBuffer out) {
        return JsonStream.appendEither(InferenceStream::append, codec, value, out, this);
    }

    /**
     * The reference path: {@link EventCodec#decode} into the contract record (its constructor validates), then the
     * row from the record. Kept as the scalar reference the one-pass decoder is tested against.
     */
    @Override
    public long appendDecoded(byte[] value, RowBuffer out) {
        InferenceEvent e = codec.decode(value, InferenceEvent.class);
        String prompt = JsonText.prompt(e.prompt());
        String attributes = JsonText.attributes(e.attributes());
        Tsv.string(out, e.eventId()); Tsv.tab(out);
        Tsv.dateTime(out, e.ts()); Tsv.tab(out);
        Tsv.integer(out, e.ts()); Tsv.tab(out);
        Tsv.string(out, e.experimentId()); Tsv.tab(out);
        Tsv.string(out, e.variantId()); Tsv.tab(out);
        Tsv.integer(out, e.rampStage()); Tsv.tab(out);
        Tsv.string(out, e.unitId()); Tsv.tab(out);
        Tsv.string(out, e.model()); Tsv.tab(out);
        Tsv.string(out, e.adapterId()); Tsv.tab(out);
        Tsv.string(out, prompt); Tsv.tab(out);
        Tsv.string(out, e.completion()); Tsv.tab(out);
        Tsv.string(out, e.finishReason()); Tsv.tab(out);
        Tsv.integer(out, e.promptTokens()); Tsv.tab(out);
        Tsv.integer(out, e.completionTokens()); Tsv.tab(out);
        Tsv.decimal(out, e.ttftMs()); Tsv.tab(out);
        Tsv.decimal(out, e.latencyMs()); Tsv.tab(out);
        Tsv.decimal(out, e.cost()); Tsv.tab(out);
        Tsv.string(out, e.status().wire()); Tsv.tab(out);
        Tsv.string(out, e.error()); Tsv.tab(out);
        Tsv.string(out, attributes);
        Tsv.newline(out);
        return e.ts();
    }
}

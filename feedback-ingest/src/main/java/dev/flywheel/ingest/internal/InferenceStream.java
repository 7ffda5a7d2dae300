package dev.flywheel.ingest.internal;

import static dev.flywheel.ingest.internal.JsonStream.check;
import static dev.flywheel.ingest.internal.JsonStream.field;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.flywheel.ingest.batching.RowBuffer;
import java.io.IOException;
import java.util.Set;

/**
 * The one-pass decoder of {@code llm.inference.v1}: reads the event with Jackson's streaming parser (no tree, no
 * record), checks it like {@code InferenceEvent}'s constructor, and writes the {@link InferenceRows} row as it goes.
 * It takes the fields in the contract's order (the order {@code EventCodec.encode} writes; unknown fields anywhere
 * are skipped); anything else declines to the reference path (see {@link JsonStream}). Pinned byte for byte against
 * {@link InferenceRows#appendDecoded} by {@code StreamingRowsTest}.
 */
final class InferenceStream {
    private static final SerializedString EXPERIMENT_ID = new SerializedString("experiment_id");
    private static final SerializedString VARIANT_ID = new SerializedString("variant_id");
    private static final SerializedString RAMP_STAGE = new SerializedString("ramp_stage");
    private static final SerializedString UNIT_ID = new SerializedString("unit_id");
    private static final SerializedString MODEL = new SerializedString("model");
    private static final SerializedString ADAPTER_ID = new SerializedString("adapter_id");
    private static final SerializedString PROMPT = new SerializedString("prompt");
    private static final SerializedString COMPLETION = new SerializedString("completion");
    private static final SerializedString FINISH_REASON = new SerializedString("finish_reason");
    private static final SerializedString PROMPT_TOKENS = new SerializedString("prompt_tokens");
    private static final SerializedString COMPLETION_TOKENS = new SerializedString("completion_tokens");
    private static final SerializedString TTFT_MS = new SerializedString("ttft_ms");
    private static final SerializedString LATENCY_MS = new SerializedString("latency_ms");
    private static final SerializedString COST = new SerializedString("cost");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString ERROR = new SerializedString("error");
    private static final Set<String> KNOWN = Set.of("event_id", "ts", "experiment_id", "variant_id", "ramp_stage", "unit_id", "model",
            "adapter_id", "prompt", "completion", "finish_reason", "prompt_tokens", "completion_tokens", "ttft_ms", "latency_ms", "cost",
            "status", "error", "attributes");
    private static final byte[][] STATUSES = {JsonStream.ascii("ok"), JsonStream.ascii("error"), JsonStream.ascii("fallback")};

    private InferenceStream() {}

    /** Appends the row of {@code value} and returns its ts, or {@link JsonStream#DECLINED} (the row is then partial). */
    static long append(JsonFactory json, byte[] value, RowBuffer out) throws IOException {
        try (JsonParser p = json.createParser(value)) {
            long ts = JsonStream.begin(p, value, out, KNOWN);
            int experiment = JsonStream.idColumn(p, EXPERIMENT_ID, KNOWN, value, out, true);
            field(p, VARIANT_ID, KNOWN);
            int variant = JsonStream.id(p, value, out, true);
            check(experiment == 0 || variant > 0);
            Tsv.tab(out);
            field(p, RAMP_STAGE, KNOWN);
            int stage = JsonStream.int32(p);
            check(stage >= -1);
            Tsv.integer(out, stage); Tsv.tab(out);
            JsonStream.idColumn(p, UNIT_ID, KNOWN, value, out, false);
            JsonStream.idColumn(p, MODEL, KNOWN, value, out, false);
            JsonStream.idColumn(p, ADAPTER_ID, KNOWN, value, out, true);
            field(p, PROMPT, KNOWN);
            JsonStream.prompt(p, value, out);
            Tsv.tab(out);
            JsonStream.textColumn(p, COMPLETION, KNOWN, value, out);
            JsonStream.textColumn(p, FINISH_REASON, KNOWN, value, out);
            field(p, PROMPT_TOKENS, KNOWN);
            long promptTokens = JsonStream.int64(p);
            check(promptTokens >= 0);
            Tsv.integer(out, promptTokens); Tsv.tab(out);
            field(p, COMPLETION_TOKENS, KNOWN);
            long completionTokens = JsonStream.int64(p);
            check(completionTokens >= 0);
            Tsv.integer(out, completionTokens); Tsv.tab(out);
            field(p, TTFT_MS, KNOWN);
            Tsv.decimal(out, JsonStream.nonNegative(p)); Tsv.tab(out);
            field(p, LATENCY_MS, KNOWN);
            Tsv.decimal(out, JsonStream.nonNegative(p)); Tsv.tab(out);
            field(p, COST, KNOWN);
            Tsv.decimal(out, JsonStream.nonNegative(p)); Tsv.tab(out);
            field(p, STATUS, KNOWN);
            JsonStream.wire(p, out, STATUSES);
            Tsv.tab(out);
            JsonStream.textColumn(p, ERROR, KNOWN, value, out);
            JsonStream.attributesLast(p, KNOWN, out);
            return ts;
        } catch (JsonStream.Decline d) {
            return JsonStream.DECLINED;
        }
    }
}

package dev.flywheel.ingest.internal;

import static dev.flywheel.ingest.internal.JsonStream.check;
import static dev.flywheel.ingest.internal.JsonStream.field;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.flywheel.ingest.batching.RowBuffer;
import java.io.IOException;
import java.util.Set;

/**
 * The one-pass decoder of {@code llm.scores.v1} (see {@link InferenceStream}): checks like {@code ScoreEvent}, writes
 * the {@link ScoreRows} row. A score of {@code "NaN"} (how the codec writes an error's NaN score) is read as NaN, as
 * Jackson reads it for a double. Pinned against {@link ScoreRows#appendDecoded} by {@code StreamingRowsTest}.
 */
final class ScoreStream {
    private static final SerializedString REQUEST_ID = new SerializedString("request_id");
    private static final SerializedString EXPERIMENT_ID = new SerializedString("experiment_id");
    private static final SerializedString VARIANT_ID = new SerializedString("variant_id");
    private static final SerializedString EVALUATOR_ID = new SerializedString("evaluator_id");
    private static final SerializedString EVALUATOR_VERSION = new SerializedString("evaluator_version");
    private static final SerializedString SCORE = new SerializedString("score");
    private static final SerializedString PASSED = new SerializedString("passed");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString DETAIL = new SerializedString("detail");
    private static final SerializedString LATENCY_MS = new SerializedString("latency_ms");
    private static final Set<String> KNOWN = Set.of("event_id", "ts", "request_id", "experiment_id", "variant_id", "evaluator_id",
            "evaluator_version", "score", "passed", "status", "detail", "latency_ms");
    private static final int OK = 0;
    private static final byte[][] STATUSES = {JsonStream.ascii("ok"), JsonStream.ascii("error"), JsonStream.ascii("skipped")};

    private ScoreStream() {}

    /** Appends the row of {@code value} and returns its ts, or {@link JsonStream#DECLINED} (the row is then partial). */
    static long append(JsonFactory json, byte[] value, RowBuffer out) throws IOException {
        try (JsonParser p = json.createParser(value)) {
            long ts = JsonStream.begin(p, value, out, KNOWN);
            JsonStream.idColumn(p, REQUEST_ID, KNOWN, value, out, false);
            JsonStream.idColumn(p, EXPERIMENT_ID, KNOWN, value, out, true);
            JsonStream.idColumn(p, VARIANT_ID, KNOWN, value, out, true);
            JsonStream.idColumn(p, EVALUATOR_ID, KNOWN, value, out, false);
            field(p, EVALUATOR_VERSION, KNOWN);
            int version = JsonStream.int32(p);
            check(version >= 1);
            Tsv.integer(out, version); Tsv.tab(out);
            field(p, SCORE, KNOWN);
            double score;
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                check("NaN".equals(p.getText()));
                score = Double.NaN;
            } else {
                score = JsonStream.float64(p);
            }
            Tsv.decimal(out, Double.isFinite(score) ? score : 0.0); Tsv.tab(out);
            field(p, PASSED, KNOWN);
            JsonToken passed = p.currentToken();
            if (passed == JsonToken.VALUE_NULL) {
                Tsv.nullValue(out);
            } else {
                check(passed == JsonToken.VALUE_TRUE || passed == JsonToken.VALUE_FALSE);
                Tsv.integer(out, passed == JsonToken.VALUE_TRUE ? 1 : 0);
            }
            Tsv.tab(out);
            field(p, STATUS, KNOWN);
            int status = JsonStream.wire(p, out, STATUSES);
            check(status != OK || Double.isFinite(score));
            Tsv.tab(out);
            JsonStream.textColumn(p, DETAIL, KNOWN, value, out);
            field(p, LATENCY_MS, KNOWN);
            Tsv.decimal(out, JsonStream.nonNegative(p));
            Tsv.newline(out);
            JsonStream.end(p, KNOWN);
            return ts;
        } catch (JsonStream.Decline d) {
            return JsonStream.DECLINED;
        }
    }
}

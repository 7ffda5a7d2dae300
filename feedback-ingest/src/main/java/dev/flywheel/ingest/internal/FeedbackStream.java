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
 * The one-pass decoder of {@code llm.feedback.v1} (see {@link InferenceStream}): checks like {@code FeedbackEvent}
 * and {@code FeedbackKind.check}, writes the {@link FeedbackRows} row. Pinned against
 * {@link FeedbackRows#appendDecoded} by {@code StreamingRowsTest}.
 */
final class FeedbackStream {
    private static final SerializedString REQUEST_ID = new SerializedString("request_id");
    private static final SerializedString UNIT_ID = new SerializedString("unit_id");
    private static final SerializedString KIND = new SerializedString("kind");
    private static final SerializedString VALUE = new SerializedString("value");
    private static final SerializedString COMMENT = new SerializedString("comment");
    private static final Set<String> KNOWN = Set.of("event_id", "ts", "request_id", "unit_id", "kind", "value", "comment", "attributes");
    // Indexes into KINDS: the order of FeedbackKind's constants.
    private static final int THUMBS = 0, RATING = 1, CONVERSION = 2, METRIC = 3, COMMENT_KIND = 4;
    private static final byte[][] KINDS = {JsonStream.ascii("thumbs"), JsonStream.ascii("rating"),
            JsonStream.ascii("conversion"), JsonStream.ascii("metric"), JsonStream.ascii("comment")};

    private FeedbackStream() {}

    /** Appends the row of {@code value} and returns its ts, or {@link JsonStream#DECLINED} (the row is then partial). */
    static long append(JsonFactory json, byte[] value, RowBuffer out) throws IOException {
        try (JsonParser p = json.createParser(value)) {
            long ts = JsonStream.begin(p, value, out, KNOWN);
            JsonStream.idColumn(p, REQUEST_ID, KNOWN, value, out, false);
            JsonStream.idColumn(p, UNIT_ID, KNOWN, value, out, true);
            field(p, KIND, KNOWN);
            int kind = JsonStream.wire(p, out, KINDS);
            Tsv.tab(out);
            field(p, VALUE, KNOWN);
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                check(kind == COMMENT_KIND);
                Tsv.nullValue(out);
            } else {
                double v = JsonStream.float64(p);
                switch (kind) {
                    case THUMBS, CONVERSION -> check(v == 0.0 || v == 1.0);
                    case RATING -> check(v >= 1.0 && v <= 5.0);
                    case METRIC -> check(Double.isFinite(v));
                    default -> { } // a comment may carry any value
                }
                Tsv.decimal(out, v);
            }
            Tsv.tab(out);
            field(p, COMMENT, KNOWN);
            boolean blank = JsonStream.textBlank(p, value, out);
            check(kind != COMMENT_KIND || !blank);
            Tsv.tab(out);
            JsonStream.attributesLast(p, KNOWN, out);
            return ts;
        } catch (JsonStream.Decline d) {
            return JsonStream.DECLINED;
        }
    }
}

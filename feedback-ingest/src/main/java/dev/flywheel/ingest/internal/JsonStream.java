package dev.flywheel.ingest.internal;

import static dev.flywheel.contracts.events.EventLimits.MAX_ATTRIBUTES;
import static dev.flywheel.contracts.events.EventLimits.MAX_ATTRIBUTE_CHARS;
import static dev.flywheel.contracts.events.EventLimits.MAX_ID_CHARS;
import static dev.flywheel.contracts.events.EventLimits.MAX_TEXT_CHARS;
import static dev.flywheel.contracts.events.EventLimits.MAX_TS;
import static dev.flywheel.contracts.events.EventLimits.MIN_TS;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.base.ParserBase;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.ingest.batching.RowBuffer;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Field readers of the one-pass decoders ({@link InferenceStream}, {@link FeedbackStream}, {@link ScoreStream}):
 * each reads one value from a Jackson {@link JsonParser}, checks it as the contract record's constructor would, and
 * writes it as TSV straight into the row. Whatever they do not fully understand (a field out of the contract's
 * order, a duplicate, a JSON type the record would coerce or reject, a value out of range, a missing field) throws
 * {@link #DECLINE}; the caller then drops the partial row and takes the reference path (EventCodec and the record),
 * which accepts the event or rejects it with its own reason. So these readers may be stricter than the contract,
 * never looser, and a rejected event's DLQ reason always comes from the reference path.
 */
final class JsonStream {
    /** Returned by the decoders instead of an event time when they declined. */
    static final long DECLINED = Long.MIN_VALUE;

    /** Thrown (preallocated, no stack) when a reader declines; rare, so it costs nothing on valid events. */
    static final class Decline extends RuntimeException {
        private Decline() {
            super("declined: left to the reference path", null, false, false);
        }
    }

    static final Decline DECLINE = new Decline();

    // Field bounds: EventLimits, what the event records refuse; the differential test pins the decoders' agreement at the edges.

    private static final SerializedString ROLE = new SerializedString("role");
    private static final SerializedString CONTENT = new SerializedString("content");
    private static final byte[] PROMPT_OPEN = ascii("{\"role\":");
    private static final byte[] CONTENT_KEY = ascii(",\"content\":");
    private static final byte[] EMPTY_CONTENT = ascii(",\"content\":\"\"");

    private JsonStream() {}

    static void check(boolean ok) {
        if (!ok) {
            throw DECLINE;
        }
    }

    /** A one-pass decoder: appends the row of {@code value} and returns its ts, or {@link #DECLINED}. */
    @FunctionalInterface
    interface OnePass {
        long append(JsonFactory json, byte[] value, RowBuffer out) throws IOException;
    }

    /**
     * The reference path of a row encoder (EventCodec + record). The {@code *Rows} records implement it and pass
     * {@code this}: a bound method reference ({@code this::appendDecoded}) would be a new object per event.
     */
    interface Reference {
        long appendDecoded(byte[] value, RowBuffer out);
    }

    /**
     * The one-pass decoder when it accepts the event, else {@code reference} (EventCodec + record), which also gives
     * every rejection its reason: a declined or malformed event's partial row is cut off first.
     */
    static long appendEither(OnePass onePass, EventCodec codec, byte[] value, RowBuffer out, Reference reference) {
        int mark = out.size();
        if (value != null && value.length > 0 && value.length <= codec.maxEventBytes()) {
            try {
                long ts = onePass.append(codec.mapper().getFactory(), value, out);
                if (ts != DECLINED) {
                    return ts;
                }
            } catch (IOException | RuntimeException e) {
                // malformed input (or anything unforeseen): the reference path decides and names the field
            }
            out.truncate(mark);
        }
        return reference.appendDecoded(value, out);
    }

    private static final SerializedString EVENT_ID = new SerializedString("event_id");
    private static final SerializedString TS = new SerializedString("ts");
    private static final SerializedString ATTRIBUTES = new SerializedString("attributes");

    /**
     * Opens an event and writes the columns every event type starts with, in the codec's field order: {@code event_id},
     * then {@code ts} twice (the DateTime column in unix seconds, and ts_ms in epoch ms). Returns ts.
     */
    static long begin(JsonParser p, byte[] in, RowBuffer out, Set<String> known) throws IOException {
        p.enable(JsonParser.Feature.USE_FAST_DOUBLE_PARSER); // correctly rounded like the JDK's, ~3x faster
        start(p);
        idColumn(p, EVENT_ID, known, in, out, false);
        field(p, TS, known);
        long ts = int64(p);
        check(ts >= MIN_TS && ts <= MAX_TS);
        Tsv.dateTime(out, ts);
        Tsv.tab(out);
        Tsv.integer(out, ts);
        Tsv.tab(out);
        return ts;
    }

    /** One id column: the field {@code name}, its value as {@link #id} writes it, and the tab after it. */
    static int idColumn(JsonParser p, SerializedString name, Set<String> known, byte[] in, RowBuffer out, boolean optional)
            throws IOException {
        field(p, name, known);
        int r = id(p, in, out, optional);
        Tsv.tab(out);
        return r;
    }

    /** One text column: the field {@code name}, its value as {@link #text} writes it, and the tab after it. */
    static void textColumn(JsonParser p, SerializedString name, Set<String> known, byte[] in, RowBuffer out) throws IOException {
        field(p, name, known);
        text(p, in, out);
        Tsv.tab(out);
    }

    /**
     * The last column of an inference or feedback row: the field {@code attributes} as {@link #attributes} writes it,
     * the row's newline, then the rest of the event ({@link #end}).
     */
    static void attributesLast(JsonParser p, Set<String> known, RowBuffer out) throws IOException {
        field(p, ATTRIBUTES, known);
        attributes(p, out);
        Tsv.newline(out);
        end(p, known);
    }

    static void start(JsonParser p) throws IOException {
        check(p.nextToken() == JsonToken.START_OBJECT);
    }

    /**
     * Moves to the value of field {@code name}, which must be the next known field: unknown fields before it are
     * skipped (the contract ignores them); any other known field (out of order, or a duplicate) or the end declines.
     */
    static void field(JsonParser p, SerializedString name, Set<String> known) throws IOException {
        while (!p.nextFieldName(name)) {
            check(p.currentToken() == JsonToken.FIELD_NAME && !known.contains(p.currentName()));
            p.nextToken();
            p.skipChildren();
        }
        p.nextToken();
    }

    /** After the last field: only unknown fields may follow, then the end of the object and of the input. */
    static void end(JsonParser p, Set<String> known) throws IOException {
        endNested(p, known);
        check(p.nextToken() == null);
    }

    /**
     * An id ({@code Checks.id}: a non-blank string of at most 256 chars; when optional, also null or "" for none),
     * written as a TSV field. Returns its length in chars (0 for none).
     */
    static int id(JsonParser p, byte[] in, RowBuffer out, boolean optional) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            check(optional);
            return 0;
        }
        int written = string(p, in, out, false);
        int len = written >>> 1;
        if (len == 0) {
            check(optional);
            return 0;
        }
        check(len <= MAX_ID_CHARS && (written & 1) == 0);
        return len;
    }

    /** A free text ({@code Checks.text}: null for "", at most 512 Ki chars), written as a TSV field. */
    static void text(JsonParser p, byte[] in, RowBuffer out) throws IOException {
        textBlank(p, in, out);
    }

    /** Like {@link #text}; returns whether the text is blank ({@code String.isBlank}; null and "" are). */
    static boolean textBlank(JsonParser p, byte[] in, RowBuffer out) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return true;
        }
        int written = string(p, in, out, false);
        check(written >>> 1 <= MAX_TEXT_CHARS);
        return (written & 1) == 1;
    }

    /**
     * Writes the current value, which must be a string, as a TSV field (with {@code json}: as a JSON string literal
     * inside the field): straight from the input bytes when it is plain ASCII ({@link #plainSpan}), else from the
     * parser's chars. Returns its length in UTF-16 chars times two, plus one when it is blank. Callers check lengths
     * after writing; a declined row is dropped whole anyway.
     */
    private static int string(JsonParser p, byte[] in, RowBuffer out, boolean json) throws IOException {
        check(p.currentToken() == JsonToken.VALUE_STRING);
        long span = plainSpan(p, in);
        if (span >= 0) {
            int start = (int) (span >>> 32);
            int end = (int) span;
            if (json) {
                TsvChars.plainJson(out, in, start, end);
            } else {
                TsvChars.plain(out, in, start, end);
            }
            return (end - start) << 1 | (plainBlank(in, start, end) ? 1 : 0);
        }
        char[] s = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        if (json) {
            TsvChars.jsonString(out, s, off, len);
        } else {
            TsvChars.string(out, s, off, len);
        }
        return len << 1 | (blank(s, off, len) ? 1 : 0);
    }

    /** A JSON integer that fits a long (a float or a string declines: the contract does not coerce). */
    static long int64(JsonParser p) throws IOException {
        check(p.currentToken() == JsonToken.VALUE_NUMBER_INT);
        JsonParser.NumberType type = p.getNumberType();
        check(type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG);
        return p.getLongValue();
    }

    /** A JSON integer that fits an int. */
    static int int32(JsonParser p) throws IOException {
        check(p.currentToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT);
        return p.getIntValue();
    }

    /** A JSON number (integer or float) as a double, as Jackson converts it for a double component. */
    static double float64(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        check(t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT);
        return p.getDoubleValue();
    }

    /** {@code Checks.nonNegative(double)}: finite and >= 0. */
    static double nonNegative(JsonParser p) throws IOException {
        double v = float64(p);
        check(Double.isFinite(v) && v >= 0);
        return v;
    }

    /**
     * An enum by its exact lower-case wire name (the contract also accepts other cases; those decline). Returns the
     * index of the name in {@code wires}, writing the name as a TSV field.
     */
    static int wire(JsonParser p, RowBuffer out, byte[][] wires) throws IOException {
        check(p.currentToken() == JsonToken.VALUE_STRING);
        char[] s = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        for (int w = 0; w < wires.length; w++) {
            byte[] name = wires[w];
            if (name.length == len && sameAscii(name, s, off)) {
                out.put(name);
                return w;
            }
        }
        throw DECLINE;
    }

    /**
     * The prompt ({@code List<ChatMessage>}, null for none) as the JSON text {@link JsonText#prompt} writes, TSV-escaped:
     * each message's role (required, non-blank) must come before its content (null for "").
     */
    static void prompt(JsonParser p, byte[] in, RowBuffer out) throws IOException {
        JsonToken t = p.currentToken();
        out.put((byte) '[');
        if (t == JsonToken.VALUE_NULL) {
            out.put((byte) ']');
            return;
        }
        check(t == JsonToken.START_ARRAY);
        boolean first = true;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            check(t == JsonToken.START_OBJECT);
            if (!first) {
                out.put((byte) ',');
            }
            first = false;
            message(p, in, out);
        }
        out.put((byte) ']');
    }

    private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content");

    private static void message(JsonParser p, byte[] in, RowBuffer out) throws IOException {
        out.put(PROMPT_OPEN);
        field(p, ROLE, MESSAGE_FIELDS);
        check((string(p, in, out, true) & 1) == 0); // role: required, not blank
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME && !CONTENT.getValue().equals(p.currentName())) {
            check(!MESSAGE_FIELDS.contains(p.currentName()));
            p.nextToken();
            p.skipChildren();
        }
        if (t == JsonToken.END_OBJECT) {
            out.put(EMPTY_CONTENT);
        } else {
            p.nextToken();
            out.put(CONTENT_KEY);
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                out.put((byte) '"');
                out.put((byte) '"');
            } else {
                check(string(p, in, out, true) >>> 1 <= MAX_TEXT_CHARS);
            }
            endNested(p, MESSAGE_FIELDS);
        }
        out.put((byte) '}');
    }

    /** The rest of an object after its last known field: only unknown fields, then its end. */
    private static void endNested(JsonParser p, Set<String> known) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            check(!known.contains(p.currentName()));
            p.nextToken();
            p.skipChildren();
        }
        check(t == JsonToken.END_OBJECT);
    }

    /**
     * The attributes ({@code Map<String, String>}, null for none) as the JSON text {@link JsonText#attributes}
     * writes of the record's map, TSV-escaped. The record keeps {@code Map.copyOf} of Jackson's insertion-ordered map,
     * whose iteration order is per-JVM; the same {@code Map.ofEntries} over the same entries in the same order
     * iterates the same way, so that is what is built here (maps are small). Duplicate keys decline.
     */
    static void attributes(JsonParser p, RowBuffer out) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            out.put((byte) '{');
            out.put((byte) '}');
            return;
        }
        check(t == JsonToken.START_OBJECT);
        String[] kv = null;
        int n = 0;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            check(p.nextToken() == JsonToken.VALUE_STRING && !key.isEmpty() && n < MAX_ATTRIBUTES);
            String value = p.getText();
            check(key.length() + value.length() <= MAX_ATTRIBUTE_CHARS);
            if (kv == null) {
                kv = new String[8];
            } else if (2 * n == kv.length) {
                kv = Arrays.copyOf(kv, kv.length * 2);
            }
            for (int i = 0; i < n; i++) {
                check(!kv[2 * i].equals(key));
            }
            kv[2 * n] = key;
            kv[2 * n + 1] = value;
            n++;
        }
        check(t == JsonToken.END_OBJECT);
        out.put((byte) '{');
        if (n == 1) {
            entry(out, kv[0], kv[1]);
        } else if (n > 1) {
            @SuppressWarnings("unchecked")
            Map.Entry<String, String>[] entries = new Map.Entry[n];
            for (int i = 0; i < n; i++) {
                entries[i] = Map.entry(kv[2 * i], kv[2 * i + 1]);
            }
            boolean first = true;
            for (Map.Entry<String, String> e : Map.ofEntries(entries).entrySet()) {
                if (!first) {
                    out.put((byte) ',');
                }
                first = false;
                entry(out, e.getKey(), e.getValue());
            }
        }
        out.put((byte) '}');
    }

    private static void entry(RowBuffer out, String key, String value) {
        TsvChars.jsonString(out, key);
        out.put((byte) ':');
        TsvChars.jsonString(out, value);
    }

    /**
     * Where the current string value lies in the input {@code in} when it is plain printable ASCII (no escape, no
     * control byte, nothing over 0x7F), the common case: then its chars are its bytes and it is copied without the
     * parser decoding it (the parser skips it when asked for the next token). Returns {@code start << 32 | end}
     * ({@code end}: the closing quote), or -1 to read it through the parser. Jackson's token offset of a string is
     * its first content byte; the quote before it is checked, and any other answer just takes the parser's way.
     */
    static long plainSpan(JsonParser p, byte[] in) {
        if (!(p instanceof ParserBase base)) {
            return -1;
        }
        long at = base.getTokenCharacterOffset();
        if (at < 1 || at >= in.length || in[(int) at - 1] != '"') {
            return -1;
        }
        int start = (int) at;
        for (int i = start; i < in.length; i++) {
            byte b = in[i];
            if (b == '"') {
                return ((long) start << 32) | i;
            }
            if (b < 0x20 || b == '\\') { // bytes over 0x7F are negative
                return -1;
            }
        }
        return -1;
    }

    /** Blank plain ASCII: the only printable ASCII whitespace is the space. */
    private static boolean plainBlank(byte[] in, int start, int end) {
        for (int i = start; i < end; i++) {
            if (in[i] != ' ') {
                return false;
            }
        }
        return true;
    }

    /** {@code String.isBlank} over a char range (surrogates are never whitespace, so per char is per code point). */
    static boolean blank(char[] s, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (!Character.isWhitespace(s[i])) {
                return false;
            }
        }
        return true;
    }

    static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static boolean sameAscii(byte[] name, char[] s, int off) {
        for (int i = 0; i < name.length; i++) {
            if (s[off + i] != name[i]) {
                return false;
            }
        }
        return true;
    }
}

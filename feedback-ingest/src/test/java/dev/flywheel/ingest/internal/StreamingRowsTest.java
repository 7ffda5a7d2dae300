package dev.flywheel.ingest.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.Event;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.EventLimits;
import dev.flywheel.contracts.events.FeedbackEvent;
import dev.flywheel.contracts.events.FeedbackKind;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.contracts.events.ScoreStatus;
import dev.flywheel.ingest.batching.RowBuffer;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The one-pass decoders ({@code *Stream}) against the reference path ({@code *Rows.appendDecoded}: EventCodec into
 * the record, then the row), on seeded random events: valid events give byte-identical TSV (and the one-pass decoder
 * accepts the codec's own encoding, so the fast path is really exercised); every input the reference rejects is
 * declined by the one-pass decoder and rejected by {@code append} with the same field and reason (the DLQ record is
 * unchanged); inputs in other shapes (field order, unknown fields, escapes, nulls, whitespace) give the same row
 * through {@code append} whichever path takes them.
 */
class StreamingRowsTest {
    private static final int EVENTS = 6000;
    private final EventCodec codec = new EventCodec();
    private final ObjectMapper mapper = codec.mapper();
    private final JsonFactory json = mapper.getFactory();
    private final InferenceRows inference = new InferenceRows(codec);
    private final FeedbackRows feedback = new FeedbackRows(codec);
    private final ScoreRows scores = new ScoreRows(codec);

    // ---------------------------------------------------------------- generators

    /** Text mixing ASCII, quotes, backslashes, every control character, non-ASCII, emoji and whitespace of all kinds. */
    private static String text(SplittableRandom r, int max) {
        String[] pieces = {"a", "Z", "0", " ", "\"", "\\", "/", "'", "\t", "\n", "\r", "\b", "\f", "\u0000", "\u007f", "é", "日本", "😀",
            "\u2028", "\u00a0", "\u2003", "«ü»", "the quick brown fox ", "{\"x\":[1,2]}", "\\n", "\\u0041"};
        int n = r.nextInt(max + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(r.nextInt(5) == 0 ? String.valueOf((char) r.nextInt(0x20)) : pieces[r.nextInt(pieces.length)]);
        }
        return sb.toString();
    }

    /** A valid id: non-blank, at most 256 chars (sometimes exactly 256, sometimes with whitespace around). */
    private static String id(SplittableRandom r) {
        return switch (r.nextInt(6)) {
            case 0 -> "x".repeat(256);
            case 1 -> " " + text(r, 4) + "k" + text(r, 4) + "\t";
            default -> "id-" + r.nextInt(1_000_000) + text(r, 3);
        };
    }

    /** A valid event id, unique per i (sometimes exactly 256 chars). */
    private static String eventId(SplittableRandom r, int i) {
        return r.nextInt(10) == 0 ? ("e" + i + "x".repeat(256)).substring(0, 256) : "e" + i + text(r, 3);
    }

    private static String optionalId(SplittableRandom r) {
        return r.nextInt(3) == 0 ? "" : id(r);
    }

    private static long ts(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> EventLimits.MIN_TS;
            case 1 -> EventLimits.MAX_TS;
            default -> 1_600_000_000_000L + r.nextLong(400_000_000_000L);
        };
    }

    private static long count(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE;
            case 2 -> Integer.MAX_VALUE + 1L;
            default -> r.nextLong(100_000);
        };
    }

    /** A finite double >= 0 of every shape: zero, -0.0, integral, subnormal, huge, random 17-digit. */
    private static double nonNegative(SplittableRandom r) {
        return switch (r.nextInt(9)) {
            case 0 -> 0.0;
            case 1 -> -0.0;
            case 2 -> Double.MIN_VALUE;
            case 3 -> Double.MAX_VALUE;
            case 4 -> r.nextInt(10_000);
            case 5 -> r.nextDouble() * 1e-300;
            case 6 -> r.nextDouble() * 1e300;
            default -> r.nextDouble() * 2000;
        };
    }

    private static Map<String, String> attributes(SplittableRandom r) {
        Map<String, String> m = new LinkedHashMap<>();
        int n = r.nextInt(7) == 0 ? 64 : r.nextInt(6);
        for (int i = 0; i < n; i++) {
            m.put("k" + i + text(r, 3), r.nextInt(20) == 0 ? "v".repeat(1024 - 3 - String.valueOf(i).length()) : text(r, 6));
        }
        m.entrySet().removeIf(e -> e.getKey().length() + e.getValue().length() > 1024);
        return m;
    }

    private InferenceEvent inferenceEvent(SplittableRandom r, int i) {
        String experiment = optionalId(r);
        List<ChatMessage> prompt = new ArrayList<>();
        for (int m = r.nextInt(4); m > 0; m--) {
            prompt.add(new ChatMessage(r.nextBoolean() ? "user" : "r" + text(r, 4), text(r, 30)));
        }
        return new InferenceEvent(eventId(r, i), ts(r), experiment, experiment.isEmpty() ? optionalId(r) : id(r), r.nextInt(6) - 1, id(r),
                id(r), optionalId(r), prompt, r.nextInt(30) == 0 ? "c".repeat(5000) + text(r, 10) : text(r, 40), text(r, 3),
                count(r), count(r), nonNegative(r), nonNegative(r), nonNegative(r), InferenceStatus.values()[r.nextInt(3)], text(r, 5),
                attributes(r));
    }

    private FeedbackEvent feedbackEvent(SplittableRandom r, int i) {
        FeedbackKind kind = FeedbackKind.values()[r.nextInt(5)];
        Double value = switch (kind) {
            case THUMBS, CONVERSION -> r.nextBoolean() ? 1.0 : (r.nextInt(4) == 0 ? -0.0 : 0.0);
            case RATING -> r.nextBoolean() ? 1.0 + r.nextInt(5) : 1.0 + r.nextDouble() * 4;
            case METRIC -> r.nextBoolean() ? -nonNegative(r) : nonNegative(r);
            case COMMENT -> r.nextBoolean() ? null : nonNegative(r);
        };
        String comment = kind == FeedbackKind.COMMENT ? "c" + text(r, 20) : text(r, 10);
        return new FeedbackEvent(eventId(r, i), ts(r), id(r), optionalId(r), kind, value, comment, attributes(r));
    }

    private ScoreEvent scoreEvent(SplittableRandom r, int i) {
        ScoreStatus status = ScoreStatus.values()[r.nextInt(3)];
        double score = status == ScoreStatus.OK || r.nextBoolean() ? (r.nextDouble() - 0.5) * (r.nextBoolean() ? 1 : 1e12) : Double.NaN;
        Boolean passed = switch (r.nextInt(3)) {
            case 0 -> null;
            case 1 -> true;
            default -> false;
        };
        return new ScoreEvent(eventId(r, i), ts(r), id(r), optionalId(r), optionalId(r), id(r), 1 + r.nextInt(Integer.MAX_VALUE), score,
                passed, status, text(r, 20), nonNegative(r));
    }

    private Event event(SplittableRandom r, int i) {
        return switch (i % 3) {
            case 0 -> inferenceEvent(r, i);
            case 1 -> feedbackEvent(r, i);
            default -> scoreEvent(r, i);
        };
    }

    // ---------------------------------------------------------------- paths

    private RowEncoder rowsOf(Event e) {
        return switch (e) {
            case InferenceEvent x -> inference;
            case FeedbackEvent x -> feedback;
            case ScoreEvent x -> scores;
        };
    }

    /** The reference row, or the reference's rejection. */
    private Outcome reference(RowEncoder rows, byte[] value) {
        RowBuffer out = new RowBuffer();
        try {
            long ts = switch (rows) {
                case InferenceRows x -> x.appendDecoded(value, out);
                case FeedbackRows x -> x.appendDecoded(value, out);
                case ScoreRows x -> x.appendDecoded(value, out);
                case StateHistoryRows x -> throw new AssertionError("not an event table");
            };
            return Outcome.row(out, ts);
        } catch (InvalidEventException e) {
            return Outcome.rejected(e);
        }
    }

    /** What the sink does: {@code append} (one pass, else the reference). */
    private static Outcome sink(RowEncoder rows, byte[] value) {
        RowBuffer out = new RowBuffer();
        try {
            long ts = rows.append(null, value, 0L, out);
            return Outcome.row(out, ts);
        } catch (InvalidEventException e) {
            return Outcome.rejected(e);
        }
    }

    /** The one-pass decoder alone: the row, or null when it declined (or the parser threw). */
    private Outcome onePass(RowEncoder rows, byte[] value) {
        RowBuffer out = new RowBuffer();
        long ts;
        try {
            ts = switch (rows) {
                case InferenceRows x -> InferenceStream.append(json, value, out);
                case FeedbackRows x -> FeedbackStream.append(json, value, out);
                case ScoreRows x -> ScoreStream.append(json, value, out);
                case StateHistoryRows x -> throw new AssertionError("not an event table");
            };
        } catch (IOException e) {
            return null;
        }
        return ts == JsonStream.DECLINED ? null : Outcome.row(out, ts);
    }

    private record Outcome(byte[] row, long ts, String field, String reason) {
        static Outcome row(RowBuffer out, long ts) {
            return new Outcome(Arrays.copyOf(out.array(), out.size()), ts, null, null);
        }

        static Outcome rejected(InvalidEventException e) {
            return new Outcome(null, 0, e.field(), e.reason());
        }

        boolean accepted() {
            return row != null;
        }

        String show() {
            return accepted() ? new String(row, StandardCharsets.UTF_8) : "rejected " + field + ": " + reason;
        }
    }

    private static String show(byte[] value) {
        return value.length > 600 ? new String(value, 0, 600, StandardCharsets.UTF_8) + "..." : new String(value, StandardCharsets.UTF_8);
    }

    private void assertSameAsReference(RowEncoder rows, byte[] value) {
        Outcome ref = reference(rows, value);
        Outcome got = sink(rows, value);
        assertEquals(ref.show(), got.show(), () -> "append vs reference for " + show(value));
        if (ref.accepted()) {
            assertArrayEquals(ref.row(), got.row(), () -> "bytes for " + show(value));
            assertEquals(ref.ts(), got.ts());
        } else {
            assertEquals(ref.field(), got.field(), () -> "field for " + show(value));
            Outcome fast = onePass(rows, value);
            assertTrue(fast == null, () -> "the one-pass decoder accepted what the reference rejects (" + ref.show() + "): "
                    + show(value) + " -> " + fast.show());
        }
    }

    // ---------------------------------------------------------------- valid events

    @Test
    void codecEncodedEventsGiveTheReferenceRowInOnePass() {
        SplittableRandom r = new SplittableRandom(20261205);
        for (int i = 0; i < EVENTS; i++) {
            Event e = event(r, i);
            byte[] value = codec.encode(e);
            RowEncoder rows = rowsOf(e);
            Outcome ref = reference(rows, value);
            assertTrue(ref.accepted(), () -> "reference rejected a valid event: " + ref.show() + " " + show(value));
            Outcome fast = onePass(rows, value);
            assertTrue(fast != null, () -> "one-pass declined a codec-encoded event: " + show(value));
            assertArrayEquals(ref.row(), fast.row(), () -> "row of " + show(value) + "\nreference " + ref.show() + "\none-pass  " + fast.show());
            assertEquals(ref.ts(), fast.ts());
            assertSameAsReference(rows, value);
        }
    }

    @Test
    void otherShapesOfValidEventsGiveTheReferenceRow() throws Exception {
        SplittableRandom r = new SplittableRandom(77);
        ObjectMapper escaping = mapper.copy();
        escaping.getFactory().enable(JsonGenerator.Feature.ESCAPE_NON_ASCII);
        int onePassAccepted = 0;
        for (int i = 0; i < EVENTS; i++) {
            Event e = event(r, i);
            RowEncoder rows = rowsOf(e);
            ObjectNode tree = mapper.valueToTree(e);
            int shape = r.nextInt(8);
            byte[] value = switch (shape) {
                case 0 -> escaping.writeValueAsBytes(tree); // every non-ASCII char as a unicode escape, pairs included
                case 1 -> mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
                case 2 -> mapper.writeValueAsBytes(withUnknownFields(r, tree));
                case 3 -> mapper.writeValueAsBytes(withNullOptionals(r, tree));
                case 4 -> mapper.writeValueAsBytes(withIntegralDoubles(tree));
                case 5 -> mapper.writeValueAsBytes(shuffled(r, tree));
                case 6 -> mapper.writeValueAsBytes(withoutOptionals(r, tree));
                default -> (" \n" + mapper.writeValueAsString(tree) + " \t\n").getBytes(StandardCharsets.UTF_8);
            };
            assertSameAsReference(rows, value);
            assertTrue(reference(rows, value).accepted(), () -> "shape " + shape + " made the event invalid: " + show(value));
            if (shape <= 4 || shape == 7) {
                Outcome fast = onePass(rows, value);
                assertTrue(fast != null, () -> "one-pass declined shape " + shape + ": " + show(value));
                onePassAccepted++;
            }
        }
        assertTrue(onePassAccepted > EVENTS / 2, "one-pass took " + onePassAccepted);
    }

    @Test
    void handWrittenEscapesAndLoneSurrogatesGiveTheReferenceRow() {
        String[] strings = {"\\ud83d\\ude00", "\\ud800", "x\\udc00y", "\\ud800\\n", "\\u0000\\u001f\\u007f", "\\/\\\"\\\\\\b\\f\\n\\r\\t",
            "tab\\there", "'quoted'", "\\u00e9\\u2028", "  \\u2003k"};
        for (String s : strings) {
            String inf = "{\"event_id\":\"e" + s + "\",\"ts\":1760000000000,\"experiment_id\":\"\",\"variant_id\":null,\"ramp_stage\":-1,"
                    + "\"unit_id\":\"u" + s + "\",\"model\":\"m\",\"adapter_id\":\"\",\"prompt\":[{\"role\":\"r" + s + "\",\"content\":\"" + s + "\"},"
                    + "{\"role\":\"user\"},{\"role\":\"user\",\"content\":null,\"name\":\"x\"}],\"completion\":\"" + s + "\",\"finish_reason\":null,"
                    + "\"prompt_tokens\":0,\"completion_tokens\":9223372036854775807,\"ttft_ms\":1,\"latency_ms\":1.5e2,\"cost\":0.0,"
                    + "\"status\":\"ok\",\"error\":\"" + s + "\",\"attributes\":{\"k\\u00e9\\n\":\"" + s + "\",\"b\":\"\",\"c\":\"c\"}}";
            byte[] value = inf.getBytes(StandardCharsets.UTF_8);
            assertSameAsReference(inference, value);
            assertTrue(reference(inference, value).accepted(), () -> "reference rejected " + inf);
            assertTrue(onePass(inference, value) != null, () -> "one-pass declined " + inf);
        }
    }

    // ---------------------------------------------------------------- invalid input

    @Test
    void invalidInputIsDeclinedByTheOnePassAndRejectedLikeTheReference() throws Exception {
        SplittableRandom r = new SplittableRandom(4242);
        int rejected = 0;
        for (int i = 0; i < EVENTS; i++) {
            Event e = event(r, i);
            RowEncoder rows = rowsOf(e);
            byte[] valid = codec.encode(e);
            byte[] value = switch (r.nextInt(6)) {
                case 0 -> unparseable(r, valid);
                case 1 -> mapper.writeValueAsBytes(withWrongType(r, mapper.valueToTree(e)));
                case 2 -> mapper.writeValueAsBytes(withoutField(r, mapper.valueToTree(e)));
                case 3 -> mapper.writeValueAsBytes(withUnknownEnum(r, mapper.valueToTree(e)));
                case 4 -> mapper.writeValueAsBytes(outOfRange(r, mapper.valueToTree(e)));
                default -> mapper.writeValueAsBytes(withOversizedValue(r, mapper.valueToTree(e)));
            };
            assertSameAsReference(rows, value); // some mutations leave the event valid: then the rows must match
            if (!reference(rows, value).accepted()) {
                rejected++;
            }
        }
        assertTrue(rejected > EVENTS / 2, "only " + rejected + " of " + EVENTS + " mutations were invalid");
    }

    @Test
    void oversizedEventsAreRejectedAsTheWholeDocumentByBothPaths() {
        EventCodec small = new EventCodec(1024);
        SplittableRandom r = new SplittableRandom(5);
        InferenceEvent e = inferenceEvent(r, 1);
        InferenceEvent big = new InferenceEvent(e.eventId(), e.ts(), "", "", -1, "u", "m", "", List.of(), "x".repeat(2000), "", 1, 1, 1, 1, 1,
                InferenceStatus.OK, "", Map.of());
        byte[] value = small.encode(big);
        InferenceRows rows = new InferenceRows(small);
        InvalidEventException ref = rejection(() -> rows.appendDecoded(value, new RowBuffer()));
        InvalidEventException got = rejection(() -> rows.append(null, value, 0, new RowBuffer()));
        assertEquals("$", ref.field());
        assertEquals(ref.field(), got.field());
        assertEquals(ref.reason(), got.reason());
        for (byte[] empty : new byte[][] {new byte[0], null}) {
            InvalidEventException r1 = rejection(() -> rows.appendDecoded(empty, new RowBuffer()));
            InvalidEventException r2 = rejection(() -> rows.append(null, empty, 0, new RowBuffer()));
            assertEquals(r1.getMessage(), r2.getMessage());
        }
    }

    @Test
    void aDeclinedEventLeavesNothingOfItsPartialRowInTheBuffer() {
        RowBuffer out = new RowBuffer(16);
        out.put("previous row\n".getBytes(StandardCharsets.US_ASCII));
        // valid up to attributes, then a wrong type: the one-pass decoder has written most of the row by then
        byte[] value = ("{\"event_id\":\"e\",\"ts\":1760000000000,\"request_id\":\"r\",\"unit_id\":\"\",\"kind\":\"rating\",\"value\":3,"
                + "\"comment\":\"fine\",\"attributes\":{\"k\":5}}").getBytes(StandardCharsets.UTF_8);
        InvalidEventException e = rejection(() -> feedback.append(null, value, 0, out));
        assertNotEquals(null, e.field());
        assertEquals("previous row\n", new String(out.array(), 0, out.size(), StandardCharsets.US_ASCII));
    }

    private static InvalidEventException rejection(Runnable r) {
        try {
            r.run();
        } catch (InvalidEventException e) {
            return e;
        }
        return fail("expected a rejection");
    }

    // ---------------------------------------------------------------- mutations

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static List<String> names(ObjectNode tree) {
        List<String> names = new ArrayList<>();
        tree.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static ObjectNode withUnknownFields(SplittableRandom r, ObjectNode tree) {
        ObjectNode out = NODES.objectNode();
        for (String name : names(tree)) {
            if (r.nextInt(3) == 0) {
                out.set("unknown_" + r.nextInt(1000), unknownValue(r));
            }
            out.set(name, tree.get(name));
        }
        out.set("zz_trailing", unknownValue(r));
        return out;
    }

    private static JsonNode unknownValue(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> NODES.textNode("v\t\"x\"");
            case 1 -> NODES.numberNode(1.5e300);
            case 2 -> NODES.objectNode().put("event_id", "nested").set("a", NODES.arrayNode().add(1).add(NODES.objectNode()));
            case 3 -> NODES.arrayNode().add("ts").add(NODES.nullNode());
            default -> NODES.nullNode();
        };
    }

    /** Optional fields as JSON null: the records read null as "" / none / empty. */
    private static ObjectNode withNullOptionals(SplittableRandom r, ObjectNode tree) {
        for (String f : List.of("adapter_id", "finish_reason", "error", "completion", "attributes", "detail", "experiment_id", "prompt",
                "passed")) {
            if (tree.has(f) && r.nextBoolean()) {
                tree.putNull(f);
            }
        }
        if (tree.has("comment") && !"comment".equals(tree.get("kind").asText()) && r.nextBoolean()) {
            tree.putNull("comment");
        }
        if (tree.has("kind") && r.nextBoolean()) {
            tree.putNull("unit_id"); // optional in feedback (required in inference)
        }
        if (tree.has("evaluator_id") && r.nextBoolean()) {
            tree.putNull("variant_id"); // optional in scores, no pairing with experiment_id there
        }
        return tree;
    }

    /** Doubles that are integral written as JSON integers (0 rather than 0.0): Jackson reads both. */
    private static ObjectNode withIntegralDoubles(ObjectNode tree) {
        for (String name : names(tree)) {
            JsonNode v = tree.get(name);
            if (v.isDouble() && v.asDouble() == Math.rint(v.asDouble()) && Math.abs(v.asDouble()) < 1e15
                    && !(v.asDouble() == 0 && 1 / v.asDouble() < 0)) {
                tree.put(name, (long) v.asDouble());
            }
        }
        return tree;
    }

    private static ObjectNode shuffled(SplittableRandom r, ObjectNode tree) {
        List<String> names = names(tree);
        for (int i = names.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            String t = names.get(i);
            names.set(i, names.get(j));
            names.set(j, t);
        }
        ObjectNode out = NODES.objectNode();
        names.forEach(n -> out.set(n, tree.get(n)));
        return out;
    }

    /** Drops object-typed optional fields (the records read them as null): the one-pass decoder leaves these to the reference. */
    private static ObjectNode withoutOptionals(SplittableRandom r, ObjectNode tree) {
        for (String f : List.of("adapter_id", "finish_reason", "error", "attributes", "detail", "passed", "prompt")) {
            if (tree.has(f) && r.nextBoolean()) {
                tree.remove(f);
            }
        }
        return tree;
    }

    private static byte[] unparseable(SplittableRandom r, byte[] valid) {
        return switch (r.nextInt(8)) {
            case 0 -> Arrays.copyOf(valid, r.nextInt(valid.length)); // truncated
            case 1 -> "null".getBytes(StandardCharsets.US_ASCII);
            case 2 -> "[]".getBytes(StandardCharsets.US_ASCII);
            case 3 -> "42".getBytes(StandardCharsets.US_ASCII);
            case 4 -> {
                byte[] v = valid.clone();
                v[1 + r.nextInt(v.length - 2)] = (byte) (0x80 + r.nextInt(0x80)); // broken UTF-8 or a broken token
                yield v;
            }
            case 5 -> {
                byte[] v = valid.clone();
                v[1 + r.nextInt(v.length - 2)] = (byte) "{}[]:,\"\\".charAt(r.nextInt(8));
                yield v;
            }
            case 6 -> (new String(valid, StandardCharsets.UTF_8) + "}garbage").getBytes(StandardCharsets.UTF_8); // trailing content
            default -> new byte[] {(byte) 0xFF, (byte) 0xFE, '{', '}'};
        };
    }

    private static ObjectNode withWrongType(SplittableRandom r, ObjectNode tree) {
        List<String> names = names(tree);
        String f = names.get(r.nextInt(names.size()));
        JsonNode wrong = switch (r.nextInt(12)) {
            case 0 -> NODES.textNode("5");
            case 1 -> NODES.numberNode(5);
            case 2 -> NODES.numberNode(1.5);
            case 3 -> NODES.booleanNode(true);
            case 4 -> NODES.nullNode();
            case 5 -> NODES.arrayNode();
            case 6 -> NODES.objectNode();
            case 7 -> NODES.numberNode(BigInteger.ONE.shiftLeft(70));
            case 8 -> NODES.textNode("NaN");
            case 9 -> NODES.numberNode(1.7e12);
            case 10 -> NODES.arrayNode().add(NODES.objectNode().put("role", "user")).add(NODES.nullNode());
            default -> NODES.objectNode().put("k", 1);
        };
        tree.set(f, wrong);
        return tree;
    }

    private static ObjectNode withoutField(SplittableRandom r, ObjectNode tree) {
        List<String> names = names(tree);
        tree.remove(names.get(r.nextInt(names.size())));
        return tree;
    }

    private static ObjectNode withUnknownEnum(SplittableRandom r, ObjectNode tree) {
        String f = tree.has("kind") ? "kind" : "status";
        tree.put(f, switch (r.nextInt(4)) {
            case 0 -> "stars";
            case 1 -> "";
            case 2 -> tree.get(f).asText().toUpperCase(java.util.Locale.ROOT); // the contract accepts any case
            default -> tree.get(f).asText() + " ";
        });
        return tree;
    }

    private static ObjectNode outOfRange(SplittableRandom r, ObjectNode tree) {
        switch (r.nextInt(10)) {
            case 0 -> tree.put("ts", 1_700_000_000L); // seconds, not milliseconds
            case 1 -> tree.put("ts", 10_000_000_000_000L);
            case 2 -> tree.put(tree.has("prompt_tokens") ? "prompt_tokens" : "latency_ms", -1);
            case 3 -> tree.put(tree.has("ramp_stage") ? "ramp_stage" : "ts", tree.has("ramp_stage") ? -2 : 999_999_999_999L);
            case 4 -> tree.put(tree.has("value") ? "value" : "latency_ms", r.nextBoolean() ? 7.0 : -0.5);
            case 5 -> tree.put(tree.has("evaluator_version") ? "evaluator_version" : "ts", 0);
            case 6 -> tree.set(tree.has("score") ? "score" : "latency_ms", NODES.numberNode(new java.math.BigDecimal(r.nextBoolean() ? "1e400" : "-1e400")));
            case 7 -> tree.put(tree.has("experiment_id") ? "experiment_id" : "event_id", tree.has("variant_id") ? "exp" : " ");
            case 8 -> {
                if (tree.has("variant_id")) {
                    tree.put("experiment_id", "exp").put("variant_id", "");
                } else {
                    tree.put("event_id", "");
                }
            }
            default -> tree.put(tree.has("kind") ? "kind" : "status", tree.has("kind") ? "comment" : "ok").put("comment", "  ")
                    .put("score", "NaN");
        }
        return tree;
    }

    private static ObjectNode withOversizedValue(SplittableRandom r, ObjectNode tree) {
        switch (r.nextInt(5)) {
            case 0 -> tree.put("event_id", "x".repeat(257));
            case 1 -> tree.put(tree.has("unit_id") ? "unit_id" : "request_id", "😀".repeat(129)); // 258 UTF-16 units
            case 2 -> {
                ObjectNode attrs = NODES.objectNode();
                for (int i = 0; i < 65; i++) {
                    attrs.put("k" + i, "v");
                }
                tree.set("attributes", attrs);
            }
            case 3 -> tree.set("attributes", NODES.objectNode().put("k", "v".repeat(1024)));
            default -> tree.set("attributes", NODES.objectNode().put("", "v"));
        }
        return tree;
    }
}

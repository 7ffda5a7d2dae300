package dev.flywheel.ingest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Which ClickHouse answers name a row the sink can leave out: the text is 18.16's, copied from a real server. */
class ClickHouseAnswersTest {
    private static final String PARSE_ERROR = """
            Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \\t before: x\\tbad\\n: (at row 2)

            Row 1:
            Column 0,   name: a, type: UInt32, parsed text: "1"
            Column 1,   name: s, type: String, parsed text: "ok"

            Row 2:
            Column 0,   name: a, type: UInt32, ERROR: text "x<TAB>bad<LINE FEED>" is not like UInt32

            , e.what() = DB::Exception
            """;

    @Test
    void aParseErrorNamesItsRowZeroBased() {
        assertEquals(1, ClickHouseHttpWriter.badRow(PARSE_ERROR));
    }

    @Test
    void errorsThatAreNotTheDataNameNoRow() {
        assertEquals(-1, ClickHouseHttpWriter.badRow("Code: 60, e.displayText() = DB::Exception: Table default.t doesn't exist., e.what() = DB::Exception"));
        assertEquals(-1, ClickHouseHttpWriter.badRow("Code: 16, e.displayText() = DB::Exception: No such column nocol in table t (at row 1)"));
        assertEquals(-1, ClickHouseHttpWriter.badRow("Code: 27, e.displayText() = DB::Exception: Cannot parse input"), "no row named");
        assertEquals(-1, ClickHouseHttpWriter.badRow(""));
        assertEquals(-1, ClickHouseHttpWriter.badRow(null));
        assertEquals(-1, ClickHouseHttpWriter.badRow("Code: 27 (at row 0)"), "rows count from 1");
    }
}

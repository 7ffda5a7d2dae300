package dev.flywheel.dashboards.grafana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test-side emulation of Grafana's variables and the plugin's macros behaves like the originals. */
class InterpolationTest {
    private final PluginMacros macros = new PluginMacros(Instant.ofEpochSecond(1_700_000_000), Instant.ofEpochSecond(1_700_003_600), 60);

    @Test
    void timeFilterBecomesAnInclusiveRangeInEpochSeconds() {
        assertEquals("SELECT 1 WHERE ts >= toDateTime(1700000000) AND ts <= toDateTime(1700003600)",
                macros.expand("SELECT 1 WHERE $__timeFilter( ts )"));
    }

    @Test
    void fromToAndIntervalExpandToLiterals() {
        assertEquals("toDateTime(1700000000) toDateTime(1700003600) intDiv(x, 60)",
                macros.expand("$__fromTime $__toTime intDiv(x, $__interval_s)"));
    }

    @Test
    void macrosThatNeedDateTime64OrToStartOfIntervalAreRejected() {
        for (String sql : List.of("$__fromTime_ms", "$__timeInterval(ts)", "$__timeFilter_ms(ts)", "$__dateFilter(d)")) {
            var e = assertThrows(IllegalArgumentException.class, () -> macros.expand(sql), sql);
            assertTrue(e.getMessage().contains("unsupported macro"), e.getMessage());
        }
    }

    @Test
    void intervalBelowOneSecondIsRefusedLikeThePlugin() {
        assertThrows(IllegalArgumentException.class, () -> new PluginMacros(Instant.EPOCH, Instant.ofEpochSecond(1), 0));
    }

    @Test
    void sqlstringQuotesEveryValueAndDoublesInnerQuotes() {
        var vars = new TemplateVariables().with("variant", List.of("a", "it's", "ünï"));
        assertEquals("variant_id IN ('a','it''s','ünï')", vars.substitute("variant_id IN (${variant:sqlstring})"));
    }

    @Test
    void bareAndBracedReferencesAreBothSubstitutedButMacrosAreLeftToThePlugin() {
        var vars = new TemplateVariables().with("run", List.of("run-1"));
        assertEquals("run-1 run-1 $__interval_s", vars.substitute("$run ${run} $__interval_s"));
    }

    @Test
    void aSubstitutedValueIsNeverScannedAgain() {
        var vars = new TemplateVariables().with("a", List.of("$b")).with("b", List.of("oops"));
        assertEquals("'$b'", vars.substitute("${a:sqlstring}"));
    }

    @Test
    void unknownVariableOrFormatIsAnErrorNamingIt() {
        var vars = new TemplateVariables().with("experiment", List.of("e"));
        var unknown = assertThrows(IllegalArgumentException.class, () -> vars.substitute("x = ${experiement:sqlstring}"));
        assertTrue(unknown.getMessage().contains("'experiement'"), unknown.getMessage());
        var format = assertThrows(IllegalArgumentException.class, () -> vars.substitute("${experiment:regex}"));
        assertTrue(format.getMessage().contains("'regex'"), format.getMessage());
    }
}

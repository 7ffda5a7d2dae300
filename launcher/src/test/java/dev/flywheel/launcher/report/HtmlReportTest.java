package dev.flywheel.launcher.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
    private static int count(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void everyPlotOfASeededRunHasItsData() {
        String html = HtmlReport.render(ReportFixture.seeded(7));
        assertEquals(2 + 2, count(html, "<path class=\"series\""), "traffic: champion + candidate; rewards: two runs");
        assertEquals(5 + 5 + 2, count(html, "<line class=\"interval\""), "5 stages x 2 metrics, 2 gates");
        assertEquals(6, count(html, "<line class=\"marker\""), "5 advances and a promotion on the timeline");
        assertTrue(html.contains("<td class=\"pass\">passed</td>") && html.contains("<td class=\"fail\">rejected</td>"), "gate outcomes");
        assertFalse(html.contains("no-data"), "no empty plot");
    }

    @Test
    void pageIsSelfContainedAndEscapesServiceText() {
        String html = HtmlReport.render(ReportFixture.seeded(7));
        assertFalse(html.contains("<script"), "no script");
        assertFalse(Pattern.compile("(src|href)=\"https?:").matcher(html).find(), "nothing fetched from the network");
        assertTrue(html.contains("&lt;ok&gt;"), "decision reasons are escaped");
        assertFalse(html.contains("<ok>"));
    }

    @Test
    void sameSeedSamePage() {
        assertEquals(HtmlReport.render(ReportFixture.seeded(11)), HtmlReport.render(ReportFixture.seeded(11)));
    }

    @Test
    void emptyRunStillRendersWithPlaceholders() {
        String html = HtmlReport.render(new DemoReport("empty", 1000, 1000, List.of(), List.of(), List.of(), List.of(), List.of(), List.of()));
        assertTrue(count(html, "class=\"no-data\"") >= 3, html);
    }

    @Test
    void reportEndingBeforeItStartedIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new DemoReport("x", 2000, 1000, List.of(), List.of(), List.of(), List.of(), List.of(), List.of()));
        assertTrue(e.getMessage().contains("endedMs"));
    }
}

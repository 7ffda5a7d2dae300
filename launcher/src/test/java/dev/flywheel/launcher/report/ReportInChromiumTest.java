package dev.flywheel.launcher.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report opened by a real browser (Debian's headless chromium, offline): the DOM it builds from the file has the
 * plots, and their series carry points. A screenshot proves the page paints. Chromium missing fails with how to fix it.
 */
class ReportInChromiumTest {
    @TempDir
    Path dir;

    private static String chromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return fail("headless chromium is required for this test: apt-get install -y chromium");
    }

    private String run(String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + dir.resolve("profile")));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("chromium.err").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 120 s");
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + readQuietly(dir.resolve("chromium.err")));
        return new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String readQuietly(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void browserRendersEveryPlotWithData() throws Exception {
        Path page = HtmlReport.write(ReportFixture.seeded(3), dir.resolve("report.html"));
        String dom = run("--dump-dom", page.toUri().toString());
        assertTrue(dom.contains("<h1>Flywheel demo</h1>"), dom.substring(0, Math.min(500, dom.length())));
        int plots = count(dom, "<svg class=\"plot\"");
        assertTrue(plots >= 4, "traffic, two metric plots, reward curve, gate plot; got " + plots);
        Matcher series = Pattern.compile("<path class=\"series\"[^>]* d=\"(M[^\"]+)\"").matcher(dom);
        int withPoints = 0;
        while (series.find()) {
            assertTrue(series.group(1).contains(" L"), "a series with more than one point: " + series.group(1));
            withPoints++;
        }
        assertEquals(4, withPoints, "every line series survived parsing with its points");
        assertTrue(count(dom, "<circle class=\"point\"") > 100, "points drawn");
        assertEquals(0, count(dom, "class=\"no-data\""), "no empty plot");

        Path shot = dir.resolve("report.png");
        run("--screenshot=" + shot, "--window-size=1100,2400", page.toUri().toString());
        assertTrue(Files.size(shot) > 10_000, "the screenshot shows a painted page, " + Files.size(shot) + " bytes");
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}

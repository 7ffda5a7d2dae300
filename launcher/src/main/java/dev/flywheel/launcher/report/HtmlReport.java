package dev.flywheel.launcher.report;

import dev.flywheel.launcher.report.DemoReport.DecisionMark;
import dev.flywheel.launcher.report.DemoReport.GateResult;
import dev.flywheel.launcher.report.DemoReport.RewardPoint;
import dev.flywheel.launcher.report.DemoReport.StageMetric;
import dev.flywheel.launcher.report.DemoReport.TrafficPoint;
import dev.flywheel.launcher.report.SvgPlot.IntervalPoint;
import dev.flywheel.launcher.report.SvgPlot.Marker;
import dev.flywheel.launcher.report.SvgPlot.Series;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link DemoReport} as one self-contained HTML page: inline CSS and SVG only (no script, no network), so
 * it opens from disk on an offline machine. Sections: traffic share over time with decisions as markers, primary
 * metric and guardrails per stage with intervals, the decision log, the RFT reward curves and the gate results.
 */
public final class HtmlReport {
    private HtmlReport() {}

    public static Path write(DemoReport report, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, render(report), StandardCharsets.UTF_8);
        return file;
    }

    public static String render(DemoReport r) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(Html.escape(r.title()))
                .append("</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
                        + "h2{border-bottom:1px solid #ccc;margin-top:2em}table{border-collapse:collapse;font-size:13px}"
                        + "td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}"
                        + ".pass{color:#2ca02c;font-weight:bold}.fail{color:#d62728;font-weight:bold}svg.plot{display:block;margin:1em 0}"
                        + "</style></head><body>");
        h.append("<h1>").append(Html.escape(r.title())).append("</h1><p>")
                .append(Html.escape(Instant.ofEpochMilli(r.startedMs()).toString())).append(" → ")
                .append(Html.escape(Instant.ofEpochMilli(r.endedMs()).toString()))
                .append(String.format(Locale.ROOT, " (%.1f min)", (r.endedMs() - r.startedMs()) / 60000.0)).append("</p><ul>");
        r.notes().forEach(n -> h.append("<li>").append(Html.escape(n)).append("</li>"));
        h.append("</ul>");

        h.append("<h2 id=\"traffic\">Traffic share per variant</h2><p>Share of the requests in each polling window served by each variant; dashed lines are decisions.</p>");
        h.append(SvgPlot.lines("traffic share per variant over time", "minutes since start", "% of requests",
                trafficSeries(r), markers(r), 0, 100));

        h.append("<h2 id=\"metrics\">Primary metric and guardrails per stage</h2><p>Treatment − control at the end of each ramp stage, with its confidence interval (stratified by stage).</p>");
        Map<String, List<IntervalPoint>> byMetric = new LinkedHashMap<>();
        for (StageMetric m : r.stages()) {
            byMetric.computeIfAbsent(m.metric() + (m.primary() ? " (primary)" : " (guardrail)"), k -> new ArrayList<>())
                    .add(new IntervalPoint(trim(m.stagePercent()) + "%",
                            m.diff(), m.ciLow(), m.ciHigh(), m.experimentId()));
        }
        if (byMetric.isEmpty()) {
            h.append(SvgPlot.intervals("no metrics", "difference", List.of()));
        }
        byMetric.forEach((metric, points) -> h.append("<h3>").append(Html.escape(metric)).append("</h3>")
                .append(SvgPlot.intervals(metric, "treatment − control", points)));
        h.append("<table class=\"stages\"><tr><th>experiment</th><th>stage</th><th>metric</th><th>control</th><th>treatment</th><th>difference [CI]</th></tr>");
        for (StageMetric m : r.stages()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d (%s %%)</td><td>%s</td><td>%.4f</td><td>%.4f</td><td>%+.4f [%.4f, %.4f]</td></tr>",
                    Html.escape(m.experimentId()), m.stage(), trim(m.stagePercent()), Html.escape(m.metric()), m.controlValue(),
                    m.treatmentValue(), m.diff(), m.ciLow(), m.ciHigh()));
        }
        h.append("</table>");

        h.append("<h2 id=\"decisions\">Decisions</h2><table class=\"decisions\"><tr><th>time</th><th>experiment</th><th>decision</th><th>reason</th></tr>");
        for (DecisionMark d : r.decisions()) {
            h.append(String.format(Locale.ROOT, "<tr><td>+%.1f min</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                    (d.tsMs() - r.startedMs()) / 60000.0, Html.escape(d.experimentId()), Html.escape(d.kind()), Html.escape(d.reason())));
        }
        h.append("</table>");

        h.append("<h2 id=\"rewards\">RFT reward curve</h2><p>Mean reward of each GRPO step's rollouts (exact answer, 0-1).</p>");
        Map<String, List<RewardPoint>> runs = new LinkedHashMap<>();
        r.rewards().forEach(p -> runs.computeIfAbsent(p.runId(), k -> new ArrayList<>()).add(p));
        List<Series> curves = new ArrayList<>();
        runs.forEach((run, pts) -> curves.add(new Series(run, pts.stream().mapToDouble(RewardPoint::step).toArray(),
                pts.stream().mapToDouble(RewardPoint::reward).toArray())));
        h.append(SvgPlot.lines("RFT reward curve", "GRPO step", "mean reward", curves, List.of(), 0, 1));

        h.append("<h2 id=\"gates\">Offline gate</h2><table class=\"gates\"><tr><th>run</th><th>evaluator</th><th>champion</th><th>candidate</th><th>difference CI</th><th>gate</th></tr>");
        for (GateResult g : r.gates()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.4f</td><td>%.4f</td><td>[%.4f, %.4f]</td><td class=\"%s\">%s</td></tr>",
                    Html.escape(g.runId()), Html.escape(g.evaluator()), g.championMean(), g.candidateMean(), g.ciLow(), g.ciHigh(),
                    g.passed() ? "pass" : "fail", g.passed() ? "passed" : "rejected"));
        }
        h.append("</table>");
        h.append(SvgPlot.intervals("gate: candidate − champion", "candidate − champion", r.gates().stream()
                .map(g -> new IntervalPoint(shortId(g.runId()) + " " + g.evaluator(), g.candidateMean() - g.championMean(),
                        g.ciLow(), g.ciHigh(), g.runId())).toList()));
        return h.append("</body></html>\n").toString();
    }

    private static List<Series> trafficSeries(DemoReport r) {
        Map<String, List<TrafficPoint>> bySeries = new LinkedHashMap<>();
        r.traffic().forEach(p -> bySeries.computeIfAbsent(p.series(), k -> new ArrayList<>()).add(p));
        List<Series> out = new ArrayList<>();
        bySeries.forEach((name, pts) -> out.add(new Series(name,
                pts.stream().mapToDouble(p -> minutes(r, p.tsMs())).toArray(), pts.stream().mapToDouble(TrafficPoint::sharePercent).toArray())));
        return out;
    }

    private static List<Marker> markers(DemoReport r) {
        return r.decisions().stream().filter(d -> !d.kind().equals("hold"))
                .map(d -> new Marker(minutes(r, d.tsMs()), d.kind() + " " + d.experimentId() + ": " + d.reason(),
                        switch (d.kind()) {
                            case "rollback", "pause" -> "#d62728";
                            case "promote" -> "#2ca02c";
                            case "advance" -> "#1f77b4";
                            default -> "#888";
                        })).toList();
    }

    private static double minutes(DemoReport r, long ts) {
        return (ts - r.startedMs()) / 60000.0;
    }

    private static String shortId(String id) {
        return id.length() <= 24 ? id : "…" + id.substring(id.length() - 23);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}

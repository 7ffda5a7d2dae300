package dev.flywheel.launcher.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Small inline-SVG charts (no script, no external file: the report must open offline). Every data series is a
 * {@code <path class="series">} with its points as {@code <circle class="point">}, every interval a
 * {@code <line class="interval">}, every timeline marker a {@code <line class="marker">}, so a test can tell a chart
 * with data from an empty frame. Coordinates: 640 × 260 viewBox, 50 px left and 30 px bottom margins.
 */
final class SvgPlot {
    static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"};
    private static final double W = 640;
    private static final double H = 260;
    private static final double LEFT = 50;
    private static final double RIGHT = 12;
    private static final double TOP = 14;
    private static final double BOTTOM = 30;

    /** A named series of (x, y) points. */
    record Series(String name, double[] x, double[] y) {}

    /** A vertical marker at x with a short label (a decision on a timeline). */
    record Marker(double x, String label, String color) {}

    /** One labelled point estimate with an interval (a stage's difference and its CI). */
    record IntervalPoint(String label, double value, double low, double high, String group) {}

    private SvgPlot() {}

    static String lines(String title, String xLabel, String yLabel, List<Series> series, List<Marker> markers,
                        double yMinHint, double yMaxHint) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = yMinHint;
        double yMax = yMaxHint;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                if (Double.isFinite(s.y()[i])) {
                    yMin = Math.min(yMin, s.y()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                }
            }
        }
        for (Marker m : markers) {
            xMin = Math.min(xMin, m.x());
            xMax = Math.max(xMax, m.x());
        }
        if (!Double.isFinite(xMin)) {
            return empty(title);
        }
        Scale sx = new Scale(xMin, xMax == xMin ? xMin + 1 : xMax, LEFT, W - RIGHT);
        Scale sy = new Scale(yMin, yMax == yMin ? yMin + 1 : yMax, H - BOTTOM, TOP);
        StringBuilder svg = open(title);
        axes(svg, sx, sy, xLabel, yLabel);
        for (Marker m : markers) {
            double x = sx.at(m.x());
            svg.append(String.format(Locale.ROOT, "<line class=\"marker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"3,3\"><title>%s</title></line>",
                    x, TOP, x, H - BOTTOM, m.color(), Html.escape(m.label())));
        }
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String color = COLORS[k % COLORS.length];
            StringBuilder d = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    continue;
                }
                double x = sx.at(s.x()[i]);
                double y = sy.at(s.y()[i]);
                d.append(d.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                dots.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>", x, y, color));
            }
            svg.append("<path class=\"series\" data-series=\"").append(Html.escape(s.name())).append("\" d=\"").append(d)
                    .append("\" fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\"/>").append(dots);
        }
        legend(svg, series.stream().map(Series::name).toList());
        return svg.append("</svg>").toString();
    }

    static String intervals(String title, String yLabel, List<IntervalPoint> points) {
        if (points.isEmpty()) {
            return empty(title);
        }
        double lo = 0;
        double hi = 0;
        for (IntervalPoint p : points) {
            lo = Math.min(lo, finiteOr(p.low(), p.value()));
            hi = Math.max(hi, finiteOr(p.high(), p.value()));
        }
        Scale sy = new Scale(lo, hi == lo ? lo + 1 : hi, H - BOTTOM, TOP);
        StringBuilder svg = open(title);
        double step = (W - LEFT - RIGHT) / points.size();
        axes(svg, null, sy, "", yLabel);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>", LEFT, sy.at(0), W - RIGHT, sy.at(0)));
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            IntervalPoint p = points.get(i);
            if (!groups.contains(p.group())) {
                groups.add(p.group());
            }
            String color = COLORS[groups.indexOf(p.group()) % COLORS.length];
            double x = LEFT + step * (i + 0.5);
            if (Double.isFinite(p.low()) && Double.isFinite(p.high())) {
                svg.append(String.format(Locale.ROOT, "<line class=\"interval\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>",
                        x, sy.at(p.low()), x, sy.at(p.high()), color));
            }
            if (Double.isFinite(p.value())) {
                svg.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s: %.4f [%.4f, %.4f]</title></circle>",
                        x, sy.at(p.value()), color, Html.escape(p.label()), p.value(), p.low(), p.high()));
            }
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">%s</text>",
                    x, H - BOTTOM + 12, Html.escape(p.label())));
        }
        legend(svg, groups);
        return svg.append("</svg>").toString();
    }

    private static double finiteOr(double v, double fallback) {
        return Double.isFinite(v) ? v : (Double.isFinite(fallback) ? fallback : 0);
    }

    private static StringBuilder open(String title) {
        return new StringBuilder(String.format(Locale.ROOT,
                "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"%s\">",
                W, H, W, H, Html.escape(title)));
    }

    private static String empty(String title) {
        return open(title).append(String.format(Locale.ROOT, "<text class=\"no-data\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">no data</text></svg>",
                W / 2, H / 2)).toString();
    }

    private static void axes(StringBuilder svg, Scale sx, Scale sy, String xLabel, String yLabel) {
        svg.append(String.format(Locale.ROOT, "<g class=\"axes\" stroke=\"#444\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>",
                LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM, LEFT, TOP, LEFT, H - BOTTOM));
        for (int i = 0; i <= 4; i++) {
            double v = sy.min() + (sy.max() - sy.min()) * i / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%s</text>",
                    LEFT - 4, sy.at(v) + 3, tick(v)));
        }
        if (sx != null) {
            for (int i = 0; i <= 4; i++) {
                double v = sx.min() + (sx.max() - sx.min()) * i / 4;
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">%s</text>",
                        sx.at(v), H - BOTTOM + 12, tick(v)));
            }
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
                (LEFT + W - RIGHT) / 2, H - 4, Html.escape(xLabel)));
        svg.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.1f)\">%s</text>",
                (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2, Html.escape(yLabel)));
    }

    private static void legend(StringBuilder svg, List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            double y = TOP + 4 + 12 * i;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"9\">%s</text>",
                    LEFT + 8, y, COLORS[i % COLORS.length], LEFT + 20, y + 8, Html.escape(names.get(i))));
        }
    }

    private static String tick(double v) {
        return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    /** Linear map from data [min, max] to pixels [from, to]. */
    private record Scale(double min, double max, double from, double to) {
        double at(double v) {
            return from + (v - min) / (max - min) * (to - from);
        }
    }
}

package dev.flywheel.launcher.demo;

import dev.flywheel.launcher.report.DemoReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Collects what the report plots while the demo runs (thread-safe: the ramp poller and the main thread write). */
final class ReportRecorder {
    private final long startedMs;
    private final List<DemoReport.TrafficPoint> traffic = new ArrayList<>();
    private final List<DemoReport.StageMetric> stages = new ArrayList<>();
    private final List<DemoReport.DecisionMark> decisions = new ArrayList<>();
    private final List<DemoReport.RewardPoint> rewards = new ArrayList<>();
    private final List<DemoReport.GateResult> gates = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    ReportRecorder(long startedMs) {
        this.startedMs = startedMs;
    }

    synchronized void traffic(long ts, Map<String, Double> sharePercent) {
        sharePercent.forEach((series, share) -> traffic.add(new DemoReport.TrafficPoint(ts, series, share)));
    }

    synchronized void stage(DemoReport.StageMetric m) {
        stages.add(m);
    }

    synchronized void decision(long ts, String experimentId, String kind, String reason) {
        decisions.add(new DemoReport.DecisionMark(ts, experimentId, kind, reason));
    }

    synchronized void reward(String runId, int step, double reward) {
        rewards.add(new DemoReport.RewardPoint(runId, step, reward));
    }

    synchronized void gate(DemoReport.GateResult g) {
        gates.add(g);
    }

    synchronized void note(String line) {
        notes.add(line);
    }

    synchronized DemoReport build(String title, long endedMs) {
        return new DemoReport(title, startedMs, Math.max(startedMs, endedMs), traffic, stages, decisions, rewards, gates, notes);
    }
}

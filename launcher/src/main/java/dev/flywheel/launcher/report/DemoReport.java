package dev.flywheel.launcher.report;

import java.util.List;

/**
 * Everything the demo's HTML report plots, recorded as the demo ran (times are epoch ms, shares and percents 0-100).
 *
 * @param title      heading of the page
 * @param startedMs  when the demo started (the x axis of time plots starts here)
 * @param endedMs    when it ended
 * @param traffic    observed traffic share per variant over time
 * @param stages     primary metric and guardrails per experiment, ramp stage and treatment, with intervals
 * @param decisions  ramp decisions (and the demo's own milestones) on the timeline
 * @param rewards    the RFT reward curve of every retrain run
 * @param gates      offline gate comparisons of every retrain run
 * @param notes      lines shown under the heading (what ran, where the data is)
 */
public record DemoReport(String title, long startedMs, long endedMs, List<TrafficPoint> traffic, List<StageMetric> stages,
                         List<DecisionMark> decisions, List<RewardPoint> rewards, List<GateResult> gates, List<String> notes) {
    public DemoReport {
        traffic = List.copyOf(traffic);
        stages = List.copyOf(stages);
        decisions = List.copyOf(decisions);
        rewards = List.copyOf(rewards);
        gates = List.copyOf(gates);
        notes = List.copyOf(notes);
        if (endedMs < startedMs) {
            throw new IllegalArgumentException("endedMs must be >= startedMs, got " + endedMs + " < " + startedMs);
        }
    }

    /** Share (0-100) of the requests in one polling window that a variant served ("experiment/variant" or "base"). */
    public record TrafficPoint(long tsMs, String series, double sharePercent) {}

    /**
     * One metric of one treatment in one ramp stage at the end of that stage: control and treatment values and the
     * treatment − control difference with its confidence interval (the splitter's stratified comparison).
     */
    public record StageMetric(String experimentId, int stage, double stagePercent, String metric, boolean primary,
                              double controlValue, double treatmentValue, double diff, double ciLow, double ciHigh) {}

    /** A decision: kind (advance, hold, rollback, promote, pause, or a demo milestone) and its first reason. */
    public record DecisionMark(long tsMs, String experimentId, String kind, String reason) {}

    /** Mean reward of one GRPO step of one run. */
    public record RewardPoint(String runId, int step, double reward) {}

    /** One evaluator of a run's offline gate: champion vs candidate means and the paired difference's interval. */
    public record GateResult(String runId, String evaluator, double championMean, double candidateMean, double ciLow,
                             double ciHigh, boolean passed) {}
}

package dev.flywheel.splitter.experiments.internal;

import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.ExperimentStatus;
import dev.flywheel.splitter.experiments.InvalidExperimentException;
import java.util.Comparator;
import java.util.List;

/**
 * Packs experiments of one layer into disjoint bucket ranges [offset, offset + sliceBuckets) of the layer's 10,000
 * buckets, so that experiments in one layer never share a unit. Slices are taken first-fit at start and kept until
 * archive, so a running experiment's units never move when a neighbour starts or stops.
 */
public final class LayerSlices {
    private LayerSlices() {}

    /**
     * 400 on {@code traffic_percent} if the layer's experiments that are not archived (drafts included, so that a
     * layer is never over-booked) plus this one would exceed 100 %.
     */
    public static void checkCapacity(Experiment candidate, List<Experiment> all) {
        int used = all.stream()
                .filter(e -> !e.id().equals(candidate.id()) && e.layer().equals(candidate.layer()) && e.status() != ExperimentStatus.ARCHIVED)
                .mapToInt(Experiment::sliceBuckets).sum();
        if (used + candidate.sliceBuckets() > Experiment.BUCKETS) {
            throw new InvalidExperimentException("traffic_percent", "layer '" + candidate.layer() + "' has "
                    + percent(Experiment.BUCKETS - used) + " % free, this experiment asks for " + candidate.trafficPercent() + " %");
        }
    }

    /** The first free offset that fits the candidate's slice among the layer's serving experiments. */
    public static int freeOffset(Experiment candidate, List<Experiment> all) {
        List<Experiment> taken = occupants(candidate, all).stream()
                .sorted(Comparator.comparingInt(Experiment::layerOffset)).toList();
        int need = candidate.sliceBuckets();
        int cursor = 0;
        int largestGap = 0;
        for (Experiment e : taken) {
            int gap = e.layerOffset() - cursor;
            if (gap >= need) {
                return cursor;
            }
            largestGap = Math.max(largestGap, gap);
            cursor = Math.max(cursor, e.layerOffset() + e.sliceBuckets());
        }
        if (Experiment.BUCKETS - cursor >= need) {
            return cursor;
        }
        largestGap = Math.max(largestGap, Experiment.BUCKETS - cursor);
        throw new InvalidExperimentException("traffic_percent", "layer '" + candidate.layer() + "' has no free slice of "
                + candidate.trafficPercent() + " % (largest free slice " + percent(largestGap) + " %); lower traffic_percent or archive an experiment in the layer");
    }

    /**
     * True if {@code candidate} newly takes a slice (it serves traffic and {@code previous}, its version before, did
     * not serve on the same slice) that overlaps the slice of another serving experiment in its layer. The experiment
     * store applies this to every record in log order, so that two replicas starting experiments in one layer from
     * stale views cannot both win the same buckets. An experiment keeping its slice is not checked again, so data
     * written before this rule existed cannot lock an experiment in place.
     */
    public static boolean takesOccupiedSlice(Experiment candidate, Experiment previous, List<Experiment> all) {
        if (!candidate.status().servesTraffic()
                || previous != null && previous.status().servesTraffic() && previous.layerOffset() == candidate.layerOffset()
                && previous.sliceBuckets() == candidate.sliceBuckets()) {
            return false;
        }
        int from = candidate.layerOffset();
        int to = from + candidate.sliceBuckets();
        return occupants(candidate, all).stream().anyMatch(e -> e.layerOffset() < to && from < e.layerOffset() + e.sliceBuckets());
    }

    private static List<Experiment> occupants(Experiment candidate, List<Experiment> all) {
        return all.stream()
                .filter(e -> !e.id().equals(candidate.id()) && e.layer().equals(candidate.layer()) && e.status().servesTraffic())
                .toList();
    }

    private static String percent(int buckets) {
        return Double.toString(buckets / (Experiment.BUCKETS / 100.0));
    }
}

package dev.flywheel.ingest.sink;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.ingest.internal.FeedbackRows;
import dev.flywheel.ingest.internal.InferenceRows;
import dev.flywheel.ingest.internal.RowEncoder;
import dev.flywheel.ingest.internal.ScoreRows;
import dev.flywheel.ingest.internal.StateHistoryRows;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which table each consumed topic goes to: inference, feedback and scores into their event tables (V001), the
 * compacted experiment and model topics into their history tables (V002). The event size limit is the codec's.
 */
public final class SinkRoutes {
    /** One topic and how its records become rows. */
    public record Route(Topic topic, RowEncoder encoder) {}

    private final Map<String, Route> byTopic = new LinkedHashMap<>();

    public SinkRoutes(Topics topics, EventCodec codec) {
        add(topics.inference(), new InferenceRows(codec));
        add(topics.feedback(), new FeedbackRows(codec));
        add(topics.scores(), new ScoreRows(codec));
        add(topics.experiments(), new StateHistoryRows("experiment_history", codec));
        add(topics.models(), new StateHistoryRows("model_history", codec));
    }

    private void add(Topic topic, RowEncoder encoder) {
        byTopic.put(topic.name(), new Route(topic, encoder));
    }

    public List<String> topicNames() {
        return List.copyOf(byTopic.keySet());
    }

    public List<Route> all() {
        return List.copyOf(byTopic.values());
    }

    /** The columns of a routed table. */
    public List<String> columnsOf(String table) {
        for (Route r : byTopic.values()) {
            if (r.encoder().table().equals(table)) {
                return r.encoder().columns();
            }
        }
        throw new IllegalArgumentException("no route writes table " + table);
    }

    /** The route of a subscribed topic; a record from any other topic is a programming error. */
    public Route of(String topic) {
        Route r = byTopic.get(topic);
        if (r == null) {
            throw new IllegalStateException("no sink route for topic " + topic + "; routes: " + byTopic.keySet());
        }
        return r;
    }
}

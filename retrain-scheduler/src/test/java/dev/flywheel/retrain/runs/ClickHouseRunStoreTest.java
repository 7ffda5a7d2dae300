package dev.flywheel.retrain.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.retrain.dataset.DatasetBuilder;
import dev.flywheel.retrain.dataset.DatasetSnapshot;
import dev.flywheel.retrain.policy.TrafficFilter;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(FlywheelServicesExtension.class)
class ClickHouseRunStoreTest {
    @Test
    void latestVersionOfEachRunSurvivesARestartOfTheStore(TestServices services) {
        RunJson json = new RunJson(new ObjectMapper());
        RunRecord v1 = new RunRecord("run-a", 1, "p", "base", "", "api", RunStatus.QUEUED, "", "", "", "", "", Map.of(), 10, 10);
        RunRecord v2 = v1.next(RunStatus.TRAINING, 20).withDataset("ds-1").withDetails(Map.of("k", "v ✓"));
        new ClickHouseRunStore(services.clickhouseConnections(), json).save(v1);
        new ClickHouseRunStore(services.clickhouseConnections(), json).save(v2);
        ClickHouseRunStore reopened = new ClickHouseRunStore(services.clickhouseConnections(), json);
        assertEquals(v2, reopened.get("run-a").orElseThrow());
        assertEquals(List.of(v2), reopened.list());
        assertTrue(reopened.get("run-none").isEmpty());
    }

    @Test
    void datasetJoinsScoresAndFeedbackOnTheRequestIdAndMetricsAreWritten(TestServices services) throws Exception {
        try (Connection c = services.clickhouseConnections().open(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO inference_events (event_id, ts, ts_ms, experiment_id, variant_id, prompt, completion, status, attributes)"
                    + " VALUES ('r1', toDateTime(1768010000), 1768010000000, 'e', 'v', '[{\"role\":\"user\",\"content\":\"1+2=\"}]', '3', 'ok', '{\"reference\":\"3\"}'),"
                    + " ('r2', toDateTime(1768010001), 1768010001000, 'e', 'v', '[{\"role\":\"user\",\"content\":\"1+2=\"}]', '4', 'ok', '{}'),"
                    + " ('r3', toDateTime(1768010002), 1768010002000, 'other', 'v', '[{\"role\":\"user\",\"content\":\"5+5=\"}]', '10', 'ok', '{}')");
            for (int k = 10; k < 20; k++) {
                st.execute("INSERT INTO inference_events (event_id, ts, ts_ms, experiment_id, variant_id, prompt, completion, status, attributes)"
                        + " VALUES ('q" + k + "', toDateTime(1768009000), 1768009000000, 'e', 'v', '[{\"role\":\"user\",\"content\":\"" + k
                        + "+1=\"}]', '', 'ok', '{}')");
            }
            st.execute("INSERT INTO score_events (event_id, ts, ts_ms, request_id, evaluator_id, score, status)"
                    + " VALUES ('s1', toDateTime(1768010000), 1768010000000, 'r2', 'exact_answer', 0, 'ok')");
            st.execute("INSERT INTO feedback_events (event_id, ts, ts_ms, request_id, kind, value)"
                    + " VALUES ('f1', toDateTime(1768010000), 1768010000000, 'r2', 'thumbs', 0)");
        }
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1768010100), ZoneOffset.UTC);
        DatasetSnapshot s = new DatasetBuilder(services.clickhouseConnections(), new ObjectMapper(), clock)
                .build(new TrafficFilter(List.of("e"), List.of(), 1, 100, 50));
        var all = new java.util.ArrayList<>(s.train());
        all.addAll(s.holdout());
        assertEquals(11, all.size(), "distinct prompts of experiment e only");
        var item = all.stream().filter(i -> i.prompt().equals("1+2=")).findFirst().orElseThrow();
        assertEquals("r2", item.requestId(), "the newest request of a duplicated prompt wins");
        assertEquals(0.0, item.scores().get("exact_answer"));
        assertEquals(0.0, item.feedback());

        new ClickHouseMetricsSink(services.clickhouseConnections(), clock).write("run-a", 3, Map.of("reward_mean", 0.5, "kl", Double.NaN));
        try (Connection c = services.clickhouseConnections().open(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT metric, value FROM training_metrics WHERE run_id = 'run-a' AND step = 3")) {
            assertTrue(rs.next());
            assertEquals("reward_mean", rs.getString(1));
            assertEquals(0.5, rs.getDouble(2));
            assertTrue(!rs.next(), "non-finite values are skipped");
        }
    }
}

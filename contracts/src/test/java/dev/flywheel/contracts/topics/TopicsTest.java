package dev.flywheel.contracts.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void standardNamesCarryTheSchemaVersionAndDlqTwins() {
        Topics t = Topics.standard();
        assertEquals("llm.inference.v1", t.inference().name());
        assertEquals("llm.inference.v1.dlq", t.inference().dlq());
        assertEquals("llm.feedback.v1", t.feedback().name());
        assertEquals("llm.scores.v1", t.scores().name());
        assertEquals(Topic.Kind.LOGGED_STATE, t.experiments().kind(), "every experiment write kept: the log is a compare-and-set");
        assertEquals(Topic.Kind.COMPACTED_STATE, t.models().kind());
        assertEquals(Topic.Kind.STREAM, t.inference().kind());
        assertTrue(t.experiments().state() && t.models().state() && !t.scores().state());
        assertEquals(5, t.all().size());
    }

    @Test
    void prefixNamespacesEveryTopic() {
        Topics t = new Topics("staging.");
        assertEquals("staging.flywheel.experiments.v1", t.experiments().name());
        assertEquals("staging.llm.scores.v1.dlq", t.scores().dlq());
        assertThrows(IllegalArgumentException.class, () -> new Topics("no-dot"));
    }
}

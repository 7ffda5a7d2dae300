package dev.flywheel.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FlywheelServicesExtension.class)
class FlywheelServicesExtensionTest {

    @Test
    void eachClassGetsAMigratedDatabaseAndItsOwnTopics(TestServices services) throws Exception {
        try (Connection c = services.clickhouseConnections().open(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count() FROM system.tables WHERE database = '" + services.clickhouse().database()
                     + "' AND name IN ('inference_events', 'feedback_events', 'score_events', 'experiment_history', 'ramp_decisions')")) {
            assertTrue(rs.next());
            assertEquals(5, rs.getInt(1));
        }
        try (Admin admin = Admin.create(services.adminProperties())) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertTrue(names.contains(services.topics().inference().name()));
            assertTrue(names.contains(services.topics().experiments().dlq()));
        }
        assertTrue(services.topics().inference().name().startsWith(services.namespace() + "."));
    }

    @Test
    void namespacesAreValidAndDistinct() {
        String a = FlywheelServicesExtension.namespaceFor(FlywheelServicesExtensionTest.class);
        String b = FlywheelServicesExtension.namespaceFor(FlywheelServicesExtensionTest.class);
        assertNotEquals(a, b);
        assertTrue(a.matches("[a-z0-9_]{1,64}"), a);
    }

    /** A replica that starts while another is migrating re-runs statements that already took effect: all must be safe. */
    @Test
    void reapplyingEveryMigrationOverAnExistingSchemaSucceeds(TestServices services) throws Exception {
        try (Connection c = services.clickhouseConnections().open(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE " + services.clickhouse().database() + ".schema_migrations");
        }
        var reapplied = new dev.flywheel.contracts.clickhouse.Migrator(services.clickhouseConnections()).migrate();
        assertEquals(dev.flywheel.contracts.clickhouse.Migrator.load().size(), reapplied.size());
    }

    @Test
    void migratingTwiceChangesNothing(TestServices services) {
        assertEquals(java.util.List.of(), new dev.flywheel.contracts.clickhouse.Migrator(services.clickhouseConnections()).migrate());
    }
}

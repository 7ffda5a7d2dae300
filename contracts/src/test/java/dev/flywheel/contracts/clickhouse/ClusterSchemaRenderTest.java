package dev.flywheel.contracts.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The generator over the shipped migrations. Determinism across runs is checked by dashboards' ClusterSchemaTest, which
 * compares this JVM's output byte for byte with the committed file, generated in another JVM (other Map.of order).
 */
class ClusterSchemaRenderTest {

    @Test
    void shippedMigrationsRenderWithoutPlaceholdersForTheChosenDatabaseAndCluster() {
        String sql = ClusterSchema.render("analytics", "prod");
        assertFalse(sql.contains("${db}"), sql);
        assertFalse(sql.replaceAll("(?m)^--.*$", "").contains("flywheel"), "database and cluster come from the arguments");
        long creates = sql.lines().filter(l -> l.startsWith("CREATE TABLE IF NOT EXISTS analytics.")).count();
        long onProd = sql.lines().filter(l -> l.startsWith("CREATE TABLE IF NOT EXISTS analytics.") && l.contains(" ON CLUSTER prod ")).count();
        assertEquals(creates, onProd, "every table is created ON CLUSTER");
        assertTrue(creates >= 16, "a local and a Distributed table per migrated table, found " + creates);
    }

    @Test
    void afterAVersionOnlyTheNewerMigrationsAreRendered() {
        String newest = ClusterSchema.render("flywheel", "flywheel_cluster", 28);
        assertTrue(newest.contains("-- V030__eval_datasets_and_runs.sql"), newest);
        assertFalse(newest.contains("-- V028__"), newest);
        assertFalse(newest.contains("inference_events_local ON CLUSTER"), newest);
        assertTrue(newest.contains("CREATE DATABASE IF NOT EXISTS flywheel ON CLUSTER flywheel_cluster;"), newest);
    }
}

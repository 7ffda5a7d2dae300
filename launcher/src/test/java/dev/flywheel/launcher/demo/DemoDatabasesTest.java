package dev.flywheel.launcher.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DemoDatabasesTest {
    private static final long NOW = 1_795_331_378_096L;
    private static final long MIN = 60_000L;

    private static String run(long minutesAgo) {
        return DemoDatabases.nameFor("flywheel_demo", NOW - minutesAgo * MIN);
    }

    @Test
    void runDatabaseNameRoundTripsItsStartTime() {
        String name = DemoDatabases.nameFor("flywheel_demo", NOW);
        assertEquals(Optional.of(NOW), DemoDatabases.startOf("flywheel_demo", name));
        assertEquals(Optional.empty(), DemoDatabases.startOf("flywheel_demo", "flywheel_demo"));
        assertEquals(Optional.empty(), DemoDatabases.startOf("flywheel_demo", "flywheel"));
        assertEquals(Optional.empty(), DemoDatabases.startOf("flywheel_demo", "flywheel_demo_x_y"));
    }

    @Test
    void dropsOnlyOldRunsBeyondTheNewestKeptOnesOldestFirst() {
        String current = run(0);
        List<String> names = List.of(run(300), "flywheel", current, run(120), "default", run(60), run(200), "flywheel_demo_other_db", run(90));
        assertEquals(List.of(run(300), run(200), run(120)),
                DemoDatabases.toDrop(names, "flywheel_demo", current, NOW, 2, Duration.ofMinutes(30)));
    }

    @Test
    void neverDropsTheCurrentRunNorOneYoungEnoughToStillBeRunning() {
        String current = run(0);
        List<String> names = List.of(current, run(5), run(10), run(20), run(45));
        assertEquals(List.of(run(45)), DemoDatabases.toDrop(names, "flywheel_demo", current, NOW, 0, Duration.ofMinutes(30)));
    }

    @Test
    void nothingToDropOnAFreshServer() {
        assertEquals(List.of(), DemoDatabases.toDrop(List.of("default", "system"), "flywheel_demo", run(0), NOW, 2, Duration.ofMinutes(30)));
    }

    @Test
    void refusesAPrefixThatIsNotAPlainIdentifier() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DemoDatabases(null, "demo; DROP TABLE x", null));
        assertEquals(true, e.getMessage().contains("database prefix"));
    }
}

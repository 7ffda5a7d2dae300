package dev.flywheel.splitter.assignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.assignment.internal.Murmur3Reference;
import dev.flywheel.splitter.experiments.ExperimentFixtures;
import dev.flywheel.splitter.experiments.ExperimentService;
import dev.flywheel.splitter.experiments.InMemoryExperimentStore;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The allocation-free assignment path against its scalar references (byte-array Murmur3, {@code %} for buckets). */
class AssignmentFastPathTest {

    private static int referenceBucket(int hash) {
        return (int) (Integer.toUnsignedLong(hash) % 10_000);
    }

    @Test
    void bucketByMultiplyAndShiftEqualsModuloOnEdgesAndRandomHashes() {
        long[] edges = {0, 1, 9_999, 10_000, 10_001, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0xfffffffeL,
                4_294_960_000L, 4_294_959_999L, 4_294_967_295L - 10_000};
        for (long e : edges) {
            int h = (int) e;
            assertEquals(referenceBucket(h), BucketHash.bucketOf(h), () -> "bucket of unsigned " + e);
        }
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 2_000_000; i++) {
            int h = random.nextInt();
            assertEquals(referenceBucket(h), BucketHash.bucketOf(h), () -> "bucket of " + Integer.toUnsignedString(h));
        }
    }

    @Test
    void precomputedSaltGivesTheReferenceBucketForEverySaltAlignment() {
        // Salt lengths 0..9 in bytes (with 2- and 3-byte chars) leave 0..3 bytes of the salt's last block pending.
        String[] salts = {"", "a", "ab", "abc", "abcd", "é", "éa", "中", "中é", "salt-chat-a", "layer/checkout", "\uD83D\uDE00x"};
        char[] alphabet = "aZ09-_.@ éüßΩ中文ユーザー\uD83D\uDE00\uD800\uDFFF".toCharArray();
        SplittableRandom random = new SplittableRandom(5);
        for (String salt : salts) {
            BucketHash.Salt precomputed = BucketHash.salt(salt);
            for (int n = 0; n < 2_000; n++) {
                StringBuilder unit = new StringBuilder();
                int len = random.nextInt(24);
                for (int i = 0; i < len; i++) unit.append(alphabet[random.nextInt(alphabet.length)]);
                String u = unit.toString();
                int expected = referenceBucket(Murmur3Reference.hash32((salt + ":" + u).getBytes(StandardCharsets.UTF_8), 0));
                assertEquals(expected, BucketHash.bucket(precomputed, u), () -> "bucket of " + salt + ":" + u);
            }
        }
    }

    @Test
    void assignmentAllocatesNothingPerDecision() {
        InMemoryExperimentStore store = new InMemoryExperimentStore();
        ExperimentService service = new ExperimentService(store, v -> {}, Clock.systemUTC(), new SplittableRandom(3));
        service.create(ExperimentFixtures.definition("exp-1"));
        service.start("exp-1", "go");
        service.advance("exp-1", "ok");
        AssignmentTable table = AssignmentTable.of(store.all(), store.revision());
        Assigner assigner = new Assigner();
        UnitIds[] units = new UnitIds[1_000];
        for (int i = 0; i < units.length; i++) {
            units[i] = new UnitIds("user-" + i, "sess-" + i, "req-" + i);
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        int inExperiment = 0;
        for (UnitIds u : units) { // first pass: class initialisation, not measured
            inExperiment += assigner.assign(table, u) instanceof Assignment.InExperiment ? 1 : 0;
        }
        long before = threads.getThreadAllocatedBytes(id);
        for (int round = 0; round < 100; round++) {
            for (UnitIds u : units) {
                inExperiment += assigner.assign(table, u) instanceof Assignment.InExperiment ? 1 : 0;
            }
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        // 100,000 decisions; one small object each would be >= 1.6 MB. Allow a little for the measurement itself.
        assertTrue(allocated < 16_384, "100,000 decisions allocated " + allocated + " bytes");
        assertTrue(inExperiment > 0, "some units are in the experiment");
    }
}

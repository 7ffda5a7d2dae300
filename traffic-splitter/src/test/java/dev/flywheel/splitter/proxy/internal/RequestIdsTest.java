package dev.flywheel.splitter.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void idsAreUniqueAcrossConcurrentCallersAndMatchTheAcceptedIdShape() throws Exception {
        RequestIds ids = new RequestIds(new SplittableRandom(1));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Thread> threads = List.of(1, 2, 3, 4).stream().map(t -> Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 10_000; i++) {
                seen.add(ids.next());
            }
        })).toList();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(40_000, seen.size());
        for (String id : seen) {
            assertTrue(id.matches("req-[0-9a-f]{16}-[0-9a-f]+") && id.length() <= 128, id);
        }
    }

    @Test
    void instancesWithDifferentRandomPartsNeverCollide() {
        Set<String> first = new HashSet<>();
        RequestIds a = new RequestIds(new SplittableRandom(1));
        RequestIds b = new RequestIds(new SplittableRandom(2));
        for (int i = 0; i < 1_000; i++) {
            first.add(a.next());
        }
        for (int i = 0; i < 1_000; i++) {
            assertTrue(!first.contains(b.next()));
        }
        assertNotEquals(new RequestIds(new SplittableRandom(1)).next(), new RequestIds(new SplittableRandom(2)).next());
    }
}

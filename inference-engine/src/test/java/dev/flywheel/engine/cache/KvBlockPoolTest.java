package dev.flywheel.engine.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KvBlockPoolTest {
    private static final int BS = 4;

    private static int[] tokens(int from, int count) {
        return IntStream.range(from, from + count).toArray();
    }

    /** Opens, "computes" the whole prompt and returns the still-open sequence. */
    private static SequenceKv prefill(KvBlockPool pool, String ns, int[] prompt, int maxTokens) {
        SequenceKv kv = pool.open(ns, prompt, maxTokens).orElseThrow();
        kv.ensureCapacity(prompt.length);
        kv.commit(prompt, prompt.length);
        return kv;
    }

    @Test
    void prefixCacheNeverServesOneAdaptersKvToAnother() {
        KvBlockPool pool = new KvBlockPool(2, 8, 64, BS);
        int[] prompt = tokens(100, 3 * BS + 1);
        prefill(pool, "adapter:a#1", prompt, prompt.length).close();

        try (SequenceKv other = pool.open("adapter:b#2", prompt, prompt.length).orElseThrow();
             SequenceKv base = pool.open("base", prompt, prompt.length).orElseThrow();
             SequenceKv reloadedA = pool.open("adapter:a#3", prompt, prompt.length).orElseThrow()) {
            assertEquals(0, other.cachedTokens(), "adapter b must not reuse adapter a's KV");
            assertEquals(0, base.cachedTokens(), "the base model must not reuse adapter a's KV");
            assertEquals(0, reloadedA.cachedTokens(), "a reloaded adapter must not reuse its old weights' KV");
        }
        try (SequenceKv same = pool.open("adapter:a#1", prompt, prompt.length).orElseThrow()) {
            assertEquals(3 * BS, same.cachedTokens());
        }
    }

    @Test
    void aHitReusesTheCachedBlocksInsteadOfNewOnes() {
        KvBlockPool pool = new KvBlockPool(1, 8, 16, BS);
        int[] prompt = tokens(7, 2 * BS + 3);
        SequenceKv first = prefill(pool, "base", prompt, prompt.length);
        int[] firstBlocks = Arrays.copyOf(first.blockTable(), 2);
        first.close();
        int usedBefore = pool.usedBlocks();

        int[] longer = Arrays.copyOf(prompt, prompt.length + 5);
        try (SequenceKv second = pool.open("base", longer, longer.length + 4).orElseThrow()) {
            assertEquals(2 * BS, second.cachedTokens());
            assertArrayEquals(firstBlocks, Arrays.copyOf(second.blockTable(), 2));
            assertEquals(usedBefore + 2, pool.usedBlocks(), "only the two hit blocks are referenced before allocation");
        }
        assertEquals(2 * BS, pool.stats().hitTokens());
        assertEquals(prompt.length + longer.length, pool.stats().lookupTokens());
    }

    @Test
    void aPrefixDivergingInTheSecondBlockHitsOnlyTheFirst() {
        KvBlockPool pool = new KvBlockPool(1, 8, 16, BS);
        int[] prompt = tokens(0, 3 * BS);
        prefill(pool, "base", prompt, prompt.length).close();
        int[] changed = prompt.clone();
        changed[BS + 1] = 999;
        try (SequenceKv kv = pool.open("base", changed, changed.length).orElseThrow()) {
            assertEquals(BS, kv.cachedTokens());
        }
    }

    @Test
    void theLastPromptTokenIsAlwaysRecomputedEvenWhenEveryBlockIsCached() {
        KvBlockPool pool = new KvBlockPool(1, 8, 16, BS);
        int[] prompt = tokens(0, 2 * BS);
        prefill(pool, "base", prompt, prompt.length).close();
        try (SequenceKv kv = pool.open("base", prompt, prompt.length).orElseThrow()) {
            assertEquals(BS, kv.cachedTokens(), "the block holding the last token must be recomputed for logits");
        }
    }

    @Test
    void runningSequencesShareCachedBlocksAndTheyStayUntilTheLastOneCloses() {
        KvBlockPool pool = new KvBlockPool(1, 8, 8, BS);
        int[] prompt = tokens(0, 2 * BS + 1);
        SequenceKv a = prefill(pool, "base", prompt, prompt.length);
        SequenceKv b = pool.open("base", prompt, prompt.length).orElseThrow();
        assertEquals(2 * BS, b.cachedTokens());
        assertEquals(a.blockTable()[0], b.blockTable()[0]);
        a.close();
        assertEquals(2, pool.usedBlocks(), "b still references the two shared blocks");
        assertEquals(0, pool.cachedFreeBlocks());
        b.close();
        assertEquals(0, pool.usedBlocks());
        assertEquals(2, pool.cachedFreeBlocks());
    }

    @Test
    void evictionFreesTheLeastRecentlyUsedCachedBlocksWhenThePoolIsFull() {
        KvBlockPool pool = new KvBlockPool(1, 8, 4, BS);
        int[] old = tokens(0, 2 * BS + 1);
        int[] recent = tokens(50, BS + 1);
        prefill(pool, "base", old, old.length).close();      // caches 2 blocks, frees the third
        prefill(pool, "base", recent, recent.length).close(); // caches 1 more block
        assertEquals(3, pool.cachedFreeBlocks());
        assertEquals(4, pool.availableBlocks(), "cached unreferenced blocks count as available");

        // Needs 3 blocks: 1 free + evicts 2 cached ones, oldest first (old's tail, then old's head).
        int[] fresh = tokens(1000, 3 * BS);
        SequenceKv kv = pool.open("base", fresh, fresh.length).orElseThrow();
        kv.ensureCapacity(fresh.length);
        assertEquals(2, pool.stats().evictions());
        kv.close();
        try (SequenceKv again = pool.open("base", recent, recent.length).orElseThrow()) {
            assertEquals(BS, again.cachedTokens(), "the most recently used prefix survives eviction");
        }
        try (SequenceKv gone = pool.open("base", old, old.length).orElseThrow()) {
            assertEquals(0, gone.cachedTokens(), "evicted blocks are no longer served");
        }
    }

    @Test
    void openRefusesWithoutSideEffectsWhenReservationsWouldExceedThePool() {
        KvBlockPool pool = new KvBlockPool(1, 8, 4, BS);
        int[] prompt = tokens(0, BS + 1);
        SequenceKv a = prefill(pool, "base", prompt, prompt.length);
        SequenceKv big = pool.open("base", tokens(500, 2), 2 * BS).orElseThrow(); // reserves 2, allocates none
        assertEquals(0, pool.availableBlocks());
        assertTrue(pool.open("base", prompt, prompt.length).isEmpty(), "no room for the second block");
        assertEquals(2, pool.usedBlocks(), "a refused open releases its prefix hits");
        big.close();
        a.close();
        assertEquals(4, pool.availableBlocks());
    }

    @Test
    void kvStorageIsAllocatedOnceAndNeverPerRequest() {
        KvBlockPool pool = new KvBlockPool(3, 8, 16, BS);
        float[] k0 = pool.keys(0);
        float[] v2 = pool.values(2);
        assertEquals(16 * BS * 8, k0.length);
        for (int i = 0; i < 100; i++) {
            prefill(pool, "base", tokens(i * 10, 2 * BS + 1), 3 * BS).close();
        }
        assertSame(k0, pool.keys(0));
        assertSame(v2, pool.values(2));
        assertEquals(0, pool.usedBlocks());
    }

    @Test
    void decodedTokensFillingABlockArePublishedToo() {
        KvBlockPool pool = new KvBlockPool(1, 8, 16, BS);
        int[] all = tokens(0, 2 * BS + 1);
        SequenceKv kv = pool.open("base", Arrays.copyOf(all, 2), all.length).orElseThrow();
        for (int computed = 1; computed <= all.length; computed++) {
            kv.ensureCapacity(computed);
            kv.commit(all, computed);
        }
        kv.close();
        try (SequenceKv next = pool.open("base", all, all.length).orElseThrow()) {
            assertEquals(2 * BS, next.cachedTokens());
        }
    }

    @Test
    void misuseFailsWithAMessageNamingTheProblem() {
        KvBlockPool pool = new KvBlockPool(1, 8, 2, BS);
        var tooMany = assertThrows(IllegalArgumentException.class, () -> pool.open("base", tokens(0, 1), 3 * BS));
        assertTrue(tooMany.getMessage().contains("KV blocks"), tooMany.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.open("base", new int[0], 4));
        SequenceKv kv = pool.open("base", tokens(0, 1), BS).orElseThrow();
        var overflow = assertThrows(IllegalArgumentException.class, () -> kv.ensureCapacity(BS + 1));
        assertTrue(overflow.getMessage().contains("opened for"), overflow.getMessage());
        kv.close();
        kv.close(); // idempotent
        assertEquals(2, pool.availableBlocks());
        assertThrows(IllegalArgumentException.class, () -> new KvBlockPool(1, 8, 0, BS));
    }

    @Test
    void chainedHashDependsOnTheWholePrefixAndTheNamespace() {
        int[] t = tokens(0, 2 * BS);
        PrefixHash base = PrefixHash.seed("base");
        PrefixHash a = PrefixHash.seed("adapter:a#1");
        assertEquals(base.next(t, 0, BS), PrefixHash.seed("base").next(t, 0, BS));
        assertNotEquals(base.next(t, 0, BS), a.next(t, 0, BS));
        // The same second block after different first blocks hashes differently.
        int[] u = t.clone();
        u[0] = 42;
        assertNotEquals(base.next(t, 0, BS).next(t, BS, BS), base.next(u, 0, BS).next(u, BS, BS));
    }
}

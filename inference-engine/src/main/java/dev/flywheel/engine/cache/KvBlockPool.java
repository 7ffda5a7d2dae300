package dev.flywheel.engine.cache;

import dev.flywheel.engine.cache.internal.BlockLru;
import dev.flywheel.engine.model.KvCache;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The paged KV cache: {@code numBlocks} fixed-size blocks of {@code blockSize} token slots, with K
 * and V preallocated once per layer as float[numBlocks * blockSize * kvDim] (slot s of block b is
 * index (b * blockSize + s) * kvDim, the layout of Kernels.attention). Requests never allocate KV
 * storage; they take block ids from a free list through a {@link SequenceKv}.
 *
 * <p>Prefix cache: a full block can be registered under its {@link PrefixHash}. Blocks have reference
 * counts; a cached block nobody references sits in an LRU list and is evicted (its hash forgotten)
 * only when the free list is empty and a block is needed.
 *
 * <p>Admission reserves the worst case (prompt + max_tokens) up front, so a running sequence never
 * runs out of blocks and nothing is preempted. Invariant: reserved &lt;= free + evictable.
 *
 * <p>Thread-safety: bookkeeping methods are synchronized (metrics read them from other threads);
 * the K/V arrays are written by the single engine thread.
 */
public final class KvBlockPool implements KvCache {
    private final int nLayers;
    private final int kvDim;
    private final int numBlocks;
    private final int blockSize;
    private final float[][] keys;
    private final float[][] values;

    private final int[] refCount;
    private final int[] freeStack;
    private int freeTop;
    private final BlockLru evictable;
    private final PrefixHash[] blockHash;
    private final Map<PrefixHash, Integer> index = new HashMap<>();
    private int reserved;

    private long lookupTokens;
    private long hitTokens;
    private long evictions;

    public KvBlockPool(int nLayers, int kvDim, int numBlocks, int blockSize) {
        if (nLayers <= 0) {
            throw new IllegalArgumentException("nLayers must be positive, got " + nLayers);
        }
        if (kvDim <= 0) {
            throw new IllegalArgumentException("kvDim must be positive, got " + kvDim);
        }
        if (numBlocks <= 0) {
            throw new IllegalArgumentException("numBlocks must be positive, got " + numBlocks);
        }
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be positive, got " + blockSize);
        }
        long floatsPerLayer = (long) numBlocks * blockSize * kvDim;
        if (floatsPerLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("numBlocks * blockSize * kvDim must fit a Java array, got "
                    + numBlocks + " * " + blockSize + " * " + kvDim + " = " + floatsPerLayer);
        }
        this.nLayers = nLayers;
        this.kvDim = kvDim;
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.keys = new float[nLayers][(int) floatsPerLayer];
        this.values = new float[nLayers][(int) floatsPerLayer];
        this.refCount = new int[numBlocks];
        this.freeStack = new int[numBlocks];
        // Pop order 0, 1, 2, ... keeps fresh pools easy to reason about in tests.
        for (int i = 0; i < numBlocks; i++) {
            freeStack[i] = numBlocks - 1 - i;
        }
        this.freeTop = numBlocks;
        this.evictable = new BlockLru(numBlocks);
        this.blockHash = new PrefixHash[numBlocks];
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public float[] keys(int layer) {
        return keys[Objects.checkIndex(layer, nLayers)];
    }

    @Override
    public float[] values(int layer) {
        return values[Objects.checkIndex(layer, nLayers)];
    }

    public int kvDim() {
        return kvDim;
    }

    public int totalBlocks() {
        return numBlocks;
    }

    /** Bytes of K and V storage held by the pool (allocated at construction). */
    public long bytes() {
        return 2L * nLayers * numBlocks * blockSize * kvDim * Float.BYTES;
    }

    /** Blocks referenced by at least one sequence. */
    public synchronized int usedBlocks() {
        return numBlocks - freeTop - evictable.size();
    }

    /** Unreferenced blocks that still hold reusable prefix KV. */
    public synchronized int cachedFreeBlocks() {
        return evictable.size();
    }

    /** Blocks a new sequence could still reserve. */
    public synchronized int availableBlocks() {
        return freeTop + evictable.size() - reserved;
    }

    public synchronized PrefixCacheStats stats() {
        return new PrefixCacheStats(lookupTokens, hitTokens, evictions);
    }

    /** Blocks needed to hold {@code tokens} token slots. */
    public int blocksFor(int tokens) {
        return Math.ceilDiv(tokens, blockSize);
    }

    /**
     * Opens a sequence: reuses the longest cached prefix of {@code prompt} in {@code namespace} and
     * reserves blocks for the rest of {@code maxTokens} (prompt plus everything it may generate).
     * Returns empty, changing nothing, when the pool cannot hold it now.
     */
    public synchronized Optional<SequenceKv> open(String namespace, int[] prompt, int maxTokens) {
        Objects.requireNonNull(prompt, "prompt");
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must have at least one token");
        }
        if (maxTokens < prompt.length) {
            throw new IllegalArgumentException("maxTokens must be >= prompt length " + prompt.length + ", got " + maxTokens);
        }
        int tableSize = blocksFor(maxTokens);
        if (tableSize > numBlocks) {
            throw new IllegalArgumentException(maxTokens + " tokens need " + tableSize + " KV blocks but the pool has " + numBlocks);
        }
        int[] table = new int[tableSize];
        PrefixHash[] hashes = new PrefixHash[tableSize];
        PrefixHash h = PrefixHash.seed(namespace);
        // The last prompt token is always recomputed: its logits start generation.
        int maxHits = (prompt.length - 1) / blockSize;
        int hits = 0;
        while (hits < maxHits) {
            h = h.next(prompt, hits * blockSize, blockSize);
            Integer block = index.get(h);
            if (block == null) {
                break;
            }
            retain(block);
            table[hits] = block;
            hashes[hits] = h;
            hits++;
        }
        int need = tableSize - hits;
        if (freeTop + evictable.size() - reserved < need) {
            for (int i = hits - 1; i >= 0; i--) {
                release(table[i]);
            }
            return Optional.empty();
        }
        reserved += need;
        lookupTokens += prompt.length;
        hitTokens += (long) hits * blockSize;
        return Optional.of(new SequenceKv(this, namespace, table, hashes, hits, need));
    }

    /** Takes one block out of a reservation made by {@link #open}. */
    synchronized int allocateReserved() {
        if (reserved <= 0) {
            throw new IllegalStateException("no KV block reservation to allocate from");
        }
        int block;
        if (freeTop > 0) {
            block = freeStack[--freeTop];
        } else {
            block = evictable.takeOldest();
            index.remove(blockHash[block]);
            blockHash[block] = null;
            evictions++;
        }
        reserved--;
        refCount[block] = 1;
        return block;
    }

    synchronized void unreserve(int blocks) {
        if (blocks < 0 || blocks > reserved) {
            throw new IllegalStateException("cannot return " + blocks + " reserved blocks, " + reserved + " reserved");
        }
        reserved -= blocks;
    }

    /**
     * Publishes a full, computed block under its chain hash. If another sequence already published the
     * same content the existing entry wins and this block stays private (freed when released).
     */
    synchronized void register(PrefixHash hash, int block) {
        if (refCount[block] <= 0) {
            throw new IllegalStateException("cannot register unreferenced block " + block);
        }
        if (blockHash[block] != null || index.containsKey(hash)) {
            return;
        }
        index.put(hash, block);
        blockHash[block] = hash;
    }

    private void retain(int block) {
        if (refCount[block] == 0) {
            evictable.remove(block);
        }
        refCount[block]++;
    }

    synchronized void release(int block) {
        if (refCount[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than retained");
        }
        if (--refCount[block] == 0) {
            if (blockHash[block] != null) {
                evictable.append(block);
            } else {
                freeStack[freeTop++] = block;
            }
        }
    }
}

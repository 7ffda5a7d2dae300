package dev.flywheel.engine.cache;

/**
 * One sequence's view of the {@link KvBlockPool}: its block table (position p lives in block
 * {@code blockTable()[p / blockSize]}), the prompt tokens already served from the prefix cache, and
 * the blocks still reserved for it. Used by the single engine thread; {@link #close()} returns every
 * block at once.
 */
public final class SequenceKv implements AutoCloseable {
    private final KvBlockPool pool;
    private final String namespace;
    private final int[] table;
    private final PrefixHash[] hashes;
    private final int cachedTokens;
    private int allocated;
    private int hashed;
    private int reservedLeft;
    private boolean closed;

    SequenceKv(KvBlockPool pool, String namespace, int[] table, PrefixHash[] hashes, int hitBlocks, int reserved) {
        this.pool = pool;
        this.namespace = namespace;
        this.table = table;
        this.hashes = hashes;
        this.cachedTokens = hitBlocks * pool.blockSize();
        this.allocated = hitBlocks;
        this.hashed = hitBlocks;
        this.reservedLeft = reserved;
    }

    /** The block table handed to the model; entries past the covered positions are unspecified. */
    public int[] blockTable() {
        return table;
    }

    /** Leading prompt tokens whose KV came from the prefix cache (a multiple of the block size). */
    public int cachedTokens() {
        return cachedTokens;
    }

    public String namespace() {
        return namespace;
    }

    /** Makes the block table cover positions [0, tokens), taking blocks from this sequence's reservation. */
    public void ensureCapacity(int tokens) {
        checkOpen();
        int need = pool.blocksFor(tokens);
        if (need > table.length) {
            throw new IllegalArgumentException("sequence was opened for " + table.length * pool.blockSize()
                    + " tokens, asked to hold " + tokens);
        }
        while (allocated < need) {
            table[allocated++] = pool.allocateReserved();
            reservedLeft--;
        }
    }

    /**
     * Records that KV for tokens[0, computed) is written, and publishes every newly full block to the
     * prefix cache under this sequence's namespace.
     */
    public void commit(int[] tokens, int computed) {
        checkOpen();
        if (computed > tokens.length || computed > allocated * pool.blockSize()) {
            throw new IllegalArgumentException("computed " + computed + " exceeds tokens " + tokens.length
                    + " or allocated slots " + allocated * pool.blockSize());
        }
        int bs = pool.blockSize();
        while ((hashed + 1) * bs <= computed) {
            PrefixHash parent = hashed == 0 ? PrefixHash.seed(namespace) : hashes[hashed - 1];
            PrefixHash h = parent.next(tokens, hashed * bs, bs);
            hashes[hashed] = h;
            pool.register(h, table[hashed]);
            hashed++;
        }
    }

    /** Releases every block (last block first, so a prefix's tail is evicted before its head). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = allocated - 1; i >= 0; i--) {
            pool.release(table[i]);
        }
        pool.unreserve(reservedLeft);
        reservedLeft = 0;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("sequence KV is closed");
        }
    }
}

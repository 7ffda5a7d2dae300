package dev.flywheel.engine.cache.internal;

/**
 * An intrusive doubly-linked LRU list over block ids [0, capacity): O(1) append, remove and
 * take-oldest, no allocation after construction. Holds the cached blocks no sequence references,
 * oldest (first to evict) at the head.
 */
public final class BlockLru {
    private static final int NONE = -1;

    private final int[] prev;
    private final int[] next;
    private final boolean[] present;
    private final int sentinel;
    private int size;

    public BlockLru(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.prev = new int[capacity + 1];
        this.next = new int[capacity + 1];
        this.present = new boolean[capacity];
        this.sentinel = capacity;
        prev[sentinel] = sentinel;
        next[sentinel] = sentinel;
    }

    public int size() {
        return size;
    }

    public boolean contains(int block) {
        return present[block];
    }

    /** Makes block the most recently used entry. */
    public void append(int block) {
        if (present[block]) {
            throw new IllegalStateException("block " + block + " is already in the LRU list");
        }
        int last = prev[sentinel];
        next[last] = block;
        prev[block] = last;
        next[block] = sentinel;
        prev[sentinel] = block;
        present[block] = true;
        size++;
    }

    public void remove(int block) {
        if (!present[block]) {
            throw new IllegalStateException("block " + block + " is not in the LRU list");
        }
        next[prev[block]] = next[block];
        prev[next[block]] = prev[block];
        prev[block] = NONE;
        next[block] = NONE;
        present[block] = false;
        size--;
    }

    /** Removes and returns the least recently used block; the list must be non-empty. */
    public int takeOldest() {
        int oldest = next[sentinel];
        if (oldest == sentinel) {
            throw new IllegalStateException("LRU list is empty");
        }
        remove(oldest);
        return oldest;
    }
}

package dev.flywheel.engine.adapters;

import dev.flywheel.engine.lora.LoraAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The adapters served on the base model, by model name. At most {@code maxResident} are held in
 * memory; loading or using one beyond that evicts the least recently used from memory, which stays
 * registered and is read again from its directory (with a new generation) the next time a request
 * names it. Requests hold their {@link ResidentAdapter}, so eviction or unloading never disturbs a
 * running generation. Thread-safe.
 */
public final class AdapterRegistry {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}");

    private final String baseModelName;
    private final int maxResident;
    private final AdapterLoader loader;
    /** Registered adapters in LRU order (access-ordered: eldest first). */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long generations;
    private int resident;

    public AdapterRegistry(String baseModelName, int maxResident, AdapterLoader loader) {
        this.baseModelName = Objects.requireNonNull(baseModelName, "baseModelName");
        if (maxResident < 1) {
            throw new IllegalArgumentException("maxResident must be >= 1, got " + maxResident);
        }
        this.maxResident = maxResident;
        this.loader = Objects.requireNonNull(loader, "loader");
    }

    /** Registers and loads an adapter (vLLM's load_lora_adapter). */
    public synchronized ResidentAdapter load(String name, Path peftDir) {
        validateName(name);
        if (name.equals(baseModelName) || entries.containsKey(name)) {
            throw new AdapterException.Duplicate(name);
        }
        Entry entry = new Entry(peftDir);
        ResidentAdapter adapter = readIn(name, entry);
        entries.put(name, entry);
        return adapter;
    }

    /** Forgets an adapter (vLLM's unload_lora_adapter); requests already running finish with it. */
    public synchronized void unload(String name) {
        Entry entry = entries.remove(name);
        if (entry == null) {
            throw new AdapterException.Unknown(name);
        }
        if (entry.adapter != null) {
            resident--;
        }
    }

    /** The adapter to serve a request with, read back from disk if it was evicted; marks it most recently used. */
    public synchronized ResidentAdapter acquire(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new AdapterException.Unknown(name);
        }
        return entry.adapter != null ? entry.adapter : readIn(name, entry);
    }

    public synchronized boolean isRegistered(String name) {
        return entries.containsKey(name);
    }

    /** Registered adapter names, least recently used first. */
    public synchronized List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    /** Adapters held in memory now. */
    public synchronized int residentCount() {
        return resident;
    }

    /** Bytes of the weights of the adapters held in memory now. */
    public synchronized long residentBytes() {
        long total = 0;
        for (Entry e : entries.values()) {
            if (e.adapter != null) {
                total += e.adapter.weights().bytes();
            }
        }
        return total;
    }

    public int maxResident() {
        return maxResident;
    }

    private ResidentAdapter readIn(String name, Entry entry) {
        if (!Files.isDirectory(entry.path)) {
            throw new AdapterException.LoadFailed(name, "lora_path " + entry.path + " is not a directory", null);
        }
        LoraAdapter weights;
        try {
            weights = loader.load(name, entry.path);
        } catch (RuntimeException e) {
            throw new AdapterException.LoadFailed(name, e.getMessage(), e);
        }
        evictFor(name);
        entry.adapter = new ResidentAdapter(name, ++generations, entry.path, weights);
        resident++;
        return entry.adapter;
    }

    /** Drops least recently used adapters from memory until one more fits. */
    private void evictFor(String incoming) {
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (resident < maxResident) {
                return;
            }
            if (!e.getKey().equals(incoming) && e.getValue().adapter != null) {
                e.getValue().adapter = null;
                resident--;
            }
        }
    }

    private void validateName(String name) {
        if (name == null || name.isBlank()) {
            throw new AdapterException.InvalidName(String.valueOf(name), "is required");
        }
        if (!NAME.matcher(name).matches()) {
            throw new AdapterException.InvalidName(name,
                    "must be 1-128 characters of letters, digits and ._:/@+- starting with a letter or digit, got '" + name + "'");
        }
    }

    private static final class Entry {
        final Path path;
        ResidentAdapter adapter;

        Entry(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }
    }
}

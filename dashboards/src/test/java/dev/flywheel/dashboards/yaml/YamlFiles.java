package dev.flywheel.dashboards.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads YAML as Jackson trees, resolving anchors, aliases and {@code <<} merge keys the way Docker Compose and
 * Kubernetes do (SnakeYAML's safe loader: plain data only, no object construction).
 */
public final class YamlFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private YamlFiles() {}

    /** A single-document file. */
    public static JsonNode read(Path file) {
        List<JsonNode> docs = readAll(file);
        if (docs.size() != 1) {
            throw new IllegalArgumentException(file + " holds " + docs.size() + " YAML documents, expected 1");
        }
        return docs.getFirst();
    }

    /** Every non-empty document of a file ({@code ---} separated), in order. */
    public static List<JsonNode> readAll(Path file) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<JsonNode> out = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file)) {
            for (Object doc : yaml.loadAll(in)) {
                if (doc != null) {
                    out.add(MAPPER.valueToTree(doc));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid YAML in " + file + ": " + e.getMessage(), e);
        }
        return out;
    }
}

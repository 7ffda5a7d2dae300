package dev.flywheel.kernels;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the build could compile here; decides which implementations the tests must find working. */
final class BuildEnvironment {
    private BuildEnvironment() {
    }

    /** True when an executable {@code name} is on the PATH (the build scripts' own test). */
    static boolean onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return true;
            }
        }
        return false;
    }

    static boolean nativeExpected() {
        return onPath(System.getenv().getOrDefault("CC", "gcc"))
                && System.getProperty("os.name").startsWith("Linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    }

    /** The fast implementations that must run here: vector always, native wherever gcc built it. */
    static List<String> fastImplementations() {
        List<String> names = new ArrayList<>(List.of("vector"));
        if (nativeExpected()) {
            names.add("native");
        }
        return names;
    }
}

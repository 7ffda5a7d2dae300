package dev.flywheel.kernels;

import dev.flywheel.kernels.internal.NativeKernels;
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

    /**
     * The fast implementations that must run here: vector always; native wherever gcc built it, plus
     * "native-avx2", its AVX2 matmul forced (on an AVX-512 CPU the default would never run it).
     */
    static List<String> fastImplementations() {
        List<String> names = new ArrayList<>(List.of("vector"));
        if (nativeExpected()) {
            names.add("native");
            names.add("native-avx2");
        }
        return names;
    }

    static Kernels create(String name) {
        return name.equals("native-avx2") ? NativeKernels.load(256) : Kernels.named(name);
    }
}

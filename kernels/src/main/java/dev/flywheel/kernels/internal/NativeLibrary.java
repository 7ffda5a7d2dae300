package dev.flywheel.kernels.internal;

import dev.flywheel.kernels.KernelsUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A shared library packaged as a jar resource under {@code dev/flywheel/kernels/native/<platform>/},
 * extracted on first use to {@code <java.io.tmpdir>/flywheel-kernels-<sha256 prefix>/} (content-addressed,
 * so concurrent processes and repeated loads reuse one file) and opened with {@link SymbolLookup}
 * for the life of the process (dlopen is reference-counted, so opening it again is cheap).
 */
final class NativeLibrary {
    static final String PLATFORM = "linux-x86_64";

    private final Path file;
    private final SymbolLookup lookup;
    private final String implementation;

    private NativeLibrary(Path file, SymbolLookup lookup, String implementation) {
        this.file = file;
        this.lookup = lookup;
        this.implementation = implementation;
    }

    /**
     * Extracts and opens {@code fileName}; implementation is the kernels name used in errors.
     *
     * @throws KernelsUnavailableException when this is not linux-x86_64, the resource is absent (the
     *                                     compiler was missing at build time) or it cannot be opened
     */
    static NativeLibrary open(String fileName, String implementation, String whyAbsent) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new KernelsUnavailableException(implementation, "only " + PLATFORM + " is built, this is " + os + "-" + arch, null);
        }
        String resource = "/dev/flywheel/kernels/native/" + PLATFORM + "/" + fileName;
        byte[] bytes;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new KernelsUnavailableException(implementation, "no " + resource + " on the classpath (" + whyAbsent + ")", null);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new KernelsUnavailableException(implementation, "cannot read " + resource + ": " + e.getMessage(), e);
        }
        Path file = extract(bytes, fileName, implementation);
        try {
            return new NativeLibrary(file, SymbolLookup.libraryLookup(file, Arena.global()), implementation);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new KernelsUnavailableException(implementation, "cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    private static Path extract(byte[] bytes, String fileName, String implementation) {
        try {
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "flywheel-kernels-" + digest);
            Path target = dir.resolve(fileName);
            if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
                return target;
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, fileName, ".part");
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new KernelsUnavailableException(implementation, "cannot extract " + fileName + " to java.io.tmpdir: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    /** A downcall handle for {@code symbol}; critical ones may take heap segments and must not block. */
    MethodHandle function(String symbol, FunctionDescriptor descriptor, boolean critical) {
        MemorySegment address = lookup.find(symbol).orElseThrow(() -> new KernelsUnavailableException(
                implementation, file + " has no symbol " + symbol + " (stale build?)", null));
        return critical
                ? Linker.nativeLinker().downcallHandle(address, descriptor, Linker.Option.critical(true))
                : Linker.nativeLinker().downcallHandle(address, descriptor);
    }

    /** Calls an {@code int f(void)} function, e.g. a version or capability probe. */
    int callInt(String symbol) {
        try {
            return (int) function(symbol, FunctionDescriptor.of(ValueLayout.JAVA_INT), false).invokeExact();
        } catch (KernelsUnavailableException e) {
            throw e;
        } catch (Throwable t) {
            throw new KernelsUnavailableException(implementation, symbol + "() failed: " + t, t);
        }
    }

    Path file() {
        return file;
    }
}

package dev.flywheel.splitter.assignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.assignment.internal.Murmur3Reference;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BucketHashGoldenTest {
    private final BucketHash hash = new BucketHash();

    private static List<String[]> golden() throws IOException {
        try (InputStream in = BucketHashGoldenTest.class.getResourceAsStream("/assignment-golden-v1.tsv")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.lines().filter(l -> !l.startsWith("#") && !l.isEmpty()).map(l -> l.split("\t", -1)).toList();
        }
    }

    @Test
    void bucketsMatchTheGoldenVectorFileV1() throws IOException {
        List<String[]> rows = golden();
        assertTrue(rows.size() > 150, "golden file has " + rows.size() + " rows");
        for (String[] row : rows) {
            String salt = row[0];
            String unit = row[1];
            int expectedHash = Integer.parseUnsignedInt(row[2], 16);
            assertEquals(expectedHash, hash.hash(salt, unit), () -> "hash of " + salt + ":" + unit);
            assertEquals(Integer.parseInt(row[3]), hash.bucket(salt, unit), () -> "bucket of " + salt + ":" + unit);
            byte[] bytes = (salt + ":" + unit).getBytes(StandardCharsets.UTF_8);
            assertEquals(expectedHash, Murmur3Reference.hash32(bytes, 0), () -> "reference hash of " + salt + ":" + unit);
        }
        assertEquals("v1", BucketHash.VERSION);
    }

    @Test
    void referenceMatchesPublishedMurmur3Vectors() {
        assertEquals(0, Murmur3Reference.hash32(new byte[0], 0));
        assertEquals(0x248bfa47, Murmur3Reference.hash32("hello".getBytes(StandardCharsets.UTF_8), 0));
        assertEquals(0x2e4ff723, Murmur3Reference.hash32("The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8), 0));
    }

    @Test
    void streamingHashEqualsReferenceOnRandomUnicodeIncludingBrokenSurrogates() {
        SplittableRandom random = new SplittableRandom(42);
        char[] alphabet = "aZ09-_.@ éüßΩ中文ユーザー\uD83D\uDE00\uD800\uDC00\uDFFF\uD83D".toCharArray();
        for (int n = 0; n < 20_000; n++) {
            StringBuilder salt = new StringBuilder();
            StringBuilder unit = new StringBuilder();
            int sl = random.nextInt(20);
            int ul = random.nextInt(40);
            for (int i = 0; i < sl; i++) salt.append(alphabet[random.nextInt(alphabet.length)]);
            for (int i = 0; i < ul; i++) unit.append(alphabet[random.nextInt(alphabet.length)]);
            byte[] bytes = (salt + ":" + unit).getBytes(StandardCharsets.UTF_8);
            String s = salt.toString();
            String u = unit.toString();
            assertEquals(Murmur3Reference.hash32(bytes, 0), hash.hash(s, u), () -> "mismatch for " + s + ":" + u);
        }
    }
}

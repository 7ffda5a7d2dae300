package dev.flywheel.engine.tokenizer.internal;

/**
 * GPT-2's reversible byte-to-unicode mapping: printable bytes map to themselves, the other 68 bytes
 * to code points 256.., so every byte string becomes a string without whitespace or control chars.
 */
public final class ByteLevel {
    private final char[] byteToChar = new char[256];
    private final int[] charToByte = new int[512];

    public ByteLevel() {
        java.util.Arrays.fill(charToByte, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char ch = printable ? (char) b : (char) next++;
            byteToChar[b] = ch;
            charToByte[ch] = b;
        }
    }

    /** The mapped string of raw bytes: one char per byte. */
    public String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = byteToChar[bytes[i] & 0xff];
        }
        return new String(out);
    }

    public char charOf(int b) { return byteToChar[b & 0xff]; }

    /** The byte a mapped char stands for, or -1 when the char is not in the mapping. */
    public int byteOf(char ch) {
        return ch < charToByte.length ? charToByte[ch] : -1;
    }
}

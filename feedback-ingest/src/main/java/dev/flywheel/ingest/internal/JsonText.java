package dev.flywheel.ingest.internal;

import dev.flywheel.contracts.events.ChatMessage;
import java.util.List;
import java.util.Map;

/**
 * Writes the JSON text of the two structured columns (prompt: {@code [{"role":..,"content":..}]}, attributes:
 * {@code {"k":"v"}}) by hand instead of through the ObjectMapper, which cost as much per record as the decode itself.
 * The text is exactly what {@code EventCodec.mapper().writeValueAsString} produces (pinned by JsonTextTest on
 * seeded random input): {@code "} and {@code \} escaped, control characters below 0x20 as {@code \b \t \n \f \r}
 * or a six-character unicode escape (backslash, u, four upper-case hex digits), everything else (non-ASCII included) verbatim.
 */
final class JsonText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private JsonText() {}

    static String prompt(List<ChatMessage> messages) {
        if (messages.isEmpty()) {
            return "[]";
        }
        StringBuilder sb = new StringBuilder(64 + messages.size() * 64);
        sb.append('[');
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"role\":");
            string(sb, m.role());
            sb.append(",\"content\":");
            string(sb, m.content());
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    static String attributes(Map<String, String> attributes) {
        if (attributes.isEmpty()) {
            return "{}";
        }
        StringBuilder sb = new StringBuilder(16 + attributes.size() * 32);
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, e.getKey());
            sb.append(':');
            string(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        int n = s.length();
        int run = 0; // start of the current run of characters that need no escape
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            sb.append(s, run, i);
            run = i + 1;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        sb.append(s, run, n).append('"');
    }
}

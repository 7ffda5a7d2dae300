package dev.flywheel.contracts.auth;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Checks {@code Authorization: Bearer <token>} headers against configured tokens. Framework-free so every service's
 * HTTP filter is a thin adapter. Comparison is constant-time; tokens are never logged or echoed. An admin token is
 * also accepted where a client token is required.
 */
public final class TokenAuthenticator {
    private final List<byte[]> adminTokens;
    private final List<byte[]> clientTokens;
    private final boolean open;

    public TokenAuthenticator(List<String> adminTokens, List<String> clientTokens) {
        this(encode("admin", adminTokens), encode("client", clientTokens), false);
    }

    private TokenAuthenticator(List<byte[]> adminTokens, List<byte[]> clientTokens, boolean open) {
        this.adminTokens = adminTokens;
        this.clientTokens = clientTokens;
        this.open = open;
    }

    /** Allows every request ({@code flywheel.auth.enabled=false}: tests, a trusted network). */
    public static TokenAuthenticator open() {
        return new TokenAuthenticator(List.of(), List.of(), true);
    }

    /** The outcome of one check: allowed, or the HTTP status (401 missing/unknown token, 403 wrong role) and why. */
    public record Decision(boolean allowed, int status, String message) {
        static final Decision ALLOWED = new Decision(true, 200, "");

        /** "forbidden" for a 403 (a valid token without the role), else "unauthorized". */
        public String errorType() {
            return status == 403 ? "forbidden" : "unauthorized";
        }

        /** The refusal as every service answers it: {@code {"error":{"message","field":"Authorization","type"}}}. */
        public String errorJson() {
            return "{\"error\":{\"message\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(message))
                    + "\",\"field\":\"Authorization\",\"type\":\"" + errorType() + "\"}}";
        }
    }

    public Decision check(String authorizationHeader, Role required) {
        if (open) {
            return Decision.ALLOWED;
        }
        Optional<String> token = bearer(authorizationHeader);
        if (token.isEmpty()) {
            return new Decision(false, 401, "missing bearer token: send 'Authorization: Bearer <token>'");
        }
        byte[] presented = token.get().getBytes(StandardCharsets.UTF_8);
        if (matches(presented, adminTokens)) {
            return Decision.ALLOWED;
        }
        if (matches(presented, clientTokens)) {
            return required == Role.CLIENT ? Decision.ALLOWED
                    : new Decision(false, 403, "this operation needs an admin token");
        }
        return new Decision(false, 401, "unknown bearer token");
    }

    private static Optional<String> bearer(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.strip();
        if (h.length() < 8 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String t = h.substring(7).strip();
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    private static boolean matches(byte[] presented, List<byte[]> tokens) {
        boolean found = false;
        for (byte[] t : tokens) {
            found |= MessageDigest.isEqual(presented, t);
        }
        return found;
    }

    private static List<byte[]> encode(String kind, List<String> tokens) {
        if (tokens == null) {
            return List.of();
        }
        for (String t : tokens) {
            if (t == null || t.length() < 16) {
                throw new IllegalArgumentException(kind + " tokens must be at least 16 characters long");
            }
        }
        return tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }
}

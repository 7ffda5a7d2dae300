package dev.flywheel.contracts.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenAuthenticatorTest {
    private final TokenAuthenticator auth = new TokenAuthenticator(List.of("admin-token-0123456789"), List.of("client-token-0123456789"));

    @Test
    void clientTokenServesTrafficButCannotChangeExperiments() {
        assertTrue(auth.check("Bearer client-token-0123456789", Role.CLIENT).allowed());
        var d = auth.check("Bearer client-token-0123456789", Role.ADMIN);
        assertFalse(d.allowed());
        assertEquals(403, d.status());
        assertEquals("{\"error\":{\"message\":\"this operation needs an admin token\",\"field\":\"Authorization\",\"type\":\"forbidden\"}}",
                d.errorJson());
    }

    @Test
    void refusalsAreJsonWithTheMessageEscaped() {
        var d = new TokenAuthenticator.Decision(false, 401, "say \"Bearer\" \\ then\nthe token");
        assertEquals("unauthorized", d.errorType());
        assertEquals("{\"error\":{\"message\":\"say \\\"Bearer\\\" \\\\ then\\nthe token\",\"field\":\"Authorization\",\"type\":\"unauthorized\"}}",
                d.errorJson());
    }

    @Test
    void adminTokenMayDoEverything() {
        assertTrue(auth.check("bearer admin-token-0123456789", Role.ADMIN).allowed());
        assertTrue(auth.check("Bearer admin-token-0123456789", Role.CLIENT).allowed());
    }

    @Test
    void missingMalformedOrUnknownTokensAre401AndNeverEchoed() {
        for (String header : new String[] {null, "", "Basic abc", "Bearer ", "Bearer nope-nope-nope-nope"}) {
            var d = auth.check(header, Role.CLIENT);
            assertEquals(401, d.status(), String.valueOf(header));
            assertFalse(d.message().contains("nope"), d.message());
        }
    }

    @Test
    void shortTokensAreRejectedAtConfiguration() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TokenAuthenticator(List.of("short"), List.of()));
        assertTrue(e.getMessage().contains("admin tokens"));
    }
}

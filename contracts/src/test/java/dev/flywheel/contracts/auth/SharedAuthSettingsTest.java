package dev.flywheel.contracts.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.config.SharedSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code flywheel.auth.*} as every service reads it. */
class SharedAuthSettingsTest {

    @Test
    void enabledWithoutAnyTokenFailsNamingBothWaysOut() {
        var e = assertThrows(IllegalArgumentException.class, () -> new SharedSettings.Auth(true, null, List.of()).authenticator());
        assertTrue(e.getMessage().contains("flywheel.auth.admin-tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("flywheel.auth.enabled=false"), e.getMessage());
    }

    @Test
    void disabledLetsEveryRequestThroughWhateverItSends() {
        TokenAuthenticator open = new SharedSettings.Auth(false, List.of(), List.of()).authenticator();
        assertTrue(open.check(null, Role.ADMIN).allowed());
        assertTrue(open.check("Bearer anything", Role.ADMIN).allowed());
    }

    @Test
    void enabledChecksTheConfiguredTokensAndNeverPrintsThem() {
        var settings = new SharedSettings.Auth(true, List.of("admin-token-0123456789"), null);
        TokenAuthenticator auth = settings.authenticator();
        assertTrue(auth.check("Bearer admin-token-0123456789", Role.ADMIN).allowed());
        assertEquals(401, auth.check(null, Role.CLIENT).status());
        assertFalse(settings.toString().contains("admin-token-0123456789"), settings.toString());
    }
}

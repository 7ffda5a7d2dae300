package dev.flywheel.splitter.assignment;

import dev.flywheel.splitter.experiments.Unit;

/**
 * The identities of one request: the user (header {@code X-Flywheel-Unit} or the OpenAI {@code user} field), the
 * session ({@code X-Flywheel-Session}), and the request id. {@code user} and {@code session} may be null when the
 * client did not send them; experiments randomised on a missing unit do not apply to the request.
 */
public record UnitIds(String user, String session, String requestId) {
    public UnitIds {
        user = blankToNull(user);
        session = blankToNull(session);
        if (requestId == null || requestId.isBlank()) {
            throw new IllegalArgumentException("requestId is required");
        }
    }

    /** The id an experiment on {@code unit} randomises, or null when the request does not carry it. */
    public String idFor(Unit unit) {
        return switch (unit) {
            case USER -> user;
            case SESSION -> session;
            case REQUEST -> requestId;
        };
    }

    /** The unit id to record in the event: the user, else the session, else the request id. */
    public String eventUnitId() {
        return user != null ? user : session != null ? session : requestId;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

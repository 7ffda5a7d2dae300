package dev.flywheel.engine.api;

/**
 * An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with an
 * HTTP status. {@code param} names the offending request field (wire name) when there is one.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Integer retryAfterSeconds;

    private ApiException(int status, String type, String param, String code, String message, Integer retryAfterSeconds,
                         Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a request field is missing, of the wrong type or out of range. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message, null, null);
    }

    /** 404: no base model or adapter is served under that name. */
    public static ApiException unknownModel(String model) {
        return new ApiException(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + model + "' does not exist; GET /v1/models lists the served models", null, null);
    }

    /** 400 with the context-length code OpenAI uses. */
    public static ApiException tooLong(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, "context_length_exceeded", message, null, null);
    }

    /** 429: the admission queue is full; the client should retry after the hint. */
    public static ApiException overloaded(String message, int retryAfterSeconds) {
        return new ApiException(429, "server_overloaded", null, "queue_full", message, retryAfterSeconds, null);
    }

    /** 503: the engine is stopping. */
    public static ApiException unavailable(String message) {
        return new ApiException(503, "server_unavailable", null, null, message, 1, null);
    }

    /** 500: the engine failed while serving the request. */
    public static ApiException internal(String message, Throwable cause) {
        return new ApiException(500, "server_error", null, null, message, null, cause);
    }

    /** 404 for an unknown adapter in the adapter endpoints. */
    public static ApiException notFound(String param, String message) {
        return new ApiException(404, "invalid_request_error", param, "not_found", message, null, null);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** Seconds for the Retry-After header, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}

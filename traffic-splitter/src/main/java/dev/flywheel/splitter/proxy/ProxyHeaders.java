package dev.flywheel.splitter.proxy;

/** Header names of the proxy (request side: identities and the QA override; response side: what was chosen). */
public final class ProxyHeaders {
    /** Request: the unit id (user) to randomise on; else the OpenAI {@code user} field is used. */
    public static final String UNIT = "X-Flywheel-Unit";
    /** Request: the session id, for experiments randomised by session. */
    public static final String SESSION = "X-Flywheel-Session";
    /** Request: force a variant for QA, {@code <experiment_id>:<variant_id>}; such traffic is not analysed. Response: the variant served. */
    public static final String VARIANT = "X-Flywheel-Variant";
    /** Request (optional) and response: the request id (the inference event's id). */
    public static final String REQUEST_ID = "X-Request-Id";
    /** Response: the experiment the request was part of. */
    public static final String EXPERIMENT = "X-Flywheel-Experiment";
    /** Response: the experiment's ramp stage index at assignment. */
    public static final String RAMP_STAGE = "X-Flywheel-Ramp-Stage";
    /** Response: present ("true") when the treatment failed and control answered. */
    public static final String FALLBACK = "X-Flywheel-Fallback";
    /** Response: the experiment whose holdout the unit is in. */
    public static final String HOLDOUT = "X-Flywheel-Holdout";

    private ProxyHeaders() {}
}

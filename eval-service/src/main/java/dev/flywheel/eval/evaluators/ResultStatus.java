package dev.flywheel.eval.evaluators;

/**
 * ok: the score is valid; error: the evaluator failed (timeout, exception, unreachable endpoint, unparseable judge
 * answer) and the score means nothing — never read it as a 0; skipped: the evaluator does not apply to this input
 * (for example a reference-based metric on live traffic without a reference).
 */
public enum ResultStatus {
    OK, ERROR, SKIPPED
}

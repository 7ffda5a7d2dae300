package dev.flywheel.contracts.auth;

/** What a bearer token may do: admins change things (experiments, evaluators, policies, adapters); clients call the proxy and send feedback. */
public enum Role {
    CLIENT, ADMIN
}

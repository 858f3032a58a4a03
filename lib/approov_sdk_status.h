/*
 * approov_sdk_status.h: what the app's Approov SDK says about itself in
 * request headers: Approov-Status, the result of its last token fetch
 * (Approov's TokenFetchStatus, lower-cased: "success", "no_network", ...),
 * and Approov-TraceID, an id that Approov's support can look up.  Both are
 * the client's own bytes: they only ever reach a log or the environment
 * through approov_log_token(), and the status is counted by the names of
 * the one list below.
 *
 * APPROOV_SDK_STATUSES is that list: from it come the enum, the names (the
 * counters, mod_status and README.md).  "none" is a request without the
 * header, "other" a value the list lacks; Approov's statuses follow, in
 * the SDK's order.  Add a status at the end: the counters' shared memory
 * is laid out per build, and a build with other names starts its counters
 * afresh (mod_approov_status.c).
 *
 * Layer 0 of the core (see lib/README.md): includes no core header.
 */
#ifndef APPROOV_SDK_STATUS_H
#define APPROOV_SDK_STATUS_H

#include <apr_pools.h>

/* X(id, name) */
#define APPROOV_SDK_STATUSES(X) \
    X(APPROOV_SDK_NONE, "none") \
    X(APPROOV_SDK_OTHER, "other") \
    X(APPROOV_SDK_SUCCESS, "success") \
    X(APPROOV_SDK_NO_NETWORK, "no_network") \
    X(APPROOV_SDK_MITM_DETECTED, "mitm_detected") \
    X(APPROOV_SDK_POOR_NETWORK, "poor_network") \
    X(APPROOV_SDK_NO_APPROOV_SERVICE, "no_approov_service") \
    X(APPROOV_SDK_BAD_URL, "bad_url") \
    X(APPROOV_SDK_UNKNOWN_URL, "unknown_url") \
    X(APPROOV_SDK_UNPROTECTED_URL, "unprotected_url") \
    X(APPROOV_SDK_NO_NETWORK_PERMISSION, "no_network_permission") \
    X(APPROOV_SDK_MISSING_LIB_DEPENDENCY, "missing_lib_dependency") \
    X(APPROOV_SDK_INTERNAL_ERROR, "internal_error") \
    X(APPROOV_SDK_REJECTED, "rejected") \
    X(APPROOV_SDK_DISABLED, "disabled") \
    X(APPROOV_SDK_UNKNOWN_KEY, "unknown_key") \
    X(APPROOV_SDK_BAD_KEY, "bad_key") \
    X(APPROOV_SDK_BAD_PAYLOAD, "bad_payload")

typedef enum {
#define APPROOV_SDK_STATUS_ENUM(id, name) id,
    APPROOV_SDK_STATUSES(APPROOV_SDK_STATUS_ENUM)
#undef APPROOV_SDK_STATUS_ENUM
    APPROOV_SDK_STATUS_COUNT
} approov_sdk_status_e;

/* The request headers the SDK sends. */
#define APPROOV_SDK_STATUS_HEADER "Approov-Status"
#define APPROOV_SDK_TRACE_HEADER "Approov-TraceID"

/* Longest value approov_log_token() keeps, in bytes. */
#define APPROOV_LOG_TOKEN_MAX 64

/* The status an Approov-Status value names: APPROOV_SDK_NONE for NULL or
 * "", one of Approov's statuses for its name in any letter case
 * ("no_network", "NO_NETWORK"), APPROOV_SDK_OTHER for anything else
 * (including "none" and "other" themselves, and a name with anything
 * around it). */
approov_sdk_status_e approov_sdk_status_of(const char *value);

/* Its name ("none", "other", "no_network", ...); "unknown" out of range. */
const char *approov_sdk_status_name(approov_sdk_status_e status);

/*
 * A client's header value made safe for a log line or a variable: NULL for
 * NULL or ""; otherwise its first APPROOV_LOG_TOKEN_MAX bytes, each byte
 * that is not an RFC 9110 tchar (letters, digits and !#$%&'*+-.^_`|~)
 * replaced by '_'.  Never a space, quote, '=', backslash or control
 * character, so "name=value" fields stay parseable; the value itself when
 * nothing needed changing.
 */
const char *approov_log_token(apr_pool_t *p, const char *value);

#endif /* APPROOV_SDK_STATUS_H */

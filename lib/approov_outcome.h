/*
 * approov_outcome.h: every outcome of a request check, listed once.
 *
 * APPROOV_OUTCOMES below is the one list: the token's results, then
 * message signing's, then Content-Digest's, then those the httpd glue
 * decides itself.  From it come the enum, the names (APPROOV_RESULT, the
 * log's reason=, the counters and mod_status) and the one-line meanings;
 * tests/check-outcomes.sh checks README.md's reason table against it.
 * To add an outcome, add one line at the end of its group (or the end of
 * the list): the counters' shared memory is laid out per build and a
 * build with other names starts its counters afresh, so nothing persisted
 * is renumbered.
 *
 * Layer 0 of the core (see lib/README.md): includes no core header.
 */
#ifndef APPROOV_OUTCOME_H
#define APPROOV_OUTCOME_H

/* X(id, name, meaning) */
#define APPROOV_OUTCOMES(X) \
    X(APPROOV_VALID, "valid", \
      "the token (and its signature, when checked) passed") \
    /* the token (approov_token.h, approov_keys.h) */ \
    X(APPROOV_MISSING, "missing", "no token, or an empty one") \
    X(APPROOV_TOO_LONG, "too_long", "longer than APPROOV_TOKEN_MAX_LEN") \
    X(APPROOV_BAD_PREFIX, "bad_prefix", \
      "the header lacks the configured prefix") \
    X(APPROOV_MALFORMED, "malformed", \
      "not three strict base64url segments, or an ECDSA signature that " \
      "is not r||s") \
    X(APPROOV_BAD_HEADER, "bad_header", \
      "JOSE header not a strict JSON object, crit, a key in it, or a " \
      "non-string kid") \
    X(APPROOV_BAD_ALG, "bad_alg", \
      "alg missing, not a string, or not the key's") \
    X(APPROOV_BAD_SIGNATURE, "bad_signature", \
      "signature of the wrong length or value") \
    X(APPROOV_BAD_PAYLOAD, "bad_payload", \
      "payload not a strict JSON object") \
    X(APPROOV_BAD_EXP, "bad_exp", "exp missing, not a number, or out of range") \
    X(APPROOV_BAD_NBF, "bad_nbf", "nbf not a number, or out of range") \
    X(APPROOV_EXPIRED, "expired", "now >= exp + leeway") \
    X(APPROOV_NOT_YET_VALID, "not_yet_valid", "now < nbf - leeway") \
    X(APPROOV_NO_BINDING_HEADER, "no_binding_header", \
      "a header the token is bound to is absent") \
    X(APPROOV_NO_PAY, "no_pay", "binding required, but the token has no pay") \
    X(APPROOV_BAD_PAY, "bad_pay", "pay is not a string") \
    X(APPROOV_PAY_MISMATCH, "pay_mismatch", \
      "pay does not match the bound headers") \
    X(APPROOV_UNKNOWN_KID, "unknown_kid", \
      "the token's kid names no configured key") \
    X(APPROOV_NO_KID, "no_kid", "no kid, and no single key without a kid") \
    X(APPROOV_NO_KEY, "no_key", "no key configured: a configuration fault") \
    X(APPROOV_BAD_ISS, "bad_iss", \
      "ApproovIssuer set, and iss absent, not a string or not that string") \
    X(APPROOV_BAD_AUD, "bad_aud", \
      "ApproovAudience set, and aud absent, not a string or a non-empty " \
      "array of strings, or naming none of its values") \
    /* message signing (approov_msgsig.h) */ \
    X(APPROOV_SIG_MISSING_HEADERS, "sig_missing_headers", \
      "Signature or Signature-Input absent or empty") \
    X(APPROOV_SIG_BAD_SIGNATURE_INPUT, "sig_bad_signature_input", \
      "Signature-Input not a strict Dictionary with one install (or " \
      "account) Inner List of Strings and well-formed parameters") \
    X(APPROOV_SIG_BAD_SIGNATURE_HEADER, "sig_bad_signature_header", \
      "Signature not a strict Dictionary with one install (or account) " \
      "Byte Sequence or String of padded base64") \
    X(APPROOV_SIG_BAD_ALG, "sig_bad_alg", \
      "alg present and not ecdsa-p256-sha256 (install) or hmac-sha256 " \
      "(account)") \
    X(APPROOV_SIG_UNKNOWN_COMPONENT, "sig_unknown_component", \
      "a derived component or component parameter not supported") \
    X(APPROOV_SIG_DUPLICATE_COMPONENT, "sig_duplicate_component", \
      "a component identifier twice") \
    X(APPROOV_SIG_MISSING_COMPONENT, "sig_missing_component", \
      "@method, @target-uri or @path, or the token header not covered") \
    X(APPROOV_SIG_NO_CREATED, "sig_no_created", \
      "created missing or not an Integer") \
    X(APPROOV_SIG_CREATED_IN_FUTURE, "sig_created_in_future", \
      "created > now + skew") \
    X(APPROOV_SIG_TOO_OLD, "sig_too_old", "now - created > max_age") \
    X(APPROOV_SIG_EXPIRED, "sig_expired", \
      "expires present and now >= expires + skew") \
    X(APPROOV_SIG_COMPONENT_ABSENT, "sig_component_absent", \
      "a covered field, request part or query parameter is not in the " \
      "request") \
    X(APPROOV_SIG_BAD_COMPONENT_VALUE, "sig_bad_component_value", \
      "a component value a signature base cannot hold, or a @query-param " \
      "name twice") \
    X(APPROOV_SIG_BAD_IPK, "sig_bad_ipk", \
      "ipk not padded standard base64 of a DER P-256 public key") \
    X(APPROOV_SIG_BAD_SIGNATURE, "sig_bad_signature", \
      "not 64 bytes r||s (install) or a 32-byte MAC (account), or not " \
      "valid") \
    /* Content-Digest (approov_msgsig.h) */ \
    X(APPROOV_DIGEST_MISSING, "digest_missing", "no header, or an empty one") \
    X(APPROOV_DIGEST_MALFORMED, "digest_malformed", \
      "not a strict Dictionary of plain Byte Sequences") \
    X(APPROOV_DIGEST_UNSUPPORTED, "digest_unsupported", \
      "neither sha-256 nor sha-512 present") \
    X(APPROOV_DIGEST_MISMATCH, "digest_mismatch", \
      "a sha-256 or sha-512 member does not match the body") \
    /* decided by the httpd glue */ \
    X(APPROOV_SIG_NO_IPK, "sig_no_ipk", \
      "ApproovMessageSigning Required and the token has no ipk") \
    X(APPROOV_SIG_BODY_TOO_LARGE, "sig_body_too_large", \
      "the signed body is over ApproovMessageSigningMaxBody") \
    X(APPROOV_BODY_ERROR, "body_error", \
      "httpd failed to read the signed body") \
    X(APPROOV_SIG_UNKNOWN_MSKID, "sig_unknown_mskid", \
      "the token's mskid names no configured account key") \
    X(APPROOV_SIG_NO_ACCOUNT_KEY, "sig_no_account_key", \
      "ApproovMessageSigning Required, a token with mskid and no ipk, and " \
      "no account key configured") \
    X(APPROOV_SIG_BAD_MSKID, "sig_bad_mskid", \
      "the token's mskid (and no ipk) is not a string") \
    X(APPROOV_SIG_REPLAYED, "sig_replayed", \
      "the signature was accepted before (replay protection)") \
    X(APPROOV_REPLAY_CACHE_UNAVAILABLE, "replay_cache_unavailable", \
      "the replay cache could not be reached") \
    X(APPROOV_KEYS_UNAVAILABLE, "keys_unavailable", \
      "the scope's ApproovJWKSURI set was never fetched and has no cached " \
      "copy") \
    APPROOV_TEST_OUTCOMES(X)

/* A test build (-DAPPROOV_TEST_EXTRA_OUTCOMES=N, N <= 4) has N more
 * outcomes, to prove that a graceful restart into a module with another
 * number of outcomes never indexes past the shared counters. */
#ifndef APPROOV_TEST_EXTRA_OUTCOMES
#define APPROOV_TEST_EXTRA_OUTCOMES 0
#endif
#if APPROOV_TEST_EXTRA_OUTCOMES > 4
#error "APPROOV_TEST_EXTRA_OUTCOMES is at most 4"
#endif
#define APPROOV_TEST_OUTCOME(X, n) \
    X(APPROOV_TEST_EXTRA_##n, "test_extra_" #n, "a test build's extra outcome")
#if APPROOV_TEST_EXTRA_OUTCOMES > 0
#define APPROOV_TEST_OUTCOMES_1(X) APPROOV_TEST_OUTCOME(X, 1)
#else
#define APPROOV_TEST_OUTCOMES_1(X)
#endif
#if APPROOV_TEST_EXTRA_OUTCOMES > 1
#define APPROOV_TEST_OUTCOMES_2(X) APPROOV_TEST_OUTCOME(X, 2)
#else
#define APPROOV_TEST_OUTCOMES_2(X)
#endif
#if APPROOV_TEST_EXTRA_OUTCOMES > 2
#define APPROOV_TEST_OUTCOMES_3(X) APPROOV_TEST_OUTCOME(X, 3)
#else
#define APPROOV_TEST_OUTCOMES_3(X)
#endif
#if APPROOV_TEST_EXTRA_OUTCOMES > 3
#define APPROOV_TEST_OUTCOMES_4(X) APPROOV_TEST_OUTCOME(X, 4)
#else
#define APPROOV_TEST_OUTCOMES_4(X)
#endif
#define APPROOV_TEST_OUTCOMES(X) \
    APPROOV_TEST_OUTCOMES_1(X) APPROOV_TEST_OUTCOMES_2(X) \
    APPROOV_TEST_OUTCOMES_3(X) APPROOV_TEST_OUTCOMES_4(X)

typedef enum {
#define APPROOV_OUTCOME_ENUM(id, name, meaning) id,
    APPROOV_OUTCOMES(APPROOV_OUTCOME_ENUM)
#undef APPROOV_OUTCOME_ENUM
    APPROOV_OUTCOME_COUNT
} approov_outcome_e;

/* The groups' names as the units that return them spell them.  Each
 * group's VALID is APPROOV_VALID; its COUNT is one past its last member,
 * so a group's results are its VALID and [FIRST, COUNT). */
typedef approov_outcome_e approov_result_e;
typedef approov_outcome_e approov_sig_result_e;
typedef approov_outcome_e approov_digest_result_e;
#define APPROOV_RESULT_COUNT APPROOV_SIG_MISSING_HEADERS
#define APPROOV_SIG_VALID APPROOV_VALID
#define APPROOV_SIG_FIRST APPROOV_SIG_MISSING_HEADERS
#define APPROOV_SIG_RESULT_COUNT APPROOV_DIGEST_MISSING
#define APPROOV_DIGEST_VALID APPROOV_VALID
#define APPROOV_DIGEST_FIRST APPROOV_DIGEST_MISSING
#define APPROOV_DIGEST_RESULT_COUNT APPROOV_SIG_NO_IPK

/* The stable, log-friendly name of an outcome ("valid", "expired",
 * "sig_too_old", ...); "unknown" out of range. */
const char *approov_outcome_name(approov_outcome_e outcome);

/* Its meaning, one line; "" out of range. */
const char *approov_outcome_meaning(approov_outcome_e outcome);

/* A token result's name; "unknown" outside the token's results. */
const char *approov_result_name(approov_result_e result);

/* A message-signing result's name: "sig_valid" for APPROOV_SIG_VALID,
 * "sig_unknown" outside the group. */
const char *approov_sig_result_name(approov_sig_result_e result);

/* A Content-Digest result's name: "digest_valid" for
 * APPROOV_DIGEST_VALID, "digest_unknown" outside the group. */
const char *approov_digest_result_name(approov_digest_result_e result);

#endif /* APPROOV_OUTCOME_H */

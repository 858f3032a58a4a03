/*
 * fuzz_verify: the raw value of the token header -> approov_verify(), with
 * the dummy secret as HS256 key, leeway 0 and a fixed now (see
 * fuzz_common.h), as mod_approov calls it for a header without a prefix;
 * then approov_verify_keys() with the key set of fuzz_keyset.c (kids,
 * HMAC, ECDSA, EdDSA and RSA keys).
 *
 * Invariants of approov_verify():
 *  - the result is one approov_verify() may return: in the enum, never
 *    bad_prefix (the module's), a binding code or no_key; missing exactly
 *    for the empty input, too_long exactly above APPROOV_TOKEN_MAX_LEN;
 *  - verifying again (another pool, a copy of the bytes, out == NULL) gives
 *    the same result;
 *  - the signature was checked before the payload was trusted: every result
 *    that comes after the signature check (valid, bad_payload, bad_exp,
 *    bad_nbf, expired, not_yet_valid) needs the token's third segment to be
 *    exactly the base64url of an OpenSSL HMAC-SHA256 of "header.payload"
 *    with the key, and a token so signed is never bad_signature.  The
 *    fuzzer cannot sign, so a valid result here for an input it made up is
 *    a forgery;
 *  - out->claims is set only after the signature check, out->header is set
 *    whenever the header was parsed;
 *  - for valid: alg is "HS256", no crit, exp a finite number that
 *    out->exp repeats and now < exp, nbf (if any) a number <= now.
 *
 * Invariants of approov_verify_keys() with the key set:
 *  - the result is in the enum, never bad_prefix, a binding code, no_key or
 *    no_kid (the set has a key without kid); missing and too_long as above;
 *  - every result after the signature check needs the token to verify, by
 *    OpenSSL alone, under the key its kid selects and in an alg that key
 *    is for (fuzz_keyset_signature_matches()): no alg confusion, no key
 *    chosen by the token, no forgery;  a token that does verify so is never
 *    bad_signature, bad_alg or unknown_kid;
 *  - claims only after the signature; for valid, exp and nbf as above.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define LEEWAY 0

static int after_signature(approov_result_e r)
{
    return r == APPROOV_VALID || r == APPROOV_BAD_PAYLOAD
           || r == APPROOV_BAD_EXP || r == APPROOV_BAD_NBF
           || r == APPROOV_EXPIRED || r == APPROOV_NOT_YET_VALID;
}

static int has_claims(approov_result_e r)
{
    return r == APPROOV_VALID || r == APPROOV_BAD_EXP || r == APPROOV_BAD_NBF
           || r == APPROOV_EXPIRED || r == APPROOV_NOT_YET_VALID;
}

static void check_valid(const approov_token_t *tok, const char *want_alg)
{
    const cJSON *alg, *exp, *nbf;

    alg = cJSON_GetObjectItemCaseSensitive(tok->header, "alg");
    FUZZ_CHECK(cJSON_IsString(alg)
               && (!want_alg || strcmp(alg->valuestring, want_alg) == 0),
               "valid token without alg %s", want_alg ? want_alg : "");
    FUZZ_CHECK(!cJSON_GetObjectItemCaseSensitive(tok->header, "crit"),
               "valid token with crit");
    exp = cJSON_GetObjectItemCaseSensitive(tok->claims, "exp");
    FUZZ_CHECK(cJSON_IsNumber(exp) && isfinite(exp->valuedouble),
               "valid token without a finite numeric exp");
    FUZZ_CHECK(tok->exp == exp->valuedouble, "out->exp %.17g != exp %.17g",
               tok->exp, exp->valuedouble);
    FUZZ_CHECK((double)FUZZ_NOW < (exp->valuedouble + LEEWAY) * 1e6,
               "valid token expired: exp %.17g", exp->valuedouble);
    nbf = cJSON_GetObjectItemCaseSensitive(tok->claims, "nbf");
    if (nbf) {
        FUZZ_CHECK(cJSON_IsNumber(nbf) && isfinite(nbf->valuedouble)
                   && (nbf->valuedouble - LEEWAY) * 1e6 <= (double)FUZZ_NOW,
                   "valid token with a bad or future nbf");
    }
}

static void check_keyset(const uint8_t *data, size_t size)
{
    const char *token = (const char *)data;
    const approov_key_t *const *keys;
    approov_token_t tok;
    approov_result_e r;
    apr_pool_t *p = fuzz_pool_new();
    int nkeys, signed_ok;

    keys = fuzz_keyset(&nkeys);
    r = approov_verify_keys(p, token, size, keys, nkeys, LEEWAY, FUZZ_NOW,
                            &tok);
    if (fuzz_verbose()) {
        fprintf(stderr, "verify_keys: %s\n", approov_result_name(r));
    }
    FUZZ_CHECK((int)r >= 0 && r < APPROOV_RESULT_COUNT, "result %d", (int)r);
    FUZZ_CHECK((r <= APPROOV_NOT_YET_VALID || r == APPROOV_UNKNOWN_KID)
               && r != APPROOV_BAD_PREFIX,
               "approov_verify_keys returned %s", approov_result_name(r));
    FUZZ_CHECK((r == APPROOV_MISSING) == (size == 0)
               && (r == APPROOV_TOO_LONG) == (size > APPROOV_TOKEN_MAX_LEN),
               "%s for %zu bytes", approov_result_name(r), size);

    signed_ok = fuzz_keyset_signature_matches(token, size);
    if (after_signature(r)) {
        FUZZ_CHECK(signed_ok, "%s for a token that does not verify under "
                   "the key its kid selects (forgery or wrong key)",
                   approov_result_name(r));
    }
    if (signed_ok) {
        FUZZ_CHECK(r != APPROOV_BAD_SIGNATURE && r != APPROOV_BAD_ALG
                   && r != APPROOV_UNKNOWN_KID,
                   "%s for a correctly signed token",
                   approov_result_name(r));
    }
    FUZZ_CHECK((tok.claims != NULL) == has_claims(r),
               "%s with claims %p", approov_result_name(r),
               (void *)tok.claims);
    if (r == APPROOV_VALID) {
        check_valid(&tok, NULL);
    }
    apr_pool_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const approov_key_t *key = fuzz_key();
    const char *token = (const char *)data;
    apr_pool_t *p, *p2;
    approov_token_t tok;
    approov_result_e r, r2;
    char *copy;
    int signed_ok;

    p = fuzz_pool_new();
    r = approov_verify(p, token, size, key, LEEWAY, FUZZ_NOW, &tok);

    if (fuzz_verbose()) {
        fprintf(stderr, "verify: %s\n", approov_result_name(r));
    }
    FUZZ_CHECK((int)r >= 0 && r < APPROOV_RESULT_COUNT, "result %d", (int)r);
    FUZZ_CHECK(strcmp(approov_result_name(r), "unknown") != 0,
               "result %d has no name", (int)r);
    FUZZ_CHECK(r <= APPROOV_NOT_YET_VALID && r != APPROOV_BAD_PREFIX,
               "approov_verify returned %s", approov_result_name(r));
    FUZZ_CHECK((r == APPROOV_MISSING) == (size == 0),
               "%s for %zu bytes", approov_result_name(r), size);
    FUZZ_CHECK((r == APPROOV_TOO_LONG) == (size > APPROOV_TOKEN_MAX_LEN),
               "%s for %zu bytes", approov_result_name(r), size);

    /* Deterministic, and independent of out and of the buffer. */
    copy = fuzz_strndup(data, size);
    p2 = fuzz_pool_new();
    r2 = approov_verify(p2, copy, size, key, LEEWAY, FUZZ_NOW, NULL);
    FUZZ_CHECK(r2 == r, "first %s, then %s", approov_result_name(r),
               approov_result_name(r2));
    apr_pool_destroy(p2);
    free(copy);

    /* Signature: only what was signed with the key gets past it. */
    signed_ok = fuzz_signature_matches(token, size);
    if (after_signature(r)) {
        FUZZ_CHECK(signed_ok, "%s for a token whose signature does not "
                   "match an OpenSSL HMAC (forgery)", approov_result_name(r));
    }
    if (signed_ok) {
        FUZZ_CHECK(r != APPROOV_BAD_SIGNATURE,
                   "bad_signature for a correctly signed token");
    }

    /* What out holds. */
    FUZZ_CHECK((tok.claims != NULL) == has_claims(r),
               "%s with claims %p", approov_result_name(r),
               (void *)tok.claims);
    if (r == APPROOV_VALID || (r >= APPROOV_BAD_ALG
                               && r <= APPROOV_NOT_YET_VALID)) {
        FUZZ_CHECK(tok.header != NULL, "%s without a header",
                   approov_result_name(r));
        FUZZ_CHECK(cJSON_IsObject(tok.header), "header not an object");
    }
    if (r == APPROOV_MISSING || r == APPROOV_TOO_LONG) {
        FUZZ_CHECK(tok.header == NULL, "%s with a header",
                   approov_result_name(r));
    }
    if (r == APPROOV_VALID) {
        check_valid(&tok, "HS256");
    }
    apr_pool_destroy(p);

    check_keyset(data, size);
    return 0;
}

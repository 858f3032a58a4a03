/*
 * approov_token.h: Approov token verification: a compact JWS checked
 * against the configured keys (kid, alg, signature), strict JSON header
 * and payload, the time claims, token binding (pay), and the issuer and
 * audience an operator requires.
 *
 * Contract: approov_verify_keys() takes the raw token text, the keys
 * prepared once at start-up, a leeway and the current time, and returns
 * exactly one result code.  APPROOV_VALID is the only code that means "let
 * it through"; every other code names the first rule the token broke.
 *
 * Layer 3 of the core (see lib/README.md): includes approov_keys.h;
 * approov_token.c also approov_base64.h and approov_json.h.
 * APR, OpenSSL and cJSON only, never an httpd header, so that the unit
 * tests, the fuzzers and the command-line tool link the very code the
 * module runs.
 */
#ifndef APPROOV_TOKEN_H
#define APPROOV_TOKEN_H

#include <apr_pools.h>
#include <apr_time.h>
#include <cjson/cJSON.h>

#include "approov_keys.h"

/* Longest token accepted, in bytes, checked before any decoding.  Approov
 * tokens are a few hundred bytes; httpd's own header field limit is 8190. */
#define APPROOV_TOKEN_MAX_LEN 8192

/* Largest leeway an operator may configure, in seconds. */
#define APPROOV_LEEWAY_MAX 300

/* What a verified (or partly verified) token yielded.  The cJSON trees are
 * freed with the pool passed to approov_verify(). */
typedef struct {
    cJSON *header;          /* the JOSE header, once parsed */
    cJSON *claims;          /* the payload, only once the signature is good */
    double exp;             /* seconds since the epoch, once checked */
    double nbf;             /* the same, when has_nbf */
    int has_nbf;
} approov_token_t;

/*
 * Verify a compact JWS token against a set of keys.  token need not be
 * NUL-terminated.  now is the current time (apr_time_now() in the module;
 * injected by the tests).  When out is not NULL it is filled in as far as
 * verification got.  The key is chosen by the token's kid (see
 * select_key()), and the token's alg must be one that key accepts.
 */
approov_result_e approov_verify_keys(apr_pool_t *p, const char *token,
                                     apr_size_t token_len,
                                     const approov_key_t *const *keys,
                                     int nkeys, apr_int64_t leeway_seconds,
                                     apr_time_t now, approov_token_t *out);

/*
 * The time checks of approov_verify_keys() alone, on a token it verified:
 * APPROOV_EXPIRED unless now < exp + leeway, APPROOV_NOT_YET_VALID unless
 * nbf - leeway <= now, else APPROOV_VALID.  For a verified token kept
 * across requests, whose times must be judged again at each.
 */
approov_result_e approov_check_time(const approov_token_t *token,
                                    apr_int64_t leeway_seconds,
                                    apr_time_t now);

/* Length of a pay claim: padded base64 of a SHA-256 digest. */
#define APPROOV_PAY_LEN 44

/* The pay value binding a token to these header values (concatenated). */
void approov_binding_hash(const char *const *values, int count,
                          char out[APPROOV_PAY_LEN + 1]);

/*
 * Token binding: the pay claim of a valid token must be the padded standard
 * base64 of SHA-256 over the values, concatenated in order.  A NULL or empty
 * value is a missing header.  With optional set, a token without pay passes
 * whatever the headers.  Comparison in constant time.
 */
approov_result_e approov_check_binding(const approov_token_t *token,
                                       const char *const *values, int count,
                                       int optional);

/*
 * The issuer (RFC 7519 4.1.1; RFC 8725 3.8) of a verified token: with
 * issuer NULL, APPROOV_VALID (not checked); otherwise iss must be a string
 * equal to issuer byte for byte, and is APPROOV_BAD_ISS when absent, of
 * another type or another string.  Judge only a token approov_verify_keys()
 * found valid: never the claims of an unverified one.
 */
approov_result_e approov_check_issuer(const approov_token_t *token,
                                      const char *issuer);

/*
 * The audience (RFC 7519 4.1.3; RFC 8725 3.9) of a verified token: with
 * count 0, APPROOV_VALID (not checked); otherwise aud must be a string
 * equal byte for byte to one of audiences, or a non-empty array of
 * strings one of which is; APPROOV_BAD_AUD when absent, of another type,
 * an empty array, an array with a member that is not a string (refused
 * whole, wherever the member), or naming none of them.
 */
approov_result_e approov_check_audience(const approov_token_t *token,
                                        const char *const *audiences,
                                        int count);

#endif /* APPROOV_TOKEN_H */

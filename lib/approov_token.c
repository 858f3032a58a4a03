/*
 * approov_token.c: Approov token verification (see approov_token.h).
 *
 * Only APR, OpenSSL and cJSON here: no httpd header.
 */

/* The binding hash uses the low-level SHA256_* interface, which OpenSSL
 * 3.0 marks as deprecated; see approov_keys.c. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <math.h>
#include <string.h>

#include <apr_strings.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "approov_base64.h"
#include "approov_json.h"
#include "approov_token.h"

/* ------------------------------------------------------------------ */
/* verification                                                        */

/* Bounds of a time that fits a signed 64-bit count of seconds. */
#define TIME_LIMIT 9223372036854775807.0

/* A time claim (item may be NULL): 1 with its value, 0 if absent, -1 if
 * it is not a number that fits a 64-bit time. */
static int claim_time(const cJSON *item, double *value)
{
    if (!item) {
        return 0;
    }
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble)
        || item->valuedouble >= TIME_LIMIT
        || item->valuedouble < -TIME_LIMIT) {
        return -1;
    }
    *value = item->valuedouble;
    return 1;
}

/* Header members refused: crit (we implement no extension), and those
 * that would let a token name its own key (RFC 8725 3.10). */
static int is_refused_header_member(const char *name)
{
    switch (name[0]) {
    case 'c': return strcmp(name, "crit") == 0;
    case 'j': return strcmp(name, "jwk") == 0 || strcmp(name, "jku") == 0;
    case 'x': return strcmp(name, "x5u") == 0 || strcmp(name, "x5c") == 0;
    default:  return 0;
    }
}

/*
 * The key a token asks for.  A kid picks the key with that kid; without a
 * kid, the one key configured without a kid.  A lone key without a kid
 * verifies every token: where the operator named no kid, a kid means
 * nothing (Approov's default secret has none).
 */
static approov_result_e select_key(const approov_key_t *const *keys,
                                   int nkeys, const cJSON *kid,
                                   const approov_key_t **selected)
{
    const approov_key_t *match = NULL;
    int i, matches = 0;

    if (nkeys == 1 && !approov_key_kid(keys[0])) {
        *selected = keys[0];
        return APPROOV_VALID;
    }
    for (i = 0; i < nkeys; i++) {
        const char *key_kid = approov_key_kid(keys[i]);

        if (kid ? (key_kid && strcmp(key_kid, kid->valuestring) == 0)
                : !key_kid) {
            match = keys[i];
            matches++;
        }
    }
    if (!match) {
        return kid ? APPROOV_UNKNOWN_KID : APPROOV_NO_KID;
    }
    if (matches > 1) {
        /* Two keys with one kid: refused at configuration time; never
         * guess here. */
        return kid ? APPROOV_UNKNOWN_KID : APPROOV_NO_KID;
    }
    *selected = match;
    return APPROOV_VALID;
}

approov_result_e approov_verify_keys(apr_pool_t *p, const char *token,
                                     apr_size_t token_len,
                                     const approov_key_t *const *keys,
                                     int nkeys, apr_int64_t leeway_seconds,
                                     apr_time_t now, approov_token_t *out)
{
    approov_token_t scratch;
    const char *dot1, *dot2, *sig;
    apr_size_t header_len, payload_len, sig_len;
    unsigned char *buf, *payload, *sig_bytes;
    const cJSON *alg_item, *kid, *member, *exp_item, *nbf_item;
    const approov_key_t *key = NULL;
    approov_alg_e alg;
    approov_result_e result;
    long n, payload_n;
    double exp;
    int found;

    if (!out) {
        out = &scratch;
    }
    out->header = NULL;
    out->claims = NULL;
    out->exp = out->nbf = 0;
    out->has_nbf = 0;

    if (token_len == 0) {
        return APPROOV_MISSING;
    }
    if (token_len > APPROOV_TOKEN_MAX_LEN) {
        return APPROOV_TOO_LONG;
    }
    if (nkeys <= 0 || !keys) {
        return APPROOV_NO_KEY;
    }

    /* Exactly three non-empty segments. */
    dot1 = memchr(token, '.', token_len);
    if (!dot1) {
        return APPROOV_MALFORMED;
    }
    dot2 = memchr(dot1 + 1, '.', token_len - (apr_size_t)(dot1 + 1 - token));
    if (!dot2) {
        return APPROOV_MALFORMED;
    }
    sig = dot2 + 1;
    header_len = (apr_size_t)(dot1 - token);
    payload_len = (apr_size_t)(dot2 - dot1 - 1);
    sig_len = token_len - (apr_size_t)(sig - token);
    if (memchr(sig, '.', sig_len) || header_len == 0 || payload_len == 0
        || sig_len == 0) {
        return APPROOV_MALFORMED;
    }

    /* Decoded header, then decoded payload, in one allocation.  Both
     * segments (and the signature's, below) are checked as base64url
     * before any signature work, so a bad byte anywhere is MALFORMED. */
    buf = apr_palloc(p, header_len / 4 * 3 + 3 + payload_len / 4 * 3 + 3);
    payload = buf + header_len / 4 * 3 + 3;
    payload_n = approov_b64url_decode(payload, dot1 + 1, payload_len);
    if (payload_n < 0) {
        return APPROOV_MALFORMED;
    }

    /* Header: strict JSON object, no crit, no key of its own. */
    n = approov_b64url_decode(buf, token, header_len);
    if (n < 0) {
        return APPROOV_MALFORMED;
    }
    out->header = approov_json_parse_object(p, buf, (apr_size_t)n);
    if (!out->header) {
        return APPROOV_BAD_HEADER;
    }
    /* One walk over the members: alg, kid, and what is refused. */
    alg_item = kid = NULL;
    for (member = out->header->child; member; member = member->next) {
        const char *name = member->string;

        if (strcmp(name, "alg") == 0) {
            alg_item = member;
        }
        else if (strcmp(name, "kid") == 0) {
            if (!cJSON_IsString(member)) {
                return APPROOV_BAD_HEADER;
            }
            kid = member;
        }
        else if (is_refused_header_member(name)) {
            return APPROOV_BAD_HEADER;
        }
    }

    /* The algorithm is the selected key's: the token's alg must name one
     * the key accepts, never the other way round. */
    if (!cJSON_IsString(alg_item)) {
        return APPROOV_BAD_ALG;
    }
    if ((result = select_key(keys, nkeys, kid, &key)) != APPROOV_VALID) {
        return result;
    }
    alg = approov_alg_from_name(alg_item->valuestring);
    if (!approov_key_accepts(key, alg)) {
        return APPROOV_BAD_ALG;
    }

    /* Signature, then only a verified payload is parsed.  The segment is
     * decoded whatever its length (bounded by the token's), so a bad byte
     * is MALFORMED and a wrong length is left to the key to judge. */
    sig_bytes = apr_palloc(p, sig_len / 4 * 3 + 3);
    n = approov_b64url_decode(sig_bytes, sig, sig_len);
    if (n < 0) {
        return APPROOV_MALFORMED;
    }
    result = approov_key_verify(key, alg, token, header_len + 1 + payload_len,
                                sig_bytes, (apr_size_t)n);
    if (result != APPROOV_VALID) {
        return result;
    }

    out->claims = approov_json_parse_object(p, payload, (apr_size_t)payload_n);
    if (!out->claims) {
        return APPROOV_BAD_PAYLOAD;
    }

    exp_item = nbf_item = NULL;
    for (member = out->claims->child; member; member = member->next) {
        if (strcmp(member->string, "exp") == 0) {
            exp_item = member;
        }
        else if (strcmp(member->string, "nbf") == 0) {
            nbf_item = member;
        }
    }
    found = claim_time(exp_item, &exp);
    if (found <= 0) {
        return APPROOV_BAD_EXP;
    }
    out->exp = exp;
    found = claim_time(nbf_item, &out->nbf);
    if (found < 0) {
        return APPROOV_BAD_NBF;
    }
    out->has_nbf = found;
    return approov_check_time(out, leeway_seconds, now);
}

approov_result_e approov_check_time(const approov_token_t *token,
                                    apr_int64_t leeway_seconds,
                                    apr_time_t now)
{
    double now_us = (double)now, leeway = (double)leeway_seconds;

    /* Compared in microseconds as doubles: exact for any realistic time,
     * and fractional exp values keep their meaning. */
    if (!(now_us < (token->exp + leeway) * (double)APR_USEC_PER_SEC)) {
        return APPROOV_EXPIRED;
    }
    if (token->has_nbf
        && !((token->nbf - leeway) * (double)APR_USEC_PER_SEC <= now_us)) {
        return APPROOV_NOT_YET_VALID;
    }
    return APPROOV_VALID;
}

/* ------------------------------------------------------------------ */
/* token binding                                                       */

void approov_binding_hash(const char *const *values, int count,
                          char out[APPROOV_PAY_LEN + 1])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX ctx;
    int i;

    SHA256_Init(&ctx);
    for (i = 0; i < count; i++) {
        SHA256_Update(&ctx, values[i], strlen(values[i]));
    }
    SHA256_Final(digest, &ctx);
    /* 32 bytes: ten full quanta, then two bytes and one '='. */
    approov_b64_encode_to(out, digest, sizeof(digest));
}

approov_result_e approov_check_binding(const approov_token_t *token,
                                       const char *const *values, int count,
                                       int optional)
{
    const cJSON *pay = cJSON_GetObjectItemCaseSensitive(token->claims, "pay");
    char expected[APPROOV_PAY_LEN + 1];
    int i;

    if (!pay && optional) {
        return APPROOV_VALID;
    }
    for (i = 0; i < count; i++) {
        if (!values[i] || !*values[i]) {
            return APPROOV_NO_BINDING_HEADER;
        }
    }
    if (!pay) {
        return APPROOV_NO_PAY;
    }
    if (!cJSON_IsString(pay)) {
        return APPROOV_BAD_PAY;
    }
    approov_binding_hash(values, count, expected);
    if (strlen(pay->valuestring) != APPROOV_PAY_LEN
        || CRYPTO_memcmp(expected, pay->valuestring, APPROOV_PAY_LEN) != 0) {
        return APPROOV_PAY_MISMATCH;
    }
    return APPROOV_VALID;
}

/* ------------------------------------------------------------------ */
/* issuer and audience                                                 */

approov_result_e approov_check_issuer(const approov_token_t *token,
                                      const char *issuer)
{
    const cJSON *iss;

    if (!issuer) {
        return APPROOV_VALID;
    }
    /* Strict JSON refuses \u0000, so a C string comparison is one of all
     * the bytes. */
    iss = cJSON_GetObjectItemCaseSensitive(token->claims, "iss");
    if (!cJSON_IsString(iss) || strcmp(iss->valuestring, issuer) != 0) {
        return APPROOV_BAD_ISS;
    }
    return APPROOV_VALID;
}

static int is_audience(const char *value, const char *const *audiences,
                       int count)
{
    int i;

    for (i = 0; i < count; i++) {
        if (strcmp(value, audiences[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

approov_result_e approov_check_audience(const approov_token_t *token,
                                        const char *const *audiences,
                                        int count)
{
    const cJSON *aud, *member;
    int found = 0;

    if (count <= 0) {
        return APPROOV_VALID;
    }
    aud = cJSON_GetObjectItemCaseSensitive(token->claims, "aud");
    if (cJSON_IsString(aud)) {
        return is_audience(aud->valuestring, audiences, count)
               ? APPROOV_VALID : APPROOV_BAD_AUD;
    }
    if (!cJSON_IsArray(aud) || !aud->child) {
        return APPROOV_BAD_AUD;
    }
    /* Every member is looked at: an array that is not all strings is a
     * malformed claim, whether or not a match comes before the odd one. */
    for (member = aud->child; member; member = member->next) {
        if (!cJSON_IsString(member)) {
            return APPROOV_BAD_AUD;
        }
        found |= is_audience(member->valuestring, audiences, count);
    }
    return found ? APPROOV_VALID : APPROOV_BAD_AUD;
}

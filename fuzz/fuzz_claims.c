/*
 * fuzz_claims: reach the JSON and claim checks behind the signature.
 *
 * Input:   HEADER_JSON [ 0x00 PAYLOAD_JSON [ 0x00 FLAGS VALUE (0x00 VALUE)* ] ]
 *
 * The harness base64url-encodes the two JSON texts itself, signs them with
 * OpenSSL HMAC-SHA256 and the dummy secret, and verifies the token with
 * approov_verify() at the fixed now.  The first "$PAY" in the payload is
 * replaced by the pay value binding the VALUEs (so the binding can match).
 * FLAGS bit 0: the binding is optional (ApproovTokenBindingOptional On);
 * bits 1-2: the leeway, 0, 1, 60 or 300 s.  Up to 4 VALUEs, each a header
 * value (empty = absent header); without a FLAGS section no headers are
 * bound.  approov_check_binding() is called on every valid token.
 *
 * Invariants:
 *  - the result is in the enum, and equals what a model of the rules
 *    README.md lists gives (too_long, malformed for an empty segment,
 *    bad_header for a non-strict header, crit, jwk/jku/x5u/x5c or a kid
 *    that is not a string, bad_alg, bad_payload, bad_exp, bad_nbf,
 *    expired, not_yet_valid, valid), the token being correctly signed;
 *  - valid: the payload text passes approov_json_object_is_strict(), plain
 *    cJSON finds a finite numeric exp in it, out->exp repeats it;
 *  - approov_sign() makes byte for byte the token the harness made;
 *  - approov_check_binding() returns what the rules give (optional, missing
 *    header, no pay, pay not a string, mismatch, valid), pay being compared
 *    with a SHA-256 and base64 computed by OpenSSL; approov_binding_hash()
 *    agrees with OpenSSL;
 *  - approov_check_issuer(), with the first VALUE as ApproovIssuer (none
 *    without VALUEs), and approov_check_audience(), with the VALUEs as
 *    ApproovAudience, return what the README's rules give, judged on plain
 *    cJSON's parse of the payload: iss a string of exactly those bytes;
 *    aud a string among them, or a non-empty array of strings only, one
 *    among them; unset, valid.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define MAX_VALUES 4
#define PAY_MARKER "$PAY"

static const int leeways[4] = { 0, 1, 60, 300 };

/* The rules of README.md "What is checked", for a correctly signed token
 * whose header and payload texts are given. */
static approov_result_e model(apr_pool_t *p, size_t token_len,
                              const unsigned char *h, size_t hlen,
                              const unsigned char *pl, size_t plen,
                              int leeway)
{
    const double limit = 9223372036854775808.0;     /* 2^63 */
    const double now = (double)FUZZ_NOW;
    static const char *const key_members[] = {
        "jwk", "jku", "x5u", "x5c", NULL
    };
    const cJSON *header, *claims, *alg, *kid, *exp, *nbf;
    int i;

    if (token_len > APPROOV_TOKEN_MAX_LEN) return APPROOV_TOO_LONG;
    if (hlen == 0 || plen == 0) return APPROOV_MALFORMED;
    header = approov_json_parse_object(p, h, hlen);
    if (!header || cJSON_GetObjectItemCaseSensitive(header, "crit")) {
        return APPROOV_BAD_HEADER;
    }
    /* No key carried by the token itself (RFC 8725 3.10); a kid, if any,
     * is a string. */
    for (i = 0; key_members[i]; i++) {
        if (cJSON_GetObjectItemCaseSensitive(header, key_members[i])) {
            return APPROOV_BAD_HEADER;
        }
    }
    kid = cJSON_GetObjectItemCaseSensitive(header, "kid");
    if (kid && !cJSON_IsString(kid)) {
        return APPROOV_BAD_HEADER;
    }
    /* One key without a kid: it verifies every token, whatever its kid. */
    alg = cJSON_GetObjectItemCaseSensitive(header, "alg");
    if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "HS256") != 0) {
        return APPROOV_BAD_ALG;
    }
    claims = approov_json_parse_object(p, pl, plen);
    if (!claims) return APPROOV_BAD_PAYLOAD;
    exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
    if (!cJSON_IsNumber(exp) || !isfinite(exp->valuedouble)
        || exp->valuedouble >= limit || exp->valuedouble < -limit) {
        return APPROOV_BAD_EXP;
    }
    nbf = cJSON_GetObjectItemCaseSensitive(claims, "nbf");
    if (nbf && (!cJSON_IsNumber(nbf) || !isfinite(nbf->valuedouble)
                || nbf->valuedouble >= limit || nbf->valuedouble < -limit)) {
        return APPROOV_BAD_NBF;
    }
    if (!(now < (exp->valuedouble + leeway) * 1e6)) return APPROOV_EXPIRED;
    if (nbf && !((nbf->valuedouble - leeway) * 1e6 <= now)) {
        return APPROOV_NOT_YET_VALID;
    }
    return APPROOV_VALID;
}

static approov_result_e binding_model(const cJSON *claims,
                                      const char *const *values, int count,
                                      int optional)
{
    const cJSON *pay = cJSON_GetObjectItemCaseSensitive(claims, "pay");
    char expected[45];
    int i;

    if (!pay && optional) return APPROOV_VALID;
    for (i = 0; i < count; i++) {
        if (!*values[i]) return APPROOV_NO_BINDING_HEADER;
    }
    if (!pay) return APPROOV_NO_PAY;
    if (!cJSON_IsString(pay)) return APPROOV_BAD_PAY;
    fuzz_binding_hash(values, count, expected);
    return strcmp(pay->valuestring, expected) == 0 ? APPROOV_VALID
                                                   : APPROOV_PAY_MISMATCH;
}

static approov_result_e issuer_model(const cJSON *claims,
                                     const char *issuer)
{
    const cJSON *iss = cJSON_GetObjectItemCaseSensitive(claims, "iss");

    if (!issuer) return APPROOV_VALID;
    if (!iss || iss->type != cJSON_String) return APPROOV_BAD_ISS;
    return strlen(iss->valuestring) == strlen(issuer)
           && memcmp(iss->valuestring, issuer, strlen(issuer)) == 0
           ? APPROOV_VALID : APPROOV_BAD_ISS;
}

static int among(const char *value, const char *const *list, int count)
{
    while (count-- > 0) {
        if (strlen(list[count]) == strlen(value)
            && memcmp(list[count], value, strlen(value)) == 0) {
            return 1;
        }
    }
    return 0;
}

static approov_result_e audience_model(const cJSON *claims,
                                       const char *const *list, int count)
{
    const cJSON *aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
    int i, n, hit = 0;

    if (count == 0) return APPROOV_VALID;
    if (!aud) return APPROOV_BAD_AUD;
    if (aud->type == cJSON_String) {
        return among(aud->valuestring, list, count) ? APPROOV_VALID
                                                    : APPROOV_BAD_AUD;
    }
    if (aud->type != cJSON_Array) return APPROOV_BAD_AUD;
    n = cJSON_GetArraySize(aud);
    if (n == 0) return APPROOV_BAD_AUD;
    for (i = 0; i < n; i++) {
        if (cJSON_GetArrayItem(aud, i)->type != cJSON_String) {
            return APPROOV_BAD_AUD;
        }
    }
    for (i = 0; i < n && !hit; i++) {
        hit = among(cJSON_GetArrayItem(aud, i)->valuestring, list, count);
    }
    return hit ? APPROOV_VALID : APPROOV_BAD_AUD;
}

/* Replace the first PAY_MARKER in [text, text + *len) by pay; returns a
 * malloc'd buffer of exactly the new length (at least 1 byte). */
static unsigned char *substitute_pay(const unsigned char *text, size_t *len,
                                     const char pay[45])
{
    const size_t mlen = sizeof(PAY_MARKER) - 1;
    const unsigned char *at = *len >= mlen
        ? memmem(text, *len, PAY_MARKER, mlen) : NULL;
    size_t n = at ? *len - mlen + 44 : *len;
    unsigned char *out = malloc(n ? n : 1);

    if (!out) abort();
    if (!at) {
        if (n) memcpy(out, text, n);
        return out;
    }
    memcpy(out, text, (size_t)(at - text));
    memcpy(out + (at - text), pay, 44);
    memcpy(out + (at - text) + 44, at + mlen, *len - (size_t)(at - text) - mlen);
    *len = n;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size, *h = data, *pl = NULL, *sect = NULL;
    const uint8_t *nul;
    size_t hlen, plen = 0, token_len, n;
    char *values[MAX_VALUES] = { NULL };
    int count = 0, optional = 0, leeway = 0, i;
    char pay[45], core_pay[APPROOV_PAY_LEN + 1];
    unsigned char *payload, mac[FUZZ_MAC_LEN];
    char *token;
    const char *signed_by_core;
    apr_pool_t *p;
    approov_token_t tok;
    approov_result_e r, expected, b, b_expected;

    /* Split the input. */
    nul = memchr(data, 0, size);
    hlen = nul ? (size_t)(nul - data) : size;
    if (nul) {
        pl = nul + 1;
        nul = memchr(pl, 0, (size_t)(end - pl));
        plen = nul ? (size_t)(nul - pl) : (size_t)(end - pl);
        sect = nul ? nul + 1 : NULL;
    }
    if (sect && sect < end) {
        const uint8_t *v = sect + 1;
        optional = sect[0] & 1;
        leeway = leeways[(sect[0] >> 1) & 3];
        /* The rest, split at each 0x00; nothing at all is no value. */
        while (v < end && count < MAX_VALUES) {
            nul = memchr(v, 0, (size_t)(end - v));
            n = nul ? (size_t)(nul - v) : (size_t)(end - v);
            values[count++] = fuzz_strndup(v, n);
            if (!nul) break;
            v = nul + 1;
            if (v == end && count < MAX_VALUES) {
                values[count++] = fuzz_strndup("", 0);
            }
        }
    }

    /* The binding hash, independently and by the core. */
    fuzz_binding_hash((const char *const *)values, count, pay);
    approov_binding_hash((const char *const *)values, count, core_pay);
    FUZZ_CHECK(strcmp(pay, core_pay) == 0, "approov_binding_hash %s, "
               "OpenSSL %s", core_pay, pay);

    payload = substitute_pay(pl ? pl : (const uint8_t *)"", &plen, pay);

    /* Make the token: base64url(h) '.' base64url(payload) '.' MAC. */
    token_len = (hlen + 2) / 3 * 4 + (plen + 2) / 3 * 4
                + (FUZZ_MAC_LEN + 2) / 3 * 4 + 3;
    token = malloc(token_len);
    if (!token) abort();
    n = fuzz_b64url_encode(token, h, hlen);
    token[n++] = '.';
    n += fuzz_b64url_encode(token + n, payload, plen);
    fuzz_hs256(token, n, mac);
    token[n++] = '.';
    n += fuzz_b64url_encode(token + n, mac, sizeof(mac));
    token_len = n;

    p = fuzz_pool_new();

    signed_by_core = approov_sign(p, fuzz_key(), (const char *)h, hlen,
                                  (const char *)payload, plen);
    FUZZ_CHECK(signed_by_core && strlen(signed_by_core) == token_len
               && memcmp(signed_by_core, token, token_len) == 0,
               "approov_sign made another token");

    r = approov_verify(p, token, token_len, fuzz_key(), leeway, FUZZ_NOW,
                       &tok);
    FUZZ_CHECK((int)r >= 0 && r < APPROOV_RESULT_COUNT, "result %d", (int)r);
    if (fuzz_verbose()) {
        fprintf(stderr, "claims: %s", approov_result_name(r));
    }
    expected = model(p, token_len, h, hlen, payload, plen, leeway);
    FUZZ_CHECK(r == expected, "approov_verify %s, the rules say %s",
               approov_result_name(r), approov_result_name(expected));

    if (r == APPROOV_VALID) {
        cJSON *plain;
        const cJSON *exp;

        FUZZ_CHECK(approov_json_object_is_strict(payload, plen,
                                                 APPROOV_JSON_MAX_DEPTH),
                   "valid token with a payload that is not strict JSON");
        plain = cJSON_ParseWithLength((const char *)payload, plen);
        FUZZ_CHECK(plain != NULL, "valid payload that cJSON cannot parse");
        exp = cJSON_GetObjectItemCaseSensitive(plain, "exp");
        FUZZ_CHECK(cJSON_IsNumber(exp) && isfinite(exp->valuedouble),
                   "valid token without a finite numeric exp");
        FUZZ_CHECK(tok.claims && tok.exp == exp->valuedouble,
                   "out->exp %.17g, exp %.17g", tok.exp, exp->valuedouble);

        b = approov_check_issuer(&tok, count ? values[0] : NULL);
        b_expected = issuer_model(plain, count ? values[0] : NULL);
        FUZZ_CHECK(b == b_expected, "approov_check_issuer %s, the rules "
                   "say %s", approov_result_name(b),
                   approov_result_name(b_expected));
        b = approov_check_audience(&tok, (const char *const *)values, count);
        b_expected = audience_model(plain, (const char *const *)values,
                                    count);
        FUZZ_CHECK(b == b_expected, "approov_check_audience %s, the rules "
                   "say %s", approov_result_name(b),
                   approov_result_name(b_expected));
        cJSON_Delete(plain);

        b = approov_check_binding(&tok, (const char *const *)values, count,
                                  optional);
        FUZZ_CHECK((int)b >= 0 && b < APPROOV_RESULT_COUNT, "binding %d",
                   (int)b);
        b_expected = binding_model(tok.claims, (const char *const *)values,
                                   count, optional);
        FUZZ_CHECK(b == b_expected, "approov_check_binding %s, the rules "
                   "say %s", approov_result_name(b),
                   approov_result_name(b_expected));
        if (fuzz_verbose()) {
            fprintf(stderr, ", binding %s", approov_result_name(b));
        }
    }

    if (fuzz_verbose()) {
        fprintf(stderr, "\n");
    }
    apr_pool_destroy(p);
    free(token);
    free(payload);
    for (i = 0; i < count; i++) {
        free(values[i]);
    }
    return 0;
}

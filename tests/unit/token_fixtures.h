/*
 * token_fixtures.h: what the unit tests of the token's units share:
 * tokens minted independently of the core (base64url encoded here, the MAC
 * by OpenSSL's one-shot HMAC(EVP_sha256())), so no expected value is
 * hard-coded except the published RFC 7515 example; the Approov dummy key;
 * exact-length copies, so AddressSanitizer catches any read past the
 * length the core was given.  Time is injected.  Include after harness.h;
 * call fixtures_begin() after harness_begin().
 */
#ifndef APPROOV_TEST_TOKEN_FIXTURES_H
#define APPROOV_TEST_TOKEN_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "approov_envfile.h"
#include "approov_json.h"
#include "approov_mint.h"
#include "approov_token.h"

/* Not every test program uses every fixture. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#endif

/* Printable rendering of arbitrary bytes for failure messages. */
static const char *show(const void *data, size_t len)
{
    const unsigned char *s = data;
    size_t i, max = len > 240 ? 240 : len;
    char *out = apr_palloc(pool, max * 4 + 16), *o = out;

    if (!data) {
        return "(null)";
    }
    for (i = 0; i < max; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\\') {
            *o++ = (char)s[i];
        }
        else {
            o += sprintf(o, "\\x%02X", s[i]);
        }
    }
    if (max < len) {
        o += sprintf(o, "...(%lu bytes)", (unsigned long)len);
    }
    *o = '\0';
    return out;
}

static const char *shows(const char *s)
{
    return s ? show(s, strlen(s)) : "(null)";
}

/* A heap copy of exactly len bytes, no terminator: over-reads trip ASan. */
static void *exact_copy(const void *data, size_t len)
{
    void *copy = malloc(len ? len : 1);

    if (!copy) {
        abort();
    }
    if (len) {
        memcpy(copy, data, len);
    }
    return copy;
}

/* Local names for result codes, so failure messages do not depend on the
 * core's own approov_result_name(). */
static const char *rname(approov_result_e r)
{
    static const char *const names[] = {
        "VALID", "MISSING", "TOO_LONG", "BAD_PREFIX", "MALFORMED",
        "BAD_HEADER", "BAD_ALG", "BAD_SIGNATURE", "BAD_PAYLOAD", "BAD_EXP",
        "BAD_NBF", "EXPIRED", "NOT_YET_VALID", "NO_BINDING_HEADER", "NO_PAY",
        "BAD_PAY", "PAY_MISMATCH", "NO_KEY"
    };
    if ((int)r >= 0 && (size_t)r < sizeof(names) / sizeof(names[0])) {
        return names[r];
    }
    return "(out of range)";
}

/* ------------------------------------------------------------------ */
/* independent base64 and minting                                      */

static const char B64STD[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64URL[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *b64_encode(const void *data, size_t len, const char *alphabet,
                        int pad)
{
    const unsigned char *s = data;
    char *out = apr_palloc(pool, (len + 2) / 3 * 4 + 1), *d = out;
    unsigned long v;
    size_t i;

    for (i = 0; i + 3 <= len; i += 3) {
        v = ((unsigned long)s[i] << 16) | ((unsigned long)s[i + 1] << 8)
            | s[i + 2];
        *d++ = alphabet[(v >> 18) & 63];
        *d++ = alphabet[(v >> 12) & 63];
        *d++ = alphabet[(v >> 6) & 63];
        *d++ = alphabet[v & 63];
    }
    if (len - i == 1) {
        v = (unsigned long)s[i] << 16;
        *d++ = alphabet[(v >> 18) & 63];
        *d++ = alphabet[(v >> 12) & 63];
        if (pad) {
            *d++ = '=';
            *d++ = '=';
        }
    }
    else if (len - i == 2) {
        v = ((unsigned long)s[i] << 16) | ((unsigned long)s[i + 1] << 8);
        *d++ = alphabet[(v >> 18) & 63];
        *d++ = alphabet[(v >> 12) & 63];
        *d++ = alphabet[(v >> 6) & 63];
        if (pad) {
            *d++ = '=';
        }
    }
    *d = '\0';
    return out;
}

static char *b64u(const char *s)
{
    return b64_encode(s, strlen(s), B64URL, 0);
}

/* Reference decoder: OpenSSL's EVP_DecodeBlock, after mapping the URL-safe
 * alphabet to the standard one and restoring padding.  Well-formed input
 * only (used to compute expected bytes, never to judge validity). */
static unsigned char *ref_b64_decode(const char *text, size_t *out_len)
{
    size_t len = strlen(text), i, pad;
    char *std = apr_palloc(pool, len + 4);
    unsigned char *out;
    int n;

    while (len && text[len - 1] == '=') {
        len--;
    }
    for (i = 0; i < len; i++) {
        std[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
    }
    pad = (4 - len % 4) % 4;
    memset(std + len, '=', pad);
    std[len + pad] = '\0';
    out = apr_palloc(pool, (len + pad) / 4 * 3 + 1);
    n = EVP_DecodeBlock(out, (const unsigned char *)std, (int)(len + pad));
    if (n < 0) {
        *out_len = 0;
        return NULL;
    }
    *out_len = (size_t)n - pad;
    return out;
}

static void hmac_sha256(const unsigned char *key, size_t key_len,
                        const void *data, size_t len, unsigned char mac[32])
{
    unsigned int mac_len = 0;

    HMAC(EVP_sha256(), key, (int)key_len, data, len, mac, &mac_len);
    if (mac_len != 32) {
        abort();
    }
}

/* seg1 '.' seg2 '.' base64url(mac), the MAC given. */
static const char *with_mac(const char *seg1, const char *seg2,
                            const unsigned char *mac, size_t mac_len)
{
    return apr_pstrcat(pool, seg1, ".", seg2, ".",
                       b64_encode(mac, mac_len, B64URL, 0), NULL);
}

/* seg1 '.' seg2, signed with HMAC-SHA256 under key: the segments are taken
 * as they are, so malformed ones can be signed correctly. */
static const char *sign_segments(const unsigned char *key, size_t key_len,
                                 const char *seg1, const char *seg2)
{
    const char *input = apr_pstrcat(pool, seg1, ".", seg2, NULL);
    unsigned char mac[32];

    hmac_sha256(key, key_len, input, strlen(input), mac);
    return with_mac(seg1, seg2, mac, sizeof(mac));
}

static const char *mint_bytes(const unsigned char *key, size_t key_len,
                              const char *header, size_t header_len,
                              const char *payload, size_t payload_len)
{
    return sign_segments(key, key_len,
                         b64_encode(header, header_len, B64URL, 0),
                         b64_encode(payload, payload_len, B64URL, 0));
}

/* ------------------------------------------------------------------ */
/* fixtures                                                            */

/* Approov's published dummy secret (standard base64, padded). */
static const char DUMMY_SECRET_B64[] =
    "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/"
    "WVyWrc2gZfh3XXfBOmww==";

static unsigned char dummy_secret[64];  /* decoded by OpenSSL in main() */
static approov_key_t *dummy_key;        /* prepared by the core in main() */

#define NOW_S 1700000000LL
#define EXP_OK (NOW_S + 3600)
#define SECS(s) ((apr_time_t)(s) * APR_USEC_PER_SEC)

#define HDR "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* A valid token for the dummy key: header and payload JSON as C strings. */
static const char *mint(const char *header, const char *payload)
{
    return mint_bytes(dummy_secret, sizeof(dummy_secret), header,
                      strlen(header), payload, strlen(payload));
}

/* Payload text from a printf format (the exp etc. are filled in). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static const char *pl(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    /* C99 vsnprintf, not apr_pvsprintf: APR's formatter lacks %lld */
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    s = apr_palloc(pool, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static const char *valid_payload(void)
{
    return pl("{\"exp\":%lld}", (long long)EXP_OK);
}

static approov_result_e verify_raw(const char *token, size_t len,
                                   const approov_key_t *key,
                                   apr_int64_t leeway, apr_time_t now,
                                   approov_token_t *out)
{
    char *copy;
    approov_result_e r;

    if (!token) {
        return approov_verify(pool, NULL, 0, key, leeway, now, out);
    }
    copy = exact_copy(token, len);
    r = approov_verify(pool, copy, len, key, leeway, now, out);
    free(copy);
    return r;
}

static void expect_impl(int line, const char *what, const char *token,
                        size_t len, const approov_key_t *key,
                        apr_int64_t leeway, apr_time_t now,
                        approov_result_e want)
{
    approov_result_e got = verify_raw(token, len, key, leeway, now, NULL);

    CHECK_AT(got == want, line,
             "%s: got %s, want %s (leeway %lld, now %lld us, token %s)",
             what, rname(got), rname(want), (long long)leeway, (long long)now,
               token ? show(token, len) : "(null)");
}

/* verify token (a C string) with the dummy key, no leeway, at NOW_S */
#define EXPECT(what, token, want) \
    expect_impl(__LINE__, (what), (token), strlen(token), dummy_key, 0, \
                SECS(NOW_S), (want))
/* ... with a key, leeway and time in seconds given */
#define EXPECT_AT(what, key, token, leeway, secs, want) \
    expect_impl(__LINE__, (what), (token), strlen(token), (key), (leeway), \
                SECS(secs), (want))

/* One of two acceptable results, never VALID. */
static void expect_either_impl(int line, const char *what, const char *token,
                               approov_result_e a, approov_result_e b)
{
    approov_result_e got = verify_raw(token, strlen(token), dummy_key, 0,
                                      SECS(NOW_S), NULL);

    CHECK_AT(got == a || got == b, line,
             "%s: got %s, want %s or %s (token %s)", what, rname(got), rname(a),
               rname(b), shows(token));
}

#define EXPECT_EITHER(what, token, a, b) \
    expect_either_impl(__LINE__, (what), (token), (a), (b))

/* JSON with spaces inserted after the opening brace until its length is
 * congruent to r modulo 3, so its base64url has a chosen tail. */
static const char *json_len_mod3(const char *json, size_t r)
{
    size_t len = strlen(json), spaces = (r + 3 - len % 3) % 3;

    return apr_pstrcat(pool, "{", apr_pstrndup(pool, "  ", spaces), json + 1,
                       NULL);
}

/* Copy of a segment with its last character changed so that the unused
 * low bits are no longer zero (same length, still in the alphabet). */
static char *noncanonical_tail(const char *seg)
{
    char *s = apr_pstrdup(pool, seg);
    size_t len = strlen(s);
    const char *at = strchr(B64URL, s[len - 1]);
    int v;

    if (len % 4 != 2 && len % 4 != 3) {
        return NULL;
    }
    v = (int)(at - B64URL) | 1;
    s[len - 1] = B64URL[v];
    return s;
}

/* Copy of s with the first occurrence of c replaced by r, or NULL. */
static char *replace_first(const char *s, char c, char r)
{
    char *copy = apr_pstrdup(pool, s), *at = strchr(copy, c);

    if (!at) {
        return NULL;
    }
    *at = r;
    return copy;
}

/* depth nested arrays: "[[...]]" */
static const char *nested_arrays(int depth)
{
    char *s = apr_palloc(pool, (size_t)depth * 2 + 1);

    memset(s, '[', (size_t)depth);
    memset(s + depth, ']', (size_t)depth);
    s[depth * 2] = '\0';
    return s;
}

/* A JSON object whose nesting depth is exactly depth ({} is depth 1). */
static const char *object_of_depth(int depth)
{
    if (depth == 1) {
        return "{}";
    }
    return apr_pstrcat(pool, "{\"a\":", nested_arrays(depth - 1), "}", NULL);
}

/* approov_verify with the dummy key at NOW_S, filling out. */
static approov_result_e verify_out(const char *token, approov_token_t *out)
{
    return verify_raw(token, strlen(token), dummy_key, 0, SECS(NOW_S), out);
}

/* Bytes that may hold NUL, for tables of inputs. */
typedef struct {
    const char *text;
    size_t len;
} bytes_t;

#define BYTES(s) { s, sizeof(s) - 1 }

/* approov_decode_secret() into the test's pool. */
static const char *decode_secret(const char *text, unsigned char **out,
                                 apr_size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    return approov_decode_secret(pool, text, out, out_len);
}

/* The dummy key, decoded by OpenSSL rather than by the core, in a pool
 * that outlives the tests.  Returns 0 when it cannot be made. */
static int fixtures_begin(void)
{
    static apr_pool_t *keep;
    unsigned char decoded[66];

    apr_pool_create(&keep, NULL);
    if (EVP_DecodeBlock(decoded, (const unsigned char *)DUMMY_SECRET_B64,
                        (int)strlen(DUMMY_SECRET_B64)) != 66) {
        printf("FAIL setup: OpenSSL could not decode the dummy secret\n");
        return 0;
    }
    memcpy(dummy_secret, decoded, sizeof(dummy_secret));
    dummy_key = approov_key_hmac(keep, APPROOV_ALG_HS256, dummy_secret,
                                 sizeof(dummy_secret));
    if (!dummy_key) {
        printf("FAIL setup: approov_key_hmac refused the dummy secret\n");
        return 0;
    }
    return 1;
}

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#endif /* APPROOV_TEST_TOKEN_FIXTURES_H */

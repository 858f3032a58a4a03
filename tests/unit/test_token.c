/*
 * tests/unit/test_token.c: unit tests of the pure verification core
 * (approov_token.c), against the contract in approov_token.h.
 *
 * One self-contained program with its own tiny harness.  Tokens are minted
 * here, independently of the core: base64url is encoded by this file and the
 * MAC is OpenSSL's one-shot HMAC(EVP_sha256()), so no expected value is
 * hard-coded except the published RFC 7515 example.  Time is injected.
 *
 * Every input handed to the core is first copied into a buffer of exactly
 * its length (no NUL terminator), so AddressSanitizer catches any read past
 * the length the core was given.
 *
 * Build (from the top of the tree):
 *   gcc -std=c99 -Wall -Wextra -Werror -I. $(pkg-config --cflags apr-1 libcjson) \
 *       tests/unit/test_token.c approov_token.c \
 *       $(pkg-config --libs apr-1 libcjson libcrypto) -o tests/unit/test_token
 *
 * Output: one line per failing check, then "N passed, N failed".  Exit
 * status 0 only if no check failed.  "-v" also names each test as it runs.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_file_io.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "approov_envfile.h"
#include "approov_json.h"
#include "approov_mint.h"
#include "approov_token.h"

/* ------------------------------------------------------------------ */
/* harness                                                             */

static int n_passed, n_failed, verbose;
static const char *current_test = "";
static apr_pool_t *root_pool;
static apr_pool_t *tp;                  /* the running test's pool */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void check_impl(int ok, int line, const char *what, const char *fmt,
                       ...)
{
    va_list ap;

    if (ok) {
        n_passed++;
        return;
    }
    n_failed++;
    printf("FAIL %s (line %d): %s", current_test, line, what);
    if (fmt) {
        printf(": ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
    }
    printf("\n");
}

#define CHECK(cond) check_impl(!!(cond), __LINE__, #cond, NULL)
#define CHECKF(cond, ...) check_impl(!!(cond), __LINE__, #cond, __VA_ARGS__)

typedef void (*test_fn)(void);

static void run_test(const char *name, test_fn fn)
{
    current_test = name;
    if (verbose) {
        printf("-- %s\n", name);
    }
    apr_pool_create(&tp, root_pool);
    fn();
    apr_pool_destroy(tp);
    tp = NULL;
}

#define RUN(fn) run_test(#fn, fn)

/* Printable rendering of arbitrary bytes for failure messages. */
static const char *show(const void *data, size_t len)
{
    const unsigned char *s = data;
    size_t i, max = len > 240 ? 240 : len;
    char *out = apr_palloc(tp, max * 4 + 16), *o = out;

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
    char *out = apr_palloc(tp, (len + 2) / 3 * 4 + 1), *d = out;
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
    char *std = apr_palloc(tp, len + 4);
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
    out = apr_palloc(tp, (len + pad) / 4 * 3 + 1);
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
    return apr_pstrcat(tp, seg1, ".", seg2, ".",
                       b64_encode(mac, mac_len, B64URL, 0), NULL);
}

/* seg1 '.' seg2, signed with HMAC-SHA256 under key: the segments are taken
 * as they are, so malformed ones can be signed correctly. */
static const char *sign_segments(const unsigned char *key, size_t key_len,
                                 const char *seg1, const char *seg2)
{
    const char *input = apr_pstrcat(tp, seg1, ".", seg2, NULL);
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
    s = apr_palloc(tp, (size_t)n + 1);
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
        return approov_verify(tp, NULL, 0, key, leeway, now, out);
    }
    copy = exact_copy(token, len);
    r = approov_verify(tp, copy, len, key, leeway, now, out);
    free(copy);
    return r;
}

static void expect_impl(int line, const char *what, const char *token,
                        size_t len, const approov_key_t *key,
                        apr_int64_t leeway, apr_time_t now,
                        approov_result_e want)
{
    approov_result_e got = verify_raw(token, len, key, leeway, now, NULL);

    check_impl(got == want, line, what,
               "got %s, want %s (leeway %lld, now %lld us, token %s)",
               rname(got), rname(want), (long long)leeway, (long long)now,
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

    check_impl(got == a || got == b, line, what,
               "got %s, want %s or %s (token %s)", rname(got), rname(a),
               rname(b), shows(token));
}

#define EXPECT_EITHER(what, token, a, b) \
    expect_either_impl(__LINE__, (what), (token), (a), (b))

/* JSON with spaces inserted after the opening brace until its length is
 * congruent to r modulo 3, so its base64url has a chosen tail. */
static const char *json_len_mod3(const char *json, size_t r)
{
    size_t len = strlen(json), spaces = (r + 3 - len % 3) % 3;

    return apr_pstrcat(tp, "{", apr_pstrndup(tp, "  ", spaces), json + 1,
                       NULL);
}

/* Copy of a segment with its last character changed so that the unused
 * low bits are no longer zero (same length, still in the alphabet). */
static char *noncanonical_tail(const char *seg)
{
    char *s = apr_pstrdup(tp, seg);
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
    char *copy = apr_pstrdup(tp, s), *at = strchr(copy, c);

    if (!at) {
        return NULL;
    }
    *at = r;
    return copy;
}

/* depth nested arrays: "[[...]]" */
static const char *nested_arrays(int depth)
{
    char *s = apr_palloc(tp, (size_t)depth * 2 + 1);

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
    return apr_pstrcat(tp, "{\"a\":", nested_arrays(depth - 1), "}", NULL);
}

/* approov_verify with the dummy key at NOW_S, filling out. */
static approov_result_e verify_out(const char *token, approov_token_t *out)
{
    return verify_raw(token, strlen(token), dummy_key, 0, SECS(NOW_S), out);
}

/* ------------------------------------------------------------------ */
/* result and algorithm names                                          */

static void test_result_names_are_distinct_lowercase(void)
{
    int i, j;

    for (i = 0; i < APPROOV_RESULT_COUNT; i++) {
        const char *a = approov_result_name((approov_result_e)i);
        const char *c;
        int lower = a && *a;

        for (c = a; lower && *c; c++) {
            lower = (*c >= 'a' && *c <= 'z') || *c == '_';
        }
        CHECKF(lower, "name of %s is %s", rname((approov_result_e)i),
               shows(a));
        for (j = 0; j < i; j++) {
            const char *b = approov_result_name((approov_result_e)j);
            CHECKF(!a || !b || strcmp(a, b) != 0, "%s and %s are both %s",
                   rname((approov_result_e)j), rname((approov_result_e)i),
                   a);
        }
    }
    CHECK(strcmp(approov_result_name(APPROOV_VALID), "valid") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_EXPIRED), "expired") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_NOT_YET_VALID),
                 "not_yet_valid") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_BAD_SIGNATURE),
                 "bad_signature") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_MISSING), "missing") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_MALFORMED), "malformed") == 0);
}

static void test_alg_name_and_key_alg(void)
{
    CHECK(strcmp(approov_alg_name(APPROOV_ALG_HS256), "HS256") == 0);
    CHECK(approov_key_alg(dummy_key) == APPROOV_ALG_HS256);
}

/* ------------------------------------------------------------------ */
/* approov_b64url_decode / approov_b64url_encode                       */

/* Decode text (exactly strlen bytes) into an exactly-sized buffer. */
static long b64url_decode_exact(const char *text, size_t len,
                                unsigned char **out)
{
    char *src = exact_copy(text, len);
    unsigned char *dst = malloc(len / 4 * 3 + 2);
    long n;

    n = approov_b64url_decode(dst, src, len);
    free(src);
    *out = apr_palloc(tp, len / 4 * 3 + 2);
    memcpy(*out, dst, len / 4 * 3 + 2);
    free(dst);
    return n;
}

static void test_b64url_decode_rfc4648_vectors(void)
{
    static const struct { const char *plain, *encoded; } v[] = {
        { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
        { "foobar", "Zm9vYmFy" },
    };
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        unsigned char *out;
        long n = b64url_decode_exact(v[i].encoded, strlen(v[i].encoded),
                                     &out);
        CHECKF(n == (long)strlen(v[i].plain)
               && memcmp(out, v[i].plain, strlen(v[i].plain)) == 0,
               "decode(\"%s\") returned %ld", v[i].encoded, n);
    }
    {
        /* both URL-safe characters, and all 256 byte values round trip */
        unsigned char all[256], *out;
        const char *enc;
        long n;

        for (i = 0; i < 256; i++) {
            all[i] = (unsigned char)i;
        }
        n = b64url_decode_exact("-_8", 3, &out);
        CHECKF(n == 2 && out[0] == 0xFB && out[1] == 0xFF,
               "decode(\"-_8\") returned %ld", n);
        enc = b64_encode(all, sizeof(all), B64URL, 0);
        n = b64url_decode_exact(enc, strlen(enc), &out);
        CHECKF(n == 256 && memcmp(out, all, 256) == 0,
               "all 256 bytes: returned %ld", n);
    }
}

static void test_b64url_encode_rfc4648_vectors(void)
{
    static const struct { const char *plain, *encoded; } v[] = {
        { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
        { "foobar", "Zm9vYmFy" }, { "\xFB\xFF", "-_8" },
    };
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t len = strlen(v[i].plain);
        char *dst = malloc((len + 2) / 3 * 4 + 1);
        unsigned char *src = exact_copy(v[i].plain, len);
        apr_size_t n = approov_b64url_encode(dst, src, len);

        CHECKF(n == strlen(v[i].encoded) && strcmp(dst, v[i].encoded) == 0,
               "encode(%s) gave %s", shows(v[i].plain), show(dst, n));
        free(dst);
        free(src);
    }
}

static void test_b64url_decode_rejects_non_strict(void)
{
    static const struct { const char *text; size_t len; } bad[] = {
#define B(s) { s, sizeof(s) - 1 }
        B("Zg=="), B("Zg="), B("Zm8="), B("Zm9v="), B("Zm9vYg=="),
        B("="), B("===="), B("Zm=v"),
        B("Zm+v"), B("Zm/v"), B("+/8"), B("Zm9vYmF+"),
        B(" Zm9v"), B("Zm9v "), B("Zm 9v"), B("Zm9v\n"), B("Zm\t9"),
        B("Zm9v\r\n"),
        B("Zh"), B("Zm9"), B("Zm9vYh"), B("Zm9vYmF"), B("-_9"),
        B("Z"), B("Zm9vY"), B("Zm9vYmFyZ"),
        B("Zm\x80v"), B("\xC3\xA9" "AA"), B("Zm9\xFF"), B("Zg\xFF"),
        B("Zm\0v"), B("Zm.v"), B("Zm*v"), B("Zm9v."),
#undef B
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *out;
        long n = b64url_decode_exact(bad[i].text, bad[i].len, &out);
        CHECKF(n == -1, "decode(%s) returned %ld, want -1",
               show(bad[i].text, bad[i].len), n);
    }
}

/* ------------------------------------------------------------------ */
/* approov_decode_secret                                               */

static const char *decode_secret(const char *text, unsigned char **out,
                                 apr_size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    return approov_decode_secret(tp, text, out, out_len);
}

static void test_decode_secret_accepts_standard_and_urlsafe(void)
{
    char *std_unpadded = apr_pstrdup(tp, DUMMY_SECRET_B64);
    char *url_padded = apr_pstrdup(tp, DUMMY_SECRET_B64);
    char *url_unpadded, *c;
    const char *forms[4];
    int i;

    for (c = url_padded; *c; c++) {
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    }
    *strchr(std_unpadded, '=') = '\0';
    url_unpadded = apr_pstrdup(tp, url_padded);
    *strchr(url_unpadded, '=') = '\0';
    forms[0] = DUMMY_SECRET_B64;
    forms[1] = std_unpadded;
    forms[2] = url_padded;
    forms[3] = url_unpadded;

    for (i = 0; i < 4; i++) {
        unsigned char *out;
        apr_size_t len;
        const char *err = decode_secret(forms[i], &out, &len);
        CHECKF(!err && len == 64 && memcmp(out, dummy_secret, 64) == 0,
               "secret %s: error %s, %lu bytes", forms[i], shows(err),
               (unsigned long)len);
    }
    {
        static const struct { const char *text; const char *bytes;
                              size_t len; } v[] = {
            { "QQ==", "A", 1 }, { "QQ", "A", 1 }, { "QUI=", "AB", 2 },
            { "QUI", "AB", 2 }, { "QUJD", "ABC", 3 },
            { "+/8=", "\xFB\xFF", 2 }, { "-_8", "\xFB\xFF", 2 },
            { "+/8", "\xFB\xFF", 2 }, { "-_8=", "\xFB\xFF", 2 },
        };
        size_t k;
        for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
            unsigned char *out;
            apr_size_t len;
            const char *err = decode_secret(v[k].text, &out, &len);
            CHECKF(!err && len == v[k].len
                   && memcmp(out, v[k].bytes, v[k].len) == 0,
                   "secret %s: error %s, %lu bytes", v[k].text, shows(err),
                   (unsigned long)len);
        }
    }
}

static void test_decode_secret_rejects_bad_text(void)
{
    static const char *const bad[] = {
        /* empty and whitespace */
        "", " ", "\n", "\t", "    ",
        " h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmww==",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmww==\n",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmww== ",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVV HszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmww==",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "\r\n/WVyWrc2gZfh3XXfBOmww==",
        /* wrong '=' count, '=' in the middle */
        "=", "==", "===", "====", "QQ=", "QQ===", "QUI==", "QUJD=",
        "QUJD==", "QUJDRA=", "QUJDRA===",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmww=",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmww===",
        "QQ==QQ==", "Q=Q=", "QU=JD", "QUJD=QUJD",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IA=HhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmww==",
        /* characters outside both alphabets */
        "QUJD$", "QU*D", "QUJ.", "QUJD\x80", "QU\xC3\xA9",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOm$w==",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmw\"==",
        /* non-canonical trailing bits */
        "QR==", "QR", "QUJ=", "QUJ",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmwx==",
        /* length % 4 == 1 */
        "Q", "Q=", "Q==", "Q===", "QUJDR", "QUJDR===",
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw"
            "/WVyWrc2gZfh3XXfBOmwwAAA",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *out;
        apr_size_t len;
        const char *err = decode_secret(bad[i], &out, &len);

        CHECKF(err && *err, "secret %s accepted (%lu bytes)", shows(bad[i]),
               (unsigned long)len);
        if (err && strlen(bad[i]) >= 8) {
            /* never quote the secret, nor a sizeable part of it */
            CHECKF(strstr(err, bad[i]) == NULL
                   && strstr(err, "h+CX0tOz") == NULL
                   && strstr(err, "QUJD") == NULL,
                   "message %s quotes the secret", shows(err));
        }
    }
}

static void test_decode_secret_keeps_nul_bytes(void)
{
    /* interior NUL: a strlen() anywhere would cut the key to "\x01\x02";
     * 32 bytes, the shortest secret keyed */
    static const unsigned char inner[32] = { 0x01, 0x02, 0x00, 0x03, 0x04,
                                             [31] = 0x05 };
    /* leading NULs: a strlen() would make the key empty */
    static const unsigned char leading[32] = { 0x00, 0x00, 0x00, 0x7F, 0x80,
                                               [31] = 0x81 };
    const unsigned char *secrets[2] = { inner, leading };
    size_t lens[2] = { sizeof(inner), sizeof(leading) };
    int i;

    for (i = 0; i < 2; i++) {
        const char *text = b64_encode(secrets[i], lens[i], B64STD, 1);
        unsigned char *out;
        apr_size_t len;
        const char *err = decode_secret(text, &out, &len);
        approov_key_t *key;

        CHECKF(!err && len == lens[i] && memcmp(out, secrets[i], len) == 0,
               "secret %s: error %s, %lu bytes", text, shows(err),
               (unsigned long)len);
        if (err) {
            continue;
        }
        key = approov_key_hmac(tp, APPROOV_ALG_HS256, out, len);
        CHECKF(key != NULL, "no key for secret %s", text);
        if (!key) {
            continue;
        }
        EXPECT_AT("token signed with the whole secret", key,
                  mint_bytes(secrets[i], lens[i], HDR, strlen(HDR),
                             valid_payload(), strlen(valid_payload())),
                  0, NOW_S, APPROOV_VALID);
        EXPECT_AT("token signed with the secret cut at its first NUL", key,
                  mint_bytes(inner, 2, HDR, strlen(HDR), valid_payload(),
                             strlen(valid_payload())),
                  0, NOW_S, APPROOV_BAD_SIGNATURE);
    }
}

/* ------------------------------------------------------------------ */
/* keys                                                                */

static void test_key_hmac_rejects_empty_and_oversized(void)
{
    unsigned char big[APPROOV_SECRET_MAX_LEN + 1];

    memset(big, 0xA5, sizeof(big));
    CHECK(approov_key_hmac(tp, APPROOV_ALG_HS256, big, 0) == NULL);
    CHECK(approov_key_hmac(tp, APPROOV_ALG_HS256, big,
                           APPROOV_SECRET_MAX_LEN + 1) == NULL);
    CHECK(approov_key_hmac(tp, APPROOV_ALG_HS256, big,
                           APPROOV_SECRET_MAX_LEN) != NULL);
}

/* Secrets longer than the SHA-256 block are hashed first (RFC 2104); the
 * block-sized and shorter secrets take the other paths. */
static void test_key_hmac_any_secret_length_matches_openssl(void)
{
    static const size_t lens[] = { 32, 33, 63, 64, 65, 100, 1024 };
    unsigned char secret[1024];
    size_t i;

    for (i = 0; i < sizeof(secret); i++) {
        secret[i] = (unsigned char)(i * 7 + 3);
    }
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        approov_key_t *key = approov_key_hmac(tp, APPROOV_ALG_HS256, secret,
                                              lens[i]);
        const char *what = apr_psprintf(tp, "%lu-byte secret",
                                        (unsigned long)lens[i]);
        CHECKF(key != NULL, "%s", what);
        if (!key) {
            continue;
        }
        EXPECT_AT(what, key,
                  mint_bytes(secret, lens[i], HDR, strlen(HDR),
                             valid_payload(), strlen(valid_payload())),
                  0, NOW_S, APPROOV_VALID);
    }
}

/* Two 32-byte oct keys, base64url: "ABCD...abcdef" and "BCDE...bcdefg". */
#define K1 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY"
#define K2 "QkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWmFiY2RlZmc"

/* A JWK Set, from an exactly sized copy, into keys. */
static const char *load_jwks(const char *text, apr_array_header_t *keys,
                             apr_array_header_t *warnings)
{
    char *copy = exact_copy(text, strlen(text));
    const char *err = approov_keys_from_jwks(tp, copy, strlen(text), keys,
                                             warnings);

    free(copy);
    return err;
}

/* use, when present, is a string: any other type makes a broken key (as it
 * does for kid and alg), not a key without use.  Found by fuzz_keys. */
static void test_jwks_use_must_be_a_string(void)
{
    static const char *const bad[] = {
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":1}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":null}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":[\"sig\"]}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":true},"
        "{\"kty\":\"oct\",\"k\":\"" K2 "\",\"kid\":\"b\"}]}",
    };
    apr_array_header_t *keys, *warnings;
    const char *err;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        keys = apr_array_make(tp, 1, sizeof(approov_key_t *));
        warnings = apr_array_make(tp, 1, sizeof(const char *));
        err = load_jwks(bad[i], keys, warnings);
        CHECKF(err && strstr(err, "use") && keys->nelts == 0,
               "%s: error %s, %d keys", bad[i], shows(err), keys->nelts);
    }
    keys = apr_array_make(tp, 1, sizeof(approov_key_t *));
    warnings = apr_array_make(tp, 1, sizeof(const char *));
    err = load_jwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":"
                    "\"sig\"},{\"kty\":\"oct\",\"k\":\"" K2 "\",\"use\":"
                    "\"enc\",\"kid\":\"b\"}]}", keys, warnings);
    CHECKF(!err && keys->nelts == 1 && warnings->nelts == 1,
           "error %s, %d keys, %d warnings", shows(err), keys->nelts,
           warnings->nelts);
}

/* A broken key fails the whole set and adds no key, not even the good ones
 * before it, to an array that may hold keys already (approov-token's PEM
 * key).  Found by fuzz_keys. */
static void test_jwks_error_adds_no_key(void)
{
    apr_array_header_t *keys = apr_array_make(tp, 1, sizeof(approov_key_t *));
    apr_array_header_t *warnings = apr_array_make(tp, 1,
                                                  sizeof(const char *));
    const char *err;

    *(approov_key_t **)apr_array_push(keys) = dummy_key;
    err = load_jwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\"},"
                    "{\"kty\":\"oct\",\"k\":\"" K2 "\",\"kid\":\"b\"},"
                    "{\"kty\":\"oct\",\"k\":\"\"}]}", keys, warnings);
    CHECKF(err && strstr(err, "key 2"), "error %s", shows(err));
    CHECKF(keys->nelts == 1 && APPROOV_KEY_AT(keys, 0) == dummy_key,
           "%d keys", keys->nelts);
    err = load_jwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\"}]}", keys,
                    warnings);
    CHECKF(!err && keys->nelts == 2 && APPROOV_KEY_AT(keys, 0) == dummy_key,
           "error %s, %d keys", shows(err), keys->nelts);
}

/* An RSA key's public exponent is odd and at least 3: with e = 1 the
 * padded digest is its own signature, so anyone could sign any token.
 * Found by fuzz_keys. */
static void test_jwks_rsa_exponent(void)
{
    static const struct { const char *e; int ok; } cases[] = {
        { "AQAB", 1 }, { "Aw", 1 }, { "AQ", 0 }, { "AAE", 0 }, { "AA", 0 },
        { "Ag", 0 }, { "AQAA", 0 },
    };
    unsigned char modulus[256];
    const char *n;
    size_t i;

    memset(modulus, 0xff, sizeof(modulus));     /* 2048 bits, odd */
    n = b64_encode(modulus, sizeof(modulus), B64URL, 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_array_header_t *keys = apr_array_make(tp, 1,
                                                  sizeof(approov_key_t *));
        apr_array_header_t *warnings = apr_array_make(tp, 1,
                                                      sizeof(const char *));
        const char *err = load_jwks(apr_psprintf(tp, "{\"keys\":[{\"kty\":"
                                                 "\"RSA\",\"n\":\"%s\","
                                                 "\"e\":\"%s\"}]}", n,
                                                 cases[i].e),
                                    keys, warnings);

        CHECKF(cases[i].ok ? !err && keys->nelts == 1
                           : err && strstr(err, "exponent")
                             && keys->nelts == 0,
               "e %s: error %s, %d keys", cases[i].e, shows(err),
               keys->nelts);
    }
}

/* RFC 7518 3.2: "A key of the same size as the hash output ... or larger
 * MUST be used" with HS256, HS384, HS512. */
static const struct {
    approov_alg_e alg;
    const char *name;
    const EVP_MD *(*md)(void);
    size_t min;
} hs[] = {
    { APPROOV_ALG_HS256, "HS256", EVP_sha256, 32 },
    { APPROOV_ALG_HS384, "HS384", EVP_sha384, 48 },
    { APPROOV_ALG_HS512, "HS512", EVP_sha512, 64 },
};
#define NHS (sizeof(hs) / sizeof(hs[0]))

/* A valid token of alg hs[i], its MAC made by OpenSSL's HMAC(). */
static const char *mint_hs(size_t i, const unsigned char *key, size_t key_len)
{
    const char *seg1 = b64u(apr_psprintf(tp, "{\"alg\":\"%s\",\"typ\":"
                                         "\"JWT\"}", hs[i].name));
    const char *seg2 = b64u(valid_payload());
    const char *input = apr_pstrcat(tp, seg1, ".", seg2, NULL);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    if (!HMAC(hs[i].md(), key, (int)key_len, (const unsigned char *)input,
              strlen(input), mac, &mac_len)) {
        abort();
    }
    return with_mac(seg1, seg2, mac, mac_len);
}

static const unsigned char *hs_secret(void)
{
    static unsigned char secret[65];
    size_t i;

    for (i = 0; i < sizeof(secret); i++) {
        secret[i] = (unsigned char)(i * 13 + 5);
    }
    return secret;
}

/* Tokens of each HS alg against key: VALID for the algs in want (a bit
 * per index of hs[]), BAD_ALG for the others. */
static void expect_hs_algs(const char *what, const approov_key_t *key,
                           const unsigned char *secret, size_t len,
                           unsigned int want)
{
    size_t j;

    for (j = 0; j < NHS; j++) {
        EXPECT_AT(apr_psprintf(tp, "%s, %s token", what, hs[j].name), key,
                  mint_hs(j, secret, len), 0, NOW_S,
                  (want & (1u << j)) ? APPROOV_VALID : APPROOV_BAD_ALG);
    }
}

/* approov_key_hmac() refuses a secret one byte shorter than the hash
 * output, and keys one of exactly that length for its alg only. */
static void test_key_hmac_at_least_the_hash_output(void)
{
    const unsigned char *secret = hs_secret();
    size_t i;

    for (i = 0; i < NHS; i++) {
        approov_key_t *key;

        CHECKF(approov_key_hmac(tp, hs[i].alg, secret, hs[i].min - 1)
               == NULL, "%s keyed with %lu bytes", hs[i].name,
               (unsigned long)(hs[i].min - 1));
        key = approov_key_hmac(tp, hs[i].alg, secret, hs[i].min);
        CHECKF(key != NULL, "%s refused %lu bytes", hs[i].name,
               (unsigned long)hs[i].min);
        if (key) {
            expect_hs_algs(apr_psprintf(tp, "%s key of %lu bytes",
                                        hs[i].name,
                                        (unsigned long)hs[i].min),
                           key, secret, hs[i].min, 1u << i);
        }
    }
}

/* An oct JWK of len bytes of hs_secret(), with alg when given. */
static const char *oct_jwks(const char *alg, size_t len)
{
    return apr_psprintf(tp, "{\"keys\":[{\"kty\":\"oct\",%s%s%s\"k\":"
                        "\"%s\"}]}", alg ? "\"alg\":\"" : "",
                        alg ? alg : "", alg ? "\"," : "",
                        b64_encode(hs_secret(), len, B64URL, 0));
}

/* An oct key pinned by alg and shorter than its hash output is an error
 * (the set adds no key); at the boundary it loads and verifies that alg
 * only. */
static void test_jwks_oct_pinned_key_length(void)
{
    const unsigned char *secret = hs_secret();
    size_t i, len;

    for (i = 0; i < NHS; i++) {
        for (len = hs[i].min - 1; len <= hs[i].min; len++) {
            apr_array_header_t *keys =
                apr_array_make(tp, 2, sizeof(approov_key_t *));
            apr_array_header_t *warnings =
                apr_array_make(tp, 1, sizeof(const char *));
            const char *what = apr_psprintf(tp, "oct %s key of %lu bytes",
                                            hs[i].name, (unsigned long)len);
            const char *err;

            *(approov_key_t **)apr_array_push(keys) = dummy_key;
            err = load_jwks(oct_jwks(hs[i].name, len), keys, warnings);
            if (len < hs[i].min) {
                CHECKF(err && strstr(err, "too short")
                       && strstr(err, hs[i].name) && keys->nelts == 1
                       && warnings->nelts == 0,
                       "%s: error %s, %d keys, %d warnings", what,
                       shows(err), keys->nelts, warnings->nelts);
                continue;
            }
            CHECKF(!err && keys->nelts == 2 && warnings->nelts == 0,
                   "%s: error %s, %d keys", what, shows(err), keys->nelts);
            if (!err && keys->nelts == 2) {
                expect_hs_algs(what, APPROOV_KEY_AT(keys, 1), secret, len,
                               1u << i);
            }
        }
    }
}

/* Without alg, an oct key verifies each HS alg its length allows (HS256
 * from 32 bytes, HS384 from 48, HS512 from 64); under 32 bytes it is an
 * error, as a weak RSA key is, not a key skipped. */
static void test_jwks_oct_unpinned_key_length(void)
{
    static const struct { size_t len; unsigned int algs; } cases[] = {
        { 31, 0 }, { 32, 1 }, { 47, 1 }, { 48, 3 }, { 63, 3 }, { 64, 7 },
        { 65, 7 },
    };
    const unsigned char *secret = hs_secret();
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_array_header_t *keys = apr_array_make(tp, 1,
                                                  sizeof(approov_key_t *));
        apr_array_header_t *warnings =
            apr_array_make(tp, 1, sizeof(const char *));
        const char *what = apr_psprintf(tp, "oct key of %lu bytes, no alg",
                                        (unsigned long)cases[i].len);
        const char *err = load_jwks(oct_jwks(NULL, cases[i].len), keys,
                                    warnings);

        if (!cases[i].algs) {
            CHECKF(err && strstr(err, "too short") && keys->nelts == 0
                   && warnings->nelts == 0,
                   "%s: error %s, %d keys, %d warnings", what, shows(err),
                   keys->nelts, warnings->nelts);
            continue;
        }
        CHECKF(!err && keys->nelts == 1, "%s: error %s, %d keys", what,
               shows(err), keys->nelts);
        if (!err && keys->nelts == 1) {
            CHECKF(approov_key_alg(APPROOV_KEY_AT(keys, 0))
                   == APPROOV_ALG_HS256, "%s: first alg %d", what,
                   (int)approov_key_alg(APPROOV_KEY_AT(keys, 0)));
            expect_hs_algs(what, APPROOV_KEY_AT(keys, 0), secret,
                           cases[i].len, cases[i].algs);
        }
    }
}

/* ------------------------------------------------------------------ */
/* RFC 7515 Appendix A.1 and the Approov dummy secret                  */

static const char RFC7515_K[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUu"
    "TwjAzZr1Z9CAow";
static const char RFC7515_TOKEN[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
#define RFC7515_EXP 1300819380LL

static approov_key_t *rfc7515_key(void)
{
    unsigned char *k;
    apr_size_t len;
    const char *err = decode_secret(RFC7515_K, &k, &len);
    size_t ref_len;
    unsigned char *ref = ref_b64_decode(RFC7515_K, &ref_len);

    CHECKF(!err && len == 64 && ref && ref_len == 64
           && memcmp(k, ref, 64) == 0,
           "decoding the JWK k: %s, %lu bytes", shows(err),
           (unsigned long)len);
    if (err) {
        return NULL;
    }
    return approov_key_hmac(tp, APPROOV_ALG_HS256, k, len);
}

static void test_rfc7515_a1_example(void)
{
    approov_key_t *key = rfc7515_key();
    approov_token_t out;
    approov_result_e r;

    CHECK(key != NULL);
    if (!key) {
        return;
    }
    {
        /* this file's minting agrees with the RFC's published signature */
        unsigned char *k;
        apr_size_t k_len;
        const char *dot2 = strrchr(RFC7515_TOKEN, '.');
        const char *input = apr_pstrndup(tp, RFC7515_TOKEN,
                                         (size_t)(dot2 - RFC7515_TOKEN));
        const char *dot1 = strchr(input, '.');
        decode_secret(RFC7515_K, &k, &k_len);
        CHECK(strcmp(sign_segments(k, k_len,
                                   apr_pstrndup(tp, input,
                                                (size_t)(dot1 - input)),
                                   dot1 + 1),
                     RFC7515_TOKEN) == 0);
    }
    EXPECT_AT("one second before exp", key, RFC7515_TOKEN, 0,
              RFC7515_EXP - 1, APPROOV_VALID);
    EXPECT_AT("long before exp", key, RFC7515_TOKEN, 0, 1000000000LL,
              APPROOV_VALID);
    EXPECT_AT("exactly at exp", key, RFC7515_TOKEN, 0, RFC7515_EXP,
              APPROOV_EXPIRED);
    EXPECT_AT("after exp", key, RFC7515_TOKEN, 0, RFC7515_EXP + 1,
              APPROOV_EXPIRED);
    EXPECT_AT("long after exp", key, RFC7515_TOKEN, 0, NOW_S,
              APPROOV_EXPIRED);
    expect_impl(__LINE__, "one microsecond before exp", RFC7515_TOKEN,
                strlen(RFC7515_TOKEN), key, 0, SECS(RFC7515_EXP) - 1,
                APPROOV_VALID);
    EXPECT_AT("dummy key", dummy_key, RFC7515_TOKEN, 0, RFC7515_EXP - 1,
              APPROOV_BAD_SIGNATURE);

    r = verify_raw(RFC7515_TOKEN, strlen(RFC7515_TOKEN), key, 0,
                   SECS(RFC7515_EXP - 1), &out);
    CHECK(r == APPROOV_VALID);
    if (r == APPROOV_VALID) {
        const cJSON *iss = cJSON_GetObjectItemCaseSensitive(out.claims,
                                                            "iss");
        const cJSON *root = cJSON_GetObjectItemCaseSensitive(
            out.claims, "http://example.com/is_root");
        const cJSON *typ = cJSON_GetObjectItemCaseSensitive(out.header,
                                                            "typ");
        CHECK(cJSON_IsString(iss) && strcmp(iss->valuestring, "joe") == 0);
        CHECK(cJSON_IsTrue(root));
        CHECK(cJSON_IsString(typ) && strcmp(typ->valuestring, "JWT") == 0);
        CHECK(out.exp == 1300819380.0);
    }
}

static void test_rfc7515_a1_leeway(void)
{
    approov_key_t *key = rfc7515_key();

    if (!key) {
        return;
    }
    EXPECT_AT("leeway 10, exp + 9", key, RFC7515_TOKEN, 10,
              RFC7515_EXP + 9, APPROOV_VALID);
    EXPECT_AT("leeway 10, exp + 10", key, RFC7515_TOKEN, 10,
              RFC7515_EXP + 10, APPROOV_EXPIRED);
    EXPECT_AT("leeway 10, exp + 11", key, RFC7515_TOKEN, 10,
              RFC7515_EXP + 11, APPROOV_EXPIRED);
    EXPECT_AT("leeway max, exp + max - 1", key, RFC7515_TOKEN,
              APPROOV_LEEWAY_MAX, RFC7515_EXP + APPROOV_LEEWAY_MAX - 1,
              APPROOV_VALID);
    EXPECT_AT("leeway max, exp + max", key, RFC7515_TOKEN,
              APPROOV_LEEWAY_MAX, RFC7515_EXP + APPROOV_LEEWAY_MAX,
              APPROOV_EXPIRED);
}

/* The pay claim for these header values: padded standard base64 of
 * SHA-256 over their concatenation, computed with OpenSSL. */
static const char *ref_pay(const char *const *values, int count)
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    char *out = apr_palloc(tp, 45);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int i;

    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (i = 0; i < count; i++) {
        EVP_DigestUpdate(ctx, values[i], strlen(values[i]));
    }
    EVP_DigestFinal_ex(ctx, digest, &digest_len);
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock((unsigned char *)out, digest, 32);
    return out;
}

static void test_dummy_secret_tokens_are_valid(void)
{
    const char *auth[1] = { "Bearer some-oauth-token" };
    const char *payload = pl("{\"exp\":%lld,\"ip\":\"1.2.3.4\","
                             "\"did\":\"ExampleApproovTokenDID==\","
                             "\"pay\":\"%s\"}",
                             (long long)EXP_OK, ref_pay(auth, 1));
    const char *token = mint(HDR, payload);
    approov_token_t out;
    approov_result_e r;

    EXPECT("exp/ip/did/pay claims", token, APPROOV_VALID);
    EXPECT("header with alg only", mint("{\"alg\":\"HS256\"}", payload),
           APPROOV_VALID);
    EXPECT("exp only", mint(HDR, valid_payload()), APPROOV_VALID);
    EXPECT("header with whitespace and kid",
           mint(" {\r\n\t\"typ\" : \"JWT\" ,\n \"kid\":\"k1\", \"alg\" :"
                " \"HS256\" }\n", payload),
           APPROOV_VALID);
    EXPECT("alg spelled with escapes is still HS256",
           mint("{\"alg\":\"H\\u0053256\"}", payload), APPROOV_VALID);
    EXPECT("unknown claims and nested values",
           mint(HDR, pl("{\"exp\":%lld,\"arc\":\"x\",\"ipk\":[1,{\"a\":null}"
                        "],\"s\":\"\\ud83d\\ude00\\u00e9\"}",
                        (long long)EXP_OK)),
           APPROOV_VALID);
    EXPECT("exp as exponent notation",
           mint(HDR, "{\"exp\":1.7000036e9}"), APPROOV_VALID);

    r = verify_out(token, &out);
    CHECK(r == APPROOV_VALID);
    if (r == APPROOV_VALID) {
        const cJSON *ip = cJSON_GetObjectItemCaseSensitive(out.claims, "ip");
        const cJSON *did = cJSON_GetObjectItemCaseSensitive(out.claims,
                                                            "did");
        CHECK(cJSON_IsObject(out.claims));
        CHECK(cJSON_IsObject(out.header));
        CHECK(cJSON_IsString(ip) && strcmp(ip->valuestring, "1.2.3.4") == 0);
        CHECK(cJSON_IsString(did)
              && strcmp(did->valuestring, "ExampleApproovTokenDID==") == 0);
        CHECKF(out.exp == (double)EXP_OK, "exp %f", out.exp);
    }
}

static void test_sign_matches_independent_mint(void)
{
    const char *payload = valid_payload();
    const char *signed_ = approov_sign(tp, dummy_key, HDR, strlen(HDR),
                                       payload, strlen(payload));

    CHECKF(signed_ && strcmp(signed_, mint(HDR, payload)) == 0,
           "approov_sign gave %s, want %s", shows(signed_),
           mint(HDR, payload));
}

/* ------------------------------------------------------------------ */
/* approov_verify: structure                                           */

static void test_missing_when_empty(void)
{
    expect_impl(__LINE__, "NULL, length 0", NULL, 0, dummy_key, 0,
                SECS(NOW_S), APPROOV_MISSING);
    expect_impl(__LINE__, "length 0", "", 0, dummy_key, 0, SECS(NOW_S),
                APPROOV_MISSING);
    expect_impl(__LINE__, "length 0 of a real token", RFC7515_TOKEN, 0,
                dummy_key, 0, SECS(NOW_S), APPROOV_MISSING);
}

/* A valid dummy-key token of exactly len bytes: the payload carries a
 * filler string sized by arithmetic (unpadded base64url of n bytes has
 * (4n + 2) / 3 characters; the signature has 43), then one token is minted
 * and its length checked by the caller. */
static const char *valid_token_of_length(size_t len)
{
    size_t spaces, filler;

    for (spaces = 0; spaces < 3; spaces++) {
        const char *header = json_len_mod3(HDR, (strlen(HDR) + spaces) % 3);
        size_t fixed = (strlen(header) * 4 + 2) / 3 + 1 + 1 + 43;
        size_t base = strlen(pl("{\"exp\":%lld,\"x\":\"\"}",
                                (long long)EXP_OK));

        for (filler = 0; fixed + ((base + filler) * 4 + 2) / 3 <= len;
             filler++) {
            if (fixed + ((base + filler) * 4 + 2) / 3 == len) {
                char *x = apr_palloc(tp, filler + 1);
                memset(x, 'a', filler);
                x[filler] = '\0';
                return mint(header, pl("{\"exp\":%lld,\"x\":\"%s\"}",
                                       (long long)EXP_OK, x));
            }
        }
    }
    return NULL;
}

static void test_too_long_limit(void)
{
    const char *at_limit = valid_token_of_length(APPROOV_TOKEN_MAX_LEN);
    char *over;

    CHECK(at_limit && strlen(at_limit) == APPROOV_TOKEN_MAX_LEN);
    if (!at_limit) {
        return;
    }
    EXPECT("valid token of exactly APPROOV_TOKEN_MAX_LEN bytes", at_limit,
           APPROOV_VALID);
    over = apr_pstrcat(tp, at_limit, "A", NULL);
    EXPECT("the same plus one byte", over, APPROOV_TOO_LONG);
    over = apr_palloc(tp, APPROOV_TOKEN_MAX_LEN + 2);
    memset(over, 'a', APPROOV_TOKEN_MAX_LEN + 1);
    over[APPROOV_TOKEN_MAX_LEN + 1] = '\0';
    EXPECT("APPROOV_TOKEN_MAX_LEN + 1 letters", over, APPROOV_TOO_LONG);
    over = apr_palloc(tp, 100001);
    memset(over, '.', 100000);
    over[100000] = '\0';
    EXPECT("100000 dots", over, APPROOV_TOO_LONG);
}

static void test_no_key(void)
{
    const char *token = mint(HDR, valid_payload());

    expect_impl(__LINE__, "NULL key", token, strlen(token), NULL, 0,
                SECS(NOW_S), APPROOV_NO_KEY);
}

static void test_malformed_segment_count(void)
{
    const char *h = b64u(HDR), *p = b64u(valid_payload());
    const char *good = mint(HDR, valid_payload());
    const char *sig = strrchr(good, '.') + 1;

    EXPECT("one segment", h, APPROOV_MALFORMED);
    EXPECT("one segment, a word", "token", APPROOV_MALFORMED);
    EXPECT("a lone dot", ".", APPROOV_MALFORMED);
    EXPECT("two segments", apr_pstrcat(tp, h, ".", p, NULL),
           APPROOV_MALFORMED);
    EXPECT("two segments: header and signature",
           apr_pstrcat(tp, h, ".", sig, NULL), APPROOV_MALFORMED);
    EXPECT("four segments", apr_pstrcat(tp, good, ".", sig, NULL),
           APPROOV_MALFORMED);
    EXPECT("four segments, last empty", apr_pstrcat(tp, good, ".", NULL),
           APPROOV_MALFORMED);
    EXPECT("four segments, header repeated",
           apr_pstrcat(tp, h, ".", good, NULL), APPROOV_MALFORMED);
    EXPECT("six segments", apr_pstrcat(tp, good, ".", good, NULL),
           APPROOV_MALFORMED);
    EXPECT("three dots", "...", APPROOV_MALFORMED);
}

static void test_malformed_empty_segments(void)
{
    const char *h = b64u(HDR), *p = b64u(valid_payload());

    EXPECT("two dots", "..", APPROOV_MALFORMED);
    EXPECT("empty header segment",
           sign_segments(dummy_secret, 64, "", p), APPROOV_MALFORMED);
    EXPECT("empty payload segment",
           sign_segments(dummy_secret, 64, h, ""), APPROOV_MALFORMED);
    EXPECT_EITHER("empty signature segment",
                  apr_pstrcat(tp, h, ".", p, ".", NULL), APPROOV_MALFORMED,
                  APPROOV_BAD_SIGNATURE);
    EXPECT_EITHER("alg none with an empty signature segment",
                  apr_pstrcat(tp, b64u("{\"alg\":\"none\"}"), ".", p, ".",
                              NULL),
                  APPROOV_MALFORMED, APPROOV_BAD_SIGNATURE);
}

/* The ways a segment can break strict base64url.  mutate() is applied to
 * the header or the payload segment, which is then signed correctly, so
 * the encoding is the only fault. */
static void check_segment_encodings(int which)
{
    const char *header = HDR, *payload = valid_payload();
    const char *json = which == 0 ? header : payload;
    const char *seg, *bad;
    /* characters '?' and '~' give '_' and '-' in every alignment */
    const char *json_url = apr_pstrcat(tp, "{\"x\":\"??????~~~~~~\",",
                                       json + 1, NULL);
    struct { const char *what, *seg; } cases[16];
    int n = 0, i;

#define ADD(w, s) do { cases[n].what = (w); cases[n].seg = (s); n++; } \
    while (0)
    seg = b64u(json_len_mod3(json, 1));
    ADD("padded with ==", apr_pstrcat(tp, seg, "==", NULL));
    ADD("non-canonical trailing bits (len % 4 == 2)",
        noncanonical_tail(seg));
    seg = b64u(json_len_mod3(json, 2));
    ADD("padded with =", apr_pstrcat(tp, seg, "=", NULL));
    ADD("non-canonical trailing bits (len % 4 == 3)",
        noncanonical_tail(seg));
    seg = b64u(json_len_mod3(json, 0));
    ADD("length % 4 == 1", apr_pstrcat(tp, seg, "A", NULL));
    ADD("leading space", apr_pstrcat(tp, " ", seg, NULL));
    ADD("trailing space", apr_pstrcat(tp, seg, " ", NULL));
    ADD("space inside", apr_pstrcat(tp, apr_pstrndup(tp, seg, 8), " ",
                                    seg + 8, NULL));
    ADD("tab inside", apr_pstrcat(tp, apr_pstrndup(tp, seg, 8), "\t",
                                  seg + 8, NULL));
    ADD("newline inside", apr_pstrcat(tp, apr_pstrndup(tp, seg, 8), "\n",
                                      seg + 8, NULL));
    ADD("'*' inside", replace_first(seg, seg[4], '*'));
    ADD("byte 0xC3 inside", replace_first(seg, seg[4], '\xC3'));
    seg = b64u(json_url);
    ADD("'+' instead of '-'", replace_first(seg, '-', '+'));
    ADD("'/' instead of '_'", replace_first(seg, '_', '/'));
    ADD("standard alphabet throughout",
        replace_first(replace_first(seg, '-', '+'), '_', '/'));
#undef ADD

    for (i = 0; i < n; i++) {
        const char *what = apr_psprintf(tp, "%s segment: %s",
                                         which == 0 ? "header" : "payload",
                                         cases[i].what);
        CHECKF(cases[i].seg != NULL, "%s: could not build", what);
        if (!cases[i].seg) {
            continue;
        }
        bad = which == 0
              ? sign_segments(dummy_secret, 64, cases[i].seg, b64u(payload))
              : sign_segments(dummy_secret, 64, b64u(header), cases[i].seg);
        EXPECT(what, bad, APPROOV_MALFORMED);
        /* The same segment under the untouched token's signature: the
         * encoding is judged before the signature. */
        bad = which == 0
              ? apr_pstrcat(tp, cases[i].seg, ".", b64u(payload), ".",
                            strrchr(mint(header, payload), '.') + 1, NULL)
              : apr_pstrcat(tp, b64u(header), ".", cases[i].seg, ".",
                            strrchr(mint(header, payload), '.') + 1, NULL);
        EXPECT(apr_pstrcat(tp, what, ", not re-signed", NULL), bad,
               APPROOV_MALFORMED);
    }
    /* the URL-safe control case is itself valid */
    EXPECT("control: both URL-safe characters present",
           which == 0 ? mint(json_url, payload) : mint(header, json_url),
           APPROOV_VALID);
}

static void test_malformed_header_segment_encoding(void)
{
    check_segment_encodings(0);
}

static void test_malformed_payload_segment_encoding(void)
{
    check_segment_encodings(1);
}

static void test_malformed_signature_segment_encoding(void)
{
    const char *good = mint(HDR, valid_payload());
    size_t len = strlen(good);
    const char *dot = strrchr(good, '.');
    const char *sig = dot + 1;
    const char *input = apr_pstrndup(tp, good, (size_t)(dot - good));
    char *s;

    CHECK(strlen(sig) == 43);
    EXPECT("padded with =", apr_pstrcat(tp, good, "=", NULL),
           APPROOV_MALFORMED);
    EXPECT("padded with ==", apr_pstrcat(tp, good, "==", NULL),
           APPROOV_MALFORMED);
    EXPECT("non-canonical trailing bits",
           apr_pstrcat(tp, input, ".", noncanonical_tail(sig), NULL),
           APPROOV_MALFORMED);
    s = apr_pstrdup(tp, good);
    s[len - 20] = '+';
    EXPECT("'+' inside", s, APPROOV_MALFORMED);
    s[len - 20] = '/';
    EXPECT("'/' inside", s, APPROOV_MALFORMED);
    s[len - 20] = ' ';
    EXPECT("space inside", s, APPROOV_MALFORMED);
    s[len - 20] = '*';
    EXPECT("'*' inside", s, APPROOV_MALFORMED);
    s[len - 20] = '\x80';
    EXPECT("byte 0x80 inside", s, APPROOV_MALFORMED);
    EXPECT("trailing space", apr_pstrcat(tp, good, " ", NULL),
           APPROOV_MALFORMED);
    EXPECT("trailing newline", apr_pstrcat(tp, good, "\n", NULL),
           APPROOV_MALFORMED);
    EXPECT("trailing CR LF", apr_pstrcat(tp, good, "\r\n", NULL),
           APPROOV_MALFORMED);
    s = apr_pstrdup(tp, good);
    s[dot - good + 1] = ' ';
    EXPECT("space first", s, APPROOV_MALFORMED);
}

/* ------------------------------------------------------------------ */
/* approov_verify: header                                              */

typedef struct {
    const char *text;
    size_t len;
} bytes_t;

#define BYTES(s) { s, sizeof(s) - 1 }

static const char *mint_with_header(const char *header, size_t len)
{
    const char *payload = valid_payload();

    return mint_bytes(dummy_secret, 64, header, len, payload,
                      strlen(payload));
}

static void test_bad_header_json(void)
{
    static const bytes_t bad[] = {
        BYTES("not json"),
        BYTES("HS256"),
        BYTES("[\"alg\",\"HS256\"]"),
        BYTES("[{\"alg\":\"HS256\"}]"),
        BYTES("\"HS256\""),
        BYTES("null"),
        BYTES("{\"alg\":\"HS256\"}x"),
        BYTES("{\"alg\":\"HS256\"}{}"),
        BYTES("{\"alg\":\"HS256\"},"),
        BYTES("{\"alg\":\"HS256\"}\0"),
        BYTES("\0{\"alg\":\"HS256\"}"),
        BYTES("{\"alg\":\"HS256\"\0}"),
        BYTES("{\"alg\":\"HS\0" "256\"}"),
        BYTES("{\"alg\":\"HS256\",\"kid\":\"\\u0000\"}"),
        BYTES("{\"alg\":\"HS256\",\"kid\":\"\xFF\"}"),
        BYTES("{\"alg\":\"HS256\",\"kid\":\"\xC0\x80\"}"),
        BYTES("{\"alg\":\"HS256\",\"kid\":\"\xED\xA0\x80\"}"),
        BYTES("{\"alg\":\"HS256\",\"k\xFF\":1}"),
        BYTES("{\"alg\":\"HS256\",}"),
        BYTES("{'alg':'HS256'}"),
        BYTES("{alg:\"HS256\"}"),
        BYTES("{\"alg\":\"HS256\""),
        BYTES("{\"alg\":\"HS256\",\"x\":01}"),
        BYTES("\xEF\xBB\xBF{\"alg\":\"HS256\"}"),
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *what = apr_psprintf(tp, "header %s",
                                        show(bad[i].text, bad[i].len));
        EXPECT(what, mint_with_header(bad[i].text, bad[i].len),
               APPROOV_BAD_HEADER);
    }
}

static void test_bad_header_duplicate_names(void)
{
    static const char *const dup[] = {
        "{\"alg\":\"HS256\",\"alg\":\"HS256\"}",
        "{\"alg\":\"none\",\"alg\":\"HS256\"}",
        "{\"alg\":\"HS256\",\"alg\":\"none\"}",
        "{\"\\u0061lg\":\"HS256\",\"alg\":\"HS256\"}",
        "{\"alg\":\"HS256\",\"\\u0061lg\":\"none\"}",
        "{\"alg\":\"HS256\",\"a\\u006cg\":\"HS256\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS256\",\"jwk\":{\"k\":\"a\",\"k\":\"b\"}}",
    };
    size_t i;

    for (i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
        EXPECT(apr_psprintf(tp, "header %s", dup[i]),
               mint_with_header(dup[i], strlen(dup[i])), APPROOV_BAD_HEADER);
    }
    EXPECT("control: alg and ALG are different names",
           mint("{\"alg\":\"HS256\",\"ALG\":\"none\"}", valid_payload()),
           APPROOV_VALID);
}

static void test_bad_header_too_deep(void)
{
    /* the header object itself is depth 1 */
    const char *at_limit = apr_pstrcat(
        tp, "{\"alg\":\"HS256\",\"x\":",
        nested_arrays(APPROOV_JSON_MAX_DEPTH - 1), "}", NULL);
    const char *over = apr_pstrcat(
        tp, "{\"alg\":\"HS256\",\"x\":",
        nested_arrays(APPROOV_JSON_MAX_DEPTH), "}", NULL);
    const char *far_over = apr_pstrcat(
        tp, "{\"alg\":\"HS256\",\"x\":", nested_arrays(2000), "}", NULL);

    EXPECT("header nested APPROOV_JSON_MAX_DEPTH deep",
           mint(at_limit, valid_payload()), APPROOV_VALID);
    EXPECT("header nested APPROOV_JSON_MAX_DEPTH + 1 deep",
           mint(over, valid_payload()), APPROOV_BAD_HEADER);
    EXPECT("header nested 2001 deep", mint(far_over, valid_payload()),
           APPROOV_BAD_HEADER);
}

static void test_bad_header_crit(void)
{
    EXPECT("crit [\"exp\"]",
           mint("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", valid_payload()),
           APPROOV_BAD_HEADER);
    EXPECT("crit [\"b64\"] with b64 false",
           mint("{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}",
                valid_payload()),
           APPROOV_BAD_HEADER);
    EXPECT("crit []", mint("{\"crit\":[],\"alg\":\"HS256\"}",
                           valid_payload()),
           APPROOV_BAD_HEADER);
    EXPECT("crit spelled with an escape",
           mint("{\"alg\":\"HS256\",\"cr\\u0069t\":[\"exp\"]}",
                valid_payload()),
           APPROOV_BAD_HEADER);
}

static void test_bad_alg(void)
{
    static const char *const headers[] = {
        "{\"alg\":\"none\"}", "{\"alg\":\"None\"}", "{\"alg\":\"NONE\"}",
        "{\"alg\":\"nOnE\"}", "{\"alg\":\"HS384\"}", "{\"alg\":\"HS512\"}",
        "{\"alg\":\"RS256\"}", "{\"alg\":\"ES256\"}", "{\"alg\":\"PS256\"}",
        "{\"alg\":\"hs256\"}", "{\"alg\":\"Hs256\"}", "{\"alg\":\"HS256 \"}",
        "{\"alg\":\" HS256\"}", "{\"alg\":\"HS256\\u0020\"}",
        "{\"alg\":\"HS2560\"}", "{\"alg\":\"HS25\"}", "{\"alg\":\"\"}",
        "{\"alg\":\"HS256\\n\"}",
        "{}", "{\"typ\":\"JWT\"}", "{\"ALG\":\"HS256\"}",
        "{\"alg \":\"HS256\"}",
        "{\"alg\":256}", "{\"alg\":null}", "{\"alg\":[\"HS256\"]}",
        "{\"alg\":true}", "{\"alg\":{\"name\":\"HS256\"}}",
        "{\"typ\":\"JWT\",\"x\":{\"alg\":\"HS256\"}}",
    };
    size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        /* signed with the right key: only the alg is wrong */
        EXPECT(apr_psprintf(tp, "header %s", headers[i]),
               mint(headers[i], valid_payload()), APPROOV_BAD_ALG);
    }
}

/* ------------------------------------------------------------------ */
/* approov_verify: signature                                           */

static const unsigned char OTHER_SECRET[] = "not the Approov dummy secret";

static const char *mint_other_key(const char *header, const char *payload)
{
    return mint_bytes(OTHER_SECRET, sizeof(OTHER_SECRET) - 1, header,
                      strlen(header), payload, strlen(payload));
}

static void test_bad_signature(void)
{
    const char *payload = valid_payload();
    const char *h = b64u(HDR), *p = b64u(payload);
    const char *input = apr_pstrcat(tp, h, ".", p, NULL);
    const char *good = mint(HDR, payload);
    const char *other = mint(HDR, pl("{\"exp\":%lld}", (long long)EXP_OK + 1));
    unsigned char mac[32], bad[64];
    char *s;

    hmac_sha256(dummy_secret, 64, input, strlen(input), mac);
    EXPECT("control", with_mac(h, p, mac, 32), APPROOV_VALID);

    EXPECT("wrong key", mint_other_key(HDR, payload), APPROOV_BAD_SIGNATURE);
    EXPECT_AT("wrong key: the RFC 7515 key", rfc7515_key(), good, 0, NOW_S,
              APPROOV_BAD_SIGNATURE);

    memcpy(bad, mac, 32);
    bad[0] ^= 0x80;
    EXPECT("first bit flipped", with_mac(h, p, bad, 32),
           APPROOV_BAD_SIGNATURE);
    memcpy(bad, mac, 32);
    bad[31] ^= 0x01;
    EXPECT("last bit flipped", with_mac(h, p, bad, 32),
           APPROOV_BAD_SIGNATURE);
    memcpy(bad, mac, 32);
    bad[16] ^= 0x10;
    EXPECT("middle bit flipped", with_mac(h, p, bad, 32),
           APPROOV_BAD_SIGNATURE);
    memset(bad, 0, 32);
    EXPECT("all zero", with_mac(h, p, bad, 32), APPROOV_BAD_SIGNATURE);

    EXPECT("truncated by one byte", with_mac(h, p, mac, 31),
           APPROOV_BAD_SIGNATURE);
    EXPECT("truncated to 16 bytes", with_mac(h, p, mac, 16),
           APPROOV_BAD_SIGNATURE);
    EXPECT("truncated to 1 byte", with_mac(h, p, mac, 1),
           APPROOV_BAD_SIGNATURE);
    s = apr_pstrndup(tp, good, strlen(good) - 1);
    EXPECT_EITHER("truncated by one character", s, APPROOV_MALFORMED,
                  APPROOV_BAD_SIGNATURE);

    memcpy(bad, mac, 32);
    bad[32] = 0;
    EXPECT("extended by one zero byte", with_mac(h, p, bad, 33),
           APPROOV_BAD_SIGNATURE);
    bad[32] = 0xFF;
    EXPECT("extended by one 0xFF byte", with_mac(h, p, bad, 33),
           APPROOV_BAD_SIGNATURE);
    memcpy(bad + 32, mac, 32);
    EXPECT("doubled to 64 bytes (HS512 length)", with_mac(h, p, bad, 64),
           APPROOV_BAD_SIGNATURE);
    EXPECT("extended by one character",
           apr_pstrcat(tp, good, "A", NULL), APPROOV_BAD_SIGNATURE);
    EXPECT("extended by four characters",
           apr_pstrcat(tp, good, "AAAA", NULL), APPROOV_BAD_SIGNATURE);

    EXPECT("signature of another token",
           apr_pstrcat(tp, input, strrchr(other, '.'), NULL),
           APPROOV_BAD_SIGNATURE);
    EXPECT("payload swapped after signing",
           apr_pstrcat(tp, h, ".",
                       b64u(pl("{\"exp\":%lld}", (long long)EXP_OK + 1)),
                       strrchr(good, '.'), NULL),
           APPROOV_BAD_SIGNATURE);
    EXPECT("header swapped after signing",
           apr_pstrcat(tp, b64u("{\"alg\":\"HS256\"}"), ".", p,
                       strrchr(good, '.'), NULL),
           APPROOV_BAD_SIGNATURE);
    {
        const char *dotted = apr_pstrcat(tp, input, ".", NULL);
        hmac_sha256(dummy_secret, 64, dotted, strlen(dotted), bad);
        EXPECT("MAC over the signing input plus its dot",
               with_mac(h, p, bad, 32), APPROOV_BAD_SIGNATURE);
        hmac_sha256(dummy_secret, 64, h, strlen(h), bad);
        EXPECT("MAC over the header segment alone",
               with_mac(h, p, bad, 32), APPROOV_BAD_SIGNATURE);
        dotted = apr_pstrcat(tp, HDR, ".", payload, NULL);
        hmac_sha256(dummy_secret, 64, dotted, strlen(dotted), bad);
        EXPECT("MAC over decoded JSON instead of the segments",
               with_mac(h, p, bad, 32), APPROOV_BAD_SIGNATURE);
    }
}

/* The signature is checked before any claim is trusted: a token with a bad
 * signature reports BAD_SIGNATURE whatever its payload says. */
static void test_signature_checked_before_claims(void)
{
    static const char *const payloads[] = {
        "{\"exp\":1300819380}",             /* expired */
        "{\"exp\":0}",                      /* expired */
        "this is not JSON at all",
        "[{\"exp\":4102444800}]",
        "{\"exp\":4102444800}trailing",
        "{\"exp\":4102444800,\"exp\":4102444800}",
        "{\"exp\":4102444800,\"x\":\"\xFF\"}",
        "{}",                               /* no exp */
        "{\"exp\":\"4102444800\"}",
        "{\"exp\":1e400}",
        "{\"exp\":4102444800,\"nbf\":4102444000}",   /* not yet valid */
        "{\"exp\":4102444800,\"nbf\":\"soon\"}",
    };
    size_t i;

    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        EXPECT(apr_psprintf(tp, "wrong key, payload %s",
                            shows(payloads[i])),
               mint_other_key(HDR, payloads[i]), APPROOV_BAD_SIGNATURE);
    }
    {
        approov_token_t out;
        approov_result_e r;

        memset(&out, 0xA5, sizeof(out));
        r = verify_out(mint_other_key(HDR, valid_payload()), &out);
        CHECK(r == APPROOV_BAD_SIGNATURE);
        CHECK(out.claims == NULL);
    }
}

/* ------------------------------------------------------------------ */
/* approov_verify: payload and claims                                  */

static const char *mint_with_payload(const char *payload, size_t len)
{
    return mint_bytes(dummy_secret, 64, HDR, strlen(HDR), payload, len);
}

static void test_bad_payload(void)
{
    static const bytes_t bad[] = {
        BYTES("this is not JSON"),
        BYTES("[{\"exp\":4102444800}]"),
        BYTES("\"exp\""),
        BYTES("4102444800"),
        BYTES("null"),
        BYTES("{\"exp\":4102444800}x"),
        BYTES("{\"exp\":4102444800}{}"),
        BYTES("{\"exp\":4102444800}\0"),
        BYTES("{\"exp\":4102444800,}"),
        BYTES("{\"exp\":4102444800"),
        BYTES("{\"exp\":4102444800,\"exp\":4102444800}"),
        BYTES("{\"exp\":4102444800,\"exp\":0}"),
        BYTES("{\"exp\":4102444800,\"\\u0065xp\":0}"),
        BYTES("{\"ip\":\"1.2.3.4\",\"exp\":4102444800,\"ip\":\"5.6.7.8\"}"),
        BYTES("{\"exp\":4102444800,\"x\":{\"a\":1,\"a\":2}}"),
        BYTES("{\"exp\":4102444800,\"x\":[{\"a\":1,\"a\":2}]}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xFF\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xC0\x80\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xED\xA0\x80\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xF4\x90\x80\x80\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xC3\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\\ud800\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\\u0000\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"a\0b\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"a\x1f" "b\"}"),
        BYTES("{\"exp\":4102444800,\"x\":NaN}"),
        BYTES("{\"exp\":04102444800}"),
    };
    size_t i;
    const char *deep = apr_pstrcat(tp, "{\"exp\":4102444800,\"x\":",
                                   nested_arrays(APPROOV_JSON_MAX_DEPTH),
                                   "}", NULL);
    const char *at_limit = apr_pstrcat(
        tp, "{\"exp\":4102444800,\"x\":",
        nested_arrays(APPROOV_JSON_MAX_DEPTH - 1), "}", NULL);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        EXPECT(apr_psprintf(tp, "payload %s", show(bad[i].text, bad[i].len)),
               mint_with_payload(bad[i].text, bad[i].len),
               APPROOV_BAD_PAYLOAD);
    }
    EXPECT("payload nested APPROOV_JSON_MAX_DEPTH + 1 deep", mint(HDR, deep),
           APPROOV_BAD_PAYLOAD);
    EXPECT("payload nested APPROOV_JSON_MAX_DEPTH deep", mint(HDR, at_limit),
           APPROOV_VALID);
    {
        approov_token_t out;
        approov_result_e r = verify_out(mint(HDR, "[1]"), &out);
        CHECK(r == APPROOV_BAD_PAYLOAD);
        CHECK(out.claims == NULL);
    }
}

static void test_bad_exp(void)
{
    static const char *const payloads[] = {
        "{}",
        "{\"iat\":1700000000}",
        "{\"EXP\":4102444800}",
        "{\"exp \":4102444800}",
        "{\"exp\":null}",
        "{\"exp\":\"123\"}",
        "{\"exp\":\"4102444800\"}",
        "{\"exp\":true}",
        "{\"exp\":false}",
        "{\"exp\":[4102444800]}",
        "{\"exp\":{}}",
        "{\"exp\":{\"exp\":4102444800}}",
        "{\"exp\":1e400}",
        "{\"exp\":-1e400}",
        "{\"exp\":1e19}",
        "{\"exp\":-1e19}",
        "{\"exp\":1e300}",
        "{\"exp\":18446744073709551616}",
        "{\"x\":{\"exp\":4102444800}}",
    };
    size_t i;

    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        EXPECT(apr_psprintf(tp, "payload %s", payloads[i]),
               mint(HDR, payloads[i]), APPROOV_BAD_EXP);
    }
}

static void test_bad_nbf(void)
{
    static const char *const payloads[] = {
        "{\"exp\":4102444800,\"nbf\":\"123\"}",
        "{\"exp\":4102444800,\"nbf\":\"1600000000\"}",
        "{\"exp\":4102444800,\"nbf\":null}",
        "{\"exp\":4102444800,\"nbf\":true}",
        "{\"exp\":4102444800,\"nbf\":[1600000000]}",
        "{\"exp\":4102444800,\"nbf\":{}}",
        "{\"exp\":4102444800,\"nbf\":1e400}",
        "{\"exp\":4102444800,\"nbf\":1e19}",
    };
    size_t i;

    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        EXPECT(apr_psprintf(tp, "payload %s", payloads[i]),
               mint(HDR, payloads[i]), APPROOV_BAD_NBF);
    }
}

static const char *exp_token(long long exp)
{
    return mint(HDR, pl("{\"exp\":%lld}", exp));
}

static void test_expired_boundary(void)
{
    EXPECT("exp one second ago", exp_token(NOW_S - 1), APPROOV_EXPIRED);
    EXPECT("exp exactly now", exp_token(NOW_S), APPROOV_EXPIRED);
    EXPECT("exp in one second", exp_token(NOW_S + 1), APPROOV_VALID);
    EXPECT("exp zero", exp_token(0), APPROOV_EXPIRED);
    EXPECT("exp in the year 2100", exp_token(4102444800LL), APPROOV_VALID);
    expect_impl(__LINE__, "exp one microsecond away", exp_token(NOW_S),
                strlen(exp_token(NOW_S)), dummy_key, 0, SECS(NOW_S) - 1,
                APPROOV_VALID);
    EXPECT_AT("leeway 60, exp 60 s ago", dummy_key, exp_token(NOW_S - 60),
              60, NOW_S, APPROOV_EXPIRED);
    EXPECT_AT("leeway 60, exp 59 s ago", dummy_key, exp_token(NOW_S - 59),
              60, NOW_S, APPROOV_VALID);
    EXPECT_AT("leeway 60, exp 61 s ago", dummy_key, exp_token(NOW_S - 61),
              60, NOW_S, APPROOV_EXPIRED);
}

static void test_nbf_boundary(void)
{
#define NBF(n) mint(HDR, pl("{\"exp\":%lld,\"nbf\":%lld}", (long long)EXP_OK, \
                            (long long)(n)))
    EXPECT("nbf in one second", NBF(NOW_S + 1), APPROOV_NOT_YET_VALID);
    EXPECT("nbf in an hour", NBF(NOW_S + 3600), APPROOV_NOT_YET_VALID);
    EXPECT("nbf exactly now", NBF(NOW_S), APPROOV_VALID);
    EXPECT("nbf one second ago", NBF(NOW_S - 1), APPROOV_VALID);
    EXPECT("nbf zero", NBF(0), APPROOV_VALID);
    expect_impl(__LINE__, "nbf one microsecond away", NBF(NOW_S),
                strlen(NBF(NOW_S)), dummy_key, 0, SECS(NOW_S) - 1,
                APPROOV_NOT_YET_VALID);
    EXPECT_AT("leeway 60, nbf in 60 s (nbf - leeway == now)", dummy_key,
              NBF(NOW_S + 60), 60, NOW_S, APPROOV_VALID);
    EXPECT_AT("leeway 60, nbf in 59 s", dummy_key, NBF(NOW_S + 59), 60,
              NOW_S, APPROOV_VALID);
    EXPECT_AT("leeway 60, nbf in 61 s", dummy_key, NBF(NOW_S + 61), 60,
              NOW_S, APPROOV_NOT_YET_VALID);
    EXPECT("fractional nbf half a second away",
           mint(HDR, pl("{\"exp\":%lld,\"nbf\":%lld.5}", (long long)EXP_OK,
                        (long long)NOW_S)),
           APPROOV_NOT_YET_VALID);
#undef NBF
}

static void test_fractional_exp(void)
{
    const char *token = mint(HDR, "{\"exp\":4708683205.891912}");
    approov_token_t out;
    approov_result_e r;

    EXPECT_AT("whole second before", dummy_key, token, 0, 4708683205LL,
              APPROOV_VALID);
    expect_impl(__LINE__, "at .891000", token, strlen(token), dummy_key, 0,
                SECS(4708683205LL) + 891000, APPROOV_VALID);
    expect_impl(__LINE__, "at .892000", token, strlen(token), dummy_key, 0,
                SECS(4708683205LL) + 892000, APPROOV_EXPIRED);
    EXPECT_AT("next whole second", dummy_key, token, 0, 4708683206LL,
              APPROOV_EXPIRED);
    EXPECT_AT("today", dummy_key, token, 0, NOW_S, APPROOV_VALID);

    r = verify_raw(token, strlen(token), dummy_key, 0, SECS(NOW_S), &out);
    CHECK(r == APPROOV_VALID);
    if (r == APPROOV_VALID) {
        double d = out.exp - 4708683205.891912;
        CHECKF(d < 1e-6 && d > -1e-6, "exp %.6f", out.exp);
    }
}

static void test_valid_fills_out(void)
{
    const char *payload = pl("{\"exp\":%lld,\"did\":\"abc\",\"n\":[1,2]}",
                             (long long)EXP_OK);
    approov_token_t out;
    approov_result_e r = verify_out(mint(HDR, payload), &out);

    CHECK(r == APPROOV_VALID);
    if (r != APPROOV_VALID) {
        return;
    }
    CHECK(cJSON_IsObject(out.claims));
    CHECK(cJSON_IsObject(out.header));
    CHECKF(out.exp == (double)EXP_OK, "exp %f", out.exp);
    {
        const cJSON *did = cJSON_GetObjectItemCaseSensitive(out.claims,
                                                            "did");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(out.claims, "n");
        const cJSON *alg = cJSON_GetObjectItemCaseSensitive(out.header,
                                                            "alg");
        CHECK(cJSON_IsString(did) && strcmp(did->valuestring, "abc") == 0);
        CHECK(cJSON_IsArray(n) && cJSON_GetArraySize(n) == 2);
        CHECK(cJSON_IsString(alg) && strcmp(alg->valuestring, "HS256") == 0);
    }
}

/* approov_equal_ct(): every length around the word size, a difference at
 * every position and in every bit, unaligned buffers. */
static void test_equal_ct(void)
{
    unsigned char a[80], b[80];
    size_t len, at, off;
    int bit, wrong = 0;

    for (off = 0; off < 8; off++) {
        for (len = 0; len <= 40; len++) {
            for (at = 0; at < len + off; at++) {
                a[at] = b[at] = (unsigned char)(at * 37 + 11);
            }
            if (!approov_equal_ct(a + off, b + off, len)) {
                wrong++;
                fprintf(stderr, "  equal %zu bytes at offset %zu: unequal\n",
                        len, off);
            }
            for (at = 0; at < len; at++) {
                for (bit = 0; bit < 8; bit++) {
                    b[off + at] ^= (unsigned char)(1u << bit);
                    if (approov_equal_ct(a + off, b + off, len)) {
                        wrong++;
                        fprintf(stderr, "  %zu bytes at offset %zu, bit %d of "
                                "byte %zu flipped: equal\n", len, off, bit, at);
                    }
                    b[off + at] ^= (unsigned char)(1u << bit);
                }
            }
        }
    }
    CHECKF(wrong == 0, "%d wrong answers", wrong);
    CHECK(approov_equal_ct("", "x", 0) == 1);
    CHECK(approov_equal_ct("abcdefgh-1", "abcdefgh-2", 10) == 0);
    CHECK(approov_equal_ct("abcdefgh-1", "abcdefgh-2", 9) == 1);
}

/* approov_check_time() judges a verified token's times again, as the
 * module does for a token it kept from an earlier request. */
static void test_check_time_rejudges(void)
{
    const char *with_nbf = mint(HDR, pl("{\"exp\":%lld,\"nbf\":%lld}",
                                        (long long)(NOW_S + 10),
                                        (long long)(NOW_S - 5)));
    const char *without_nbf = exp_token(NOW_S + 10);
    approov_token_t out;
    approov_result_e r;

    r = verify_raw(with_nbf, strlen(with_nbf), dummy_key, 0, SECS(NOW_S),
                   &out);
    CHECK(r == APPROOV_VALID);
    if (r != APPROOV_VALID) {
        return;
    }
    CHECK(out.has_nbf == 1);
    CHECKF(out.nbf == (double)(NOW_S - 5), "nbf %f", out.nbf);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S)) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S + 10) - 1) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S + 10)) == APPROOV_EXPIRED);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S + 3600)) == APPROOV_EXPIRED);
    CHECK(approov_check_time(&out, 5, SECS(NOW_S + 14)) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 5, SECS(NOW_S + 15)) == APPROOV_EXPIRED);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S - 5)) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S - 5) - 1)
          == APPROOV_NOT_YET_VALID);
    CHECK(approov_check_time(&out, 1, SECS(NOW_S - 6)) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 1, SECS(NOW_S - 7))
          == APPROOV_NOT_YET_VALID);

    r = verify_raw(without_nbf, strlen(without_nbf), dummy_key, 0,
                   SECS(NOW_S), &out);
    CHECK(r == APPROOV_VALID);
    if (r != APPROOV_VALID) {
        return;
    }
    CHECK(out.has_nbf == 0);
    CHECK(approov_check_time(&out, 0, 0) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S + 10)) == APPROOV_EXPIRED);

    /* A failed verification leaves no nbf behind from an earlier one. */
    r = verify_raw(with_nbf, strlen(with_nbf), dummy_key, 0,
                   SECS(NOW_S + 3600), &out);
    CHECK(r == APPROOV_EXPIRED);
    r = verify_raw(without_nbf, strlen(without_nbf), dummy_key, 0,
                   SECS(NOW_S), &out);
    CHECK(r == APPROOV_VALID && out.has_nbf == 0);
}

/* ------------------------------------------------------------------ */
/* strict JSON                                                         */

static int json_is_strict(const char *text, size_t len, int max_depth)
{
    unsigned char *copy = exact_copy(text, len);
    int r = approov_json_object_is_strict(copy, len, max_depth);

    free(copy);
    return r;
}

static cJSON *json_parse(const char *text, size_t len)
{
    unsigned char *copy = exact_copy(text, len);
    cJSON *r = approov_json_parse_object(tp, copy, len);

    free(copy);
    return r;
}

static void test_json_accepts_valid_objects(void)
{
    static const bytes_t good[] = {
        BYTES("{}"),
        BYTES(" \t\r\n{ \t\r\n} \t\r\n"),
        BYTES("{\"\":\"\"}"),
        BYTES("{\"a\":[1,[2,{\"b\":[]}],{}],\"c\":{\"d\":{\"e\":null}}}"),
        BYTES("{\"t\":true,\"f\":false,\"n\":null,\"a\":[true,false,null]}"),
        BYTES("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
        BYTES("{\"s\":\"\\u0001\\u001f\\u00e9\\u20AC\\uFFFF\\uffff\"}"),
        BYTES("{\"s\":\"\\ud83d\\ude00\"}"),
        BYTES("{\"s\":\"\\uD83D\\uDE00\"}"),
        BYTES("{\"s\":\"\\ud800\\udc00\\udbff\\udfff\"}"),
        BYTES("{\"\\u0061\":\"x\",\"b\\n\":1}"),
        BYTES("{\"s\":\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
              "\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"}"),
        BYTES("{\"\xC3\xA9\":\"\xE2\x82\xAC\xF0\x9F\x98\x80\"}"),
        BYTES("{\"s\":\"\x7F\"}"),
        BYTES("{\"n\":[0,-0,1,-1,10,-10,123456789,0.5,-0.5,1.25,10.01]}"),
        BYTES("{\"n\":[1e5,1E5,1e+5,1e-5,1E+05,1E-05,0e0,-0E-0,0.0e+0]}"),
        BYTES("{\"n\":[-1.5e+10,2.5E-3,9007199254740993,1e308,5e-324]}"),
        BYTES("{\"n\":123456789012345678901234567890}"),
        BYTES("{\"a\" : 1 , \"b\" : [ 1 , 2 ] }"),
    };
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECKF(json_is_strict(good[i].text, good[i].len,
                              APPROOV_JSON_MAX_DEPTH),
               "is_strict rejected %s", show(good[i].text, good[i].len));
        CHECKF(json_parse(good[i].text, good[i].len) != NULL,
               "parse_object rejected %s", show(good[i].text, good[i].len));
    }
}

static void test_json_rejects_invalid_text(void)
{
    static const bytes_t bad[] = {
        /* not exactly one object */
        BYTES(""), BYTES(" "), BYTES("{"), BYTES("}"), BYTES("[]"),
        BYTES("[{}]"), BYTES("\"x\""), BYTES("1"), BYTES("null"),
        BYTES("true"), BYTES("{}{}"), BYTES("{} {}"), BYTES("{}x"),
        BYTES("{},"), BYTES("x{}"), BYTES("{}\0"), BYTES("\0{}"),
        BYTES("\xEF\xBB\xBF{}"), BYTES("\f{}"), BYTES("{}\v"),
        BYTES("{\"a\":[1}"), BYTES("{\"a\":{]}"), BYTES("{\"a\":1]"),
        /* members */
        BYTES("{\"a\"}"), BYTES("{\"a\":}"), BYTES("{\"a\" 1}"),
        BYTES("{a:1}"), BYTES("{1:1}"), BYTES("{null:1}"),
        BYTES("{'a':1}"), BYTES("{\"a\":'x'}"),
        BYTES("{\"a\":1,}"), BYTES("{\"a\":[1,]}"), BYTES("{,\"a\":1}"),
        BYTES("{\"a\":[,1]}"), BYTES("{\"a\":1,,\"b\":2}"),
        BYTES("{\"a\":1 \"b\":2}"), BYTES("{\"a\":[1 2]}"),
        /* comments */
        BYTES("{\"a\":1 /* c */}"), BYTES("{\"a\":1} // c"),
        BYTES("/* c */{\"a\":1}"), BYTES("{\"a\":1 # c\n}"),
        /* numbers */
        BYTES("{\"a\":01}"), BYTES("{\"a\":-01}"), BYTES("{\"a\":00}"),
        BYTES("{\"a\":+1}"), BYTES("{\"a\":.5}"), BYTES("{\"a\":-.5}"),
        BYTES("{\"a\":1.}"), BYTES("{\"a\":1.e5}"), BYTES("{\"a\":1e}"),
        BYTES("{\"a\":1e+}"), BYTES("{\"a\":1E-}"), BYTES("{\"a\":-}"),
        BYTES("{\"a\":--1}"), BYTES("{\"a\":0x10}"), BYTES("{\"a\":1_000}"),
        BYTES("{\"a\":NaN}"), BYTES("{\"a\":Infinity}"),
        BYTES("{\"a\":-Infinity}"), BYTES("{\"a\":inf}"),
        BYTES("{\"a\":1.5.2}"), BYTES("{\"a\":1e5e5}"),
        /* literals */
        BYTES("{\"a\":tru}"), BYTES("{\"a\":True}"), BYTES("{\"a\":nul}"),
        BYTES("{\"a\":NULL}"), BYTES("{\"a\":undefined}"),
        BYTES("{\"a\":truex}"),
        /* strings: control characters, escapes */
        BYTES("{\"a\":\"x\x01y\"}"), BYTES("{\"a\":\"\t\"}"),
        BYTES("{\"a\":\"\n\"}"), BYTES("{\"a\":\"\x1f\"}"),
        BYTES("{\"a\":\"x\0y\"}"), BYTES("{\"a\x01\":1}"),
        BYTES("{\"a\":\"\\u0000\"}"), BYTES("{\"\\u0000\":1}"),
        BYTES("{\"a\":\"\\x41\"}"), BYTES("{\"a\":\"\\u12\"}"),
        BYTES("{\"a\":\"\\u12G4\"}"), BYTES("{\"a\":\"\\U0041\"}"),
        BYTES("{\"a\":\"\\'\"}"), BYTES("{\"a\":\"\\a\"}"),
        BYTES("{\"a\":\"\\\"}"), BYTES("{\"a\":\"abc}"),
        BYTES("{\"a\":\"abc"),
        /* lone and misordered surrogate escapes */
        BYTES("{\"a\":\"\\ud800\"}"), BYTES("{\"a\":\"\\udc00\"}"),
        BYTES("{\"a\":\"\\uDBFF\"}"), BYTES("{\"a\":\"\\udfff\"}"),
        BYTES("{\"a\":\"\\ud800x\"}"), BYTES("{\"a\":\"\\ud800\\u0041\"}"),
        BYTES("{\"a\":\"\\ud800\\ud800\"}"),
        BYTES("{\"a\":\"\\udc00\\ud800\"}"), BYTES("{\"a\":\"\\ud800\\\"}"),
        BYTES("{\"\\ud800\":1}"),
        /* UTF-8: overlong, surrogates, beyond U+10FFFF, broken */
        BYTES("{\"a\":\"\xC0\x80\"}"), BYTES("{\"a\":\"\xC1\xBF\"}"),
        BYTES("{\"a\":\"\xE0\x80\x80\"}"), BYTES("{\"a\":\"\xE0\x9F\xBF\"}"),
        BYTES("{\"a\":\"\xF0\x80\x80\x80\"}"),
        BYTES("{\"a\":\"\xF0\x8F\xBF\xBF\"}"),
        BYTES("{\"a\":\"\xED\xA0\x80\"}"), BYTES("{\"a\":\"\xED\xBF\xBF\"}"),
        BYTES("{\"a\":\"\xF4\x90\x80\x80\"}"),
        BYTES("{\"a\":\"\xF5\x80\x80\x80\"}"),
        BYTES("{\"a\":\"\xF8\x88\x80\x80\x80\"}"),
        BYTES("{\"a\":\"\xFF\"}"), BYTES("{\"a\":\"\xFE\"}"),
        BYTES("{\"a\":\"\x80\"}"), BYTES("{\"a\":\"\xBF\"}"),
        BYTES("{\"a\":\"\xC3\"}"), BYTES("{\"a\":\"\xE2\x82\"}"),
        BYTES("{\"a\":\"\xF0\x9F\x98\"}"), BYTES("{\"a\":\"\xC3" "A\"}"),
        BYTES("{\"\xFF\":1}"), BYTES("{\"a\":1}\xFF"),
        BYTES("{\"a\":\"\xC3"),
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECKF(!json_is_strict(bad[i].text, bad[i].len,
                               APPROOV_JSON_MAX_DEPTH),
               "is_strict accepted %s", show(bad[i].text, bad[i].len));
        CHECKF(json_parse(bad[i].text, bad[i].len) == NULL,
               "parse_object accepted %s", show(bad[i].text, bad[i].len));
    }
}

static void test_json_depth_limit(void)
{
    int d;
    const char *s;
    char *open;

    for (d = 1; d <= APPROOV_JSON_MAX_DEPTH; d++) {
        s = object_of_depth(d);
        CHECKF(json_is_strict(s, strlen(s), APPROOV_JSON_MAX_DEPTH),
               "depth %d rejected", d);
    }
    s = object_of_depth(APPROOV_JSON_MAX_DEPTH);
    CHECK(json_parse(s, strlen(s)) != NULL);
    s = object_of_depth(APPROOV_JSON_MAX_DEPTH + 1);
    CHECK(!json_is_strict(s, strlen(s), APPROOV_JSON_MAX_DEPTH));
    CHECK(json_parse(s, strlen(s)) == NULL);

    /* the limit is the argument's, counted the same way for objects */
    s = "{\"a\":{\"b\":{}}}";
    CHECK(json_is_strict(s, strlen(s), 3));
    CHECK(!json_is_strict(s, strlen(s), 2));
    s = "{\"a\":[[]]}";
    CHECK(json_is_strict(s, strlen(s), 3));
    CHECK(!json_is_strict(s, strlen(s), 2));
    s = "{\"a\":[],\"b\":{},\"c\":[{}]}";
    CHECK(json_is_strict(s, strlen(s), 3));
    CHECK(!json_is_strict(s, strlen(s), 2));

    /* very deep, unclosed: rejected without exhausting the stack */
    open = apr_palloc(tp, 200006);
    memcpy(open, "{\"a\":", 5);
    memset(open + 5, '[', 200000);
    open[200005] = '\0';
    CHECK(!json_is_strict(open, 200005, APPROOV_JSON_MAX_DEPTH));
    CHECK(json_parse(open, 200005) == NULL);
    s = object_of_depth(5000);
    CHECK(!json_is_strict(s, strlen(s), APPROOV_JSON_MAX_DEPTH));
    CHECK(json_parse(s, strlen(s)) == NULL);
}

static void test_json_parse_rejects_duplicate_names(void)
{
    static const char *const dup[] = {
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"a\":1}",
        "{\"a\":1,\"b\":2,\"a\":3}",
        "{\"\\u0061\":1,\"a\":2}",
        "{\"a\":1,\"\\u0061\":2}",
        "{\"\\u00e9\":1,\"\xC3\xA9\":2}",
        "{\"\":1,\"\":2}",
        "{\"a\":{\"b\":1,\"b\":2}}",
        "{\"a\":[{\"b\":1,\"b\":2}]}",
        "{\"a\":[1,[{\"x\":{\"b\":1,\"b\":2}}]]}",
    };
    static const char *const distinct[] = {
        "{\"a\":1,\"A\":2}",
        "{\"a\":1,\"a \":2}",
        "{\"a\":{\"b\":1},\"c\":{\"b\":2}}",
        "{\"a\":{\"a\":{\"a\":1}}}",
        "{\"a\":[{\"b\":1},{\"b\":2}]}",
        "{\"a\":[\"a\",\"a\"]}",
    };
    size_t i;

    for (i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
        CHECKF(json_parse(dup[i], strlen(dup[i])) == NULL,
               "parse_object accepted %s", shows(dup[i]));
    }
    for (i = 0; i < sizeof(distinct) / sizeof(distinct[0]); i++) {
        CHECKF(json_parse(distinct[i], strlen(distinct[i])) != NULL,
               "parse_object rejected %s", shows(distinct[i]));
    }
    {
        /* large objects: 40 distinct names, then with one repeated */
        char *many = apr_pstrdup(tp, "{\"m0\":0");
        const char *dup_last;
        int k;

        for (k = 1; k < 40; k++) {
            many = apr_psprintf(tp, "%s,\"m%d\":%d", many, k, k);
        }
        dup_last = apr_pstrcat(tp, many, ",\"m7\":7}", NULL);
        many = apr_pstrcat(tp, many, "}", NULL);
        CHECK(json_parse(many, strlen(many)) != NULL);
        CHECK(json_parse(dup_last, strlen(dup_last)) == NULL);
    }
}

static void test_json_parse_yields_decoded_tree(void)
{
    static const char text[] =
        "{\"s\":\"\\ud83d\\ude00\\u00e9\\n\",\"n\":-1.5e2,"
        "\"o\":{\"k\":[true,null]}}";
    cJSON *root = json_parse(text, sizeof(text) - 1);
    const cJSON *s, *n, *o;

    CHECK(cJSON_IsObject(root));
    if (!root) {
        return;
    }
    s = cJSON_GetObjectItemCaseSensitive(root, "s");
    n = cJSON_GetObjectItemCaseSensitive(root, "n");
    o = cJSON_GetObjectItemCaseSensitive(root, "o");
    CHECK(cJSON_IsString(s)
          && strcmp(s->valuestring, "\xF0\x9F\x98\x80\xC3\xA9\n") == 0);
    CHECK(cJSON_IsNumber(n) && n->valuedouble == -150.0);
    CHECK(cJSON_IsObject(o)
          && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "k"))
                 == 2);
}

/* ------------------------------------------------------------------ */
/* dotenv                                                              */

#define SECRET_NAME "APPROOV_BASE64_SECRET"

static const char *env_lookup(const char *text, size_t len,
                              const char **value)
{
    char *copy = exact_copy(text, len);
    const char *err;

    *value = NULL;
    err = approov_env_lookup(tp, copy, len, SECRET_NAME, value);
    free(copy);
    return err;
}

static void test_env_lookup_finds_the_value(void)
{
    static const struct { const char *text, *want; } v[] = {
        { SECRET_NAME "=abc", "abc" },
        { SECRET_NAME "=abc\n", "abc" },
        { "export " SECRET_NAME "=abc\n", "abc" },
        { SECRET_NAME "=\"abc\"\n", "abc" },
        { SECRET_NAME "='abc'\n", "abc" },
        { "export " SECRET_NAME "=\"abc\"\n", "abc" },
        { "export " SECRET_NAME "='abc'", "abc" },
        { "# the secret\n\n" SECRET_NAME "=abc\n\n# end\n", "abc" },
        { "#" SECRET_NAME "=commented\n" SECRET_NAME "=abc\n", "abc" },
        { "   # indented comment\n" SECRET_NAME "=abc\n", "abc" },
        { "\n\n\n" SECRET_NAME "=abc", "abc" },
        { "A=1\r\n" SECRET_NAME "=abc\r\nB=2\r\n", "abc" },
        { SECRET_NAME "=\"abc\"\r\n", "abc" },
        { SECRET_NAME " = abc\n", "abc" },
        { SECRET_NAME "= abc\n", "abc" },
        { SECRET_NAME " =abc\n", "abc" },
        { SECRET_NAME " = \"abc\"\n", "abc" },
        { "FOO=bar\n" SECRET_NAME "=abc\nBAZ=qux\n", "abc" },
        { "FOO=\"x y\"\nexport BAR='z'\n" SECRET_NAME "=abc\n", "abc" },
        { SECRET_NAME "_OLD=old\n" SECRET_NAME "=abc\nX" SECRET_NAME
          "=x\n", "abc" },
        { SECRET_NAME "=h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjD"
          "zeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww==\n", DUMMY_SECRET_B64 },
        { "export " SECRET_NAME "=\"h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+I"
          "AHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww==\"\r\n",
          DUMMY_SECRET_B64 },
        { SECRET_NAME "=\"a#b\"\n", "a#b" },
        { SECRET_NAME "='a=b'\n", "a=b" },
    };
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const char *value, *err = env_lookup(v[i].text, strlen(v[i].text),
                                             &value);
        CHECKF(!err && value && strcmp(value, v[i].want) == 0,
               "text %s: error %s, value %s", shows(v[i].text), shows(err),
               shows(value));
    }
}

static void test_env_lookup_errors(void)
{
    static const struct { const char *text, *mention; } v[] = {
        { "", NULL },
        { "\n\n", NULL },
        { "# " SECRET_NAME "=abc\n", NULL },
        { "FOO=bar\n", NULL },
        { SECRET_NAME "_OLD=abc\n", NULL },
        { SECRET_NAME "=abc\n" SECRET_NAME "=abc\n", NULL },
        { SECRET_NAME "=abc\nexport " SECRET_NAME "=def\n", NULL },
        { SECRET_NAME "=\"abc\n", NULL },
        { SECRET_NAME "='abc\n", NULL },
        { SECRET_NAME "=\"abc'\n", NULL },
        { "FOO=\"x\n" SECRET_NAME "=abc\n", NULL },
        { SECRET_NAME "=abc\nthis line is not an assignment\n", "2" },
        { "A=1\nB=2\n=abc\n" SECRET_NAME "=abc\n", "3" },
    };
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const char *value, *err = env_lookup(v[i].text, strlen(v[i].text),
                                             &value);
        CHECKF(err && *err, "text %s accepted, value %s", shows(v[i].text),
               shows(value));
        if (err && v[i].mention) {
            CHECKF(strstr(err, v[i].mention) != NULL,
                   "text %s: message %s does not name line %s",
                   shows(v[i].text), err, v[i].mention);
        }
    }
}

static void test_env_file_lookup(void)
{
    char template_[] = "/tmp/approov-test-envXXXXXX";
    static const char content[] =
        "# test\nOTHER=1\nexport " SECRET_NAME "=\"" "h+CX0tOzdAAR9l15bWAq"
        "vq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOm"
        "ww==\"\n";
    apr_file_t *f;
    apr_size_t n = sizeof(content) - 1;
    const char *value = NULL, *err;
    apr_status_t rv;

    rv = apr_file_mktemp(&f, template_, APR_FOPEN_CREATE | APR_FOPEN_READ
                         | APR_FOPEN_WRITE | APR_FOPEN_EXCL, tp);
    CHECK(rv == APR_SUCCESS);
    if (rv != APR_SUCCESS) {
        return;
    }
    CHECK(apr_file_write_full(f, content, n, &n) == APR_SUCCESS);
    apr_file_close(f);

    err = approov_env_file_lookup(tp, template_, SECRET_NAME, &value);
    CHECKF(!err && value && strcmp(value, DUMMY_SECRET_B64) == 0,
           "error %s, value %s", shows(err), shows(value));
    err = approov_env_file_lookup(tp, template_, "NOT_THERE", &value);
    CHECKF(err && strstr(err, template_), "message %s", shows(err));
    apr_file_remove(template_, tp);

    err = approov_env_file_lookup(tp, "/nonexistent-dir/approov/.env",
                                  SECRET_NAME, &value);
    CHECKF(err && strstr(err, "/nonexistent-dir/approov/.env"),
           "message %s", shows(err));
}

/* ------------------------------------------------------------------ */
/* token binding (pay claim)                                           */

static void test_binding(void)
{
    const char *one[1] = { "Bearer abc" };
    const char *split[2] = { "Bearer ", "abc" };
    const char *other[1] = { "Bearer abd" };
    const char *empty[1] = { "" };
    const char *null[1] = { NULL };
    char hash[APPROOV_PAY_LEN + 1];
    approov_token_t out, nopay, paynum;

    approov_binding_hash(one, 1, hash);
    CHECKF(strcmp(hash, ref_pay(one, 1)) == 0, "hash %s, want %s", hash,
           ref_pay(one, 1));

    CHECK(verify_out(mint(HDR, pl("{\"exp\":%lld,\"pay\":\"%s\"}",
                                  (long long)EXP_OK, ref_pay(one, 1))),
                     &out) == APPROOV_VALID);
    CHECK(verify_out(mint(HDR, valid_payload()), &nopay) == APPROOV_VALID);
    CHECK(verify_out(mint(HDR, pl("{\"exp\":%lld,\"pay\":42}",
                                  (long long)EXP_OK)),
                     &paynum) == APPROOV_VALID);

    CHECK(approov_check_binding(&out, one, 1, 0) == APPROOV_VALID);
    CHECK(approov_check_binding(&out, one, 1, 1) == APPROOV_VALID);
    CHECK(approov_check_binding(&out, split, 2, 0) == APPROOV_VALID);
    CHECK(approov_check_binding(&out, other, 1, 0) == APPROOV_PAY_MISMATCH);
    CHECK(approov_check_binding(&out, empty, 1, 0)
          == APPROOV_NO_BINDING_HEADER);
    CHECK(approov_check_binding(&out, null, 1, 0)
          == APPROOV_NO_BINDING_HEADER);
    CHECK(approov_check_binding(&nopay, one, 1, 0) == APPROOV_NO_PAY);
    CHECK(approov_check_binding(&nopay, one, 1, 1) == APPROOV_VALID);
    CHECK(approov_check_binding(&nopay, null, 1, 1) == APPROOV_VALID);
    CHECK(approov_check_binding(&paynum, one, 1, 0) == APPROOV_BAD_PAY);
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    unsigned char decoded[66];

    setvbuf(stdout, NULL, _IOLBF, 0);
    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    apr_initialize();
    apr_pool_create(&root_pool, NULL);

    /* the fixture secret, decoded by OpenSSL rather than by the core */
    if (EVP_DecodeBlock(decoded, (const unsigned char *)DUMMY_SECRET_B64,
                        (int)strlen(DUMMY_SECRET_B64)) != 66) {
        printf("FAIL setup: OpenSSL could not decode the dummy secret\n");
        return 1;
    }
    memcpy(dummy_secret, decoded, sizeof(dummy_secret));
    dummy_key = approov_key_hmac(root_pool, APPROOV_ALG_HS256, dummy_secret,
                                 sizeof(dummy_secret));
    if (!dummy_key) {
        printf("FAIL setup: approov_key_hmac refused the dummy secret\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }

    RUN(test_result_names_are_distinct_lowercase);
    RUN(test_alg_name_and_key_alg);
    RUN(test_b64url_decode_rfc4648_vectors);
    RUN(test_b64url_decode_rejects_non_strict);
    RUN(test_b64url_encode_rfc4648_vectors);
    RUN(test_decode_secret_accepts_standard_and_urlsafe);
    RUN(test_decode_secret_rejects_bad_text);
    RUN(test_decode_secret_keeps_nul_bytes);
    RUN(test_key_hmac_rejects_empty_and_oversized);
    RUN(test_key_hmac_any_secret_length_matches_openssl);
    RUN(test_jwks_use_must_be_a_string);
    RUN(test_jwks_error_adds_no_key);
    RUN(test_jwks_rsa_exponent);
    RUN(test_key_hmac_at_least_the_hash_output);
    RUN(test_jwks_oct_pinned_key_length);
    RUN(test_jwks_oct_unpinned_key_length);
    RUN(test_rfc7515_a1_example);
    RUN(test_rfc7515_a1_leeway);
    RUN(test_dummy_secret_tokens_are_valid);
    RUN(test_sign_matches_independent_mint);
    RUN(test_valid_fills_out);
    RUN(test_missing_when_empty);
    RUN(test_too_long_limit);
    RUN(test_no_key);
    RUN(test_malformed_segment_count);
    RUN(test_malformed_empty_segments);
    RUN(test_malformed_header_segment_encoding);
    RUN(test_malformed_payload_segment_encoding);
    RUN(test_malformed_signature_segment_encoding);
    RUN(test_bad_header_json);
    RUN(test_bad_header_duplicate_names);
    RUN(test_bad_header_too_deep);
    RUN(test_bad_header_crit);
    RUN(test_bad_alg);
    RUN(test_bad_signature);
    RUN(test_signature_checked_before_claims);
    RUN(test_bad_payload);
    RUN(test_bad_exp);
    RUN(test_bad_nbf);
    RUN(test_expired_boundary);
    RUN(test_nbf_boundary);
    RUN(test_check_time_rejudges);
    RUN(test_equal_ct);
    RUN(test_fractional_exp);
    RUN(test_json_accepts_valid_objects);
    RUN(test_json_rejects_invalid_text);
    RUN(test_json_depth_limit);
    RUN(test_json_parse_rejects_duplicate_names);
    RUN(test_json_parse_yields_decoded_tree);
    RUN(test_env_lookup_finds_the_value);
    RUN(test_env_lookup_errors);
    RUN(test_env_file_lookup);
    RUN(test_binding);

    printf("%d passed, %d failed\n", n_passed, n_failed);
    apr_pool_destroy(root_pool);
    apr_terminate();
    return n_failed ? 1 : 0;
}

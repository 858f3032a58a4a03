/*
 * fuzz_common.c: shared set-up and independent reference computations for
 * the mod_approov fuzz targets (see fuzz_common.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "fuzz_common.h"

static apr_pool_t *root_pool;
static apr_pool_t *inputs_pool;
static unsigned char secret[64];
static size_t secret_len;
static const approov_key_t *key;

void fuzz_fail(const char *file, int line, const char *cond,
               const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\n==INVARIANT FAILED== %s:%d: %s\n  ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

int fuzz_verbose(void)
{
    static int verbose = -1;

    if (verbose < 0) {
        const char *env = getenv("FUZZ_VERBOSE");
        verbose = env && *env == '1';
    }
    return verbose;
}

char *fuzz_strndup(const void *data, size_t len)
{
    char *copy = malloc(len + 1);

    if (!copy) {
        abort();
    }
    if (len) {
        memcpy(copy, data, len);
    }
    copy[len] = '\0';
    return copy;
}

size_t fuzz_b64std_encode(char *dst, const unsigned char *src, size_t len)
{
    return (size_t)EVP_EncodeBlock((unsigned char *)dst, src, (int)len);
}

size_t fuzz_b64url_encode(char *dst, const unsigned char *src, size_t len)
{
    size_t n = fuzz_b64std_encode(dst, src, len), i;

    while (n > 0 && dst[n - 1] == '=') {
        dst[--n] = '\0';
    }
    for (i = 0; i < n; i++) {
        if (dst[i] == '+') dst[i] = '-';
        else if (dst[i] == '/') dst[i] = '_';
    }
    return n;
}

static int is_b64url_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

long fuzz_b64url_decode_ref(unsigned char *dst, const char *src, size_t len)
{
    size_t padded = (len + 3) / 4 * 4, pad = padded - len, i;
    unsigned char *std, *out;
    char *again;
    int n;
    long result = -1;

    if (len % 4 == 1) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        if (!is_b64url_char((unsigned char)src[i])) {
            return -1;
        }
    }
    if (len == 0) {
        return 0;
    }
    std = malloc(padded + 1);
    out = malloc(padded / 4 * 3 + 1);
    again = malloc(padded + 1);
    if (!std || !out || !again) {
        abort();
    }
    for (i = 0; i < len; i++) {
        std[i] = src[i] == '-' ? '+' : src[i] == '_' ? '/' : src[i];
    }
    for (; i < padded; i++) {
        std[i] = '=';
    }
    n = EVP_DecodeBlock(out, std, (int)padded);
    if (n >= 0 && (size_t)n == padded / 4 * 3) {
        n -= (int)pad;
        /* Canonical: only one spelling decodes to these bytes. */
        if (fuzz_b64url_encode(again, out, (size_t)n) == len
            && memcmp(again, src, len) == 0) {
            memcpy(dst, out, (size_t)n);
            result = n;
        }
    }
    free(std);
    free(out);
    free(again);
    return result;
}

static void init_key(void);

/* At exit: destroy every pool (running the cleanups that free the keys'
 * OpenSSL objects) so that LeakSanitizer's final check sees no leak. */
static void teardown(void)
{
    fuzz_keyset_teardown();
    apr_terminate();
    root_pool = inputs_pool = NULL;
}

/* libFuzzer calls this once before any input (and so does the regression
 * driver): everything made here lives for the whole process, and none of
 * it is mistaken for a leak of the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_root_pool();
    return 0;
}

apr_pool_t *fuzz_root_pool(void)
{
    if (!root_pool) {
        if (apr_initialize() != APR_SUCCESS
            || apr_pool_create(&root_pool, NULL) != APR_SUCCESS
            || apr_pool_create(&inputs_pool, root_pool) != APR_SUCCESS) {
            fprintf(stderr, "fuzz: cannot initialise APR\n");
            abort();
        }
        fuzz_pool_track(root_pool);
        init_key();
        fuzz_keyset(&(int){ 0 });
        atexit(teardown);
    }
    return root_pool;
}

apr_pool_t *fuzz_pool_new(void)
{
    apr_pool_t *p;

    fuzz_root_pool();
    if (apr_pool_create(&p, inputs_pool) != APR_SUCCESS) {
        abort();
    }
    return p;
}

static void init_key(void)
{
    static const char text[] = FUZZ_SECRET_B64;
    unsigned char buf[sizeof(text)];
    int n;

    if (key) {
        return;
    }
    /* 88 characters with "==": 66 bytes from EVP_DecodeBlock, 64 real. */
    n = EVP_DecodeBlock(buf, (const unsigned char *)text,
                        (int)strlen(text));
    if (n != 66) {
        fprintf(stderr, "fuzz: cannot decode the dummy secret\n");
        abort();
    }
    secret_len = 64;
    memcpy(secret, buf, secret_len);
    key = approov_key_hmac(fuzz_root_pool(), APPROOV_ALG_HS256, secret,
                           secret_len);
    if (!key) {
        fprintf(stderr, "fuzz: approov_key_hmac refused the dummy secret\n");
        abort();
    }
}

const unsigned char *fuzz_secret(size_t *len)
{
    init_key();
    *len = secret_len;
    return secret;
}

const approov_key_t *fuzz_key(void)
{
    init_key();
    return key;
}

void fuzz_hs256(const void *data, size_t len, unsigned char mac[FUZZ_MAC_LEN])
{
    unsigned int mac_len = 0;

    init_key();
    if (!HMAC(EVP_sha256(), secret, (int)secret_len,
              (const unsigned char *)data, len, mac, &mac_len)
        || mac_len != FUZZ_MAC_LEN) {
        fprintf(stderr, "fuzz: HMAC failed\n");
        abort();
    }
}

void fuzz_binding_hash(const char *const *values, int count, char out[45])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int i;

    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        abort();
    }
    for (i = 0; i < count; i++) {
        EVP_DigestUpdate(ctx, values[i], strlen(values[i]));
    }
    if (!EVP_DigestFinal_ex(ctx, digest, &n) || n != sizeof(digest)) {
        abort();
    }
    EVP_MD_CTX_free(ctx);
    if (fuzz_b64std_encode(out, digest, sizeof(digest)) != 44) {
        abort();
    }
}

int fuzz_split_token(const char *token, size_t len, size_t *header_len,
                     size_t *payload_len, size_t *sig_len)
{
    size_t dots[3], ndots = 0, i;

    for (i = 0; i < len; i++) {
        if (token[i] == '.') {
            if (ndots == 2) {
                return 0;
            }
            dots[ndots++] = i;
        }
    }
    if (ndots != 2) {
        return 0;
    }
    *header_len = dots[0];
    *payload_len = dots[1] - dots[0] - 1;
    *sig_len = len - dots[1] - 1;
    return 1;
}

int fuzz_signature_matches(const char *token, size_t len)
{
    size_t header_len, payload_len, sig_len, signed_len;
    unsigned char mac[FUZZ_MAC_LEN];
    char expected[(FUZZ_MAC_LEN + 2) / 3 * 4 + 1];
    size_t n;

    if (!fuzz_split_token(token, len, &header_len, &payload_len, &sig_len)) {
        return 0;
    }
    signed_len = header_len + 1 + payload_len;
    fuzz_hs256(token, signed_len, mac);
    n = fuzz_b64url_encode(expected, mac, sizeof(mac));
    return sig_len == n && memcmp(token + signed_len + 1, expected, n) == 0;
}

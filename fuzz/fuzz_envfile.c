/*
 * fuzz_envfile: approov_env_lookup() of APPROOV_BASE64_SECRET in the input
 * as a dotenv text, then approov_decode_secret() of the value found, and of
 * the whole input as a NUL-terminated string when it contains no NUL.
 *
 * Invariants:
 *  - env_lookup: success gives a value without NUL or newline that occurs
 *    in the input; failure gives a non-empty message;
 *  - decode_secret agrees with a reference decoder (OpenSSL underneath):
 *    standard or URL-safe alphabet but not both, '=' padding absent or
 *    exactly what completes the last quantum, canonical trailing bits.
 *    Every such secret of at most APPROOV_SECRET_MAX_LEN bytes is accepted,
 *    with the same bytes; everything else, and anything longer than
 *    APPROOV_SECRET_MAX_LEN + 2 bytes, is refused with a message;
 *  - a decoded secret re-encodes (padded standard base64, OpenSSL) to the
 *    input, once both are folded to the standard alphabet and stripped of
 *    '=';
 *  - approov_key_hmac() takes a decoded secret exactly when it is 32 (RFC
 *    7518 3.2: SHA-256's output) to APPROOV_SECRET_MAX_LEN bytes long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* Reference: 1 and the bytes if text is an acceptable secret. */
static int reference_secret(const char *text, unsigned char **out,
                            size_t *out_len)
{
    size_t len = strlen(text), pad = 0, core, i;
    int standard = 0, urlsafe = 0;
    char *url;
    long n;

    while (pad < len && text[len - 1 - pad] == '=') pad++;
    core = len - pad;
    if (core == 0 || pad > 2 || (pad && len % 4 != 0)) {
        return 0;
    }
    url = fuzz_strndup(text, core);
    for (i = 0; i < core; i++) {
        if (url[i] == '+' || url[i] == '/') {
            standard = 1;
            url[i] = url[i] == '+' ? '-' : '_';
        }
        else if (url[i] == '-' || url[i] == '_') {
            urlsafe = 1;
        }
    }
    *out = malloc(core / 4 * 3 + 3);
    if (!*out) abort();
    n = (standard && urlsafe) ? -1 : fuzz_b64url_decode_ref(*out, url, core);
    free(url);
    if (n <= 0) {
        free(*out);
        *out = NULL;
        return 0;
    }
    *out_len = (size_t)n;
    return 1;
}

static void check_secret(apr_pool_t *p, const char *text)
{
    unsigned char *secret = NULL, *ref = NULL;
    apr_size_t secret_len = 0;
    size_t ref_len = 0, len = strlen(text), i, n;
    const char *err;
    int ref_ok;

    err = approov_decode_secret(p, text, &secret, &secret_len);
    ref_ok = reference_secret(text, &ref, &ref_len);
    if (fuzz_verbose()) {
        fprintf(stderr, "envfile: secret of %zu characters: %s\n", len,
                err ? err : "decoded");
    }

    if (ref_ok && ref_len <= APPROOV_SECRET_MAX_LEN) {
        FUZZ_CHECK(err == NULL, "refused a good %zu-byte secret: %s",
                   ref_len, err);
    }
    if (!ref_ok || ref_len > APPROOV_SECRET_MAX_LEN + 2) {
        FUZZ_CHECK(err != NULL, "accepted a bad secret (%zu characters, "
                   "%zu bytes decoded)", len, (size_t)secret_len);
    }
    if (err) {
        FUZZ_CHECK(*err, "empty error message");
    }
    else {
        char *std = malloc((secret_len + 2) / 3 * 4 + 1);
        char *folded = fuzz_strndup(text, len);

        if (!std) abort();
        FUZZ_CHECK(secret_len >= 1, "decoded an empty secret");
        FUZZ_CHECK(ref_ok && ref_len == secret_len
                   && memcmp(ref, secret, ref_len) == 0,
                   "decoded to other bytes than the reference decoder");
        /* Re-encode: the input modulo alphabet and padding. */
        n = fuzz_b64std_encode(std, secret, secret_len);
        while (n > 0 && std[n - 1] == '=') n--;
        while (len > 0 && folded[len - 1] == '=') len--;
        for (i = 0; i < len; i++) {
            if (folded[i] == '-') folded[i] = '+';
            else if (folded[i] == '_') folded[i] = '/';
        }
        FUZZ_CHECK(n == len && memcmp(std, folded, n) == 0,
                   "the decoded secret does not re-encode to the input");
        FUZZ_CHECK((approov_key_hmac(p, APPROOV_ALG_HS256, secret,
                                     secret_len) != NULL)
                   == (secret_len >= 32
                       && secret_len <= APPROOV_SECRET_MAX_LEN),
                   "approov_key_hmac and a %zu-byte secret",
                   (size_t)secret_len);
        free(std);
        free(folded);
    }
    free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *err, *value = NULL;

    p = fuzz_pool_new();

    err = approov_env_lookup(p, (const char *)data, size,
                             FUZZ_SECRET_VARIABLE, &value);
    if (fuzz_verbose()) {
        fprintf(stderr, "envfile: lookup: %s\n", err ? err : "found");
    }
    if (err) {
        FUZZ_CHECK(*err, "empty error message");
    }
    else {
        size_t vlen;

        FUZZ_CHECK(value != NULL, "found, but no value");
        vlen = strlen(value);
        FUZZ_CHECK(!memchr(value, '\n', vlen), "value with a newline");
        FUZZ_CHECK(vlen == 0 || memmem(data, size, value, vlen),
                   "value that is not in the input");
        check_secret(p, value);
    }

    if (!memchr(data, 0, size)) {
        char *text = fuzz_strndup(data, size);
        check_secret(p, text);
        free(text);
    }

    apr_pool_destroy(p);
    return 0;
}

/*
 * fuzz_sdkstatus: the SDK's Approov-Status and Approov-TraceID headers
 * (lib/approov_sdk_status.c), client bytes that reach a log line, the
 * environment and the counters.
 *
 * Input: a header value, up to its first NUL (httpd hands modules no NUL).
 *
 * Invariants:
 *  - approov_log_token(): NULL exactly for the empty value; otherwise
 *    min(length, 64) bytes, byte i the input's when it is an RFC 9110
 *    tchar and '_' otherwise, so only tchars; the input itself returned
 *    exactly when nothing was cut or replaced; the input never changed;
 *  - approov_sdk_status_of(): none exactly for the empty value; a status
 *    of Approov's (never none or other) exactly when the value, ASCII
 *    letters lower-cased, is that status's name; other for anything else;
 *    its name always names it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approov_sdk_status.h"
#include "fuzz_common.h"

static int model_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    size_t i;

    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
    if (c >= '0' && c <= '9') return 1;
    for (i = 0; i < sizeof(extra) - 1; i++) {
        if (c == (unsigned char)extra[i]) return 1;
    }
    return 0;
}

static approov_sdk_status_e model_status(const char *value)
{
    char *lower;
    size_t i, n = strlen(value);
    int s, found = APPROOV_SDK_OTHER;

    if (n == 0) return APPROOV_SDK_NONE;
    lower = fuzz_strndup(value, n);
    for (i = 0; i < n; i++) {
        if (lower[i] >= 'A' && lower[i] <= 'Z') lower[i] += 'a' - 'A';
    }
    for (s = 0; s < APPROOV_SDK_STATUS_COUNT; s++) {
        if (s != APPROOV_SDK_NONE && s != APPROOV_SDK_OTHER
            && strcmp(lower, approov_sdk_status_name(s)) == 0) {
            found = s;
        }
    }
    free(lower);
    return (approov_sdk_status_e)found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t n = nul ? (size_t)(nul - data) : size, want, i;
    char *value = fuzz_strndup(data, n), *copy = fuzz_strndup(data, n);
    const char *out;
    apr_pool_t *p = fuzz_pool_new();
    approov_sdk_status_e s, expected;
    int changed = 0;

    out = approov_log_token(p, value);
    if (n == 0) {
        FUZZ_CHECK(out == NULL, "empty value gave %s", out);
    }
    else {
        want = n < APPROOV_LOG_TOKEN_MAX ? n : APPROOV_LOG_TOKEN_MAX;
        FUZZ_CHECK(out && strlen(out) == want, "length %zu, want %zu",
                   out ? strlen(out) : 0, want);
        for (i = 0; i < want; i++) {
            unsigned char c = (unsigned char)value[i];
            char expect = model_tchar(c) ? (char)c : '_';

            FUZZ_CHECK(out[i] == expect, "byte %zu: 0x%02x, want 0x%02x", i,
                       (unsigned char)out[i], (unsigned char)expect);
            FUZZ_CHECK(model_tchar((unsigned char)out[i]),
                       "byte %zu not a tchar", i);
            changed |= out[i] != value[i];
        }
        changed |= want < n;
        FUZZ_CHECK((out == value) == !changed,
                   "returned %s the input, changed %d",
                   out == value ? "" : "not", changed);
    }
    FUZZ_CHECK(memcmp(value, copy, n + 1) == 0, "the input was written to");

    s = approov_sdk_status_of(value);
    expected = model_status(value);
    FUZZ_CHECK(s == expected, "status %s, the rules say %s",
               approov_sdk_status_name(s), approov_sdk_status_name(expected));
    FUZZ_CHECK(s == APPROOV_SDK_NONE || s == APPROOV_SDK_OTHER
               || approov_sdk_status_of(approov_sdk_status_name(s)) == s,
               "%s does not name itself", approov_sdk_status_name(s));
    if (fuzz_verbose()) {
        fprintf(stderr, "sdkstatus: %s, %s\n", approov_sdk_status_name(s),
                out ? out : "(null)");
    }

    apr_pool_destroy(p);
    free(value);
    free(copy);
    return 0;
}

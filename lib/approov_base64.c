/*
 * approov_base64.c: base64url, standard base64, secrets and hex digits
 * (see approov_base64.h).
 */
#include <string.h>

#include <apr_strings.h>

#include <openssl/crypto.h>

#include "approov_base64.h"

/* ------------------------------------------------------------------ */
/* base64url (RFC 4648 section 5)                                      */

/* Sextet value of each base64url character, or 0xFF. */
static const unsigned char b64url_value[256] = {
#define X 0xFF
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, 62, X, X,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
    X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, 63,
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
#undef X
};

long approov_b64url_decode(unsigned char *dst, const char *src,
                           apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned char *d = dst;
    apr_size_t full = len / 4, rest = len % 4, i;
    unsigned int a, b, c, e;

    if (rest == 1) {
        return -1;
    }
    for (i = 0; i < full; i++, s += 4) {
        a = b64url_value[s[0]];
        b = b64url_value[s[1]];
        c = b64url_value[s[2]];
        e = b64url_value[s[3]];
        if ((a | b | c | e) & 0x80) {
            return -1;
        }
        *d++ = (unsigned char)((a << 2) | (b >> 4));
        *d++ = (unsigned char)((b << 4) | (c >> 2));
        *d++ = (unsigned char)((c << 6) | e);
    }
    if (rest >= 2) {
        a = b64url_value[s[0]];
        b = b64url_value[s[1]];
        if ((a | b) & 0x80) {
            return -1;
        }
        *d++ = (unsigned char)((a << 2) | (b >> 4));
        if (rest == 2) {
            /* The 4 low bits of the last sextet are unused: they must be
             * zero, or two spellings would decode to the same bytes. */
            if (b & 0x0F) {
                return -1;
            }
        }
        else {
            c = b64url_value[s[2]];
            if ((c & 0x80) || (c & 0x03)) {
                return -1;
            }
            *d++ = (unsigned char)((b << 4) | (c >> 2));
        }
    }
    return (long)(d - dst);
}

/* Three bytes to four characters of alphabet; the last one or two bytes
 * to three or two characters and, when padded, '=' to make four. */
static apr_size_t encode(char *dst, const unsigned char *src, apr_size_t len,
                         const char *alphabet, int padded)
{
    char *d = dst;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *d++ = alphabet[src[i] >> 2];
        *d++ = alphabet[((src[i] & 0x03) << 4) | (src[i + 1] >> 4)];
        *d++ = alphabet[((src[i + 1] & 0x0F) << 2) | (src[i + 2] >> 6)];
        *d++ = alphabet[src[i + 2] & 0x3F];
    }
    if (len - i == 1) {
        *d++ = alphabet[src[i] >> 2];
        *d++ = alphabet[(src[i] & 0x03) << 4];
    }
    else if (len - i == 2) {
        *d++ = alphabet[src[i] >> 2];
        *d++ = alphabet[((src[i] & 0x03) << 4) | (src[i + 1] >> 4)];
        *d++ = alphabet[(src[i + 1] & 0x0F) << 2];
    }
    while (padded && (d - dst) % 4) {
        *d++ = '=';
    }
    *d = '\0';
    return (apr_size_t)(d - dst);
}

apr_size_t approov_b64url_encode(char *dst, const unsigned char *src,
                                 apr_size_t len)
{
    return encode(dst, src, len,
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-_", 0);
}

/* ------------------------------------------------------------------ */
/* standard base64 (RFC 4648 section 4)                                */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int approov_b64_decode(apr_pool_t *p, const char *src, apr_size_t len,
                           unsigned char **out, apr_size_t *out_len,
                           int *canonical)
{
    const unsigned char *s = (const unsigned char *)src;
    apr_size_t pad = 0, n, i, o = 0, needed;
    unsigned char *d;
    unsigned long acc = 0;
    int bits = 0, v, zero_bits = 1;

    while (pad < len && s[len - 1 - pad] == '=') {
        pad++;
    }
    n = len - pad;
    if (pad > 2 || n % 4 == 1) {
        return -1;
    }
    needed = (4 - n % 4) % 4;
    if (pad && pad != needed) {
        return -1;                  /* padding present but wrong */
    }
    d = apr_palloc(p, n / 4 * 3 + 3);
    for (i = 0; i < n; i++) {
        if ((v = b64_value(s[i])) < 0) {
            return -1;              /* includes an '=' before the end */
        }
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            d[o++] = (unsigned char)(acc >> bits);
            acc &= (1UL << bits) - 1;
        }
    }
    if (bits && acc) {
        zero_bits = 0;              /* non-zero pad bits */
    }
    d[o] = '\0';
    *out = d;
    *out_len = o;
    if (canonical) {
        *canonical = (pad == needed) && zero_bits;
    }
    return 0;
}

apr_size_t approov_b64_encode_to(char *dst, const unsigned char *src,
                                 apr_size_t len)
{
    return encode(dst, src, len, b64_alphabet, 1);
}

char *approov_b64_encode(apr_pool_t *p, const unsigned char *src,
                         apr_size_t len)
{
    char *dst = apr_palloc(p, (len + 2) / 3 * 4 + 1);

    approov_b64_encode_to(dst, src, len);
    return dst;
}

/* ------------------------------------------------------------------ */
/* secrets                                                             */

const char *approov_decode_secret(apr_pool_t *p, const char *text,
                                  unsigned char **out, apr_size_t *out_len)
{
    apr_size_t len = strlen(text), pad = 0, i;
    char *url;
    long n;

    while (pad < len && text[len - 1 - pad] == '=') {
        pad++;
    }
    len -= pad;
    if (len == 0) {
        return "the secret is empty";
    }
    /* Padding, when present, must be exactly what completes the last
     * quantum: one '=' after 3 characters, two after 2. */
    if (pad && (pad > 2 || (len + pad) % 4 != 0)) {
        return "the secret has wrong '=' padding";
    }
    if (len > (APPROOV_SECRET_MAX_LEN / 3 + 1) * 4) {
        return "the secret is too long";
    }
    /* Fold the standard alphabet into the URL-safe one; a secret mixing
     * both alphabets is refused as a likely paste error. */
    url = apr_pstrmemdup(p, text, len);
    {
        int standard = 0, urlsafe = 0;
        for (i = 0; i < len; i++) {
            if (url[i] == '+' || url[i] == '/') {
                standard = 1;
                url[i] = (url[i] == '+') ? '-' : '_';
            }
            else if (url[i] == '-' || url[i] == '_') {
                urlsafe = 1;
            }
        }
        if (standard && urlsafe) {
            return "the secret mixes the standard and URL-safe base64 "
                   "alphabets";
        }
    }
    *out = apr_palloc(p, len / 4 * 3 + 3);
    n = approov_b64url_decode(*out, url, len);
    OPENSSL_cleanse(url, len);
    if (n <= 0) {
        return "the secret is not valid base64 (standard or URL-safe, "
               "with canonical trailing bits and no whitespace)";
    }
    *out_len = (apr_size_t)n;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* base16                                                              */

int approov_hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

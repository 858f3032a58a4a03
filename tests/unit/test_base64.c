/*
 * test_base64.c: unit tests of approov_base64.c: base64url, standard base64
 * and the operator's secret.
 * Fixtures and minting: token_fixtures.h.
 */
#include "harness.h"
#include "token_fixtures.h"

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
    *out = apr_palloc(pool, len / 4 * 3 + 2);
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

static void test_decode_secret_accepts_standard_and_urlsafe(void)
{
    char *std_unpadded = apr_pstrdup(pool, DUMMY_SECRET_B64);
    char *url_padded = apr_pstrdup(pool, DUMMY_SECRET_B64);
    char *url_unpadded, *c;
    const char *forms[4];
    int i;

    for (c = url_padded; *c; c++) {
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    }
    *strchr(std_unpadded, '=') = '\0';
    url_unpadded = apr_pstrdup(pool, url_padded);
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
        key = approov_key_hmac(pool, APPROOV_ALG_HS256, out, len);
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

int main(void)
{
    harness_begin();
    if (!fixtures_begin()) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_b64url_decode_rfc4648_vectors);
    RUN(test_b64url_decode_rejects_non_strict);
    RUN(test_b64url_encode_rfc4648_vectors);
    RUN(test_decode_secret_accepts_standard_and_urlsafe);
    RUN(test_decode_secret_rejects_bad_text);
    RUN(test_decode_secret_keeps_nul_bytes);
    return harness_end();
}

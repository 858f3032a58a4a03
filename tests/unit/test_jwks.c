/*
 * test_jwks.c: unit tests of approov_jwks.c: which URLs an ApproovJWKSURI
 * may have, the cache file's name, the bounded download buffer and the
 * acceptance of a fetched set.
 */
#include "harness.h"

#include "approov_jwks.h"

/* 32 bytes, base64url: an oct key long enough for HS256. */
#define K1 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define K2 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"

static void test_url_accepted(void)
{
    static const char *const good[] = {
        "https://example.approov.io/jwks",
        "HTTPS://example.approov.io/.well-known/jwks.json",
        "https://127.0.0.1:8443/jwks?account=x",
        "https://[::1]:8443/",
        "https://example.com",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const char *err = approov_jwks_check_url(pool, good[i]);

        CHECKF(!err, "%s refused: %s", good[i], err);
    }
}

static void test_url_refused(void)
{
    static const char *const bad[] = {
        "http://example.approov.io/jwks",       /* not TLS */
        "ftp://example.approov.io/jwks",
        "example.approov.io/jwks",              /* not absolute */
        "https://",                             /* no host */
        "https:///jwks",
        "https://:443/jwks",
        "https://user:pass@example.com/jwks",   /* credentials */
        "https://example.com/jwks#keys",        /* fragment */
        "https://example.com/j wks",            /* space */
        "https://example.com/\x01",             /* control byte */
        "https://exampl\xc3\xa9.com/",          /* not ASCII */
        "",
    };
    apr_size_t i;
    char *long_url;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECKF(approov_jwks_check_url(pool, bad[i]) != NULL,
               "'%s' accepted", bad[i]);
    }
    long_url = apr_palloc(pool, APPROOV_JWKS_URL_MAX + 2);
    memset(long_url, 'a', APPROOV_JWKS_URL_MAX + 1);
    memcpy(long_url, "https://x/", 10);
    long_url[APPROOV_JWKS_URL_MAX + 1] = '\0';
    CHECK(approov_jwks_check_url(pool, long_url) != NULL);
    long_url[APPROOV_JWKS_URL_MAX] = '\0';
    CHECK(approov_jwks_check_url(pool, long_url) == NULL);
}

static void test_cache_name(void)
{
    const char *a = approov_jwks_cache_name(pool, "https://a.example/jwks");
    const char *b = approov_jwks_cache_name(pool, "https://b.example/jwks");
    const char *c;

    CHECK_INT(strlen(a), strlen("approov-jwks-") + 32 + strlen(".json"));
    CHECK(strncmp(a, "approov-jwks-", 13) == 0);
    CHECK(strspn(a + 13, "0123456789abcdef") == 32);
    CHECK(strcmp(a + 45, ".json") == 0);
    CHECK(strcmp(a, b) != 0);
    /* The same URL, the same file: a restart finds its copy again. */
    c = approov_jwks_cache_name(pool, "https://a.example/jwks");
    CHECK_STR(c, a);
    /* A name with '/' or '..' in the URL is still one plain file name. */
    c = approov_jwks_cache_name(pool, "https://a.example/../../etc/passwd");
    CHECK(strchr(c, '/') == NULL);
}

static void test_buffer_bound(void)
{
    approov_jwks_buf_t buf;

    approov_jwks_buf_init(pool, &buf, 10);
    CHECK(approov_jwks_buf_append(&buf, "01234", 5));
    CHECK(approov_jwks_buf_append(&buf, "5678", 4));
    CHECK(approov_jwks_buf_append(&buf, "9", 1));
    CHECK_INT(buf.len, 10);
    CHECK_STR(buf.data, "0123456789");
    CHECK(!buf.overflow);
    /* One byte more: refused, and the buffer is void from then on. */
    CHECK(!approov_jwks_buf_append(&buf, "x", 1));
    CHECK(buf.overflow);
    CHECK_INT(buf.len, 10);
    CHECK(!approov_jwks_buf_append(&buf, "", 0));

    /* A chunk that would wrap a size_t sum is refused too. */
    approov_jwks_buf_init(pool, &buf, 10);
    CHECK(approov_jwks_buf_append(&buf, "abc", 3));
    CHECK(!approov_jwks_buf_append(&buf, "x", (apr_size_t)-1));
    CHECK(buf.overflow);
    CHECK_STR(buf.data, "abc");

    approov_jwks_buf_init(pool, &buf, APPROOV_JWKS_MAX);
    CHECK(approov_jwks_buf_append(&buf, "", 0));
    CHECK_INT(buf.len, 0);
}

static const char *parse(const char *text, int *nkeys)
{
    apr_array_header_t *keys = apr_array_make(pool, 2, sizeof(approov_key_t *));
    apr_array_header_t *warnings = apr_array_make(pool, 1, sizeof(char *));
    const char *err = approov_jwks_parse(pool, text, strlen(text), keys,
                                         warnings);

    *nkeys = keys->nelts;
    return err;
}

static void test_parse(void)
{
    int n;
    const char *err;

    err = parse("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K1 "\"},"
                "{\"kty\":\"oct\",\"kid\":\"b\",\"k\":\"" K2 "\"}]}", &n);
    CHECKF(!err && n == 2, "err %s, %d keys", err ? err : "-", n);

    /* The rules of ApproovJWKSFile: a broken key refuses the whole set. */
    err = parse("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K1 "\"},"
                "{\"kty\":\"EC\",\"kid\":\"b\",\"crv\":\"P-256\",\"x\":\"AA\"}]}",
                &n);
    CHECK(err && n == 0);
    /* ... a short HMAC key too. */
    err = parse("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"AAEC\"}]}",
                &n);
    CHECK(err && n == 0);
    /* No usable key (only an encryption key): refused. */
    err = parse("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"use\":\"enc\","
                "\"k\":\"" K1 "\"}]}", &n);
    CHECK(err && n == 0);
    err = parse("{\"keys\":[]}", &n);
    CHECK(err && n == 0);
    /* Two keys of one kid, or two without: refused. */
    err = parse("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K1 "\"},"
                "{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"" K2 "\"}]}", &n);
    CHECKF(err && strstr(err, "'a'") && n == 0, "err %s", err ? err : "-");
    err = parse("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\"},"
                "{\"kty\":\"oct\",\"k\":\"" K2 "\"}]}", &n);
    CHECK(err && n == 0);
    /* Not JSON, or not a set. */
    err = parse("<html>", &n);
    CHECK(err && n == 0);
    err = parse("{\"keys\":{}}", &n);
    CHECK(err && n == 0);
}

static void test_parse_size_bound(void)
{
    apr_array_header_t *keys = apr_array_make(pool, 2, sizeof(approov_key_t *));
    apr_array_header_t *warnings = apr_array_make(pool, 1, sizeof(char *));
    char *text = apr_palloc(pool, APPROOV_JWKS_MAX + 2);

    memset(text, ' ', APPROOV_JWKS_MAX + 1);
    text[APPROOV_JWKS_MAX + 1] = '\0';
    CHECK(approov_jwks_parse(pool, text, APPROOV_JWKS_MAX + 1, keys,
                             warnings) != NULL);
}

int main(void)
{
    harness_begin();
    RUN(test_url_accepted);
    RUN(test_url_refused);
    RUN(test_cache_name);
    RUN(test_buffer_bound);
    RUN(test_parse);
    RUN(test_parse_size_bound);
    return harness_end();
}

/*
 * approov_jwks.c: URL rules, the cache file's name, the bounded download
 * buffer and the acceptance of a fetched key set (approov_jwks.h).
 */
#include <string.h>

#include <apr_strings.h>

#include <openssl/sha.h>

#include "approov_jwks.h"

const char *approov_jwks_check_url(apr_pool_t *p, const char *url)
{
    const char *host, *end, *c;
    apr_size_t len = strlen(url);

    if (len > APPROOV_JWKS_URL_MAX) {
        return apr_psprintf(p, "the URL is longer than %d bytes",
                            APPROOV_JWKS_URL_MAX);
    }
    for (c = url; *c; c++) {
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
            return "the URL has a space, a control or a non-ASCII byte";
        }
    }
    if (strncasecmp(url, "https://", 8) != 0) {
        return "the URL must be https:// (the keys are trusted only as far "
               "as the connection that brought them)";
    }
    host = url + 8;
    end = host + strcspn(host, "/?#");
    if (end == host) {
        return "the URL has no host";
    }
    if (memchr(host, '@', (apr_size_t)(end - host))) {
        return "the URL must not carry user information (user@host)";
    }
    if (*host == ':') {
        return "the URL has no host";
    }
    if (strchr(url, '#')) {
        return "the URL must not have a fragment";
    }
    return NULL;
}

const char *approov_jwks_cache_name(apr_pool_t *p, const char *url)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char name[sizeof("approov-jwks-") - 1 + 32 + sizeof(".json")];
    char *o;
    int i;

    SHA256((const unsigned char *)url, strlen(url), digest);
    memcpy(name, "approov-jwks-", sizeof("approov-jwks-") - 1);
    o = name + sizeof("approov-jwks-") - 1;
    for (i = 0; i < 16; i++) {
        *o++ = hex[digest[i] >> 4];
        *o++ = hex[digest[i] & 15];
    }
    memcpy(o, ".json", sizeof(".json"));
    return apr_pstrdup(p, name);
}

void approov_jwks_buf_init(apr_pool_t *p, approov_jwks_buf_t *buf,
                           apr_size_t max)
{
    buf->data = apr_palloc(p, max + 1);
    buf->len = 0;
    buf->max = max;
    buf->overflow = 0;
    buf->data[0] = '\0';
}

int approov_jwks_buf_append(approov_jwks_buf_t *buf, const void *data,
                            apr_size_t len)
{
    if (buf->overflow || len > buf->max - buf->len) {
        buf->overflow = 1;
        return 0;
    }
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 1;
}

const char *approov_jwks_parse(apr_pool_t *p, const char *text,
                               apr_size_t len, apr_array_header_t *keys,
                               apr_array_header_t *warnings)
{
    const char *err;
    int i, j;

    if (len > APPROOV_JWKS_MAX) {
        return apr_psprintf(p, "the set is over %d bytes", APPROOV_JWKS_MAX);
    }
    apr_array_clear(keys);
    if ((err = approov_keys_from_jwks(p, text, len, keys, warnings))) {
        return err;
    }
    if (keys->nelts == 0) {
        return "the set has no key that can verify a token";
    }
    for (i = 0; i < keys->nelts; i++) {
        const char *kid = approov_key_kid(APPROOV_KEY_AT(keys, i));

        for (j = 0; j < i; j++) {
            const char *other = approov_key_kid(APPROOV_KEY_AT(keys, j));

            if ((!kid && !other) || (kid && other && !strcmp(kid, other))) {
                apr_array_clear(keys);
                return kid ? apr_psprintf(p, "two keys have kid '%s'", kid)
                           : "two keys have no kid";
            }
        }
    }
    return NULL;
}

/*
 * approov_jwks.h: the pure parts of a key set published at a JWKS URI
 * (ApproovJWKSURI): which URLs are acceptable, the cache file's default
 * name, a size-bounded download buffer, and the check that a fetched set
 * is usable before it replaces the last good one.  The fetch itself
 * (libcurl) and its scheduling are the httpd glue's (mod_approov_jwks.c).
 *
 * Layer 3 of the core (see lib/README.md): includes approov_keys.h.
 */
#ifndef APPROOV_JWKS_H
#define APPROOV_JWKS_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "approov_keys.h"

/* Largest key set accepted, in bytes: a few keys take 2-5 KB; an answer
 * over this bound is refused whole. */
#define APPROOV_JWKS_MAX (64 * 1024)

/* Longest URL accepted. */
#define APPROOV_JWKS_URL_MAX 2048

/*
 * Whether url may be an ApproovJWKSURI: an absolute https URL (the scheme
 * in any case) with a host, no user information (credentials would end up
 * in logs), no fragment, no whitespace or control bytes, at most
 * APPROOV_JWKS_URL_MAX bytes.  Returns NULL, or why not.
 */
const char *approov_jwks_check_url(apr_pool_t *p, const char *url);

/* The default cache file's name for a URL: "approov-jwks-" and the first
 * 16 bytes of its SHA-256 in hex, ".json": one file per URL, whatever
 * characters the URL has. */
const char *approov_jwks_cache_name(apr_pool_t *p, const char *url);

/* A download buffer that never grows past its bound. */
typedef struct {
    char *data;
    apr_size_t len;
    apr_size_t max;
    int overflow;           /* something was refused: the answer is void */
} approov_jwks_buf_t;

/* An empty buffer of at most max bytes, allocated from p at once. */
void approov_jwks_buf_init(apr_pool_t *p, approov_jwks_buf_t *buf,
                           apr_size_t max);

/* Append len bytes: 1, or 0 (and overflow set, nothing appended) when
 * they would take the buffer past its bound. */
int approov_jwks_buf_append(approov_jwks_buf_t *buf, const void *data,
                            apr_size_t len);

/*
 * The keys of a fetched or cached set, by the rules of ApproovJWKSFile
 * (approov_keys_from_jwks: alg and use honoured, RSA >= 2048 bits, e >= 3,
 * a set with a broken key refused whole), into keys, made from p.  A set
 * with no usable key at all, or with two keys of one kid (or two without
 * one), is refused too: it would let no token, or an ambiguous one,
 * through.  Returns NULL, or why the set is refused.
 */
const char *approov_jwks_parse(apr_pool_t *p, const char *text,
                               apr_size_t len, apr_array_header_t *keys,
                               apr_array_header_t *warnings);

#endif /* APPROOV_JWKS_H */

/*
 * approov_token_cache.h: the last valid token of one client connection,
 * kept with its claims, so that the next requests with the same token (an
 * app sends one token for minutes, often over one keep-alive connection)
 * skip the signature check and the parsing.
 *
 * Depends on APR and the verifier only (no httpd header).  A hit needs the
 * same bytes (compared in constant time) and the same key set; the caller
 * still judges exp and nbf (approov_check_time), token binding and message
 * signing on every request.  One entry: its pool is cleared for each other
 * token.  Not for sharing between threads: one connection's requests run
 * one at a time.
 *
 * Layer 4 of the core (see lib/README.md): includes approov_token.h;
 * approov_token_cache.c also approov_claims.h.
 */
#ifndef APPROOV_TOKEN_CACHE_H
#define APPROOV_TOKEN_CACHE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "approov_token.h"

typedef struct {
    apr_pool_t *pool;                   /* the token, claims and variables */
    const apr_array_header_t *keys;     /* the key set it was verified with */
    const char *token;                  /* NULL unless it holds a valid one */
    apr_size_t token_len;
    approov_token_t verified;
    const char *vars;                   /* its APPROOV_CLAIM_* variables as */
    apr_size_t vars_len;                /* approov_claim_block() makes them */
    const void *ipk_key;                /* its ipk claim's key object, made
                                         * in pool by the first request it
                                         * signs (the module's
                                         * approov_msgsig_key_make); NULL
                                         * until then */
    int ipk_key_made;                   /* that request has made it (or
                                         * found no valid key: NULL) */
} approov_token_cache_t;

/* An empty cache in a subpool of parent; NULL if the pool cannot be made. */
approov_token_cache_t *approov_token_cache_make(apr_pool_t *parent);

/* Whether the cache holds this token, verified with this key set.  Key sets
 * are compared by address: they must be made once (at start-up) and never
 * freed while the cache lives. */
int approov_token_cache_holds(const approov_token_cache_t *cache,
                              const apr_array_header_t *keys,
                              const char *token, apr_size_t len);

/* Verify a token (approov_verify_keys) into the cache, which then holds it
 * and its variables if it is valid, and nothing otherwise.  cache->verified
 * is the verification's result either way. */
approov_result_e approov_token_cache_verify(approov_token_cache_t *cache,
                                            const apr_array_header_t *keys,
                                            const char *token, apr_size_t len,
                                            apr_int64_t leeway,
                                            apr_time_t now);

#endif /* APPROOV_TOKEN_CACHE_H */

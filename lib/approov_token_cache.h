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
#include <apr_thread_mutex.h>
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
    apr_uint32_t refs;                  /* a shared cache's entry only: its
                                         * holders (the cache and the
                                         * requests using it) */
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

/*
 * The token cache of an HTTP/2 connection, shared by its streams, which run
 * at the same time on other threads.  Its entry (an approov_token_cache_t
 * holding one valid token) is made by one request, published whole under
 * the cache's mutex (one per connection, never a process-wide lock) and
 * read-only afterwards: a request takes a reference to the entry it uses,
 * so that another stream replacing it with a new token frees nothing under
 * it.  Each entry has its own unmanaged pool (its own allocator: making
 * one takes no global lock); the last reference frees it.  The caller
 * still judges exp and nbf, binding and message signing on every request,
 * as with approov_token_cache_t.
 */
typedef struct {
    apr_pool_t *pool;                   /* the cache and its mutex */
    apr_thread_mutex_t *lock;
    approov_token_cache_t *current;     /* under lock: NULL or a valid
                                         * token's entry */
} approov_shared_token_cache_t;

/* An empty shared cache in an unmanaged pool of its own (so that any
 * thread may make it); NULL on failure.  approov_shared_token_cache_destroy
 * frees it and drops its reference to its entry. */
approov_shared_token_cache_t *approov_shared_token_cache_make(void);
void approov_shared_token_cache_destroy(approov_shared_token_cache_t *shared);

/* The entry holding this token for this key set, with a reference for the
 * caller, or NULL. */
approov_token_cache_t *approov_shared_token_cache_get(
    approov_shared_token_cache_t *shared, const apr_array_header_t *keys,
    const char *token, apr_size_t len);

/* Verify a token into a new entry, returned with a reference for the
 * caller, the result in *result; a valid token's entry replaces the
 * cache's.  NULL when no pool could be made: nothing was verified. */
approov_token_cache_t *approov_shared_token_cache_verify(
    approov_shared_token_cache_t *shared, const apr_array_header_t *keys,
    const char *token, apr_size_t len, apr_int64_t leeway, apr_time_t now,
    approov_result_e *result);

/* Drop a reference (a pool cleanup's signature: pass the entry). */
apr_status_t approov_token_cache_release(void *entry);

/* An entry's ipk_key, made by make(entry's pool, arg) on first use: under
 * the shared cache's mutex when shared is not NULL (streams may ask at the
 * same time), as is for a connection's own cache. */
const void *approov_token_cache_ipk_key(approov_token_cache_t *entry,
                                        approov_shared_token_cache_t *shared,
                                        const void *(*make)(apr_pool_t *p,
                                                            const char *arg),
                                        const char *arg);

#endif /* APPROOV_TOKEN_CACHE_H */

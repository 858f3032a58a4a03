/*
 * approov_token_cache.c: one connection's last valid token (see
 * approov_token_cache.h).
 */
#include <apr_atomic.h>
#include <apr_strings.h>

#include "approov_claims.h"
#include "approov_token_cache.h"

approov_token_cache_t *approov_token_cache_make(apr_pool_t *parent)
{
    approov_token_cache_t *cache = apr_pcalloc(parent, sizeof(*cache));

    if (apr_pool_create(&cache->pool, parent) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_tag(cache->pool, "approov_token_cache");
    return cache;
}

int approov_token_cache_holds(const approov_token_cache_t *cache,
                              const apr_array_header_t *keys,
                              const char *token, apr_size_t len)
{
    return cache->token && cache->keys == keys && cache->token_len == len
           && approov_equal_ct(cache->token, token, len);
}

approov_result_e approov_token_cache_verify(approov_token_cache_t *cache,
                                            const apr_array_header_t *keys,
                                            const char *token, apr_size_t len,
                                            apr_int64_t leeway,
                                            apr_time_t now)
{
    approov_result_e result;

    apr_pool_clear(cache->pool);
    cache->token = NULL;
    cache->keys = NULL;
    cache->vars = NULL;
    cache->vars_len = 0;
    cache->ipk_key = NULL;
    cache->ipk_key_made = 0;
    result = approov_verify_keys(cache->pool, token, len,
                                 (const approov_key_t *const *)keys->elts,
                                 keys->nelts, leeway, now, &cache->verified);
    if (result == APPROOV_VALID) {
        cache->keys = keys;
        cache->token = apr_pstrmemdup(cache->pool, token, len);
        cache->token_len = len;
        cache->vars = approov_claim_block(
            cache->pool, approov_claim_vars(cache->pool,
                                            cache->verified.claims),
            &cache->vars_len);
    }
    return result;
}

/* ------------------------------------------------------------------ */
/* shared by the streams of an HTTP/2 connection                       */

approov_shared_token_cache_t *approov_shared_token_cache_make(void)
{
    approov_shared_token_cache_t *shared;
    apr_pool_t *pool;

    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_tag(pool, "approov_shared_token_cache");
    shared = apr_pcalloc(pool, sizeof(*shared));
    shared->pool = pool;
    if (apr_thread_mutex_create(&shared->lock, APR_THREAD_MUTEX_DEFAULT,
                                pool) != APR_SUCCESS) {
        apr_pool_destroy(pool);
        return NULL;
    }
    return shared;
}

void approov_shared_token_cache_destroy(approov_shared_token_cache_t *shared)
{
    if (shared->current) {
        approov_token_cache_release(shared->current);
    }
    apr_pool_destroy(shared->pool);
}

apr_status_t approov_token_cache_release(void *data)
{
    approov_token_cache_t *entry = data;

    if (apr_atomic_dec32(&entry->refs) == 0) {
        /* The unmanaged pool that holds the entry and its pool. */
        apr_pool_destroy(apr_pool_parent_get(entry->pool));
    }
    return APR_SUCCESS;
}

approov_token_cache_t *approov_shared_token_cache_get(
    approov_shared_token_cache_t *shared, const apr_array_header_t *keys,
    const char *token, apr_size_t len)
{
    approov_token_cache_t *entry;

    apr_thread_mutex_lock(shared->lock);
    entry = shared->current;
    if (entry && approov_token_cache_holds(entry, keys, token, len)) {
        apr_atomic_inc32(&entry->refs);
    }
    else {
        entry = NULL;
    }
    apr_thread_mutex_unlock(shared->lock);
    return entry;
}

approov_token_cache_t *approov_shared_token_cache_verify(
    approov_shared_token_cache_t *shared, const apr_array_header_t *keys,
    const char *token, apr_size_t len, apr_int64_t leeway, apr_time_t now,
    approov_result_e *result)
{
    approov_token_cache_t *entry, *old;
    apr_pool_t *pool;

    /* Verified outside the lock: other streams go on meanwhile. */
    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_tag(pool, "approov_token_cache_entry");
    /* The entry outside the pool that approov_token_cache_verify() clears:
     * a subpool of the same allocator. */
    if (!(entry = approov_token_cache_make(pool))) {
        apr_pool_destroy(pool);
        return NULL;
    }
    entry->refs = 1;
    *result = approov_token_cache_verify(entry, keys, token, len, leeway,
                                         now);
    if (*result != APPROOV_VALID) {
        return entry;
    }
    apr_atomic_inc32(&entry->refs);     /* the cache's */
    apr_thread_mutex_lock(shared->lock);
    old = shared->current;
    shared->current = entry;
    apr_thread_mutex_unlock(shared->lock);
    if (old) {
        approov_token_cache_release(old);
    }
    return entry;
}

const void *approov_token_cache_ipk_key(approov_token_cache_t *entry,
                                        approov_shared_token_cache_t *shared,
                                        const void *(*make)(apr_pool_t *p,
                                                            const char *arg),
                                        const char *arg)
{
    const void *key;

    if (shared) {
        apr_thread_mutex_lock(shared->lock);
    }
    if (!entry->ipk_key_made) {
        entry->ipk_key = make(entry->pool, arg);
        entry->ipk_key_made = 1;
    }
    key = entry->ipk_key;
    if (shared) {
        apr_thread_mutex_unlock(shared->lock);
    }
    return key;
}

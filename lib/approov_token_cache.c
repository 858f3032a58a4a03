/*
 * approov_token_cache.c: one connection's last valid token (see
 * approov_token_cache.h).
 */
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

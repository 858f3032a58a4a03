/*
 * test_token_cache.c: approov_token_cache.c, one connection's last valid
 * token: a hit needs the same bytes and the same key set; a miss verifies
 * in full and replaces what was held; an invalid token leaves it empty.
 */
#include <string.h>

#include <apr_strings.h>

#include "approov_claims.h"
#include "approov_envfile.h"
#include "approov_mint.h"
#include "approov_token.h"
#include "approov_token_cache.h"
#include "harness.h"

static const unsigned char secret_a[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char secret_b[32] = "fedcba9876543210fedcba9876543210";

static apr_array_header_t *key_set(const unsigned char *secret)
{
    apr_array_header_t *keys = apr_array_make(pool, 1,
                                              sizeof(approov_key_t *));

    *(approov_key_t **)apr_array_push(keys) =
        approov_key_hmac(pool, APPROOV_ALG_HS256, secret, 32);
    return keys;
}

static const char *mint(const apr_array_header_t *keys, const char *did,
                        long exp)
{
    const char *header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    const char *payload = apr_psprintf(pool, "{\"did\":\"%s\",\"exp\":%ld}",
                                       did, exp);

    return approov_sign(pool, APPROOV_KEY_AT(keys, 0), header, strlen(header),
                        payload, strlen(payload));
}

/* The cache's variables as "NAME=value;...". */
static const char *cached_vars(const approov_token_cache_t *cache)
{
    const char *at = cache->vars, *end = cache->vars + cache->vars_len;
    const char *name, *value, *out = "";

    while (approov_claim_block_next(&at, end, &name, &value)) {
        out = apr_pstrcat(pool, out, name, "=", value, ";", NULL);
    }
    return out;
}

static void test_hit_and_miss(void)
{
    apr_time_t now = apr_time_from_sec(1700000000);
    apr_array_header_t *keys_a = key_set(secret_a), *keys_b = key_set(secret_b);
    apr_array_header_t *keys_a_again = key_set(secret_a);
    const char *one = mint(keys_a, "one", 1700000600);
    const char *two = mint(keys_a, "two", 1700000600);
    approov_token_cache_t *cache = approov_token_cache_make(pool);
    char *altered;

    CHECK(cache != NULL);
    CHECK(!approov_token_cache_holds(cache, keys_a, one, strlen(one)));
    CHECK_INT(approov_token_cache_verify(cache, keys_a, one, strlen(one), 0,
                                         now), APPROOV_VALID);
    CHECK(approov_token_cache_holds(cache, keys_a, one, strlen(one)));
    CHECK_STR(cached_vars(cache),
              "APPROOV_CLAIM_DID=one;APPROOV_CLAIM_EXP=1700000600;");
    /* The same bytes under another key set, even one with the same
     * secret: a miss (key sets are compared by address). */
    CHECK(!approov_token_cache_holds(cache, keys_b, one, strlen(one)));
    CHECK(!approov_token_cache_holds(cache, keys_a_again, one, strlen(one)));
    /* One byte more, one less, one changed: misses. */
    CHECK(!approov_token_cache_holds(cache, keys_a, one, strlen(one) - 1));
    altered = apr_pstrdup(pool, one);
    altered[strlen(altered) - 1] ^= 1;
    CHECK(!approov_token_cache_holds(cache, keys_a, altered, strlen(one)));
    altered = apr_pstrcat(pool, one, "A", NULL);
    CHECK(!approov_token_cache_holds(cache, keys_a, altered,
                                     strlen(altered)));

    /* Another valid token replaces it. */
    CHECK_INT(approov_token_cache_verify(cache, keys_a, two, strlen(two), 0,
                                         now), APPROOV_VALID);
    CHECK(approov_token_cache_holds(cache, keys_a, two, strlen(two)));
    CHECK(!approov_token_cache_holds(cache, keys_a, one, strlen(one)));
    CHECK_STR(cached_vars(cache),
              "APPROOV_CLAIM_DID=two;APPROOV_CLAIM_EXP=1700000600;");

    /* An invalid one (wrong key set) empties it. */
    CHECK_INT(approov_token_cache_verify(cache, keys_b, two, strlen(two), 0,
                                         now), APPROOV_BAD_SIGNATURE);
    CHECK(!approov_token_cache_holds(cache, keys_a, two, strlen(two)));
    CHECK(!approov_token_cache_holds(cache, keys_b, two, strlen(two)));
    CHECK(cache->token == NULL && cache->vars_len == 0);
}

static void test_expired_is_not_held(void)
{
    apr_time_t now = apr_time_from_sec(1700000000);
    apr_array_header_t *keys = key_set(secret_a);
    const char *old = mint(keys, "old", 1699999999);
    approov_token_cache_t *cache = approov_token_cache_make(pool);

    CHECK_INT(approov_token_cache_verify(cache, keys, old, strlen(old), 0, now),
              APPROOV_EXPIRED);
    CHECK(!approov_token_cache_holds(cache, keys, old, strlen(old)));
    /* Valid with leeway, then held; the time is the caller's to judge
     * again on a hit (approov_check_time). */
    CHECK_INT(approov_token_cache_verify(cache, keys, old, strlen(old), 5, now),
              APPROOV_VALID);
    CHECK(approov_token_cache_holds(cache, keys, old, strlen(old)));
    CHECK_INT(approov_check_time(&cache->verified, 0, now), APPROOV_EXPIRED);
    CHECK_INT(approov_check_time(&cache->verified, 5, now), APPROOV_VALID);
}

int main(void)
{
    harness_begin();
    RUN(test_hit_and_miss);
    RUN(test_expired_is_not_held);
    return harness_end();
}

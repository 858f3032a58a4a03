/*
 * test_token_cache.c: approov_token_cache.c, one connection's last valid
 * token: a hit needs the same bytes and the same key set; a miss verifies
 * in full and replaces what was held; an invalid token leaves it empty.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_thread_proc.h>

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

/* The shared cache of an HTTP/2 connection: entries are taken with a
 * reference, a new valid token replaces the entry without freeing it
 * under a holder, an invalid one is not kept. */
static void test_shared(void)
{
    apr_time_t now = apr_time_from_sec(1700000000);
    apr_array_header_t *keys = key_set(secret_a), *other = key_set(secret_b);
    const char *one = mint(keys, "one", 1700000600);
    const char *two = mint(keys, "two", 1700000600);
    const char *bad = mint(other, "bad", 1700000600);
    approov_shared_token_cache_t *shared = approov_shared_token_cache_make();
    approov_token_cache_t *e1, *e1_again, *e2, *e_bad;
    approov_result_e result = APPROOV_MISSING;

    CHECK(shared != NULL);
    CHECK(approov_shared_token_cache_get(shared, keys, one, strlen(one))
          == NULL);
    e1 = approov_shared_token_cache_verify(shared, keys, one, strlen(one), 0,
                                           now, &result);
    CHECK(e1 != NULL);
    CHECK_INT(result, APPROOV_VALID);
    CHECK_INT(e1->refs, 2);
    e1_again = approov_shared_token_cache_get(shared, keys, one, strlen(one));
    CHECK(e1_again == e1);
    CHECK_INT(e1->refs, 3);
    CHECK(approov_shared_token_cache_get(shared, other, one, strlen(one))
          == NULL);
    approov_token_cache_release(e1_again);

    /* Another token replaces it; the holder of e1 still reads it. */
    e2 = approov_shared_token_cache_verify(shared, keys, two, strlen(two), 0,
                                           now, &result);
    CHECK_INT(result, APPROOV_VALID);
    CHECK_INT(e1->refs, 1);
    CHECK_STR(cached_vars(e1), "APPROOV_CLAIM_DID=one;APPROOV_CLAIM_EXP=1700000600;");
    CHECK(approov_shared_token_cache_get(shared, keys, one, strlen(one))
          == NULL);
    approov_token_cache_release(e1);
    approov_token_cache_release(e2);

    /* An invalid token: its entry is the caller's alone, the cache keeps
     * the valid one. */
    e_bad = approov_shared_token_cache_verify(shared, keys, bad, strlen(bad),
                                              0, now, &result);
    CHECK_INT(result, APPROOV_BAD_SIGNATURE);
    CHECK(e_bad != NULL && e_bad->refs == 1 && e_bad->token == NULL);
    approov_token_cache_release(e_bad);
    e2 = approov_shared_token_cache_get(shared, keys, two, strlen(two));
    CHECK(e2 != NULL);
    approov_token_cache_release(e2);
    approov_shared_token_cache_destroy(shared);
}

/* Streams on several threads at once: two tokens in turn, each judged
 * right every time. */
#define THREADS 4
#define ROUNDS 2000
typedef struct {
    approov_shared_token_cache_t *shared;
    const apr_array_header_t *keys;
    const char *tokens[2];
    int wrong;
} race_t;

static void *APR_THREAD_FUNC race(apr_thread_t *t, void *data)
{
    race_t *r = data;
    apr_time_t now = apr_time_from_sec(1700000000);
    int i;

    for (i = 0; i < ROUNDS; i++) {
        const char *token = r->tokens[i % 2];
        approov_result_e result = APPROOV_VALID;
        approov_token_cache_t *e = approov_shared_token_cache_get(
            r->shared, r->keys, token, strlen(token));
        if (!e) {
            e = approov_shared_token_cache_verify(r->shared, r->keys, token,
                                                  strlen(token), 0, now,
                                                  &result);
        }
        if (!e || result != APPROOV_VALID || !e->token
            || strcmp(e->token, token) != 0) {
            r->wrong++;
        }
        if (e) {
            approov_token_cache_release(e);
        }
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void test_shared_threads(void)
{
    apr_array_header_t *keys = key_set(secret_a);
    race_t r[THREADS];
    apr_thread_t *t[THREADS];
    approov_shared_token_cache_t *shared = approov_shared_token_cache_make();
    apr_status_t rv;
    int i, wrong = 0;

    for (i = 0; i < THREADS; i++) {
        r[i].shared = shared;
        r[i].keys = keys;
        r[i].tokens[0] = mint(keys, "even", 1700000600);
        r[i].tokens[1] = mint(keys, "odd", 1700000600);
        r[i].wrong = 0;
        CHECK(apr_thread_create(&t[i], NULL, race, &r[i], pool)
              == APR_SUCCESS);
    }
    for (i = 0; i < THREADS; i++) {
        apr_thread_join(&rv, t[i]);
        wrong += r[i].wrong;
    }
    CHECK_INT(wrong, 0);
    approov_shared_token_cache_destroy(shared);
}

int main(void)
{
    harness_begin();
    RUN(test_hit_and_miss);
    RUN(test_expired_is_not_held);
    RUN(test_shared);
    RUN(test_shared_threads);
    return harness_end();
}

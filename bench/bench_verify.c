/*
 * bench_verify.c: what one approov_verify() costs, next to its floor.
 *
 * Every figure comes from the same process and the same run: the rows are
 * timed in rounds, each round running every row once (forward order in
 * even rounds, backward in odd ones), and each row is reported as the
 * median over the rounds.  A ratio is taken within each round (verify and
 * floor timed seconds apart) and the median of those ratios is printed.
 *
 * The floor is the least work any HS256 verifier must do: HMAC-SHA256 of
 * the same "header.payload" bytes from inner and outer SHA-256 states
 * computed once (copy a SHA256_CTX, update, final; twice).  The tokens are
 * minted here with OpenSSL's own HMAC(), not with approov_sign(), so the
 * core is checked against an independent signer before anything is timed.
 *
 * Like the module, each verification allocates from a pool that is
 * cleared after it (the module gets r->pool, cleared after the request).
 *
 * This is a report, not a test: it prints PASS or FAIL per target and
 * always exits 0 once it ran.  See README.md in this directory.
 *
 *   bench_verify                  15 rounds, 200000 iterations per row
 *   bench_verify --quick          5 rounds, 50000 iterations
 *   bench_verify -r R -n N        R rounds of N iterations (N/4 for the
 *                                 1 KB rows, N/16 for the 4 KB rows)
 *   bench_verify --only ROW -n N  run one row N times, untimed (for
 *                                 valgrind --tool=callgrind
 *                                 --toggle-collect=bench_loop)
 *   bench_verify --list           the row names
 *   bench_verify --mint           print the typical token, then the same
 *                                 token with a bad signature (for
 *                                 bench_server.sh)
 *   bench_verify --mint-set N     print N valid typical tokens of the same
 *                                 size, each with another exp (for
 *                                 bench_server.sh's rows that never repeat
 *                                 a token on a connection)
 */

/* The floor uses the low-level SHA256_* interface, as approov_token.c
 * does; OpenSSL 3.0 marks it deprecated. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "approov_envfile.h"
#include "approov_mint.h"
#include "approov_token.h"

/* Approov's published dummy secret (the one in its quickstarts). */
#define DUMMY_SECRET "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeG" \
                     "obzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww=="

/* Targets for the typical token. */
#define TARGET_RATIO 4.0        /* verify median <= 4 x floor median */
#define TARGET_NS 1000.0        /* verify median < 1 us */

#define MAX_ROUNDS 101
#define SIZES 3

static const apr_size_t token_sizes[SIZES] = { 256, 1024, 4096 };
static const char *const size_names[SIZES] = { "0.25K", "1K", "4K" };

typedef enum {
    KIND_VERIFY,        /* approov_verify, then apr_pool_clear */
    KIND_FLOOR,         /* HMAC from precomputed states */
    KIND_REJECT,        /* approov_verify of a bad signature, pool clear */
    KIND_POOL,          /* apr_pool_clear alone, of an unused pool */
    KIND_HMAC_ONESHOT   /* OpenSSL HMAC() with the raw key, for context */
} row_kind;

typedef struct {
    const char *name;
    row_kind kind;
    int size;           /* index into token_sizes */
    const char *what;
} row_def;

static const row_def rows[] = {
    { "verify",       KIND_VERIFY, 0, "approov_verify, valid token" },
    { "floor",        KIND_FLOOR,  0, "HMAC-SHA256, precomputed states" },
    { "reject",       KIND_REJECT, 0, "approov_verify, bad signature" },
    { "verify-1k",    KIND_VERIFY, 1, "approov_verify, valid token" },
    { "floor-1k",     KIND_FLOOR,  1, "HMAC-SHA256, precomputed states" },
    { "verify-4k",    KIND_VERIFY, 2, "approov_verify, valid token" },
    { "floor-4k",     KIND_FLOOR,  2, "HMAC-SHA256, precomputed states" },
    { "pool-clear",   KIND_POOL,   0, "apr_pool_clear of an unused pool" },
    { "hmac-oneshot", KIND_HMAC_ONESHOT, 0,
      "OpenSSL HMAC(), key set up per call" },
};
#define ROWS (int)(sizeof(rows) / sizeof(rows[0]))

/* What every row needs, prepared before any timing. */
typedef struct {
    apr_pool_t *pool;           /* long-lived */
    apr_pool_t *sub;            /* cleared after each verification */
    const approov_key_t *key;
    unsigned char *secret;
    apr_size_t secret_len;
    SHA256_CTX inner, outer;    /* the floor's own precomputed states */
    const char *token[SIZES];   /* valid tokens */
    apr_size_t token_len[SIZES];
    apr_size_t signed_len[SIZES];   /* length of "header.payload" */
    const char *bad;            /* the 0.25K token with a wrong signature */
    apr_time_t now;
} bench_ctx;

/* Keeps results alive so that no loop can be optimised away. */
static volatile unsigned long sink;

static void die(const char *msg)
{
    fprintf(stderr, "bench_verify: %s\n", msg);
    exit(2);
}

static char *b64url(apr_pool_t *p, const unsigned char *src, apr_size_t len)
{
    char *dst = apr_palloc(p, (len + 2) / 3 * 4 + 1);

    approov_b64url_encode(dst, src, len);
    return dst;
}

/* Length of the unpadded base64url of n bytes. */
static apr_size_t b64url_len(apr_size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/*
 * A typical Approov token: HS256, claims exp (far in the future), ip, did
 * and pay.  The did claim is padded so that the token is as close to size
 * bytes as base64 allows, without exceeding it.
 */
static const char *mint(apr_pool_t *p, const unsigned char *secret,
                        apr_size_t secret_len, apr_size_t size,
                        apr_int64_t exp, apr_size_t *len,
                        apr_size_t *signed_len)
{
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    /* An Approov did is base64 of 16 bytes; pay is base64 of SHA-256. */
    static const char did[] = "PfGeqDgeVEcsRP7ZbXUOCg==";
    static const char pay[] = "ksfBQsYbU4GcSMbX2z2kZgQlo4Gqce+KmiaShyI2j9w=";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    apr_size_t base, pad, fixed;
    char *padding, *payload, *signing, *token;

    payload = apr_psprintf(p, "{\"exp\":%" APR_INT64_T_FMT ",\"ip\":"
                           "\"203.0.113.7\",\"did\":\"%s%%s\",\"pay\":"
                           "\"%s\"}", exp, did, pay);
    base = strlen(payload) - 2;                 /* without the %s */
    fixed = b64url_len(strlen(header)) + 1 + 1 + b64url_len(32);
    if (fixed + b64url_len(base) > size) {
        die("the smallest token is larger than the size asked for");
    }
    for (pad = 0; fixed + b64url_len(base + pad + 1) <= size; pad++) {
    }
    padding = apr_palloc(p, pad + 1);
    memset(padding, 'x', pad);
    padding[pad] = '\0';
    payload = apr_psprintf(p, payload, padding);
    signing = apr_pstrcat(p, b64url(p, (const unsigned char *)header,
                                    strlen(header)),
                          ".", b64url(p, (const unsigned char *)payload,
                                      strlen(payload)), NULL);
    if (!HMAC(EVP_sha256(), secret, (int)secret_len,
              (const unsigned char *)signing, strlen(signing), mac,
              &mac_len)) {
        die("HMAC() failed");
    }
    token = apr_pstrcat(p, signing, ".", b64url(p, mac, mac_len), NULL);
    *len = strlen(token);
    *signed_len = strlen(signing);
    return token;
}

/* The floor: RFC 2104 HMAC with both key blocks already absorbed. */
static void floor_hmac(const bench_ctx *b, const char *data, apr_size_t len,
                       unsigned char mac[SHA256_DIGEST_LENGTH])
{
    SHA256_CTX ctx = b->inner;

    SHA256_Update(&ctx, data, len);
    SHA256_Final(mac, &ctx);
    ctx = b->outer;
    SHA256_Update(&ctx, mac, SHA256_DIGEST_LENGTH);
    SHA256_Final(mac, &ctx);
}

static void floor_keys(bench_ctx *b)
{
    unsigned char block[64];
    int i;

    memset(block, 0, sizeof(block));
    if (b->secret_len > sizeof(block)) {
        SHA256(b->secret, b->secret_len, block);
    }
    else {
        memcpy(block, b->secret, b->secret_len);
    }
    for (i = 0; i < 64; i++) block[i] ^= 0x36;
    SHA256_Init(&b->inner);
    SHA256_Update(&b->inner, block, sizeof(block));
    for (i = 0; i < 64; i++) block[i] ^= 0x36 ^ 0x5c;
    SHA256_Init(&b->outer);
    SHA256_Update(&b->outer, block, sizeof(block));
}

static void setup(bench_ctx *b)
{
    const char *err;
    unsigned char mac[SHA256_DIGEST_LENGTH], sig[SHA256_DIGEST_LENGTH + 3];
    apr_int64_t exp;
    approov_result_e result;
    char *bad;
    int s;

    if (apr_pool_create(&b->pool, NULL) != APR_SUCCESS
        || apr_pool_create(&b->sub, b->pool) != APR_SUCCESS) {
        die("cannot create the pools");
    }
    err = approov_decode_secret(b->pool, DUMMY_SECRET, &b->secret,
                                &b->secret_len);
    if (err) {
        die(err);
    }
    b->key = approov_key_hmac(b->pool, APPROOV_ALG_HS256, b->secret,
                              b->secret_len);
    if (!b->key) {
        die("approov_key_hmac failed");
    }
    floor_keys(b);

    b->now = apr_time_now();
    exp = apr_time_sec(b->now) + 365 * 24 * 3600;     /* a year */
    for (s = 0; s < SIZES; s++) {
        b->token[s] = mint(b->pool, b->secret, b->secret_len,
                           token_sizes[s], exp, &b->token_len[s],
                           &b->signed_len[s]);
        result = approov_verify(b->sub, b->token[s], b->token_len[s], b->key,
                                0, b->now, NULL);
        apr_pool_clear(b->sub);
        if (result != APPROOV_VALID) {
            fprintf(stderr, "bench_verify: the %s token verifies as %s\n",
                    size_names[s], approov_result_name(result));
            exit(2);
        }
        /* The floor must compute the very MAC the token carries. */
        floor_hmac(b, b->token[s], b->signed_len[s], mac);
        if (approov_b64url_decode(sig, b->token[s] + b->signed_len[s] + 1,
                                  b->token_len[s] - b->signed_len[s] - 1)
                != SHA256_DIGEST_LENGTH
            || memcmp(mac, sig, sizeof(mac)) != 0) {
            die("the floor does not compute the token's signature");
        }
    }

    /* A wrong signature that is still strict base64url of 32 bytes: change
     * the first signature character, which carries no trailing bits. */
    bad = apr_pstrmemdup(b->pool, b->token[0], b->token_len[0]);
    bad[b->signed_len[0] + 1] = bad[b->signed_len[0] + 1] == 'A' ? 'B' : 'A';
    b->bad = bad;
    result = approov_verify(b->sub, b->bad, b->token_len[0], b->key, 0,
                            b->now, NULL);
    apr_pool_clear(b->sub);
    if (result != APPROOV_BAD_SIGNATURE) {
        fprintf(stderr, "bench_verify: the bad token verifies as %s\n",
                approov_result_name(result));
        exit(2);
    }
}

/* Run one row iters times.  Not inlined: callgrind counts its inclusive
 * cost with --toggle-collect=bench_loop. */
__attribute__((noinline))
void bench_loop(const bench_ctx *b, const row_def *row, long iters)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len;
    unsigned long acc = 0;
    int s = row->size;
    long i;

    switch (row->kind) {
    case KIND_VERIFY:
        for (i = 0; i < iters; i++) {
            acc += approov_verify(b->sub, b->token[s], b->token_len[s],
                                  b->key, 0, b->now, NULL);
            apr_pool_clear(b->sub);
        }
        break;
    case KIND_REJECT:
        for (i = 0; i < iters; i++) {
            acc += approov_verify(b->sub, b->bad, b->token_len[s], b->key, 0,
                                  b->now, NULL);
            apr_pool_clear(b->sub);
        }
        break;
    case KIND_FLOOR:
        for (i = 0; i < iters; i++) {
            floor_hmac(b, b->token[s], b->signed_len[s], mac);
            acc += mac[i & 31];
        }
        break;
    case KIND_POOL:
        for (i = 0; i < iters; i++) {
            apr_pool_clear(b->sub);
            acc++;
        }
        break;
    case KIND_HMAC_ONESHOT:
        for (i = 0; i < iters; i++) {
            HMAC(EVP_sha256(), b->secret, (int)b->secret_len,
                 (const unsigned char *)b->token[s], b->signed_len[s], mac,
                 &mac_len);
            acc += mac[i & 31];
        }
        break;
    }
    sink += acc;
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Fewer iterations for the bigger tokens, so every row takes about as
 * long; a verify row and its floor always run the same count. */
static long row_iters(const row_def *row, long n)
{
    long it = n / (long)(token_sizes[row->size] / token_sizes[0]);

    return it > 0 ? it : 1;
}

static int cmp_double(const void *a, const void *c)
{
    double x = *(const double *)a, y = *(const double *)c;

    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double tmp[MAX_ROUNDS];

    memcpy(tmp, v, n * sizeof(double));
    qsort(tmp, n, sizeof(double), cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static int find_row(const char *name)
{
    int i;

    for (i = 0; i < ROWS; i++) {
        if (strcmp(rows[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* Median over the rounds of row a's time divided by row c's. */
static double ratio_median(double ns[][MAX_ROUNDS], int a, int c, int rounds)
{
    double r[MAX_ROUNDS];
    int k;

    for (k = 0; k < rounds; k++) {
        r[k] = ns[a][k] / ns[c][k];
    }
    return median(r, rounds);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_verify [--quick] [-r ROUNDS] [-n ITERS]\n"
                    "       bench_verify --only ROW [-n ITERS]\n"
                    "       bench_verify --list | --mint | --mint-set N\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static double ns[ROWS][MAX_ROUNDS];
    bench_ctx b;
    const char *only = NULL;
    int mint_only = 0, mint_set = 0, rounds = 15, i, k, pos;
    long n = 200000;
    double med[ROWS], t0;
    int verify, floor_, reject, ratio_ok, ns_ok;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            rounds = 5;
            n = 50000;
        }
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        }
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            n = atol(argv[++i]);
        }
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        }
        else if (strcmp(argv[i], "--mint") == 0) {
            mint_only = 1;
        }
        else if (strcmp(argv[i], "--mint-set") == 0 && i + 1 < argc) {
            mint_set = atoi(argv[++i]);
            if (mint_set < 1) {
                usage();
            }
        }
        else if (strcmp(argv[i], "--list") == 0) {
            for (k = 0; k < ROWS; k++) {
                printf("%s\n", rows[k].name);
            }
            return 0;
        }
        else {
            usage();
        }
    }
    if (rounds < 1 || rounds > MAX_ROUNDS || n < 1) {
        usage();
    }

    apr_initialize();
    setup(&b);

    if (mint_only) {
        printf("%s\n%s\n", b.token[0], b.bad);
        return 0;
    }
    if (mint_set) {
        apr_int64_t exp = apr_time_sec(b.now) + 365 * 24 * 3600;
        apr_size_t len, signed_len;

        for (k = 0; k < mint_set; k++) {
            printf("%s\n", mint(b.pool, b.secret, b.secret_len,
                                token_sizes[0], exp + k, &len, &signed_len));
        }
        return 0;
    }
    if (only) {
        if ((k = find_row(only)) < 0) {
            usage();
        }
        bench_loop(&b, &rows[k], n);
        printf("%s: %ld iterations, token %lu bytes\n", only, n,
               (unsigned long)b.token_len[rows[k].size]);
        return 0;
    }

    printf("tokens: %lu, %lu, %lu bytes (HS256; exp, ip, did, pay; did "
           "padded)\n", (unsigned long)b.token_len[0],
           (unsigned long)b.token_len[1], (unsigned long)b.token_len[2]);
    printf("rounds: %d, alternating order; iterations per row and round: "
           "%ld (0.25K), %ld (1K), %ld (4K)\n\n", rounds,
           row_iters(&rows[0], n), row_iters(&rows[3], n),
           row_iters(&rows[5], n));

    /* Warm-up: one short pass of every row. */
    for (i = 0; i < ROWS; i++) {
        bench_loop(&b, &rows[i], row_iters(&rows[i], n) / 10 + 1);
    }

    for (k = 0; k < rounds; k++) {
        for (pos = 0; pos < ROWS; pos++) {
            long it;

            i = k % 2 ? ROWS - 1 - pos : pos;
            it = row_iters(&rows[i], n);
            t0 = now_ns();
            bench_loop(&b, &rows[i], it);
            ns[i][k] = (now_ns() - t0) / (double)it;
        }
    }

    printf("%-13s %6s %10s %10s %10s  %s\n", "row", "token", "median ns",
           "min ns", "max ns", "what");
    for (i = 0; i < ROWS; i++) {
        double lo = ns[i][0], hi = ns[i][0];

        for (k = 1; k < rounds; k++) {
            if (ns[i][k] < lo) lo = ns[i][k];
            if (ns[i][k] > hi) hi = ns[i][k];
        }
        med[i] = median(ns[i], rounds);
        printf("%-13s %6lu %10.1f %10.1f %10.1f  %s\n", rows[i].name,
               (unsigned long)b.token_len[rows[i].size], med[i], lo, hi,
               rows[i].what);
    }

    verify = find_row("verify");
    floor_ = find_row("floor");
    reject = find_row("reject");
    printf("\nratios (median of the per-round ratios):\n");
    printf("  verify / floor        %6.2f   (0.25K token)\n",
           ratio_median(ns, verify, floor_, rounds));
    printf("  reject / floor        %6.2f\n",
           ratio_median(ns, reject, floor_, rounds));
    printf("  verify-1k / floor-1k  %6.2f\n",
           ratio_median(ns, find_row("verify-1k"), find_row("floor-1k"),
                        rounds));
    printf("  verify-4k / floor-4k  %6.2f\n",
           ratio_median(ns, find_row("verify-4k"), find_row("floor-4k"),
                        rounds));
    printf("  hmac-oneshot / floor  %6.2f\n",
           ratio_median(ns, find_row("hmac-oneshot"), floor_, rounds));

    /* Linear growth: the cost per extra byte is about the same from 0.25K
     * to 1K as from 1K to 4K. */
    {
        double v[SIZES], f[SIZES], slope1, slope2, fslope1, fslope2;

        v[0] = med[verify];
        v[1] = med[find_row("verify-1k")];
        v[2] = med[find_row("verify-4k")];
        f[0] = med[floor_];
        f[1] = med[find_row("floor-1k")];
        f[2] = med[find_row("floor-4k")];
        slope1 = (v[1] - v[0]) / (double)(b.token_len[1] - b.token_len[0]);
        slope2 = (v[2] - v[1]) / (double)(b.token_len[2] - b.token_len[1]);
        fslope1 = (f[1] - f[0]) / (double)(b.token_len[1] - b.token_len[0]);
        fslope2 = (f[2] - f[1]) / (double)(b.token_len[2] - b.token_len[1]);
        printf("\ncost per extra token byte (ns/byte):\n");
        printf("  verify  0.25K->1K %.2f   1K->4K %.2f   (ratio %.2f; 1.00 "
               "is exactly linear)\n", slope1, slope2, slope2 / slope1);
        printf("  floor   0.25K->1K %.2f   1K->4K %.2f   (ratio %.2f)\n",
               fslope1, fslope2, fslope2 / fslope1);
        printf("  verify-4k / verify  %.1fx for a %.1fx longer token\n",
               v[2] / v[0],
               (double)b.token_len[2] / (double)b.token_len[0]);
    }

    ratio_ok = ratio_median(ns, verify, floor_, rounds) <= TARGET_RATIO;
    ns_ok = med[verify] < TARGET_NS;
    printf("\ntargets (typical %lu-byte token):\n",
           (unsigned long)b.token_len[0]);
    printf("  %s  verify median <= %.0f x floor   (%.2f x)\n",
           ratio_ok ? "PASS" : "FAIL", TARGET_RATIO,
           ratio_median(ns, verify, floor_, rounds));
    printf("  %s  verify median < %.0f ns        (%.1f ns)\n",
           ns_ok ? "PASS" : "FAIL", TARGET_NS, med[verify]);
    printf("(a report: exit status 0 whatever the outcome)\n");
    return 0;
}

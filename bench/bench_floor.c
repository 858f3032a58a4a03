/*
 * bench_floor: the cryptographic floor of each path bench_server.sh times,
 * measured in-process with OpenSSL alone, so that a row's extra httpd CPU
 * per request reads as "module cost = floor x k + c" within one run.
 *
 *   bench/bench_floor [ROUNDS] [MILLISECONDS]     (default 5 rounds x 200 ms)
 *
 * Rows (each: keys and contexts made before timing, as the module makes
 * them at start-up or once per cached token; the per-call work only):
 *   p256-sig  SHA-256 of a 240-byte signature base and ECDSA_do_verify
 *             with an EC_KEY (the install signature of one request)
 *   es256     EVP_DigestVerifyInit + EVP_DigestVerify, P-256, over a
 *             300-byte header.payload (a token's signature)
 *   rs256     the same, RSA 2048, PKCS#1 v1.5
 *   eddsa     the same, Ed25519
 *   hmac-sig  HMAC-SHA256 of the 240-byte base from inner and outer SHA-256
 *             states made once (as the module keys an account secret),
 *             and a constant-time compare (the account signature)
 *   sha256-1k, sha256-64k  SHA-256 of a 1 KB and a 64 KB body (the
 *             Content-Digest of rows p1 and p64)
 * Rounds alternate the row order; it prints the median us per call as
 * "floor NAME US", one line per row, for bench_server.sh to read.  Times
 * are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), as bench_server.sh
 * counts httpd's: on a shared machine, time spent preempted is in
 * neither.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

typedef struct {
    const char *name;
    EVP_PKEY *pkey;                 /* EVP rows */
    const EVP_MD *md;               /* NULL for Ed25519 */
    unsigned char sig[512];
    size_t sig_len;
    double us[64];
} row_t;

static unsigned char msg[300], base[240], body[65536];
static EC_KEY *p256;
static ECDSA_SIG *p256_sig;
static volatile int sink;
static SHA256_CTX hmac_inner, hmac_outer;
static unsigned char hmac_want[SHA256_DIGEST_LENGTH];

/* HMAC-SHA256 of base from the prepared states (RFC 2104). */
static void hmac_base(unsigned char *mac)
{
    SHA256_CTX c = hmac_inner;

    SHA256_Update(&c, base, sizeof(base));
    SHA256_Final(mac, &c);
    c = hmac_outer;
    SHA256_Update(&c, mac, SHA256_DIGEST_LENGTH);
    SHA256_Final(mac, &c);
}

static void hmac_prepare(void)
{
    unsigned char key[32], pad[64];
    int i;

    memset(key, 'k', sizeof(key));
    for (i = 0; i < 64; i++) {
        pad[i] = (unsigned char)((i < 32 ? key[i] : 0) ^ 0x36);
    }
    SHA256_Init(&hmac_inner);
    SHA256_Update(&hmac_inner, pad, sizeof(pad));
    for (i = 0; i < 64; i++) {
        pad[i] = (unsigned char)((i < 32 ? key[i] : 0) ^ 0x5c);
    }
    SHA256_Init(&hmac_outer);
    SHA256_Update(&hmac_outer, pad, sizeof(pad));
    hmac_base(hmac_want);
}

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int one(row_t *row)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_CTX sha;

    if (!strcmp(row->name, "p256-sig")) {
        SHA256_Init(&sha);
        SHA256_Update(&sha, base, sizeof(base));
        SHA256_Final(md, &sha);
        return ECDSA_do_verify(md, sizeof(md), p256_sig, p256) == 1;
    }
    if (!strcmp(row->name, "hmac-sig")) {
        hmac_base(md);
        return CRYPTO_memcmp(md, hmac_want, sizeof(md)) == 0;
    }
    if (!strncmp(row->name, "sha256-", 7)) {
        SHA256_Init(&sha);
        SHA256_Update(&sha, body, row->name[7] == '1' ? 1024 : sizeof(body));
        SHA256_Final(md, &sha);
        return md[0] | 1;
    }
    {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int ok = ctx
                 && EVP_DigestVerifyInit(ctx, NULL, row->md, NULL, row->pkey) == 1
                 && EVP_DigestVerify(ctx, row->sig, row->sig_len, msg,
                                     sizeof(msg)) == 1;
        EVP_MD_CTX_free(ctx);
        return ok;
    }
}

static void sign_row(row_t *row)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    row->sig_len = sizeof(row->sig);
    if (!ctx || EVP_DigestSignInit(ctx, NULL, row->md, NULL, row->pkey) != 1
        || EVP_DigestSign(ctx, row->sig, &row->sig_len, msg, sizeof(msg)) != 1) {
        fprintf(stderr, "bench_floor: signing for %s failed\n", row->name);
        exit(1);
    }
    EVP_MD_CTX_free(ctx);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    double ms = argc > 2 ? atof(argv[2]) : 200;
    row_t rows[] = {
        { "p256-sig", NULL, NULL, {0}, 0, {0} },
        { "es256", NULL, NULL, {0}, 0, {0} },
        { "rs256", NULL, NULL, {0}, 0, {0} },
        { "eddsa", NULL, NULL, {0}, 0, {0} },
        { "hmac-sig", NULL, NULL, {0}, 0, {0} },
        { "sha256-1k", NULL, NULL, {0}, 0, {0} },
        { "sha256-64k", NULL, NULL, {0}, 0, {0} },
    };
    int n = (int)(sizeof(rows) / sizeof(rows[0])), r, i;
    unsigned char md[SHA256_DIGEST_LENGTH];

    if (rounds < 1 || rounds > 64 || ms <= 0) {
        fprintf(stderr, "usage: bench_floor [ROUNDS (1-64)] [MILLISECONDS]\n");
        return 2;
    }
    memset(msg, 'm', sizeof(msg));
    memset(base, 'b', sizeof(base));
    memset(body, 'x', sizeof(body));

    hmac_prepare();
    p256 = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    if (!p256 || !EC_KEY_generate_key(p256)) {
        return 1;
    }
    SHA256(base, sizeof(base), md);
    p256_sig = ECDSA_do_sign(md, sizeof(md), p256);
    rows[1].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    rows[1].md = EVP_sha256();
    rows[2].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    rows[2].md = EVP_sha256();
    rows[3].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    for (i = 1; i <= 3; i++) {
        if (!rows[i].pkey) {
            fprintf(stderr, "bench_floor: no key for %s\n", rows[i].name);
            return 1;
        }
        sign_row(&rows[i]);
    }
    for (i = 0; i < n; i++) {
        if (!one(&rows[i])) {
            fprintf(stderr, "bench_floor: %s does not verify\n", rows[i].name);
            return 1;
        }
    }
    for (r = 0; r < rounds; r++) {
        for (i = 0; i < n; i++) {
            row_t *row = &rows[r % 2 ? n - 1 - i : i];
            double t0 = now_us(), t;
            long calls = 0, batch = 1, j;
            /* The clock is a system call (about 0.5 us): read it once per
             * batch of at least 50 us of calls, not per call. */
            do {
                double b0 = now_us();

                for (j = 0; j < batch; j++) {
                    sink += one(row);
                }
                calls += batch;
                t = now_us();
                if (t - b0 < 50 && batch < (1L << 20)) {
                    batch *= 2;
                }
            } while (t - t0 < ms * 1000);
            row->us[r] = (t - t0) / calls;
        }
    }
    for (i = 0; i < n; i++) {
        qsort(rows[i].us, (size_t)rounds, sizeof(double), cmp);
        printf("floor %s %.2f\n", rows[i].name, rows[i].us[rounds / 2]);
    }
    return 0;
}

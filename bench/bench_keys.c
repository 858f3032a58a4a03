/*
 * bench_keys: the cost of approov_verify() per algorithm, with keys made
 * in-process (RSA 2048, EC P-256/P-384/P-521, Ed25519, HMAC), each row
 * measured in alternating rounds in one run; medians in microseconds.
 *
 *   make -C bench bench_keys && bench/bench_keys [ROUNDS] [ITERATIONS] [ALG]
 *
 * ALG (e.g. RS256) times that row alone: bench/callgrind_keys.sh uses it.
 *
 * (or: gcc -O2 -std=c99 -I. $(pkg-config --cflags apr-1 libcjson)
 *  bench/bench_keys.c approov_token.c approov_keys.c
 *  $(pkg-config --libs apr-1 libcjson libcrypto) -o bench/bench_keys)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "approov_envfile.h"
#include "approov_mint.h"
#include "approov_token.h"

typedef struct {
    const char *alg_name;
    approov_alg_e alg;
    EVP_PKEY *pkey;                 /* NULL: HMAC */
    const approov_key_t *key;
    const char *token;
    double median_us;
} row_t;

static EVP_PKEY *make_key(const char *type, const char *param)
{
    if (!strcmp(type, "RSA")) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    }
    if (!strcmp(type, "EC")) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);
    }
    return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

/* Sign header.payload JOSE-style with a private key. */
static const char *sign(apr_pool_t *p, row_t *row, const char *input)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *md = NULL;
    unsigned char sig[1024], *out = sig;
    size_t len = sizeof(sig);
    char *b64;
    int coord = 0;

    if (row->alg_name[2] == '2') md = EVP_sha256();
    if (row->alg_name[2] == '3') md = EVP_sha384();
    if (row->alg_name[2] == '5') md = EVP_sha512();
    if (row->alg == APPROOV_ALG_EDDSA) md = NULL;
    if (row->alg == APPROOV_ALG_ES256) coord = 32;
    if (row->alg == APPROOV_ALG_ES384) coord = 48;
    if (row->alg == APPROOV_ALG_ES512) coord = 66;
    EVP_DigestSignInit(ctx, &pctx, md, NULL, row->pkey);
    if (row->alg_name[0] == 'P') {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    EVP_DigestSign(ctx, sig, &len, (const unsigned char *)input,
                   strlen(input));
    EVP_MD_CTX_free(ctx);
    if (coord) {
        const unsigned char *d = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &d, (long)len);
        out = apr_pcalloc(p, 2 * (apr_size_t)coord);
        BN_bn2binpad(ECDSA_SIG_get0_r(es), out, coord);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), out + coord, coord);
        ECDSA_SIG_free(es);
        len = 2 * (size_t)coord;
    }
    b64 = apr_palloc(p, len * 2 + 4);
    approov_b64url_encode(b64, out, len);
    return apr_pstrcat(p, input, ".", b64, NULL);
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const char *secret =
        "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/"
        "WVyWrc2gZfh3XXfBOmww==";
    row_t rows[] = {
        { "HS256", APPROOV_ALG_HS256, NULL, NULL, NULL, 0 },
        { "RS256", APPROOV_ALG_RS256, NULL, NULL, NULL, 0 },
        { "PS256", APPROOV_ALG_PS256, NULL, NULL, NULL, 0 },
        { "ES256", APPROOV_ALG_ES256, NULL, NULL, NULL, 0 },
        { "ES384", APPROOV_ALG_ES384, NULL, NULL, NULL, 0 },
        { "ES512", APPROOV_ALG_ES512, NULL, NULL, NULL, 0 },
        { "EdDSA", APPROOV_ALG_EDDSA, NULL, NULL, NULL, 0 },
    };
    int nrows = (int)(sizeof(rows) / sizeof(rows[0]));
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    int iterations = argc > 2 ? atoi(argv[2]) : 2000;
    const char *only = argc > 3 ? argv[3] : NULL;
    double *samples;
    apr_pool_t *p, *scratch;
    int r, i, k;

    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_pool_create(&scratch, p);
    samples = calloc((size_t)(nrows * rounds), sizeof(double));

    for (i = 0; i < nrows; i++) {
        row_t *row = &rows[i];
        char header[64], *input, *h, *pl;
        const char *payload = "{\"exp\":4102444800,\"ip\":\"1.2.3.4\","
                              "\"did\":\"ExampleApproovTokenDID==\","
                              "\"pay\":\"ksfBQsYbU4GcSMbX2z2kZgQlo4Gqce+KmiaS"
                              "hyI2j9w=\"}";

        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
                 row->alg_name);
        if (row->alg == APPROOV_ALG_HS256) {
            unsigned char *bytes;
            apr_size_t len;

            approov_decode_secret(p, secret, &bytes, &len);
            row->key = approov_key_hmac(p, APPROOV_ALG_HS256, bytes, len);
            row->token = approov_sign(p, row->key, header, strlen(header),
                                      payload, strlen(payload));
            continue;
        }
        row->pkey = make_key(row->alg_name[0] == 'E' && row->alg_name[1] == 'S'
                             ? "EC" : row->alg_name[0] == 'E' ? "ED" : "RSA",
                             row->alg == APPROOV_ALG_ES256 ? "P-256"
                             : row->alg == APPROOV_ALG_ES384 ? "P-384"
                             : "P-521");
        {
            /* Through PEM, as ApproovPublicKeyFile loads it. */
            BIO *bio = BIO_new(BIO_s_mem());
            char *pem;
            long pem_len;
            approov_key_t *key;
            const char *err;

            PEM_write_bio_PUBKEY(bio, row->pkey);
            pem_len = BIO_get_mem_data(bio, &pem);
            err = approov_key_from_pem(p, pem, (apr_size_t)pem_len, &key);
            BIO_free(bio);
            if (err) {
                fprintf(stderr, "%s: %s\n", row->alg_name, err);
                return 1;
            }
            row->key = key;
        }
        h = apr_palloc(p, strlen(header) * 2);
        pl = apr_palloc(p, strlen(payload) * 2);
        approov_b64url_encode(h, (const unsigned char *)header, strlen(header));
        approov_b64url_encode(pl, (const unsigned char *)payload,
                              strlen(payload));
        input = apr_pstrcat(p, h, ".", pl, NULL);
        row->token = sign(p, row, input);
    }

    for (r = 0; r < rounds; r++) {
        for (i = 0; i < nrows; i++) {
            row_t *row = &rows[i];
            apr_size_t len = strlen(row->token);
            apr_time_t start;

            if (only && strcmp(only, row->alg_name) != 0) {
                continue;
            }
            start = apr_time_now();

            for (k = 0; k < iterations; k++) {
                if (approov_verify(scratch, row->token, len, row->key, 0,
                                   apr_time_now(), NULL) != APPROOV_VALID) {
                    fprintf(stderr, "%s: token did not verify\n",
                            row->alg_name);
                    return 1;
                }
                apr_pool_clear(scratch);
            }
            samples[i * rounds + r] =
                (double)(apr_time_now() - start) / iterations;
        }
    }

    printf("approov_verify per algorithm: median of %d rounds x %d "
           "verifications, rows alternated\n\n", rounds, iterations);
    printf("| alg | key | µs per verify | × HS256 |\n|---|---|---|---|\n");
    for (i = 0; i < nrows; i++) {
        qsort(samples + i * rounds, (size_t)rounds, sizeof(double), compare);
        rows[i].median_us = samples[i * rounds + rounds / 2];
    }
    for (i = 0; i < nrows; i++) {
        printf("| %s | %s | %.2f | %.1f |\n", rows[i].alg_name,
               rows[i].alg == APPROOV_ALG_HS256 ? "64-byte secret"
               : rows[i].alg_name[0] == 'R' || rows[i].alg_name[0] == 'P'
                 ? "RSA 2048"
               : rows[i].alg == APPROOV_ALG_ES256 ? "P-256"
               : rows[i].alg == APPROOV_ALG_ES384 ? "P-384"
               : rows[i].alg == APPROOV_ALG_ES512 ? "P-521" : "Ed25519",
               rows[i].median_us, rows[i].median_us / rows[0].median_us);
    }
    for (i = 0; i < nrows; i++) {
        EVP_PKEY_free(rows[i].pkey);
    }
    free(samples);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}

/*
 * fuzz_keyset.c: the key set of fuzz_verify's second phase, and an
 * independent (OpenSSL only) verification of a token against it.
 *
 * The set, as an operator could configure it (ApproovBase64Secret plus
 * key files / JWK Sets with kids):
 *
 *   kid       key                                 verifies
 *   "hs256"   the dummy secret                    HS256
 *   "hs512"   the dummy secret                    HS512
 *   (none)    the dummy secret                    HS384
 *   "es256"   keys/es256.pub.pem (P-256)          ES256
 *   "ed"      keys/ed25519.pub.pem                EdDSA
 *   "rsa"     keys/rsa2048.pub.pem                RS256..RS512, PS256..PS512
 *
 * The selection rule (README "Keys"): a token's kid picks the key with that
 * kid; a token without kid gets the one key without a kid.  keys/ holds the
 * private halves, test keys for the corpus only (mkcorpus.py).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "fuzz_common.h"

static const char es256_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwL0CHN0tBYp4o1GQ0Gl9OagpxvA3\n"
    "Ac5hb8mUNqAu14fmER6/+lloF76GZR80UeakQPZybmnIv1IiC59WdwSFiQ==\n"
    "-----END PUBLIC KEY-----\n";

static const char ed25519_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAqvx6MqXAKePhhmd97spazHeIjXKb1B0uL1MBmRveq8c=\n"
    "-----END PUBLIC KEY-----\n";

static const char rsa2048_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2ZaEtd9Ob1zzSOYEvaTN\n"
    "PG62Z1QX/1byr5QWmrAQwWWTS+Snq3r2V36oU7hVNY0BorngnOGwa3bu2auGjH7z\n"
    "4v1bQ2v93OJghbJbs/Yds9AS8vf2B7VSl+YBDFUYGbMI9jNFyD4Lbi/eUeiVx5cN\n"
    "aX+l4nORspfCdUHqUq1nbOUoE0BauuqneIzwblbn9JtI+qhcs9EJi1REkM5kf8n+\n"
    "MYmhOOal4M+Z7gdaBx7LyaOaPz6V9TGN5na8yNDYwZhkYBJuhBi2bc2NanGa3eU6\n"
    "7pk3Pu+sBXsTjnfcS1mGoEyLf69rvztMjWee8HtU0n+S0x3LGaf3wOSvOlgd4Ijh\n"
    "TQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

typedef enum { REF_HMAC, REF_ECDSA, REF_EDDSA, REF_RSA } ref_family;

typedef struct {
    const char *kid;
    ref_family family;
    const char *const *algs;        /* JOSE names, NULL-terminated */
    const char *pem;                /* public keys */
    EVP_PKEY *pkey;                 /* the reference's own copy */
} keyspec;

static const char *const hs256_algs[] = { "HS256", NULL };
static const char *const hs384_algs[] = { "HS384", NULL };
static const char *const hs512_algs[] = { "HS512", NULL };
static const char *const es256_algs[] = { "ES256", NULL };
static const char *const eddsa_algs[] = { "EdDSA", NULL };
static const char *const rsa_algs[] = {
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", NULL
};

#define NSPECS 6
static keyspec specs[NSPECS] = {
    { "hs256", REF_HMAC, hs256_algs, NULL, NULL },
    { "hs512", REF_HMAC, hs512_algs, NULL, NULL },
    { NULL, REF_HMAC, hs384_algs, NULL, NULL },
    { "es256", REF_ECDSA, es256_algs, es256_pem, NULL },
    { "ed", REF_EDDSA, eddsa_algs, ed25519_pem, NULL },
    { "rsa", REF_RSA, rsa_algs, rsa2048_pem, NULL },
};

static const approov_key_t *keys[NSPECS];

static EVP_PKEY *read_pem(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;

    BIO_free(bio);
    if (!pkey) {
        fprintf(stderr, "fuzz_keyset: bad PEM\n");
        abort();
    }
    return pkey;
}

static void init_keyset(void)
{
    apr_pool_t *p = fuzz_root_pool();
    const unsigned char *secret;
    size_t secret_len;
    int i;

    if (keys[0]) {
        return;
    }
    secret = fuzz_secret(&secret_len);
    for (i = 0; i < NSPECS; i++) {
        approov_key_t *key = NULL;
        const char *err = NULL;

        if (specs[i].family == REF_HMAC) {
            approov_alg_e alg = approov_alg_from_name(specs[i].algs[0]);
            key = approov_key_hmac(p, alg, secret, secret_len);
        }
        else {
            err = approov_key_from_pem(p, specs[i].pem, strlen(specs[i].pem),
                                       &key);
            specs[i].pkey = read_pem(specs[i].pem);
        }
        if (err || !key) {
            fprintf(stderr, "fuzz_keyset: key %d: %s\n", i,
                    err ? err : "refused");
            abort();
        }
        if (specs[i].kid) {
            approov_key_set_kid(p, key, specs[i].kid);
        }
        keys[i] = key;
    }
}

void fuzz_keyset_teardown(void)
{
    int i;

    for (i = 0; i < NSPECS; i++) {
        EVP_PKEY_free(specs[i].pkey);
        specs[i].pkey = NULL;
        keys[i] = NULL;
    }
}

const approov_key_t *const *fuzz_keyset(int *count)
{
    init_keyset();
    *count = NSPECS;
    return keys;
}

static const EVP_MD *digest_of(const char *alg)
{
    const char *bits = alg + strlen(alg) - 3;

    if (strcmp(bits, "256") == 0) return EVP_sha256();
    if (strcmp(bits, "384") == 0) return EVP_sha384();
    if (strcmp(bits, "512") == 0) return EVP_sha512();
    return NULL;
}

/* A malloc'd strict base64url decoding of [s, s + len), or NULL. */
static unsigned char *decode(const char *s, size_t len, size_t *out_len)
{
    unsigned char *out = malloc(len / 4 * 3 + 3);
    long n;

    if (!out) abort();
    n = fuzz_b64url_decode_ref(out, s, len);
    if (n < 0) {
        free(out);
        return NULL;
    }
    *out_len = (size_t)n;
    return out;
}

static int verify_public(const keyspec *spec, const char *alg,
                         const unsigned char *data, size_t len,
                         const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL;
    int ok = 0, der_len;

    if (!ctx) abort();
    if (spec->family == REF_ECDSA) {
        ECDSA_SIG *es;
        BIGNUM *r, *s;

        if (sig_len != 64) {
            EVP_MD_CTX_free(ctx);
            return 0;
        }
        es = ECDSA_SIG_new();
        r = BN_bin2bn(sig, 32, NULL);
        s = BN_bin2bn(sig + 32, 32, NULL);
        if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) abort();
        der_len = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        if (der_len <= 0) abort();
        sig = der;
        sig_len = (size_t)der_len;
    }
    if (EVP_DigestVerifyInit(ctx, &pctx, spec->family == REF_EDDSA
                                         ? NULL : digest_of(alg),
                             NULL, spec->pkey) == 1) {
        ok = 1;
        if (spec->family == REF_RSA && alg[0] == 'P') {
            ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING)
                 == 1
                 && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                     RSA_PSS_SALTLEN_DIGEST)
                    == 1;
        }
        ok = ok && EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
    }
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok;
}

int fuzz_keyset_signature_matches(const char *token, size_t len)
{
    size_t header_len, payload_len, sig_len, raw_len, sig_bytes_len;
    unsigned char *raw = NULL, *sig = NULL;
    cJSON *header = NULL;
    const cJSON *kid, *alg;
    const keyspec *spec = NULL;
    int i, ok = 0, accepted = 0;

    init_keyset();
    if (!fuzz_split_token(token, len, &header_len, &payload_len, &sig_len)) {
        return 0;
    }
    raw = decode(token, header_len, &raw_len);
    sig = decode(token + header_len + 1 + payload_len + 1, sig_len,
                 &sig_bytes_len);
    if (!raw || !sig) goto done;
    header = cJSON_ParseWithLength((const char *)raw, raw_len);
    if (!cJSON_IsObject(header)) goto done;
    kid = cJSON_GetObjectItemCaseSensitive(header, "kid");
    alg = cJSON_GetObjectItemCaseSensitive(header, "alg");
    if ((kid && !cJSON_IsString(kid)) || !cJSON_IsString(alg)) goto done;

    for (i = 0; i < NSPECS; i++) {
        if (kid ? (specs[i].kid && strcmp(specs[i].kid, kid->valuestring) == 0)
                : !specs[i].kid) {
            spec = &specs[i];
        }
    }
    if (!spec) goto done;
    for (i = 0; spec->algs[i]; i++) {
        accepted |= strcmp(spec->algs[i], alg->valuestring) == 0;
    }
    if (!accepted) goto done;

    if (spec->family == REF_HMAC) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int mac_len = 0;
        const unsigned char *secret;
        size_t secret_len;

        secret = fuzz_secret(&secret_len);
        if (!HMAC(digest_of(alg->valuestring), secret, (int)secret_len,
                  (const unsigned char *)token, header_len + 1 + payload_len,
                  mac, &mac_len)) {
            abort();
        }
        ok = sig_bytes_len == mac_len && memcmp(sig, mac, mac_len) == 0;
    }
    else {
        ok = verify_public(spec, alg->valuestring,
                           (const unsigned char *)token,
                           header_len + 1 + payload_len, sig, sig_bytes_len);
    }

done:
    cJSON_Delete(header);
    free(raw);
    free(sig);
    return ok;
}

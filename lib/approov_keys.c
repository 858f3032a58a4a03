/*
 * approov_keys.c: verification keys for the Approov token verifier:
 * HMAC secrets, PEM public keys and JWK sets, each pinned to the
 * algorithms it may verify, and the signature check itself.
 *
 * Only APR, OpenSSL and cJSON here: no httpd header.
 */

/* HMAC is computed from digest states prepared once per key (RFC 2104),
 * which needs the low-level SHA256_* / SHA512_* interface that OpenSSL 3.0
 * marks as deprecated: it copies a state by value, where EVP_MAC would
 * allocate on every request. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <string.h>

#include <apr_strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "approov_base64.h"
#include "approov_json.h"
#include "approov_keys.h"

typedef enum {
    FAMILY_HMAC,
    FAMILY_RSA,         /* RSASSA-PKCS1-v1_5 */
    FAMILY_PSS,         /* RSASSA-PSS, salt as long as the digest */
    FAMILY_ECDSA,
    FAMILY_EDDSA
} family_e;

/* Digests by size, an index into approov_key.md. */
enum { SHA_256, SHA_384, SHA_512, SHA_COUNT };

typedef struct {
    const char *name;
    family_e family;
    int digest;
    int size;           /* MAC length, or ECDSA r||s length */
} alg_info;

static const alg_info algs[APPROOV_ALG_COUNT] = {
    [APPROOV_ALG_HS256] = { "HS256", FAMILY_HMAC, SHA_256, 32 },
    [APPROOV_ALG_HS384] = { "HS384", FAMILY_HMAC, SHA_384, 48 },
    [APPROOV_ALG_HS512] = { "HS512", FAMILY_HMAC, SHA_512, 64 },
    [APPROOV_ALG_RS256] = { "RS256", FAMILY_RSA, SHA_256, 0 },
    [APPROOV_ALG_RS384] = { "RS384", FAMILY_RSA, SHA_384, 0 },
    [APPROOV_ALG_RS512] = { "RS512", FAMILY_RSA, SHA_512, 0 },
    [APPROOV_ALG_PS256] = { "PS256", FAMILY_PSS, SHA_256, 0 },
    [APPROOV_ALG_PS384] = { "PS384", FAMILY_PSS, SHA_384, 0 },
    [APPROOV_ALG_PS512] = { "PS512", FAMILY_PSS, SHA_512, 0 },
    [APPROOV_ALG_ES256] = { "ES256", FAMILY_ECDSA, SHA_256, 64 },
    [APPROOV_ALG_ES384] = { "ES384", FAMILY_ECDSA, SHA_384, 96 },
    [APPROOV_ALG_ES512] = { "ES512", FAMILY_ECDSA, SHA_512, 132 },
    [APPROOV_ALG_EDDSA] = { "EdDSA", FAMILY_EDDSA, 0, 64 },
};

static const char *const digest_names[SHA_COUNT] = {
    "SHA2-256", "SHA2-384", "SHA2-512"
};

#define ALG_BIT(alg) (1u << (alg))
#define RSA_ALGS (ALG_BIT(APPROOV_ALG_RS256) | ALG_BIT(APPROOV_ALG_RS384) \
                  | ALG_BIT(APPROOV_ALG_RS512) | ALG_BIT(APPROOV_ALG_PS256) \
                  | ALG_BIT(APPROOV_ALG_PS384) | ALG_BIT(APPROOV_ALG_PS512))
#define PSS_ALGS (ALG_BIT(APPROOV_ALG_PS256) | ALG_BIT(APPROOV_ALG_PS384) \
                  | ALG_BIT(APPROOV_ALG_PS512))
#define RSA_MIN_BITS 2048
#define HMAC_BLOCK_MAX 128

struct approov_key {
    const char *kid;            /* NULL: none */
    unsigned int algs;          /* bit set of the algorithms it verifies */

    /* HMAC: for each digest of an algorithm it verifies, the states after
     * absorbing key^ipad and key^opad. */
    struct {
        union {
            SHA256_CTX sha256;
            SHA512_CTX sha512;  /* also SHA-384 */
        } inner, outer;
    } hmac[SHA_COUNT];

    /* Public keys, with the digests fetched once at load time. */
    EVP_PKEY *pkey;
    EVP_MD *md[SHA_COUNT];

    /* Verification state made once per algorithm the key verifies, so
     * that a request only duplicates it: in OpenSSL 3 every
     * EVP_DigestVerifyInit() fetches the signature and the digest by name
     * under the method store's and name map's locks, shared by every
     * thread of the server.  RSA and ECDSA: an EVP_PKEY_CTX after
     * EVP_PKEY_verify_init() with its padding and digest set (the message
     * is hashed with the low-level SHA functions); EdDSA, which has no
     * prehashed verify: an EVP_MD_CTX after EVP_DigestVerifyInit().  Read
     * only once made; NULL: not prepared, verify the slow way. */
    EVP_PKEY_CTX *vctx[APPROOV_ALG_COUNT];
    EVP_MD_CTX *ed_ctx;
    /* ECDSA: the key as an EC_KEY, verified with ECDSA_do_verify() on
     * r and s as the token carries them: no DER encoding for the provider
     * to decode again, no context to duplicate. */
    EC_KEY *ec;
};

const char *approov_alg_name(approov_alg_e alg)
{
    if (alg <= APPROOV_ALG_NONE || alg >= APPROOV_ALG_COUNT) {
        return "unknown";
    }
    return algs[alg].name;
}

approov_alg_e approov_alg_from_name(const char *name)
{
    int alg;

    for (alg = APPROOV_ALG_NONE + 1; alg < APPROOV_ALG_COUNT; alg++) {
        if (strcmp(algs[alg].name, name) == 0) {
            return (approov_alg_e)alg;
        }
    }
    return APPROOV_ALG_NONE;
}

int approov_key_accepts(const approov_key_t *key, approov_alg_e alg)
{
    return alg > APPROOV_ALG_NONE && alg < APPROOV_ALG_COUNT
           && (key->algs & ALG_BIT(alg)) != 0;
}

approov_alg_e approov_key_alg(const approov_key_t *key)
{
    int alg;

    for (alg = APPROOV_ALG_NONE + 1; alg < APPROOV_ALG_COUNT; alg++) {
        if (key->algs & ALG_BIT(alg)) {
            return (approov_alg_e)alg;
        }
    }
    return APPROOV_ALG_NONE;
}

const char *approov_key_kid(const approov_key_t *key)
{
    return key->kid;
}

void approov_key_set_kid(apr_pool_t *p, approov_key_t *key, const char *kid)
{
    key->kid = kid ? apr_pstrdup(p, kid) : NULL;
}

/* ------------------------------------------------------------------ */
/* HMAC                                                                */

static apr_status_t wipe_hmac_key(void *data)
{
    OPENSSL_cleanse(data, sizeof(approov_key_t));
    return APR_SUCCESS;
}

/* Absorb key^ipad and key^opad into the digest states of one HMAC
 * algorithm (RFC 2104). */
static void prepare_hmac(approov_key_t *key, approov_alg_e alg,
                         const unsigned char *secret, apr_size_t len)
{
    unsigned char block[HMAC_BLOCK_MAX];
    apr_size_t block_len = alg == APPROOV_ALG_HS256 ? 64 : 128;
    int digest = algs[alg].digest, i;

    /* RFC 2104: a key longer than the block is hashed first. */
    memset(block, 0, sizeof(block));
    if (len > block_len) {
        switch (alg) {
        case APPROOV_ALG_HS256: SHA256(secret, len, block); break;
        case APPROOV_ALG_HS384: SHA384(secret, len, block); break;
        default:                SHA512(secret, len, block); break;
        }
    }
    else {
        memcpy(block, secret, len);
    }
    for (i = 0; i < 2; i++) {
        unsigned char pad = i == 0 ? 0x36 : 0x5c;
        void *state = i == 0 ? (void *)&key->hmac[digest].inner
                             : (void *)&key->hmac[digest].outer;
        apr_size_t j;

        for (j = 0; j < block_len; j++) {
            block[j] ^= pad;
        }
        switch (alg) {
        case APPROOV_ALG_HS256:
            SHA256_Init(state);
            SHA256_Update(state, block, block_len);
            break;
        case APPROOV_ALG_HS384:
            SHA384_Init(state);
            SHA384_Update(state, block, block_len);
            break;
        default:
            SHA512_Init(state);
            SHA512_Update(state, block, block_len);
            break;
        }
        for (j = 0; j < block_len; j++) {
            block[j] ^= pad;
        }
    }
    OPENSSL_cleanse(block, sizeof(block));
}

/* The HMAC algorithms a secret of len bytes may verify: RFC 7518 3.2 wants
 * a key at least as long as the hash output. */
static unsigned int hmac_algs_for(apr_size_t len)
{
    unsigned int set = 0;
    int alg;

    if (len > APPROOV_SECRET_MAX_LEN) {
        return 0;
    }
    for (alg = APPROOV_ALG_NONE + 1; alg < APPROOV_ALG_COUNT; alg++) {
        if (algs[alg].family == FAMILY_HMAC
            && len >= (apr_size_t)algs[alg].size) {
            set |= ALG_BIT(alg);
        }
    }
    return set;
}

/* A key verifying the HMAC algorithms of set, which the caller has
 * checked against hmac_algs_for(len). */
static approov_key_t *hmac_key(apr_pool_t *p, unsigned int set,
                               const unsigned char *secret, apr_size_t len)
{
    approov_key_t *key = apr_pcalloc(p, sizeof(*key));
    int alg;

    apr_pool_cleanup_register(p, key, wipe_hmac_key, apr_pool_cleanup_null);
    key->algs = set;
    for (alg = APPROOV_ALG_NONE + 1; alg < APPROOV_ALG_COUNT; alg++) {
        if (set & ALG_BIT(alg)) {
            prepare_hmac(key, (approov_alg_e)alg, secret, len);
        }
    }
    return key;
}

approov_key_t *approov_key_hmac(apr_pool_t *p, approov_alg_e alg,
                                const unsigned char *secret, apr_size_t len)
{
    if (alg <= APPROOV_ALG_NONE || alg >= APPROOV_ALG_COUNT
        || !(hmac_algs_for(len) & ALG_BIT(alg))) {
        return NULL;
    }
    return hmac_key(p, ALG_BIT(alg), secret, len);
}

/* The MAC of data with one of the key's HMAC algorithms. */
static apr_size_t hmac_mac(const approov_key_t *key, approov_alg_e alg,
                           const char *data, apr_size_t len,
                           unsigned char *mac)
{
    int digest = algs[alg].digest;

    if (alg == APPROOV_ALG_HS256) {
        SHA256_CTX ctx = key->hmac[digest].inner.sha256;

        SHA256_Update(&ctx, data, len);
        SHA256_Final(mac, &ctx);
        ctx = key->hmac[digest].outer.sha256;
        SHA256_Update(&ctx, mac, 32);
        SHA256_Final(mac, &ctx);
        OPENSSL_cleanse(&ctx, sizeof(ctx));
    }
    else {
        SHA512_CTX ctx = key->hmac[digest].inner.sha512;
        apr_size_t size = (apr_size_t)algs[alg].size;

        /* SHA384_Update and _Final are SHA512's with a shorter output. */
        SHA512_Update(&ctx, data, len);
        if (alg == APPROOV_ALG_HS384) SHA384_Final(mac, &ctx);
        else SHA512_Final(mac, &ctx);
        ctx = key->hmac[digest].outer.sha512;
        SHA512_Update(&ctx, mac, size);
        if (alg == APPROOV_ALG_HS384) SHA384_Final(mac, &ctx);
        else SHA512_Final(mac, &ctx);
        OPENSSL_cleanse(&ctx, sizeof(ctx));
    }
    return (apr_size_t)algs[alg].size;
}

/* The MAC of data under an HMAC key's first algorithm; returns its length
 * (0: not HMAC). */
apr_size_t approov_key_mac(const approov_key_t *key, const char *data,
                           apr_size_t len, unsigned char *mac)
{
    approov_alg_e alg = approov_key_alg(key);

    if (alg == APPROOV_ALG_NONE || algs[alg].family != FAMILY_HMAC) {
        return 0;
    }
    return hmac_mac(key, alg, data, len, mac);
}

/* ------------------------------------------------------------------ */
/* public keys                                                         */

static apr_status_t free_public_key(void *data)
{
    approov_key_t *key = data;
    int i;

    for (i = 0; i < APPROOV_ALG_COUNT; i++) {
        EVP_PKEY_CTX_free(key->vctx[i]);
    }
    EVP_MD_CTX_free(key->ed_ctx);
    EC_KEY_free(key->ec);
    EVP_PKEY_free(key->pkey);
    for (i = 0; i < SHA_COUNT; i++) {
        EVP_MD_free(key->md[i]);
    }
    return APR_SUCCESS;
}

/* The padding and digest of a verification of alg, on a context after
 * EVP_PKEY_verify_init(). */
static int set_verify_params(EVP_PKEY_CTX *pctx, const approov_key_t *key,
                             approov_alg_e alg)
{
    const alg_info *info = &algs[alg];

    if (info->family == FAMILY_PSS) {
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
               && EVP_PKEY_CTX_set_signature_md(pctx, key->md[info->digest])
                  == 1
               && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                   RSA_PSS_SALTLEN_DIGEST)
                  == 1;
    }
    if (info->family == FAMILY_RSA
        && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
        return 0;
    }
    return EVP_PKEY_CTX_set_signature_md(pctx, key->md[info->digest]) == 1;
}

/* Make the per-algorithm verification state of a public key (see struct
 * approov_key).  What cannot be prepared is left NULL and verified the
 * slow way, so a failure here costs speed, not correctness. */
static void prepare_public_key(approov_key_t *key)
{
    int alg;

    ERR_set_mark();
    for (alg = 0; alg < APPROOV_ALG_COUNT; alg++) {
        EVP_PKEY_CTX *pctx;

        if (!(key->algs & ALG_BIT(alg))) {
            continue;
        }
        if (algs[alg].family == FAMILY_EDDSA) {
            EVP_MD_CTX *ctx = EVP_MD_CTX_new();

            if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL,
                                            key->pkey) == 1) {
                key->ed_ctx = ctx;
            }
            else {
                EVP_MD_CTX_free(ctx);
            }
            continue;
        }
        if (algs[alg].family == FAMILY_ECDSA) {
            key->ec = EVP_PKEY_get1_EC_KEY(key->pkey);
            if (key->ec) {
                continue;
            }
        }
        pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        if (pctx && EVP_PKEY_verify_init(pctx) == 1
            && set_verify_params(pctx, key, (approov_alg_e)alg)) {
            key->vctx[alg] = pctx;
        }
        else {
            EVP_PKEY_CTX_free(pctx);
        }
    }
    ERR_pop_to_mark();
}

/* Wrap an EVP_PKEY (taking ownership) into a key pinned to the algorithms
 * its type and size allow. */
static const char *wrap_public_key(apr_pool_t *p, EVP_PKEY *pkey,
                                   approov_key_t **out)
{
    approov_key_t *key = apr_pcalloc(p, sizeof(*key));
    BIGNUM *e = NULL;
    char group[64];
    int i;

    key->pkey = pkey;
    apr_pool_cleanup_register(p, key, free_public_key, apr_pool_cleanup_null);

    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS) {
            return apr_psprintf(p, "an RSA key of %d bits is too weak "
                                "(at least %d)", EVP_PKEY_get_bits(pkey),
                                RSA_MIN_BITS);
        }
        /* e = 1 would make the padded digest its own signature. */
        if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)
            || !BN_is_odd(e) || BN_is_one(e)) {
            BN_free(e);
            return "an RSA key whose public exponent is not odd and at "
                   "least 3";
        }
        BN_free(e);
        key->algs = EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA_PSS
                    ? PSS_ALGS : RSA_ALGS;
        break;
    case EVP_PKEY_EC:
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), NULL)) {
            return "an EC key without a named curve";
        }
        if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
            key->algs = ALG_BIT(APPROOV_ALG_ES256);
        }
        else if (strcmp(group, "secp384r1") == 0
                 || strcmp(group, "P-384") == 0) {
            key->algs = ALG_BIT(APPROOV_ALG_ES384);
        }
        else if (strcmp(group, "secp521r1") == 0
                 || strcmp(group, "P-521") == 0) {
            key->algs = ALG_BIT(APPROOV_ALG_ES512);
        }
        else {
            return apr_psprintf(p, "EC curve %s is not supported (P-256, "
                                "P-384, P-521)", group);
        }
        break;
    case EVP_PKEY_ED25519:
        key->algs = ALG_BIT(APPROOV_ALG_EDDSA);
        break;
    default:
        return "unsupported key type (RSA, EC P-256/P-384/P-521 or Ed25519)";
    }

    for (i = 0; i < SHA_COUNT; i++) {
        key->md[i] = EVP_MD_fetch(NULL, digest_names[i], NULL);
        if (!key->md[i]) {
            return "OpenSSL cannot provide SHA-2";
        }
    }
    prepare_public_key(key);
    *out = key;
    return NULL;
}

const char *approov_key_from_pem(apr_pool_t *p, const char *pem,
                                 apr_size_t len, approov_key_t **out)
{
    BIO *bio;
    EVP_PKEY *pkey;

    if (len > 64 * 1024) {
        return "the PEM text is too long";
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) {
        return "out of memory";
    }
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!pkey) {
        return "no PEM public key (\"-----BEGIN PUBLIC KEY-----\", "
               "SubjectPublicKeyInfo) found";
    }
    return wrap_public_key(p, pkey, out);
}

/* ------------------------------------------------------------------ */
/* JWK sets (RFC 7517, 7518, 8037)                                     */

static const char *jwk_string(const cJSON *jwk, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(jwk, name);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* A base64url member, decoded; NULL when absent or not strict. */
static unsigned char *jwk_bytes(apr_pool_t *p, const cJSON *jwk,
                                const char *name, apr_size_t *len)
{
    const char *text = jwk_string(jwk, name);
    unsigned char *bytes;
    long n;

    if (!text || !*text) {
        return NULL;
    }
    bytes = apr_palloc(p, strlen(text) / 4 * 3 + 3);
    n = approov_b64url_decode(bytes, text, strlen(text));
    if (n <= 0) {
        return NULL;
    }
    *len = (apr_size_t)n;
    return bytes;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;

    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
            pkey = NULL;
        }
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static const char *rsa_from_jwk(apr_pool_t *p, const cJSON *jwk,
                                EVP_PKEY **pkey)
{
    unsigned char *n_bytes, *e_bytes;
    apr_size_t n_len, e_len;
    BIGNUM *n = NULL, *e = NULL;
    OSSL_PARAM_BLD *bld;

    n_bytes = jwk_bytes(p, jwk, "n", &n_len);
    e_bytes = jwk_bytes(p, jwk, "e", &e_len);
    if (!n_bytes || !e_bytes) {
        return "RSA key without valid base64url n and e";
    }
    n = BN_bin2bn(n_bytes, (int)n_len, NULL);
    e = BN_bin2bn(e_bytes, (int)e_len, NULL);
    bld = OSSL_PARAM_BLD_new();
    *pkey = NULL;
    if (n && e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
        *pkey = pkey_from_params("RSA", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return *pkey ? NULL : "RSA key that OpenSSL refuses";
}

static const char *ec_from_jwk(apr_pool_t *p, const cJSON *jwk,
                               EVP_PKEY **pkey, int *unsupported)
{
    const char *crv = jwk_string(jwk, "crv");
    unsigned char *x, *y, *point;
    apr_size_t x_len, y_len, size;
    OSSL_PARAM_BLD *bld;

    if (!crv) {
        return "EC key without crv";
    }
    if (strcmp(crv, "P-256") == 0) size = 32;
    else if (strcmp(crv, "P-384") == 0) size = 48;
    else if (strcmp(crv, "P-521") == 0) size = 66;
    else {
        *unsupported = 1;
        return apr_psprintf(p, "EC curve %s is not supported", crv);
    }
    x = jwk_bytes(p, jwk, "x", &x_len);
    y = jwk_bytes(p, jwk, "y", &y_len);
    /* RFC 7518 6.2.1.2: coordinates are exactly the field size. */
    if (!x || !y || x_len != size || y_len != size) {
        return "EC key without valid full-length x and y";
    }
    point = apr_palloc(p, 1 + 2 * size);
    point[0] = 0x04;                        /* uncompressed */
    memcpy(point + 1, x, size);
    memcpy(point + 1 + size, y, size);
    bld = OSSL_PARAM_BLD_new();
    *pkey = NULL;
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                               crv, 0)
        && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                            point, 1 + 2 * size)) {
        *pkey = pkey_from_params("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    return *pkey ? NULL : "EC key whose point is not on the curve";
}

static const char *okp_from_jwk(apr_pool_t *p, const cJSON *jwk,
                                EVP_PKEY **pkey, int *unsupported)
{
    const char *crv = jwk_string(jwk, "crv");
    unsigned char *x;
    apr_size_t x_len;

    if (!crv || strcmp(crv, "Ed25519") != 0) {
        *unsupported = 1;
        return apr_psprintf(p, "OKP curve %s is not supported (Ed25519)",
                            crv ? crv : "(none)");
    }
    x = jwk_bytes(p, jwk, "x", &x_len);
    if (!x || x_len != 32) {
        return "Ed25519 key without a valid 32-byte x";
    }
    *pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, x, x_len);
    return *pkey ? NULL : "Ed25519 key that OpenSSL refuses";
}

/*
 * One JWK.  Returns NULL and sets *out on success; otherwise a message,
 * with *unsupported set when the key is merely of a kind we do not verify
 * (the caller skips it) rather than broken (the caller fails).
 */
static const char *key_from_jwk(apr_pool_t *p, const cJSON *jwk,
                                approov_key_t **out, int *unsupported)
{
    const char *kty = jwk_string(jwk, "kty");
    const cJSON *use = cJSON_GetObjectItemCaseSensitive(jwk, "use");
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(jwk, "kid");
    const cJSON *alg_item = cJSON_GetObjectItemCaseSensitive(jwk, "alg");
    approov_alg_e alg = APPROOV_ALG_NONE;
    EVP_PKEY *pkey = NULL;
    approov_key_t *key = NULL;
    const char *err;

    *unsupported = 0;
    if (!cJSON_IsObject(jwk) || !kty) {
        return "a key without a kty string";
    }
    if (kid && !cJSON_IsString(kid)) {
        return "a kid that is not a string";
    }
    if (use && !cJSON_IsString(use)) {
        return "a use that is not a string";
    }
    if (use && strcmp(use->valuestring, "sig") != 0) {
        *unsupported = 1;
        return apr_psprintf(p, "use \"%s\" is not \"sig\"",
                            use->valuestring);
    }
    if (alg_item) {
        if (!cJSON_IsString(alg_item)) {
            return "an alg that is not a string";
        }
        alg = approov_alg_from_name(alg_item->valuestring);
        if (alg == APPROOV_ALG_NONE) {
            *unsupported = 1;
            return apr_psprintf(p, "alg %s is not supported",
                                alg_item->valuestring);
        }
    }

    if (strcmp(kty, "oct") == 0) {
        unsigned char *k;
        apr_size_t k_len;
        unsigned int set;

        if (alg != APPROOV_ALG_NONE && algs[alg].family != FAMILY_HMAC) {
            *unsupported = 1;
            return apr_psprintf(p, "alg %s does not fit kty oct",
                                algs[alg].name);
        }
        k = jwk_bytes(p, jwk, "k", &k_len);
        if (!k || k_len > APPROOV_SECRET_MAX_LEN) {
            return "an oct key without a valid base64url k";
        }
        /* A key too short for its alg is weak, not of another kind: an
         * error, as a short RSA modulus is.  Without alg, it verifies
         * each HS algorithm its length allows. */
        set = hmac_algs_for(k_len);
        if (alg != APPROOV_ALG_NONE) {
            if (!(set & ALG_BIT(alg))) {
                OPENSSL_cleanse(k, k_len);
                return apr_psprintf(p, "an oct key of %" APR_SIZE_T_FMT
                                    " bytes is too short for %s (RFC 7518 "
                                    "3.2: at least %d)", k_len,
                                    algs[alg].name, algs[alg].size);
            }
            set = ALG_BIT(alg);
        }
        else if (!set) {
            OPENSSL_cleanse(k, k_len);
            return apr_psprintf(p, "an oct key of %" APR_SIZE_T_FMT
                                " bytes is too short (RFC 7518 3.2: at "
                                "least %d, for HS256)", k_len,
                                APPROOV_SECRET_MIN_LEN);
        }
        key = hmac_key(p, set, k, k_len);
        OPENSSL_cleanse(k, k_len);
    }
    else {
        if (strcmp(kty, "RSA") == 0) {
            err = rsa_from_jwk(p, jwk, &pkey);
        }
        else if (strcmp(kty, "EC") == 0) {
            err = ec_from_jwk(p, jwk, &pkey, unsupported);
        }
        else if (strcmp(kty, "OKP") == 0) {
            err = okp_from_jwk(p, jwk, &pkey, unsupported);
        }
        else {
            *unsupported = 1;
            return apr_psprintf(p, "kty %s is not supported", kty);
        }
        if (err) {
            return err;
        }
        if ((err = wrap_public_key(p, pkey, &key)) != NULL) {
            return err;
        }
        if (alg != APPROOV_ALG_NONE) {
            if (!approov_key_accepts(key, alg)) {
                *unsupported = 1;
                return apr_psprintf(p, "alg %s does not fit this %s key",
                                    algs[alg].name, kty);
            }
            key->algs = ALG_BIT(alg);
        }
    }
    if (kid) {
        approov_key_set_kid(p, key, kid->valuestring);
    }
    *out = key;
    return NULL;
}

const char *approov_keys_from_jwks(apr_pool_t *p, const char *text,
                                   apr_size_t len, apr_array_header_t *keys,
                                   apr_array_header_t *warnings)
{
    const cJSON *root, *list, *jwk;
    int index = 0, added = 0, unsupported, first = keys->nelts;

    root = approov_json_parse_object(p, (const unsigned char *)text, len);
    if (!root) {
        return "not a strict JSON object";
    }
    list = cJSON_GetObjectItemCaseSensitive(root, "keys");
    if (!cJSON_IsArray(list)) {
        return "no \"keys\" array";
    }
    for (jwk = list->child; jwk; jwk = jwk->next, index++) {
        approov_key_t *key = NULL;
        const char *err = key_from_jwk(p, jwk, &key, &unsupported);

        if (err && !unsupported) {
            keys->nelts = first;            /* an error adds no key */
            return apr_psprintf(p, "key %d: %s", index, err);
        }
        if (err) {
            *(const char **)apr_array_push(warnings) =
                apr_psprintf(p, "key %d skipped: %s", index, err);
            continue;
        }
        *(approov_key_t **)apr_array_push(keys) = key;
        added++;
    }
    if (!added) {
        return "no usable key";
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* signatures                                                          */

/* SHA-2 of data by the low-level functions, which fetch nothing (the
 * one-shot SHA256() of OpenSSL 3 is EVP_Q_digest(): a fetch by name). */
static apr_size_t digest(int which, const char *data, apr_size_t len,
                         unsigned char *out)
{
    SHA256_CTX c256;
    SHA512_CTX c512;

    switch (which) {
    case SHA_256:
        SHA256_Init(&c256);
        SHA256_Update(&c256, data, len);
        SHA256_Final(out, &c256);
        OPENSSL_cleanse(&c256, sizeof(c256));
        return SHA256_DIGEST_LENGTH;
    case SHA_384:
        SHA384_Init(&c512);
        SHA384_Update(&c512, data, len);
        SHA384_Final(out, &c512);
        OPENSSL_cleanse(&c512, sizeof(c512));
        return SHA384_DIGEST_LENGTH;
    default:
        SHA512_Init(&c512);
        SHA512_Update(&c512, data, len);
        SHA512_Final(out, &c512);
        OPENSSL_cleanse(&c512, sizeof(c512));
        return SHA512_DIGEST_LENGTH;
    }
}

/* JOSE ECDSA signatures are r||s of fixed length; OpenSSL wants DER. */
static int ecdsa_to_der(const unsigned char *sig, apr_size_t sig_len,
                        unsigned char **der)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)(sig_len / 2), NULL);
    BIGNUM *s = BN_bin2bn(sig + sig_len / 2, (int)(sig_len / 2), NULL);
    int len = -1;

    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL;                       /* owned by es now */
        len = i2d_ECDSA_SIG(es, der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return len;
}

/* An ECDSA signature as JOSE writes it (r||s, each half the length) over
 * data, checked with the key's EC_KEY.  ECDSA_do_verify() refuses r or s
 * outside [1, n-1]. */
static int ecdsa_verify_rs(EC_KEY *ec, int digest_id, const char *data,
                           apr_size_t len, const unsigned char *sig,
                           apr_size_t sig_len)
{
    unsigned char dgst[SHA512_DIGEST_LENGTH];
    apr_size_t dgst_len = digest(digest_id, data, len, dgst);
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)(sig_len / 2), NULL);
    BIGNUM *s = BN_bin2bn(sig + sig_len / 2, (int)(sig_len / 2), NULL);
    int ok = 0;

    /* A refused signature leaves nothing on the thread's error queue. */
    ERR_set_mark();
    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL;                       /* owned by es now */
        ok = ECDSA_do_verify(dgst, (int)dgst_len, es, ec) == 1;
    }
    ERR_pop_to_mark();
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return ok;
}

approov_result_e approov_key_verify(const approov_key_t *key,
                                    approov_alg_e alg, const char *data,
                                    apr_size_t len, const unsigned char *sig,
                                    apr_size_t sig_len)
{
    const alg_info *info;
    EVP_MD_CTX *ctx;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL;
    int ok = 0;

    if (!approov_key_accepts(key, alg)) {
        return APPROOV_BAD_ALG;
    }
    info = &algs[alg];

    if (info->family == FAMILY_HMAC) {
        unsigned char mac[64];

        if (sig_len != (apr_size_t)info->size) {
            return APPROOV_BAD_SIGNATURE;
        }
        hmac_mac(key, alg, data, len, mac);
        ok = CRYPTO_memcmp(mac, sig, sig_len) == 0;
        OPENSSL_cleanse(mac, sizeof(mac));
        return ok ? APPROOV_VALID : APPROOV_BAD_SIGNATURE;
    }

    if (info->family == FAMILY_ECDSA) {
        int der_len;

        if (sig_len != (apr_size_t)info->size) {
            return APPROOV_MALFORMED;
        }
        if (key->ec) {
            return ecdsa_verify_rs(key->ec, info->digest, data, len, sig,
                                   sig_len) ? APPROOV_VALID
                                            : APPROOV_BAD_SIGNATURE;
        }
        if ((der_len = ecdsa_to_der(sig, sig_len, &der)) <= 0) {
            return APPROOV_BAD_SIGNATURE;
        }
        sig = der;
        sig_len = (apr_size_t)der_len;
    }
    else if (info->family == FAMILY_EDDSA) {
        if (sig_len != (apr_size_t)info->size) {
            return APPROOV_BAD_SIGNATURE;
        }
    }
    else if (sig_len != (apr_size_t)EVP_PKEY_get_size(key->pkey)) {
        return APPROOV_BAD_SIGNATURE;
    }

    if (key->vctx[alg]) {
        unsigned char dgst[SHA512_DIGEST_LENGTH];
        apr_size_t dgst_len = digest(info->digest, data, len, dgst);

        pctx = EVP_PKEY_CTX_dup(key->vctx[alg]);
        ok = pctx && EVP_PKEY_verify(pctx, sig, sig_len, dgst, dgst_len) == 1;
        EVP_PKEY_CTX_free(pctx);
        OPENSSL_free(der);
        return ok ? APPROOV_VALID : APPROOV_BAD_SIGNATURE;
    }
    if (info->family == FAMILY_EDDSA && key->ed_ctx) {
        ctx = EVP_MD_CTX_new();
        ok = ctx && EVP_MD_CTX_copy_ex(ctx, key->ed_ctx) == 1
             && EVP_DigestVerify(ctx, sig, sig_len,
                                 (const unsigned char *)data, len) == 1;
        EVP_MD_CTX_free(ctx);
        return ok ? APPROOV_VALID : APPROOV_BAD_SIGNATURE;
    }

    /* Not prepared (see prepare_public_key): the general way. */
    ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestVerifyInit(ctx, &pctx,
                                    info->family == FAMILY_EDDSA
                                    ? NULL : key->md[info->digest],
                                    NULL, key->pkey) == 1) {
        if (info->family == FAMILY_PSS) {
            ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
                 && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                     RSA_PSS_SALTLEN_DIGEST)
                    == 1;
        }
        else {
            ok = info->family != FAMILY_RSA
                 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
        }
        ok = ok && EVP_DigestVerify(ctx, sig, sig_len,
                                    (const unsigned char *)data, len) == 1;
    }
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok ? APPROOV_VALID : APPROOV_BAD_SIGNATURE;
}

/* ------------------------------------------------------------------ */
/* constant-time comparison                                            */

int approov_equal_ct(const void *a, const void *b, apr_size_t len)
{
    const unsigned char *x = a, *y = b;
    apr_uint64_t diff = 0, wx, wy;
    apr_size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        memcpy(&wx, x + i, 8);
        memcpy(&wy, y + i, 8);
        diff |= wx ^ wy;
    }
    for (; i < len; i++) {
        diff |= (apr_uint64_t)(x[i] ^ y[i]);
    }
    /* 1 when diff is 0, without a branch on it. */
    return (int)((((diff | (0 - diff)) >> 63) ^ 1) & 1);
}

/*
 * fuzz_keys: the key loaders of approov_keys.c, which read the files an
 * operator names at start-up.  The whole input is such a file, no selector
 * byte, so that every corpus file is a real key file (`fuzz_keys some.pem`
 * replays it).  It goes to approov_keys_from_jwks() (ApproovJWKSFile), and
 * when it contains "-----BEGIN" to approov_key_from_pem()
 * (ApproovPublicKeyFile) as well: PEM text (RFC 7468) cannot do without
 * that line, and OpenSSL 3.0 spends some 0.4 ms setting up its decoders in
 * every PEM_read_bio_PUBKEY() call, whatever the text, which would make
 * JSON inputs ten times slower.  The JSON parser refuses PEM text at its
 * first byte.
 *
 * Each loader is compared with a reference computed here from plain cJSON
 * and OpenSSL, never through approov_keys.c.
 *
 * JWKS: a model of the rules (top-level README, ApproovJWKSFile;
 * approov_token.h) runs over cJSON's own tree of the text and gives each
 * JWK, checked in the loader's order, one fate:
 *  - error: not an object; kty absent or not a string; kid, use or alg
 *    present but not a string; oct: k not non-empty strict base64url of at
 *    most APPROOV_SECRET_MAX_LEN bytes, or shorter than the output of its
 *    alg's hash (EVP_MD_get_size), or without alg than SHA-256's; RSA: n or e not non-empty strict
 *    base64url, n under 2048 bits (BN_num_bits), e even or 1; EC: crv not
 *    a string, x or y not strict base64url of exactly the field size, or
 *    not a point of the curve (EC_KEY_set_public_key_affine_coordinates);
 *    OKP Ed25519: x not 32 bytes;
 *  - skipped with a warning: use other than "sig"; alg not a JOSE name we
 *    verify; kty none of RSA, EC, OKP, oct; EC curve other than P-256,
 *    P-384, P-521; OKP curve other than Ed25519; alg the kind of key does
 *    not allow;
 *  - loaded, verifying {alg} when alg is given, otherwise what the kind
 *    allows: oct each of HS256, HS384, HS512 whose hash output is no longer
 *    than k (RFC 7518 3.2); RSA RS256..RS512 and PS256..PS512; EC exactly
 *    ES256/ES384/ES512 by curve; Ed25519 EdDSA.
 * ApproovJWKSURI's acceptance (approov_jwks_parse()) of the same text must
 * be the loader's, refusing as well a set over APPROOV_JWKS_MAX bytes or
 * with two loaded keys of one kid (or two without one), and then adding
 * no key.
 *
 * The file is an error when it is not a strict JSON object
 * (approov_json_parse_object()), has no "keys" array, has a JWK in error,
 * or loads no key.  The loader must agree: success exactly then, with the
 * loaded keys appended in order, each accepting exactly the model's
 * algorithms (approov_key_accepts() over every alg, approov_key_alg() the
 * first) and carrying the JWK's kid, and one non-empty warning per skipped
 * JWK; failure with a non-empty message and the key array as it was (it
 * holds a key beforehand, as in approov-token).  An oct key's
 * approov_key_mac() of a fixed message is OpenSSL's HMAC() keyed with the
 * decoded k with its first alg, and for each alg it verifies,
 * approov_key_verify() takes OpenSSL's MAC and not one with a bit flipped.
 *
 * PEM: the reference reads the text with PEM_read_bio_PUBKEY() and wants,
 * for a text of at most 64 KiB: RSA of at least 2048 bits with an odd e
 * other than 1 (EVP_PKEY_get_bn_param) RS256..PS512, an RSA-PSS key
 * PS256..PS512 only, EC on P-256/P-384/P-521 (EC_GROUP_get_curve_name)
 * exactly ES256/ES384/ES512, Ed25519 EdDSA; anything else refused.  The
 * loader must agree, with a key without kid; a refusal is a non-empty
 * message that leaves *out alone.
 *
 * Every public key loaded: approov_key_mac() is 0; approov_key_verify() of
 * the fixed signatures below (one per family and curve, made once with the
 * private keys of keys/) is VALID exactly when OpenSSL's EVP_DigestVerify()
 * with the reference key says so, for every alg the key accepts, and
 * BAD_ALG for every alg it does not.  The seeds made from keys/ thus check
 * that the loader took the right bytes (n and e, x and y) for the key.
 */

/* The reference builds keys another way than the loader's
 * EVP_PKEY_fromdata(): RSA_set0_key() and EC_KEY, deprecated in 3.0. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_tables.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "fuzz_common.h"

#include "approov_jwks.h"

#define BIT(alg) (1u << (alg))
#define RSA_ALGS (BIT(APPROOV_ALG_RS256) | BIT(APPROOV_ALG_RS384)          \
                  | BIT(APPROOV_ALG_RS512) | PSS_ALGS)
#define PSS_ALGS (BIT(APPROOV_ALG_PS256) | BIT(APPROOV_ALG_PS384)          \
                  | BIT(APPROOV_ALG_PS512))
#define HMAC_ALGS (BIT(APPROOV_ALG_HS256) | BIT(APPROOV_ALG_HS384)         \
                   | BIT(APPROOV_ALG_HS512))
#define PEM_MAX (64 * 1024)

static const char message[] =
    "fuzz_keys: a message signed with the test keys of fuzz/keys/";
#define MESSAGE_LEN (sizeof(message) - 1)

/* The JOSE names, this file's own table, and their digests. */
static const struct {
    const char *name;
    approov_alg_e alg;
    const EVP_MD *(*md)(void);
} names[] = {
    { "HS256", APPROOV_ALG_HS256, EVP_sha256 },
    { "HS384", APPROOV_ALG_HS384, EVP_sha384 },
    { "HS512", APPROOV_ALG_HS512, EVP_sha512 },
    { "RS256", APPROOV_ALG_RS256, EVP_sha256 },
    { "RS384", APPROOV_ALG_RS384, EVP_sha384 },
    { "RS512", APPROOV_ALG_RS512, EVP_sha512 },
    { "PS256", APPROOV_ALG_PS256, EVP_sha256 },
    { "PS384", APPROOV_ALG_PS384, EVP_sha384 },
    { "PS512", APPROOV_ALG_PS512, EVP_sha512 },
    { "ES256", APPROOV_ALG_ES256, EVP_sha256 },
    { "ES384", APPROOV_ALG_ES384, EVP_sha384 },
    { "ES512", APPROOV_ALG_ES512, EVP_sha512 },
    { "EdDSA", APPROOV_ALG_EDDSA, NULL },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static approov_alg_e alg_named(const char *name)
{
    size_t i;

    for (i = 0; i < NNAMES; i++) {
        if (strcmp(names[i].name, name) == 0) {
            return names[i].alg;
        }
    }
    return APPROOV_ALG_NONE;
}

static const EVP_MD *alg_md(approov_alg_e alg)
{
    size_t i;

    for (i = 0; i < NNAMES; i++) {
        if (names[i].alg == alg) {
            return names[i].md ? names[i].md() : NULL;
        }
    }
    abort();
}

/* "ES256,EdDSA" for failure messages; two buffers in turn, for a message
 * with two lists. */
static const char *alg_list(unsigned int algs)
{
    static char bufs[2][NNAMES * 6 + 1];
    static int turn;
    char *buf = bufs[turn ^= 1];
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < NNAMES; i++) {
        if (algs & BIT(names[i].alg)) {
            strcat(buf, buf[0] ? "," : "");
            strcat(buf, names[i].name);
        }
    }
    return buf[0] ? buf : "(none)";
}

/* ------------------------------------------------------------------ */
/* fixed signatures of message                                         */

/* Made once with the private keys of keys/ (es521.pem for ES512), e.g.
 * `openssl dgst -sha384 -sign keys/es384.pem`, `openssl pkeyutl -sign
 * -rawin -inkey keys/ed25519.pem`, `openssl dgst -sha384 -sign
 * keys/rsa2048.pem -sigopt rsa_padding_mode:pss -sigopt
 * rsa_pss_saltlen:digest`; base64url, ECDSA as OpenSSL's DER. */
static const struct {
    approov_alg_e alg;
    int ec_size;                /* r||s half length, ECDSA only */
    const char *text;
} sig_texts[] = {
    { APPROOV_ALG_ES256, 32,
      "MEYCIQC-yL8PXtBqQl6vMNT2JF_EDEC6Ud87E_NwXET_YPcOpgIhAKzuQvQ6FpyzD0qgZg"
      "HASOn7ftQWhYhehMqk5EmQjzGE" },
    { APPROOV_ALG_ES384, 48,
      "MGQCMEUE26w-u_HXTidVPFcvBG4HgvfvDWFIKg0e8p_A5xYuAo48_vonzrVnoFoxBgZPZw"
      "IwJXBa9S05PMMwjFK1V5jSpZcx0i2aR5OUNb-JYoqDjdp1-CiIWDh-C_wqxgacwSjX" },
    { APPROOV_ALG_ES512, 66,
      "MIGIAkIBF95Bzodawt3DBOFCcBmfSvSEp0h-vNJHj22gaGGA8ZwmFflPE7sdYG4GPq3mO2"
      "rEFoG17f5oIxSzrB91L2qISG4CQgGGwAHWMNbpvsQjpfh8WIRx6RcvVnVOVt6axcK3S1av"
      "TcEnJOMzjaZifwiBxNf8rpErQj_CLKK8aPx6Lc5G-1-YPw" },
    { APPROOV_ALG_EDDSA, 0,
      "iiWYi0GZXz-QksnOzH-alRl22aP5DhY2NuLeiWaMZ3HHjld27ZYIzFeuQrT08eD3uQdt_T"
      "4nH20RwwY2kndBBg" },
    { APPROOV_ALG_RS256, 0,
      "2XDBeDrj7dSqbjyBWwQl2xlbXM6KYO4X_4-pst72mupNhAjn15ktimx0gHp8s3KMHB1DVI"
      "DYZMO3bmrZV2gXoml2twz9b4ii6nYJNL7ysc7j2rxXrKPHNyYwifzNKo9Z3pqaabh8R2Tv"
      "YMK53Aq_sL_SjiJ_sNXTZI2qNUfeyLk7KL4mNQ85kDJKIx-g6Ny1_8CS5yWl52r82o_ZaB"
      "Nj17VVpeZzNn0yRmBeMqytvzV0z5eny1JqlzevsZY9-ruefn8zAOpva4dBgqVcvyQxqRES"
      "HztKTmHKo0NCpDks2cNdDvhsbvyAMNuhmcTEq3auIayJCKTyIHzBVoHGRQZT4w" },
    { APPROOV_ALG_PS384, 0,
      "0TpX56OFlePcdPVHYMLSjBEe8LBt5lkdQeWMVAO-jeZKY8uNS7ipoaOklvT-7FL-ecqlFx"
      "p-_yYPVGwOvE9Tg_g9F4ppMwuvZF1OcO91CRaKIJz9uXhDXpa4XLz4boXREW5gkGhAHa5A"
      "_HVGrcuABXyKp_yHf8u_Dk760NLXaJ74h8FKsb7BcsbdKplV80OfR1MvAzLL_Ake3w8LmG"
      "y4QXZ9yamR1BHQeO6XN8582fhQkVkYVEq20WLXVDEmQIHlrgPdEHNXatCizxXflRT2p1Jq"
      "JmwhKgjqSH452cIkWF1xElPRh3mTk9qpNasCJ-BzxGDSvz4BNYdQdFiF2okaHw" },
};
#define NSIGS (sizeof(sig_texts) / sizeof(sig_texts[0]))

/* Decoded: what OpenSSL verifies (DER for ECDSA) and what the core does
 * (JOSE r||s for ECDSA). */
static struct {
    unsigned char openssl[512], jose[512];
    size_t openssl_len, jose_len;
} sigs[NSIGS];

static void init_sigs(void)
{
    static int done;
    size_t i;

    if (done) {
        return;
    }
    for (i = 0; i < NSIGS; i++) {
        const char *text = sig_texts[i].text;
        long n = fuzz_b64url_decode_ref(sigs[i].openssl, text, strlen(text));
        const unsigned char *der = sigs[i].openssl;
        ECDSA_SIG *es;
        int size = sig_texts[i].ec_size;

        if (n <= 0) {
            fprintf(stderr, "fuzz_keys: bad signature text %zu\n", i);
            abort();
        }
        sigs[i].openssl_len = (size_t)n;
        if (!size) {
            memcpy(sigs[i].jose, sigs[i].openssl, (size_t)n);
            sigs[i].jose_len = (size_t)n;
            continue;
        }
        es = d2i_ECDSA_SIG(NULL, &der, n);
        if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), sigs[i].jose, size)
                       != size
            || BN_bn2binpad(ECDSA_SIG_get0_s(es), sigs[i].jose + size, size)
                   != size) {
            fprintf(stderr, "fuzz_keys: bad ECDSA signature %zu\n", i);
            abort();
        }
        ECDSA_SIG_free(es);
        sigs[i].jose_len = 2 * (size_t)size;
    }
    done = 1;
}

static int reference_verify(EVP_PKEY *pkey, approov_alg_e alg,
                            const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int pss = (BIT(alg) & PSS_ALGS) != 0, ok;

    if (!ctx) abort();
    ok = EVP_DigestVerifyInit(ctx, &pctx, alg_md(alg), NULL, pkey) == 1
         && (!pss
             || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
                 && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                     RSA_PSS_SALTLEN_DIGEST)
                    == 1))
         && EVP_DigestVerify(ctx, sig, sig_len,
                             (const unsigned char *)message, MESSAGE_LEN)
            == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

/* ------------------------------------------------------------------ */
/* what every loaded key must show                                     */

static void check_algs(const approov_key_t *key, unsigned int want,
                       const char *what)
{
    int alg, first = APPROOV_ALG_NONE;
    unsigned int got = 0;

    for (alg = APPROOV_ALG_COUNT - 1; alg > APPROOV_ALG_NONE; alg--) {
        if (want & BIT(alg)) first = alg;
        if (approov_key_accepts(key, (approov_alg_e)alg)) got |= BIT(alg);
    }
    FUZZ_CHECK(got == want, "%s: verifies %s, expected %s", what,
               alg_list(got), alg_list(want));
    FUZZ_CHECK(!approov_key_accepts(key, APPROOV_ALG_NONE)
               && !approov_key_accepts(key, APPROOV_ALG_COUNT),
               "%s: accepts an alg out of range", what);
    FUZZ_CHECK(approov_key_alg(key) == (approov_alg_e)first,
               "%s: approov_key_alg() is %d, expected %d", what,
               (int)approov_key_alg(key), first);
}

/* Every alg the key does not accept: BAD_ALG whatever the signature. */
static void check_bad_algs(const approov_key_t *key, unsigned int algs,
                           const char *what)
{
    static const unsigned char junk[64];
    int alg;

    for (alg = APPROOV_ALG_NONE; alg < APPROOV_ALG_COUNT; alg++) {
        if (!(algs & BIT(alg))) {
            FUZZ_CHECK(approov_key_verify(key, (approov_alg_e)alg, message,
                                          MESSAGE_LEN, junk, 64)
                       == APPROOV_BAD_ALG,
                       "%s: alg %d it does not verify is not bad_alg", what,
                       alg);
        }
    }
}

static void check_public_key(const approov_key_t *key, EVP_PKEY *ref,
                             unsigned int algs, const char *what)
{
    unsigned char mac[64];
    size_t i;

    init_sigs();
    check_algs(key, algs, what);
    check_bad_algs(key, algs, what);
    FUZZ_CHECK(approov_key_mac(key, message, MESSAGE_LEN, mac) == 0,
               "%s: a public key gives a MAC", what);
    for (i = 0; i < NSIGS; i++) {
        approov_alg_e alg = sig_texts[i].alg;
        approov_result_e got;
        int want;

        if (!(algs & BIT(alg))) {
            continue;
        }
        got = approov_key_verify(key, alg, message, MESSAGE_LEN,
                                 sigs[i].jose, sigs[i].jose_len);
        want = reference_verify(ref, alg, sigs[i].openssl,
                                sigs[i].openssl_len);
        if (fuzz_verbose()) {
            fprintf(stderr, "keys:   %s signature: %s (OpenSSL: %s)\n",
                    approov_alg_name(alg), approov_result_name(got),
                    want ? "valid" : "invalid");
        }
        FUZZ_CHECK(got == (want ? APPROOV_VALID : APPROOV_BAD_SIGNATURE),
                   "%s: %s signature is %s, OpenSSL says %s", what,
                   approov_alg_name(alg), approov_result_name(got),
                   want ? "valid" : "invalid");
    }
}

static void check_hmac_key(const approov_key_t *key, unsigned int algs,
                           const unsigned char *k, size_t k_len,
                           const char *what)
{
    unsigned char want[EVP_MAX_MD_SIZE], got[64];
    unsigned int want_len = 0;
    size_t got_len;
    int alg, first = 1;

    check_algs(key, algs, what);
    check_bad_algs(key, algs, what);
    for (alg = APPROOV_ALG_NONE + 1; alg < APPROOV_ALG_COUNT; alg++) {
        if (!(algs & BIT(alg))) {
            continue;
        }
        if (!HMAC(alg_md((approov_alg_e)alg), k, (int)k_len,
                  (const unsigned char *)message, MESSAGE_LEN, want,
                  &want_len)) {
            abort();
        }
        if (first) {
            got_len = approov_key_mac(key, message, MESSAGE_LEN, got);
            FUZZ_CHECK(got_len == want_len
                       && memcmp(got, want, want_len) == 0,
                       "%s: approov_key_mac() differs from OpenSSL's "
                       "%s HMAC() with k", what,
                       approov_alg_name((approov_alg_e)alg));
            first = 0;
        }
        FUZZ_CHECK(approov_key_verify(key, (approov_alg_e)alg, message,
                                      MESSAGE_LEN, want, want_len)
                   == APPROOV_VALID,
                   "%s: OpenSSL's %s MAC does not verify", what,
                   approov_alg_name((approov_alg_e)alg));
        want[want_len - 1] ^= 1;
        FUZZ_CHECK(approov_key_verify(key, (approov_alg_e)alg, message,
                                      MESSAGE_LEN, want, want_len)
                   == APPROOV_BAD_SIGNATURE,
                   "%s: a %s MAC with a bit flipped verifies", what,
                   approov_alg_name((approov_alg_e)alg));
    }
}

/* ------------------------------------------------------------------ */
/* JWKS: the model                                                     */

typedef enum { JWK_LOAD, JWK_SKIP, JWK_ERROR } jwk_fate;

typedef struct {
    jwk_fate fate;
    unsigned int algs;
    const char *kid;            /* in the cJSON tree */
    EVP_PKEY *pkey;             /* public keys */
    unsigned char *secret;      /* oct: k decoded */
    size_t secret_len;
} model_key;

static const cJSON *member(const cJSON *jwk, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(jwk, name);
}

/* A member as non-empty strict base64url: malloc'd bytes, or NULL. */
static unsigned char *member_bytes(const cJSON *jwk, const char *name,
                                   size_t *len)
{
    const cJSON *item = member(jwk, name);
    unsigned char *out;
    size_t text_len;
    long n;

    if (!cJSON_IsString(item)) {
        return NULL;
    }
    text_len = strlen(item->valuestring);
    out = malloc(text_len / 4 * 3 + 3);
    if (!out) abort();
    n = fuzz_b64url_decode_ref(out, item->valuestring, text_len);
    if (n <= 0) {
        free(out);
        return NULL;
    }
    *len = (size_t)n;
    return out;
}

static jwk_fate model_rsa(const cJSON *jwk, model_key *mk)
{
    size_t n_len = 0, e_len = 0;
    unsigned char *n_bytes = member_bytes(jwk, "n", &n_len);
    unsigned char *e_bytes = member_bytes(jwk, "e", &e_len);
    RSA *rsa;
    BIGNUM *n, *e;
    int bits;

    if (!n_bytes || !e_bytes) {
        free(n_bytes);
        free(e_bytes);
        return JWK_ERROR;
    }
    n = BN_bin2bn(n_bytes, (int)n_len, NULL);
    e = BN_bin2bn(e_bytes, (int)e_len, NULL);
    free(n_bytes);
    free(e_bytes);
    rsa = RSA_new();
    mk->pkey = EVP_PKEY_new();
    if (!n || !e || !rsa || !mk->pkey || !RSA_set0_key(rsa, n, e, NULL)
        || !EVP_PKEY_assign_RSA(mk->pkey, rsa)) {
        abort();
    }
    bits = BN_num_bits(n);
    mk->algs = RSA_ALGS;
    return bits >= 2048 && BN_is_odd(e) && !BN_is_one(e) ? JWK_LOAD
                                                         : JWK_ERROR;
}

static jwk_fate model_ec(const cJSON *jwk, model_key *mk)
{
    static const struct {
        const char *crv;
        int nid;
        size_t size;
        approov_alg_e alg;
    } curves[] = {
        { "P-256", NID_X9_62_prime256v1, 32, APPROOV_ALG_ES256 },
        { "P-384", NID_secp384r1, 48, APPROOV_ALG_ES384 },
        { "P-521", NID_secp521r1, 66, APPROOV_ALG_ES512 },
    };
    const cJSON *crv = member(jwk, "crv");
    unsigned char *x = NULL, *y = NULL;
    size_t x_len = 0, y_len = 0, i;
    jwk_fate fate = JWK_ERROR;
    EC_KEY *ec;

    if (!cJSON_IsString(crv)) {
        return JWK_ERROR;
    }
    for (i = 0; i < 3 && strcmp(curves[i].crv, crv->valuestring) != 0; i++) {
    }
    if (i == 3) {
        return JWK_SKIP;
    }
    x = member_bytes(jwk, "x", &x_len);
    y = member_bytes(jwk, "y", &y_len);
    if (x && y && x_len == curves[i].size && y_len == curves[i].size) {
        BIGNUM *bx = BN_bin2bn(x, (int)x_len, NULL);
        BIGNUM *by = BN_bin2bn(y, (int)y_len, NULL);

        ec = EC_KEY_new_by_curve_name(curves[i].nid);
        if (!bx || !by || !ec) abort();
        if (EC_KEY_set_public_key_affine_coordinates(ec, bx, by) == 1) {
            mk->pkey = EVP_PKEY_new();
            if (!mk->pkey || !EVP_PKEY_assign_EC_KEY(mk->pkey, ec)) abort();
            mk->algs = BIT(curves[i].alg);
            fate = JWK_LOAD;
        }
        else {
            EC_KEY_free(ec);
        }
        BN_free(bx);
        BN_free(by);
    }
    free(x);
    free(y);
    return fate;
}

static jwk_fate model_okp(const cJSON *jwk, model_key *mk)
{
    const cJSON *crv = member(jwk, "crv");
    size_t x_len = 0;
    unsigned char *x;

    if (!cJSON_IsString(crv) || strcmp(crv->valuestring, "Ed25519") != 0) {
        return JWK_SKIP;
    }
    x = member_bytes(jwk, "x", &x_len);
    if (x && x_len == 32) {
        mk->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, 32);
        mk->algs = BIT(APPROOV_ALG_EDDSA);
    }
    free(x);
    return mk->pkey ? JWK_LOAD : JWK_ERROR;
}

static jwk_fate model_jwk(const cJSON *jwk, model_key *mk)
{
    const cJSON *kty = member(jwk, "kty"), *kid = member(jwk, "kid");
    const cJSON *use = member(jwk, "use"), *alg_item = member(jwk, "alg");
    approov_alg_e alg = APPROOV_ALG_NONE;
    jwk_fate fate;

    if (!cJSON_IsObject(jwk) || !cJSON_IsString(kty)
        || (kid && !cJSON_IsString(kid)) || (use && !cJSON_IsString(use))) {
        return JWK_ERROR;
    }
    if (use && strcmp(use->valuestring, "sig") != 0) {
        return JWK_SKIP;
    }
    if (alg_item) {
        if (!cJSON_IsString(alg_item)) {
            return JWK_ERROR;
        }
        if ((alg = alg_named(alg_item->valuestring)) == APPROOV_ALG_NONE) {
            return JWK_SKIP;
        }
    }
    mk->kid = kid ? kid->valuestring : NULL;
    if (strcmp(kty->valuestring, "oct") == 0) {
        unsigned int fits = 0;
        size_t i;

        if (alg != APPROOV_ALG_NONE && !(BIT(alg) & HMAC_ALGS)) {
            return JWK_SKIP;
        }
        mk->secret = member_bytes(jwk, "k", &mk->secret_len);
        if (!mk->secret || mk->secret_len > APPROOV_SECRET_MAX_LEN) {
            return JWK_ERROR;
        }
        /* RFC 7518 3.2: a key at least as long as the hash output. */
        for (i = 0; i < NNAMES; i++) {
            const EVP_MD *md = names[i].md ? names[i].md() : NULL;

            if ((BIT(names[i].alg) & HMAC_ALGS)
                && mk->secret_len >= (size_t)EVP_MD_get_size(md)) {
                fits |= BIT(names[i].alg);
            }
        }
        mk->algs = alg == APPROOV_ALG_NONE ? fits : fits & BIT(alg);
        return mk->algs ? JWK_LOAD : JWK_ERROR;
    }
    if (strcmp(kty->valuestring, "RSA") == 0) fate = model_rsa(jwk, mk);
    else if (strcmp(kty->valuestring, "EC") == 0) fate = model_ec(jwk, mk);
    else if (strcmp(kty->valuestring, "OKP") == 0) fate = model_okp(jwk, mk);
    else return JWK_SKIP;

    if (fate == JWK_LOAD && alg != APPROOV_ALG_NONE) {
        if (!(mk->algs & BIT(alg))) {
            return JWK_SKIP;
        }
        mk->algs = BIT(alg);
    }
    return fate;
}

static void model_free(model_key *models, int count)
{
    int i;

    for (i = 0; i < count; i++) {
        EVP_PKEY_free(models[i].pkey);
        free(models[i].secret);
    }
    free(models);
}

/* ------------------------------------------------------------------ */
/* JWKS: the loader against the model                                  */

static void check_loaded(const approov_key_t *key, const model_key *mk,
                         int index)
{
    const char *kid = approov_key_kid(key);
    char what[48];

    snprintf(what, sizeof(what), "JWKS key %d", index);
    if (fuzz_verbose()) {
        fprintf(stderr, "keys:   key %d: %s, kid %s\n", index,
                alg_list(mk->algs), kid ? kid : "(none)");
    }
    FUZZ_CHECK(key != NULL, "%s: a NULL key", what);
    FUZZ_CHECK(mk->kid ? kid && strcmp(kid, mk->kid) == 0 : kid == NULL,
               "%s: kid %s, the JWK's is %s", what, kid ? kid : "(none)",
               mk->kid ? mk->kid : "(none)");
    if (mk->secret) {
        check_hmac_key(key, mk->algs, mk->secret, mk->secret_len, what);
    }
    else {
        check_public_key(key, mk->pkey, mk->algs, what);
    }
}

/* ApproovJWKSURI's rules against the loader's verdict (err, and keys
 * after the one key that was there before). */
static void check_jwks_uri(apr_pool_t *p, const uint8_t *data, size_t size,
                           const char *err, const apr_array_header_t *keys)
{
    apr_array_header_t *uri_keys = apr_array_make(p, 1,
                                                  sizeof(approov_key_t *));
    apr_array_header_t *uri_warnings = apr_array_make(p, 1, sizeof(char *));
    const char *uri_err;
    int i, j, dup = 0, want;

    for (i = 1; !err && i < keys->nelts; i++) {
        const char *a = approov_key_kid(APPROOV_KEY_AT(keys, i));

        for (j = 1; j < i; j++) {
            const char *b = approov_key_kid(APPROOV_KEY_AT(keys, j));

            dup |= (!a && !b) || (a && b && strcmp(a, b) == 0);
        }
    }
    want = !err && !dup && size <= APPROOV_JWKS_MAX;
    uri_err = approov_jwks_parse(p, (const char *)data, size, uri_keys,
                                 uri_warnings);
    if (want) {
        FUZZ_CHECK(uri_err == NULL, "ApproovJWKSURI refused a set the "
                   "loader accepts, without a duplicate kid: %s", uri_err);
        FUZZ_CHECK(uri_keys->nelts == keys->nelts - 1, "ApproovJWKSURI "
                   "loaded %d keys, the loader %d", uri_keys->nelts,
                   keys->nelts - 1);
    }
    else {
        FUZZ_CHECK(uri_err && *uri_err, "ApproovJWKSURI accepted a set "
                   "(%s)", err ? err : dup ? "a duplicate kid" : "too long");
        FUZZ_CHECK(uri_keys->nelts == 0, "ApproovJWKSURI refused a set "
                   "but kept %d keys", uri_keys->nelts);
    }
}

static void check_jwks(apr_pool_t *p, const uint8_t *data, size_t size)
{
    apr_array_header_t *keys = apr_array_make(p, 1, sizeof(approov_key_t *));
    apr_array_header_t *warnings = apr_array_make(p, 1, sizeof(char *));
    const approov_key_t *before = fuzz_key();
    const char *err;
    const cJSON *list = NULL, *jwk;
    cJSON *root = NULL;
    model_key *models = NULL;
    int count = 0, loaded = 0, skipped = 0, broken = 0, i;

    /* A key already in the array, as approov-token has its PEM key. */
    *(const approov_key_t **)apr_array_push(keys) = before;
    err = approov_keys_from_jwks(p, (const char *)data, size, keys,
                                 warnings);

    /* The model: strictness is approov_json_parse_object()'s (fuzz_json
     * checks it); the rest is read from cJSON's own tree. */
    if (approov_json_parse_object(p, data, size)) {
        root = cJSON_ParseWithLength((const char *)data, size);
        FUZZ_CHECK(cJSON_IsObject(root), "cJSON does not parse a strict "
                   "JSON object");
        list = cJSON_GetObjectItemCaseSensitive(root, "keys");
    }
    if (cJSON_IsArray(list)) {
        models = calloc((size_t)cJSON_GetArraySize(list) + 1,
                        sizeof(*models));
        if (!models) abort();
        for (jwk = list->child; jwk && !broken; jwk = jwk->next) {
            model_key *mk = &models[count++];

            mk->fate = model_jwk(jwk, mk);
            loaded += mk->fate == JWK_LOAD;
            skipped += mk->fate == JWK_SKIP;
            broken = mk->fate == JWK_ERROR;
        }
    }
    if (fuzz_verbose()) {
        fprintf(stderr, "keys: JWKS: %s; %d keys, %d warnings; model: %s, "
                "%d loaded, %d skipped\n", err ? err : "loaded",
                keys->nelts - 1, warnings->nelts,
                !list ? "no keys array" : broken ? "a JWK in error" : "ok",
                loaded, skipped);
    }

    if (!cJSON_IsArray(list) || broken || !loaded) {
        FUZZ_CHECK(err != NULL, "loaded a JWKS the rules refuse (%s)",
                   !cJSON_IsArray(list) ? "no strict object with a keys "
                   "array" : broken ? "a JWK in error" : "no usable key");
        FUZZ_CHECK(*err, "empty error message");
        FUZZ_CHECK(keys->nelts == 1 && APPROOV_KEY_AT(keys, 0) == before,
                   "failed with %d keys added (%s)", keys->nelts - 1, err);
    }
    else {
        FUZZ_CHECK(err == NULL, "refused a JWKS the rules accept: %s", err);
        FUZZ_CHECK(keys->nelts == 1 + loaded
                   && APPROOV_KEY_AT(keys, 0) == before,
                   "%d keys added, the model loads %d", keys->nelts - 1,
                   loaded);
        FUZZ_CHECK(warnings->nelts == skipped,
                   "%d warnings, the model skips %d", warnings->nelts,
                   skipped);
        for (i = 0; i < warnings->nelts; i++) {
            const char *w = APR_ARRAY_IDX(warnings, i, const char *);
            FUZZ_CHECK(w && *w, "warning %d empty", i);
        }
        for (i = 0, loaded = 0; i < count; i++) {
            if (models[i].fate == JWK_LOAD) {
                loaded++;
                check_loaded(APPROOV_KEY_AT(keys, loaded), &models[i], i);
            }
        }
    }
    check_jwks_uri(p, data, size, err, keys);
    model_free(models, count);
    cJSON_Delete(root);
}

/* ------------------------------------------------------------------ */
/* PEM                                                                 */

/* What the rules let a public key verify; 0 for a refused key. */
static unsigned int pem_algs(EVP_PKEY *pkey)
{
    if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS")) {
        BIGNUM *n = NULL, *e = NULL;
        int ok;

        ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n)
             && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)
             && BN_num_bits(n) >= 2048 && BN_is_odd(e) && !BN_is_one(e);
        BN_free(n);
        BN_free(e);
        return !ok ? 0
               : EVP_PKEY_is_a(pkey, "RSA-PSS") ? PSS_ALGS : RSA_ALGS;
    }
    if (EVP_PKEY_is_a(pkey, "EC")) {
        const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(pkey);
        int nid = ec ? EC_GROUP_get_curve_name(EC_KEY_get0_group(ec))
                     : NID_undef;

        return nid == NID_X9_62_prime256v1 ? BIT(APPROOV_ALG_ES256)
               : nid == NID_secp384r1 ? BIT(APPROOV_ALG_ES384)
               : nid == NID_secp521r1 ? BIT(APPROOV_ALG_ES512) : 0;
    }
    return EVP_PKEY_is_a(pkey, "ED25519") ? BIT(APPROOV_ALG_EDDSA) : 0;
}

static void check_pem(apr_pool_t *p, const uint8_t *data, size_t size)
{
    approov_key_t *key = NULL;
    EVP_PKEY *ref = NULL;
    unsigned int algs = 0;
    const char *err;

    err = approov_key_from_pem(p, (const char *)data, size, &key);
    if (size <= PEM_MAX) {
        BIO *bio = BIO_new_mem_buf(data, (int)size);

        if (!bio) abort();
        ref = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        algs = ref ? pem_algs(ref) : 0;
    }
    ERR_clear_error();
    if (fuzz_verbose()) {
        fprintf(stderr, "keys: PEM: %s; OpenSSL: %s, %s\n",
                err ? err : "loaded", ref ? EVP_PKEY_get0_type_name(ref)
                                          : "no public key",
                alg_list(algs));
    }
    if (!algs) {
        FUZZ_CHECK(err != NULL, "loaded a PEM the rules refuse (%s)",
                   ref ? "refused key" : "OpenSSL reads no public key");
        FUZZ_CHECK(*err, "empty error message");
        FUZZ_CHECK(key == NULL, "refused (%s) but set *out", err);
    }
    else {
        FUZZ_CHECK(err == NULL, "refused a %s key the rules accept: %s",
                   EVP_PKEY_get0_type_name(ref), err);
        FUZZ_CHECK(key != NULL, "loaded, but no key");
        FUZZ_CHECK(approov_key_kid(key) == NULL, "a PEM key with a kid");
        check_public_key(key, ref, algs, "PEM key");
    }
    EVP_PKEY_free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_new();

    check_jwks(p, data, size);
    if (memmem(data, size, "-----BEGIN", 10)) {
        check_pem(p, data, size);
    }
    apr_pool_destroy(p);
    ERR_clear_error();
    return 0;
}

/*
 * test_keys.c: unit tests of approov_keys.c: HMAC secrets, JWK sets,
 * algorithms, constant-time comparison.
 * Fixtures and minting: token_fixtures.h.
 */
#include "harness.h"
#include "token_fixtures.h"

/* ------------------------------------------------------------------ */
/* algorithm names                                                     */

static void test_alg_name_and_key_alg(void)
{
    CHECK(strcmp(approov_alg_name(APPROOV_ALG_HS256), "HS256") == 0);
    CHECK(approov_key_alg(dummy_key) == APPROOV_ALG_HS256);
}

/* ------------------------------------------------------------------ */
/* keys                                                                */

static void test_key_hmac_rejects_empty_and_oversized(void)
{
    unsigned char big[APPROOV_SECRET_MAX_LEN + 1];

    memset(big, 0xA5, sizeof(big));
    CHECK(approov_key_hmac(pool, APPROOV_ALG_HS256, big, 0) == NULL);
    CHECK(approov_key_hmac(pool, APPROOV_ALG_HS256, big,
                           APPROOV_SECRET_MAX_LEN + 1) == NULL);
    CHECK(approov_key_hmac(pool, APPROOV_ALG_HS256, big,
                           APPROOV_SECRET_MAX_LEN) != NULL);
}

/* Secrets longer than the SHA-256 block are hashed first (RFC 2104); the
 * block-sized and shorter secrets take the other paths. */
static void test_key_hmac_any_secret_length_matches_openssl(void)
{
    static const size_t lens[] = { 32, 33, 63, 64, 65, 100, 1024 };
    unsigned char secret[1024];
    size_t i;

    for (i = 0; i < sizeof(secret); i++) {
        secret[i] = (unsigned char)(i * 7 + 3);
    }
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        approov_key_t *key = approov_key_hmac(pool, APPROOV_ALG_HS256, secret,
                                              lens[i]);
        const char *what = apr_psprintf(pool, "%lu-byte secret",
                                        (unsigned long)lens[i]);
        CHECKF(key != NULL, "%s", what);
        if (!key) {
            continue;
        }
        EXPECT_AT(what, key,
                  mint_bytes(secret, lens[i], HDR, strlen(HDR),
                             valid_payload(), strlen(valid_payload())),
                  0, NOW_S, APPROOV_VALID);
    }
}

/* Two 32-byte oct keys, base64url: "ABCD...abcdef" and "BCDE...bcdefg". */
#define K1 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY"
#define K2 "QkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWmFiY2RlZmc"

/* A JWK Set, from an exactly sized copy, into keys. */
static const char *load_jwks(const char *text, apr_array_header_t *keys,
                             apr_array_header_t *warnings)
{
    char *copy = exact_copy(text, strlen(text));
    const char *err = approov_keys_from_jwks(pool, copy, strlen(text), keys,
                                             warnings);

    free(copy);
    return err;
}

/* use, when present, is a string: any other type makes a broken key (as it
 * does for kid and alg), not a key without use.  Found by fuzz_keys. */
static void test_jwks_use_must_be_a_string(void)
{
    static const char *const bad[] = {
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":1}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":null}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":[\"sig\"]}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":true},"
        "{\"kty\":\"oct\",\"k\":\"" K2 "\",\"kid\":\"b\"}]}",
    };
    apr_array_header_t *keys, *warnings;
    const char *err;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        keys = apr_array_make(pool, 1, sizeof(approov_key_t *));
        warnings = apr_array_make(pool, 1, sizeof(const char *));
        err = load_jwks(bad[i], keys, warnings);
        CHECKF(err && strstr(err, "use") && keys->nelts == 0,
               "%s: error %s, %d keys", bad[i], shows(err), keys->nelts);
    }
    keys = apr_array_make(pool, 1, sizeof(approov_key_t *));
    warnings = apr_array_make(pool, 1, sizeof(const char *));
    err = load_jwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\",\"use\":"
                    "\"sig\"},{\"kty\":\"oct\",\"k\":\"" K2 "\",\"use\":"
                    "\"enc\",\"kid\":\"b\"}]}", keys, warnings);
    CHECKF(!err && keys->nelts == 1 && warnings->nelts == 1,
           "error %s, %d keys, %d warnings", shows(err), keys->nelts,
           warnings->nelts);
}

/* A broken key fails the whole set and adds no key, not even the good ones
 * before it, to an array that may hold keys already (approov-token's PEM
 * key).  Found by fuzz_keys. */
static void test_jwks_error_adds_no_key(void)
{
    apr_array_header_t *keys = apr_array_make(pool, 1, sizeof(approov_key_t *));
    apr_array_header_t *warnings = apr_array_make(pool, 1,
                                                  sizeof(const char *));
    const char *err;

    *(approov_key_t **)apr_array_push(keys) = dummy_key;
    err = load_jwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\"},"
                    "{\"kty\":\"oct\",\"k\":\"" K2 "\",\"kid\":\"b\"},"
                    "{\"kty\":\"oct\",\"k\":\"\"}]}", keys, warnings);
    CHECKF(err && strstr(err, "key 2"), "error %s", shows(err));
    CHECKF(keys->nelts == 1 && APPROOV_KEY_AT(keys, 0) == dummy_key,
           "%d keys", keys->nelts);
    err = load_jwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" K1 "\"}]}", keys,
                    warnings);
    CHECKF(!err && keys->nelts == 2 && APPROOV_KEY_AT(keys, 0) == dummy_key,
           "error %s, %d keys", shows(err), keys->nelts);
}

/* An RSA key's public exponent is odd and at least 3: with e = 1 the
 * padded digest is its own signature, so anyone could sign any token.
 * Found by fuzz_keys. */
static void test_jwks_rsa_exponent(void)
{
    static const struct { const char *e; int ok; } cases[] = {
        { "AQAB", 1 }, { "Aw", 1 }, { "AQ", 0 }, { "AAE", 0 }, { "AA", 0 },
        { "Ag", 0 }, { "AQAA", 0 },
    };
    unsigned char modulus[256];
    const char *n;
    size_t i;

    memset(modulus, 0xff, sizeof(modulus));     /* 2048 bits, odd */
    n = b64_encode(modulus, sizeof(modulus), B64URL, 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_array_header_t *keys = apr_array_make(pool, 1,
                                                  sizeof(approov_key_t *));
        apr_array_header_t *warnings = apr_array_make(pool, 1,
                                                      sizeof(const char *));
        const char *err = load_jwks(apr_psprintf(pool, "{\"keys\":[{\"kty\":"
                                                 "\"RSA\",\"n\":\"%s\","
                                                 "\"e\":\"%s\"}]}", n,
                                                 cases[i].e),
                                    keys, warnings);

        CHECKF(cases[i].ok ? !err && keys->nelts == 1
                           : err && strstr(err, "exponent")
                             && keys->nelts == 0,
               "e %s: error %s, %d keys", cases[i].e, shows(err),
               keys->nelts);
    }
}

/* RFC 7518 3.2: "A key of the same size as the hash output ... or larger
 * MUST be used" with HS256, HS384, HS512. */
static const struct {
    approov_alg_e alg;
    const char *name;
    const EVP_MD *(*md)(void);
    size_t min;
} hs[] = {
    { APPROOV_ALG_HS256, "HS256", EVP_sha256, 32 },
    { APPROOV_ALG_HS384, "HS384", EVP_sha384, 48 },
    { APPROOV_ALG_HS512, "HS512", EVP_sha512, 64 },
};
#define NHS (sizeof(hs) / sizeof(hs[0]))

/* A valid token of alg hs[i], its MAC made by OpenSSL's HMAC(). */
static const char *mint_hs(size_t i, const unsigned char *key, size_t key_len)
{
    const char *seg1 = b64u(apr_psprintf(pool, "{\"alg\":\"%s\",\"typ\":"
                                         "\"JWT\"}", hs[i].name));
    const char *seg2 = b64u(valid_payload());
    const char *input = apr_pstrcat(pool, seg1, ".", seg2, NULL);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    if (!HMAC(hs[i].md(), key, (int)key_len, (const unsigned char *)input,
              strlen(input), mac, &mac_len)) {
        abort();
    }
    return with_mac(seg1, seg2, mac, mac_len);
}

static const unsigned char *hs_secret(void)
{
    static unsigned char secret[65];
    size_t i;

    for (i = 0; i < sizeof(secret); i++) {
        secret[i] = (unsigned char)(i * 13 + 5);
    }
    return secret;
}

/* Tokens of each HS alg against key: VALID for the algs in want (a bit
 * per index of hs[]), BAD_ALG for the others. */
static void expect_hs_algs(const char *what, const approov_key_t *key,
                           const unsigned char *secret, size_t len,
                           unsigned int want)
{
    size_t j;

    for (j = 0; j < NHS; j++) {
        EXPECT_AT(apr_psprintf(pool, "%s, %s token", what, hs[j].name), key,
                  mint_hs(j, secret, len), 0, NOW_S,
                  (want & (1u << j)) ? APPROOV_VALID : APPROOV_BAD_ALG);
    }
}

/* approov_key_hmac() refuses a secret one byte shorter than the hash
 * output, and keys one of exactly that length for its alg only. */
static void test_key_hmac_at_least_the_hash_output(void)
{
    const unsigned char *secret = hs_secret();
    size_t i;

    for (i = 0; i < NHS; i++) {
        approov_key_t *key;

        CHECKF(approov_key_hmac(pool, hs[i].alg, secret, hs[i].min - 1)
               == NULL, "%s keyed with %lu bytes", hs[i].name,
               (unsigned long)(hs[i].min - 1));
        key = approov_key_hmac(pool, hs[i].alg, secret, hs[i].min);
        CHECKF(key != NULL, "%s refused %lu bytes", hs[i].name,
               (unsigned long)hs[i].min);
        if (key) {
            expect_hs_algs(apr_psprintf(pool, "%s key of %lu bytes",
                                        hs[i].name,
                                        (unsigned long)hs[i].min),
                           key, secret, hs[i].min, 1u << i);
        }
    }
}

/* An oct JWK of len bytes of hs_secret(), with alg when given. */
static const char *oct_jwks(const char *alg, size_t len)
{
    return apr_psprintf(pool, "{\"keys\":[{\"kty\":\"oct\",%s%s%s\"k\":"
                        "\"%s\"}]}", alg ? "\"alg\":\"" : "",
                        alg ? alg : "", alg ? "\"," : "",
                        b64_encode(hs_secret(), len, B64URL, 0));
}

/* An oct key pinned by alg and shorter than its hash output is an error
 * (the set adds no key); at the boundary it loads and verifies that alg
 * only. */
static void test_jwks_oct_pinned_key_length(void)
{
    const unsigned char *secret = hs_secret();
    size_t i, len;

    for (i = 0; i < NHS; i++) {
        for (len = hs[i].min - 1; len <= hs[i].min; len++) {
            apr_array_header_t *keys =
                apr_array_make(pool, 2, sizeof(approov_key_t *));
            apr_array_header_t *warnings =
                apr_array_make(pool, 1, sizeof(const char *));
            const char *what = apr_psprintf(pool, "oct %s key of %lu bytes",
                                            hs[i].name, (unsigned long)len);
            const char *err;

            *(approov_key_t **)apr_array_push(keys) = dummy_key;
            err = load_jwks(oct_jwks(hs[i].name, len), keys, warnings);
            if (len < hs[i].min) {
                CHECKF(err && strstr(err, "too short")
                       && strstr(err, hs[i].name) && keys->nelts == 1
                       && warnings->nelts == 0,
                       "%s: error %s, %d keys, %d warnings", what,
                       shows(err), keys->nelts, warnings->nelts);
                continue;
            }
            CHECKF(!err && keys->nelts == 2 && warnings->nelts == 0,
                   "%s: error %s, %d keys", what, shows(err), keys->nelts);
            if (!err && keys->nelts == 2) {
                expect_hs_algs(what, APPROOV_KEY_AT(keys, 1), secret, len,
                               1u << i);
            }
        }
    }
}

/* Without alg, an oct key verifies each HS alg its length allows (HS256
 * from 32 bytes, HS384 from 48, HS512 from 64); under 32 bytes it is an
 * error, as a weak RSA key is, not a key skipped. */
static void test_jwks_oct_unpinned_key_length(void)
{
    static const struct { size_t len; unsigned int algs; } cases[] = {
        { 31, 0 }, { 32, 1 }, { 47, 1 }, { 48, 3 }, { 63, 3 }, { 64, 7 },
        { 65, 7 },
    };
    const unsigned char *secret = hs_secret();
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_array_header_t *keys = apr_array_make(pool, 1,
                                                  sizeof(approov_key_t *));
        apr_array_header_t *warnings =
            apr_array_make(pool, 1, sizeof(const char *));
        const char *what = apr_psprintf(pool, "oct key of %lu bytes, no alg",
                                        (unsigned long)cases[i].len);
        const char *err = load_jwks(oct_jwks(NULL, cases[i].len), keys,
                                    warnings);

        if (!cases[i].algs) {
            CHECKF(err && strstr(err, "too short") && keys->nelts == 0
                   && warnings->nelts == 0,
                   "%s: error %s, %d keys, %d warnings", what, shows(err),
                   keys->nelts, warnings->nelts);
            continue;
        }
        CHECKF(!err && keys->nelts == 1, "%s: error %s, %d keys", what,
               shows(err), keys->nelts);
        if (!err && keys->nelts == 1) {
            CHECKF(approov_key_alg(APPROOV_KEY_AT(keys, 0))
                   == APPROOV_ALG_HS256, "%s: first alg %d", what,
                   (int)approov_key_alg(APPROOV_KEY_AT(keys, 0)));
            expect_hs_algs(what, APPROOV_KEY_AT(keys, 0), secret,
                           cases[i].len, cases[i].algs);
        }
    }
}

/* ------------------------------------------------------------------ */
/* constant-time comparison                                            */

/* approov_equal_ct(): every length around the word size, a difference at
 * every position and in every bit, unaligned buffers. */
static void test_equal_ct(void)
{
    unsigned char a[80], b[80];
    size_t len, at, off;
    int bit, wrong = 0;

    for (off = 0; off < 8; off++) {
        for (len = 0; len <= 40; len++) {
            for (at = 0; at < len + off; at++) {
                a[at] = b[at] = (unsigned char)(at * 37 + 11);
            }
            if (!approov_equal_ct(a + off, b + off, len)) {
                wrong++;
                fprintf(stderr, "  equal %zu bytes at offset %zu: unequal\n",
                        len, off);
            }
            for (at = 0; at < len; at++) {
                for (bit = 0; bit < 8; bit++) {
                    b[off + at] ^= (unsigned char)(1u << bit);
                    if (approov_equal_ct(a + off, b + off, len)) {
                        wrong++;
                        fprintf(stderr, "  %zu bytes at offset %zu, bit %d of "
                                "byte %zu flipped: equal\n", len, off, bit, at);
                    }
                    b[off + at] ^= (unsigned char)(1u << bit);
                }
            }
        }
    }
    CHECKF(wrong == 0, "%d wrong answers", wrong);
    CHECK(approov_equal_ct("", "x", 0) == 1);
    CHECK(approov_equal_ct("abcdefgh-1", "abcdefgh-2", 10) == 0);
    CHECK(approov_equal_ct("abcdefgh-1", "abcdefgh-2", 9) == 1);
}

/* ------------------------------------------------------------------ */
/* public-key signatures                                               */

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

/* Sign msg with pkey as JOSE does (ECDSA as r||s of 2 * coord bytes). */
static apr_size_t sign_jose(EVP_PKEY *pkey, const EVP_MD *md, int pss,
                            int coord, const char *msg, unsigned char *out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char der[1024];
    size_t len = sizeof(der);

    EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey);
    if (pss) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    EVP_DigestSign(ctx, der, &len, (const unsigned char *)msg, strlen(msg));
    EVP_MD_CTX_free(ctx);
    if (coord) {
        const unsigned char *d = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &d, (long)len);

        BN_bn2binpad(ECDSA_SIG_get0_r(es), out, coord);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), out + coord, coord);
        ECDSA_SIG_free(es);
        return 2 * (apr_size_t)coord;
    }
    memcpy(out, der, len);
    return len;
}

/* Each asymmetric algorithm, verified from its key's prepared state and
 * again (the state is duplicated, not used up): the signature verifies,
 * a changed message or signature byte does not, and an RSA key does not
 * take a PKCS#1 v1.5 signature for PSS or the other way round. */
static void test_public_key_signatures(void)
{
    static const struct {
        approov_alg_e alg;
        const char *type, *param;
        int pss, coord;
    } cases[] = {
        { APPROOV_ALG_RS256, "RSA", NULL, 0, 0 },
        { APPROOV_ALG_RS512, "RSA", NULL, 0, 0 },
        { APPROOV_ALG_PS256, "RSA", NULL, 1, 0 },
        { APPROOV_ALG_PS384, "RSA", NULL, 1, 0 },
        { APPROOV_ALG_ES256, "EC", "P-256", 0, 32 },
        { APPROOV_ALG_ES384, "EC", "P-384", 0, 48 },
        { APPROOV_ALG_ES512, "EC", "P-521", 0, 66 },
        { APPROOV_ALG_EDDSA, "ED25519", NULL, 0, 0 },
    };
    const char *msg = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9";
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *name = approov_alg_name(cases[i].alg);
        const EVP_MD *md = NULL;
        EVP_PKEY *pkey;
        BIO *bio = BIO_new(BIO_s_mem());
        approov_key_t *key = NULL;
        unsigned char sig[1024];
        char *pem, *other;
        long pem_len;
        apr_size_t len;
        const char *err;
        int round;

        if (!strcmp(cases[i].type, "RSA")) {
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        }
        else if (!strcmp(cases[i].type, "EC")) {
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", cases[i].param);
        }
        else {
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        }
        if (cases[i].alg != APPROOV_ALG_EDDSA) {
            md = strstr(name, "256") ? EVP_sha256()
                 : strstr(name, "384") ? EVP_sha384() : EVP_sha512();
        }
        PEM_write_bio_PUBKEY(bio, pkey);
        pem_len = BIO_get_mem_data(bio, &pem);
        err = approov_key_from_pem(pool, pem, (apr_size_t)pem_len, &key);
        BIO_free(bio);
        CHECKF(err == NULL && key, "%s: %s", name, err ? err : "no key");
        if (!key) {
            EVP_PKEY_free(pkey);
            continue;
        }
        len = sign_jose(pkey, md, cases[i].pss, cases[i].coord, msg, sig);
        other = apr_pstrdup(pool, msg);
        other[strlen(other) - 1] ^= 1;
        for (round = 0; round < 2; round++) {
            CHECKF(approov_key_verify(key, cases[i].alg, msg, strlen(msg),
                                      sig, len) == APPROOV_VALID,
                   "%s: valid signature, round %d", name, round);
            CHECKF(approov_key_verify(key, cases[i].alg, other,
                                      strlen(other), sig, len)
                   == APPROOV_BAD_SIGNATURE,
                   "%s: changed message, round %d", name, round);
        }
        sig[len / 2] ^= 0x10;
        CHECKF(approov_key_verify(key, cases[i].alg, msg, strlen(msg), sig,
                                  len) == APPROOV_BAD_SIGNATURE,
               "%s: changed signature", name);
        sig[len / 2] ^= 0x10;
        if (cases[i].alg == APPROOV_ALG_RS256
            || cases[i].alg == APPROOV_ALG_PS256) {
            approov_alg_e swapped = cases[i].alg == APPROOV_ALG_RS256
                                    ? APPROOV_ALG_PS256 : APPROOV_ALG_RS256;

            CHECKF(approov_key_verify(key, swapped, msg, strlen(msg), sig,
                                      len) == APPROOV_BAD_SIGNATURE,
                   "%s: verified as %s", name, approov_alg_name(swapped));
        }
        EVP_PKEY_free(pkey);
    }
}

/* ECDSA signatures are checked on r and s as the token carries them
 * (r||s): r or s of 0 or at least the group order is refused, and leaves
 * nothing on OpenSSL's error queue; the other s of the pair (n - s), which
 * is as valid an ECDSA signature, verifies as it does by EVP; a signature
 * by another key, or of the wrong length, does not. */
static void test_ecdsa_signature_edges(void)
{
    static const char *curves[] = { "P-256", "P-384", "P-521" };
    static const approov_alg_e ec_algs[] = { APPROOV_ALG_ES256,
                                             APPROOV_ALG_ES384,
                                             APPROOV_ALG_ES512 };
    static const int coords[] = { 32, 48, 66 };
    const char *msg = "eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9";
    size_t i;

    for (i = 0; i < 3; i++) {
        const char *name = approov_alg_name(ec_algs[i]);
        const EVP_MD *md = i == 0 ? EVP_sha256()
                           : i == 1 ? EVP_sha384() : EVP_sha512();
        int coord = coords[i];
        EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]);
        EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]);
        BIO *bio = BIO_new(BIO_s_mem());
        approov_key_t *key = NULL;
        unsigned char sig[200], bad[200];
        BIGNUM *order = NULL, *s = NULL;
        EC_GROUP *group = EC_GROUP_new_by_curve_name(
            i == 0 ? NID_X9_62_prime256v1
            : i == 1 ? NID_secp384r1 : NID_secp521r1);
        char *pem;
        long pem_len;
        apr_size_t len;

        PEM_write_bio_PUBKEY(bio, pkey);
        pem_len = BIO_get_mem_data(bio, &pem);
        CHECKF(approov_key_from_pem(pool, pem, (apr_size_t)pem_len, &key)
               == NULL && key, "%s: key", name);
        BIO_free(bio);
        if (!key || !group) {
            EVP_PKEY_free(pkey);
            EVP_PKEY_free(other);
            EC_GROUP_free(group);
            continue;
        }
        len = sign_jose(pkey, md, 0, coord, msg, sig);
        CHECKF(approov_key_verify(key, ec_algs[i], msg, strlen(msg), sig, len)
               == APPROOV_VALID, "%s: valid", name);

        /* r = 0, s = 0, r = n, s = n: refused, error queue untouched. */
        order = BN_dup(EC_GROUP_get0_order(group));
        ERR_clear_error();
        memcpy(bad, sig, len);
        memset(bad, 0, (size_t)coord);
        CHECKF(approov_key_verify(key, ec_algs[i], msg, strlen(msg), bad, len)
               == APPROOV_BAD_SIGNATURE, "%s: r = 0", name);
        memcpy(bad, sig, len);
        memset(bad + coord, 0, (size_t)coord);
        CHECKF(approov_key_verify(key, ec_algs[i], msg, strlen(msg), bad, len)
               == APPROOV_BAD_SIGNATURE, "%s: s = 0", name);
        memcpy(bad, sig, len);
        BN_bn2binpad(order, bad, coord);
        CHECKF(approov_key_verify(key, ec_algs[i], msg, strlen(msg), bad, len)
               == APPROOV_BAD_SIGNATURE, "%s: r = n", name);
        memcpy(bad, sig, len);
        BN_bn2binpad(order, bad + coord, coord);
        CHECKF(approov_key_verify(key, ec_algs[i], msg, strlen(msg), bad, len)
               == APPROOV_BAD_SIGNATURE, "%s: s = n", name);
        memset(bad, 0xff, len);
        CHECKF(approov_key_verify(key, ec_algs[i], msg, strlen(msg), bad, len)
               == APPROOV_BAD_SIGNATURE, "%s: all ones", name);
        CHECKF(ERR_peek_error() == 0, "%s: error queue left empty", name);

        /* n - s: the same verdict as OpenSSL's EVP verify of its DER. */
        s = BN_bin2bn(sig + coord, coord, NULL);
        BN_sub(s, order, s);
        memcpy(bad, sig, len);
        BN_bn2binpad(s, bad + coord, coord);
        {
            ECDSA_SIG *es = ECDSA_SIG_new();
            unsigned char *der = NULL;
            int der_len, evp;
            EVP_MD_CTX *ctx = EVP_MD_CTX_new();

            ECDSA_SIG_set0(es, BN_bin2bn(bad, coord, NULL),
                           BN_bin2bn(bad + coord, coord, NULL));
            der_len = i2d_ECDSA_SIG(es, &der);
            evp = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1
                  && EVP_DigestVerify(ctx, der, (size_t)der_len,
                                      (const unsigned char *)msg,
                                      strlen(msg)) == 1;
            CHECKF(evp == 1, "%s: OpenSSL takes n - s", name);
            CHECKF((approov_key_verify(key, ec_algs[i], msg, strlen(msg), bad,
                                       len) == APPROOV_VALID) == evp,
                   "%s: n - s as OpenSSL judges it", name);
            EVP_MD_CTX_free(ctx);
            OPENSSL_free(der);
            ECDSA_SIG_free(es);
        }

        /* Another key's signature, and a signature one byte short. */
        len = sign_jose(other, md, 0, coord, msg, bad);
        CHECKF(approov_key_verify(key, ec_algs[i], msg, strlen(msg), bad, len)
               == APPROOV_BAD_SIGNATURE, "%s: another key's", name);
        CHECKF(approov_key_verify(key, ec_algs[i], msg, strlen(msg), sig,
                                  len - 1) == APPROOV_MALFORMED,
               "%s: one byte short", name);
        BN_free(order);
        BN_free(s);
        EC_GROUP_free(group);
        EVP_PKEY_free(pkey);
        EVP_PKEY_free(other);
    }
}

int main(void)
{
    harness_begin();
    if (!fixtures_begin()) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_alg_name_and_key_alg);
    RUN(test_key_hmac_rejects_empty_and_oversized);
    RUN(test_key_hmac_any_secret_length_matches_openssl);
    RUN(test_jwks_use_must_be_a_string);
    RUN(test_jwks_error_adds_no_key);
    RUN(test_jwks_rsa_exponent);
    RUN(test_key_hmac_at_least_the_hash_output);
    RUN(test_jwks_oct_pinned_key_length);
    RUN(test_jwks_oct_unpinned_key_length);
    RUN(test_equal_ct);
    RUN(test_public_key_signatures);
    RUN(test_ecdsa_signature_edges);
    return harness_end();
}

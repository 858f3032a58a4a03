/*
 * test_replay.c: approov_replay.c, the identity a valid signature is
 * stored under and how long it is kept.  The ECDSA twin (r, n - s) of a
 * real signature verifies through approov_msgsig_verify_p256 and must
 * have the same identity; anything else that differs must not.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "approov_msgsig.h"
#include "approov_replay.h"
#include "harness.h"

static const char base[] = "\"@method\": GET\n\"@signature-params\": ()";

/* A fresh P-256 key: its ipk claim (base64 of the DER public key). */
static EVP_PKEY *new_key(char **ipk)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    unsigned char *der = NULL;
    int len;

    *ipk = NULL;
    if (!key || (len = i2d_PUBKEY(key, &der)) <= 0) {
        return key;
    }
    *ipk = apr_palloc(pool, 4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)*ipk, der, len);
    OPENSSL_free(der);
    return key;
}

/* Sign base with key: 64 bytes r||s, s as OpenSSL chose it. */
static int sign(EVP_PKEY *key, unsigned char out[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[80];
    const unsigned char *at = der;
    size_t len = sizeof(der);
    ECDSA_SIG *sig = NULL;
    int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1
             && EVP_DigestSign(md, der, &len, (const unsigned char *)base,
                               strlen(base)) == 1
             && (sig = d2i_ECDSA_SIG(NULL, &at, (long)len)) != NULL
             && BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) == 32
             && BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) == 32;

    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    return ok;
}

/* The twin (r, n - s), computed with OpenSSL's own group order (not the
 * unit's table). */
static int twin(const unsigned char sig[64], unsigned char out[64])
{
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL), *t = BN_new();
    int ok = group && s && t
             && BN_sub(t, EC_GROUP_get0_order(group), s) == 1
             && BN_bn2binpad(t, out + 32, 32) == 32;

    memcpy(out, sig, 32);
    BN_free(s);
    BN_free(t);
    EC_GROUP_free(group);
    return ok;
}

/* Whether s (the second half) is above n / 2. */
static int high_s(const unsigned char sig[64])
{
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL), *half = BN_new();
    int high = group && s && half
               && BN_rshift1(half, EC_GROUP_get0_order(group)) == 1
               && BN_cmp(s, half) > 0;

    BN_free(s);
    BN_free(half);
    EC_GROUP_free(group);
    return high;
}

static int identity(const char *label, const char *key_id,
                    approov_replay_alg_e alg, const unsigned char *sig,
                    apr_size_t len, unsigned char id[32])
{
    return approov_replay_identity(label, (const unsigned char *)key_id,
                                   strlen(key_id), alg, sig, len, id);
}

static void test_ecdsa_twin_has_one_identity(void)
{
    char *ipk;
    EVP_PKEY *key = new_key(&ipk);
    unsigned char sig[64], other[64], twin_sig[64];
    unsigned char id[32], id_twin[32], id_other[32], id_label[32], id_key[32];
    int round, saw_high = 0, saw_low = 0;

    CHECK(key && ipk);
    if (!key || !ipk) {
        EVP_PKEY_free(key);
        return;
    }
    /* Both halves, whichever s OpenSSL happens to produce. */
    for (round = 0; round < 64 && (!saw_high || !saw_low); round++) {
        CHECK(sign(key, sig) && twin(sig, twin_sig));
        saw_high |= high_s(sig);
        saw_low |= !high_s(sig);
        CHECK(high_s(sig) != high_s(twin_sig));
        /* The twin is a real malleability: it verifies too. */
        CHECK_INT(approov_msgsig_verify_p256(pool, ipk, base, strlen(base),
                                             sig, 64), APPROOV_SIG_VALID);
        CHECK_INT(approov_msgsig_verify_p256(pool, ipk, base, strlen(base),
                                             twin_sig, 64), APPROOV_SIG_VALID);
        CHECK(identity("install", ipk, APPROOV_REPLAY_ECDSA_P256, sig, 64, id));
        CHECK(identity("install", ipk, APPROOV_REPLAY_ECDSA_P256, twin_sig, 64,
                       id_twin));
        CHECKF(memcmp(id, id_twin, 32) == 0,
               "round %d: the twin of a signature has another identity",
               round);
    }
    CHECK(saw_high && saw_low);

    /* Another signature by the same key, over the same base. */
    CHECK(sign(key, other));
    CHECK(identity("install", ipk, APPROOV_REPLAY_ECDSA_P256, other, 64,
                   id_other));
    CHECK(memcmp(id, id_other, 32) != 0);
    /* The same bytes under another label, or another key. */
    CHECK(identity("account", ipk, APPROOV_REPLAY_ECDSA_P256, sig, 64,
                   id_label));
    CHECK(memcmp(id, id_label, 32) != 0);
    CHECK(identity("install", "another-key", APPROOV_REPLAY_ECDSA_P256, sig,
                   64, id_key));
    CHECK(memcmp(id, id_key, 32) != 0);
    EVP_PKEY_free(key);
}

static void test_edges_of_the_half(void)
{
    /* s = (n - 1) / 2 is kept; s = (n + 1) / 2 becomes (n - 1) / 2. */
    static const unsigned char half[32] = {
        0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00,
        0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42,
        0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8
    };
    unsigned char low[64], up[64], id_low[32], id_up[32], id_one[32];
    unsigned char one[64] = { 0 }, n_minus_one[64];

    memset(low, 0x11, 32);
    memcpy(low + 32, half, 32);
    memcpy(up, low, 64);
    up[63] = 0xa9;      /* (n + 1) / 2 = (n - 1) / 2 + 1 */
    CHECK(identity("install", "k", APPROOV_REPLAY_ECDSA_P256, low, 64, id_low));
    CHECK(identity("install", "k", APPROOV_REPLAY_ECDSA_P256, up, 64, id_up));
    /* (n + 1) / 2 and (n - 1) / 2 are twins: n - (n + 1) / 2 = (n - 1) / 2. */
    CHECK(memcmp(id_low, id_up, 32) == 0);

    /* s = 1 and s = n - 1, with a borrow across every byte. */
    one[63] = 1;
    CHECK(twin(one, n_minus_one));
    CHECK(identity("install", "k", APPROOV_REPLAY_ECDSA_P256, one, 64, id_one));
    CHECK(identity("install", "k", APPROOV_REPLAY_ECDSA_P256, n_minus_one, 64,
                   id_up));
    CHECK(memcmp(id_one, id_up, 32) == 0);
}

static void test_hmac_and_refusals(void)
{
    unsigned char mac[32], id[32], id2[32], id_ecdsa[64];
    unsigned char sig[64];

    memset(mac, 0xee, sizeof(mac));
    CHECK(identity("account", "mskid-1", APPROOV_REPLAY_HMAC, mac, 32, id));
    /* An HMAC has one form: a high last half is not folded. */
    memset(sig, 0xee, sizeof(sig));
    CHECK(identity("account", "mskid-1", APPROOV_REPLAY_HMAC, sig, 64, id2));
    CHECK(memcmp(id, id2, 32) != 0);
    CHECK(identity("account", "mskid-2", APPROOV_REPLAY_HMAC, mac, 32, id2));
    CHECK(memcmp(id, id2, 32) != 0);
    /* The same bytes as ECDSA and as HMAC are not one identity. */
    CHECK(identity("account", "mskid-1", APPROOV_REPLAY_ECDSA_P256, sig, 64,
                   id_ecdsa));
    CHECK(identity("account", "mskid-1", APPROOV_REPLAY_HMAC, sig, 64, id2));
    CHECK(memcmp(id_ecdsa, id2, 32) != 0);
    /* Length prefixes: label "ab" + key "c" is not label "a" + key "bc". */
    CHECK(identity("ab", "c", APPROOV_REPLAY_HMAC, mac, 32, id));
    CHECK(identity("a", "bc", APPROOV_REPLAY_HMAC, mac, 32, id2));
    CHECK(memcmp(id, id2, 32) != 0);

    CHECK(!identity("install", "k", APPROOV_REPLAY_ECDSA_P256, sig, 63, id));
    CHECK(!identity("install", "k", APPROOV_REPLAY_ECDSA_P256, sig, 65, id));
    CHECK(!identity("install", "k", (approov_replay_alg_e)9, sig, 64, id));
    CHECK(!approov_replay_identity(NULL, (const unsigned char *)"k", 1,
                                   APPROOV_REPLAY_HMAC, sig, 32, id));
    CHECK(!approov_replay_identity("install", NULL, 0, APPROOV_REPLAY_HMAC,
                                   sig, 32, id));
    CHECK(!approov_replay_identity("install", (const unsigned char *)"k", 1,
                                   APPROOV_REPLAY_HMAC, NULL, 0, id));
}

static void test_expiry(void)
{
    const apr_time_t s = APR_USEC_PER_SEC;
    approov_msgsig_t sig;

    /* created + max_age + skew */
    CHECK_INT(approov_replay_expiry(1, 1000, 0, 0, 300, 60), 1360 * s);
    /* expires + skew, when sooner */
    CHECK_INT(approov_replay_expiry(1, 1000, 1, 1100, 300, 60), 1160 * s);
    /* created's bound, when sooner than a far expires */
    CHECK_INT(approov_replay_expiry(1, 1000, 1, 5000, 300, 60), 1360 * s);
    /* equal: either */
    CHECK_INT(approov_replay_expiry(1, 1000, 1, 1300, 300, 60), 1360 * s);
    /* negative limits count as 0, as approov_msgsig_verify takes them;
     * with no skew, the second that begins at created + max_age is still
     * accepted (whole seconds are compared) */
    CHECK_INT(approov_replay_expiry(1, 1000, 0, 0, -5, -1), 1001 * s);
    CHECK_INT(approov_replay_expiry(1, 1000, 0, 0, 300, 0), 1301 * s);
    CHECK_INT(approov_replay_expiry(1, 1000, 1, 1200, 300, 0), 1200 * s);
    CHECK_INT(approov_replay_expiry(0, 0, 1, 1100, 300, 60), 1160 * s);
    CHECK_INT(approov_replay_expiry(0, 0, 0, 0, 300, 60), 0);
    /* times from the request saturate rather than wrap */
    CHECK(approov_replay_expiry(1, APR_INT64_MAX, 0, 0, 300, 60) > 0);
    CHECK(approov_replay_expiry(1, APR_INT64_MIN, 0, 0, 300, 60) < 0);
    CHECK(approov_replay_expiry(1, 1000, 1, APR_INT64_MIN, 300, 60) < 0);

    memset(&sig, 0, sizeof(sig));
    sig.has_created = 1;
    sig.created = 1700000000;
    sig.has_expires = 1;
    sig.expires = 1700000030;
    CHECK_INT(approov_replay_expiry_of(&sig, 300, 60), 1700000090 * s);
}

int main(void)
{
    harness_begin();
    RUN(test_ecdsa_twin_has_one_identity);
    RUN(test_edges_of_the_half);
    RUN(test_hmac_and_refusals);
    RUN(test_expiry);
    return harness_end();
}

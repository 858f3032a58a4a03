/*
 * approov_replay.c: a valid signature's identity for replay protection,
 * and how long to keep it (see approov_replay.h).
 */

#include <string.h>

#include <openssl/evp.h>

#include "approov_replay.h"

/* The order n of the P-256 group, and (n - 1) / 2: n is odd, so s > n / 2
 * exactly when s > (n - 1) / 2.  Big-endian, as r||s is sent. */
static const unsigned char p256_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
    0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
};
static const unsigned char p256_half_n[32] = {
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00,
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42,
    0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8
};

/* s in the low half: s itself, or n - s when s > n / 2.  The values are
 * public (they came in the request), so plain byte arithmetic will do. */
static void low_s(const unsigned char s[32], unsigned char out[32])
{
    int i, borrow = 0;

    if (memcmp(s, p256_half_n, 32) <= 0) {
        memcpy(out, s, 32);
        return;
    }
    for (i = 31; i >= 0; i--) {
        int d = (int)p256_n[i] - (int)s[i] - borrow;

        borrow = d < 0;
        out[i] = (unsigned char)(d + (borrow ? 256 : 0));
    }
}

/* One part of the hashed input: its length (4 bytes, big-endian), then
 * its bytes. */
static int hash_part(EVP_MD_CTX *md, const void *bytes, apr_size_t len)
{
    unsigned char prefix[4];

    if (len > 0xffffffffUL) {
        return 0;
    }
    prefix[0] = (unsigned char)(len >> 24);
    prefix[1] = (unsigned char)(len >> 16);
    prefix[2] = (unsigned char)(len >> 8);
    prefix[3] = (unsigned char)len;
    return EVP_DigestUpdate(md, prefix, 4) == 1
           && (len == 0 || EVP_DigestUpdate(md, bytes, len) == 1);
}

int approov_replay_identity(const char *label, const unsigned char *key_id,
                            apr_size_t key_id_len, approov_replay_alg_e alg,
                            const unsigned char *sig, apr_size_t sig_len,
                            unsigned char id[APPROOV_REPLAY_ID_LEN])
{
    /* A version tag first: a later change of what is hashed never meets
     * an identity stored by this one in a shared cache. */
    static const char tag[] = "approov-replay-1";
    unsigned char normal[64];
    const unsigned char *hashed = sig;
    EVP_MD_CTX *md;
    unsigned int len = 0;
    int ok;

    if (!label || !key_id || !sig || !id) {
        return 0;
    }
    if (alg == APPROOV_REPLAY_ECDSA_P256) {
        if (sig_len != 64) {
            return 0;
        }
        memcpy(normal, sig, 32);
        low_s(sig + 32, normal + 32);
        hashed = normal;
    }
    else if (alg != APPROOV_REPLAY_HMAC) {
        return 0;
    }
    if (!(md = EVP_MD_CTX_new())) {
        return 0;
    }
    ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
         && hash_part(md, tag, sizeof(tag) - 1)
         && hash_part(md, label, strlen(label))
         && hash_part(md, key_id, key_id_len)
         && hash_part(md, &(unsigned char){ (unsigned char)alg }, 1)
         && hash_part(md, hashed, sig_len)
         && EVP_DigestFinal_ex(md, id, &len) == 1
         && len == APPROOV_REPLAY_ID_LEN;
    EVP_MD_CTX_free(md);
    return ok;
}

/* Seconds to apr_time_t, saturating: the times come from the request. */
#define MAX_SECONDS (APR_INT64_MAX / APR_USEC_PER_SEC)

static apr_int64_t add_seconds(apr_int64_t a, apr_int64_t b)
{
    if (b > 0 && a > MAX_SECONDS - b) {
        return MAX_SECONDS;
    }
    if (b < 0 && a < -MAX_SECONDS - b) {
        return -MAX_SECONDS;
    }
    return a + b;
}

static apr_time_t from_seconds(apr_int64_t s)
{
    if (s > MAX_SECONDS) {
        s = MAX_SECONDS;
    }
    else if (s < -MAX_SECONDS) {
        s = -MAX_SECONDS;
    }
    return apr_time_from_sec(s);
}

apr_time_t approov_replay_expiry(int has_created, apr_int64_t created,
                                 int has_expires, apr_int64_t expires,
                                 apr_int64_t max_age_seconds,
                                 apr_int64_t skew_seconds)
{
    apr_int64_t skew = skew_seconds > 0 ? skew_seconds : 0;
    apr_int64_t max_age = max_age_seconds > 0 ? max_age_seconds : 0;
    apr_int64_t last = 0;

    if (has_created) {
        /* The verifier compares whole seconds (now_s - created > max_age
         * is too old): a signature is still accepted in the second that
         * begins at created + max_age, so with no skew that second is
         * kept too. */
        last = add_seconds(add_seconds(created, max_age), skew > 0 ? skew : 1);
    }
    if (has_expires) {
        apr_int64_t by_expires = add_seconds(expires, skew);

        if (!has_created || by_expires < last) {
            last = by_expires;
        }
    }
    return (has_created || has_expires) ? from_seconds(last) : 0;
}

apr_time_t approov_replay_expiry_of(const approov_msgsig_t *sig,
                                    apr_int64_t max_age_seconds,
                                    apr_int64_t skew_seconds)
{
    return approov_replay_expiry(sig->has_created, sig->created,
                                 sig->has_expires, sig->expires,
                                 max_age_seconds, skew_seconds);
}

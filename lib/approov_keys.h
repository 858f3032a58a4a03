/*
 * approov_keys.h: verification keys and JOSE algorithms: HMAC secrets,
 * PEM public keys and JWK sets, each pinned to the algorithms it may
 * verify; the signature check; constant-time comparison.
 *
 * Layer 2 of the core (see lib/README.md): includes approov_outcome.h
 * and approov_base64.h; approov_keys.c also approov_json.h.
 */
#ifndef APPROOV_KEYS_H
#define APPROOV_KEYS_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "approov_base64.h"
#include "approov_outcome.h"

/* Shortest: RFC 7518 3.2 wants an HMAC key at least as long as the hash
 * output, 32 bytes for HS256 (48 for HS384, 64 for HS512). */
#define APPROOV_SECRET_MIN_LEN 32

typedef enum {
    APPROOV_ALG_NONE = 0,
    APPROOV_ALG_HS256,
    APPROOV_ALG_HS384,
    APPROOV_ALG_HS512,
    APPROOV_ALG_RS256,
    APPROOV_ALG_RS384,
    APPROOV_ALG_RS512,
    APPROOV_ALG_PS256,
    APPROOV_ALG_PS384,
    APPROOV_ALG_PS512,
    APPROOV_ALG_ES256,
    APPROOV_ALG_ES384,
    APPROOV_ALG_ES512,
    APPROOV_ALG_EDDSA,
    APPROOV_ALG_COUNT
} approov_alg_e;

/* A verification key, prepared once and read-only afterwards. */
typedef struct approov_key approov_key_t;

/* The JOSE name of an algorithm ("HS256"), and back (exact spelling;
 * APPROOV_ALG_NONE for anything else, "none" included). */
const char *approov_alg_name(approov_alg_e alg);
approov_alg_e approov_alg_from_name(const char *name);

/*
 * Prepare an HMAC key (HS256, HS384 or HS512): the inner and outer digest
 * states are computed here, once, so a verification hashes only the token.
 * The key material is wiped when p is cleared.  Returns NULL for a secret
 * shorter than the algorithm's hash output (RFC 7518 3.2: 32, 48 or 64
 * bytes) or longer than APPROOV_SECRET_MAX_LEN.
 */
approov_key_t *approov_key_hmac(apr_pool_t *p, approov_alg_e alg,
                                const unsigned char *secret, apr_size_t len);

/* A PEM public key (SubjectPublicKeyInfo): RSA of at least 2048 bits with
 * an odd public exponent of at least 3 (RS256..RS512, PS256..PS512), EC
 * P-256/P-384/P-521 (exactly ES256/ES384/ES512) or Ed25519 (EdDSA).
 * Returns NULL or an error message. */
const char *approov_key_from_pem(apr_pool_t *p, const char *pem,
                                 apr_size_t len, approov_key_t **out);

/*
 * The keys of a JWK Set (RFC 7517): kty RSA, EC, OKP (Ed25519) or oct,
 * honouring alg (the key then verifies that algorithm only) and use (only
 * "sig").  An oct key shorter than its alg's hash output is an error;
 * without alg it verifies the HS algorithms its length allows, and under
 * 32 bytes is an error.  Keys of an unsupported kind are skipped with a message pushed
 * on warnings (const char *); a broken key or file returns an error and
 * leaves keys as it was.
 */
const char *approov_keys_from_jwks(apr_pool_t *p, const char *text,
                                   apr_size_t len, apr_array_header_t *keys,
                                   apr_array_header_t *warnings);

/* An element of an apr_array_header_t of keys. */
#define APPROOV_KEY_AT(keys, i) APR_ARRAY_IDX(keys, i, approov_key_t *)

/* The key id, NULL for none; set once while configuring. */
const char *approov_key_kid(const approov_key_t *key);
void approov_key_set_kid(apr_pool_t *p, approov_key_t *key, const char *kid);

/* Whether a key verifies an algorithm; the first one it does. */
int approov_key_accepts(const approov_key_t *key, approov_alg_e alg);
approov_alg_e approov_key_alg(const approov_key_t *key);

/* Check a signature (JOSE form: ECDSA as r||s) with a key pinned to alg.
 * Returns APPROOV_VALID, APPROOV_BAD_SIGNATURE, APPROOV_BAD_ALG, or
 * APPROOV_MALFORMED for an ECDSA signature of the wrong length. */
approov_result_e approov_key_verify(const approov_key_t *key,
                                    approov_alg_e alg, const char *data,
                                    apr_size_t len, const unsigned char *sig,
                                    apr_size_t sig_len);

/* The MAC of data under an HMAC key's first algorithm (approov_key_alg());
 * returns its length, 0 for a key that is not HMAC.  mac must hold 64
 * bytes. */
apr_size_t approov_key_mac(const approov_key_t *key, const char *data,
                           apr_size_t len, unsigned char *mac);

/*
 * Whether len bytes at a and b are equal, in a time that depends on len
 * only: eight bytes at a time, for comparing a whole token (CRYPTO_memcmp
 * goes a byte at a time).
 */
int approov_equal_ct(const void *a, const void *b, apr_size_t len);

#endif /* APPROOV_KEYS_H */

/*
 * approov_token.h: the pure Approov token verifier.
 *
 * Depends on APR, OpenSSL and cJSON only: no httpd header may be included
 * here, so that the unit tests, the fuzzers and the command-line tool link
 * the very code the module runs.
 *
 * Contract: approov_verify() takes the raw token text, a key prepared once
 * at start-up, a leeway and the current time, and returns exactly one
 * result code.  APPROOV_VALID is the only code that means "let it through";
 * every other code names the first rule the token broke.
 */
#ifndef APPROOV_TOKEN_H
#define APPROOV_TOKEN_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <cjson/cJSON.h>

/* Longest token accepted, in bytes, checked before any decoding.  Approov
 * tokens are a few hundred bytes; httpd's own header field limit is 8190. */
#define APPROOV_TOKEN_MAX_LEN 8192

/* Deepest JSON nesting accepted in the token header or payload. */
#define APPROOV_JSON_MAX_DEPTH 16

/* Largest leeway an operator may configure, in seconds. */
#define APPROOV_LEEWAY_MAX 300

/* Largest decoded shared secret, in bytes (Approov's is 64). */
#define APPROOV_SECRET_MAX_LEN 1024

/* Shortest: RFC 7518 3.2 wants an HMAC key at least as long as the hash
 * output, 32 bytes for HS256 (48 for HS384, 64 for HS512). */
#define APPROOV_SECRET_MIN_LEN 32

typedef enum {
    APPROOV_VALID = 0,
    APPROOV_MISSING,        /* no token, or an empty one */
    APPROOV_TOO_LONG,       /* longer than APPROOV_TOKEN_MAX_LEN */
    APPROOV_BAD_PREFIX,     /* the header lacks the configured prefix */
    APPROOV_MALFORMED,      /* not three strict base64url segments, or an
                             * ECDSA signature that is not r||s */
    APPROOV_BAD_HEADER,     /* JOSE header not a strict JSON object, or crit */
    APPROOV_BAD_ALG,        /* alg missing, not a string, or not the key's */
    APPROOV_BAD_SIGNATURE,  /* signature of the wrong length or value */
    APPROOV_BAD_PAYLOAD,    /* payload not a strict JSON object */
    APPROOV_BAD_EXP,        /* exp missing, not a number, or out of range */
    APPROOV_BAD_NBF,        /* nbf not a number, or out of range */
    APPROOV_EXPIRED,        /* now >= exp + leeway */
    APPROOV_NOT_YET_VALID,  /* now < nbf - leeway */
    APPROOV_NO_BINDING_HEADER, /* a header the token is bound to is absent */
    APPROOV_NO_PAY,         /* binding required, but the token has no pay */
    APPROOV_BAD_PAY,        /* pay is not a string */
    APPROOV_PAY_MISMATCH,   /* pay does not match the bound headers */
    APPROOV_UNKNOWN_KID,    /* the token's kid names no configured key */
    APPROOV_NO_KID,         /* no kid, and no single key without a kid */
    APPROOV_NO_KEY,         /* no key configured: a configuration fault */
    APPROOV_RESULT_COUNT
} approov_result_e;

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

/* What a verified (or partly verified) token yielded.  The cJSON trees are
 * freed with the pool passed to approov_verify(). */
typedef struct {
    cJSON *header;          /* the JOSE header, once parsed */
    cJSON *claims;          /* the payload, only once the signature is good */
    double exp;             /* seconds since the epoch, once checked */
    double nbf;             /* the same, when has_nbf */
    int has_nbf;
} approov_token_t;

/* The stable, log-friendly name of a result code ("valid", "expired", ...). */
const char *approov_result_name(approov_result_e result);

/* The JOSE name of an algorithm ("HS256"), and back (exact spelling;
 * APPROOV_ALG_NONE for anything else, "none" included). */
const char *approov_alg_name(approov_alg_e alg);
approov_alg_e approov_alg_from_name(const char *name);

/*
 * Decode an operator-supplied base64 secret: standard or URL-safe alphabet,
 * with or without '=' padding, canonical trailing bits, nothing else (no
 * whitespace).  On success *out is allocated from p and may contain NUL
 * bytes.  On failure returns a message suitable for a start-up error, which
 * never quotes the secret.
 */
const char *approov_decode_secret(apr_pool_t *p, const char *text,
                                  unsigned char **out, apr_size_t *out_len);

/* ---- keys (approov_keys.c) ---- */

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

/* ---- tokens (approov_token.c) ---- */

/*
 * Verify a compact JWS token against a set of keys.  token need not be
 * NUL-terminated.  now is the current time (apr_time_now() in the module;
 * injected by the tests).  When out is not NULL it is filled in as far as
 * verification got.  The key is chosen by the token's kid (see
 * select_key()), and the token's alg must be one that key accepts.
 */
approov_result_e approov_verify_keys(apr_pool_t *p, const char *token,
                                     apr_size_t token_len,
                                     const approov_key_t *const *keys,
                                     int nkeys, apr_int64_t leeway_seconds,
                                     apr_time_t now, approov_token_t *out);

/*
 * The time checks of approov_verify_keys() alone, on a token it verified:
 * APPROOV_EXPIRED unless now < exp + leeway, APPROOV_NOT_YET_VALID unless
 * nbf - leeway <= now, else APPROOV_VALID.  For a verified token kept
 * across requests, whose times must be judged again at each.
 */
approov_result_e approov_check_time(const approov_token_t *token,
                                    apr_int64_t leeway_seconds,
                                    apr_time_t now);

/* approov_verify_keys() with a single key (NULL: APPROOV_NO_KEY). */
approov_result_e approov_verify(apr_pool_t *p, const char *token,
                                apr_size_t token_len,
                                const approov_key_t *key,
                                apr_int64_t leeway_seconds, apr_time_t now,
                                approov_token_t *out);

/*
 * Whether len bytes at a and b are equal, in a time that depends on len
 * only: eight bytes at a time, for comparing a whole token (CRYPTO_memcmp
 * goes a byte at a time).
 */
int approov_equal_ct(const void *a, const void *b, apr_size_t len);

/* Length of a pay claim: padded base64 of a SHA-256 digest. */
#define APPROOV_PAY_LEN 44

/* The pay value binding a token to these header values (concatenated). */
void approov_binding_hash(const char *const *values, int count,
                          char out[APPROOV_PAY_LEN + 1]);

/*
 * Token binding: the pay claim of a valid token must be the padded standard
 * base64 of SHA-256 over the values, concatenated in order.  A NULL or empty
 * value is a missing header.  With optional set, a token without pay passes
 * whatever the headers.  Comparison in constant time.
 */
approov_result_e approov_check_binding(const approov_token_t *token,
                                       const char *const *values, int count,
                                       int optional);

/*
 * Make a compact JWS: base64url(header_json) '.' base64url(payload_json)
 * '.' base64url(MAC), allocated from p, with an HMAC key (NULL otherwise).  The JSON texts are taken as given;
 * for tests, demos and the approov-token tool, never on the request path.
 */
const char *approov_sign(apr_pool_t *p, const approov_key_t *key,
                         const char *header_json, apr_size_t header_len,
                         const char *payload_json, apr_size_t payload_len);

/* base64url without padding; dst must hold (len + 2) / 3 * 4 + 1 bytes.
 * Returns the encoded length; dst is NUL-terminated. */
apr_size_t approov_b64url_encode(char *dst, const unsigned char *src,
                                 apr_size_t len);

/*
 * Strict base64url (RFC 4648 section 5) decoding: no padding, no other
 * bytes, canonical trailing bits.  dst must hold (len / 4) * 3 + 2 bytes.
 * Returns the decoded length, or -1 when src is not strict base64url.
 */
long approov_b64url_decode(unsigned char *dst, const char *src,
                           apr_size_t len);

/*
 * Check that text is exactly one JSON object (RFC 8259), optionally
 * surrounded by whitespace, valid UTF-8, without raw control characters
 * or \u0000 in strings, nested at most max_depth deep.  Returns 1 if so.
 */
int approov_json_object_is_strict(const unsigned char *text, apr_size_t len,
                                  int max_depth);

/*
 * Parse one strict JSON object (see approov_json_object_is_strict) with no
 * duplicate member names in any object, nested at most
 * APPROOV_JSON_MAX_DEPTH deep.  Returns NULL when the text breaks any of
 * these rules.  The tree has cJSON's shape and is read with cJSON's
 * functions, but every node and string is allocated from p and goes with
 * it: never cJSON_Delete() it or change it with cJSON's functions.
 */
cJSON *approov_json_parse_object(apr_pool_t *p, const unsigned char *text,
                                 apr_size_t len);

/*
 * Find the value of variable name in the text of a dotenv file: lines of
 * NAME=VALUE, '#' comments, blank lines, an optional "export " prefix and
 * optional single or double quotes around the value.  Returns NULL and sets
 * *value (from p) when found exactly once; otherwise returns a message
 * (missing, given twice, or an unparsable line, naming its number).
 */
const char *approov_env_lookup(apr_pool_t *p, const char *text,
                               apr_size_t len, const char *name,
                               const char **value);

/* Read a whole file of at most max bytes (NUL-terminated copy in *text).
 * Errors name the file. */
const char *approov_read_file(apr_pool_t *p, const char *path,
                              apr_size_t max, char **text, apr_size_t *len);

/* Read a dotenv file (at most 64 KiB) and look name up in it.  Errors name
 * the file. */
const char *approov_env_file_lookup(apr_pool_t *p, const char *path,
                                    const char *name, const char **value);

#endif /* APPROOV_TOKEN_H */

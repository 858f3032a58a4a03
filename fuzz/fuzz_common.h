/*
 * fuzz_common.h: what the mod_approov fuzz targets share.
 *
 * Everything here that computes a reference value (HMAC, SHA-256, base64)
 * does so with OpenSSL directly, never through the core, so that the
 * invariants compare the core against an independent implementation.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>
#include <apr_time.h>

#include "approov_envfile.h"
#include "approov_json.h"
#include "approov_mint.h"
#include "approov_token.h"

/* Approov's published dummy secret, standard base64 (64 bytes decoded). */
#define FUZZ_SECRET_B64 \
    "h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/" \
    "WVyWrc2gZfh3XXfBOmww=="

/* The fixed "now" of every target: 2023-11-14T22:13:20Z. */
#define FUZZ_NOW_SECONDS 1700000000
#define FUZZ_NOW ((apr_time_t)FUZZ_NOW_SECONDS * APR_USEC_PER_SEC)

/* The variable mod_approov looks up in an ApproovEnvFile. */
#define FUZZ_SECRET_VARIABLE "APPROOV_BASE64_SECRET"

#define FUZZ_MAC_LEN 32

/* An invariant failed: print what and where, then abort() so that libFuzzer
 * (or the regression driver) records the input as a crash. */
void fuzz_fail(const char *file, int line, const char *cond,
               const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

#define FUZZ_CHECK(cond, ...)                                           \
    do {                                                                \
        if (!(cond)) {                                                  \
            fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);          \
        }                                                               \
    } while (0)

/* APR initialised once, with a process-wide pool that is never cleared and
 * holds the key. */
apr_pool_t *fuzz_root_pool(void);

/* A fresh pool for one input, to be destroyed before the input returns.
 * Its allocations are each a malloc() of their own (fuzz_pool.c), so that
 * ASan sees overflows of pool buffers and uses after the pool is gone. */
apr_pool_t *fuzz_pool_new(void);

/* fuzz_pool.c: give every allocation in parent and the pools under it a
 * malloc() of its own. */
void fuzz_pool_track(apr_pool_t *parent);

/* The dummy secret, decoded with OpenSSL, and the core's key for it. */
const unsigned char *fuzz_secret(size_t *len);
const approov_key_t *fuzz_key(void);

/* HMAC-SHA256 with the dummy secret, by OpenSSL's HMAC(). */
void fuzz_hs256(const void *data, size_t len, unsigned char mac[FUZZ_MAC_LEN]);

/* base64url without padding, by OpenSSL's EVP_EncodeBlock plus translation.
 * dst must hold (len + 2) / 3 * 4 + 1 bytes; returns the length written
 * (dst is NUL-terminated). */
size_t fuzz_b64url_encode(char *dst, const unsigned char *src, size_t len);

/* Padded standard base64, by EVP_EncodeBlock; same dst size rule. */
size_t fuzz_b64std_encode(char *dst, const unsigned char *src, size_t len);

/* Reference strict base64url decoder: alphabet [A-Za-z0-9_-] only, no
 * padding, length % 4 != 1, canonical (re-encodes to the same text).
 * Decodes with EVP_DecodeBlock.  dst must hold len / 4 * 3 + 3 bytes.
 * Returns the decoded length, or -1. */
long fuzz_b64url_decode_ref(unsigned char *dst, const char *src, size_t len);

/* The pay value for these header values (concatenated): padded standard
 * base64 of their SHA-256, 44 characters plus a NUL. */
void fuzz_binding_hash(const char *const *values, int count, char out[45]);

/* Split a token at its dots.  Returns 1 when it has exactly three segments
 * (possibly empty), setting the lengths. */
int fuzz_split_token(const char *token, size_t len, size_t *header_len,
                     size_t *payload_len, size_t *sig_len);

/* 1 when the sig segment of a three-segment token is exactly the canonical
 * base64url of the OpenSSL HMAC of "header.payload". */
int fuzz_signature_matches(const char *token, size_t len);

/* 1 when FUZZ_VERBOSE=1 is in the environment: the targets then print
 * each result to stderr (to check what a corpus exercises). */
int fuzz_verbose(void);

/* fuzz_keyset.c: a set of six keys with and without kids (HS256, HS384,
 * HS512 with the dummy secret, ES256, EdDSA, RSA), for
 * approov_verify_keys(). */
const approov_key_t *const *fuzz_keyset(int *count);

/* 1 when the token is signed, by OpenSSL's reckoning, with the key of the
 * set that its kid selects (no kid: the key without one), in an alg that
 * key is meant to verify. */
int fuzz_keyset_signature_matches(const char *token, size_t len);

/* Frees the reference's copies of the public keys (at exit). */
void fuzz_keyset_teardown(void);

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A malloc'd copy of [data, data + len) plus a NUL, of exactly len + 1
 * bytes, so that ASan sees reads past it. */
char *fuzz_strndup(const void *data, size_t len);

#endif /* FUZZ_COMMON_H */

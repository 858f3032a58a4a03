/*
 * approov_base64.h: the RFC 4648 encodings the core reads and writes:
 * base64url (token segments), standard base64 (structured-field Byte
 * Sequences, the pay claim, ipk), the operator's secret in either
 * alphabet, and hex digits (base16).
 *
 * Layer 0 of the core (see lib/README.md): includes no core header.
 */
#ifndef APPROOV_BASE64_H
#define APPROOV_BASE64_H

#include <apr_pools.h>

/* Largest decoded shared secret, in bytes (Approov's is 64). */
#define APPROOV_SECRET_MAX_LEN 1024

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
 * Standard base64 (RFC 4648 section 4) as a Byte Sequence holds it: only
 * A-Z a-z 0-9 + / and trailing '=' padding.  Padding, when present, must be
 * exactly right; absent padding and non-zero pad bits are accepted, and
 * reported through *canonical (1 only for the single strict spelling: padded
 * and with zero pad bits).  canonical may be NULL.  *out (from p, NUL-
 * terminated for convenience) and *out_len are set on success.
 * Returns 0 on success, -1 when src is not base64.
 */
int approov_b64_decode(apr_pool_t *p, const char *src, apr_size_t len,
                           unsigned char **out, apr_size_t *out_len,
                           int *canonical);

/* Padded standard base64 of len bytes, NUL-terminated, from p. */
char *approov_b64_encode(apr_pool_t *p, const unsigned char *src,
                             apr_size_t len);


/* Padded standard base64 of len bytes into dst, which must hold
 * (len + 2) / 3 * 4 + 1 bytes; NUL-terminated.  Returns the length. */
apr_size_t approov_b64_encode_to(char *dst, const unsigned char *src,
                                 apr_size_t len);

/*
 * Decode an operator-supplied base64 secret: standard or URL-safe alphabet,
 * with or without '=' padding, canonical trailing bits, nothing else (no
 * whitespace).  On success *out is allocated from p and may contain NUL
 * bytes.  On failure returns a message suitable for a start-up error, which
 * never quotes the secret.
 */
const char *approov_decode_secret(apr_pool_t *p, const char *text,
                                  unsigned char **out, apr_size_t *out_len);

/* The value of a hex digit (either case), or -1. */
int approov_hex_value(int c);

#endif /* APPROOV_BASE64_H */

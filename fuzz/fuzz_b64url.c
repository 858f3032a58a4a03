/*
 * fuzz_b64url: approov_b64url_decode() (and approov_b64url_encode()) on the
 * raw input, into buffers of exactly the documented size so that ASan sees
 * a single byte too many.
 *
 * Invariants:
 *  - decode accepts exactly what a reference strict decoder (OpenSSL's
 *    EVP_DecodeBlock behind an alphabet, length and canonical-bits check)
 *    accepts, with the same bytes and length len / 4 * 3 + (0, -, 1, 2)[len % 4];
 *  - strictness means uniqueness: a successful decode re-encodes (with the
 *    core's encoder and with OpenSSL's) byte for byte to the input;
 *  - decode(encode(decode(x))) == decode(x);
 *  - for the input taken as bytes: decode(encode(x)) == x, and the core's
 *    encoder agrees with OpenSSL's.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static unsigned char *decode_buffer(size_t len)
{
    unsigned char *b = malloc(len / 4 * 3 + 2);   /* the documented size */

    if (!b) abort();
    return b;
}

static char *encode_buffer(size_t len)
{
    char *b = malloc((len + 2) / 3 * 4 + 1);      /* the documented size */

    if (!b) abort();
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int extra[4] = { 0, -1, 1, 2 };
    const char *text = (const char *)data;
    unsigned char *dec, *ref, *dec2, *dec3;
    char *enc, *enc_ref, *enc2;
    long n, n_ref, n2;
    size_t elen;

    /* Decode the input as text. */
    dec = decode_buffer(size);
    ref = malloc(size / 4 * 3 + 3);
    if (!ref) abort();
    n = approov_b64url_decode(dec, text, size);
    n_ref = fuzz_b64url_decode_ref(ref, text, size);
    FUZZ_CHECK(n >= -1, "decode returned %ld", n);
    FUZZ_CHECK((n >= 0) == (n_ref >= 0), "decode %ld, reference %ld",
               n, n_ref);
    if (n >= 0) {
        FUZZ_CHECK(n == (long)(size / 4 * 3) + extra[size % 4],
                   "decoded %ld bytes from %zu characters", n, size);
        FUZZ_CHECK(n == n_ref && memcmp(dec, ref, (size_t)n) == 0,
                   "decoded other bytes than the reference");

        /* Uniqueness: the input is the one spelling of these bytes. */
        enc = encode_buffer((size_t)n);
        elen = approov_b64url_encode(enc, dec, (size_t)n);
        FUZZ_CHECK(elen == size && memcmp(enc, text, size) == 0,
                   "decoded text does not re-encode to itself");
        FUZZ_CHECK(enc[elen] == '\0', "encode: no NUL");
        enc_ref = encode_buffer((size_t)n);
        fuzz_b64url_encode(enc_ref, dec, (size_t)n);
        FUZZ_CHECK(strcmp(enc, enc_ref) == 0, "encoders disagree");

        /* decode(encode(decode(x))) == decode(x) */
        dec2 = decode_buffer(elen);
        n2 = approov_b64url_decode(dec2, enc, elen);
        FUZZ_CHECK(n2 == n && memcmp(dec2, dec, (size_t)n) == 0,
                   "decode(encode(decode(x))) != decode(x)");
        free(dec2);
        free(enc);
        free(enc_ref);
    }
    free(dec);
    free(ref);

    /* Encode the input as bytes, then decode it back. */
    enc = encode_buffer(size);
    enc2 = encode_buffer(size);
    elen = approov_b64url_encode(enc, data, size);
    FUZZ_CHECK(elen == fuzz_b64url_encode(enc2, data, size)
               && strcmp(enc, enc2) == 0, "encoders disagree on raw bytes");
    dec3 = decode_buffer(elen);
    n = approov_b64url_decode(dec3, enc, elen);
    FUZZ_CHECK(n == (long)size && (size == 0 || memcmp(dec3, data, size) == 0),
               "decode(encode(x)) != x for %zu bytes", size);
    free(dec3);
    free(enc);
    free(enc2);
    return 0;
}

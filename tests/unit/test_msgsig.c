/*
 * test_msgsig.c: unit tests for approov_msgsig.c (RFC 9421 message
 * signatures, RFC 9530 Content-Digest); approov_sfv.c has test_sfv.c.
 *
 * RFC vectors used (text and keys copied from the RFCs, as test data):
 *  - RFC 9421 section 2.1 (field values), 2.2.1-2.2.8 (derived components),
 *    2.5 (the example signature base, and its rsa-pss-sha512 signature of
 *    section 3.1), Appendix B.2.1, B.2.2, B.2.3 (rsa-pss-sha512), B.2.5
 *    (hmac-sha256), B.2.6 (ed25519), B.3 (ecdsa-p256-sha256, the RFC's own
 *    P-256 key as an ipk), B.4 (ed25519, transformations): each base is
 *    compared byte for byte and the RFC's signature is verified over it.
 *    B.2.4 is a response signature (@status) and is not applicable.
 *    B.2.5 is checked a second time through the core's own hmac-sha256
 *    (approov_msgsig_verify_hmac() with a key of approov_key_hmac()).
 *  - RFC 9530 section 2 and Appendix B digests of {"hello": "world"}\n and
 *    of empty content, and RFC 9421's sha-512 of {"hello": "world"}.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "approov_msgsig.h"
#include "approov_base64.h"
#include "approov_keys.h"
#include "approov_sfv.h"
#include "harness.h"


static void check_sig(approov_sig_result_e got, approov_sig_result_e want,
                      int line)
{
    CHECK_AT(got == want, line, "got %s, want %s", approov_sig_result_name(got),
           approov_sig_result_name(want));
}
#define CHECK_SIG(got, want) check_sig((got), (want), __LINE__)

static void check_digest(approov_digest_result_e got,
                         approov_digest_result_e want, int line)
{
    CHECK_AT(got == want, line, "got %s, want %s",
           approov_digest_result_name(got), approov_digest_result_name(want));
}
#define CHECK_DIGEST(got, want) check_digest((got), (want), __LINE__)

/* ------------------------------------------------------------------ */
/* RFC 9421 signature bases                                            */

static const char CONTENT_DIGEST_B2[] =
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7B"
    "NNyealdVLvRwEmTHWXvJwew==:";

/* RFC 9421 Appendix B.1.2, test-key-rsa-pss (public). */
static const char RSA_PSS_PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2\n"
    "+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+\n"
    "oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq\n"
    "gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W\n"
    "Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4\n"
    "aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI\n"
    "2wIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

/* RFC 9421 Appendix B.1.3, test-key-ecc-p256 (public), as an ipk claim. */
static const char ECC_P256_IPK[] =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf"
    "w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==";

/* RFC 9421 Appendix B.1.4, test-key-ed25519 (public). */
static const char ED25519_PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
    "-----END PUBLIC KEY-----\n";

/* RFC 9421 Appendix B.1.5, test-shared-secret. */
static const char SHARED_SECRET_B64[] =
    "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBt"
    "bmHhIDi6pcl8jsasjlTMtDQ==";

static const unsigned char *b64(const char *text, apr_size_t *len)
{
    unsigned char *out;

    if (approov_b64_decode(pool, text, strlen(text), &out, len, NULL)
        != 0) {
        fprintf(stderr, "bad base64 in a test vector\n");
        exit(2);
    }
    return out;
}

static EVP_PKEY *pem_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);

    BIO_free(bio);
    return key;
}

static int rsa_pss_ok(const char *base, const char *sig_b64)
{
    EVP_PKEY *key = pem_key(RSA_PSS_PEM);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    apr_size_t len;
    const unsigned char *sig = b64(sig_b64, &len);
    int ok = key && ctx
             && EVP_DigestVerifyInit(ctx, &pctx, EVP_sha512(), NULL, key) == 1
             && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
             && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 64) == 1
             && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha512()) == 1
             && EVP_DigestVerify(ctx, sig, len, (const unsigned char *)base,
                                 strlen(base)) == 1;

    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

static int ed25519_ok(const char *base, const char *sig_b64)
{
    EVP_PKEY *key = pem_key(ED25519_PEM);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    apr_size_t len;
    const unsigned char *sig = b64(sig_b64, &len);
    int ok = key && ctx
             && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1
             && EVP_DigestVerify(ctx, sig, len, (const unsigned char *)base,
                                 strlen(base)) == 1;

    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

static const char *hmac_b64(const char *base)
{
    apr_size_t klen;
    const unsigned char *key = b64(SHARED_SECRET_B64, &klen);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;

    if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)base,
              strlen(base), mac, &mlen)) {
        return NULL;
    }
    return approov_b64_encode(pool, mac, mlen);
}

/* A request view over an apr_table_t of headers (name, value, ..., NULL);
 * repeated names become repeated table entries. */
static approov_msgsig_request_t view(const char *method, const char *scheme,
                                     const char *authority, const char *path,
                                     const char *query,
                                     const char *const *headers)
{
    approov_msgsig_request_t r;
    apr_table_t *t = apr_table_make(pool, 8);

    memset(&r, 0, sizeof(r));
    for (; headers && headers[0]; headers += 2) {
        apr_table_add(t, headers[0], headers[1]);
    }
    r.method = method;
    r.scheme = scheme;
    r.authority = authority;
    r.path = path;
    r.query = query;
    r.field = approov_msgsig_table_field;
    r.field_ctx = t;
    return r;
}

/* Build the signature base for a Signature-Input member value. */
static approov_sig_result_e base_for(const approov_msgsig_request_t *r,
                                     const char *member_text,
                                     approov_msgsig_t *out)
{
    const char *dict = apr_pstrcat(pool, "sig=", member_text, NULL);
    approov_sfv_dict_t d;

    memset(out, 0, sizeof(*out));
    if (approov_sfv_parse_dict(pool, dict, strlen(dict), &d)
        != APPROOV_SFV_OK || d.count != 1) {
        return APPROOV_SIG_BAD_SIGNATURE_INPUT;
    }
    return approov_msgsig_signature_base(pool, r, &d.entries[0].value, out);
}

/* The base for a single component, without the @signature-params line. */
static const char *line_for(const approov_msgsig_request_t *r,
                            const char *member_text)
{
    approov_msgsig_t out;
    const char *nl;

    if (base_for(r, member_text, &out) != APPROOV_SIG_VALID) {
        return NULL;
    }
    nl = strchr(out.signature_base, '\n');
    return nl ? apr_pstrmemdup(pool, out.signature_base,
                               (apr_size_t)(nl - out.signature_base))
              : NULL;
}

static const char *const TEST_REQUEST_HEADERS[] = {
    "Host", "example.com",
    "Date", "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type", "application/json",
    "Content-Digest", CONTENT_DIGEST_B2,
    "Content-Length", "18",
    NULL
};

static void test_rfc9421_appendix_b(void)
{
    approov_msgsig_request_t r = view("POST", "https", "example.com", "/foo",
                                      "param=Value&Pet=dog",
                                      TEST_REQUEST_HEADERS);
    approov_msgsig_t out;
    const char *want;

    /* Section 2.5 example, signed in section 3.1 (rsa-pss-sha512). */
    want = apr_pstrcat(pool,
        "\"@method\": POST\n"
        "\"@authority\": example.com\n"
        "\"@path\": /foo\n"
        "\"content-digest\": ", CONTENT_DIGEST_B2, "\n"
        "\"content-length\": 18\n"
        "\"content-type\": application/json\n"
        "\"@signature-params\": (\"@method\" \"@authority\" \"@path\" "
        "\"content-digest\" \"content-length\" \"content-type\")"
        ";created=1618884473;keyid=\"test-key-rsa-pss\"", NULL);
    CHECK_SIG(base_for(&r, "(\"@method\" \"@authority\" \"@path\" "
                           "\"content-digest\" \"content-length\" "
                           "\"content-type\");created=1618884473"
                           ";keyid=\"test-key-rsa-pss\"", &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base, want);
    CHECK(out.count == 6 && out.covers_content_digest);
    CHECK(rsa_pss_ok(out.signature_base,
        "HIbjHC5rS0BYaa9v4QfD4193TORw7u9edguPh0AW3dMq9WImrlFrCGUDih47vAxi4L2"
        "YRZ3XMJc1uOKk/J0ZmZ+wcta4nKIgBkKq0rM9hs3CQyxXGxHLMCy8uqK488o+9jrptQ"
        "+xFPHK7a9sRL1IXNaagCNN3ZxJsYapFj+JXbmaI5rtAdSfSvzPuBCh+ARHBmWuNo1Uz"
        "VVdHXrl8ePL4cccqlazIJdC4QEjrF+Sn4IxBQzTZsL9y9TP5FsZYzHvDqbInkTNigBc"
        "E9cKOYNFCn4D/WM7F6TNuZO9EgtzepLWcjTymlHzK7aXq6Am6sfOrpIC49yXjj3ae6H"
        "RalVc/g=="));

    /* B.2.1: minimal, no covered components. */
    CHECK_SIG(base_for(&r, "();created=1618884473;keyid=\"test-key-rsa-pss\""
                           ";nonce=\"b3k2pp5k7z-50gnwp.yemd\"", &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base,
              "\"@signature-params\": ();created=1618884473"
              ";keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"");
    CHECK(out.count == 0 && !out.covers_content_digest);
    CHECK(rsa_pss_ok(out.signature_base,
        "d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx"
        "31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNF"
        "lD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWw"
        "E56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH"
        "1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw"
        "9Q=="));

    /* B.2.2: selective, with a named query parameter and a tag. */
    want = apr_pstrcat(pool,
        "\"@authority\": example.com\n"
        "\"content-digest\": ", CONTENT_DIGEST_B2, "\n"
        "\"@query-param\";name=\"Pet\": dog\n"
        "\"@signature-params\": (\"@authority\" \"content-digest\" "
        "\"@query-param\";name=\"Pet\");created=1618884473"
        ";keyid=\"test-key-rsa-pss\";tag=\"header-example\"", NULL);
    CHECK_SIG(base_for(&r, "(\"@authority\" \"content-digest\" "
                           "\"@query-param\";name=\"Pet\")"
                           ";created=1618884473;keyid=\"test-key-rsa-pss\""
                           ";tag=\"header-example\"", &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base, want);
    CHECK_STR(out.ids[2], "\"@query-param\";name=\"Pet\"");
    CHECK_STR(out.names[2], "@query-param");
    CHECK(rsa_pss_ok(out.signature_base,
        "LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLM"
        "lAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09R"
        "NrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcA"
        "oFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2D"
        "SBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjH"
        "Sw=="));

    /* B.2.3: full coverage. */
    want = apr_pstrcat(pool,
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
        "\"@method\": POST\n"
        "\"@path\": /foo\n"
        "\"@query\": ?param=Value&Pet=dog\n"
        "\"@authority\": example.com\n"
        "\"content-type\": application/json\n"
        "\"content-digest\": ", CONTENT_DIGEST_B2, "\n"
        "\"content-length\": 18\n"
        "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@query\" "
        "\"@authority\" \"content-type\" \"content-digest\" \"content-length\")"
        ";created=1618884473;keyid=\"test-key-rsa-pss\"", NULL);
    CHECK_SIG(base_for(&r, "(\"date\" \"@method\" \"@path\" \"@query\" "
                           "\"@authority\" \"content-type\" "
                           "\"content-digest\" \"content-length\")"
                           ";created=1618884473;keyid=\"test-key-rsa-pss\"",
                       &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base, want);
    CHECK(rsa_pss_ok(out.signature_base,
        "bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh"
        "1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydP"
        "xSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7Y"
        "fW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH8"
        "96+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4c"
        "UA=="));
    /* And a tampered base does not verify: the check has teeth. */
    CHECK(!rsa_pss_ok(apr_pstrcat(pool, out.signature_base, " ", NULL),
        "bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh"
        "1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydP"
        "xSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7Y"
        "fW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH8"
        "96+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4c"
        "UA=="));

    /* B.2.5: hmac-sha256, deterministic, so the MAC itself must match. */
    CHECK_SIG(base_for(&r, "(\"date\" \"@authority\" \"content-type\")"
                           ";created=1618884473;keyid=\"test-shared-secret\"",
                       &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base,
              "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
              "\"@authority\": example.com\n"
              "\"content-type\": application/json\n"
              "\"@signature-params\": (\"date\" \"@authority\" "
              "\"content-type\");created=1618884473"
              ";keyid=\"test-shared-secret\"");
    CHECK_STR(hmac_b64(out.signature_base),
              "pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=");

    /* B.2.6: ed25519. */
    CHECK_SIG(base_for(&r, "(\"date\" \"@method\" \"@path\" \"@authority\" "
                           "\"content-type\" \"content-length\")"
                           ";created=1618884473;keyid=\"test-key-ed25519\"",
                       &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base,
              "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
              "\"@method\": POST\n"
              "\"@path\": /foo\n"
              "\"@authority\": example.com\n"
              "\"content-type\": application/json\n"
              "\"content-length\": 18\n"
              "\"@signature-params\": (\"date\" \"@method\" \"@path\" "
              "\"@authority\" \"content-type\" \"content-length\")"
              ";created=1618884473;keyid=\"test-key-ed25519\"");
    CHECK(ed25519_ok(out.signature_base,
        "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w"
        "6vuQv5lIp5WPpBKRCw=="));
}

static void test_rfc9421_b3_ecdsa(void)
{
    static const char client_cert[] =
        ":MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBBdX"
        "RoZW50aWNhdGUxGzAZBgNVBAMMEkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAxMTQy"
        "MjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkwEwYHKoZIzj0CAQ"
        "YIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p5Be5F/3Y"
        "C8OthxM4+k1M6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIwADAfBgNVHS"
        "MEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAOBgNVHQ8BAf8EBAMCBsAwEwYDVR0l"
        "BAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1wbGUuY29tMAoGCC"
        "qGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMjeSkC3dFCOOB8TAiEA"
        "x/kHSB4urmiZ0NX5r5XarmPk0wmuydBVoU4hBVZ1yhk=:";
    const char *const headers[] = {
        "Host", "service.internal.example",
        "Date", "Tue, 20 Apr 2021 02:07:55 GMT",
        "Content-Type", "application/json",
        "Content-Length", "18",
        "Client-Cert", client_cert,
        NULL
    };
    approov_msgsig_request_t r = view("POST", "https",
                                      "service.internal.example", "/foo",
                                      "param=Value&Pet=dog", headers);
    approov_msgsig_t out;
    apr_size_t len;
    const unsigned char *sig = b64(
        "xVMHVpawaAC/0SbHrKRs9i8I3eOs5RtTMGCWXm/9nvZzoHsIg6Mce9315T6xoklyy0y"
        "zhD9ah4JHRwMLOgmizw==", &len);

    CHECK_SIG(base_for(&r, "(\"@path\" \"@query\" \"@method\" \"@authority\" "
                           "\"client-cert\");created=1618884473"
                           ";keyid=\"test-key-ecc-p256\"", &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base, apr_pstrcat(pool,
              "\"@path\": /foo\n"
              "\"@query\": ?param=Value&Pet=dog\n"
              "\"@method\": POST\n"
              "\"@authority\": service.internal.example\n"
              "\"client-cert\": ", client_cert, "\n"
              "\"@signature-params\": (\"@path\" \"@query\" \"@method\" "
              "\"@authority\" \"client-cert\");created=1618884473"
              ";keyid=\"test-key-ecc-p256\"", NULL));
    CHECK(len == 64);
    /* The RFC's own P-256 key, as an ipk claim, through our verifier. */
    CHECK_SIG(approov_msgsig_verify_p256(pool, ECC_P256_IPK,
                                         out.signature_base,
                                         strlen(out.signature_base), sig, len),
              APPROOV_SIG_VALID);
    CHECK_SIG(approov_msgsig_verify_p256(pool, ECC_P256_IPK,
                                         out.signature_base,
                                         strlen(out.signature_base) - 1, sig,
                                         len),
              APPROOV_SIG_BAD_SIGNATURE);

    /* As a whole request it lacks @method? No: it lacks approov-token. */
    {
        const char *input = "install=(\"@path\" \"@query\" \"@method\" "
                            "\"@authority\" \"client-cert\")"
                            ";created=1618884473;keyid=\"test-key-ecc-p256\"";
        const char *signature = apr_pstrcat(pool, "install=:",
                                             approov_b64_encode(pool, sig,
                                                                    len),
                                             ":", NULL);
        CHECK_SIG(approov_msgsig_verify(pool, &r, input, signature,
                                        ECC_P256_IPK,
                                        apr_time_from_sec(1618884480), 60, 5,
                                        &out),
                  APPROOV_SIG_MISSING_COMPONENT);
    }
}

static void test_rfc9421_b4_transform(void)
{
    /* Two Accept field lines, combined with ", " by the table lookup. */
    const char *const headers[] = {
        "Host", "example.org",
        "Date", "Fri, 15 Jul 2022 14:24:55 GMT",
        "Accept", "application/json",
        "Accept", "*/*",
        NULL
    };
    const char *const reversed[] = {
        "Accept", "*/*",
        "Accept", "application/json",
        NULL
    };
    const char *member = "(\"@method\" \"@path\" \"@authority\" \"accept\")"
                         ";created=1618884473;keyid=\"test-key-ed25519\"";
    const char *sig = "ZT1kooQsEHpZ0I1IjCqtQppOmIqlJPeo7DHR3SoMn0s5JZ1eRGS0A"
                      "+vyYP9t/LXlh5QMFFQ6cpLt2m0pmj3NDA==";
    approov_msgsig_request_t r = view("GET", "https", "example.org", "/demo",
                                      "name1=Value1&Name2=value2", headers);
    approov_msgsig_t out;

    CHECK_SIG(base_for(&r, member, &out), APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base,
              "\"@method\": GET\n"
              "\"@path\": /demo\n"
              "\"@authority\": example.org\n"
              "\"accept\": application/json, */*\n"
              "\"@signature-params\": (\"@method\" \"@path\" \"@authority\" "
              "\"accept\");created=1618884473;keyid=\"test-key-ed25519\"");
    CHECK(ed25519_ok(out.signature_base, sig));

    /* Allowed transformations: an added query parameter, an extra header,
     * one combined Accept line, a different authority case. */
    r = view("GET", "https", "Example.ORG", "/demo",
             "name1=Value1&Name2=value2&param=added", headers);
    CHECK_SIG(base_for(&r, member, &out), APPROOV_SIG_VALID);
    CHECK(ed25519_ok(out.signature_base, sig));
    {
        const char *const combined[] = {
            "Host", "example.org",
            "Referer", "https://developer.example.org/demo",
            "Accept", "application/json, */*",
            NULL
        };
        r = view("GET", "https", "example.org", "/demo",
                 "name1=Value1&Name2=value2", combined);
        CHECK_SIG(base_for(&r, member, &out), APPROOV_SIG_VALID);
        CHECK(ed25519_ok(out.signature_base, sig));
    }

    /* Not allowed: method and authority changed; Accept lines reordered. */
    r = view("POST", "https", "example.com", "/demo",
             "name1=Value1&Name2=value2", headers);
    CHECK_SIG(base_for(&r, member, &out), APPROOV_SIG_VALID);
    CHECK(!ed25519_ok(out.signature_base, sig));
    r = view("GET", "https", "example.org", "/demo",
             "name1=Value1&Name2=value2", reversed);
    CHECK_SIG(base_for(&r, member, &out), APPROOV_SIG_VALID);
    CHECK(!ed25519_ok(out.signature_base, sig));
}

static void test_rfc9421_components(void)
{
    const char *const fields[] = {
        "Host", "www.example.com",
        "Date", "Tue, 20 Apr 2021 02:07:56 GMT",
        "X-OWS-Header", "   Leading and trailing whitespace.   ",
        "X-Obs-Fold-Header", "Obsolete line folding.",
        "Cache-Control", "max-age=60",
        "Cache-Control", "   must-revalidate",
        "Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)",
        "X-Empty-Header", "",
        "X-Empty-Last", "a",
        "X-Empty-Last", "",
        "X-Empty-First", "",
        "X-Empty-First", "a",
        "X-Merged", "a, ",
        "X-Merged-Twice", "a, , ",
        "X-Merged-Both", ", ",
        "X-Tab", "a\tb",
        "X-Newline", "a\nb",
        "X-Cr", "a\rb",
        "X-Latin1", "caf\xe9",
        "X-Del", "a\x7f",
        NULL
    };
    approov_msgsig_request_t r = view("POST", "https", "www.example.com",
                                      "/path", "param=value", fields);
    approov_msgsig_t out;

    /* Section 2.1, fields. */
    CHECK_STR(line_for(&r, "(\"host\")"), "\"host\": www.example.com");
    CHECK_STR(line_for(&r, "(\"date\")"),
              "\"date\": Tue, 20 Apr 2021 02:07:56 GMT");
    CHECK_STR(line_for(&r, "(\"x-ows-header\")"),
              "\"x-ows-header\": Leading and trailing whitespace.");
    CHECK_STR(line_for(&r, "(\"x-obs-fold-header\")"),
              "\"x-obs-fold-header\": Obsolete line folding.");
    CHECK_STR(line_for(&r, "(\"cache-control\")"),
              "\"cache-control\": max-age=60, must-revalidate");
    CHECK_STR(line_for(&r, "(\"example-dict\")"),
              "\"example-dict\": a=1,    b=2;x=1;y=2,   c=(a   b   c)");
    CHECK_STR(line_for(&r, "(\"x-empty-header\")"), "\"x-empty-header\": ");
    /* An empty field line among others still adds its ", " (section 2.1
     * trims each line, then joins): as separate entries, and as httpd
     * merges repeated lines into one entry (each line already trimmed, a
     * value never ends in whitespace otherwise). */
    CHECK_STR(line_for(&r, "(\"x-empty-last\")"), "\"x-empty-last\": a, ");
    CHECK_STR(line_for(&r, "(\"x-empty-first\")"),
              "\"x-empty-first\": , a");
    CHECK_STR(line_for(&r, "(\"x-merged\")"), "\"x-merged\": a, ");
    CHECK_STR(line_for(&r, "(\"x-merged-twice\")"),
              "\"x-merged-twice\": a, , ");
    CHECK_STR(line_for(&r, "(\"x-merged-both\")"), "\"x-merged-both\": , ");
    CHECK_STR(line_for(&r, "(\"x-tab\")"), "\"x-tab\": a\tb");

    /* Values that cannot go into the base. */
    CHECK_SIG(base_for(&r, "(\"x-newline\")", &out),
              APPROOV_SIG_BAD_COMPONENT_VALUE);
    CHECK_SIG(base_for(&r, "(\"x-cr\")", &out),
              APPROOV_SIG_BAD_COMPONENT_VALUE);
    CHECK_SIG(base_for(&r, "(\"x-latin1\")", &out),
              APPROOV_SIG_BAD_COMPONENT_VALUE);
    CHECK_SIG(base_for(&r, "(\"x-del\")", &out),
              APPROOV_SIG_BAD_COMPONENT_VALUE);
    CHECK_SIG(base_for(&r, "(\"x-absent\")", &out),
              APPROOV_SIG_COMPONENT_ABSENT);

    /* Section 2.2.1 to 2.2.7, derived components. */
    CHECK_STR(line_for(&r, "(\"@method\")"), "\"@method\": POST");
    CHECK_STR(line_for(&r, "(\"@target-uri\")"),
              "\"@target-uri\": https://www.example.com/path?param=value");
    CHECK_STR(line_for(&r, "(\"@authority\")"),
              "\"@authority\": www.example.com");
    CHECK_STR(line_for(&r, "(\"@request-target\")"),
              "\"@request-target\": /path?param=value");
    CHECK_STR(line_for(&r, "(\"@path\")"), "\"@path\": /path");
    CHECK_STR(line_for(&r, "(\"@query\")"), "\"@query\": ?param=value");
    r.scheme = "http";
    CHECK_STR(line_for(&r, "(\"@scheme\")"), "\"@scheme\": http");
    r.scheme = "HTTPS";
    CHECK_STR(line_for(&r, "(\"@scheme\")"), "\"@scheme\": https");
    r.method = "get";       /* case preserved */
    CHECK_STR(line_for(&r, "(\"@method\")"), "\"@method\": get");
    r.method = NULL;
    CHECK_SIG(base_for(&r, "(\"@method\")", &out),
              APPROOV_SIG_COMPONENT_ABSENT);
    r.method = "GET\n";
    CHECK_SIG(base_for(&r, "(\"@method\")", &out),
              APPROOV_SIG_BAD_COMPONENT_VALUE);
    r.method = "POST";

    r.query = "param=value&foo=bar&baz=bat%2Dman";
    CHECK_STR(line_for(&r, "(\"@query\")"),
              "\"@query\": ?param=value&foo=bar&baz=bat%2Dman");
    r.query = "queryString";
    CHECK_STR(line_for(&r, "(\"@query\")"), "\"@query\": ?queryString");
    r.query = NULL;
    CHECK_STR(line_for(&r, "(\"@query\")"), "\"@query\": ?");
    CHECK_STR(line_for(&r, "(\"@request-target\")"),
              "\"@request-target\": /path");
    CHECK_STR(line_for(&r, "(\"@target-uri\")"),
              "\"@target-uri\": https://www.example.com/path");
    r.query = "";
    CHECK_STR(line_for(&r, "(\"@query\")"), "\"@query\": ?");
    CHECK_STR(line_for(&r, "(\"@request-target\")"),
              "\"@request-target\": /path?");

    /* An empty path is "/"; percent-encoding is left alone. */
    r.path = "";
    CHECK_STR(line_for(&r, "(\"@path\")"), "\"@path\": /");
    r.path = "/a%2Fb/%7Euser";
    CHECK_STR(line_for(&r, "(\"@path\")"), "\"@path\": /a%2Fb/%7Euser");
    r.path = "/path";

    /* Authority: lowercase, default port dropped, other ports kept. */
    r.scheme = "https";
    r.authority = "WWW.Example.COM:443";
    CHECK_STR(line_for(&r, "(\"@authority\")"),
              "\"@authority\": www.example.com");
    CHECK_STR(line_for(&r, "(\"@target-uri\")"),
              "\"@target-uri\": https://www.example.com/path?");
    r.authority = "www.example.com:8443";
    CHECK_STR(line_for(&r, "(\"@authority\")"),
              "\"@authority\": www.example.com:8443");
    r.authority = "www.example.com:80";
    CHECK_STR(line_for(&r, "(\"@authority\")"),
              "\"@authority\": www.example.com:80");
    r.scheme = "http";
    CHECK_STR(line_for(&r, "(\"@authority\")"),
              "\"@authority\": www.example.com");
    r.authority = "www.example.com:";
    CHECK_STR(line_for(&r, "(\"@authority\")"),
              "\"@authority\": www.example.com");
    r.scheme = "https";
    r.authority = "[2001:DB8::1]:443";
    CHECK_STR(line_for(&r, "(\"@authority\")"), "\"@authority\": [2001:db8::1]");
    r.authority = "[2001:db8::1]:8443";
    CHECK_STR(line_for(&r, "(\"@authority\")"),
              "\"@authority\": [2001:db8::1]:8443");
    r.authority = "[2001:db8::1]";
    CHECK_STR(line_for(&r, "(\"@authority\")"), "\"@authority\": [2001:db8::1]");
    r.authority = NULL;
    CHECK_SIG(base_for(&r, "(\"@authority\")", &out),
              APPROOV_SIG_COMPONENT_ABSENT);
    CHECK_SIG(base_for(&r, "(\"@target-uri\")", &out),
              APPROOV_SIG_COMPONENT_ABSENT);
    r.target_uri = "https://www.example.com/given?x";
    CHECK_STR(line_for(&r, "(\"@target-uri\")"),
              "\"@target-uri\": https://www.example.com/given?x");
}

/* Path and query as sent (RFC 9421 section 2.2): escapes, dot segments,
 * empty segments kept; never decoded or normalised.  Non-ASCII bytes cannot
 * go into a signature base. */
static void test_request_target_as_sent(void)
{
    static const struct {
        const char *target, *path, *query;
    } cases[] = {
        { "/api/a%20b.html", "/api/a%20b.html", NULL },
        { "/api/x/../index.html", "/api/x/../index.html", NULL },
        { "/api//index.html", "/api//index.html", NULL },
        { "/api/%69ndex.html?a=%2F&b", "/api/%69ndex.html", "a=%2F&b" },
        { "/api/%2e%2e/x?", "/api/%2e%2e/x", "" },
        { "/?q=a?b", "/", "q=a?b" },
        { "http://example.com/p%41th?x=1", "/p%41th", "x=1" },
        { "http://example.com?x=1", "", "x=1" },
        { "http://example.com", "", NULL },
    };
    approov_msgsig_request_t r;
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = view("GET", "https", "example.com", NULL, NULL, NULL);
        approov_msgsig_set_target(pool, &r, cases[i].target);
        CHECK_STR(r.path, cases[i].path);
        if (cases[i].query) {
            CHECK_STR(r.query, cases[i].query);
        }
        else {
            CHECK(r.query == NULL);
        }
    }

    r = view("GET", "https", "example.com", NULL, NULL, NULL);
    approov_msgsig_set_target(pool, &r, "/api/x/../a%20b//c?q=%C3%A9&q2");
    CHECK_STR(line_for(&r, "(\"@path\")"), "\"@path\": /api/x/../a%20b//c");
    CHECK_STR(line_for(&r, "(\"@query\")"), "\"@query\": ?q=%C3%A9&q2");
    CHECK_STR(line_for(&r, "(\"@request-target\")"),
              "\"@request-target\": /api/x/../a%20b//c?q=%C3%A9&q2");
    CHECK_STR(line_for(&r, "(\"@target-uri\")"),
              "\"@target-uri\": https://example.com/api/x/../a%20b//c"
              "?q=%C3%A9&q2");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"q\")"),
              "\"@query-param\";name=\"q\": %C3%A9");

    /* Raw non-ASCII bytes (httpd refuses them in a request line, but a
     * signature base could not hold them anyway). */
    r = view("GET", "https", "example.com", NULL, NULL, NULL);
    approov_msgsig_set_target(pool, &r, "/caf\xc3\xa9?x=\xff");
    {
        approov_msgsig_t out;

        CHECK(base_for(&r, "(\"@path\")", &out)
              == APPROOV_SIG_BAD_COMPONENT_VALUE);
        CHECK(base_for(&r, "(\"@query\")", &out)
              == APPROOV_SIG_BAD_COMPONENT_VALUE);
    }
}

static void test_rfc9421_query_param(void)
{
    approov_msgsig_request_t r = view("POST", "https", "www.example.com",
                                      "/path",
                                      "param=value&foo=bar&baz=batman&qux=",
                                      NULL);
    approov_msgsig_t out;

    /* Section 2.2.8, first example. */
    CHECK_SIG(base_for(&r, "(\"@query-param\";name=\"baz\" "
                           "\"@query-param\";name=\"qux\" "
                           "\"@query-param\";name=\"param\")", &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base,
              "\"@query-param\";name=\"baz\": batman\n"
              "\"@query-param\";name=\"qux\": \n"
              "\"@query-param\";name=\"param\": value\n"
              "\"@signature-params\": (\"@query-param\";name=\"baz\" "
              "\"@query-param\";name=\"qux\" \"@query-param\";name=\"param\")");

    /* Section 2.2.8, second example: decoding and re-encoding. */
    r.query = "var=this%20is%20a%20big%0Amultiline%20value"
              "&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something";
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"var\")"),
              "\"@query-param\";name=\"var\": "
              "this%20is%20a%20big%0Amultiline%20value");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"bar\")"),
              "\"@query-param\";name=\"bar\": with%20plus%20whitespace");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\")"),
              "\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\": something");

    /* The form-urlencoded set: only alphanumerics and *-._ stay; lowercase
     * hex escapes become uppercase; a name with no '=' has an empty value;
     * empty pairs are skipped; bad escapes stay literal. */
    r.query = "a=%7e!'()~*-._&&flag&b=%zz%4&c=%2b+";
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"a\")"),
              "\"@query-param\";name=\"a\": %7E%21%27%28%29%7E*-._");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"flag\")"),
              "\"@query-param\";name=\"flag\": ");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"b\")"),
              "\"@query-param\";name=\"b\": %25zz%254");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"c\")"),
              "\"@query-param\";name=\"c\": %2B%20");

    /* Invalid UTF-8 after decoding becomes U+FFFD (EF BF BD), per maximal
     * subpart: a lone continuation byte, a truncated sequence, an overlong
     * lead, a surrogate. */
    r.query = "x=%80&y=%E2%82&z=%C0%AF&s=%ED%A0%80&ok=%E2%82%AC";
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"x\")"),
              "\"@query-param\";name=\"x\": %EF%BF%BD");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"y\")"),
              "\"@query-param\";name=\"y\": %EF%BF%BD");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"z\")"),
              "\"@query-param\";name=\"z\": %EF%BF%BD%EF%BF%BD");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"s\")"),
              "\"@query-param\";name=\"s\": %EF%BF%BD%EF%BF%BD%EF%BF%BD");
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"ok\")"),
              "\"@query-param\";name=\"ok\": %E2%82%AC");

    /* Absent, repeated, no query at all, malformed identifiers. */
    r.query = "a=1&b=2&a=3";
    CHECK_SIG(base_for(&r, "(\"@query-param\";name=\"a\")", &out),
              APPROOV_SIG_BAD_COMPONENT_VALUE);
    CHECK_SIG(base_for(&r, "(\"@query-param\";name=\"c\")", &out),
              APPROOV_SIG_COMPONENT_ABSENT);
    CHECK_STR(line_for(&r, "(\"@query-param\";name=\"b\")"),
              "\"@query-param\";name=\"b\": 2");
    r.query = NULL;
    CHECK_SIG(base_for(&r, "(\"@query-param\";name=\"b\")", &out),
              APPROOV_SIG_COMPONENT_ABSENT);
    r.query = "a=1";
    CHECK_SIG(base_for(&r, "(\"@query-param\")", &out),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(base_for(&r, "(\"@query-param\";name=a)", &out),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(base_for(&r, "(\"@query-param\";name=\"a\";req)", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    /* Two different names are two different identifiers; the same one
     * twice is a duplicate. */
    r.query = "a=1&b=2";
    CHECK_SIG(base_for(&r, "(\"@query-param\";name=\"a\" "
                           "\"@query-param\";name=\"b\")", &out),
              APPROOV_SIG_VALID);
    CHECK_SIG(base_for(&r, "(\"@query-param\";name=\"a\" "
                           "\"@query-param\";name=\"a\")", &out),
              APPROOV_SIG_DUPLICATE_COMPONENT);
}

static void test_rfc9421_unsupported(void)
{
    const char *const fields[] = {
        "Content-Type", "application/json",
        "Example-Dict", "a=1",
        NULL
    };
    approov_msgsig_request_t r = view("POST", "https", "example.com", "/",
                                      NULL, fields);
    approov_msgsig_t out;

    CHECK_SIG(base_for(&r, "(\"content-type\";sf)", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"example-dict\";key=\"a\")", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"content-type\";bs)", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"content-type\";req)", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"content-type\";tr)", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"content-type\";foo=1)", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"@method\";req)", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"@status\")", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"@signature-params\")", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"@foo\")", &out),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"@\")", &out), APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"Content-Type\")", &out),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(base_for(&r, "(\"content type\")", &out),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(base_for(&r, "(\"\")", &out), APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(base_for(&r, "(content-type)", &out),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(base_for(&r, "(\"content-type\";a;a)", &out),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(base_for(&r, "\"content-type\"", &out),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(base_for(&r, "(\"@method\" \"content-type\" \"@method\")", &out),
              APPROOV_SIG_DUPLICATE_COMPONENT);
    CHECK_SIG(base_for(&r, "(\"content-type\" \"content-type\")", &out),
              APPROOV_SIG_DUPLICATE_COMPONENT);
}

/* ------------------------------------------------------------------ */
/* RFC 9530                                                            */

static void test_content_digest(void)
{
    const unsigned char *lf = (const unsigned char *)"{\"hello\": \"world\"}\n";
    const unsigned char *nolf = (const unsigned char *)"{\"hello\": \"world\"}";
    const char *s256 = "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:";
    const char *s512 = "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP"
                       "+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:";

    /* RFC 9530 section 2 and Appendix B. */
    CHECK_DIGEST(approov_content_digest_check(pool, s256, lf, 19),
                 APPROOV_DIGEST_VALID);
    CHECK_DIGEST(approov_content_digest_check(pool, s512, lf, 19),
                 APPROOV_DIGEST_VALID);
    CHECK_DIGEST(approov_content_digest_check(
                     pool, apr_pstrcat(pool, s256, ", ", s512, NULL), lf, 19),
                 APPROOV_DIGEST_VALID);
    CHECK_DIGEST(approov_content_digest_check(
                     pool,
                     "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:",
                     NULL, 0),
                 APPROOV_DIGEST_VALID);
    /* RFC 9421's test-request, and the sha-256 of the same 18 bytes. */
    CHECK_DIGEST(approov_content_digest_check(pool, CONTENT_DIGEST_B2, nolf,
                                              18),
                 APPROOV_DIGEST_VALID);
    CHECK_DIGEST(approov_content_digest_check(
                     pool,
                     "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                     nolf, 18),
                 APPROOV_DIGEST_VALID);

    /* Mismatches: other content, one of two wrong, wrong length. */
    CHECK_DIGEST(approov_content_digest_check(pool, s256, nolf, 18),
                 APPROOV_DIGEST_MISMATCH);
    CHECK_DIGEST(approov_content_digest_check(
                     pool,
                     apr_pstrcat(pool, "sha-256=:d435Qo+nKZ+gLcUHn7GQtQ72hiBVA"
                                 "gqoLsZnZPiTGPk=:, ", s512, NULL), lf, 19),
                 APPROOV_DIGEST_MISMATCH);
    CHECK_DIGEST(approov_content_digest_check(pool, "sha-256=:AAAA:", lf, 19),
                 APPROOV_DIGEST_MISMATCH);
    CHECK_DIGEST(approov_content_digest_check(pool, "sha-512=::", lf, 19),
                 APPROOV_DIGEST_MISMATCH);

    /* Unknown algorithms: ignored beside a supported one, not alone. */
    CHECK_DIGEST(approov_content_digest_check(
                     pool, apr_pstrcat(pool, "md5=:AAAA:, ", s256, NULL), lf,
                     19),
                 APPROOV_DIGEST_VALID);
    CHECK_DIGEST(approov_content_digest_check(
                     pool, apr_pstrcat(pool, "unixsum=:AAAA:, sha-256=:AAAA:",
                                       NULL), lf, 19),
                 APPROOV_DIGEST_MISMATCH);
    CHECK_DIGEST(approov_content_digest_check(pool, "md5=:AAAA:", lf, 19),
                 APPROOV_DIGEST_UNSUPPORTED);
    CHECK_DIGEST(approov_content_digest_check(pool, "SHA-256=:AAAA:", lf, 19),
                 APPROOV_DIGEST_MALFORMED);

    /* Malformed. */
    CHECK_DIGEST(approov_content_digest_check(pool, "sha-256", lf, 19),
                 APPROOV_DIGEST_MALFORMED);
    CHECK_DIGEST(approov_content_digest_check(
                     pool, "sha-256=\"RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=\"",
                     lf, 19),
                 APPROOV_DIGEST_MALFORMED);
    CHECK_DIGEST(approov_content_digest_check(
                     pool, apr_pstrcat(pool, s256, ", ", s256, NULL), lf, 19),
                 APPROOV_DIGEST_MALFORMED);
    CHECK_DIGEST(approov_content_digest_check(
                     pool, apr_pstrcat(pool, s256, ";x=1", NULL), lf, 19),
                 APPROOV_DIGEST_MALFORMED);
    CHECK_DIGEST(approov_content_digest_check(pool, "sha-256=(:AAAA:)", lf, 19),
                 APPROOV_DIGEST_MALFORMED);
    CHECK_DIGEST(approov_content_digest_check(
                     pool, apr_pstrcat(pool, "md5=1, ", s256, NULL), lf, 19),
                 APPROOV_DIGEST_MALFORMED);
    CHECK_DIGEST(approov_content_digest_check(pool, "sha-256=:RK/0qy:,", lf,
                                              19),
                 APPROOV_DIGEST_MALFORMED);
    CHECK_DIGEST(approov_content_digest_check(pool, ";;", lf, 19),
                 APPROOV_DIGEST_MALFORMED);
    CHECK_DIGEST(approov_content_digest_check(pool, NULL, lf, 19),
                 APPROOV_DIGEST_MISSING);
    CHECK_DIGEST(approov_content_digest_check(pool, "", lf, 19),
                 APPROOV_DIGEST_MISSING);
    CHECK_DIGEST(approov_content_digest_check(pool, "   ", lf, 19),
                 APPROOV_DIGEST_MISSING);

    CHECK_STR(approov_digest_result_name(APPROOV_DIGEST_MISMATCH),
              "digest_mismatch");
    CHECK_STR(approov_digest_result_name(APPROOV_DIGEST_RESULT_COUNT),
              "digest_unknown");
}

/* ------------------------------------------------------------------ */
/* end to end                                                          */

#define NOW 1700000000
#define MAX_AGE 60
#define SKEW 10

static EVP_PKEY *key_p256, *key_other;
static const char *ipk_p256;

static const char *ipk_of(EVP_PKEY *key)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key, &der);
    const char *text = approov_b64_encode(pool, der, (apr_size_t)len);

    OPENSSL_free(der);
    return text;
}

/* ecdsa-p256-sha256 of base: 64 bytes r || s. */
static void sign_raw(EVP_PKEY *key, const char *base, unsigned char out[64])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[128];
    size_t len = sizeof(der);
    const unsigned char *q = der;
    ECDSA_SIG *es;
    const BIGNUM *r, *s;

    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1
        || EVP_DigestSign(ctx, der, &len, (const unsigned char *)base,
                          strlen(base)) != 1
        || !(es = d2i_ECDSA_SIG(NULL, &q, (long)len))) {
        fprintf(stderr, "signing failed\n");
        exit(2);
    }
    ECDSA_SIG_get0(es, &r, &s);
    BN_bn2binpad(r, out, 32);
    BN_bn2binpad(s, out + 32, 32);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(ctx);
}

enum { AS_BYTES, AS_STRING };

/* Sign request r as the SDK would, with the install member of the given
 * Signature-Input, and return the Signature field value. */
static const char *sign_request(const approov_msgsig_request_t *r,
                                const char *signature_input, EVP_PKEY *key,
                                int form)
{
    approov_sfv_dict_t d;
    const approov_sfv_entry_t *e;
    approov_msgsig_t out;
    unsigned char sig[64];
    const char *text;

    if (approov_sfv_parse_dict(pool, signature_input, strlen(signature_input),
                               &d) != APPROOV_SFV_OK
        || !(e = approov_sfv_dict_find(&d, "install"))
        || approov_msgsig_signature_base(pool, r, &e->value, &out)
               != APPROOV_SIG_VALID) {
        fprintf(stderr, "cannot sign for [%s]\n", signature_input);
        exit(2);
    }
    sign_raw(key, out.signature_base, sig);
    text = approov_b64_encode(pool, sig, 64);
    return form == AS_STRING
               ? apr_pstrcat(pool, "install=\"", text, "\"", NULL)
               : apr_pstrcat(pool, "install=:", text, ":", NULL);
}

static const char BODY[] = "{\"amount\": 10}";

static approov_msgsig_request_t app_request(void)
{
    static const char *headers[] = {
        "Approov-Token", "eyJhbGciOiJIUzI1NiJ9.e30.sig",
        "Content-Type", "application/json",
        "Content-Digest", NULL,
        NULL
    };
    unsigned char md[32];
    unsigned int mdlen;

    /* Made afresh each time: the pool is cleared after each test. */
    EVP_Digest(BODY, strlen(BODY), md, &mdlen, EVP_sha256(), NULL);
    headers[5] = apr_pstrcat(pool, "sha-256=:",
                             approov_b64_encode(pool, md, mdlen), ":", NULL);
    return view("POST", "https", "api.example.com", "/v1/pay", "a=1&b=two",
                headers);
}

static const char *input_with(const char *components, apr_int64_t created,
                              const char *more)
{
    return apr_psprintf(pool, "install=(%s);created=%" APR_INT64_T_FMT "%s",
                        components, created, more ? more : "");
}

#define STD_COMPONENTS \
    "\"@method\" \"@target-uri\" \"approov-token\" \"content-digest\" " \
    "\"content-type\""

static approov_sig_result_e verify(const approov_msgsig_request_t *r,
                                   const char *input, const char *signature,
                                   const char *ipk, approov_msgsig_t *out)
{
    return approov_msgsig_verify(pool, r, input, signature, ipk,
                                 apr_time_from_sec(NOW), MAX_AGE, SKEW, out);
}

static void test_end_to_end(void)
{
    approov_msgsig_request_t r = app_request(), t;
    approov_msgsig_t out;
    const char *input = input_with(STD_COMPONENTS, NOW - 5,
                                   ";keyid=\"install\";nonce=\"n1\"");
    const char *sig = sign_request(&r, input, key_p256, AS_BYTES);
    const char *sig_string = sign_request(&r, input, key_p256, AS_STRING);
    const char *in, *s;
    EVP_PKEY *p384, *ed;

    /* Valid, as a Byte Sequence (iOS) and as a String (Android). */
    CHECK_SIG(verify(&r, input, sig, ipk_p256, &out), APPROOV_SIG_VALID);
    CHECK(out.count == 5 && out.covers_content_digest);
    CHECK_STR(out.names[3], "content-digest");
    CHECK_STR(out.ids[0], "\"@method\"");
    CHECK(out.has_created && out.created == NOW - 5 && !out.has_expires);
    CHECK_STR(out.keyid, "install");
    CHECK_STR(out.nonce, "n1");
    CHECK(out.alg == NULL && out.tag == NULL && out.signature_len == 64);
    CHECK_STR(out.signature_params,
              "(" STD_COMPONENTS ");created=1699999995;keyid=\"install\""
              ";nonce=\"n1\"");
    CHECK(strncmp(out.signature_base,
                  "\"@method\": POST\n\"@target-uri\": "
                  "https://api.example.com/v1/pay?a=1&b=two\n"
                  "\"approov-token\": eyJhbGciOiJIUzI1NiJ9.e30.sig\n", 113)
          == 0);
    CHECK_SIG(verify(&r, input, sig_string, ipk_p256, NULL),
              APPROOV_SIG_VALID);
    /* Content-Digest, which the glue checks when it is covered. */
    CHECK_DIGEST(approov_content_digest_check(
                     pool, approov_msgsig_table_field(r.field_ctx, pool,
                                                      "content-digest"),
                     (const unsigned char *)BODY, strlen(BODY)),
                 APPROOV_DIGEST_VALID);

    /* Non-canonical whitespace in Signature-Input: the base is rebuilt
     * from the parsed structure, so it still verifies; other labels are
     * ignored; the Signature field may carry other members too. */
    CHECK_SIG(verify(&r, apr_pstrcat(pool, "other=(\"@path\"), ",
                                     apr_pstrcat(pool, input, "  ", NULL),
                                     NULL),
                     apr_pstrcat(pool, "other=:AAAA:,", sig, NULL), ipk_p256,
                     NULL),
              APPROOV_SIG_VALID);
    in = apr_psprintf(pool, "install=(  \"@method\"  \"@target-uri\" "
                      "\"approov-token\" \"content-digest\" \"content-type\")"
                      ";created=%d;keyid=\"install\"; nonce=\"n1\"", NOW - 5);
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL), APPROOV_SIG_VALID);
    /* But parameter order is signed. */
    in = input_with(STD_COMPONENTS, NOW - 5, ";nonce=\"n1\";keyid=\"install\"");
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL), APPROOV_SIG_BAD_SIGNATURE);

    /* Token header name from the configuration, any case. */
    t = r;
    t.token_field = "X-Approov";
    CHECK_SIG(verify(&t, input, sig, ipk_p256, NULL),
              APPROOV_SIG_MISSING_COMPONENT);
    t.token_field = "Approov-Token";
    CHECK_SIG(verify(&t, input, sig, ipk_p256, NULL), APPROOV_SIG_VALID);

    /* Tampering. */
    t = r;
    t.method = "PUT";
    CHECK_SIG(verify(&t, input, sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE);
    t = r;
    t.query = "a=1&b=three";
    CHECK_SIG(verify(&t, input, sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE);
    {
        const char *const h[] = {
            "Approov-Token", "eyJhbGciOiJIUzI1NiJ9.e30.sig",
            "Content-Type", "text/plain",
            "Content-Digest", "sha-256=:AAAA:",
            NULL
        };
        t = view("POST", "https", "api.example.com", "/v1/pay", "a=1&b=two", h);
        CHECK_SIG(verify(&t, input, sig, ipk_p256, NULL),
                  APPROOV_SIG_BAD_SIGNATURE);
    }
    {
        const char *const h[] = {
            "Approov-Token", "eyJhbGciOiJIUzI1NiJ9.e30.sig",
            "Content-Type", "application/json",
            NULL
        };
        t = view("POST", "https", "api.example.com", "/v1/pay", "a=1&b=two", h);
        CHECK_SIG(verify(&t, input, sig, ipk_p256, NULL),
                  APPROOV_SIG_COMPONENT_ABSENT);
    }
    CHECK_SIG(verify(&r, input, sig, ipk_of(key_other), NULL),
              APPROOV_SIG_BAD_SIGNATURE);

    /* Missing fields. */
    CHECK_SIG(verify(&r, NULL, sig, ipk_p256, NULL),
              APPROOV_SIG_MISSING_HEADERS);
    CHECK_SIG(verify(&r, input, NULL, ipk_p256, NULL),
              APPROOV_SIG_MISSING_HEADERS);
    CHECK_SIG(verify(&r, "", sig, ipk_p256, NULL),
              APPROOV_SIG_MISSING_HEADERS);
    CHECK_SIG(verify(&r, input, "", ipk_p256, NULL),
              APPROOV_SIG_MISSING_HEADERS);

    /* Signature-Input. */
    CHECK_SIG(verify(&r, apr_pstrcat(pool, input, ", ", input, NULL), sig,
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, apr_pstrcat(pool, input, ", sig1=(), sig1=()", NULL),
                     sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, "sig1=(\"@method\");created=1", sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, "install=1", sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, "install", sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, input_with("@method", NOW, NULL), sig, ipk_p256,
                     NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, input_with("\"@method\" :AAAA:", NOW, NULL), sig,
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, input_with(STD_COMPONENTS, NOW, ";created=1"), sig,
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, input_with(STD_COMPONENTS, NOW, ";expires=\"x\""),
                     sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, input_with(STD_COMPONENTS, NOW, ";keyid=k"), sig,
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, input_with(STD_COMPONENTS, NOW, ";nonce=1"), sig,
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, input_with(STD_COMPONENTS, NOW, ";tag=?1"), sig,
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, apr_pstrcat(pool, input, ",", NULL), sig, ipk_p256,
                     NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify(&r, input_with("\"Content-Type\" " STD_COMPONENTS, NOW,
                                    NULL), sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);

    /* Signature. */
    CHECK_SIG(verify(&r, input, apr_pstrcat(pool, sig, ", ", sig, NULL),
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, apr_pstrcat(pool, sig, ", ", sig_string, NULL),
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, "other=:AAAA:", ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, "install=abc", ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, "install=(:AAAA:)", ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, "install=\"not base64!\"", ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, "install=:AA-_:", ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, apr_pstrcat(pool, sig, ";x=1", NULL),
                     ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, "install=:", ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    /* The same signature without its '==' padding, either form. */
    s = apr_pstrndup(pool, sig, strlen(sig) - 3);
    CHECK_SIG(verify(&r, input, apr_pstrcat(pool, s, ":", NULL), ipk_p256,
                     NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    s = apr_pstrndup(pool, sig_string, strlen(sig_string) - 3);
    CHECK_SIG(verify(&r, input, apr_pstrcat(pool, s, "\"", NULL), ipk_p256,
                     NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);

    /* alg. */
    in = input_with(STD_COMPONENTS, NOW - 5, ";alg=\"ecdsa-p256-sha256\"");
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_VALID);
    in = input_with(STD_COMPONENTS, NOW - 5, ";alg=\"rsa-pss-sha512\"");
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, &out),
              APPROOV_SIG_BAD_ALG);
    CHECK_STR(out.alg, "rsa-pss-sha512");
    in = input_with(STD_COMPONENTS, NOW - 5, ";alg=ecdsa-p256-sha256");
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL), APPROOV_SIG_BAD_ALG);
    in = input_with(STD_COMPONENTS, NOW - 5, ";alg=\"ECDSA-P256-SHA256\"");
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL), APPROOV_SIG_BAD_ALG);

    /* Components. */
    in = input_with("\"@method\" \"@target-uri\" \"content-type\"", NOW - 5,
                    NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_MISSING_COMPONENT);
    in = input_with("\"@target-uri\" \"approov-token\"", NOW - 5, NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_MISSING_COMPONENT);
    in = input_with("\"@method\" \"@authority\" \"@query\" \"approov-token\"",
                    NOW - 5, NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_MISSING_COMPONENT);
    in = input_with("\"approov-token\" \"@path\" \"@method\" \"@authority\" "
                    "\"@scheme\" \"@query\" \"@query-param\";name=\"b\" "
                    "\"@request-target\"", NOW - 5, NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_STRING),
                     ipk_p256, &out),
              APPROOV_SIG_VALID);
    CHECK(out.count == 8 && !out.covers_content_digest);
    CHECK_SIG(verify(&r, input_with(STD_COMPONENTS " \"@status\"", NOW - 5,
                                    NULL), sig, ipk_p256, NULL),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(verify(&r, input_with(STD_COMPONENTS " \"content-type\";sf",
                                    NOW - 5, NULL), sig, ipk_p256, NULL),
              APPROOV_SIG_UNKNOWN_COMPONENT);
    CHECK_SIG(verify(&r, input_with(STD_COMPONENTS " \"@method\"", NOW - 5,
                                    NULL), sig, ipk_p256, NULL),
              APPROOV_SIG_DUPLICATE_COMPONENT);
    in = input_with(STD_COMPONENTS " \"x-absent\"", NOW - 5, NULL);
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL),
              APPROOV_SIG_COMPONENT_ABSENT);

    /* Time. */
    in = input_with(STD_COMPONENTS, 0, NULL);
    in = apr_pstrcat(pool, "install=(" STD_COMPONENTS ")", NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_NO_CREATED);
    in = apr_pstrcat(pool, "install=(" STD_COMPONENTS ");created=\"1\"", NULL);
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL), APPROOV_SIG_NO_CREATED);
    in = apr_pstrcat(pool, "install=(" STD_COMPONENTS ");created=1700000000.5",
                     NULL);
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL), APPROOV_SIG_NO_CREATED);
    in = apr_pstrcat(pool, "install=(" STD_COMPONENTS ");created", NULL);
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL), APPROOV_SIG_NO_CREATED);

    in = input_with(STD_COMPONENTS, NOW + SKEW, NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_VALID);
    in = input_with(STD_COMPONENTS, NOW + SKEW + 1, NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_CREATED_IN_FUTURE);
    in = input_with(STD_COMPONENTS, NOW - MAX_AGE, NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_VALID);
    in = input_with(STD_COMPONENTS, NOW - MAX_AGE - 1, NULL);
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_TOO_OLD);
    in = input_with(STD_COMPONENTS, -999999999999999, NULL);
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL), APPROOV_SIG_TOO_OLD);
    in = input_with(STD_COMPONENTS, 999999999999999, NULL);
    CHECK_SIG(verify(&r, in, sig, ipk_p256, NULL),
              APPROOV_SIG_CREATED_IN_FUTURE);
    /* Negative limits count as zero; huge ones are capped, not wrapped. */
    in = input_with(STD_COMPONENTS, NOW - 1, NULL);
    s = sign_request(&r, in, key_p256, AS_BYTES);
    CHECK_SIG(approov_msgsig_verify(pool, &r, in, s, ipk_p256,
                                    apr_time_from_sec(NOW), -5, -5, NULL),
              APPROOV_SIG_TOO_OLD);
    CHECK_SIG(approov_msgsig_verify(pool, &r, in, s, ipk_p256,
                                    apr_time_from_sec(NOW), APR_INT64_MAX,
                                    APR_INT64_MAX, NULL),
              APPROOV_SIG_VALID);
    /* The current time is truncated to whole seconds. */
    in = input_with(STD_COMPONENTS, NOW, NULL);
    CHECK_SIG(approov_msgsig_verify(pool, &r, in,
                                    sign_request(&r, in, key_p256, AS_BYTES),
                                    ipk_p256,
                                    apr_time_from_sec(NOW) + 999999, 0, 0,
                                    NULL),
              APPROOV_SIG_VALID);

    in = input_with(STD_COMPONENTS, NOW - 5,
                    apr_psprintf(pool, ";expires=%d", NOW - SKEW - 1));
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, &out),
              APPROOV_SIG_EXPIRED);
    CHECK(out.has_expires && out.expires == NOW - SKEW - 1);
    in = input_with(STD_COMPONENTS, NOW - 5,
                    apr_psprintf(pool, ";expires=%d", NOW - SKEW));
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_EXPIRED);
    in = input_with(STD_COMPONENTS, NOW - 5,
                    apr_psprintf(pool, ";expires=%d", NOW - SKEW + 1));
    CHECK_SIG(verify(&r, in, sign_request(&r, in, key_p256, AS_BYTES),
                     ipk_p256, NULL),
              APPROOV_SIG_VALID);

    /* The signature value. */
    {
        unsigned char raw[65];
        apr_size_t len;
        const unsigned char *dec = b64(apr_pstrndup(pool, sig + 9,
                                                    strlen(sig) - 10), &len);
        CHECK(len == 64);
        memcpy(raw, dec, 64);
        raw[64] = 0;
        CHECK_SIG(verify(&r, input,
                         apr_pstrcat(pool, "install=:",
                                     approov_b64_encode(pool, raw, 63),
                                     ":", NULL), ipk_p256, NULL),
                  APPROOV_SIG_BAD_SIGNATURE);
        CHECK_SIG(verify(&r, input,
                         apr_pstrcat(pool, "install=:",
                                     approov_b64_encode(pool, raw, 65),
                                     ":", NULL), ipk_p256, NULL),
                  APPROOV_SIG_BAD_SIGNATURE);
        CHECK_SIG(verify(&r, input, "install=::", ipk_p256, NULL),
                  APPROOV_SIG_BAD_SIGNATURE);
        memset(raw, 0, sizeof(raw));
        CHECK_SIG(verify(&r, input,
                         apr_pstrcat(pool, "install=:",
                                     approov_b64_encode(pool, raw, 64),
                                     ":", NULL), ipk_p256, NULL),
                  APPROOV_SIG_BAD_SIGNATURE);
        memcpy(raw, dec, 64);
        raw[10] ^= 0x01;
        CHECK_SIG(verify(&r, input,
                         apr_pstrcat(pool, "install=:",
                                     approov_b64_encode(pool, raw, 64),
                                     ":", NULL), ipk_p256, NULL),
                  APPROOV_SIG_BAD_SIGNATURE);
        /* A DER signature, as a careless SDK might send, is refused. */
        CHECK_SIG(verify(&r, input,
                         "install=:MEUCIQDXyK9N3p5RtAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                         "AAAAAAAAAAIgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                         "AAAAAAA=:", ipk_p256, NULL),
                  APPROOV_SIG_BAD_SIGNATURE);
    }

    /* The ipk claim. */
    p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    CHECK(p384 && ed);
    CHECK_SIG(verify(&r, input, sig, ipk_of(p384), NULL), APPROOV_SIG_BAD_IPK);
    CHECK_SIG(verify(&r, input, sig, ipk_of(ed), NULL), APPROOV_SIG_BAD_IPK);
    CHECK_SIG(verify(&r, input, sig, "garbage!", NULL), APPROOV_SIG_BAD_IPK);
    CHECK_SIG(verify(&r, input, sig, "AAAA", NULL), APPROOV_SIG_BAD_IPK);
    CHECK_SIG(verify(&r, input, sig, "", NULL), APPROOV_SIG_BAD_IPK);
    CHECK_SIG(verify(&r, input, sig, NULL, NULL), APPROOV_SIG_BAD_IPK);
    /* Same key, but unpadded, URL-safe, with whitespace, or with trailing
     * bytes after the DER. */
    s = apr_pstrndup(pool, ipk_p256, strlen(ipk_p256));
    CHECK(strlen(s) == 124);
    {
        apr_size_t len;
        const unsigned char *der = b64(ipk_p256, &len);
        unsigned char *longer = apr_palloc(pool, len + 1);
        char *url = apr_pstrdup(pool, ECC_P256_IPK), *c;
        memcpy(longer, der, len);
        longer[len] = 0;
        CHECK_SIG(verify(&r, input, sig,
                         approov_b64_encode(pool, longer, len + 1), NULL),
                  APPROOV_SIG_BAD_IPK);
        for (c = url; *c; c++) {
            if (*c == '+') *c = '-';
            if (*c == '/') *c = '_';
        }
        /* The RFC key holds both '+' and '/'. */
        CHECK(strcmp(url, ECC_P256_IPK) != 0);
        CHECK_SIG(approov_msgsig_verify_p256(pool, url, "x", 1,
                                             (const unsigned char *)
                                             "0123456789012345678901234567890"
                                             "12345678901234567890123456789012",
                                             64),
                  APPROOV_SIG_BAD_IPK);
        CHECK_SIG(approov_msgsig_verify_p256(pool, ECC_P256_IPK, "x", 1,
                                             (const unsigned char *)
                                             "0123456789012345678901234567890"
                                             "12345678901234567890123456789012",
                                             64),
                  APPROOV_SIG_BAD_SIGNATURE);
    }
    CHECK_SIG(verify(&r, input, sig, apr_pstrcat(pool, " ", ipk_p256, NULL),
                     NULL),
              APPROOV_SIG_BAD_IPK);
    CHECK_SIG(verify(&r, input, sig,
                     apr_pstrcat(pool, ipk_p256, "\n", NULL), NULL),
              APPROOV_SIG_BAD_IPK);
    /* A P-256 SPKI is 91 bytes: 124 characters ending in "==". */
    CHECK(ipk_p256[123] == '=' && ipk_p256[122] == '=');
    CHECK_SIG(verify(&r, input, sig, apr_pstrndup(pool, ipk_p256, 123), NULL),
              APPROOV_SIG_BAD_IPK);
    CHECK_SIG(verify(&r, input, sig, apr_pstrndup(pool, ipk_p256, 122), NULL),
              APPROOV_SIG_BAD_IPK);
    /* The RFC's P-256 key is a fine ipk, just not the signer's. */
    CHECK_SIG(verify(&r, input, sig, ECC_P256_IPK, NULL),
              APPROOV_SIG_BAD_SIGNATURE);
    /* The signer's key with a compressed point: the same key. */
    {
        EVP_PKEY *compressed = EVP_PKEY_dup(key_p256);
        const char *ipk;
        apr_size_t len;
        unsigned char *der;

        CHECK(compressed && EVP_PKEY_set_utf8_string_param(
                  compressed, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                  OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED) == 1);
        ipk = ipk_of(compressed);
        CHECK(strlen(ipk) == 80);   /* 59 bytes */
        CHECK_SIG(verify(&r, input, sig, ipk, NULL), APPROOV_SIG_VALID);
        /* The point's first byte, other than 2 or 3 for 33 bytes. */
        der = apr_pmemdup(pool, b64(ipk, &len), 59);
        der[26] = 4;
        CHECK_SIG(verify(&r, input, sig, approov_b64_encode(pool, der, 59),
                         NULL), APPROOV_SIG_BAD_IPK);
        EVP_PKEY_free(compressed);
    }
    /* An uncompressed point that is not on the curve, or whose first byte
     * is no point form (6 and 7, the hybrid forms, are valid for one y
     * parity each: the key is random). */
    {
        apr_size_t len;
        unsigned char *der = apr_pmemdup(pool, b64(ipk_p256, &len), 91);

        der[90] ^= 0x01;
        CHECK_SIG(verify(&r, input, sig, approov_b64_encode(pool, der, 91),
                         NULL), APPROOV_SIG_BAD_IPK);
        der[90] ^= 0x01;
        der[26] = 5;
        CHECK_SIG(verify(&r, input, sig, approov_b64_encode(pool, der, 91),
                         NULL), APPROOV_SIG_BAD_IPK);
        der[26] = 4;
        CHECK_SIG(verify(&r, input, sig, approov_b64_encode(pool, der, 91),
                         NULL), APPROOV_SIG_VALID);
        /* The same with the curve made once, as the module does. */
        CHECK(approov_msgsig_initialize());
        CHECK(approov_msgsig_initialize());
        CHECK_SIG(verify(&r, input, sig, approov_b64_encode(pool, der, 91),
                         NULL), APPROOV_SIG_VALID);
        der[90] ^= 0x01;
        CHECK_SIG(verify(&r, input, sig, approov_b64_encode(pool, der, 91),
                         NULL), APPROOV_SIG_BAD_IPK);
        approov_msgsig_terminate();
        der[90] ^= 0x01;
        CHECK_SIG(verify(&r, input, sig, approov_b64_encode(pool, der, 91),
                         NULL), APPROOV_SIG_VALID);
    }
    /* OpenSSL errors queued before the call survive it; ours do not. */
    ERR_clear_error();
    ERR_raise(ERR_LIB_USER, 42);
    CHECK_SIG(verify(&r, input, sig, ipk_of(p384), NULL), APPROOV_SIG_BAD_IPK);
    CHECK_SIG(verify(&r, input, sig, "MFkw", NULL), APPROOV_SIG_BAD_IPK);
    CHECK(ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_USER
          && ERR_GET_REASON(ERR_peek_last_error()) == 42);
    ERR_clear_error();
    EVP_PKEY_free(p384);
    EVP_PKEY_free(ed);
}


/* ------------------------------------------------------------------ */
/* account signatures (label account, hmac-sha256)                      */

/* An account key as the module prepares it: HS256, its mskid as kid. */
static approov_key_t *account_key(const char *secret_b64, const char *mskid)
{
    apr_size_t len;
    const unsigned char *secret = b64(secret_b64, &len);
    approov_key_t *key = approov_key_hmac(pool, APPROOV_ALG_HS256, secret,
                                          len);

    if (!key) {
        fprintf(stderr, "cannot key an account secret\n");
        exit(2);
    }
    approov_key_set_kid(pool, key, mskid);
    return key;
}

/* Two account secrets of 32 bytes, made for these tests. */
#define ACCOUNT_SECRET "c2lnbmluZy1rZXktb25lLWZvci10aGUtdW5pdC10ZXN0cyE="
#define ACCOUNT_SECRET_2 "c2lnbmluZy1rZXktdHdvLWZvci10aGUtdW5pdC10ZXN0cyE="

/* The account member's Signature field for the member of label in
 * signature_input, MAC'd by OpenSSL's HMAC() with secret_b64 over the
 * base the core builds (the base itself is checked against the RFC's in
 * test_account_rfc9421_b25). */
static const char *mac_request(const approov_msgsig_request_t *r,
                               const char *signature_input,
                               const char *label, const char *secret_b64,
                               int form)
{
    approov_sfv_dict_t d;
    const approov_sfv_entry_t *e;
    approov_msgsig_t out;
    apr_size_t klen;
    const unsigned char *k = b64(secret_b64, &klen);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;
    const char *text;

    memset(&out, 0, sizeof(out));
    if (approov_sfv_parse_dict(pool, signature_input, strlen(signature_input),
                               &d) != APPROOV_SFV_OK
        || !(e = approov_sfv_dict_find(&d, label))
        || approov_msgsig_signature_base(pool, r, &e->value, &out)
               != APPROOV_SIG_VALID
        || !HMAC(EVP_sha256(), k, (int)klen,
                 (const unsigned char *)out.signature_base,
                 strlen(out.signature_base), mac, &mlen)) {
        fprintf(stderr, "cannot MAC for [%s]\n", signature_input);
        exit(2);
    }
    text = approov_b64_encode(pool, mac, mlen);
    return form == AS_STRING
               ? apr_pstrcat(pool, label, "=\"", text, "\"", NULL)
               : apr_pstrcat(pool, label, "=:", text, ":", NULL);
}

static const char *account_input(const char *components, apr_int64_t created,
                                 const char *more)
{
    return apr_psprintf(pool, "account=(%s);created=%" APR_INT64_T_FMT "%s",
                        components, created, more ? more : "");
}

static approov_sig_result_e verify_account(const approov_msgsig_request_t *r,
                                           const char *input,
                                           const char *signature,
                                           const approov_key_t *key,
                                           approov_msgsig_t *out)
{
    return approov_msgsig_verify_account(pool, r, input, signature, key,
                                         apr_time_from_sec(NOW), MAX_AGE,
                                         SKEW, out);
}

/* RFC 9421 Appendix B.2.5 through the core's own HMAC: the base byte for
 * byte, and the RFC's signature value accepted by approov_key_hmac()'s
 * prepared key (and nothing else). */
static void test_account_rfc9421_b25(void)
{
    approov_msgsig_request_t r = view("POST", "https", "example.com", "/foo",
                                      "param=Value&Pet=dog",
                                      TEST_REQUEST_HEADERS);
    approov_key_t *key = account_key(SHARED_SECRET_B64, "test-shared-secret");
    approov_msgsig_t out;
    apr_size_t len;
    const unsigned char *sig =
        b64("pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=", &len);
    unsigned char bad[APPROOV_MSGSIG_HMAC_LEN];
    const char *input = "sig-b25=(\"date\" \"@authority\" \"content-type\")"
                        ";created=1618884473;keyid=\"test-shared-secret\"";
    approov_sfv_dict_t d;

    CHECK(len == APPROOV_MSGSIG_HMAC_LEN);
    CHECK(approov_sfv_parse_dict(pool, input, strlen(input), &d)
          == APPROOV_SFV_OK);
    memset(&out, 0, sizeof(out));
    CHECK_SIG(approov_msgsig_signature_base(pool, &r, &d.entries[0].value,
                                            &out),
              APPROOV_SIG_VALID);
    CHECK_STR(out.signature_base,
              "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
              "\"@authority\": example.com\n"
              "\"content-type\": application/json\n"
              "\"@signature-params\": (\"date\" \"@authority\" "
              "\"content-type\");created=1618884473"
              ";keyid=\"test-shared-secret\"");
    CHECK_SIG(approov_msgsig_verify_hmac(key, out.signature_base,
                                         strlen(out.signature_base), sig,
                                         len),
              APPROOV_SIG_VALID);
    /* Every bit of the MAC counts; so does every byte of the base. */
    memcpy(bad, sig, sizeof(bad));
    bad[31] ^= 1;
    CHECK_SIG(approov_msgsig_verify_hmac(key, out.signature_base,
                                         strlen(out.signature_base), bad,
                                         sizeof(bad)),
              APPROOV_SIG_BAD_SIGNATURE);
    CHECK_SIG(approov_msgsig_verify_hmac(key, out.signature_base,
                                         strlen(out.signature_base) - 1, sig,
                                         len),
              APPROOV_SIG_BAD_SIGNATURE);
    /* A prefix of the MAC, the MAC twice, no key, another key. */
    CHECK_SIG(approov_msgsig_verify_hmac(key, out.signature_base,
                                         strlen(out.signature_base), sig, 31),
              APPROOV_SIG_BAD_SIGNATURE);
    {
        unsigned char twice[2 * APPROOV_MSGSIG_HMAC_LEN];

        memcpy(twice, sig, 32);
        memcpy(twice + 32, sig, 32);
        CHECK_SIG(approov_msgsig_verify_hmac(key, out.signature_base,
                                             strlen(out.signature_base),
                                             twice, sizeof(twice)),
                  APPROOV_SIG_BAD_SIGNATURE);
    }
    CHECK_SIG(approov_msgsig_verify_hmac(NULL, out.signature_base,
                                         strlen(out.signature_base), sig, 32),
              APPROOV_SIG_BAD_SIGNATURE);
    CHECK_SIG(approov_msgsig_verify_hmac(account_key(ACCOUNT_SECRET, NULL),
                                         out.signature_base,
                                         strlen(out.signature_base), sig, 32),
              APPROOV_SIG_BAD_SIGNATURE);
}

static void test_account_key_choice(void)
{
    approov_key_t *a = account_key(ACCOUNT_SECRET, "a");
    approov_key_t *b = account_key(ACCOUNT_SECRET_2, "b");
    approov_key_t *none = account_key(ACCOUNT_SECRET_2, NULL);
    const approov_key_t *ab[] = { a, b }, *anone[] = { none, a };

    CHECK(approov_msgsig_account_key(ab, 2, "a") == a);
    CHECK(approov_msgsig_account_key(ab, 2, "b") == b);
    CHECK(approov_msgsig_account_key(ab, 2, "c") == NULL);
    CHECK(approov_msgsig_account_key(ab, 2, "A") == NULL);
    CHECK(approov_msgsig_account_key(ab, 2, "") == NULL);
    CHECK(approov_msgsig_account_key(ab, 2, NULL) == NULL);
    CHECK(approov_msgsig_account_key(ab, 0, "a") == NULL);
    /* A key without an id takes any mskid no key with an id has. */
    CHECK(approov_msgsig_account_key(anone, 2, "a") == a);
    CHECK(approov_msgsig_account_key(anone, 2, "z") == none);
    CHECK(approov_msgsig_account_key(anone, 1, "a") == none);
    CHECK(approov_msgsig_account_key(anone, 1, NULL) == NULL);
}

static void test_account_end_to_end(void)
{
    approov_msgsig_request_t r = app_request(), t;
    approov_msgsig_t out;
    approov_key_t *key = account_key(ACCOUNT_SECRET, "m1");
    approov_key_t *other = account_key(ACCOUNT_SECRET_2, "m1");
    const char *input = account_input(STD_COMPONENTS, NOW - 5,
                                      ";expires=1700000300"
                                      ";alg=\"hmac-sha256\"");
    const char *sig = mac_request(&r, input, "account", ACCOUNT_SECRET,
                                  AS_BYTES);
    const char *install_in = input_with(STD_COMPONENTS, NOW - 5, NULL);
    const char *install_sig = sign_request(&r, install_in, key_p256,
                                           AS_BYTES);
    const char *in, *s;

    /* Valid, as a Byte Sequence and as a String. */
    CHECK_SIG(verify_account(&r, input, sig, key, &out), APPROOV_SIG_VALID);
    CHECK(out.count == 5 && out.covers_content_digest
          && out.signature_len == APPROOV_MSGSIG_HMAC_LEN);
    CHECK_STR(out.alg, "hmac-sha256");
    CHECK(out.has_expires && out.expires == 1700000300);
    CHECK_SIG(verify_account(&r, input,
                             mac_request(&r, input, "account", ACCOUNT_SECRET,
                                         AS_STRING), key, NULL),
              APPROOV_SIG_VALID);
    /* Without alg too. */
    in = account_input(STD_COMPONENTS, NOW - 5, NULL);
    CHECK_SIG(verify_account(&r, in, mac_request(&r, in, "account",
                                                 ACCOUNT_SECRET, AS_BYTES),
                             key, NULL),
              APPROOV_SIG_VALID);

    /* Forged: another secret, or no key. */
    CHECK_SIG(verify_account(&r, input, sig, other, NULL),
              APPROOV_SIG_BAD_SIGNATURE);
    CHECK_SIG(verify_account(&r, input, sig, NULL, NULL),
              APPROOV_SIG_BAD_SIGNATURE);
    t = r;
    t.method = "PUT";
    CHECK_SIG(verify_account(&t, input, sig, key, NULL),
              APPROOV_SIG_BAD_SIGNATURE);

    /* Both members in one pair of headers: each label is checked by its
     * own function, with its own key; member order does not matter. */
    in = apr_pstrcat(pool, install_in, ", ", input, NULL);
    s = apr_pstrcat(pool, sig, ", ", install_sig, NULL);
    CHECK_SIG(verify_account(&r, in, s, key, NULL), APPROOV_SIG_VALID);
    CHECK_SIG(verify(&r, in, s, ipk_p256, NULL), APPROOV_SIG_VALID);

    /* Only the other label's member: the checked one is missing. */
    CHECK_SIG(verify_account(&r, install_in, install_sig, key, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify_account(&r, in, install_sig, key, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify(&r, input, sig, ipk_p256, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);

    /* Replayed from the other label.  The install signature relabelled as
     * account: with its alg, BAD_ALG; without, 64 bytes are no MAC. */
    in = apr_pstrcat(pool, "account", install_in + strlen("install"), NULL);
    s = apr_pstrcat(pool, "account", install_sig + strlen("install"), NULL);
    CHECK_SIG(verify_account(&r, in, s, key, NULL),
              APPROOV_SIG_BAD_SIGNATURE);
    CHECK_SIG(verify_account(&r, apr_pstrcat(pool, in,
                                             ";alg=\"ecdsa-p256-sha256\"",
                                             NULL), s, key, NULL),
              APPROOV_SIG_BAD_ALG);
    /* The account signature relabelled as install. */
    in = apr_pstrcat(pool, "install", input + strlen("account"), NULL);
    s = apr_pstrcat(pool, "install", sig + strlen("account"), NULL);
    CHECK_SIG(verify(&r, in, s, ipk_p256, NULL), APPROOV_SIG_BAD_ALG);
    in = apr_pstrcat(pool, "install",
                     account_input(STD_COMPONENTS, NOW - 5, NULL)
                     + strlen("account"), NULL);
    s = apr_pstrcat(pool, "install",
                    mac_request(&r, account_input(STD_COMPONENTS, NOW - 5,
                                                  NULL),
                                "account", ACCOUNT_SECRET, AS_BYTES)
                    + strlen("account"), NULL);
    CHECK_SIG(verify(&r, in, s, ipk_p256, NULL), APPROOV_SIG_BAD_SIGNATURE);

    /* alg: only hmac-sha256, a String. */
    in = account_input(STD_COMPONENTS, NOW - 5, ";alg=\"hmac-sha512\"");
    CHECK_SIG(verify_account(&r, in, sig, key, NULL), APPROOV_SIG_BAD_ALG);
    in = account_input(STD_COMPONENTS, NOW - 5, ";alg=hmac-sha256");
    CHECK_SIG(verify_account(&r, in, sig, key, NULL), APPROOV_SIG_BAD_ALG);

    /* The same profile as install: components, times, strict fields. */
    in = account_input("\"@method\" \"approov-token\"", NOW, NULL);
    CHECK_SIG(verify_account(&r, in, mac_request(&r, in, "account",
                                                 ACCOUNT_SECRET, AS_BYTES),
                             key, NULL),
              APPROOV_SIG_MISSING_COMPONENT);
    in = account_input(STD_COMPONENTS, NOW - MAX_AGE - 1, NULL);
    CHECK_SIG(verify_account(&r, in, mac_request(&r, in, "account",
                                                 ACCOUNT_SECRET, AS_BYTES),
                             key, NULL),
              APPROOV_SIG_TOO_OLD);
    in = account_input(STD_COMPONENTS, NOW + SKEW + 1, NULL);
    CHECK_SIG(verify_account(&r, in, mac_request(&r, in, "account",
                                                 ACCOUNT_SECRET, AS_BYTES),
                             key, NULL),
              APPROOV_SIG_CREATED_IN_FUTURE);
    in = account_input(STD_COMPONENTS, NOW - 5, ";expires=1699999000");
    CHECK_SIG(verify_account(&r, in, mac_request(&r, in, "account",
                                                 ACCOUNT_SECRET, AS_BYTES),
                             key, NULL),
              APPROOV_SIG_EXPIRED);
    in = "account=(" STD_COMPONENTS ")";
    CHECK_SIG(verify_account(&r, in, mac_request(&r, in, "account",
                                                 ACCOUNT_SECRET, AS_BYTES),
                             key, NULL),
              APPROOV_SIG_NO_CREATED);
    CHECK_SIG(verify_account(&r, apr_pstrcat(pool, input, ", ", input, NULL),
                             sig, key, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify_account(&r, apr_pstrcat(pool, input, ", x=(), x=()",
                                             NULL), sig, key, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify_account(&r, input, apr_pstrcat(pool, sig, ", ", sig,
                                                    NULL), key, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify_account(&r, input, "account=:AAAA:;p=1", key, NULL),
              APPROOV_SIG_BAD_SIGNATURE_HEADER);
    CHECK_SIG(verify_account(&r, "account=1", sig, key, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
    CHECK_SIG(verify_account(&r, NULL, sig, key, NULL),
              APPROOV_SIG_MISSING_HEADERS);
    /* Other members are parsed strictly but not verified. */
    CHECK_SIG(verify_account(&r, apr_pstrcat(pool, "other=(\"@path\"), ",
                                             input, NULL),
                             apr_pstrcat(pool, "other=:AAAA:, ", sig, NULL),
                             key, NULL),
              APPROOV_SIG_VALID);
    CHECK_SIG(verify_account(&r, apr_pstrcat(pool, "other=(@path), ", input,
                                             NULL), sig, key, NULL),
              APPROOV_SIG_BAD_SIGNATURE_INPUT);
}

static void test_names(void)
{
    int i, j;

    CHECK_STR(approov_sig_result_name(APPROOV_SIG_VALID), "sig_valid");
    CHECK_STR(approov_sig_result_name(APPROOV_SIG_BAD_SIGNATURE),
              "sig_bad_signature");
    CHECK_STR(approov_sig_result_name(APPROOV_SIG_MISSING_HEADERS),
              "sig_missing_headers");
    CHECK_STR(approov_sig_result_name(APPROOV_SIG_CREATED_IN_FUTURE),
              "sig_created_in_future");
    CHECK_STR(approov_sig_result_name(APPROOV_SIG_RESULT_COUNT),
              "sig_unknown");
    CHECK_STR(approov_sig_result_name((approov_sig_result_e)-1),
              "sig_unknown");
    for (i = 0; i < APPROOV_SIG_RESULT_COUNT; i++) {
        const char *n = approov_sig_result_name((approov_sig_result_e)i);
        /* One outcome list: the group is VALID and [FIRST, COUNT). */
        if (i != APPROOV_SIG_VALID && i < APPROOV_SIG_FIRST) {
            continue;
        }
        int ok = strncmp(n, "sig_", 4) == 0 && strcmp(n, "sig_unknown") != 0;
        for (j = 0; j < i; j++) {
            ok &= strcmp(n, approov_sig_result_name((approov_sig_result_e)j))
                  != 0;
        }
        CHECK_AT(ok, __LINE__, "name of result %d: %s", i, n);
    }
}

int main(void)
{
    apr_pool_t *keep;

    harness_begin();
    /* The keys and their ipk outlive each test's pool. */
    apr_pool_create(&keep, NULL);
    key_p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    key_other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!key_p256 || !key_other) {
        fprintf(stderr, "cannot generate keys\n");
        return 2;
    }
    ipk_p256 = apr_pstrdup(keep, ipk_of(key_p256));

    RUN(test_rfc9421_appendix_b);
    RUN(test_rfc9421_b3_ecdsa);
    RUN(test_rfc9421_b4_transform);
    RUN(test_rfc9421_components);
    RUN(test_request_target_as_sent);
    RUN(test_rfc9421_query_param);
    RUN(test_rfc9421_unsupported);
    RUN(test_content_digest);
    RUN(test_end_to_end);
    RUN(test_account_rfc9421_b25);
    RUN(test_account_key_choice);
    RUN(test_account_end_to_end);
    RUN(test_names);

    EVP_PKEY_free(key_p256);
    EVP_PKEY_free(key_other);
    apr_pool_destroy(keep);
    return harness_end();
}

/*
 * fuzz_msgsig_account: account message signatures (approov_msgsig.c, label
 * account, RFC 9421 hmac-sha256) against OpenSSL's HMAC(), and against the
 * install path of the same parser.
 *
 * Input:  F0 SIGNATURE_INPUT \0 SIGNATURE \0 METHOD \0 AUTHORITY \0 TARGET
 *         \0 HEADERS
 *
 * TARGET is the request target as sent (path, then '?' and the query);
 * HEADERS are "name:value" lines (LF or NUL separated), values trimmed of
 * SP and HTAB as httpd does.  Before anything runs, "$MAC" in SIGNATURE is
 * replaced by the padded base64 of OpenSSL's HMAC-SHA256, with the account
 * secret, of the signature base the core builds for the account member of
 * SIGNATURE_INPUT (or of a fixed text when it builds none), so that valid
 * signatures are reachable.
 * F0 bit 0: verify with another account key (every signature must fail);
 *    bits 1-2: max age 0, 1, 300 s or 2^50; bits 3-4: clock skew 0, 1, 60
 *    or -1; bit 5: the token header is X-Approov-Token; bit 6: MAC the
 *    base plus one byte (a signature that must fail).
 * Now is FUZZ_NOW.
 *
 * Invariants:
 *  - approov_msgsig_verify_account() returns a message-signing result;
 *  - valid only when the key is the account secret's, the signature is 32
 *    bytes equal to OpenSSL's HMAC of out.signature_base, that base is the
 *    one approov_msgsig_signature_base() gives for the account member, alg
 *    is absent or "hmac-sha256", and created lies in the window;
 *  - a valid signature checked with another key, or with the last byte of
 *    the base changed, is sig_bad_signature (approov_msgsig_verify_hmac);
 *  - the labels are symmetric: with "account" and "install" swapped in
 *    every segment (letter case kept; inputs without '%', whose decoding
 *    could bring the words back), approov_msgsig_verify() on the result
 *    gives the same code as the account check, up to the signature itself
 *    (valid, bad_signature, and for install bad_ipk), alg (when either
 *    is bad_alg, the other got past the field parsing too) and the
 *    Signature value's last letter, which the swap may make non-canonical
 *    base64 (when either is sig_bad_signature_header, the other is not
 *    sig_missing_headers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "approov_msgsig.h"
#include "approov_base64.h"
#include "approov_keys.h"
#include "approov_sfv.h"
#include "fuzz_common.h"

/* An account secret made for this target (32 bytes), and another. */
static const unsigned char account_secret[32] = "fuzz_msgsig_account: secret 1..";
static const unsigned char other_secret[32] = "fuzz_msgsig_account: secret 2..";

/* RFC 9421 Appendix B.1.3, test-key-ecc-p256 (public), as an ipk. */
static const char ipk[] =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf"
    "w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==";

static approov_key_t *account_key, *other_key;

static void init_keys(void)
{
    if (!account_key) {
        apr_pool_t *root = fuzz_root_pool();

        account_key = approov_key_hmac(root, APPROOV_ALG_HS256,
                                       account_secret, sizeof(account_secret));
        other_key = approov_key_hmac(root, APPROOV_ALG_HS256, other_secret,
                                     sizeof(other_secret));
        if (!account_key || !other_key) {
            abort();
        }
    }
}

static const char *segment(apr_pool_t *p, const uint8_t **data,
                           size_t *size, int last)
{
    const uint8_t *nul = last ? NULL : memchr(*data, 0, *size);
    size_t len = nul ? (size_t)(nul - *data) : *size;
    const char *s = apr_pstrmemdup(p, (const char *)*data, len);

    *data += len + (nul ? 1 : 0);
    *size -= len + (nul ? 1 : 0);
    return s;
}

static char *replace_all(apr_pool_t *p, const char *s, const char *what,
                         const char *with)
{
    const char *hit;
    char *out = apr_pstrdup(p, "");

    while ((hit = strstr(s, what)) != NULL) {
        out = apr_pstrcat(p, out, apr_pstrmemdup(p, s, (apr_size_t)(hit - s)),
                          with, NULL);
        s = hit + strlen(what);
    }
    return apr_pstrcat(p, out, s, NULL);
}

/* "account" <-> "install", any letter case, each letter's case kept. */
static char *swap_labels(apr_pool_t *p, const char *s)
{
    static const char a[] = "account", b[] = "install";
    char *d = apr_pstrdup(p, s), *c;

    for (c = d; *c; c++) {
        const char *from = NULL, *to = NULL;

        if (strncasecmp(c, a, 7) == 0) {
            from = a, to = b;
        }
        else if (strncasecmp(c, b, 7) == 0) {
            from = b, to = a;
        }
        if (from) {
            int i;

            for (i = 0; i < 7; i++) {
                c[i] = (c[i] >= 'A' && c[i] <= 'Z') ? (char)(to[i] - 32)
                                                    : to[i];
            }
            c += 6;
        }
    }
    return d;
}

static apr_table_t *header_table(apr_pool_t *p, const char *hdrs)
{
    apr_table_t *t = apr_table_make(p, 8);
    char *lines = apr_pstrdup(p, hdrs), *line, *next;

    for (line = lines; line; line = next) {
        char *colon, *v, *e;

        next = strpbrk(line, "\n");
        if (next) {
            *next++ = '\0';
        }
        colon = strchr(line, ':');
        if (!colon || colon == line) {
            continue;
        }
        *colon = '\0';
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++);
        for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--);
        *e = '\0';
        apr_table_add(t, line, v);
    }
    return t;
}

static void describe(apr_pool_t *p, approov_msgsig_request_t *req,
                     const char *method, const char *authority,
                     const char *target, const char *hdrs, int f0)
{
    memset(req, 0, sizeof(*req));
    req->method = method;
    req->scheme = "https";
    req->authority = authority;
    approov_msgsig_set_target(p, req, target);
    req->field = approov_msgsig_table_field;
    req->field_ctx = header_table(p, hdrs);
    req->token_field = (f0 & 0x20) ? "X-Approov-Token" : NULL;
}

/* The base the core builds for the account member of input, or NULL. */
static const char *account_base(apr_pool_t *p,
                                const approov_msgsig_request_t *req,
                                const char *input)
{
    approov_sfv_dict_t d;
    const approov_sfv_entry_t *e;
    approov_msgsig_t out;

    memset(&out, 0, sizeof(out));
    if (approov_sfv_parse_dict(p, input, strlen(input), &d) != APPROOV_SFV_OK
        || !(e = approov_sfv_dict_find(&d, "account"))
        || !e->value.is_inner_list
        || approov_msgsig_signature_base(p, req, &e->value, &out)
           != APPROOV_SIG_VALID) {
        return NULL;
    }
    return out.signature_base;
}

static int in_group(approov_sig_result_e r)
{
    return r == APPROOV_SIG_VALID
           || (r >= APPROOV_SIG_FIRST && r < APPROOV_SIG_RESULT_COUNT);
}

/* Results only the parsing before the alg check gives (a
 * sig_bad_signature_input may also come after it, from a @query-param
 * without a name). */
static int early(approov_sig_result_e r)
{
    return r == APPROOV_SIG_MISSING_HEADERS
           || r == APPROOV_SIG_BAD_SIGNATURE_HEADER;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const apr_int64_t ages[] = { 0, 1, 300, APR_INT64_C(1) << 50 };
    static const apr_int64_t skews[] = { 0, 1, 60, -1 };
    apr_pool_t *p;
    approov_msgsig_request_t req, sreq;
    approov_msgsig_t out, out2;
    approov_sig_result_e got, got_install, again;
    const char *si, *sig, *method, *authority, *target, *hdrs, *base;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    apr_int64_t max_age, skew;
    int f0;

    if (size < 1) {
        return 0;
    }
    init_keys();
    p = fuzz_pool_new();
    f0 = data[0];
    data++;
    size--;
    si = segment(p, &data, &size, 0);
    sig = segment(p, &data, &size, 0);
    method = segment(p, &data, &size, 0);
    authority = segment(p, &data, &size, 0);
    target = segment(p, &data, &size, 0);
    hdrs = segment(p, &data, &size, 1);
    max_age = ages[(f0 >> 1) & 3];
    skew = skews[(f0 >> 3) & 3];
    describe(p, &req, method, authority, target, hdrs, f0);

    /* "$MAC": OpenSSL's HMAC of the core's base (or of a fixed text). */
    if (strstr(sig, "$MAC")) {
        const char *text = account_base(p, &req, si);
        char *signed_text = apr_pstrcat(p, text ? text : "no base",
                                        (f0 & 0x40) ? "!" : "", NULL);

        HMAC(EVP_sha256(), account_secret, sizeof(account_secret),
             (const unsigned char *)signed_text, strlen(signed_text), mac,
             &mac_len);
        sig = replace_all(p, sig, "$MAC", approov_b64_encode(p, mac, mac_len));
    }

    got = approov_msgsig_verify_account(p, &req, si, sig,
                                        (f0 & 1) ? other_key : account_key,
                                        FUZZ_NOW, max_age, skew, &out);
    if (fuzz_verbose()) {
        fprintf(stderr, "fuzz_msgsig_account: %s\n",
                approov_sig_result_name(got));
    }
    FUZZ_CHECK(in_group(got), "result %d", (int)got);

    if (got == APPROOV_SIG_VALID) {
        apr_int64_t s = skew < 0 ? 0 : skew;

        FUZZ_CHECK(!(f0 & 1) && !(f0 & 0x40), "valid with the wrong key or MAC");
        FUZZ_CHECK(out.signature_len == 32, "MAC of %d bytes",
                   (int)out.signature_len);
        HMAC(EVP_sha256(), account_secret, sizeof(account_secret),
             (const unsigned char *)out.signature_base,
             strlen(out.signature_base), mac, &mac_len);
        FUZZ_CHECK(mac_len == 32 && CRYPTO_memcmp(mac, out.signature, 32) == 0,
                   "valid, but not OpenSSL's HMAC of the base");
        base = account_base(p, &req, si);
        FUZZ_CHECK(base && strcmp(base, out.signature_base) == 0,
                   "valid over another base than the account member's");
        FUZZ_CHECK(!out.alg || strcmp(out.alg, "hmac-sha256") == 0,
                   "valid with alg %s", out.alg);
        FUZZ_CHECK(out.has_created && out.created <= FUZZ_NOW_SECONDS + s
                   && FUZZ_NOW_SECONDS - out.created <= max_age,
                   "valid outside the time window");
        /* The same signature with another key, or a changed base. */
        FUZZ_CHECK(approov_msgsig_verify_hmac(other_key, out.signature_base,
                                              strlen(out.signature_base),
                                              out.signature, 32)
                   == APPROOV_SIG_BAD_SIGNATURE, "valid with another key");
        {
            char *changed = apr_pstrdup(p, out.signature_base);
            size_t n = strlen(changed);

            changed[n - 1] ^= 1;
            FUZZ_CHECK(approov_msgsig_verify_hmac(account_key, changed, n,
                                                  out.signature, 32)
                       == APPROOV_SIG_BAD_SIGNATURE,
                       "valid over a changed base");
        }
    }

    /* The install path on the same input with the labels swapped. */
    if (!strchr(si, '%') && !strchr(sig, '%') && !strchr(method, '%')
        && !strchr(authority, '%') && !strchr(target, '%')
        && !strchr(hdrs, '%')) {
        describe(p, &sreq, swap_labels(p, method), swap_labels(p, authority),
                 swap_labels(p, target), swap_labels(p, hdrs), f0);
        got_install = approov_msgsig_verify(p, &sreq, swap_labels(p, si),
                                            swap_labels(p, sig), ipk,
                                            FUZZ_NOW, max_age, skew, &out2);
        FUZZ_CHECK(in_group(got_install), "install result %d",
                   (int)got_install);
        if (got == APPROOV_SIG_BAD_SIGNATURE_HEADER
            || got_install == APPROOV_SIG_BAD_SIGNATURE_HEADER) {
            FUZZ_CHECK(got != APPROOV_SIG_MISSING_HEADERS
                       && got_install != APPROOV_SIG_MISSING_HEADERS,
                       "account %s, install %s",
                       approov_sig_result_name(got),
                       approov_sig_result_name(got_install));
        }
        else if (got == APPROOV_SIG_BAD_ALG
                 || got_install == APPROOV_SIG_BAD_ALG) {
            FUZZ_CHECK(!early(got) && !early(got_install),
                       "account %s, install %s",
                       approov_sig_result_name(got),
                       approov_sig_result_name(got_install));
        }
        else if (got == APPROOV_SIG_VALID || got == APPROOV_SIG_BAD_SIGNATURE) {
            FUZZ_CHECK(got_install == APPROOV_SIG_VALID
                       || got_install == APPROOV_SIG_BAD_SIGNATURE
                       || got_install == APPROOV_SIG_BAD_IPK,
                       "account %s, install %s",
                       approov_sig_result_name(got),
                       approov_sig_result_name(got_install));
        }
        else {
            FUZZ_CHECK(got_install == got, "account %s, install %s",
                       approov_sig_result_name(got),
                       approov_sig_result_name(got_install));
        }
    }

    /* Deterministic. */
    again = approov_msgsig_verify_account(p, &req, si, sig,
                                          (f0 & 1) ? other_key : account_key,
                                          FUZZ_NOW, max_age, skew, NULL);
    FUZZ_CHECK(again == got, "not deterministic");

    apr_pool_destroy(p);
    return 0;
}

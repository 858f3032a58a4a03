/*
 * fuzz_msgsig: message signatures (approov_msgsig.c, RFC 9421
 * ecdsa-p256-sha256) and Content-Digest (RFC 9530) against a reference
 * written here with plain string handling and OpenSSL.
 *
 * Input:  F0 F1 SIGNATURE_INPUT \0 SIGNATURE \0 CONTENT_DIGEST \0 BODY \0
 *         METHOD \0 AUTHORITY \0 TARGET \0 HEADERS
 *
 * TARGET is the request target as sent: the path up to the first '?', the
 * query after it (none without a '?').  HEADERS are "name:value" lines
 * (separated by LF or NUL); a non-empty CONTENT_DIGEST is the first
 * content-digest line.  They go into an apr_table_t read by
 * approov_msgsig_table_field() as httpd puts them into r->headers_in: each
 * value without its leading and trailing SP and HTAB (protocol.c), and
 * with F1 bit 4 the repeated names merged, joined with ", "
 * (apr_table_compress(), as httpd does once the headers are read).  A
 * missing segment is an absent header (or empty part).  The harness
 * replaces, before anything runs:
 *  - "$D256" / "$D512" in CONTENT_DIGEST by the padded base64 of the
 *    SHA-256 / SHA-512 of BODY, "$d256" / "$d512" by the same unpadded;
 *  - "$SIG" in SIGNATURE by the padded base64 of an ECDSA P-256 signature,
 *    r||s, made with keys/es256.pem over the signature base that the
 *    reference computes for the request (or over a fixed text when the
 *    reference has no base for it), so that valid signatures are reachable.
 * F0 bits 0-1: ipk: the signing key's SPKI, another P-256 key, a P-384 key,
 *              the signing key's SPKI without its base64 padding;
 *    bit 2: the token header is X-Approov-Token (else the default);
 *    bits 3-4: max age 0, 1, 300 s or 2^50 (capped to 2^40 by the core);
 *    bits 5-6: clock skew 0, 1, 60 s or -1 (meaning 0);
 *    bit 7: scheme "HTTP" (else "https").
 * F1 bit 0: no authority; bit 1: no path (nor query); bit 2: an explicit
 *    target URI, scheme "://" AUTHORITY TARGET as given; bit 3: the
 *    harness signs the base plus one byte (a signature that must fail);
 *    bit 4: repeated header names merged, as httpd does.
 * Now is the fixed FUZZ_NOW (1700000000).
 *
 * The reference parses Signature-Input and Signature only in canonical
 * form (RFC 8941 section 4.1: members joined by ", ", Integers without
 * leading zeros, Strings, Tokens, "?0", padded base64, Inner Lists with
 * single spaces; no Decimals), which fuzz_sfv shows to be what the core's
 * serializer writes; other texts it leaves to the weaker invariants below.
 * In that form the "@signature-params" value and each component identifier
 * are the text itself, and the signature base is built from the request by
 * string handling alone: derived components by RFC 9421 section 2.2
 * (authority lowercased without a default or empty port, "/" for an empty
 * path, @query-param by the WHATWG form-urlencoded parser, UTF-8 decoding
 * by maximal subparts with U+FFFD, the form percent-encode set, %20 for a
 * space), fields by section 2.1 (each field line's value trimmed, joined
 * with ", ").
 *
 * Invariants:
 *  - approov_msgsig_verify() returns a result of the enum, and when the
 *    reference can parse Signature-Input, exactly the result a model of
 *    approov_msgsig.h's profile gives, rule by rule in its order, with the
 *    last rule the reference's own verification: ECDSA P-256 SHA-256 of
 *    the reference base by OpenSSL EVP_DigestVerify() under the ipk key;
 *    when it cannot parse Signature, sig_bad_signature_header or the same
 *    model with the signature the core decoded;
 *  - no signature accepted that the reference rejects: valid only when the
 *    reference parsed Signature-Input, its model says valid, OpenSSL
 *    verifies the core's decoded signature over the reference base, and the
 *    core's signature base is the reference base byte for byte; then out
 *    repeats the created parameter and the covered component names;
 *  - approov_msgsig_signature_base() on the install member gives what the
 *    reference gives for the components (first failing component, or the
 *    same base), and the base verify() built when it got that far;
 *  - approov_content_digest_check() equals a model of RFC 9530 as
 *    approov_msgsig.h profiles it (missing, malformed: not a Dictionary, a
 *    key twice, a member not a plain Byte Sequence; unsupported without
 *    sha-256 or sha-512; mismatch when one of those differs from OpenSSL's
 *    digest of BODY; valid), and when the reference cannot parse the field,
 *    valid still means every sha-256/sha-512 member equals OpenSSL's digest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "approov_msgsig.h"
#include "approov_base64.h"
#include "approov_sfv.h"
#include "fuzz_common.h"

/* keys/es256.pem: a test key made for this corpus and nothing else. */
static const char signing_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgiUIIgPUPomGqug6P\n"
    "3tfr7EG3EyW62fj96D3N2vyFklmhRANCAATAvQIc3S0FinijUZDQaX05qCnG8DcB\n"
    "zmFvyZQ2oC7Xh+YRHr/6WWgXvoZlHzRR5qRA9nJuaci/UiILn1Z3BIWJ\n"
    "-----END PRIVATE KEY-----\n";

/* Its public half (keys/es256.pub.pem) as an ipk claim. */
static const char signing_ipk[] =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwL0CHN0tBYp4o1GQ0Gl9OagpxvA3"
    "Ac5hb8mUNqAu14fmER6/+lloF76GZR80UeakQPZybmnIv1IiC59WdwSFiQ==";

/* keys/es384.pub.pem: a P-384 key, which no ipk may be. */
static const char p384_ipk[] =
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEP/OQB8y4xbe7rGSoRFM27eCCJGICp56z"
    "PAN4zuXM44S/tD2KYJ/nkvTWvl+Lk+r3bTn4XpBMXJYpeipbtcC37G2v6ssq/jDJ"
    "MSIlwNvOMtv/qXFwD5cKH9k+wNEFglxx";

#define NO_BASE_TEXT "fuzz_msgsig: no signature base"
#define UNKNOWN (-1)

static EVP_PKEY *signing_key, *signing_pub, *other_pub;
static char *other_ipk;

/* ------------------------------------------------------------------ */
/* keys and signatures, by OpenSSL alone                               */

static char *b64_of(const unsigned char *data, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1);

    if (!out) abort();
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

static void init_keys(void)
{
    BIO *bio;
    unsigned char *der = NULL;
    int len;

    if (signing_key) {
        return;
    }
    bio = BIO_new_mem_buf(signing_pem, -1);
    signing_key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    other_pub = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!signing_key || !other_pub) {
        fprintf(stderr, "fuzz_msgsig: cannot load or make the keys\n");
        abort();
    }
    /* The public half, through its DER, as a verifier would hold it. */
    len = i2d_PUBKEY(signing_key, &der);
    {
        const unsigned char *q = der;
        char *b64 = b64_of(der, (size_t)len);
        signing_pub = d2i_PUBKEY(NULL, &q, len);
        if (!signing_pub || strcmp(b64, signing_ipk) != 0) {
            fprintf(stderr, "fuzz_msgsig: keys/es256 does not match\n");
            abort();
        }
        free(b64);
    }
    OPENSSL_free(der);
    der = NULL;
    len = i2d_PUBKEY(other_pub, &der);
    other_ipk = b64_of(der, (size_t)len);
    OPENSSL_free(der);
}

static void teardown_keys(void)
{
    EVP_PKEY_free(signing_key);
    EVP_PKEY_free(signing_pub);
    EVP_PKEY_free(other_pub);
    free(other_ipk);
    signing_key = signing_pub = other_pub = NULL;
}

/* r||s, 64 bytes, of an ECDSA P-256 SHA-256 signature of data. */
static void sign_p256(const char *data, size_t len, unsigned char rs[64])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[80];
    const unsigned char *q = der;
    size_t der_len = sizeof(der);
    ECDSA_SIG *sig;

    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
                                   signing_key) != 1
        || EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)data,
                          len) != 1
        || !(sig = d2i_ECDSA_SIG(NULL, &q, (long)der_len))
        || BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) != 32
        || BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) != 32) {
        fprintf(stderr, "fuzz_msgsig: signing failed\n");
        abort();
    }
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(ctx);
}

/* 1 when rs (r||s) is an ECDSA P-256 SHA-256 signature of data by key. */
static int verify_p256(EVP_PKEY *key, const char *data, size_t len,
                       const unsigned char *rs, size_t rs_len)
{
    ECDSA_SIG *sig;
    BIGNUM *r, *s;
    EVP_MD_CTX *ctx;
    unsigned char *der = NULL;
    int der_len, ok = 0;

    if (rs_len != 64) {
        return 0;
    }
    sig = ECDSA_SIG_new();
    r = BN_bin2bn(rs, 32, NULL);
    s = BN_bin2bn(rs + 32, 32, NULL);
    if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) abort();
    der_len = i2d_ECDSA_SIG(sig, &der);
    ctx = EVP_MD_CTX_new();
    if (der_len > 0 && ctx
        && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1) {
        ok = EVP_DigestVerify(ctx, der, (size_t)der_len,
                              (const unsigned char *)data, len) == 1;
    }
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    return ok;
}

/* ------------------------------------------------------------------ */
/* strings                                                             */

/* All occurrences of what in s replaced by with, from p. */
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

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char *lower(apr_pool_t *p, const char *s)
{
    char *d = apr_pstrdup(p, s), *c;

    for (c = d; *c; c++) *c = ascii_lower(*c);
    return d;
}

static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        if (ascii_lower(*a) != ascii_lower(*b)) return 0;
    }
    return *a == *b;
}

/* RFC 9421 section 2.2: derived values are VCHAR and SP. */
static int all_vchar_sp(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
    }
    return 1;
}

/* Field values may hold HTAB too (field-content), never CR, LF, NUL or
 * obs-text. */
static int all_field_content(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c != '\t' && (c < 0x20 || c > 0x7e)) return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* base64 as RFC 8941 section 3.3.5 takes it                           */

static int is_b64(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Decode base64 text: padding absent or exact, pad bits ignored.  Returns
 * the length (bytes in out, malloc'd), or -1.  *canonical: the text is what
 * OpenSSL's encoder writes for those bytes. */
static long b64_decode(const char *s, size_t len, unsigned char **out,
                       int *canonical)
{
    size_t pad = 0, n, need, i;
    char *quanta, *again;
    long got;

    *out = NULL;
    while (pad < len && s[len - 1 - pad] == '=') pad++;
    n = len - pad;
    need = (4 - n % 4) % 4;
    if (pad > 2 || n % 4 == 1 || (pad && pad != need)) return -1;
    for (i = 0; i < n; i++) {
        if (!is_b64((unsigned char)s[i])) return -1;
    }
    quanta = malloc(n + need + 1);
    *out = malloc((n + need) / 4 * 3 + 1);
    again = malloc(n + need + 1);
    if (!quanta || !*out || !again) abort();
    memcpy(quanta, s, n);
    memset(quanta + n, '=', need);
    got = 0;
    if (n) {
        if (EVP_DecodeBlock(*out, (unsigned char *)quanta, (int)(n + need))
                < 0) abort();
        got = (long)(n / 4 * 3) + (n % 4 ? (long)(n % 4) - 1 : 0);
    }
    EVP_EncodeBlock((unsigned char *)again, *out, (int)got);
    *canonical = strlen(again) == len && memcmp(again, s, len) == 0;
    free(quanta);
    free(again);
    return got;
}

/* ------------------------------------------------------------------ */
/* the reference's structured fields: canonical form only              */

enum { R_INT = 1, R_STR, R_TOK, R_BOOL, R_BYTES };

typedef struct {
    int type;
    long long num;          /* R_INT; R_BOOL 0 or 1 */
    char *str;              /* R_STR unescaped, R_TOK, R_BYTES base64 */
    size_t len;
} rbare_t;

typedef struct {
    char *key;
    rbare_t v;
} rparam_t;

/* Parameters as written, repeats included. */
typedef struct {
    rparam_t *items;
    int n;
} rparams_t;

typedef struct {
    rbare_t v;
    rparams_t params;
    const char *span;       /* the item's text (bare item and parameters) */
    size_t span_len;
} ritem_t;

typedef struct {
    char *key;
    int inner;
    rbare_t v;              /* an Item's bare item */
    ritem_t *items;         /* an Inner List's items */
    int nitems;
    rparams_t params;
    const char *span;       /* the value's text: "(...)" and parameters */
    size_t span_len;
} rmember_t;

typedef struct {
    rmember_t *m;           /* as written, repeats included */
    int n;
    int too_large;          /* over a bound of approov_sfv.h */
    int bad_bytes;          /* a Byte Sequence that is not base64 */
    int noncanonical_bytes; /* base64 without padding or with pad bits */
} rdict_t;

typedef struct {
    apr_pool_t *p;
    const char *s, *end;
    rdict_t *d;
} rp_t;

static int r_more(const rp_t *r)
{
    return r->s < r->end;
}

static int r_lcalpha(int c)
{
    return c >= 'a' && c <= 'z';
}

static int r_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int r_alpha(int c)
{
    return r_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

static int r_tchar(int c)
{
    return r_alpha(c) || r_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int r_key(rp_t *r, char **key)
{
    const char *start = r->s;

    if (!r_more(r) || !(r_lcalpha((unsigned char)*r->s) || *r->s == '*')) {
        return 0;
    }
    for (r->s++; r_more(r); r->s++) {
        int c = (unsigned char)*r->s;
        if (!(r_lcalpha(c) || r_digit(c) || c == '_' || c == '-' || c == '.'
              || c == '*')) {
            break;
        }
    }
    *key = apr_pstrmemdup(r->p, start, (apr_size_t)(r->s - start));
    return 1;
}

/* A bare item in canonical form; true_ok: "?1" may be written here. */
static int r_bare(rp_t *r, rbare_t *v, int true_ok)
{
    const char *start = r->s;
    int c;

    memset(v, 0, sizeof(*v));
    if (!r_more(r)) return 0;
    c = (unsigned char)*r->s;
    if (c == '-' || r_digit(c)) {
        int digits = 0, neg = c == '-';
        if (neg) r->s++;
        if (!r_more(r) || !r_digit((unsigned char)*r->s)) return 0;
        if (*r->s == '0') {
            r->s++;
            if (neg) return 0;                  /* "-0" */
            digits = 1;
        }
        else {
            while (r_more(r) && r_digit((unsigned char)*r->s)) {
                r->s++;
                digits++;
            }
        }
        if (digits > 15 || (r_more(r) && (*r->s == '.'
                                          || r_digit((unsigned char)*r->s)))) {
            return 0;                           /* too long, a Decimal, 00 */
        }
        v->type = R_INT;
        v->num = strtoll(apr_pstrmemdup(r->p, start,
                                        (apr_size_t)(r->s - start)),
                         NULL, 10);
        return 1;
    }
    if (c == '"') {
        char *o = apr_palloc(r->p, (apr_size_t)(r->end - r->s));
        v->str = o;
        for (r->s++; r_more(r); r->s++) {
            c = (unsigned char)*r->s;
            if (c == '"') {
                r->s++;
                *o = '\0';
                v->type = R_STR;
                v->len = (size_t)(o - v->str);
                return 1;
            }
            if (c == '\\') {
                r->s++;
                if (!r_more(r) || (*r->s != '"' && *r->s != '\\')) return 0;
                c = (unsigned char)*r->s;
            }
            else if (c < 0x20 || c > 0x7e) {
                return 0;
            }
            *o++ = (char)c;
        }
        return 0;
    }
    if (r_alpha(c) || c == '*') {
        for (r->s++; r_more(r); r->s++) {
            c = (unsigned char)*r->s;
            if (!(r_tchar(c) || c == ':' || c == '/')) break;
        }
        v->type = R_TOK;
        v->len = (size_t)(r->s - start);
        v->str = apr_pstrmemdup(r->p, start, v->len);
        return 1;
    }
    if (c == ':') {
        unsigned char *bytes;
        int canonical;
        for (r->s++; r_more(r) && *r->s != ':'; r->s++) {
            if (!is_b64((unsigned char)*r->s) && *r->s != '=') return 0;
        }
        if (!r_more(r)) return 0;
        v->type = R_BYTES;
        v->len = (size_t)(r->s - start - 1);
        v->str = apr_pstrmemdup(r->p, start + 1, v->len);
        r->s++;
        if (b64_decode(v->str, v->len, &bytes, &canonical) < 0) {
            r->d->bad_bytes = 1;
        }
        else if (!canonical) {
            r->d->noncanonical_bytes = 1;
        }
        free(bytes);
        return 1;
    }
    if (c == '?') {
        r->s++;
        if (!r_more(r) || (*r->s != '0' && *r->s != '1')
            || (*r->s == '1' && !true_ok)) {
            return 0;
        }
        v->type = R_BOOL;
        v->num = *r->s++ == '1';
        return 1;
    }
    return 0;
}

static int r_params(rp_t *r, rparams_t *ps)
{
    apr_array_header_t *arr = apr_array_make(r->p, 2, sizeof(rparam_t));
    rparam_t *param;

    while (r_more(r) && *r->s == ';') {
        r->s++;
        param = apr_array_push(arr);
        if (!r_key(r, &param->key)) return 0;
        if (r_more(r) && *r->s == '=') {
            r->s++;
            if (!r_bare(r, &param->v, 0)) return 0;
        }
        else {
            memset(&param->v, 0, sizeof(param->v));
            param->v.type = R_BOOL;
            param->v.num = 1;
        }
    }
    if (arr->nelts > APPROOV_SFV_MAX_PARAMS) r->d->too_large = 1;
    ps->items = (rparam_t *)arr->elts;
    ps->n = arr->nelts;
    return 1;
}

static int r_item(rp_t *r, ritem_t *it, int true_ok)
{
    it->span = r->s;
    if (!r_bare(r, &it->v, true_ok) || !r_params(r, &it->params)) return 0;
    it->span_len = (size_t)(r->s - it->span);
    return 1;
}

static int r_member(rp_t *r, rmember_t *m)
{
    m->span = r->s;
    if (r_more(r) && *r->s == '(') {
        apr_array_header_t *arr = apr_array_make(r->p, 4, sizeof(ritem_t));
        m->inner = 1;
        r->s++;
        while (r_more(r) && *r->s != ')') {
            if (arr->nelts && *r->s++ != ' ') return 0;
            if (!r_item(r, apr_array_push(arr), 1)) return 0;
        }
        if (!r_more(r)) return 0;
        r->s++;
        if (arr->nelts > APPROOV_SFV_MAX_INNER) r->d->too_large = 1;
        m->items = (ritem_t *)arr->elts;
        m->nitems = arr->nelts;
    }
    else if (!r_bare(r, &m->v, 0)) {
        return 0;
    }
    if (!r_params(r, &m->params)) return 0;
    m->span_len = (size_t)(r->s - m->span);
    return 1;
}

/* A Dictionary in canonical form.  0 when the text is not one (the
 * reference cannot tell then); too_large and bad_bytes say the core's
 * parse must fail. */
static int r_dict(apr_pool_t *p, const char *text, rdict_t *d)
{
    apr_array_header_t *arr = apr_array_make(p, 4, sizeof(rmember_t));
    size_t len = strlen(text);
    rmember_t *m;
    rp_t r;

    memset(d, 0, sizeof(*d));
    r.p = p;
    r.s = text;
    r.end = text + len;
    r.d = d;
    while (r_more(&r)) {
        if (arr->nelts && (r.end - r.s < 2 || r.s[0] != ',' || r.s[1] != ' '
                           || (r.s += 2) == r.end)) {
            return 0;
        }
        m = apr_array_push(arr);
        memset(m, 0, sizeof(*m));
        if (!r_key(&r, &m->key)) return 0;
        if (r_more(&r) && *r.s == '=') {
            r.s++;
            if (!r_member(&r, m)) return 0;
        }
        else {
            m->v.type = R_BOOL;
            m->v.num = 1;
            m->span = r.s;
            if (!r_params(&r, &m->params)) return 0;
            m->span_len = (size_t)(r.s - m->span);
        }
    }
    if (arr->nelts > APPROOV_SFV_MAX_MEMBERS || len > APPROOV_SFV_MAX_INPUT) {
        d->too_large = 1;
    }
    d->m = (rmember_t *)arr->elts;
    d->n = arr->nelts;
    return 1;
}

static int r_params_repeat(const rparams_t *ps)
{
    int i, j;

    for (i = 0; i < ps->n; i++) {
        for (j = 0; j < i; j++) {
            if (strcmp(ps->items[i].key, ps->items[j].key) == 0) return 1;
        }
    }
    return 0;
}

static int r_dict_repeat(const rdict_t *d)
{
    int i, j;

    for (i = 0; i < d->n; i++) {
        for (j = 0; j < i; j++) {
            if (strcmp(d->m[i].key, d->m[j].key) == 0) return 1;
        }
    }
    return 0;
}

static const rmember_t *r_find(const rdict_t *d, const char *key)
{
    int i;

    for (i = 0; i < d->n; i++) {
        if (strcmp(d->m[i].key, key) == 0) return &d->m[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* the request, and component values (RFC 9421 section 2)              */

typedef struct {
    const char *method;
    const char *scheme;         /* as given */
    const char *authority;      /* NULL: none */
    const char *path;           /* NULL: none */
    const char *query;          /* NULL: no '?' */
    const char *target_uri;     /* NULL: built */
    const char **names, **values;   /* header lines, in order */
    int nlines;
    const char *token_field;    /* lowercase */
} rreq_t;

enum { V_OK, V_ABSENT, V_BAD };

static const char *default_port(const char *scheme)
{
    if (strcmp(scheme, "https") == 0) return "443";
    if (strcmp(scheme, "http") == 0) return "80";
    return NULL;
}

/* host[:port], lowercased, without an empty or default port.  The port
 * follows the last ':' or, for an IP literal, the ']'. */
static const char *ref_authority(apr_pool_t *p, const char *scheme,
                                 const char *authority)
{
    char *a = lower(p, authority);
    size_t len = strlen(a), host_end;
    const char *dflt = default_port(scheme);

    if (a[0] == '[') {
        const char *rb = strchr(a, ']');
        host_end = rb ? (size_t)(rb - a) + 1 : len;
    }
    else {
        host_end = len;
        while (host_end > 0 && a[host_end - 1] != ':') host_end--;
        host_end = host_end ? host_end - 1 : len;
    }
    if (a[host_end] == ':'
        && (a[host_end + 1] == '\0' || (dflt && strcmp(a + host_end + 1,
                                                       dflt) == 0))) {
        a[host_end] = '\0';
    }
    return a;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static void pct(apr_array_header_t *o, unsigned char b)
{
    static const char digits[] = "0123456789ABCDEF";

    if (r_alpha(b) || r_digit(b) || b == '*' || b == '-' || b == '.'
        || b == '_') {
        APR_ARRAY_PUSH(o, char) = (char)b;
        return;
    }
    APR_ARRAY_PUSH(o, char) = '%';
    APR_ARRAY_PUSH(o, char) = digits[b >> 4];
    APR_ARRAY_PUSH(o, char) = digits[b & 15];
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or the
 * negated length of its maximal subpart (Unicode 3.9, "U+FFFD Substitution
 * of Maximal Subparts": one U+FFFD for it). */
static int utf8_at(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80, hi = 0xBF;
    int need, k;

    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) need = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) need = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) need = 4;
    else return -1;
    if (s[0] == 0xE0) lo = 0xA0;
    if (s[0] == 0xED) hi = 0x9F;
    if (s[0] == 0xF0) lo = 0x90;
    if (s[0] == 0xF4) hi = 0x8F;
    for (k = 1; k < need; k++) {
        if ((size_t)k >= n || s[k] < lo || s[k] > hi) return -k;
        lo = 0x80;
        hi = 0xBF;
    }
    return need;
}

/* One name or value of a form-urlencoded query, as RFC 9421 section 2.2.8
 * wants it. */
static const char *ref_form(apr_pool_t *p, const char *s, size_t len)
{
    unsigned char *d = apr_palloc(p, len + 1);
    apr_array_header_t *o = apr_array_make(p, (int)len * 3 + 1, 1);
    size_t n = 0, i = 0;

    while (i < len) {
        if (s[i] == '+') {
            d[n++] = ' ';
            i++;
        }
        else if (s[i] == '%' && i + 2 < len && hexval((unsigned char)s[i + 1])
                 >= 0 && hexval((unsigned char)s[i + 2]) >= 0) {
            d[n++] = (unsigned char)(hexval((unsigned char)s[i + 1]) * 16
                                     + hexval((unsigned char)s[i + 2]));
            i += 3;
        }
        else {
            d[n++] = (unsigned char)s[i++];
        }
    }
    for (i = 0; i < n;) {
        int k = utf8_at(d + i, n - i), j;
        if (k > 0) {
            for (j = 0; j < k; j++) pct(o, d[i + j]);
            i += (size_t)k;
        }
        else {
            pct(o, 0xEF);
            pct(o, 0xBF);
            pct(o, 0xBD);
            i += (size_t)-k;
        }
    }
    APR_ARRAY_PUSH(o, char) = '\0';
    return o->elts;
}

static int ref_query_param(apr_pool_t *p, const char *query,
                           const char *qname, const char **value)
{
    const char *s = query, *found = NULL;
    size_t found_len = 0;
    int hits = 0;

    while (1) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        if (len) {
            const char *eq = memchr(s, '=', len);
            size_t name_len = eq ? (size_t)(eq - s) : len;
            if (strcmp(ref_form(p, s, name_len), qname) == 0) {
                hits++;
                found = eq ? eq + 1 : s + len;
                found_len = eq ? len - name_len - 1 : 0;
            }
        }
        if (!amp) break;
        s = amp + 1;
    }
    if (hits == 0) return V_ABSENT;
    if (hits > 1) return V_BAD;
    *value = ref_form(p, found, found_len);
    return V_OK;
}

static const char *norm_path(const char *path)
{
    return *path ? path : "/";
}

/* The value of a covered component, by name (and @query-param's name). */
static int ref_value(apr_pool_t *p, const rreq_t *rq, const char *name,
                     const char *qname, const char **value)
{
    const char *scheme = lower(p, rq->scheme), *v = NULL;
    int i, lines = 0;

    if (name[0] != '@') {
        for (i = 0; i < rq->nlines; i++) {
            const char *s = rq->values[i], *e;
            if (!same_name(rq->names[i], name)) continue;
            while (*s == ' ' || *s == '\t') s++;
            e = s + strlen(s);
            while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
            v = apr_pstrcat(p, lines ? v : "", lines ? ", " : "",
                            apr_pstrmemdup(p, s, (apr_size_t)(e - s)), NULL);
            lines++;
        }
        if (!lines) return V_ABSENT;
        *value = v;
        return all_field_content(v) ? V_OK : V_BAD;
    }
    if (strcmp(name, "@method") == 0) {
        v = rq->method;
    }
    else if (strcmp(name, "@scheme") == 0) {
        v = scheme;
    }
    else if (strcmp(name, "@authority") == 0) {
        v = rq->authority ? ref_authority(p, scheme, rq->authority) : NULL;
    }
    else if (strcmp(name, "@target-uri") == 0) {
        if (rq->target_uri) {
            v = rq->target_uri;
        }
        else if (rq->authority && rq->path) {
            v = apr_pstrcat(p, scheme, "://",
                            ref_authority(p, scheme, rq->authority),
                            norm_path(rq->path), rq->query ? "?" : "",
                            rq->query ? rq->query : "", NULL);
        }
    }
    else if (strcmp(name, "@request-target") == 0) {
        if (rq->path) {
            v = apr_pstrcat(p, norm_path(rq->path), rq->query ? "?" : "",
                            rq->query ? rq->query : "", NULL);
        }
    }
    else if (strcmp(name, "@path") == 0) {
        v = rq->path ? norm_path(rq->path) : NULL;
    }
    else if (strcmp(name, "@query") == 0) {
        v = apr_pstrcat(p, "?", rq->query ? rq->query : "", NULL);
    }
    else if (strcmp(name, "@query-param") == 0) {
        int rv;
        if (!rq->query) return V_ABSENT;
        if ((rv = ref_query_param(p, rq->query, qname, &v)) != V_OK) {
            return rv;
        }
    }
    if (!v) return V_ABSENT;
    *value = v;
    return all_vchar_sp(v) ? V_OK : V_BAD;
}

/* ------------------------------------------------------------------ */
/* the model                                                           */

static const char *const derived_names[] = {
    "@method", "@target-uri", "@authority", "@scheme", "@request-target",
    "@path", "@query", "@query-param", NULL
};

/* Signature-Input's first rule for a covered component: a non-empty
 * String without repeated parameters, naming a derived component or a
 * lowercase field. */
static int ref_component_syntax(const ritem_t *it)
{
    const char *c;

    if (it->v.type != R_STR || it->v.len == 0
        || r_params_repeat(&it->params)) {
        return 0;
    }
    if (it->v.str[0] == '@') return 1;
    for (c = it->v.str; *c; c++) {
        if (!(r_lcalpha((unsigned char)*c) || r_digit((unsigned char)*c)
              || strchr("!#$%&'*+-.^_`|~", *c))) {
            return 0;
        }
    }
    return 1;
}

/* What a covered component is, once its syntax is right: VALID (with
 * @query-param's name), UNKNOWN_COMPONENT or BAD_SIGNATURE_INPUT. */
static int ref_classify(const ritem_t *it, const char **qname)
{
    const char *name = it->v.str;
    int i;

    *qname = NULL;
    if (name[0] != '@') {
        return it->params.n ? APPROOV_SIG_UNKNOWN_COMPONENT
                            : APPROOV_SIG_VALID;
    }
    for (i = 0; derived_names[i]; i++) {
        if (strcmp(name, derived_names[i]) == 0) break;
    }
    if (!derived_names[i]) return APPROOV_SIG_UNKNOWN_COMPONENT;
    if (strcmp(name, "@query-param") != 0) {
        return it->params.n ? APPROOV_SIG_UNKNOWN_COMPONENT
                            : APPROOV_SIG_VALID;
    }
    for (i = 0; i < it->params.n; i++) {
        if (strcmp(it->params.items[i].key, "name") != 0) {
            return APPROOV_SIG_UNKNOWN_COMPONENT;
        }
        if (it->params.items[i].v.type != R_STR) {
            return APPROOV_SIG_BAD_SIGNATURE_INPUT;
        }
        *qname = it->params.items[i].v.str;
    }
    return *qname ? APPROOV_SIG_VALID : APPROOV_SIG_BAD_SIGNATURE_INPUT;
}

typedef struct {
    int components;         /* first failure of the component checks, or
                             * VALID */
    int values;             /* first failure of the component values, or
                             * VALID (meaningful when components is) */
    const char *base;       /* when both are VALID */
} rbase_t;

/* The signature base of an Inner List member of Signature-Input for the
 * request, RFC 9421 section 2.5, or the first component that prevents
 * one (as approov_msgsig_signature_base() checks them: every component's
 * identifier, then every value). */
static void ref_base(apr_pool_t *p, const rreq_t *rq, const rmember_t *m,
                     rbase_t *out)
{
    const char **qnames = apr_pcalloc(p, sizeof(char *) * (m->nitems + 1));
    const char *base = "", *value;
    int i, j, rv;

    memset(out, 0, sizeof(*out));
    out->components = APPROOV_SIG_VALID;
    for (i = 0; i < m->nitems && out->components == APPROOV_SIG_VALID; i++) {
        const ritem_t *it = &m->items[i];
        if (!ref_component_syntax(it)) {
            out->components = APPROOV_SIG_BAD_SIGNATURE_INPUT;
        }
        else if ((rv = ref_classify(it, &qnames[i])) != APPROOV_SIG_VALID) {
            out->components = rv;
        }
        else {
            /* In canonical form, equal identifiers are equal texts. */
            for (j = 0; j < i; j++) {
                if (it->span_len == m->items[j].span_len
                    && memcmp(it->span, m->items[j].span, it->span_len) == 0) {
                    out->components = APPROOV_SIG_DUPLICATE_COMPONENT;
                }
            }
        }
    }
    if (out->components != APPROOV_SIG_VALID) return;
    out->values = APPROOV_SIG_VALID;
    for (i = 0; i < m->nitems; i++) {
        rv = ref_value(p, rq, m->items[i].v.str, qnames[i], &value);
        if (rv != V_OK) {
            out->values = rv == V_ABSENT ? APPROOV_SIG_COMPONENT_ABSENT
                                         : APPROOV_SIG_BAD_COMPONENT_VALUE;
            return;
        }
        base = apr_pstrcat(p, base, apr_pstrmemdup(p, m->items[i].span,
                                                   m->items[i].span_len),
                           ": ", value, "\n", NULL);
    }
    out->base = apr_pstrcat(p, base, "\"@signature-params\": ",
                            apr_pstrmemdup(p, m->span, m->span_len), NULL);
}

typedef struct {
    apr_int64_t max_age, skew;
    EVP_PKEY *ipk_key;          /* NULL: the ipk is not a P-256 SPKI */
} rpolicy_t;

/*
 * approov_msgsig.h's profile, rule by rule.  si: Signature-Input parsed by
 * the reference.  sig: Signature parsed by the reference, or NULL when it
 * could not; then core_sig (the core's decoded signature) stands in for
 * the one in it, and the Signature rules are assumed passed.
 */
static int ref_verify(const rreq_t *rq, const rpolicy_t *pol,
                      const rdict_t *si, const rdict_t *sig,
                      const unsigned char *core_sig, size_t core_sig_len,
                      const rbase_t *rb)
{
    const rmember_t *m, *sm;
    const rbare_t *created = NULL, *alg = NULL;
    const unsigned char *sigbytes = core_sig;
    unsigned char *decoded = NULL;
    size_t siglen = core_sig_len;
    int i, has_method = 0, has_target = 0, has_token = 0, rv;
    apr_int64_t now = FUZZ_NOW_SECONDS;

    /* Signature-Input. */
    if (si->too_large || si->bad_bytes || r_dict_repeat(si)
        || !(m = r_find(si, APPROOV_MSGSIG_LABEL)) || !m->inner
        || r_params_repeat(&m->params)) {
        return APPROOV_SIG_BAD_SIGNATURE_INPUT;
    }
    for (i = 0; i < m->nitems; i++) {
        if (!ref_component_syntax(&m->items[i])) {
            return APPROOV_SIG_BAD_SIGNATURE_INPUT;
        }
    }
    for (i = 0; i < m->params.n; i++) {
        const char *key = m->params.items[i].key;
        const rbare_t *v = &m->params.items[i].v;
        if (strcmp(key, "created") == 0) {
            created = v;
        }
        else if (strcmp(key, "expires") == 0) {
            if (v->type != R_INT) return APPROOV_SIG_BAD_SIGNATURE_INPUT;
        }
        else if (strcmp(key, "alg") == 0) {
            alg = v;
        }
        else if (strcmp(key, "nonce") == 0 || strcmp(key, "keyid") == 0
                 || strcmp(key, "tag") == 0) {
            if (v->type != R_STR) return APPROOV_SIG_BAD_SIGNATURE_INPUT;
        }
    }

    /* Signature. */
    if (sig) {
        if (sig->too_large || sig->bad_bytes || r_dict_repeat(sig)
            || !(sm = r_find(sig, APPROOV_MSGSIG_LABEL)) || sm->inner
            || sm->params.n) {
            return APPROOV_SIG_BAD_SIGNATURE_HEADER;
        }
        if (sm->v.type == R_BYTES || sm->v.type == R_STR) {
            int canonical;
            long n = b64_decode(sm->v.str, sm->v.len, &decoded, &canonical);
            if (n < 0 || !canonical) {
                free(decoded);
                return APPROOV_SIG_BAD_SIGNATURE_HEADER;
            }
            sigbytes = decoded;
            siglen = (size_t)n;
        }
        else {
            return APPROOV_SIG_BAD_SIGNATURE_HEADER;
        }
    }

    if (alg && (alg->type != R_STR || strcmp(alg->str, APPROOV_MSGSIG_ALG))) {
        rv = APPROOV_SIG_BAD_ALG;
        goto out;
    }
    if (rb->components != APPROOV_SIG_VALID) {
        rv = rb->components;
        goto out;
    }
    for (i = 0; i < m->nitems; i++) {
        const char *name = m->items[i].v.str;
        has_method |= strcmp(name, "@method") == 0;
        has_target |= strcmp(name, "@target-uri") == 0
                      || strcmp(name, "@path") == 0;
        has_token |= strcmp(name, rq->token_field) == 0;
    }
    if (!has_method || !has_target || !has_token) {
        rv = APPROOV_SIG_MISSING_COMPONENT;
        goto out;
    }
    if (!created || created->type != R_INT) {
        rv = APPROOV_SIG_NO_CREATED;
        goto out;
    }
    if (created->num > now + pol->skew) {
        rv = APPROOV_SIG_CREATED_IN_FUTURE;
        goto out;
    }
    if (now - created->num > pol->max_age) {
        rv = APPROOV_SIG_TOO_OLD;
        goto out;
    }
    for (i = 0; i < m->params.n; i++) {
        const rparam_t *e = &m->params.items[i];
        if (strcmp(e->key, "expires") == 0 && now >= e->v.num + pol->skew) {
            rv = APPROOV_SIG_EXPIRED;
            goto out;
        }
    }
    if (rb->values != APPROOV_SIG_VALID) {
        rv = rb->values;
        goto out;
    }
    if (!pol->ipk_key) {
        rv = APPROOV_SIG_BAD_IPK;
        goto out;
    }
    rv = verify_p256(pol->ipk_key, rb->base, strlen(rb->base), sigbytes,
                     siglen) ? APPROOV_SIG_VALID : APPROOV_SIG_BAD_SIGNATURE;
out:
    free(decoded);
    return rv;
}

/* RFC 9530 as approov_msgsig.h profiles it, for a field the reference
 * parses; UNKNOWN otherwise. */
static int ref_digest(apr_pool_t *p, const char *field,
                      const unsigned char *body, size_t body_len)
{
    const EVP_MD *md;
    unsigned char want[EVP_MAX_MD_SIZE], *got;
    unsigned int want_len;
    rdict_t d;
    int i, canonical, supported = 0, mismatch = 0;
    long n;

    if (!field || !*field) return APPROOV_DIGEST_MISSING;
    if (!r_dict(p, field, &d)) return UNKNOWN;
    if (d.too_large || d.bad_bytes || r_dict_repeat(&d)) {
        return APPROOV_DIGEST_MALFORMED;
    }
    for (i = 0; i < d.n; i++) {
        if (d.m[i].inner || d.m[i].v.type != R_BYTES || d.m[i].params.n) {
            return APPROOV_DIGEST_MALFORMED;
        }
    }
    for (i = 0; i < d.n; i++) {
        if (strcmp(d.m[i].key, "sha-256") == 0) md = EVP_sha256();
        else if (strcmp(d.m[i].key, "sha-512") == 0) md = EVP_sha512();
        else continue;
        supported = 1;
        if (EVP_Digest(body, body_len, want, &want_len, md, NULL) != 1) {
            abort();
        }
        n = b64_decode(d.m[i].v.str, d.m[i].v.len, &got, &canonical);
        if (n != (long)want_len || memcmp(got, want, want_len) != 0) {
            mismatch = 1;
        }
        free(got);
    }
    if (!supported) return APPROOV_DIGEST_UNSUPPORTED;
    return mismatch ? APPROOV_DIGEST_MISMATCH : APPROOV_DIGEST_VALID;
}

/* ------------------------------------------------------------------ */
/* the target                                                          */

static const apr_int64_t max_ages[4] = {
    0, 1, 300, APR_INT64_C(1) << 50
};
static const apr_int64_t skews[4] = { 0, 1, 60, -1 };

static const char *segment(apr_pool_t *p, const uint8_t **data,
                           size_t *size, int last, int *present)
{
    const uint8_t *nul = last ? NULL : memchr(*data, 0, *size);
    size_t len = nul ? (size_t)(nul - *data) : *size;
    const char *s;

    *present = *size > 0 || nul != NULL;
    s = apr_pstrmemdup(p, (const char *)*data, len);
    *data += len + (nul ? 1 : 0);
    *size -= len + (nul ? 1 : 0);
    return s;
}

static void check_digest(apr_pool_t *p, const char *field,
                         const unsigned char *body, size_t body_len)
{
    approov_digest_result_e got;
    int want;

    got = approov_content_digest_check(p, field, body_len ? body : NULL,
                                       body_len);
    FUZZ_CHECK((int)got >= 0 && got < APPROOV_DIGEST_RESULT_COUNT,
               "digest result %d", (int)got);
    want = ref_digest(p, field, body, body_len);
    if (fuzz_verbose()) {
        fprintf(stderr, "msgsig: digest %s (reference %s)\n",
                approov_digest_result_name(got),
                want == UNKNOWN ? "cannot tell"
                : approov_digest_result_name((approov_digest_result_e)want));
    }
    if (want != UNKNOWN) {
        FUZZ_CHECK((int)got == want, "content digest [%s]: %s, reference %s",
                   field, approov_digest_result_name(got),
                   approov_digest_result_name((approov_digest_result_e)want));
        return;
    }
    if (got == APPROOV_DIGEST_VALID) {
        /* Not in canonical form: valid still means each sha-256/sha-512
         * member is OpenSSL's digest (members read by the core's parser,
         * which fuzz_sfv checks). */
        approov_sfv_dict_t d;
        int i, supported = 0;
        FUZZ_CHECK(approov_sfv_parse_dict(p, field, strlen(field), &d)
                   == APPROOV_SFV_OK && d.duplicates == 0,
                   "valid digest field [%s] does not parse", field);
        for (i = 0; i < d.count; i++) {
            unsigned char want_md[EVP_MAX_MD_SIZE];
            unsigned int want_len;
            const EVP_MD *md;
            if (strcmp(d.entries[i].key, "sha-256") == 0) md = EVP_sha256();
            else if (strcmp(d.entries[i].key, "sha-512") == 0) {
                md = EVP_sha512();
            }
            else continue;
            supported = 1;
            EVP_Digest(body, body_len, want_md, &want_len, md, NULL);
            FUZZ_CHECK(d.entries[i].value.bare.type == APPROOV_SFV_BYTES
                       && d.entries[i].value.bare.len == want_len
                       && memcmp(d.entries[i].value.bare.bytes, want_md,
                                 want_len) == 0,
                       "valid digest [%s]: %s differs", field,
                       d.entries[i].key);
        }
        FUZZ_CHECK(supported, "valid digest [%s] without sha-256/512", field);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    apr_table_t *headers;
    approov_msgsig_request_t req;
    approov_msgsig_t out, out2;
    approov_sfv_dict_t core_si;
    approov_sfv_status_e st;
    approov_sig_result_e got, got2;
    rreq_t rq;
    rpolicy_t pol;
    rdict_t si, sig;
    rbase_t rb;
    const rmember_t *install = NULL;
    const char *si_text, *sig_text, *cd, *body, *method, *authority, *target;
    const char *hdrs, *ipk, *scheme, *q, *signed_text;
    unsigned char rs[64], md[EVP_MAX_MD_SIZE];
    unsigned int md_len;
    apr_array_header_t *names, *values;
    char *b64, *lines, *line, *next;
    int f0, f1, si_present, sig_present, present, want = UNKNOWN, si_ok;
    int sig_ok = 0;
    size_t body_len;
    apr_int64_t max_age, skew;

    if (size < 2) {
        return 0;
    }
    init_keys();
    p = fuzz_pool_new();
    f0 = data[0];
    f1 = data[1];
    data += 2;
    size -= 2;
    si_text = segment(p, &data, &size, 0, &si_present);
    sig_text = segment(p, &data, &size, 0, &sig_present);
    cd = segment(p, &data, &size, 0, &present);
    body = segment(p, &data, &size, 0, &present);
    body_len = strlen(body);
    method = segment(p, &data, &size, 0, &present);
    authority = segment(p, &data, &size, 0, &present);
    target = segment(p, &data, &size, 0, &present);
    hdrs = segment(p, &data, &size, 1, &present);

    /* Content-Digest, with the body's real digests where asked. */
    EVP_Digest(body, body_len, md, &md_len, EVP_sha256(), NULL);
    b64 = b64_of(md, md_len);
    cd = replace_all(p, cd, "$D256", b64);
    b64[strcspn(b64, "=")] = '\0';
    cd = replace_all(p, cd, "$d256", b64);
    free(b64);
    EVP_Digest(body, body_len, md, &md_len, EVP_sha512(), NULL);
    b64 = b64_of(md, md_len);
    cd = replace_all(p, cd, "$D512", b64);
    b64[strcspn(b64, "=")] = '\0';
    cd = replace_all(p, cd, "$d512", b64);
    free(b64);
    check_digest(p, cd, (const unsigned char *)body, body_len);

    /* The request. */
    memset(&rq, 0, sizeof(rq));
    scheme = (f0 & 0x80) ? "HTTP" : "https";
    rq.method = method;
    rq.scheme = scheme;
    rq.authority = (f1 & 1) ? NULL : authority;
    if (!(f1 & 2)) {
        q = strchr(target, '?');
        rq.path = q ? apr_pstrmemdup(p, target, (apr_size_t)(q - target))
                    : target;
        rq.query = q ? q + 1 : NULL;
    }
    rq.target_uri = (f1 & 4) ? apr_pstrcat(p, scheme, "://", authority,
                                           target, NULL) : NULL;
    rq.token_field = (f0 & 4) ? "x-approov-token"
                              : APPROOV_MSGSIG_TOKEN_FIELD;
    headers = apr_table_make(p, 8);
    names = apr_array_make(p, 8, sizeof(const char *));
    values = apr_array_make(p, 8, sizeof(const char *));
    lines = *cd ? apr_pstrcat(p, "Content-Digest:", cd, "\n", hdrs, NULL)
                : apr_pstrdup(p, hdrs);
    for (line = lines; line; line = next) {
        char *colon;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if ((colon = strchr(line, ':')) != NULL) {
            char *v = colon + 1, *e = v + strlen(v);
            *colon = '\0';
            /* What the reference sees: the line as sent. */
            APR_ARRAY_PUSH(names, const char *) = line;
            APR_ARRAY_PUSH(values, const char *) = apr_pstrdup(p, v);
            /* What httpd keeps of it. */
            while (*v == ' ' || *v == '\t') v++;
            while (e > v && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
            apr_table_add(headers, line, v);
        }
    }
    if (f1 & 16) {
        apr_table_compress(headers, APR_OVERLAP_TABLES_MERGE);
    }
    rq.names = (const char **)names->elts;
    rq.values = (const char **)values->elts;
    rq.nlines = names->nelts;

    memset(&req, 0, sizeof(req));
    req.method = rq.method;
    req.scheme = rq.scheme;
    req.authority = rq.authority;
    req.path = rq.path;
    req.query = rq.query;
    req.target_uri = rq.target_uri;
    req.field = approov_msgsig_table_field;
    req.field_ctx = headers;
    req.token_field = (f0 & 4) ? "X-Approov-Token" : NULL;

    switch (f0 & 3) {
    case 0: ipk = signing_ipk; pol.ipk_key = signing_pub; break;
    case 1: ipk = other_ipk; pol.ipk_key = other_pub; break;
    case 2: ipk = p384_ipk; pol.ipk_key = NULL; break;
    default:
        ipk = apr_pstrmemdup(p, signing_ipk, strcspn(signing_ipk, "="));
        pol.ipk_key = NULL;
        break;
    }
    max_age = max_ages[(f0 >> 3) & 3];
    skew = skews[(f0 >> 5) & 3];
    pol.max_age = max_age > (APR_INT64_C(1) << 40) ? APR_INT64_C(1) << 40
                                                   : max_age;
    pol.skew = skew < 0 ? 0 : skew;

    /* The reference's base, signed for "$SIG". */
    memset(&rb, 0, sizeof(rb));
    rb.components = UNKNOWN;
    si_ok = r_dict(p, si_text, &si);
    if (si_ok && !si.too_large && !si.bad_bytes && !si.noncanonical_bytes
        && (install = r_find(&si, APPROOV_MSGSIG_LABEL)) && install->inner) {
        /* With a repeated install key the core takes the last. */
        int i;
        for (i = 0; i < si.n; i++) {
            if (strcmp(si.m[i].key, APPROOV_MSGSIG_LABEL) == 0) {
                install = &si.m[i];
            }
        }
        /* Repeated parameters (refused by verify()) would not be the
         * text of "@signature-params". */
        if (install->inner && !r_params_repeat(&install->params)) {
            ref_base(p, &rq, install, &rb);
        }
        else if (install->inner) {
            install = NULL;
        }
        else {
            install = NULL;
        }
    }
    else {
        install = NULL;
    }
    if (si_ok && si.noncanonical_bytes) {
        si_ok = 0;              /* the core would canonicalize them */
    }
    signed_text = rb.base ? rb.base : NO_BASE_TEXT;
    if (f1 & 8) {
        signed_text = apr_pstrcat(p, signed_text, "\n", NULL);
    }
    sign_p256(signed_text, strlen(signed_text), rs);
    b64 = b64_of(rs, sizeof(rs));
    sig_text = replace_all(p, sig_text, "$SIG", b64);
    free(b64);

    got = approov_msgsig_verify(p, &req, si_present ? si_text : NULL,
                                sig_present ? sig_text : NULL, ipk,
                                FUZZ_NOW, max_age, skew, &out);
    FUZZ_CHECK((int)got >= 0 && got < APPROOV_SIG_RESULT_COUNT,
               "result %d", (int)got);

    /* The model, when the reference reads Signature-Input. */
    if (!si_present || !*si_text || !sig_present || !*sig_text) {
        want = APPROOV_SIG_MISSING_HEADERS;
    }
    else if (si_ok) {
        sig_ok = r_dict(p, sig_text, &sig);
        if (sig_ok) {
            want = ref_verify(&rq, &pol, &si, &sig, NULL, 0, &rb);
        }
        else if (got != APPROOV_SIG_BAD_SIGNATURE_HEADER) {
            want = ref_verify(&rq, &pol, &si, NULL, out.signature,
                              out.signature_len, &rb);
        }
        else {
            want = APPROOV_SIG_BAD_SIGNATURE_HEADER;
        }
    }
    if (fuzz_verbose()) {
        fprintf(stderr, "msgsig: %s (reference %s%s)\n",
                approov_sig_result_name(got),
                want == UNKNOWN ? "cannot tell"
                : approov_sig_result_name((approov_sig_result_e)want),
                si_ok && !sig_ok && want != APPROOV_SIG_MISSING_HEADERS
                    ? ", Signature read by the core" : "");
        if (rb.base) fprintf(stderr, "msgsig: base\n%s\n", rb.base);
    }
    if (want != UNKNOWN) {
        FUZZ_CHECK((int)got == want, "verify: %s, reference %s\n"
                   "  core base [%s]\n  ref base  [%s]",
                   approov_sig_result_name(got),
                   approov_sig_result_name((approov_sig_result_e)want),
                   out.signature_base ? out.signature_base : "(none)",
                   rb.base ? rb.base : "(none)");
    }

    /* No signature accepted that the reference rejects. */
    if (got == APPROOV_SIG_VALID) {
        int i;
        FUZZ_CHECK(want == APPROOV_SIG_VALID && rb.base,
                   "valid, but the reference cannot tell");
        FUZZ_CHECK(out.signature_base && strcmp(out.signature_base,
                                                rb.base) == 0,
                   "valid over another base:\n  core [%s]\n  ref  [%s]",
                   out.signature_base ? out.signature_base : "(none)",
                   rb.base);
        FUZZ_CHECK(verify_p256(pol.ipk_key, rb.base, strlen(rb.base),
                               out.signature, out.signature_len),
                   "valid, but OpenSSL does not verify the signature");
        FUZZ_CHECK(out.has_created && out.count == install->nitems,
                   "valid: created %d, %d components", out.has_created,
                   out.count);
        for (i = 0; i < out.count; i++) {
            FUZZ_CHECK(strcmp(out.names[i], install->items[i].v.str) == 0,
                       "valid: component %d is %s, not %s", i, out.names[i],
                       install->items[i].v.str);
        }
    }

    /* approov_msgsig_signature_base() on the core's install member. */
    st = approov_sfv_parse_dict(p, si_text, strlen(si_text), &core_si);
    FUZZ_CHECK(!si_ok || si.too_large || si.bad_bytes
               || st == APPROOV_SFV_OK, "Signature-Input [%s] in canonical "
               "form does not parse: %s", si_text,
               approov_sfv_status_name(st));
    if (st == APPROOV_SFV_OK) {
        const approov_sfv_entry_t *e = approov_sfv_dict_find(
            &core_si, APPROOV_MSGSIG_LABEL);
        if (e && e->value.is_inner_list) {
            memset(&out2, 0, sizeof(out2));
            got2 = approov_msgsig_signature_base(p, &req, &e->value, &out2);
            if (out.signature_base) {
                FUZZ_CHECK(got2 == APPROOV_SIG_VALID && out2.signature_base
                           && strcmp(out.signature_base,
                                     out2.signature_base) == 0,
                           "signature_base() differs from verify()'s base");
            }
            if (install && rb.components != UNKNOWN) {
                int want2 = rb.components != APPROOV_SIG_VALID
                            ? rb.components : rb.values;
                FUZZ_CHECK((int)got2 == want2, "signature_base: %s, "
                           "reference %s", approov_sig_result_name(got2),
                           approov_sig_result_name(
                               (approov_sig_result_e)want2));
                if (got2 == APPROOV_SIG_VALID) {
                    FUZZ_CHECK(strcmp(out2.signature_base, rb.base) == 0,
                               "signature_base:\n  core [%s]\n  ref  [%s]",
                               out2.signature_base, rb.base);
                }
            }
        }
    }
    apr_pool_destroy(p);
    return 0;
}

/* Free the keys at exit, after fuzz_common's teardown registered its own
 * (so that LeakSanitizer's final check sees none of them). */
__attribute__((destructor)) static void msgsig_teardown(void)
{
    teardown_keys();
}

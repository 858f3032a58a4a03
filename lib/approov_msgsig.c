/*
 * approov_msgsig.c: Approov installation (RFC 9421 ecdsa-p256-sha256) and
 * account (hmac-sha256) message signatures, and RFC 9530 Content-Digest
 * (see approov_msgsig.h).
 *
 * Only APR, OpenSSL and the core's lower layers here: no httpd header.
 */

/* The EC_KEY and ECDSA_do_verify API, deprecated in OpenSSL 3, verifies a
 * P-256 key without the provider framework's decoders and by-name fetches
 * (about 100 us and global locks per key on a request's path). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "approov_base64.h"
#include "approov_keys.h"
#include "approov_msgsig.h"

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *values;
} field_values_t;

static const char *trim_field(apr_pool_t *p, const char *v);

static int collect_value(void *data, const char *key, const char *value)
{
    field_values_t *fv = data;

    (void)key;
    APR_ARRAY_PUSH(fv->values, const char *) = trim_field(fv->p, value);
    return 1;
}

void approov_msgsig_set_target(apr_pool_t *p, approov_msgsig_request_t *req,
                               const char *target)
{
    const char *q, *scheme_end;

    if (*target != '/' && (scheme_end = strstr(target, "://")) != NULL) {
        target = scheme_end + 3 + strcspn(scheme_end + 3, "/?");
    }
    q = strchr(target, '?');
    req->path = q ? apr_pstrmemdup(p, target, (apr_size_t)(q - target))
                  : target;
    req->query = q ? q + 1 : NULL;
}

/* RFC 9421 section 2.1: every field line's value trimmed, then joined with
 * ", ".  (apr_table_getm() would join with a bare ",".) */
const char *approov_msgsig_table_field(void *ctx, apr_pool_t *p,
                                       const char *name)
{
    field_values_t fv;
    apr_size_t i, len = 0;
    char *joined, *o;

    fv.p = p;
    fv.values = apr_array_make(p, 2, sizeof(const char *));
    apr_table_do(collect_value, &fv, (const apr_table_t *)ctx, name, NULL);
    if (fv.values->nelts == 0) {
        return NULL;
    }
    for (i = 0; i < (apr_size_t)fv.values->nelts; i++) {
        len += strlen(APR_ARRAY_IDX(fv.values, i, const char *)) + 2;
    }
    joined = o = apr_palloc(p, len + 1);
    for (i = 0; i < (apr_size_t)fv.values->nelts; i++) {
        const char *v = APR_ARRAY_IDX(fv.values, i, const char *);
        apr_size_t n = strlen(v);
        if (i) {
            *o++ = ',';
            *o++ = ' ';
        }
        memcpy(o, v, n);
        o += n;
    }
    *o = '\0';
    return joined;
}

/* ------------------------------------------------------------------ */
/* component identifiers                                               */

typedef enum {
    K_FIELD,
    K_METHOD,
    K_TARGET_URI,
    K_AUTHORITY,
    K_SCHEME,
    K_REQUEST_TARGET,
    K_PATH,
    K_QUERY,
    K_QUERY_PARAM
} kind_e;

static const struct {
    const char *name;
    kind_e kind;
} derived[] = {
    { "@method", K_METHOD },
    { "@target-uri", K_TARGET_URI },
    { "@authority", K_AUTHORITY },
    { "@scheme", K_SCHEME },
    { "@request-target", K_REQUEST_TARGET },
    { "@path", K_PATH },
    { "@query", K_QUERY },
    { "@query-param", K_QUERY_PARAM },
};

int approov_is_field_name(const char *s)
{
    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c))) {
            return 0;
        }
    }
    return 1;
}

/* A field component name: a lowercase RFC 9110 token. */
static int is_lower_field_name(const char *s)
{
    const char *c;

    for (c = s; *c; c++) {
        if (*c >= 'A' && *c <= 'Z') {
            return 0;
        }
    }
    return approov_is_field_name(s);
}

/* The syntax of a covered component, before knowing what it names: a
 * String (non-empty), without repeated parameters, and either a derived
 * name or a lowercase field name. */
static int component_syntax_ok(const approov_sfv_item_t *item)
{
    if (item->bare.type != APPROOV_SFV_STRING || item->bare.len == 0
        || item->params.duplicates) {
        return 0;
    }
    return item->bare.string[0] == '@' || is_lower_field_name(item->bare.string);
}

/* What a covered component names, or why it cannot be used. */
static approov_sig_result_e classify(const approov_sfv_item_t *item,
                                     kind_e *kind, const char **qname)
{
    const char *name = item->bare.string;
    size_t i;
    int j;

    *qname = NULL;
    if (!component_syntax_ok(item)) {
        return APPROOV_SIG_BAD_SIGNATURE_INPUT;
    }
    if (name[0] != '@') {
        /* sf, key, bs, req, tr: not supported, nor anything else. */
        if (item->params.count) {
            return APPROOV_SIG_UNKNOWN_COMPONENT;
        }
        *kind = K_FIELD;
        return APPROOV_SIG_VALID;
    }
    for (i = 0; i < sizeof(derived) / sizeof(derived[0]); i++) {
        if (strcmp(name, derived[i].name) == 0) {
            break;
        }
    }
    if (i == sizeof(derived) / sizeof(derived[0])) {
        return APPROOV_SIG_UNKNOWN_COMPONENT;  /* @status, @signature-params,
                                                * unregistered names */
    }
    *kind = derived[i].kind;
    if (*kind != K_QUERY_PARAM) {
        return item->params.count ? APPROOV_SIG_UNKNOWN_COMPONENT
                                  : APPROOV_SIG_VALID;
    }
    for (j = 0; j < item->params.count; j++) {
        const approov_sfv_param_t *param = &item->params.items[j];
        if (strcmp(param->key, "name") != 0) {
            return APPROOV_SIG_UNKNOWN_COMPONENT;
        }
        if (param->value.type != APPROOV_SFV_STRING) {
            return APPROOV_SIG_BAD_SIGNATURE_INPUT;
        }
        *qname = param->value.string;
    }
    return *qname ? APPROOV_SIG_VALID : APPROOV_SIG_BAD_SIGNATURE_INPUT;
}

/* Check the covered components of a Signature-Input member and fill in
 * names, ids, covers_content_digest and signature_params. */
static approov_sig_result_e components(apr_pool_t *p,
                                       const approov_sfv_member_t *m,
                                       approov_msgsig_t *out)
{
    approov_sig_result_e rv;
    const char *qname;
    kind_e kind;
    int i, j;

    if (!m->is_inner_list) {
        return APPROOV_SIG_BAD_SIGNATURE_INPUT;
    }
    out->count = 0;
    out->names = apr_pcalloc(p, sizeof(char *) * (m->count + 1));
    out->ids = apr_pcalloc(p, sizeof(char *) * (m->count + 1));
    out->covers_content_digest = 0;
    for (i = 0; i < m->count; i++) {
        const approov_sfv_item_t *item = &m->items[i];
        if ((rv = classify(item, &kind, &qname)) != APPROOV_SIG_VALID) {
            return rv;
        }
        out->names[i] = item->bare.string;
        out->ids[i] = approov_sfv_serialize_item(p, &item->bare,
                                                 &item->params);
        if (!out->ids[i]) {
            return APPROOV_SIG_BAD_SIGNATURE_INPUT;
        }
        /* The only parameter a supported identifier can carry is
         * @query-param's name, so comparing the serializations compares
         * the identifiers (RFC 9421 section 2: parameter order aside). */
        for (j = 0; j < i; j++) {
            if (strcmp(out->ids[j], out->ids[i]) == 0) {
                return APPROOV_SIG_DUPLICATE_COMPONENT;
            }
        }
        if (strcmp(item->bare.string, "content-digest") == 0) {
            out->covers_content_digest = 1;
        }
        out->count = i + 1;
    }
    out->signature_params = approov_sfv_serialize_member(p, m);
    return out->signature_params ? APPROOV_SIG_VALID
                                 : APPROOV_SIG_BAD_SIGNATURE_INPUT;
}

/* ------------------------------------------------------------------ */
/* component values                                                    */

static char *lowercase(apr_pool_t *p, const char *s)
{
    char *d = apr_pstrdup(p, s), *c;

    for (c = d; *c; c++) {
        *c = (char)apr_tolower((unsigned char)*c);
    }
    return d;
}

/* RFC 9421 section 2.2.3 with RFC 9110 section 4.2.3: lowercase, and no
 * port when it is empty or the scheme's default. */
static const char *norm_authority(apr_pool_t *p, const char *scheme,
                                  const char *authority)
{
    char *a = lowercase(p, authority), *colon;
    const char *dflt = NULL;

    if (a[0] == '[') {
        char *rb = strchr(a, ']');
        colon = (rb && rb[1] == ':') ? rb + 1 : NULL;
    }
    else {
        colon = strrchr(a, ':');
    }
    if (!colon) {
        return a;
    }
    if (scheme && strcmp(scheme, "https") == 0) {
        dflt = "443";
    }
    else if (scheme && strcmp(scheme, "http") == 0) {
        dflt = "80";
    }
    if (colon[1] == '\0' || (dflt && strcmp(colon + 1, dflt) == 0)) {
        *colon = '\0';
    }
    return a;
}

static const char *norm_path(const char *path)
{
    return *path ? path : "/";
}

/* A derived component value: VCHAR and SP only (RFC 9421 section 2.2). */
static int derived_value_ok(const char *v)
{
    for (; *v; v++) {
        if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7E) {
            return 0;
        }
    }
    return 1;
}

/* A field value: field-content, so VCHAR, SP and HTAB; no obs-text, since
 * the signature base must be ASCII (RFC 9421 section 2.5), and never CR,
 * LF or NUL, which would forge lines of the base. */
static int field_value_ok(const char *v)
{
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if ((c < 0x20 && c != '\t') || c > 0x7E) {
            return 0;
        }
    }
    return 1;
}

static void emit_pct(char **o, unsigned char b)
{
    static const char hex[] = "0123456789ABCDEF";

    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')
        || (b >= '0' && b <= '9') || b == '*' || b == '-' || b == '.'
        || b == '_') {
        *(*o)++ = (char)b;
    }
    else {
        *(*o)++ = '%';
        *(*o)++ = hex[b >> 4];
        *(*o)++ = hex[b & 0x0F];
    }
}

static void emit_replacement(char **o)
{
    emit_pct(o, 0xEF);
    emit_pct(o, 0xBF);
    emit_pct(o, 0xBD);
}

/*
 * One name or value of an application/x-www-form-urlencoded query, as RFC
 * 9421 section 2.2.8 wants it: '+' becomes a space and valid %XX escapes
 * are decoded (WHATWG URL section 5.1), the bytes are decoded as UTF-8
 * with U+FFFD for every maximal invalid subsequence (WHATWG Encoding, "UTF-8
 * decode without BOM"), and the result is percent-encoded with the
 * application/x-www-form-urlencoded percent-encode set, uppercase hex and
 * %20 for a space.
 */
static const char *form_reencode(apr_pool_t *p, const char *src,
                                 apr_size_t len)
{
    unsigned char *d = apr_palloc(p, len + 1);
    apr_size_t n = 0, i = 0, start = 0, k;
    int needed = 0, seen = 0;
    unsigned char lower = 0x80, upper = 0xBF;
    char *out, *o;

    for (k = 0; k < len; k++) {
        int h1, h2;
        if (src[k] == '+') {
            d[n++] = ' ';
        }
        else if (src[k] == '%' && k + 2 < len
                 && (h1 = approov_hex_value((unsigned char)src[k + 1])) >= 0
                 && (h2 = approov_hex_value((unsigned char)src[k + 2])) >= 0) {
            d[n++] = (unsigned char)(h1 * 16 + h2);
            k += 2;
        }
        else {
            d[n++] = (unsigned char)src[k];
        }
    }

    /* Each input byte yields at most one U+FFFD, 9 output characters. */
    out = o = apr_palloc(p, n * 9 + 1);
    while (i < n) {
        unsigned char b = d[i];
        if (needed == 0) {
            if (b <= 0x7F) {
                emit_pct(&o, b);
            }
            else if (b >= 0xC2 && b <= 0xDF) {
                needed = 1;
                start = i;
            }
            else if (b >= 0xE0 && b <= 0xEF) {
                if (b == 0xE0) lower = 0xA0;
                if (b == 0xED) upper = 0x9F;
                needed = 2;
                start = i;
            }
            else if (b >= 0xF0 && b <= 0xF4) {
                if (b == 0xF0) lower = 0x90;
                if (b == 0xF4) upper = 0x8F;
                needed = 3;
                start = i;
            }
            else {
                emit_replacement(&o);
            }
            i++;
            continue;
        }
        if (b < lower || b > upper) {
            /* An error; the byte is processed again as a fresh start. */
            needed = seen = 0;
            lower = 0x80;
            upper = 0xBF;
            emit_replacement(&o);
            continue;
        }
        lower = 0x80;
        upper = 0xBF;
        seen++;
        i++;
        if (seen == needed) {
            for (k = start; k < i; k++) {
                emit_pct(&o, d[k]);
            }
            needed = seen = 0;
        }
    }
    if (needed) {
        emit_replacement(&o);
    }
    *o = '\0';
    return out;
}

/* One name=value pair of the query: the name re-encoded, the value raw
 * (re-encoded only when a covered @query-param asks for it). */
typedef struct {
    const char *name;
    const char *value;
    apr_size_t value_len;
} qpair_t;

/* The query split as WHATWG URL section 5.1 does, once per signature base
 * however many @query-param components are covered. */
static apr_array_header_t *query_pairs(apr_pool_t *p, const char *query)
{
    apr_array_header_t *pairs = apr_array_make(p, 8, sizeof(qpair_t));
    const char *s = query, *amp, *end, *eq;
    qpair_t *q;

    for (;;) {
        amp = strchr(s, '&');
        end = amp ? amp : s + strlen(s);
        if (end > s) {
            eq = memchr(s, '=', (apr_size_t)(end - s));
            q = apr_array_push(pairs);
            q->name = form_reencode(p, s, (apr_size_t)((eq ? eq : end) - s));
            q->value = eq ? eq + 1 : end;
            q->value_len = (apr_size_t)(end - q->value);
        }
        if (!amp) {
            break;
        }
        s = amp + 1;
    }
    return pairs;
}

/* RFC 9421 section 2.2.8: the value of the one parameter whose re-encoded
 * name is qname. */
static approov_sig_result_e query_param(apr_pool_t *p,
                                        const apr_array_header_t *pairs,
                                        const char *qname, const char **value)
{
    const qpair_t *found = NULL;
    int i;

    for (i = 0; pairs && i < pairs->nelts; i++) {
        const qpair_t *q = &APR_ARRAY_IDX(pairs, i, qpair_t);
        if (strcmp(q->name, qname) == 0) {
            if (found) {
                /* "If a parameter name occurs multiple times in a request,
                 * the named query parameter MUST NOT be included." */
                return APPROOV_SIG_BAD_COMPONENT_VALUE;
            }
            found = q;
        }
    }
    if (!found) {
        return APPROOV_SIG_COMPONENT_ABSENT;
    }
    *value = form_reencode(p, found->value, found->value_len);
    return APPROOV_SIG_VALID;
}

/* A table entry's value without leading and trailing SP and HTAB (RFC 9421
 * section 2.1, step 2), except the SP of a final ", ": a field line never
 * ends in whitespace (httpd strips it), so that is the join of an empty last
 * line, which httpd merged into the entry and section 2.1 keeps. */
static const char *trim_field(apr_pool_t *p, const char *v)
{
    const char *end;

    while (*v == ' ' || *v == '\t') {
        v++;
    }
    end = v + strlen(v);
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    if (end > v && end[-1] == ',' && *end == ' ') {
        end++;
    }
    return apr_pstrmemdup(p, v, (apr_size_t)(end - v));
}

static approov_sig_result_e component_value(apr_pool_t *p,
                                            const approov_msgsig_request_t *req,
                                            const char *name, kind_e kind,
                                            const char *qname,
                                            apr_array_header_t **pairs,
                                            const char **value)
{
    const char *scheme = NULL;
    const char *v = NULL;
    approov_sig_result_e rv;

    /* Only these components read the scheme, lowercased. */
    if (req->scheme
        && (kind == K_TARGET_URI || kind == K_AUTHORITY || kind == K_SCHEME)) {
        scheme = lowercase(p, req->scheme);
    }
    switch (kind) {
    case K_FIELD:
        /* Already the combined value: trimming it again would drop the
         * ", " of an empty last field line. */
        v = req->field ? req->field(req->field_ctx, p, name) : NULL;
        if (!v) {
            return APPROOV_SIG_COMPONENT_ABSENT;
        }
        if (!field_value_ok(v)) {
            return APPROOV_SIG_BAD_COMPONENT_VALUE;
        }
        *value = v;
        return APPROOV_SIG_VALID;
    case K_METHOD:
        v = req->method;
        break;
    case K_TARGET_URI:
        if (req->target_uri) {
            v = req->target_uri;
        }
        else if (scheme && req->authority && req->path) {
            v = apr_pstrcat(p, scheme, "://",
                            norm_authority(p, scheme, req->authority),
                            norm_path(req->path), req->query ? "?" : "",
                            req->query ? req->query : "", NULL);
        }
        break;
    case K_AUTHORITY:
        if (req->authority) {
            v = norm_authority(p, scheme, req->authority);
        }
        break;
    case K_SCHEME:
        v = scheme;
        break;
    case K_REQUEST_TARGET:
        if (req->path) {
            v = apr_pstrcat(p, norm_path(req->path), req->query ? "?" : "",
                            req->query ? req->query : "", NULL);
        }
        break;
    case K_PATH:
        if (req->path) {
            v = norm_path(req->path);
        }
        break;
    case K_QUERY:
        v = apr_pstrcat(p, "?", req->query ? req->query : "", NULL);
        break;
    case K_QUERY_PARAM:
        if (!req->query) {
            return APPROOV_SIG_COMPONENT_ABSENT;
        }
        if (!*pairs) {
            *pairs = query_pairs(p, req->query);
        }
        if ((rv = query_param(p, *pairs, qname, &v)) != APPROOV_SIG_VALID) {
            return rv;
        }
        break;
    }
    if (!v) {
        return APPROOV_SIG_COMPONENT_ABSENT;
    }
    if (!derived_value_ok(v)) {
        return APPROOV_SIG_BAD_COMPONENT_VALUE;
    }
    *value = v;
    return APPROOV_SIG_VALID;
}

/* RFC 9421 section 2.5, once components() has accepted the member: the
 * values found, then the base written once into one allocation of p. */
static approov_sig_result_e build_base(apr_pool_t *p,
                                       const approov_msgsig_request_t *req,
                                       const approov_sfv_member_t *m,
                                       approov_msgsig_t *out)
{
    static const char params_id[] = "\"@signature-params\": ";
    apr_array_header_t *pairs = NULL;
    approov_sig_result_e rv;
    const char *qname, **values;
    apr_size_t *id_lens, *value_lens, params_len, len, n;
    char *base, *o;
    kind_e kind;
    int i;

    values = apr_palloc(p, (apr_size_t)m->count * (sizeof(*values)
                                                   + 2 * sizeof(apr_size_t))
                           + 1);
    id_lens = (apr_size_t *)(values + m->count);
    value_lens = id_lens + m->count;
    params_len = strlen(out->signature_params);
    len = sizeof(params_id) - 1 + params_len;
    for (i = 0; i < m->count; i++) {
        if ((rv = classify(&m->items[i], &kind, &qname)) != APPROOV_SIG_VALID
            || (rv = component_value(p, req, m->items[i].bare.string, kind,
                                     qname, &pairs, &values[i]))
               != APPROOV_SIG_VALID) {
            return rv;
        }
        id_lens[i] = strlen(out->ids[i]);
        value_lens[i] = strlen(values[i]);
        len += id_lens[i] + 2 + value_lens[i] + 1;
    }
    base = o = apr_palloc(p, len + 1);
    for (i = 0; i < m->count; i++) {
        memcpy(o, out->ids[i], n = id_lens[i]);
        o += n;
        *o++ = ':';
        *o++ = ' ';
        memcpy(o, values[i], n = value_lens[i]);
        o += n;
        *o++ = '\n';
    }
    memcpy(o, params_id, sizeof(params_id) - 1);
    o += sizeof(params_id) - 1;
    memcpy(o, out->signature_params, params_len);
    o[params_len] = '\0';
    out->signature_base = base;
    out->signature_base_len = len;
    return APPROOV_SIG_VALID;
}

approov_sig_result_e approov_msgsig_signature_base(
    apr_pool_t *p, const approov_msgsig_request_t *req,
    const approov_sfv_member_t *member, approov_msgsig_t *out)
{
    approov_sig_result_e rv;

    if ((rv = components(p, member, out)) != APPROOV_SIG_VALID) {
        return rv;
    }
    return build_base(p, req, member, out);
}

/* ------------------------------------------------------------------ */
/* ecdsa-p256-sha256                                                   */

/* The key of an ipk claim: padded standard base64 of exactly one DER
 * SubjectPublicKeyInfo (re-encoding it gives the same bytes) of an EC key
 * on the named curve P-256.  NULL otherwise. */
static EVP_PKEY *ipk_key(apr_pool_t *p, const char *ipk)
{
    unsigned char *der, *again = NULL;
    const unsigned char *q;
    apr_size_t len;
    EVP_PKEY *pkey;
    char text[64];
    int canonical, again_len;

    if (!ipk || !*ipk || strlen(ipk) > APPROOV_MSGSIG_IPK_MAX_LEN
        || approov_b64_decode(p, ipk, strlen(ipk), &der, &len,
                                  &canonical) != 0
        || !canonical || len == 0) {
        return NULL;
    }
    q = der;
    pkey = d2i_PUBKEY(NULL, &q, (long)len);
    if (!pkey) {
        return NULL;
    }
    if (q != der + len
        || !EVP_PKEY_is_a(pkey, "EC")
        || !EVP_PKEY_get_group_name(pkey, text, sizeof(text), NULL)
        || strcmp(text, "prime256v1") != 0
        || !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING,
                                           text, sizeof(text), NULL)
        || strcmp(text, OSSL_PKEY_EC_ENCODING_GROUP) != 0
        || (again_len = i2d_PUBKEY(pkey, &again)) != (int)len
        || memcmp(again, der, len) != 0) {
        OPENSSL_free(again);
        EVP_PKEY_free(pkey);
        return NULL;
    }
    OPENSSL_free(again);
    return pkey;
}

/* The SubjectPublicKeyInfo header of a P-256 key (SEQUENCE,
 * AlgorithmIdentifier id-ecPublicKey prime256v1, BIT STRING) before a
 * 65-byte uncompressed or 33-byte compressed point. */
static const unsigned char p256_spki_65[26] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
    0x42, 0x00
};
static const unsigned char p256_spki_33[26] = {
    0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
    0x22, 0x00
};

/* The curve, made by approov_msgsig_initialize() before any thread runs
 * and only read afterwards; NULL without it (each key then makes its
 * own). */
static EC_GROUP *p256_group;

int approov_msgsig_initialize(void)
{
    if (!p256_group) {
        p256_group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    }
    return p256_group != NULL;
}

void approov_msgsig_terminate(void)
{
    EC_GROUP_free(p256_group);
    p256_group = NULL;
}

/* The ipk's key as an EC_KEY, read straight from the DER when it is the
 * P-256 SubjectPublicKeyInfo with an uncompressed or compressed point
 * (what every SDK sends); otherwise through ipk_key(), whose rules it
 * applies (the point must lie on the curve).  NULL if it is not a P-256
 * key. */
static EC_KEY *ipk_ec_key(apr_pool_t *p, const char *ipk)
{
    unsigned char *der;
    apr_size_t len;
    int canonical;
    EC_KEY *key;
    EVP_PKEY *pkey;

    if (!ipk || !*ipk || strlen(ipk) > APPROOV_MSGSIG_IPK_MAX_LEN
        || approov_b64_decode(p, ipk, strlen(ipk), &der, &len, &canonical)
               != 0
        || !canonical) {
        return NULL;
    }
    if ((len == 26 + 65 && !memcmp(der, p256_spki_65, 26) && der[26] == 4)
        || (len == 26 + 33 && !memcmp(der, p256_spki_33, 26)
            && (der[26] == 2 || der[26] == 3))) {
        key = p256_group ? EC_KEY_new()
                         : EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
        if (!key) {
            return NULL;
        }
        if ((p256_group && EC_KEY_set_group(key, p256_group) != 1)
            || EC_KEY_oct2key(key, der + 26, len - 26, NULL) != 1) {
            EC_KEY_free(key);
            return NULL;
        }
        return key;
    }
    if (!(pkey = ipk_key(p, ipk))) {
        return NULL;
    }
    key = EVP_PKEY_get1_EC_KEY(pkey);
    EVP_PKEY_free(pkey);
    return key;
}

struct approov_msgsig_key {
    EC_KEY *ec;
};

static apr_status_t key_cleanup(void *data)
{
    EC_KEY_free(((approov_msgsig_key_t *)data)->ec);
    return APR_SUCCESS;
}

approov_msgsig_key_t *approov_msgsig_key_make(apr_pool_t *p,
                                              const char *ipk_base64)
{
    approov_msgsig_key_t *key;
    EC_KEY *ec;

    ERR_set_mark();
    ec = ipk_ec_key(p, ipk_base64);
    ERR_pop_to_mark();
    if (!ec) {
        return NULL;
    }
    key = apr_palloc(p, sizeof(*key));
    key->ec = ec;
    apr_pool_cleanup_register(p, key, key_cleanup, apr_pool_cleanup_null);
    return key;
}

/* ecdsa-p256-sha256 with a key made already. */
static approov_sig_result_e verify_p256_key(const EC_KEY *key,
                                            const char *base,
                                            apr_size_t base_len,
                                            const unsigned char *sig,
                                            apr_size_t sig_len)
{
    approov_sig_result_e rv = APPROOV_SIG_BAD_SIGNATURE;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX sha;
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;

    /* RFC 9421 section 3.3.4: r and s as 32-byte big-endian integers. */
    if (!sig || sig_len != 64) {
        return rv;
    }
    /* Whatever OpenSSL queues here is ours to drop, and only that. */
    ERR_set_mark();
    r = BN_bin2bn(sig, 32, NULL);
    s = BN_bin2bn(sig + 32, 32, NULL);
    es = ECDSA_SIG_new();
    if (!r || !s || !es || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        goto done;
    }
    /* es owns r and s now.  SHA-256 by the low-level calls: OpenSSL 3's
     * one-shot SHA256() fetches the digest by name (EVP_Q_digest), taking
     * the global method store's lock on every call. */
    if (SHA256_Init(&sha) && SHA256_Update(&sha, base, base_len)
        && SHA256_Final(digest, &sha)
        && ECDSA_do_verify(digest, sizeof(digest), es, (EC_KEY *)key) == 1) {
        rv = APPROOV_SIG_VALID;
    }

done:
    ECDSA_SIG_free(es);
    ERR_pop_to_mark();
    return rv;
}

approov_sig_result_e approov_msgsig_verify_p256(apr_pool_t *p,
                                                const char *ipk_base64,
                                                const char *base,
                                                apr_size_t base_len,
                                                const unsigned char *sig,
                                                apr_size_t sig_len)
{
    approov_sig_result_e rv;
    EC_KEY *key;

    ERR_set_mark();
    key = ipk_ec_key(p, ipk_base64);
    ERR_pop_to_mark();
    if (!key) {
        return APPROOV_SIG_BAD_IPK;
    }
    rv = verify_p256_key(key, base, base_len, sig, sig_len);
    EC_KEY_free(key);
    return rv;
}

/* ------------------------------------------------------------------ */
/* verification                                                        */

/* Largest max_age or skew honoured: keeps the time arithmetic far from
 * overflow (created and expires are at most 15 digits). */
#define SECONDS_CAP (APR_INT64_C(1) << 40)

/* Every rule of the profile for the member of label, up to the signature
 * base (out->signature_base, out->signature): all but the signature check
 * itself, which is the label's algorithm's. */
static approov_sig_result_e check_member(apr_pool_t *p,
                                         const approov_msgsig_request_t *req,
                                         const char *signature_input,
                                         const char *signature,
                                         const char *label, const char *alg,
                                         apr_time_t now,
                                         apr_int64_t max_age_seconds,
                                         apr_int64_t skew_seconds,
                                         approov_msgsig_t *out)
{
    approov_sfv_dict_t input_dict, sig_dict;
    const approov_sfv_entry_t *entry;
    const approov_sfv_member_t *m, *sm;
    const approov_sfv_bare_t *created = NULL;
    const char *token_field;
    apr_int64_t now_s = apr_time_sec(now);
    approov_sig_result_e rv;
    int i, has_method = 0, has_target = 0, has_token = 0;
    int alg_not_string = 0;

    if (!signature_input || !*signature_input || !signature || !*signature) {
        return APPROOV_SIG_MISSING_HEADERS;
    }

    /* Signature-Input: a strict Dictionary without repeated keys, whose
     * member of the label is an Inner List of Strings with well-typed
     * parameters, none repeated. */
    if (approov_sfv_parse_dict(p, signature_input, strlen(signature_input),
                               &input_dict) != APPROOV_SFV_OK
        || input_dict.duplicates
        || !(entry = approov_sfv_dict_find(&input_dict, label))
        || !entry->value.is_inner_list
        || entry->value.params.duplicates) {
        return APPROOV_SIG_BAD_SIGNATURE_INPUT;
    }
    m = &entry->value;
    for (i = 0; i < m->count; i++) {
        if (!component_syntax_ok(&m->items[i])) {
            return APPROOV_SIG_BAD_SIGNATURE_INPUT;
        }
    }
    for (i = 0; i < m->params.count; i++) {
        const char *key = m->params.items[i].key;
        const approov_sfv_bare_t *v = &m->params.items[i].value;
        if (strcmp(key, "created") == 0) {
            created = v;
        }
        else if (strcmp(key, "expires") == 0) {
            if (v->type != APPROOV_SFV_INTEGER) {
                return APPROOV_SIG_BAD_SIGNATURE_INPUT;
            }
            out->has_expires = 1;
            out->expires = v->integer;
        }
        else if (strcmp(key, "alg") == 0) {
            if (v->type == APPROOV_SFV_STRING) {
                out->alg = v->string;
            }
            else {
                alg_not_string = 1;     /* BAD_ALG, once Signature parses */
            }
        }
        else if (strcmp(key, "nonce") == 0 || strcmp(key, "keyid") == 0
                 || strcmp(key, "tag") == 0) {
            if (v->type != APPROOV_SFV_STRING) {
                return APPROOV_SIG_BAD_SIGNATURE_INPUT;
            }
            if (key[0] == 'n') out->nonce = v->string;
            else if (key[0] == 'k') out->keyid = v->string;
            else out->tag = v->string;
        }
    }

    /* Signature: a strict Dictionary without repeated keys, whose member of
     * the label is a Byte Sequence (iOS SDK) or a String (Android SDK) of
     * padded standard base64, without parameters. */
    if (approov_sfv_parse_dict(p, signature, strlen(signature), &sig_dict)
            != APPROOV_SFV_OK
        || sig_dict.duplicates
        || !(entry = approov_sfv_dict_find(&sig_dict, label))
        || entry->value.is_inner_list || entry->value.params.count) {
        return APPROOV_SIG_BAD_SIGNATURE_HEADER;
    }
    sm = &entry->value;
    if (sm->bare.type == APPROOV_SFV_BYTES && !sm->bare.b64_noncanonical) {
        out->signature = sm->bare.bytes;
        out->signature_len = sm->bare.len;
    }
    else if (sm->bare.type == APPROOV_SFV_STRING) {
        unsigned char *bytes;
        int canonical;
        if (approov_b64_decode(p, sm->bare.string, sm->bare.len, &bytes,
                                   &out->signature_len, &canonical) != 0
            || !canonical) {
            return APPROOV_SIG_BAD_SIGNATURE_HEADER;
        }
        out->signature = bytes;
    }
    else {
        return APPROOV_SIG_BAD_SIGNATURE_HEADER;
    }

    if (alg_not_string
        || (out->alg && strcmp(out->alg, alg) != 0)) {
        return APPROOV_SIG_BAD_ALG;
    }

    if ((rv = components(p, m, out)) != APPROOV_SIG_VALID) {
        return rv;
    }
    token_field = req->token_field ? lowercase(p, req->token_field)
                                   : APPROOV_MSGSIG_TOKEN_FIELD;
    for (i = 0; i < out->count; i++) {
        has_method |= strcmp(out->names[i], "@method") == 0;
        has_target |= strcmp(out->names[i], "@target-uri") == 0
                      || strcmp(out->names[i], "@path") == 0;
        has_token |= strcmp(out->names[i], token_field) == 0;
    }
    if (!has_method || !has_target || !has_token) {
        return APPROOV_SIG_MISSING_COMPONENT;
    }

    if (!created || created->type != APPROOV_SFV_INTEGER) {
        return APPROOV_SIG_NO_CREATED;
    }
    out->has_created = 1;
    out->created = created->integer;
    if (max_age_seconds < 0) max_age_seconds = 0;
    if (max_age_seconds > SECONDS_CAP) max_age_seconds = SECONDS_CAP;
    if (skew_seconds < 0) skew_seconds = 0;
    if (skew_seconds > SECONDS_CAP) skew_seconds = SECONDS_CAP;
    if (out->created > now_s + skew_seconds) {
        return APPROOV_SIG_CREATED_IN_FUTURE;
    }
    if (now_s - out->created > max_age_seconds) {
        return APPROOV_SIG_TOO_OLD;
    }
    if (out->has_expires && now_s >= out->expires + skew_seconds) {
        return APPROOV_SIG_EXPIRED;
    }

    return build_base(p, req, m, out);
}

approov_sig_result_e approov_msgsig_verify(apr_pool_t *p,
                                           const approov_msgsig_request_t *req,
                                           const char *signature_input,
                                           const char *signature,
                                           const char *ipk_base64,
                                           apr_time_t now,
                                           apr_int64_t max_age_seconds,
                                           apr_int64_t skew_seconds,
                                           approov_msgsig_t *out)
{
    approov_msgsig_t local;
    approov_sig_result_e rv;

    if (!out) {
        out = &local;
    }
    memset(out, 0, sizeof(*out));
    rv = check_member(p, req, signature_input, signature,
                      APPROOV_MSGSIG_LABEL, APPROOV_MSGSIG_ALG, now,
                      max_age_seconds, skew_seconds, out);
    if (rv != APPROOV_SIG_VALID) {
        return rv;
    }
    if (req->ipk_key) {
        return verify_p256_key(req->ipk_key->ec, out->signature_base,
                               out->signature_base_len, out->signature,
                               out->signature_len);
    }
    return approov_msgsig_verify_p256(p, ipk_base64, out->signature_base,
                                      out->signature_base_len,
                                      out->signature, out->signature_len);
}

/* ------------------------------------------------------------------ */
/* account signatures: hmac-sha256                                     */

approov_sig_result_e approov_msgsig_verify_hmac(const approov_key_t *key,
                                                const char *base,
                                                apr_size_t base_len,
                                                const unsigned char *sig,
                                                apr_size_t sig_len)
{
    unsigned char mac[64];
    int equal;

    /* The key's digest states were prepared at start-up: no fetch here. */
    if (!key || !sig || sig_len != APPROOV_MSGSIG_HMAC_LEN
        || approov_key_alg(key) != APPROOV_ALG_HS256
        || approov_key_mac(key, base, base_len, mac)
           != APPROOV_MSGSIG_HMAC_LEN) {
        return APPROOV_SIG_BAD_SIGNATURE;
    }
    equal = CRYPTO_memcmp(mac, sig, APPROOV_MSGSIG_HMAC_LEN) == 0;
    OPENSSL_cleanse(mac, sizeof(mac));
    return equal ? APPROOV_SIG_VALID : APPROOV_SIG_BAD_SIGNATURE;
}

const approov_key_t *approov_msgsig_account_key(
    const approov_key_t *const *keys, int nkeys, const char *mskid)
{
    const approov_key_t *without_id = NULL;
    int i;

    if (!mskid) {
        return NULL;
    }
    for (i = 0; i < nkeys; i++) {
        const char *id = approov_key_kid(keys[i]);

        if (!id) {
            without_id = keys[i];
        }
        else if (strcmp(id, mskid) == 0) {
            return keys[i];
        }
    }
    return without_id;
}

approov_sig_result_e approov_msgsig_verify_account(
    apr_pool_t *p, const approov_msgsig_request_t *req,
    const char *signature_input, const char *signature,
    const approov_key_t *key, apr_time_t now, apr_int64_t max_age_seconds,
    apr_int64_t skew_seconds, approov_msgsig_t *out)
{
    approov_msgsig_t local;
    approov_sig_result_e rv;

    if (!out) {
        out = &local;
    }
    memset(out, 0, sizeof(*out));
    rv = check_member(p, req, signature_input, signature,
                      APPROOV_MSGSIG_ACCOUNT_LABEL, APPROOV_MSGSIG_ACCOUNT_ALG,
                      now, max_age_seconds, skew_seconds, out);
    if (rv != APPROOV_SIG_VALID) {
        return rv;
    }
    return approov_msgsig_verify_hmac(key, out->signature_base,
                                      out->signature_base_len,
                                      out->signature, out->signature_len);
}

/* ------------------------------------------------------------------ */
/* Content-Digest                                                      */

/* The algorithms of RFC 9530 computed here, by OpenSSL's low-level calls:
 * EVP_Digest() with EVP_sha256() fetches the implementation by name, under
 * the global method store's lock, on every call. */
struct approov_body_digest {
    const unsigned char *want_256, *want_512;   /* the field's values */
    apr_size_t want_256_len, want_512_len;
    SHA256_CTX sha256;
    SHA512_CTX sha512;
    int ended;
    approov_digest_result_e result;
};

approov_digest_result_e approov_body_digest_begin(apr_pool_t *p,
                                                  const char *content_digest,
                                                  approov_body_digest_t **out)
{
    approov_sfv_dict_t dict;
    approov_body_digest_t *d;
    int i;

    *out = NULL;
    if (!content_digest || !*content_digest) {
        return APPROOV_DIGEST_MISSING;
    }
    if (approov_sfv_parse_dict(p, content_digest, strlen(content_digest),
                               &dict) != APPROOV_SFV_OK
        || dict.duplicates) {
        return APPROOV_DIGEST_MALFORMED;
    }
    if (dict.count == 0) {
        return APPROOV_DIGEST_MISSING;
    }
    for (i = 0; i < dict.count; i++) {
        const approov_sfv_member_t *m = &dict.entries[i].value;
        if (m->is_inner_list || m->bare.type != APPROOV_SFV_BYTES
            || m->params.count) {
            return APPROOV_DIGEST_MALFORMED;
        }
    }
    d = apr_pcalloc(p, sizeof(*d));
    for (i = 0; i < dict.count; i++) {
        const approov_sfv_member_t *m = &dict.entries[i].value;
        /* Keys are unique (duplicates refused above). */
        if (strcmp(dict.entries[i].key, "sha-256") == 0) {
            d->want_256 = m->bare.bytes ? m->bare.bytes
                                        : (const unsigned char *)"";
            d->want_256_len = m->bare.len;
            SHA256_Init(&d->sha256);
        }
        else if (strcmp(dict.entries[i].key, "sha-512") == 0) {
            d->want_512 = m->bare.bytes ? m->bare.bytes
                                        : (const unsigned char *)"";
            d->want_512_len = m->bare.len;
            SHA512_Init(&d->sha512);
        }
    }
    if (!d->want_256 && !d->want_512) {
        return APPROOV_DIGEST_UNSUPPORTED;
    }
    *out = d;
    return APPROOV_DIGEST_VALID;
}

void approov_body_digest_update(approov_body_digest_t *d, const void *data,
                                apr_size_t len)
{
    if (d->want_256) {
        SHA256_Update(&d->sha256, data, len);
    }
    if (d->want_512) {
        SHA512_Update(&d->sha512, data, len);
    }
}

approov_digest_result_e approov_body_digest_end(approov_body_digest_t *d)
{
    unsigned char md[SHA512_DIGEST_LENGTH];
    int mismatch = 0;

    if (d->ended) {
        return d->result;
    }
    if (d->want_256) {
        SHA256_Final(md, &d->sha256);
        mismatch |= d->want_256_len != SHA256_DIGEST_LENGTH
                    || CRYPTO_memcmp(d->want_256, md, SHA256_DIGEST_LENGTH);
    }
    if (d->want_512) {
        SHA512_Final(md, &d->sha512);
        mismatch |= d->want_512_len != SHA512_DIGEST_LENGTH
                    || CRYPTO_memcmp(d->want_512, md, SHA512_DIGEST_LENGTH);
    }
    d->ended = 1;
    d->result = mismatch ? APPROOV_DIGEST_MISMATCH : APPROOV_DIGEST_VALID;
    return d->result;
}

approov_digest_result_e approov_content_digest_check(
    apr_pool_t *p, const char *content_digest, const unsigned char *body,
    apr_size_t body_len)
{
    approov_body_digest_t *d;
    approov_digest_result_e rv;

    if ((rv = approov_body_digest_begin(p, content_digest, &d))
        != APPROOV_DIGEST_VALID) {
        return rv;
    }
    if (body_len) {
        approov_body_digest_update(d, body, body_len);
    }
    return approov_body_digest_end(d);
}

/*
 * approov_token.c: the pure Approov token verifier (see approov_token.h).
 *
 * Only APR, OpenSSL and cJSON here: no httpd header.
 */

/* The binding hash uses the low-level SHA256_* interface, which OpenSSL
 * 3.0 marks as deprecated; see approov_keys.c. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "approov_token.h"

static const char *const result_names[APPROOV_RESULT_COUNT] = {
    "valid",
    "missing",
    "too_long",
    "bad_prefix",
    "malformed",
    "bad_header",
    "bad_alg",
    "bad_signature",
    "bad_payload",
    "bad_exp",
    "bad_nbf",
    "expired",
    "not_yet_valid",
    "no_binding_header",
    "no_pay",
    "bad_pay",
    "pay_mismatch",
    "unknown_kid",
    "no_kid",
    "no_key",
};

const char *approov_result_name(approov_result_e result)
{
    if ((int)result < 0 || result >= APPROOV_RESULT_COUNT) {
        return "unknown";
    }
    return result_names[result];
}

/* ------------------------------------------------------------------ */
/* base64                                                              */

/* Sextet value of each base64url character, or 0xFF. */
static const unsigned char b64url_value[256] = {
#define X 0xFF
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, 62, X, X,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
    X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, 63,
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
#undef X
};

long approov_b64url_decode(unsigned char *dst, const char *src,
                           apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned char *d = dst;
    apr_size_t full = len / 4, rest = len % 4, i;
    unsigned int a, b, c, e;

    if (rest == 1) {
        return -1;
    }
    for (i = 0; i < full; i++, s += 4) {
        a = b64url_value[s[0]];
        b = b64url_value[s[1]];
        c = b64url_value[s[2]];
        e = b64url_value[s[3]];
        if ((a | b | c | e) & 0x80) {
            return -1;
        }
        *d++ = (unsigned char)((a << 2) | (b >> 4));
        *d++ = (unsigned char)((b << 4) | (c >> 2));
        *d++ = (unsigned char)((c << 6) | e);
    }
    if (rest >= 2) {
        a = b64url_value[s[0]];
        b = b64url_value[s[1]];
        if ((a | b) & 0x80) {
            return -1;
        }
        *d++ = (unsigned char)((a << 2) | (b >> 4));
        if (rest == 2) {
            /* The 4 low bits of the last sextet are unused: they must be
             * zero, or two spellings would decode to the same bytes. */
            if (b & 0x0F) {
                return -1;
            }
        }
        else {
            c = b64url_value[s[2]];
            if ((c & 0x80) || (c & 0x03)) {
                return -1;
            }
            *d++ = (unsigned char)((b << 4) | (c >> 2));
        }
    }
    return (long)(d - dst);
}

const char *approov_decode_secret(apr_pool_t *p, const char *text,
                                  unsigned char **out, apr_size_t *out_len)
{
    apr_size_t len = strlen(text), pad = 0, i;
    char *url;
    long n;

    while (pad < len && text[len - 1 - pad] == '=') {
        pad++;
    }
    len -= pad;
    if (len == 0) {
        return "the secret is empty";
    }
    /* Padding, when present, must be exactly what completes the last
     * quantum: one '=' after 3 characters, two after 2. */
    if (pad && (pad > 2 || (len + pad) % 4 != 0)) {
        return "the secret has wrong '=' padding";
    }
    if (len > (APPROOV_SECRET_MAX_LEN / 3 + 1) * 4) {
        return "the secret is too long";
    }
    /* Fold the standard alphabet into the URL-safe one; a secret mixing
     * both alphabets is refused as a likely paste error. */
    url = apr_pstrmemdup(p, text, len);
    {
        int standard = 0, urlsafe = 0;
        for (i = 0; i < len; i++) {
            if (url[i] == '+' || url[i] == '/') {
                standard = 1;
                url[i] = (url[i] == '+') ? '-' : '_';
            }
            else if (url[i] == '-' || url[i] == '_') {
                urlsafe = 1;
            }
        }
        if (standard && urlsafe) {
            return "the secret mixes the standard and URL-safe base64 "
                   "alphabets";
        }
    }
    *out = apr_palloc(p, len / 4 * 3 + 3);
    n = approov_b64url_decode(*out, url, len);
    OPENSSL_cleanse(url, len);
    if (n <= 0) {
        return "the secret is not valid base64 (standard or URL-safe, "
               "with canonical trailing bits and no whitespace)";
    }
    *out_len = (apr_size_t)n;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* strict JSON                                                         */

typedef struct {
    const unsigned char *s;
    const unsigned char *end;
    int depth;
    int max_depth;
} json_scan;

static void skip_ws(json_scan *j)
{
    while (j->s < j->end
           && (*j->s == ' ' || *j->s == '\t' || *j->s == '\n'
               || *j->s == '\r')) {
        j->s++;
    }
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static long read_hex4(json_scan *j)
{
    long v = 0;
    int i, h;

    if (j->end - j->s < 4) {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        if ((h = hex_value(j->s[i])) < 0) {
            return -1;
        }
        v = (v << 4) | h;
    }
    j->s += 4;
    return v;
}

/* One UTF-8 sequence starting at a byte >= 0x80: shortest form only, no
 * surrogates, nothing above U+10FFFF (RFC 3629). */
static int scan_utf8(json_scan *j)
{
    const unsigned char *s = j->s;
    apr_size_t avail = (apr_size_t)(j->end - s);
    unsigned char c = s[0];

    if (c >= 0xC2 && c <= 0xDF) {
        if (avail < 2 || (s[1] & 0xC0) != 0x80) return 0;
        j->s += 2;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;     /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0;    /* surrogate */
        j->s += 3;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80
            || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;     /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0;    /* > U+10FFFF */
        j->s += 4;
    }
    else {
        return 0;
    }
    return 1;
}

static int scan_string(json_scan *j)
{
    long u, lo;

    j->s++;                                         /* opening quote */
    while (j->s < j->end) {
        unsigned char c = *j->s;
        if (c == '"') {
            j->s++;
            return 1;
        }
        if (c < 0x20) {
            return 0;
        }
        if (c >= 0x80) {
            if (!scan_utf8(j)) return 0;
            continue;
        }
        if (c != '\\') {
            j->s++;
            continue;
        }
        if (++j->s >= j->end) {
            return 0;
        }
        c = *j->s++;
        switch (c) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n':
        case 'r': case 't':
            break;
        case 'u':
            if ((u = read_hex4(j)) < 0 || u == 0) {
                /* \u0000 would cut the C strings cJSON hands back. */
                return 0;
            }
            if (u >= 0xDC00 && u <= 0xDFFF) {
                return 0;                           /* lone low surrogate */
            }
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (j->end - j->s < 6 || j->s[0] != '\\' || j->s[1] != 'u') {
                    return 0;
                }
                j->s += 2;
                if ((lo = read_hex4(j)) < 0xDC00 || lo > 0xDFFF) {
                    return 0;
                }
            }
            break;
        default:
            return 0;
        }
    }
    return 0;
}

static int is_digit(const json_scan *j)
{
    return j->s < j->end && *j->s >= '0' && *j->s <= '9';
}

/* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(json_scan *j)
{
    if (*j->s == '-') {
        j->s++;
    }
    if (!is_digit(j)) {
        return 0;
    }
    if (*j->s == '0') {
        j->s++;
    }
    else {
        while (is_digit(j)) j->s++;
    }
    if (j->s < j->end && *j->s == '.') {
        j->s++;
        if (!is_digit(j)) return 0;
        while (is_digit(j)) j->s++;
    }
    if (j->s < j->end && (*j->s == 'e' || *j->s == 'E')) {
        j->s++;
        if (j->s < j->end && (*j->s == '+' || *j->s == '-')) j->s++;
        if (!is_digit(j)) return 0;
        while (is_digit(j)) j->s++;
    }
    return 1;
}

static int scan_literal(json_scan *j, const char *word, apr_size_t len)
{
    if ((apr_size_t)(j->end - j->s) < len || memcmp(j->s, word, len) != 0) {
        return 0;
    }
    j->s += len;
    return 1;
}

static int scan_value(json_scan *j);

static int scan_container(json_scan *j, unsigned char close)
{
    int first = 1;

    if (++j->depth > j->max_depth) {
        return 0;
    }
    j->s++;                                         /* '{' or '[' */
    for (;;) {
        skip_ws(j);
        if (j->s >= j->end) {
            return 0;
        }
        if (*j->s == close && first) {
            break;
        }
        if (!first) {
            if (*j->s == close) break;
            if (*j->s != ',') return 0;
            j->s++;
            skip_ws(j);
            if (j->s >= j->end) return 0;
        }
        first = 0;
        if (close == '}') {
            if (*j->s != '"' || !scan_string(j)) return 0;
            skip_ws(j);
            if (j->s >= j->end || *j->s != ':') return 0;
            j->s++;
            skip_ws(j);
        }
        if (!scan_value(j)) {
            return 0;
        }
    }
    j->s++;                                         /* '}' or ']' */
    j->depth--;
    return 1;
}

static int scan_value(json_scan *j)
{
    if (j->s >= j->end) {
        return 0;
    }
    switch (*j->s) {
    case '{': return scan_container(j, '}');
    case '[': return scan_container(j, ']');
    case '"': return scan_string(j);
    case 't': return scan_literal(j, "true", 4);
    case 'f': return scan_literal(j, "false", 5);
    case 'n': return scan_literal(j, "null", 4);
    default:  return scan_number(j);
    }
}

int approov_json_object_is_strict(const unsigned char *text, apr_size_t len,
                                  int max_depth)
{
    json_scan j;

    j.s = text;
    j.end = text + len;
    j.depth = 0;
    j.max_depth = max_depth;
    skip_ws(&j);
    if (j.s >= j.end || *j.s != '{' || !scan_container(&j, '}')) {
        return 0;
    }
    skip_ws(&j);
    return j.s == j.end;
}

/* Member names are compared after cJSON decoded their escapes, so "a" and
 * "\u0061" are the same name, as a JWT consumer would see them. */
static int has_duplicate_names(apr_pool_t *p, const cJSON *node)
{
    const cJSON *a, *b;
    int count = 0;

    for (a = node->child; a; a = a->next) {
        count++;
        if ((cJSON_IsObject(a) || cJSON_IsArray(a)) && has_duplicate_names(p, a)) {
            return 1;
        }
    }
    if (!cJSON_IsObject(node) || count < 2) {
        return 0;
    }
    if (count <= 16) {
        for (a = node->child; a; a = a->next) {
            for (b = a->next; b; b = b->next) {
                if (strcmp(a->string, b->string) == 0) {
                    return 1;
                }
            }
        }
        return 0;
    }
    {
        /* Large objects: a hash keeps the work linear. */
        apr_pool_t *tmp;
        apr_hash_t *seen;
        int dup = 0;

        if (apr_pool_create(&tmp, p) != APR_SUCCESS) {
            return 1;
        }
        seen = apr_hash_make(tmp);
        for (a = node->child; a && !dup; a = a->next) {
            if (apr_hash_get(seen, a->string, APR_HASH_KEY_STRING)) {
                dup = 1;
            }
            apr_hash_set(seen, a->string, APR_HASH_KEY_STRING, a);
        }
        apr_pool_destroy(tmp);
        return dup;
    }
}

/*
 * The parser: one pass that checks the text by the rules of the scanner
 * above and builds the tree as it goes, every node and string from the
 * pool.  The tree has cJSON's shape (cJSON's read-only functions walk it)
 * but not cJSON's allocator: no malloc, no free, no cleanup, which is most
 * of what a cJSON_ParseWithLength() + cJSON_Delete() pair would cost per
 * request.  fuzz/fuzz_json.c checks that it builds exactly the tree cJSON
 * builds from every text the scanner accepts.
 */
typedef struct {
    json_scan scan;
    apr_pool_t *p;
} json_build;

static cJSON *build_value(json_build *b);

static cJSON *new_node(json_build *b, int type)
{
    cJSON *node = apr_pcalloc(b->p, sizeof(*node));

    node->type = type;
    return node;
}

/* Append one code point as UTF-8 (the scanner has ruled out surrogates
 * and \u0000). */
static unsigned char *put_utf8(unsigned char *d, unsigned long u)
{
    if (u < 0x80) {
        *d++ = (unsigned char)u;
    }
    else if (u < 0x800) {
        *d++ = (unsigned char)(0xC0 | (u >> 6));
        *d++ = (unsigned char)(0x80 | (u & 0x3F));
    }
    else if (u < 0x10000) {
        *d++ = (unsigned char)(0xE0 | (u >> 12));
        *d++ = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
        *d++ = (unsigned char)(0x80 | (u & 0x3F));
    }
    else {
        *d++ = (unsigned char)(0xF0 | (u >> 18));
        *d++ = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
        *d++ = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
        *d++ = (unsigned char)(0x80 | (u & 0x3F));
    }
    return d;
}

static unsigned long hex4_at(const unsigned char *s)
{
    return ((unsigned long)hex_value(s[0]) << 12)
           | ((unsigned long)hex_value(s[1]) << 8)
           | ((unsigned long)hex_value(s[2]) << 4)
           | (unsigned long)hex_value(s[3]);
}

/* A string at the opening quote, as a NUL-terminated copy with its
 * escapes decoded (never longer than its escaped form). */
static char *build_string(json_build *b)
{
    const unsigned char *start = b->scan.s + 1, *end, *s;
    unsigned char *out, *d;

    if (!scan_string(&b->scan)) {
        return NULL;
    }
    end = b->scan.s - 1;                            /* closing quote */
    if (!memchr(start, '\\', (apr_size_t)(end - start))) {
        return apr_pstrmemdup(b->p, (const char *)start,
                              (apr_size_t)(end - start));
    }
    d = out = apr_palloc(b->p, (apr_size_t)(end - start) + 1);
    for (s = start; s < end; ) {
        unsigned long u;

        if (*s != '\\') {
            *d++ = *s++;
            continue;
        }
        switch (s[1]) {
        case 'b': *d++ = '\b'; s += 2; break;
        case 'f': *d++ = '\f'; s += 2; break;
        case 'n': *d++ = '\n'; s += 2; break;
        case 'r': *d++ = '\r'; s += 2; break;
        case 't': *d++ = '\t'; s += 2; break;
        case 'u':
            u = hex4_at(s + 2);
            s += 6;
            if (u >= 0xD800 && u <= 0xDBFF) {       /* a checked pair */
                u = 0x10000 + ((u - 0xD800) << 10) + (hex4_at(s + 2) - 0xDC00);
                s += 6;
            }
            d = put_utf8(d, u);
            break;
        default:                                    /* " \ / */
            *d++ = s[1];
            s += 2;
            break;
        }
    }
    *d = '\0';
    return (char *)out;
}

/* A number as cJSON stores it: the double strtod() gives, and that value
 * saturated to an int.  Integers of up to 15 digits are exact doubles and
 * skip strtod(). */
static cJSON *build_number(json_build *b)
{
    const unsigned char *start = b->scan.s, *s;
    cJSON *node;
    double v = 0;
    apr_size_t len;
    int simple = 1, negative = *start == '-';

    if (!scan_number(&b->scan)) {
        return NULL;
    }
    len = (apr_size_t)(b->scan.s - start);
    if (len - (apr_size_t)negative > 15) {
        simple = 0;
    }
    else {
        apr_int64_t n = 0;

        for (s = start + negative; s < b->scan.s; s++) {
            if (*s < '0' || *s > '9') {
                simple = 0;
                break;
            }
            n = n * 10 + (*s - '0');
        }
        v = negative ? -(double)n : (double)n;
    }
    if (!simple) {
        /* strtod() reads the locale's decimal point, as cJSON lets it. */
        char *text = apr_pstrmemdup(b->p, (const char *)start, len), *dot;
        char point = localeconv()->decimal_point[0];

        if (point && point != '.' && (dot = strchr(text, '.'))) {
            *dot = point;
        }
        v = strtod(text, NULL);
    }
    node = new_node(b, cJSON_Number);
    node->valuedouble = v;
    node->valueint = v >= INT_MAX ? INT_MAX
                     : v <= (double)INT_MIN ? INT_MIN : (int)v;
    return node;
}

static cJSON *build_literal(json_build *b, const char *word, apr_size_t len,
                            int type)
{
    cJSON *node;

    if (!scan_literal(&b->scan, word, len)) {
        return NULL;
    }
    node = new_node(b, type);
    node->valueint = type == cJSON_True;            /* as cJSON sets it */
    return node;
}

/* An object or array at its opening bracket; children linked as cJSON
 * links them (next, and prev with the first child's prev at the last). */
static cJSON *build_container(json_build *b, unsigned char close)
{
    json_scan *j = &b->scan;
    cJSON *node = new_node(b, close == '}' ? cJSON_Object : cJSON_Array);
    cJSON *last = NULL, *item;
    char *name = NULL;

    if (++j->depth > j->max_depth) {
        return NULL;
    }
    j->s++;
    for (;;) {
        skip_ws(j);
        if (j->s >= j->end) {
            return NULL;
        }
        if (*j->s == close) {                       /* never after ',' */
            break;
        }
        if (last) {
            if (*j->s != ',') return NULL;
            j->s++;
            skip_ws(j);
            if (j->s >= j->end) return NULL;
        }
        if (close == '}') {
            if (*j->s != '"' || !(name = build_string(b))) return NULL;
            skip_ws(j);
            if (j->s >= j->end || *j->s != ':') return NULL;
            j->s++;
            skip_ws(j);
        }
        if (!(item = build_value(b))) {
            return NULL;
        }
        item->string = name;
        if (last) {
            last->next = item;
            item->prev = last;
        }
        else {
            node->child = item;
        }
        last = item;
        node->child->prev = last;
    }
    j->s++;
    j->depth--;
    return node;
}

static cJSON *build_value(json_build *b)
{
    json_scan *j = &b->scan;
    cJSON *node;
    char *text;

    if (j->s >= j->end) {
        return NULL;
    }
    switch (*j->s) {
    case '{': return build_container(b, '}');
    case '[': return build_container(b, ']');
    case '"':
        if (!(text = build_string(b))) {
            return NULL;
        }
        node = new_node(b, cJSON_String);
        node->valuestring = text;
        return node;
    case 't': return build_literal(b, "true", 4, cJSON_True);
    case 'f': return build_literal(b, "false", 5, cJSON_False);
    case 'n': return build_literal(b, "null", 4, cJSON_NULL);
    default:  return build_number(b);
    }
}

cJSON *approov_json_parse_object(apr_pool_t *p, const unsigned char *text,
                                 apr_size_t len)
{
    json_build b;
    cJSON *root;

    b.p = p;
    b.scan.s = text;
    b.scan.end = text + len;
    b.scan.depth = 0;
    b.scan.max_depth = APPROOV_JSON_MAX_DEPTH;
    skip_ws(&b.scan);
    if (b.scan.s >= b.scan.end || *b.scan.s != '{'
        || !(root = build_container(&b, '}'))) {
        return NULL;
    }
    skip_ws(&b.scan);
    if (b.scan.s != b.scan.end || has_duplicate_names(p, root)) {
        return NULL;
    }
    return root;
}

/* ------------------------------------------------------------------ */
/* verification                                                        */

/* Bounds of a time that fits a signed 64-bit count of seconds. */
#define TIME_LIMIT 9223372036854775807.0

/* A time claim (item may be NULL): 1 with its value, 0 if absent, -1 if
 * it is not a number that fits a 64-bit time. */
static int claim_time(const cJSON *item, double *value)
{
    if (!item) {
        return 0;
    }
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble)
        || item->valuedouble >= TIME_LIMIT
        || item->valuedouble < -TIME_LIMIT) {
        return -1;
    }
    *value = item->valuedouble;
    return 1;
}

/* Header members refused: crit (we implement no extension), and those
 * that would let a token name its own key (RFC 8725 3.10). */
static int is_refused_header_member(const char *name)
{
    switch (name[0]) {
    case 'c': return strcmp(name, "crit") == 0;
    case 'j': return strcmp(name, "jwk") == 0 || strcmp(name, "jku") == 0;
    case 'x': return strcmp(name, "x5u") == 0 || strcmp(name, "x5c") == 0;
    default:  return 0;
    }
}

/*
 * The key a token asks for.  A kid picks the key with that kid; without a
 * kid, the one key configured without a kid.  A lone key without a kid
 * verifies every token: where the operator named no kid, a kid means
 * nothing (Approov's default secret has none).
 */
static approov_result_e select_key(const approov_key_t *const *keys,
                                   int nkeys, const cJSON *kid,
                                   const approov_key_t **selected)
{
    const approov_key_t *match = NULL;
    int i, matches = 0;

    if (nkeys == 1 && !approov_key_kid(keys[0])) {
        *selected = keys[0];
        return APPROOV_VALID;
    }
    for (i = 0; i < nkeys; i++) {
        const char *key_kid = approov_key_kid(keys[i]);

        if (kid ? (key_kid && strcmp(key_kid, kid->valuestring) == 0)
                : !key_kid) {
            match = keys[i];
            matches++;
        }
    }
    if (!match) {
        return kid ? APPROOV_UNKNOWN_KID : APPROOV_NO_KID;
    }
    if (matches > 1) {
        /* Two keys with one kid: refused at configuration time; never
         * guess here. */
        return kid ? APPROOV_UNKNOWN_KID : APPROOV_NO_KID;
    }
    *selected = match;
    return APPROOV_VALID;
}

approov_result_e approov_verify_keys(apr_pool_t *p, const char *token,
                                     apr_size_t token_len,
                                     const approov_key_t *const *keys,
                                     int nkeys, apr_int64_t leeway_seconds,
                                     apr_time_t now, approov_token_t *out)
{
    approov_token_t scratch;
    const char *dot1, *dot2, *sig;
    apr_size_t header_len, payload_len, sig_len;
    unsigned char *buf, *payload, *sig_bytes;
    const cJSON *alg_item, *kid, *member, *exp_item, *nbf_item;
    const approov_key_t *key = NULL;
    approov_alg_e alg;
    approov_result_e result;
    long n, payload_n;
    double exp;
    int found;

    if (!out) {
        out = &scratch;
    }
    out->header = NULL;
    out->claims = NULL;
    out->exp = out->nbf = 0;
    out->has_nbf = 0;

    if (token_len == 0) {
        return APPROOV_MISSING;
    }
    if (token_len > APPROOV_TOKEN_MAX_LEN) {
        return APPROOV_TOO_LONG;
    }
    if (nkeys <= 0 || !keys) {
        return APPROOV_NO_KEY;
    }

    /* Exactly three non-empty segments. */
    dot1 = memchr(token, '.', token_len);
    if (!dot1) {
        return APPROOV_MALFORMED;
    }
    dot2 = memchr(dot1 + 1, '.', token_len - (apr_size_t)(dot1 + 1 - token));
    if (!dot2) {
        return APPROOV_MALFORMED;
    }
    sig = dot2 + 1;
    header_len = (apr_size_t)(dot1 - token);
    payload_len = (apr_size_t)(dot2 - dot1 - 1);
    sig_len = token_len - (apr_size_t)(sig - token);
    if (memchr(sig, '.', sig_len) || header_len == 0 || payload_len == 0
        || sig_len == 0) {
        return APPROOV_MALFORMED;
    }

    /* Decoded header, then decoded payload, in one allocation.  Both
     * segments (and the signature's, below) are checked as base64url
     * before any signature work, so a bad byte anywhere is MALFORMED. */
    buf = apr_palloc(p, header_len / 4 * 3 + 3 + payload_len / 4 * 3 + 3);
    payload = buf + header_len / 4 * 3 + 3;
    payload_n = approov_b64url_decode(payload, dot1 + 1, payload_len);
    if (payload_n < 0) {
        return APPROOV_MALFORMED;
    }

    /* Header: strict JSON object, no crit, no key of its own. */
    n = approov_b64url_decode(buf, token, header_len);
    if (n < 0) {
        return APPROOV_MALFORMED;
    }
    out->header = approov_json_parse_object(p, buf, (apr_size_t)n);
    if (!out->header) {
        return APPROOV_BAD_HEADER;
    }
    /* One walk over the members: alg, kid, and what is refused. */
    alg_item = kid = NULL;
    for (member = out->header->child; member; member = member->next) {
        const char *name = member->string;

        if (strcmp(name, "alg") == 0) {
            alg_item = member;
        }
        else if (strcmp(name, "kid") == 0) {
            if (!cJSON_IsString(member)) {
                return APPROOV_BAD_HEADER;
            }
            kid = member;
        }
        else if (is_refused_header_member(name)) {
            return APPROOV_BAD_HEADER;
        }
    }

    /* The algorithm is the selected key's: the token's alg must name one
     * the key accepts, never the other way round. */
    if (!cJSON_IsString(alg_item)) {
        return APPROOV_BAD_ALG;
    }
    if ((result = select_key(keys, nkeys, kid, &key)) != APPROOV_VALID) {
        return result;
    }
    alg = approov_alg_from_name(alg_item->valuestring);
    if (!approov_key_accepts(key, alg)) {
        return APPROOV_BAD_ALG;
    }

    /* Signature, then only a verified payload is parsed.  The segment is
     * decoded whatever its length (bounded by the token's), so a bad byte
     * is MALFORMED and a wrong length is left to the key to judge. */
    sig_bytes = apr_palloc(p, sig_len / 4 * 3 + 3);
    n = approov_b64url_decode(sig_bytes, sig, sig_len);
    if (n < 0) {
        return APPROOV_MALFORMED;
    }
    result = approov_key_verify(key, alg, token, header_len + 1 + payload_len,
                                sig_bytes, (apr_size_t)n);
    if (result != APPROOV_VALID) {
        return result;
    }

    out->claims = approov_json_parse_object(p, payload, (apr_size_t)payload_n);
    if (!out->claims) {
        return APPROOV_BAD_PAYLOAD;
    }

    exp_item = nbf_item = NULL;
    for (member = out->claims->child; member; member = member->next) {
        if (strcmp(member->string, "exp") == 0) {
            exp_item = member;
        }
        else if (strcmp(member->string, "nbf") == 0) {
            nbf_item = member;
        }
    }
    found = claim_time(exp_item, &exp);
    if (found <= 0) {
        return APPROOV_BAD_EXP;
    }
    out->exp = exp;
    found = claim_time(nbf_item, &out->nbf);
    if (found < 0) {
        return APPROOV_BAD_NBF;
    }
    out->has_nbf = found;
    return approov_check_time(out, leeway_seconds, now);
}

int approov_equal_ct(const void *a, const void *b, apr_size_t len)
{
    const unsigned char *x = a, *y = b;
    apr_uint64_t diff = 0, wx, wy;
    apr_size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        memcpy(&wx, x + i, 8);
        memcpy(&wy, y + i, 8);
        diff |= wx ^ wy;
    }
    for (; i < len; i++) {
        diff |= (apr_uint64_t)(x[i] ^ y[i]);
    }
    /* 1 when diff is 0, without a branch on it. */
    return (int)((((diff | (0 - diff)) >> 63) ^ 1) & 1);
}

approov_result_e approov_check_time(const approov_token_t *token,
                                    apr_int64_t leeway_seconds,
                                    apr_time_t now)
{
    double now_us = (double)now, leeway = (double)leeway_seconds;

    /* Compared in microseconds as doubles: exact for any realistic time,
     * and fractional exp values keep their meaning. */
    if (!(now_us < (token->exp + leeway) * (double)APR_USEC_PER_SEC)) {
        return APPROOV_EXPIRED;
    }
    if (token->has_nbf
        && !((token->nbf - leeway) * (double)APR_USEC_PER_SEC <= now_us)) {
        return APPROOV_NOT_YET_VALID;
    }
    return APPROOV_VALID;
}

approov_result_e approov_verify(apr_pool_t *p, const char *token,
                                apr_size_t token_len,
                                const approov_key_t *key,
                                apr_int64_t leeway_seconds, apr_time_t now,
                                approov_token_t *out)
{
    return approov_verify_keys(p, token, token_len, key ? &key : NULL,
                               key ? 1 : 0, leeway_seconds, now, out);
}

/* ------------------------------------------------------------------ */
/* signing (tools and tests)                                           */

apr_size_t approov_b64url_encode(char *dst, const unsigned char *src,
                                 apr_size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *d = dst;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *d++ = alphabet[src[i] >> 2];
        *d++ = alphabet[((src[i] & 3) << 4) | (src[i + 1] >> 4)];
        *d++ = alphabet[((src[i + 1] & 15) << 2) | (src[i + 2] >> 6)];
        *d++ = alphabet[src[i + 2] & 63];
    }
    if (len - i == 1) {
        *d++ = alphabet[src[i] >> 2];
        *d++ = alphabet[(src[i] & 3) << 4];
    }
    else if (len - i == 2) {
        *d++ = alphabet[src[i] >> 2];
        *d++ = alphabet[((src[i] & 3) << 4) | (src[i + 1] >> 4)];
        *d++ = alphabet[(src[i + 1] & 15) << 2];
    }
    *d = '\0';
    return (apr_size_t)(d - dst);
}

const char *approov_sign(apr_pool_t *p, const approov_key_t *key,
                         const char *header_json, apr_size_t header_len,
                         const char *payload_json, apr_size_t payload_len)
{
    apr_size_t size = (header_len + 2) / 3 * 4 + (payload_len + 2) / 3 * 4
                      + (64 + 2) / 3 * 4 + 3;
    char *token = apr_palloc(p, size), *t = token;
    unsigned char mac[64];
    apr_size_t mac_len;

    t += approov_b64url_encode(t, (const unsigned char *)header_json,
                               header_len);
    *t++ = '.';
    t += approov_b64url_encode(t, (const unsigned char *)payload_json,
                               payload_len);
    mac_len = approov_key_mac(key, token, (apr_size_t)(t - token), mac);
    if (!mac_len) {
        return NULL;
    }
    *t++ = '.';
    approov_b64url_encode(t, mac, mac_len);
    return token;
}

/* ------------------------------------------------------------------ */
/* token binding                                                       */

void approov_binding_hash(const char *const *values, int count,
                          char out[APPROOV_PAY_LEN + 1])
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char digest[SHA256_DIGEST_LENGTH + 1];
    SHA256_CTX ctx;
    int i, o;

    SHA256_Init(&ctx);
    for (i = 0; i < count; i++) {
        SHA256_Update(&ctx, values[i], strlen(values[i]));
    }
    SHA256_Final(digest, &ctx);
    digest[SHA256_DIGEST_LENGTH] = 0;

    /* 32 bytes: ten full quanta, then two bytes and one '='. */
    for (i = 0, o = 0; i < 33; i += 3) {
        unsigned long v = ((unsigned long)digest[i] << 16)
                          | ((unsigned long)digest[i + 1] << 8)
                          | digest[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    out[APPROOV_PAY_LEN - 1] = '=';
    out[APPROOV_PAY_LEN] = '\0';
}

approov_result_e approov_check_binding(const approov_token_t *token,
                                       const char *const *values, int count,
                                       int optional)
{
    const cJSON *pay = cJSON_GetObjectItemCaseSensitive(token->claims, "pay");
    char expected[APPROOV_PAY_LEN + 1];
    int i;

    if (!pay && optional) {
        return APPROOV_VALID;
    }
    for (i = 0; i < count; i++) {
        if (!values[i] || !*values[i]) {
            return APPROOV_NO_BINDING_HEADER;
        }
    }
    if (!pay) {
        return APPROOV_NO_PAY;
    }
    if (!cJSON_IsString(pay)) {
        return APPROOV_BAD_PAY;
    }
    approov_binding_hash(values, count, expected);
    if (strlen(pay->valuestring) != APPROOV_PAY_LEN
        || CRYPTO_memcmp(expected, pay->valuestring, APPROOV_PAY_LEN) != 0) {
        return APPROOV_PAY_MISMATCH;
    }
    return APPROOV_VALID;
}

/* ------------------------------------------------------------------ */
/* dotenv files                                                        */

#define ENV_FILE_MAX (64 * 1024)

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse one non-comment line [s, e) into name and value.  Returns NULL on
 * success or a short description of what is wrong. */
static const char *parse_env_line(apr_pool_t *p, const char *s, const char *e,
                                  const char **name, apr_size_t *name_len,
                                  const char **value)
{
    const char *n, *v, *close;

    if ((apr_size_t)(e - s) > 7 && memcmp(s, "export", 6) == 0
        && is_blank(s[6])) {
        s += 7;
        while (s < e && is_blank(*s)) s++;
    }
    n = s;
    while (s < e && (apr_isalnum(*s) || *s == '_')) s++;
    if (s == n) {
        return "expected NAME=VALUE";
    }
    *name = n;
    *name_len = (apr_size_t)(s - n);
    while (s < e && is_blank(*s)) s++;
    if (s >= e || *s != '=') {
        return "expected NAME=VALUE";
    }
    s++;
    while (s < e && is_blank(*s)) s++;
    while (e > s && is_blank(e[-1])) e--;

    if (s < e && (*s == '"' || *s == '\'')) {
        close = memchr(s + 1, *s, (apr_size_t)(e - s - 1));
        if (!close) {
            return "unterminated quote";
        }
        v = s + 1;
        *value = apr_pstrmemdup(p, v, (apr_size_t)(close - v));
        for (s = close + 1; s < e && is_blank(*s); s++);
        if (s < e && *s != '#') {
            return "text after the closing quote";
        }
        return NULL;
    }
    /* Unquoted: an inline comment starts at " #". */
    for (v = s; v < e; v++) {
        if (*v == '#' && v > s && is_blank(v[-1])) {
            e = v;
            while (e > s && is_blank(e[-1])) e--;
            break;
        }
    }
    *value = apr_pstrmemdup(p, s, (apr_size_t)(e - s));
    return NULL;
}

const char *approov_env_lookup(apr_pool_t *p, const char *text,
                               apr_size_t len, const char *name,
                               const char **value)
{
    const char *s = text, *end = text + len, *eol, *e;
    const char *line_name, *line_value, *err;
    apr_size_t want = strlen(name), line_name_len;
    int line = 0, found = 0;

    *value = NULL;
    while (s < end) {
        line++;
        eol = memchr(s, '\n', (apr_size_t)(end - s));
        e = eol ? eol : end;
        if (e > s && e[-1] == '\r') {
            e--;
        }
        while (s < e && is_blank(*s)) s++;
        if (s < e && *s != '#') {
            if (memchr(s, '\0', (apr_size_t)(e - s))) {
                return apr_psprintf(p, "line %d: NUL byte", line);
            }
            err = parse_env_line(p, s, e, &line_name, &line_name_len,
                                 &line_value);
            if (err) {
                return apr_psprintf(p, "line %d: %s", line, err);
            }
            if (line_name_len == want
                && memcmp(line_name, name, want) == 0) {
                if (found++) {
                    return apr_psprintf(p, "line %d: %s is set twice", line,
                                        name);
                }
                *value = line_value;
            }
        }
        s = eol ? eol + 1 : end;
    }
    if (!found) {
        return apr_psprintf(p, "%s is not set", name);
    }
    return NULL;
}

const char *approov_read_file(apr_pool_t *p, const char *path,
                              apr_size_t max, char **text, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t finfo;
    apr_status_t rv;
    char errbuf[128];

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "cannot open %s: %s", path,
                            apr_strerror(rv, errbuf, sizeof(errbuf)));
    }
    rv = apr_file_info_get(&finfo, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
    if (rv != APR_SUCCESS || finfo.filetype != APR_REG
        || finfo.size > (apr_off_t)max) {
        apr_file_close(f);
        return apr_psprintf(p, "%s is not a regular file of at most %"
                            APR_SIZE_T_FMT " bytes", path, max);
    }
    *len = (apr_size_t)finfo.size;
    *text = apr_palloc(p, *len + 1);
    rv = apr_file_read_full(f, *text, *len, len);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return apr_psprintf(p, "cannot read %s: %s", path,
                            apr_strerror(rv, errbuf, sizeof(errbuf)));
    }
    (*text)[*len] = '\0';
    return NULL;
}

const char *approov_env_file_lookup(apr_pool_t *p, const char *path,
                                    const char *name, const char **value)
{
    char *text;
    apr_size_t len;
    const char *err;

    if ((err = approov_read_file(p, path, ENV_FILE_MAX, &text, &len))) {
        return err;
    }
    err = approov_env_lookup(p, text, len, name, value);
    OPENSSL_cleanse(text, len);
    if (err) {
        return apr_psprintf(p, "%s: %s", path, err);
    }
    return NULL;
}

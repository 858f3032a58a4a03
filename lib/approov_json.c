/*
 * approov_json.c: the strict JSON checker and parser (see approov_json.h).
 */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "approov_base64.h"
#include "approov_json.h"

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

static long read_hex4(json_scan *j)
{
    long v = 0;
    int i, h;

    if (j->end - j->s < 4) {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        if ((h = approov_hex_value(j->s[i])) < 0) {
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
    return ((unsigned long)approov_hex_value(s[0]) << 12)
           | ((unsigned long)approov_hex_value(s[1]) << 8)
           | ((unsigned long)approov_hex_value(s[2]) << 4)
           | (unsigned long)approov_hex_value(s[3]);
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

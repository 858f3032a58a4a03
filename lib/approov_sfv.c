/*
 * approov_sfv.c: strict RFC 8941 structured field values (see
 * approov_sfv.h).
 *
 * Only APR here.  The parsing functions mirror RFC 8941 section 4.2 and are
 * named after its subsections; the serializers mirror section 4.1.
 */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "approov_base64.h"
#include "approov_sfv.h"

static const char *const status_names[APPROOV_SFV_STATUS_COUNT] = {
    "ok",
    "syntax",
    "too_large",
};

const char *approov_sfv_status_name(approov_sfv_status_e status)
{
    if ((int)status < 0 || status >= APPROOV_SFV_STATUS_COUNT) {
        return "unknown";
    }
    return status_names[status];
}

/* ------------------------------------------------------------------ */
/* character classes                                                   */

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_lcalpha(int c)
{
    return c >= 'a' && c <= 'z';
}

static int is_alpha(int c)
{
    return is_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

/* RFC 9110 tchar. */
static int is_tchar(int c)
{
    return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

/* The characters of a key after its first (RFC 8941 section 3.1.2). */
static int is_keychar(int c)
{
    return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.'
           || c == '*';
}

/* ------------------------------------------------------------------ */
/* parsing (RFC 8941 section 4.2)                                      */

typedef struct {
    apr_pool_t *p;
    const unsigned char *s;         /* what is left of input_string */
    const unsigned char *end;
    approov_sfv_status_e err;       /* the first failure */
} scan_t;

static int fail(scan_t *sc, approov_sfv_status_e err)
{
    if (sc->err == APPROOV_SFV_OK) {
        sc->err = err;
    }
    return 0;
}

static int more(const scan_t *sc)
{
    return sc->s < sc->end;
}

static void skip_sp(scan_t *sc)
{
    while (more(sc) && *sc->s == ' ') {
        sc->s++;
    }
}

static void skip_ows(scan_t *sc)
{
    while (more(sc) && (*sc->s == ' ' || *sc->s == '\t')) {
        sc->s++;
    }
}

/* 4.2.3.3 Parsing a Key */
static int parse_key(scan_t *sc, const char **key)
{
    const unsigned char *start = sc->s;

    if (!more(sc) || !(is_lcalpha(*sc->s) || *sc->s == '*')) {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    while (more(sc) && is_keychar(*sc->s)) {
        sc->s++;
    }
    *key = apr_pstrmemdup(sc->p, (const char *)start,
                          (apr_size_t)(sc->s - start));
    return 1;
}

/* 4.2.4 Parsing an Integer or Decimal */
static int parse_number(scan_t *sc, approov_sfv_bare_t *out)
{
    char num[24];
    int n = 0, decimal = 0, int_digits = 0, frac, i;
    apr_int64_t sign = 1, ipart = 0, fpart = 0;

    if (more(sc) && *sc->s == '-') {
        sc->s++;
        sign = -1;
    }
    if (!more(sc) || !is_digit(*sc->s)) {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    while (more(sc)) {
        int c = *sc->s;
        if (is_digit(c)) {
            num[n++] = (char)c;
        }
        else if (!decimal && c == '.') {
            if (n > 12) {
                return fail(sc, APPROOV_SFV_SYNTAX);
            }
            int_digits = n;
            num[n++] = '.';
            decimal = 1;
        }
        else {
            break;                  /* the character stays in the input */
        }
        sc->s++;
        if ((!decimal && n > 15) || (decimal && n > 16)) {
            return fail(sc, APPROOV_SFV_SYNTAX);
        }
    }
    if (!decimal) {
        for (i = 0; i < n; i++) {
            ipart = ipart * 10 + (num[i] - '0');
        }
        out->type = APPROOV_SFV_INTEGER;
        out->integer = sign * ipart;
        return 1;
    }
    if (num[n - 1] == '.') {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    frac = n - int_digits - 1;
    if (frac > 3) {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    for (i = 0; i < int_digits; i++) {
        ipart = ipart * 10 + (num[i] - '0');
    }
    for (i = int_digits + 1; i < n; i++) {
        fpart = fpart * 10 + (num[i] - '0');
    }
    for (i = frac; i < 3; i++) {
        fpart *= 10;
    }
    out->type = APPROOV_SFV_DECIMAL;
    out->integer = sign * (ipart * 1000 + fpart);
    return 1;
}

/* 4.2.5 Parsing a String.  A first pass finds the closing quote and the
 * unescaped length, so that the copy takes no more than it needs. */
static int parse_string(scan_t *sc, approov_sfv_bare_t *out)
{
    const unsigned char *s;
    apr_size_t len = 0;
    char *buf, *o;

    sc->s++;                        /* the opening DQUOTE */
    for (s = sc->s; s < sc->end; s++) {
        if (*s == '\\') {
            if (s + 1 >= sc->end || (s[1] != '"' && s[1] != '\\')) {
                return fail(sc, APPROOV_SFV_SYNTAX);
            }
            s++;
        }
        else if (*s == '"') {
            break;
        }
        else if (*s < 0x20 || *s >= 0x7F) {
            return fail(sc, APPROOV_SFV_SYNTAX);
        }
        len++;
    }
    if (s >= sc->end) {
        return fail(sc, APPROOV_SFV_SYNTAX);    /* no closing DQUOTE */
    }
    buf = o = apr_palloc(sc->p, len + 1);
    for (; sc->s < s; sc->s++) {
        if (*sc->s == '\\') {
            sc->s++;
        }
        *o++ = (char)*sc->s;
    }
    *o = '\0';
    sc->s++;                        /* the closing DQUOTE */
    out->type = APPROOV_SFV_STRING;
    out->string = buf;
    out->len = len;
    return 1;
}

/* 4.2.6 Parsing a Token */
static int parse_token(scan_t *sc, approov_sfv_bare_t *out)
{
    const unsigned char *start = sc->s;

    sc->s++;                        /* ALPHA or "*", checked by the caller */
    while (more(sc) && (is_tchar(*sc->s) || *sc->s == ':' || *sc->s == '/')) {
        sc->s++;
    }
    out->type = APPROOV_SFV_TOKEN;
    out->len = (apr_size_t)(sc->s - start);
    out->string = apr_pstrmemdup(sc->p, (const char *)start, out->len);
    return 1;
}

/* 4.2.7 Parsing a Byte Sequence */
static int parse_bytes(scan_t *sc, approov_sfv_bare_t *out)
{
    const unsigned char *start = ++sc->s, *colon;
    unsigned char *bytes;
    apr_size_t len;
    int canonical;

    colon = memchr(start, ':', (apr_size_t)(sc->end - start));
    if (!colon) {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    if (approov_b64_decode(sc->p, (const char *)start,
                               (apr_size_t)(colon - start), &bytes, &len,
                               &canonical) != 0) {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    sc->s = colon + 1;
    out->type = APPROOV_SFV_BYTES;
    out->bytes = bytes;
    out->len = len;
    out->b64_noncanonical = !canonical;
    return 1;
}

/* 4.2.8 Parsing a Boolean */
static int parse_boolean(scan_t *sc, approov_sfv_bare_t *out)
{
    sc->s++;                        /* "?" */
    if (!more(sc) || (*sc->s != '0' && *sc->s != '1')) {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    out->type = APPROOV_SFV_BOOLEAN;
    out->integer = (*sc->s == '1');
    sc->s++;
    return 1;
}

/* 4.2.3.1 Parsing a Bare Item */
static int parse_bare(scan_t *sc, approov_sfv_bare_t *out)
{
    int c;

    memset(out, 0, sizeof(*out));
    if (!more(sc)) {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    c = *sc->s;
    if (c == '-' || is_digit(c)) return parse_number(sc, out);
    if (c == '"') return parse_string(sc, out);
    if (is_alpha(c) || c == '*') return parse_token(sc, out);
    if (c == ':') return parse_bytes(sc, out);
    if (c == '?') return parse_boolean(sc, out);
    return fail(sc, APPROOV_SFV_SYNTAX);
}

/* A key and where it appeared, for find_repeats(). */
typedef struct {
    const char *key;
    int pos;
} keypos_t;

static int keypos_cmp(const void *a, const void *b)
{
    const keypos_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Repeated keys among the n elements of elts, each size bytes and starting
 * with its key (approov_sfv_param_t, approov_sfv_entry_t).  RFC 8941
 * sections 4.2.2 and 4.2.3.2: the last value wins, at the position of the
 * first.  Sorting the keys with their positions finds the repeats in
 * n log n comparisons whatever the keys; a search of the earlier keys for
 * each one would be quadratic, milliseconds at the bounds.  Sets, for the
 * first occurrence i of each key, (*count)[i] to its occurrences and
 * (*last)[i] to the position of the last one, and (*count)[i] to 0 for
 * every later occurrence.  Returns the number of later occurrences.
 */
static int find_repeats(apr_pool_t *p, const void *elts, apr_size_t size,
                        int n, int **last, int **count)
{
    keypos_t *kp;
    int i, j, repeats = 0;

    if (n < 2) {
        return 0;
    }
    kp = apr_palloc(p, sizeof(*kp) * (apr_size_t)n);
    for (i = 0; i < n; i++) {
        kp[i].key = *(const char *const *)((const char *)elts + size * i);
        kp[i].pos = i;
    }
    *last = apr_palloc(p, sizeof(int) * (apr_size_t)n);
    *count = apr_palloc(p, sizeof(int) * (apr_size_t)n);
    qsort(kp, (apr_size_t)n, sizeof(*kp), keypos_cmp);
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && strcmp(kp[j].key, kp[i].key) == 0; j++) {
            (*count)[kp[j].pos] = 0;
        }
        (*count)[kp[i].pos] = j - i;
        (*last)[kp[i].pos] = kp[j - 1].pos;
        repeats += j - i - 1;
    }
    return repeats;
}

/* 4.2.3.2 Parsing Parameters */
static int parse_params(scan_t *sc, approov_sfv_params_t *out)
{
    apr_array_header_t *arr = NULL;
    approov_sfv_param_t *param, *items;
    approov_sfv_bare_t value;
    const char *key;
    int *last, *count, n, i, o;

    memset(out, 0, sizeof(*out));
    while (more(sc) && *sc->s == ';') {
        sc->s++;
        skip_sp(sc);
        if (!parse_key(sc, &key)) {
            return 0;
        }
        memset(&value, 0, sizeof(value));
        value.type = APPROOV_SFV_BOOLEAN;
        value.integer = 1;
        if (more(sc) && *sc->s == '=') {
            sc->s++;
            if (!parse_bare(sc, &value)) {
                return 0;
            }
        }
        if (!arr) {
            arr = apr_array_make(sc->p, 4, sizeof(approov_sfv_param_t));
        }
        else if (arr->nelts >= APPROOV_SFV_MAX_PARAMS) {
            return fail(sc, APPROOV_SFV_TOO_LARGE);
        }
        param = apr_array_push(arr);
        param->key = key;
        param->value = value;
    }
    if (!arr) {
        return 1;
    }
    items = (approov_sfv_param_t *)arr->elts;
    n = arr->nelts;
    if ((out->duplicates = find_repeats(sc->p, items, sizeof(*items), n,
                                        &last, &count))) {
        /* last[i] >= i >= o: what is read here is not overwritten yet. */
        for (i = 0, o = 0; i < n; i++) {
            if (count[i]) {
                items[o].key = items[i].key;
                items[o].value = items[last[i]].value;
                o++;
            }
        }
        n = o;
    }
    out->count = n;
    out->items = items;
    return 1;
}

/* 4.2.3 Parsing an Item */
static int parse_item(scan_t *sc, approov_sfv_item_t *out)
{
    return parse_bare(sc, &out->bare) && parse_params(sc, &out->params);
}

/* 4.2.1.2 Parsing an Inner List */
static int parse_inner_list(scan_t *sc, approov_sfv_member_t *out)
{
    apr_array_header_t *arr = apr_array_make(sc->p, 4,
                                             sizeof(approov_sfv_item_t));

    sc->s++;                        /* "(" */
    while (more(sc)) {
        skip_sp(sc);
        if (!more(sc)) {
            break;
        }
        if (*sc->s == ')') {
            sc->s++;
            out->is_inner_list = 1;
            out->count = arr->nelts;
            out->items = (approov_sfv_item_t *)arr->elts;
            return parse_params(sc, &out->params);
        }
        if (arr->nelts >= APPROOV_SFV_MAX_INNER) {
            return fail(sc, APPROOV_SFV_TOO_LARGE);
        }
        if (!parse_item(sc, apr_array_push(arr))) {
            return 0;
        }
        if (!more(sc) || (*sc->s != ' ' && *sc->s != ')')) {
            return fail(sc, APPROOV_SFV_SYNTAX);
        }
    }
    return fail(sc, APPROOV_SFV_SYNTAX);  /* no closing ")" */
}

/* 4.2.1.1 Parsing an Item or Inner List */
static int parse_member(scan_t *sc, approov_sfv_member_t *out)
{
    approov_sfv_item_t item;

    memset(out, 0, sizeof(*out));
    if (more(sc) && *sc->s == '(') {
        return parse_inner_list(sc, out);
    }
    if (!parse_item(sc, &item)) {
        return 0;
    }
    out->bare = item.bare;
    out->params = item.params;
    return 1;
}

/* What comes after a List or Dictionary member: OWS, then the end, or a
 * comma, OWS and another member.  Returns 1 at the end, 2 for another
 * member, 0 on failure. */
static int member_separator(scan_t *sc)
{
    skip_ows(sc);
    if (!more(sc)) {
        return 1;
    }
    if (*sc->s++ != ',') {
        return fail(sc, APPROOV_SFV_SYNTAX);
    }
    skip_ows(sc);
    if (!more(sc)) {
        return fail(sc, APPROOV_SFV_SYNTAX);  /* trailing comma */
    }
    return 2;
}

/* Steps 1 and 2 of section 4.2: ASCII only, leading SP discarded. */
static approov_sfv_status_e begin(scan_t *sc, apr_pool_t *p,
                                  const char *text, apr_size_t len)
{
    apr_size_t i;

    sc->p = p;
    sc->err = APPROOV_SFV_OK;
    sc->s = (const unsigned char *)(text ? text : "");
    sc->end = sc->s + (text ? len : 0);
    if (len > APPROOV_SFV_MAX_INPUT) {
        return APPROOV_SFV_TOO_LARGE;
    }
    for (i = 0; i < (apr_size_t)(sc->end - sc->s); i++) {
        if (sc->s[i] >= 0x80) {
            return APPROOV_SFV_SYNTAX;
        }
    }
    skip_sp(sc);
    return APPROOV_SFV_OK;
}

/* Steps 6 to 8: trailing SP discarded, nothing else may be left. */
static approov_sfv_status_e finish(scan_t *sc, int ok)
{
    if (!ok) {
        return sc->err != APPROOV_SFV_OK ? sc->err : APPROOV_SFV_SYNTAX;
    }
    skip_sp(sc);
    return more(sc) ? APPROOV_SFV_SYNTAX : APPROOV_SFV_OK;
}

/* 4.2.1 Parsing a List */
approov_sfv_status_e approov_sfv_parse_list(apr_pool_t *p, const char *text,
                                            apr_size_t len,
                                            approov_sfv_list_t *out)
{
    apr_array_header_t *arr;
    approov_sfv_status_e st;
    scan_t sc;
    int ok = 1, sep = 2;

    memset(out, 0, sizeof(*out));
    if ((st = begin(&sc, p, text, len)) != APPROOV_SFV_OK) {
        return st;
    }
    arr = apr_array_make(p, 4, sizeof(approov_sfv_member_t));
    while (more(&sc) && sep == 2) {
        if (arr->nelts >= APPROOV_SFV_MAX_MEMBERS) {
            ok = fail(&sc, APPROOV_SFV_TOO_LARGE);
            break;
        }
        if (!parse_member(&sc, apr_array_push(arr))
            || !(sep = member_separator(&sc))) {
            ok = 0;
            break;
        }
    }
    if ((st = finish(&sc, ok)) == APPROOV_SFV_OK) {
        out->count = arr->nelts;
        out->members = (approov_sfv_member_t *)arr->elts;
    }
    return st;
}

/* 4.2.2 Parsing a Dictionary */
approov_sfv_status_e approov_sfv_parse_dict(apr_pool_t *p, const char *text,
                                            apr_size_t len,
                                            approov_sfv_dict_t *out)
{
    apr_array_header_t *arr;
    approov_sfv_entry_t *entry, *entries;
    approov_sfv_member_t member;
    approov_sfv_status_e st;
    const char *key;
    scan_t sc;
    int ok = 1, sep = 2, duplicates = 0, n, i, o, *last, *count;

    memset(out, 0, sizeof(*out));
    if ((st = begin(&sc, p, text, len)) != APPROOV_SFV_OK) {
        return st;
    }
    arr = apr_array_make(p, 4, sizeof(approov_sfv_entry_t));
    while (more(&sc) && sep == 2) {
        if (arr->nelts >= APPROOV_SFV_MAX_MEMBERS) {
            ok = fail(&sc, APPROOV_SFV_TOO_LARGE);
            break;
        }
        if (!parse_key(&sc, &key)) {
            ok = 0;
            break;
        }
        if (more(&sc) && *sc.s == '=') {
            sc.s++;
            ok = parse_member(&sc, &member);
        }
        else {
            /* No value: Boolean true, with parameters. */
            memset(&member, 0, sizeof(member));
            member.bare.type = APPROOV_SFV_BOOLEAN;
            member.bare.integer = 1;
            ok = parse_params(&sc, &member.params);
        }
        if (!ok) {
            break;
        }
        entry = apr_array_push(arr);
        entry->key = key;
        entry->value = member;
        entry->occurrences = 1;
        if (!(sep = member_separator(&sc))) {
            ok = 0;
            break;
        }
    }
    if ((st = finish(&sc, ok)) != APPROOV_SFV_OK) {
        return st;
    }
    entries = (approov_sfv_entry_t *)arr->elts;
    n = arr->nelts;
    if ((duplicates = find_repeats(p, entries, sizeof(*entries), n, &last,
                                   &count))) {
        /* As in parse_params(). */
        for (i = 0, o = 0; i < n; i++) {
            if (count[i]) {
                entries[o].key = entries[i].key;
                entries[o].value = entries[last[i]].value;
                entries[o].occurrences = count[i];
                o++;
            }
        }
        n = o;
    }
    out->count = n;
    out->duplicates = duplicates;
    out->entries = entries;
    return st;
}

/* 4.2 with field_type "item" */
approov_sfv_status_e approov_sfv_parse_item(apr_pool_t *p, const char *text,
                                            apr_size_t len,
                                            approov_sfv_item_t *out)
{
    approov_sfv_status_e st;
    scan_t sc;

    memset(out, 0, sizeof(*out));
    if ((st = begin(&sc, p, text, len)) != APPROOV_SFV_OK) {
        return st;
    }
    st = finish(&sc, parse_item(&sc, out));
    if (st != APPROOV_SFV_OK) {
        memset(out, 0, sizeof(*out));
    }
    return st;
}

const approov_sfv_entry_t *approov_sfv_dict_find(const approov_sfv_dict_t *d,
                                                 const char *key)
{
    int i;

    for (i = 0; i < d->count; i++) {
        if (strcmp(d->entries[i].key, key) == 0) {
            return &d->entries[i];
        }
    }
    return NULL;
}

const approov_sfv_bare_t *approov_sfv_param_find(
    const approov_sfv_params_t *params, const char *key)
{
    int i;

    for (i = 0; i < params->count; i++) {
        if (strcmp(params->items[i].key, key) == 0) {
            return &params->items[i].value;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* serialization (RFC 8941 section 4.1)                                */

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len;
    apr_size_t cap;
    int failed;
} out_t;

static void out_init(out_t *o, apr_pool_t *p)
{
    o->p = p;
    o->cap = 64;
    o->buf = apr_palloc(p, o->cap);
    o->len = 0;
    o->failed = 0;
}

static void out_mem(out_t *o, const char *s, apr_size_t n)
{
    if (o->len + n + 1 > o->cap) {
        char *nbuf;
        while (o->len + n + 1 > o->cap) {
            o->cap *= 2;
        }
        nbuf = apr_palloc(o->p, o->cap);
        memcpy(nbuf, o->buf, o->len);
        o->buf = nbuf;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_str(out_t *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

static void out_chr(out_t *o, char c)
{
    out_mem(o, &c, 1);
}

static char *out_done(out_t *o)
{
    if (o->failed) {
        return NULL;
    }
    o->buf[o->len] = '\0';
    return o->buf;
}

static void out_uint(out_t *o, apr_uint64_t v, int min_digits)
{
    char digits[24];
    int n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < min_digits);
    while (n) {
        out_chr(o, digits[--n]);
    }
}

/* 4.1.1.3 Serializing a Key */
static void ser_key(out_t *o, const char *key)
{
    const char *k;

    if (!key || !(is_lcalpha(key[0]) || key[0] == '*')) {
        o->failed = 1;
        return;
    }
    for (k = key + 1; *k; k++) {
        if (!is_keychar((unsigned char)*k)) {
            o->failed = 1;
            return;
        }
    }
    out_str(o, key);
}

static void ser_bare(out_t *o, const approov_sfv_bare_t *b)
{
    apr_size_t i;

    switch (b->type) {
    case APPROOV_SFV_INTEGER:           /* 4.1.4 */
        if (b->integer < -APPROOV_SFV_INTEGER_MAX
            || b->integer > APPROOV_SFV_INTEGER_MAX) {
            o->failed = 1;
            return;
        }
        if (b->integer < 0) {
            out_chr(o, '-');
        }
        out_uint(o, (apr_uint64_t)(b->integer < 0 ? -b->integer
                                                  : b->integer), 1);
        return;
    case APPROOV_SFV_DECIMAL: {         /* 4.1.5 */
        apr_int64_t mag = b->integer < 0 ? -b->integer : b->integer;
        apr_int64_t frac = mag % 1000;
        int digits = 3;
        if (mag / 1000 > APPROOV_SFV_DECIMAL_INT_MAX) {
            o->failed = 1;
            return;
        }
        if (b->integer < 0) {
            out_chr(o, '-');
        }
        out_uint(o, (apr_uint64_t)(mag / 1000), 1);
        out_chr(o, '.');
        /* At least one fractional digit, no trailing zeros beyond it. */
        while (digits > 1 && frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        out_uint(o, (apr_uint64_t)frac, digits);
        return;
    }
    case APPROOV_SFV_STRING:            /* 4.1.6 */
        if (!b->string) {
            o->failed = 1;
            return;
        }
        out_chr(o, '"');
        /* Runs of characters that need no escape are copied whole: the
         * component names of every signature base go through here. */
        for (i = 0; i < b->len;) {
            apr_size_t run = i;
            unsigned char c;

            while (run < b->len
                   && (c = (unsigned char)b->string[run]) >= 0x20 && c < 0x7F
                   && c != '"' && c != '\\') {
                run++;
            }
            out_mem(o, b->string + i, run - i);
            if (run == b->len) {
                break;
            }
            c = (unsigned char)b->string[run];
            if (c < 0x20 || c >= 0x7F) {
                o->failed = 1;
                return;
            }
            out_chr(o, '\\');
            out_chr(o, (char)c);
            i = run + 1;
        }
        out_chr(o, '"');
        return;
    case APPROOV_SFV_TOKEN:             /* 4.1.7 */
        if (!b->string || b->len == 0
            || !(is_alpha((unsigned char)b->string[0])
                 || b->string[0] == '*')) {
            o->failed = 1;
            return;
        }
        for (i = 1; i < b->len; i++) {
            unsigned char c = (unsigned char)b->string[i];
            if (!(is_tchar(c) || c == ':' || c == '/')) {
                o->failed = 1;
                return;
            }
        }
        out_mem(o, b->string, b->len);
        return;
    case APPROOV_SFV_BYTES:             /* 4.1.8 */
        if (!b->bytes && b->len) {
            o->failed = 1;
            return;
        }
        out_chr(o, ':');
        out_str(o, approov_b64_encode(o->p, b->bytes
                                                ? b->bytes
                                                : (const unsigned char *)"",
                                          b->len));
        out_chr(o, ':');
        return;
    case APPROOV_SFV_BOOLEAN:           /* 4.1.9 */
        if (b->integer != 0 && b->integer != 1) {
            o->failed = 1;
            return;
        }
        out_str(o, b->integer ? "?1" : "?0");
        return;
    }
    o->failed = 1;
}

static int is_true(const approov_sfv_bare_t *b)
{
    return b->type == APPROOV_SFV_BOOLEAN && b->integer == 1;
}

/* 4.1.1.2 Serializing Parameters */
static void ser_params(out_t *o, const approov_sfv_params_t *params)
{
    int i;

    if (!params) {
        return;
    }
    for (i = 0; i < params->count; i++) {
        out_chr(o, ';');
        ser_key(o, params->items[i].key);
        if (!is_true(&params->items[i].value)) {
            out_chr(o, '=');
            ser_bare(o, &params->items[i].value);
        }
    }
}

/* 4.1.1.1 Serializing an Inner List */
static void ser_inner(out_t *o, const approov_sfv_item_t *items, int count,
                      const approov_sfv_params_t *params)
{
    int i;

    out_chr(o, '(');
    for (i = 0; i < count; i++) {
        if (i) {
            out_chr(o, ' ');
        }
        ser_bare(o, &items[i].bare);
        ser_params(o, &items[i].params);
    }
    out_chr(o, ')');
    ser_params(o, params);
}

static void ser_member(out_t *o, const approov_sfv_member_t *m)
{
    if (m->is_inner_list) {
        ser_inner(o, m->items, m->count, &m->params);
    }
    else {
        ser_bare(o, &m->bare);
        ser_params(o, &m->params);
    }
}

char *approov_sfv_serialize_bare(apr_pool_t *p, const approov_sfv_bare_t *bare)
{
    out_t o;

    out_init(&o, p);
    ser_bare(&o, bare);
    return out_done(&o);
}

char *approov_sfv_serialize_params(apr_pool_t *p,
                                   const approov_sfv_params_t *params)
{
    out_t o;

    out_init(&o, p);
    ser_params(&o, params);
    return out_done(&o);
}

char *approov_sfv_serialize_item(apr_pool_t *p, const approov_sfv_bare_t *bare,
                                 const approov_sfv_params_t *params)
{
    out_t o;

    out_init(&o, p);
    ser_bare(&o, bare);
    ser_params(&o, params);
    return out_done(&o);
}

char *approov_sfv_serialize_inner_list(apr_pool_t *p,
                                       const approov_sfv_item_t *items,
                                       int count,
                                       const approov_sfv_params_t *params)
{
    out_t o;

    out_init(&o, p);
    ser_inner(&o, items, count, params);
    return out_done(&o);
}

char *approov_sfv_serialize_member(apr_pool_t *p,
                                   const approov_sfv_member_t *member)
{
    out_t o;

    out_init(&o, p);
    ser_member(&o, member);
    return out_done(&o);
}

/* 4.1.1 Serializing a List */
char *approov_sfv_serialize_list(apr_pool_t *p, const approov_sfv_list_t *list)
{
    out_t o;
    int i;

    out_init(&o, p);
    for (i = 0; i < list->count; i++) {
        if (i) {
            out_str(&o, ", ");
        }
        ser_member(&o, &list->members[i]);
    }
    return out_done(&o);
}

/* 4.1.2 Serializing a Dictionary */
char *approov_sfv_serialize_dict(apr_pool_t *p, const approov_sfv_dict_t *dict)
{
    out_t o;
    int i;

    out_init(&o, p);
    for (i = 0; i < dict->count; i++) {
        const approov_sfv_member_t *m = &dict->entries[i].value;
        if (i) {
            out_str(&o, ", ");
        }
        ser_key(&o, dict->entries[i].key);
        if (!m->is_inner_list && is_true(&m->bare)) {
            ser_params(&o, &m->params);
        }
        else {
            out_chr(&o, '=');
            ser_member(&o, m);
        }
    }
    return out_done(&o);
}

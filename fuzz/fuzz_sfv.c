/*
 * fuzz_sfv: the structured-field parser and serializer (approov_sfv.c,
 * RFC 8941), on the raw input as a field value.  No selector byte: the
 * input is parsed as a List, a Dictionary and an Item in turn, and given to
 * approov_b64_decode() as base64 text.
 *
 * Invariants, for each of the three types:
 *  - the status is ok, syntax or too_large; too_large exactly when the input
 *    is over APPROOV_SFV_MAX_INPUT bytes or a bound is crossed, syntax for
 *    any byte >= 0x80; on failure the output is empty;
 *  - a parsed structure is within the bounds (members, Inner List items,
 *    parameters), has no key twice (Dictionary, each parameter list) and
 *    occurrences that add up to count + duplicates;
 *  - a reference serializer written here from RFC 8941 section 4.1 (its
 *    own character checks, OpenSSL's base64) accepts every value the parser
 *    gives and writes byte for byte what approov_sfv_serialize_*() writes;
 *  - round trip: parse(serialize(x)) succeeds with a structure equal to x
 *    (canonical base64 then, no repeats), and serializing that gives the
 *    same bytes again (when the serialization still fits the input cap;
 *    when it does not, the reparse is too_large);
 *  - combining: a List or Dictionary given twice, "T,T", parses to the
 *    members twice (a List) or the same entries with every occurrence
 *    doubled (a Dictionary), or too_large exactly when that crosses the
 *    members bound or the input cap (RFC 8941 section 4.2: field lines are
 *    combined with commas);
 *  - repeated keys: the serialization followed by every key again in
 *    reverse order, each with the value of the next key, parses to the same
 *    keys in the same order with those values ("last one wins, at the
 *    first position"), one repeat per key, for Dictionaries and for the
 *    parameters of an Item; too_large past the bounds;
 *  - approov_b64_decode() accepts exactly what a reference (OpenSSL
 *    EVP_DecodeBlock behind the RFC 8941 section 3.3.5 leniency: padding
 *    absent or exact) accepts, with the same bytes, and calls canonical
 *    exactly the text that OpenSSL's encoder writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "approov_base64.h"
#include "approov_sfv.h"
#include "fuzz_common.h"

/* ------------------------------------------------------------------ */
/* a growing buffer                                                    */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void put(buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(buf_t *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putc_(buf_t *b, char c)
{
    put(b, &c, 1);
}

/* ------------------------------------------------------------------ */
/* reference serializer (RFC 8941 section 4.1)                         */

static int ref_lcalpha(int c)
{
    return c >= 'a' && c <= 'z';
}

static int ref_alpha(int c)
{
    return ref_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

static int ref_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* RFC 9110 section 5.6.2 tchar, spelled out. */
static int ref_tchar(int c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    size_t i;

    if (ref_alpha(c) || ref_digit(c)) return 1;
    for (i = 0; i < sizeof(extra) - 1; i++) {
        if (c == extra[i]) return 1;
    }
    return 0;
}

static void ref_key(buf_t *b, const char *key)
{
    size_t i, n;

    FUZZ_CHECK(key != NULL, "a NULL key");
    n = strlen(key);
    FUZZ_CHECK(n > 0 && (ref_lcalpha((unsigned char)key[0]) || key[0] == '*'),
               "key [%s] does not start with lcalpha or *", key);
    for (i = 1; i < n; i++) {
        int c = (unsigned char)key[i];
        FUZZ_CHECK(ref_lcalpha(c) || ref_digit(c) || c == '_' || c == '-'
                   || c == '.' || c == '*', "key [%s]: byte 0x%02x", key, c);
    }
    put(b, key, n);
}

static void ref_bare(buf_t *b, const approov_sfv_bare_t *v)
{
    char num[64];
    size_t i;

    switch (v->type) {
    case APPROOV_SFV_INTEGER:
        FUZZ_CHECK(v->integer >= -999999999999999LL
                   && v->integer <= 999999999999999LL,
                   "integer %lld out of range", (long long)v->integer);
        snprintf(num, sizeof(num), "%lld", (long long)v->integer);
        puts_(b, num);
        return;
    case APPROOV_SFV_DECIMAL: {
        long long t = v->integer, mag = t < 0 ? -t : t;
        size_t n;
        FUZZ_CHECK(mag / 1000 <= 999999999999LL, "decimal %lld/1000 out of "
                   "range", t);
        /* Three decimals, then trailing zeros dropped but one. */
        n = (size_t)snprintf(num, sizeof(num), "%s%lld.%03lld",
                             t < 0 ? "-" : "", mag / 1000, mag % 1000);
        while (num[n - 1] == '0' && num[n - 2] != '.') {
            num[--n] = '\0';
        }
        puts_(b, num);
        return;
    }
    case APPROOV_SFV_STRING:
        FUZZ_CHECK(v->string && strlen(v->string) == v->len,
                   "string length %zu, strlen differs", (size_t)v->len);
        putc_(b, '"');
        for (i = 0; i < v->len; i++) {
            int c = (unsigned char)v->string[i];
            FUZZ_CHECK(c >= 0x20 && c <= 0x7e, "string byte 0x%02x", c);
            if (c == '"' || c == '\\') putc_(b, '\\');
            putc_(b, (char)c);
        }
        putc_(b, '"');
        return;
    case APPROOV_SFV_TOKEN:
        FUZZ_CHECK(v->string && v->len > 0 && strlen(v->string) == v->len,
                   "token of length %zu", (size_t)v->len);
        FUZZ_CHECK(ref_alpha((unsigned char)v->string[0])
                   || v->string[0] == '*', "token [%s] starts badly",
                   v->string);
        for (i = 1; i < v->len; i++) {
            int c = (unsigned char)v->string[i];
            FUZZ_CHECK(ref_tchar(c) || c == ':' || c == '/',
                       "token [%s]: byte 0x%02x", v->string, c);
        }
        put(b, v->string, v->len);
        return;
    case APPROOV_SFV_BYTES: {
        char *enc = malloc((v->len + 2) / 3 * 4 + 1);
        int n;
        if (!enc) abort();
        FUZZ_CHECK(v->bytes != NULL || v->len == 0, "bytes NULL");
        n = EVP_EncodeBlock((unsigned char *)enc,
                            v->bytes ? v->bytes : (const unsigned char *)"",
                            (int)v->len);
        putc_(b, ':');
        put(b, enc, (size_t)n);
        putc_(b, ':');
        free(enc);
        return;
    }
    case APPROOV_SFV_BOOLEAN:
        FUZZ_CHECK(v->integer == 0 || v->integer == 1, "boolean %lld",
                   (long long)v->integer);
        puts_(b, v->integer ? "?1" : "?0");
        return;
    }
    FUZZ_CHECK(0, "bare item of type %d", (int)v->type);
}

static int ref_is_true(const approov_sfv_bare_t *v)
{
    return v->type == APPROOV_SFV_BOOLEAN && v->integer == 1;
}

static void ref_params(buf_t *b, const approov_sfv_params_t *ps)
{
    int i;

    FUZZ_CHECK(ps->count >= 0 && ps->count <= APPROOV_SFV_MAX_PARAMS,
               "%d parameters", ps->count);
    FUZZ_CHECK(ps->count == 0 || ps->items, "parameters without items");
    for (i = 0; i < ps->count; i++) {
        putc_(b, ';');
        ref_key(b, ps->items[i].key);
        if (!ref_is_true(&ps->items[i].value)) {
            putc_(b, '=');
            ref_bare(b, &ps->items[i].value);
        }
    }
}

static void ref_member(buf_t *b, const approov_sfv_member_t *m)
{
    int i;

    if (!m->is_inner_list) {
        ref_bare(b, &m->bare);
        ref_params(b, &m->params);
        return;
    }
    FUZZ_CHECK(m->count >= 0 && m->count <= APPROOV_SFV_MAX_INNER,
               "inner list of %d items", m->count);
    putc_(b, '(');
    for (i = 0; i < m->count; i++) {
        if (i) putc_(b, ' ');
        ref_bare(b, &m->items[i].bare);
        ref_params(b, &m->items[i].params);
    }
    putc_(b, ')');
    ref_params(b, &m->params);
}

static void ref_dict_member(buf_t *b, const char *key,
                            const approov_sfv_member_t *m)
{
    ref_key(b, key);
    if (!m->is_inner_list && ref_is_true(&m->bare)) {
        ref_params(b, &m->params);
    }
    else {
        putc_(b, '=');
        ref_member(b, m);
    }
}

static void ref_list(buf_t *b, const approov_sfv_list_t *l)
{
    int i;

    for (i = 0; i < l->count; i++) {
        if (i) puts_(b, ", ");
        ref_member(b, &l->members[i]);
    }
}

static void ref_dict(buf_t *b, const approov_sfv_dict_t *d)
{
    int i;

    for (i = 0; i < d->count; i++) {
        if (i) puts_(b, ", ");
        ref_dict_member(b, d->entries[i].key, &d->entries[i].value);
    }
}

/* ------------------------------------------------------------------ */
/* structural equality and shape checks                                */

static int bare_eq(const approov_sfv_bare_t *a, const approov_sfv_bare_t *b)
{
    if (a->type != b->type) return 0;
    switch (a->type) {
    case APPROOV_SFV_INTEGER:
    case APPROOV_SFV_DECIMAL:
    case APPROOV_SFV_BOOLEAN:
        return a->integer == b->integer;
    case APPROOV_SFV_STRING:
    case APPROOV_SFV_TOKEN:
        return a->len == b->len && memcmp(a->string, b->string, a->len) == 0;
    case APPROOV_SFV_BYTES:
        return a->len == b->len
               && (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0);
    }
    return 0;
}

static int params_eq(const approov_sfv_params_t *a,
                     const approov_sfv_params_t *b)
{
    int i;

    if (a->count != b->count) return 0;
    for (i = 0; i < a->count; i++) {
        if (strcmp(a->items[i].key, b->items[i].key) != 0
            || !bare_eq(&a->items[i].value, &b->items[i].value)) {
            return 0;
        }
    }
    return 1;
}

static int member_eq(const approov_sfv_member_t *a,
                     const approov_sfv_member_t *b)
{
    int i;

    if (a->is_inner_list != b->is_inner_list
        || !params_eq(&a->params, &b->params)) {
        return 0;
    }
    if (!a->is_inner_list) {
        return bare_eq(&a->bare, &b->bare);
    }
    if (a->count != b->count) return 0;
    for (i = 0; i < a->count; i++) {
        if (!bare_eq(&a->items[i].bare, &b->items[i].bare)
            || !params_eq(&a->items[i].params, &b->items[i].params)) {
            return 0;
        }
    }
    return 1;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* No key twice among n (sorted copies, so 1024 keys stay cheap). */
static void check_distinct(const char *const *keys, int n, const char *what)
{
    const char **copy;
    int i;

    if (n < 2) return;
    copy = malloc(sizeof(*copy) * (size_t)n);
    if (!copy) abort();
    memcpy(copy, keys, sizeof(*copy) * (size_t)n);
    qsort(copy, (size_t)n, sizeof(*copy), key_cmp);
    for (i = 1; i < n; i++) {
        FUZZ_CHECK(strcmp(copy[i - 1], copy[i]) != 0, "%s: key [%s] twice",
                   what, copy[i]);
    }
    free(copy);
}

static void check_params_keys(const approov_sfv_params_t *ps)
{
    const char **keys;
    int i;

    if (ps->count < 2) return;
    keys = malloc(sizeof(*keys) * (size_t)ps->count);
    if (!keys) abort();
    for (i = 0; i < ps->count; i++) keys[i] = ps->items[i].key;
    check_distinct(keys, ps->count, "parameters");
    free(keys);
}

/* Every Byte Sequence of a reparsed canonical text is canonical, and
 * every parameter list has distinct keys. */
static void check_bare_shape(const approov_sfv_bare_t *v, int canonical)
{
    if (canonical && v->type == APPROOV_SFV_BYTES) {
        FUZZ_CHECK(!v->b64_noncanonical, "canonical base64 said not to be");
    }
}

static void check_member_shape(const approov_sfv_member_t *m, int canonical)
{
    int i;

    check_params_keys(&m->params);
    if (canonical) {
        FUZZ_CHECK(m->params.duplicates == 0, "repeats in a canonical text");
    }
    for (i = 0; i < m->params.count; i++) {
        check_bare_shape(&m->params.items[i].value, canonical);
    }
    if (!m->is_inner_list) {
        check_bare_shape(&m->bare, canonical);
        return;
    }
    for (i = 0; i < m->count; i++) {
        int j;
        check_bare_shape(&m->items[i].bare, canonical);
        check_params_keys(&m->items[i].params);
        if (canonical) {
            FUZZ_CHECK(m->items[i].params.duplicates == 0,
                       "repeats in a canonical text");
        }
        for (j = 0; j < m->items[i].params.count; j++) {
            check_bare_shape(&m->items[i].params.items[j].value, canonical);
        }
    }
}

static void check_dict_shape(const approov_sfv_dict_t *d, int canonical)
{
    const char **keys;
    int i, occurrences = 0;

    FUZZ_CHECK(d->count >= 0 && d->count <= APPROOV_SFV_MAX_MEMBERS,
               "dictionary of %d", d->count);
    FUZZ_CHECK(d->count == 0 || d->entries, "entries NULL");
    keys = malloc(sizeof(*keys) * (size_t)(d->count + 1));
    if (!keys) abort();
    for (i = 0; i < d->count; i++) {
        FUZZ_CHECK(d->entries[i].occurrences >= 1, "occurrences %d",
                   d->entries[i].occurrences);
        occurrences += d->entries[i].occurrences;
        keys[i] = d->entries[i].key;
        check_member_shape(&d->entries[i].value, canonical);
    }
    check_distinct(keys, d->count, "dictionary");
    free(keys);
    FUZZ_CHECK(occurrences == d->count + d->duplicates,
               "occurrences %d, count %d, duplicates %d", occurrences,
               d->count, d->duplicates);
    FUZZ_CHECK(d->count + d->duplicates <= APPROOV_SFV_MAX_MEMBERS,
               "%d members in all", d->count + d->duplicates);
    if (canonical) {
        FUZZ_CHECK(d->duplicates == 0, "repeats in a canonical text");
    }
}

static void check_list_shape(const approov_sfv_list_t *l, int canonical)
{
    int i;

    FUZZ_CHECK(l->count >= 0 && l->count <= APPROOV_SFV_MAX_MEMBERS,
               "list of %d", l->count);
    FUZZ_CHECK(l->count == 0 || l->members, "members NULL");
    for (i = 0; i < l->count; i++) {
        check_member_shape(&l->members[i], canonical);
    }
}

/* ------------------------------------------------------------------ */
/* the three types                                                     */

static int has_high_byte(const uint8_t *data, size_t size)
{
    size_t i;

    for (i = 0; i < size; i++) {
        if (data[i] >= 0x80) return 1;
    }
    return 0;
}

/* What a failed parse must be, given the input alone; -1 if either. */
static int expected_failure(const uint8_t *data, size_t size)
{
    if (size > APPROOV_SFV_MAX_INPUT) return APPROOV_SFV_TOO_LARGE;
    if (has_high_byte(data, size)) return APPROOV_SFV_SYNTAX;
    return -1;
}

static void check_status(approov_sfv_status_e st, const uint8_t *data,
                         size_t size, const char *what)
{
    int want = expected_failure(data, size);

    FUZZ_CHECK(st == APPROOV_SFV_OK || st == APPROOV_SFV_SYNTAX
               || st == APPROOV_SFV_TOO_LARGE, "%s: status %d", what, (int)st);
    FUZZ_CHECK(want < 0 || (int)st == want, "%s: %s, want %s", what,
               approov_sfv_status_name(st),
               approov_sfv_status_name((approov_sfv_status_e)want));
}

/* The status a parse of a text of len bytes must have when its parsed form
 * has raw members (repeats counted) and the text is otherwise valid. */
static approov_sfv_status_e bounded(size_t len, int raw, int max)
{
    return len > APPROOV_SFV_MAX_INPUT || raw > max ? APPROOV_SFV_TOO_LARGE
                                                     : APPROOV_SFV_OK;
}

static void fuzz_list(apr_pool_t *p, const uint8_t *data, size_t size)
{
    approov_sfv_list_t l, l2, l3;
    approov_sfv_status_e st;
    buf_t ref = { 0 }, twice = { 0 };
    char *ser, *ser2;
    int i;

    st = approov_sfv_parse_list(p, (const char *)data, size, &l);
    check_status(st, data, size, "list");
    if (st != APPROOV_SFV_OK) {
        FUZZ_CHECK(l.count == 0 && l.members == NULL, "failed list not empty");
        return;
    }
    check_list_shape(&l, 0);
    puts_(&ref, "");
    ref_list(&ref, &l);
    ser = approov_sfv_serialize_list(p, &l);
    FUZZ_CHECK(ser && strcmp(ser, ref.p) == 0, "list serializations:\n"
               "  core [%s]\n  ref  [%s]", ser ? ser : "(null)", ref.p);
    st = approov_sfv_parse_list(p, ser, strlen(ser), &l2);
    if (strlen(ser) > APPROOV_SFV_MAX_INPUT) {
        FUZZ_CHECK(st == APPROOV_SFV_TOO_LARGE, "list reparse of %zu bytes: "
                   "%s", strlen(ser), approov_sfv_status_name(st));
    }
    else {
        FUZZ_CHECK(st == APPROOV_SFV_OK, "list [%s] does not reparse: %s",
                   ser, approov_sfv_status_name(st));
        check_list_shape(&l2, 1);
        FUZZ_CHECK(l2.count == l.count, "list reparse: %d members, not %d",
                   l2.count, l.count);
        for (i = 0; i < l.count; i++) {
            FUZZ_CHECK(member_eq(&l.members[i], &l2.members[i]),
                       "list reparse: member %d differs", i);
        }
        ser2 = approov_sfv_serialize_list(p, &l2);
        FUZZ_CHECK(ser2 && strcmp(ser, ser2) == 0, "list serialization not "
                   "stable: [%s] then [%s]", ser, ser2 ? ser2 : "(null)");
    }

    /* The field given twice, as two field lines combined. */
    if (l.count > 0) {
        put(&twice, (const char *)data, size);
        putc_(&twice, ',');
        put(&twice, (const char *)data, size);
        st = approov_sfv_parse_list(p, twice.p, twice.len, &l3);
        FUZZ_CHECK(st == bounded(twice.len, 2 * l.count,
                                 APPROOV_SFV_MAX_MEMBERS),
                   "list twice (%d members, %zu bytes): %s", 2 * l.count,
                   twice.len, approov_sfv_status_name(st));
        if (st == APPROOV_SFV_OK) {
            FUZZ_CHECK(l3.count == 2 * l.count, "list twice: %d members",
                       l3.count);
            for (i = 0; i < l3.count; i++) {
                FUZZ_CHECK(member_eq(&l3.members[i], &l.members[i % l.count]),
                           "list twice: member %d differs", i);
            }
        }
    }
    free(ref.p);
    free(twice.p);
}

static void fuzz_dict(apr_pool_t *p, const uint8_t *data, size_t size)
{
    approov_sfv_dict_t d, d2, d3;
    approov_sfv_status_e st;
    buf_t ref = { 0 }, twice = { 0 }, again = { 0 };
    char *ser, *ser2;
    int i, n;

    st = approov_sfv_parse_dict(p, (const char *)data, size, &d);
    check_status(st, data, size, "dict");
    if (st != APPROOV_SFV_OK) {
        FUZZ_CHECK(d.count == 0 && d.entries == NULL && d.duplicates == 0,
                   "failed dictionary not empty");
        return;
    }
    check_dict_shape(&d, 0);
    n = d.count;
    puts_(&ref, "");
    ref_dict(&ref, &d);
    ser = approov_sfv_serialize_dict(p, &d);
    FUZZ_CHECK(ser && strcmp(ser, ref.p) == 0, "dict serializations:\n"
               "  core [%s]\n  ref  [%s]", ser ? ser : "(null)", ref.p);
    st = approov_sfv_parse_dict(p, ser, strlen(ser), &d2);
    if (strlen(ser) > APPROOV_SFV_MAX_INPUT) {
        FUZZ_CHECK(st == APPROOV_SFV_TOO_LARGE, "dict reparse of %zu bytes: "
                   "%s", strlen(ser), approov_sfv_status_name(st));
    }
    else {
        FUZZ_CHECK(st == APPROOV_SFV_OK, "dict [%s] does not reparse: %s",
                   ser, approov_sfv_status_name(st));
        check_dict_shape(&d2, 1);
        FUZZ_CHECK(d2.count == n, "dict reparse: %d entries, not %d",
                   d2.count, n);
        for (i = 0; i < n; i++) {
            FUZZ_CHECK(strcmp(d.entries[i].key, d2.entries[i].key) == 0
                       && member_eq(&d.entries[i].value, &d2.entries[i].value),
                       "dict reparse: entry %d (%s) differs", i,
                       d.entries[i].key);
        }
        ser2 = approov_sfv_serialize_dict(p, &d2);
        FUZZ_CHECK(ser2 && strcmp(ser, ser2) == 0, "dict serialization not "
                   "stable: [%s] then [%s]", ser, ser2 ? ser2 : "(null)");
    }
    if (n == 0) {
        goto done;
    }

    /* Twice: the same entries, each occurring twice as often. */
    put(&twice, (const char *)data, size);
    putc_(&twice, ',');
    put(&twice, (const char *)data, size);
    st = approov_sfv_parse_dict(p, twice.p, twice.len, &d3);
    FUZZ_CHECK(st == bounded(twice.len, 2 * (n + d.duplicates),
                             APPROOV_SFV_MAX_MEMBERS),
               "dict twice (%d members, %zu bytes): %s",
               2 * (n + d.duplicates), twice.len,
               approov_sfv_status_name(st));
    if (st == APPROOV_SFV_OK) {
        FUZZ_CHECK(d3.count == n && d3.duplicates == 2 * d.duplicates + n,
                   "dict twice: %d entries, %d duplicates", d3.count,
                   d3.duplicates);
        for (i = 0; i < n; i++) {
            FUZZ_CHECK(strcmp(d3.entries[i].key, d.entries[i].key) == 0
                       && member_eq(&d3.entries[i].value, &d.entries[i].value)
                       && d3.entries[i].occurrences
                          == 2 * d.entries[i].occurrences,
                       "dict twice: entry %d (%s) differs", i,
                       d.entries[i].key);
        }
    }

    /* Every key again, in reverse order, with the next key's value. */
    put(&again, ref.p, ref.len);
    for (i = n - 1; i >= 0; i--) {
        puts_(&again, ", ");
        ref_dict_member(&again, d.entries[i].key,
                        &d.entries[(i + 1) % n].value);
    }
    st = approov_sfv_parse_dict(p, again.p, again.len, &d3);
    FUZZ_CHECK(st == bounded(again.len, 2 * n, APPROOV_SFV_MAX_MEMBERS),
               "dict repeated (%d members, %zu bytes): %s", 2 * n, again.len,
               approov_sfv_status_name(st));
    if (st == APPROOV_SFV_OK) {
        FUZZ_CHECK(d3.count == n && d3.duplicates == n,
                   "dict repeated: %d entries, %d duplicates", d3.count,
                   d3.duplicates);
        for (i = 0; i < n; i++) {
            FUZZ_CHECK(strcmp(d3.entries[i].key, d.entries[i].key) == 0
                       && member_eq(&d3.entries[i].value,
                                    &d.entries[(i + 1) % n].value)
                       && d3.entries[i].occurrences == 2,
                       "dict repeated: entry %d (%s) differs", i,
                       d.entries[i].key);
        }
    }
done:
    free(ref.p);
    free(twice.p);
    free(again.p);
}

static void fuzz_item(apr_pool_t *p, const uint8_t *data, size_t size)
{
    approov_sfv_item_t it, it2, it3;
    approov_sfv_member_t m;
    approov_sfv_status_e st;
    buf_t ref = { 0 }, again = { 0 };
    char *ser, *ser2;
    int i, n;

    st = approov_sfv_parse_item(p, (const char *)data, size, &it);
    check_status(st, data, size, "item");
    if (st != APPROOV_SFV_OK) {
        FUZZ_CHECK(it.bare.type == 0 && it.params.count == 0
                   && it.params.items == NULL, "failed item not empty");
        return;
    }
    memset(&m, 0, sizeof(m));
    m.bare = it.bare;
    m.params = it.params;
    check_member_shape(&m, 0);
    puts_(&ref, "");
    ref_member(&ref, &m);
    ser = approov_sfv_serialize_item(p, &it.bare, &it.params);
    FUZZ_CHECK(ser && strcmp(ser, ref.p) == 0, "item serializations:\n"
               "  core [%s]\n  ref  [%s]", ser ? ser : "(null)", ref.p);
    st = approov_sfv_parse_item(p, ser, strlen(ser), &it2);
    if (strlen(ser) > APPROOV_SFV_MAX_INPUT) {
        FUZZ_CHECK(st == APPROOV_SFV_TOO_LARGE, "item reparse of %zu bytes: "
                   "%s", strlen(ser), approov_sfv_status_name(st));
    }
    else {
        approov_sfv_member_t m2;
        FUZZ_CHECK(st == APPROOV_SFV_OK, "item [%s] does not reparse: %s",
                   ser, approov_sfv_status_name(st));
        memset(&m2, 0, sizeof(m2));
        m2.bare = it2.bare;
        m2.params = it2.params;
        check_member_shape(&m2, 1);
        FUZZ_CHECK(member_eq(&m, &m2), "item reparse differs: [%s]", ser);
        ser2 = approov_sfv_serialize_item(p, &it2.bare, &it2.params);
        FUZZ_CHECK(ser2 && strcmp(ser, ser2) == 0, "item serialization not "
                   "stable: [%s] then [%s]", ser, ser2 ? ser2 : "(null)");
    }

    /* Every parameter again, in reverse order, with the next one's value. */
    n = it.params.count;
    if (n > 0) {
        put(&again, ref.p, ref.len);
        for (i = n - 1; i >= 0; i--) {
            const approov_sfv_bare_t *v = &it.params.items[(i + 1) % n].value;
            putc_(&again, ';');
            ref_key(&again, it.params.items[i].key);
            if (!ref_is_true(v)) {
                putc_(&again, '=');
                ref_bare(&again, v);
            }
        }
        st = approov_sfv_parse_item(p, again.p, again.len, &it3);
        FUZZ_CHECK(st == bounded(again.len, 2 * n, APPROOV_SFV_MAX_PARAMS),
                   "item repeated (%d parameters, %zu bytes): %s", 2 * n,
                   again.len, approov_sfv_status_name(st));
        if (st == APPROOV_SFV_OK) {
            FUZZ_CHECK(it3.params.count == n && it3.params.duplicates == n,
                       "item repeated: %d parameters, %d duplicates",
                       it3.params.count, it3.params.duplicates);
            for (i = 0; i < n; i++) {
                FUZZ_CHECK(strcmp(it3.params.items[i].key,
                                  it.params.items[i].key) == 0
                           && bare_eq(&it3.params.items[i].value,
                                      &it.params.items[(i + 1) % n].value),
                           "item repeated: parameter %d (%s) differs", i,
                           it.params.items[i].key);
            }
        }
    }
    free(ref.p);
    free(again.p);
}

/* ------------------------------------------------------------------ */
/* base64 (RFC 8941 section 3.3.5)                                     */

static int ref_b64_char(int c)
{
    return ref_alpha(c) || ref_digit(c) || c == '+' || c == '/';
}

static void fuzz_b64(apr_pool_t *p, const uint8_t *data, size_t size)
{
    static const int extra[4] = { 0, -1, 1, 2 };
    const char *text = (const char *)data;
    unsigned char *out, *ref;
    char *padded, *again;
    apr_size_t out_len;
    size_t pad = 0, n, needed, i;
    int rc, canonical = -1, ok, ref_len = 0;

    rc = approov_b64_decode(p, text, size, &out, &out_len, &canonical);
    FUZZ_CHECK(rc == 0 || rc == -1, "b64 decode returned %d", rc);

    while (pad < size && text[size - 1 - pad] == '=') pad++;
    n = size - pad;
    needed = (4 - n % 4) % 4;
    ok = pad <= 2 && n % 4 != 1 && (pad == 0 || pad == needed);
    for (i = 0; ok && i < n; i++) {
        ok = ref_b64_char((unsigned char)text[i]);
    }
    FUZZ_CHECK((rc == 0) == ok, "b64 decode %s, reference %s",
               rc == 0 ? "accepts" : "refuses", ok ? "accepts" : "refuses");
    if (!ok) {
        return;
    }
    /* OpenSSL wants whole quanta: pad it here. */
    padded = malloc(n + needed + 1);
    ref = malloc((n + needed) / 4 * 3 + 1);
    again = malloc((n + needed) + 1);
    if (!padded || !ref || !again) abort();
    memcpy(padded, text, n);
    memset(padded + n, '=', needed);
    if (n + needed) {
        ref_len = EVP_DecodeBlock(ref, (const unsigned char *)padded,
                                  (int)(n + needed));
        FUZZ_CHECK(ref_len >= 0, "EVP_DecodeBlock refused [%.*s]",
                   (int)(n + needed), padded);
        ref_len = (int)(n / 4 * 3) + extra[n % 4];
    }
    FUZZ_CHECK(out_len == (apr_size_t)ref_len
               && (ref_len == 0 || memcmp(out, ref, (size_t)ref_len) == 0),
               "b64 decode: %zu bytes, reference %d", (size_t)out_len,
               ref_len);
    FUZZ_CHECK(out[out_len] == '\0', "b64 decode: no NUL after the bytes");
    EVP_EncodeBlock((unsigned char *)again, ref, ref_len);
    FUZZ_CHECK(canonical == (strlen(again) == size
                             && memcmp(again, text, size) == 0),
               "b64 canonical %d for [%.*s]", canonical, (int)size, text);
    free(padded);
    free(ref);
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_new();

    fuzz_list(p, data, size);
    fuzz_dict(p, data, size);
    fuzz_item(p, data, size);
    fuzz_b64(p, data, size);
    if (fuzz_verbose()) {
        approov_sfv_list_t l;
        approov_sfv_dict_t d;
        approov_sfv_item_t it;
        fprintf(stderr, "sfv: list %s, dict %s, item %s\n",
                approov_sfv_status_name(approov_sfv_parse_list(
                    p, (const char *)data, size, &l)),
                approov_sfv_status_name(approov_sfv_parse_dict(
                    p, (const char *)data, size, &d)),
                approov_sfv_status_name(approov_sfv_parse_item(
                    p, (const char *)data, size, &it)));
    }
    apr_pool_destroy(p);
    return 0;
}

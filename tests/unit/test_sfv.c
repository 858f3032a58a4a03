/*
 * test_sfv.c: unit tests for approov_sfv.c (RFC 8941 structured fields:
 * parser, serializer and bounds).
 *
 * RFC vectors used (text copied from the RFC, as test data): RFC 8941
 * sections 3.1, 3.1.1, 3.1.2, 3.2, 3.3.x examples.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "approov_base64.h"
#include "approov_sfv.h"
#include "harness.h"

/* ------------------------------------------------------------------ */
/* RFC 8941                                                            */

/* Parse as a dictionary, serialize, and compare with the canonical form;
 * then check that the canonical form round-trips to itself. */
static void dict_ok(const char *in, const char *canon, int line)
{
    approov_sfv_dict_t d;
    approov_sfv_status_e st = approov_sfv_parse_dict(pool, in, strlen(in), &d);
    const char *out;

    CHECK_AT(st == APPROOV_SFV_OK, line, "dict [%s]: %s", in,
           approov_sfv_status_name(st));
    if (st != APPROOV_SFV_OK) {
        return;
    }
    CHECK_STR_AT(out = approov_sfv_serialize_dict(pool, &d), canon, line);
    if (out && approov_sfv_parse_dict(pool, out, strlen(out), &d)
                   == APPROOV_SFV_OK) {
        CHECK_STR_AT(approov_sfv_serialize_dict(pool, &d), canon, line);
    }
    else {
        CHECK_AT(0, line, "canonical dict [%s] does not parse", canon);
    }
}
#define DICT_OK(in, canon) dict_ok((in), (canon), __LINE__)

static void list_ok(const char *in, const char *canon, int line)
{
    approov_sfv_list_t l;
    approov_sfv_status_e st = approov_sfv_parse_list(pool, in, strlen(in), &l);
    const char *out;

    CHECK_AT(st == APPROOV_SFV_OK, line, "list [%s]: %s", in,
           approov_sfv_status_name(st));
    if (st != APPROOV_SFV_OK) {
        return;
    }
    CHECK_STR_AT(out = approov_sfv_serialize_list(pool, &l), canon, line);
    if (out && approov_sfv_parse_list(pool, out, strlen(out), &l)
                   == APPROOV_SFV_OK) {
        CHECK_STR_AT(approov_sfv_serialize_list(pool, &l), canon, line);
    }
    else {
        CHECK_AT(0, line, "canonical list [%s] does not parse", canon);
    }
}
#define LIST_OK(in, canon) list_ok((in), (canon), __LINE__)

static void item_ok(const char *in, const char *canon, int line)
{
    approov_sfv_item_t it;
    approov_sfv_status_e st = approov_sfv_parse_item(pool, in, strlen(in), &it);
    const char *out;

    CHECK_AT(st == APPROOV_SFV_OK, line, "item [%s]: %s", in,
           approov_sfv_status_name(st));
    if (st != APPROOV_SFV_OK) {
        return;
    }
    CHECK_STR_AT(out = approov_sfv_serialize_item(pool, &it.bare, &it.params),
              canon, line);
    if (out && approov_sfv_parse_item(pool, out, strlen(out), &it)
                   == APPROOV_SFV_OK) {
        CHECK_STR_AT(approov_sfv_serialize_item(pool, &it.bare, &it.params),
                  canon, line);
    }
    else {
        CHECK_AT(0, line, "canonical item [%s] does not parse", canon);
    }
}
#define ITEM_OK(in, canon) item_ok((in), (canon), __LINE__)

static void item_bad_len(const char *in, apr_size_t len,
                         approov_sfv_status_e want, int line)
{
    approov_sfv_item_t it;
    approov_sfv_status_e st = approov_sfv_parse_item(pool, in, len, &it);

    CHECK_AT(st == want, line, "item [%s]: %s, want %s", in,
           approov_sfv_status_name(st), approov_sfv_status_name(want));
}
#define ITEM_BAD(in) item_bad_len((in), strlen(in), APPROOV_SFV_SYNTAX, __LINE__)

static void dict_bad_st(const char *in, approov_sfv_status_e want, int line)
{
    approov_sfv_dict_t d;
    approov_sfv_status_e st = approov_sfv_parse_dict(pool, in, strlen(in), &d);

    CHECK_AT(st == want && d.count == 0, line, "dict [%s]: %s, want %s", in,
           approov_sfv_status_name(st), approov_sfv_status_name(want));
}
#define DICT_BAD(in) dict_bad_st((in), APPROOV_SFV_SYNTAX, __LINE__)

static void list_bad_st(const char *in, approov_sfv_status_e want, int line)
{
    approov_sfv_list_t l;
    approov_sfv_status_e st = approov_sfv_parse_list(pool, in, strlen(in), &l);

    CHECK_AT(st == want && l.count == 0, line, "list [%s]: %s, want %s", in,
           approov_sfv_status_name(st), approov_sfv_status_name(want));
}
#define LIST_BAD(in) list_bad_st((in), APPROOV_SFV_SYNTAX, __LINE__)

static void test_sfv_rfc_examples(void)
{
    approov_sfv_dict_t d;
    approov_sfv_item_t it;
    const approov_sfv_entry_t *e;

    /* RFC 8941 section 3.1 */
    LIST_OK("sugar, tea, rum", "sugar, tea, rum");
    /* 3.1.1 */
    LIST_OK("(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()",
            "(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()");
    LIST_OK("(\"foo\"; a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1",
            "(\"foo\";a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1");
    /* 3.1.2 */
    LIST_OK("abc;a=1;b=2; cde_456, (ghi;jk=4 l);q=\"9\";r=w",
            "abc;a=1;b=2;cde_456, (ghi;jk=4 l);q=\"9\";r=w");
    ITEM_OK("1; a; b=?0", "1;a;b=?0");
    /* 3.2 */
    DICT_OK("en=\"Applepie\", da=:w4ZibGV0w6ZydGU=:",
            "en=\"Applepie\", da=:w4ZibGV0w6ZydGU=:");
    DICT_OK("a=?0, b, c; foo=bar", "a=?0, b, c;foo=bar");
    DICT_OK("rating=1.5, feelings=(joy sadness)",
            "rating=1.5, feelings=(joy sadness)");
    DICT_OK("a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid",
            "a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid");
    /* 3.3 */
    ITEM_OK("5; foo=bar", "5;foo=bar");
    ITEM_OK("42", "42");
    ITEM_OK("4.5", "4.5");
    ITEM_OK("\"hello world\"", "\"hello world\"");
    ITEM_OK("foo123/456", "foo123/456");
    ITEM_OK(":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:",
            ":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:");
    ITEM_OK("?1", "?1");

    /* The values behind a=?0, b, c; foo=bar. */
    CHECK(approov_sfv_parse_dict(pool, "a=?0, b, c; foo=bar", 19, &d)
          == APPROOV_SFV_OK);
    CHECK(d.count == 3 && d.duplicates == 0);
    e = approov_sfv_dict_find(&d, "a");
    CHECK(e && !e->value.is_inner_list
          && e->value.bare.type == APPROOV_SFV_BOOLEAN
          && e->value.bare.integer == 0);
    e = approov_sfv_dict_find(&d, "b");
    CHECK(e && e->value.bare.type == APPROOV_SFV_BOOLEAN
          && e->value.bare.integer == 1 && e->value.params.count == 0);
    e = approov_sfv_dict_find(&d, "c");
    CHECK(e && e->value.bare.type == APPROOV_SFV_BOOLEAN
          && e->value.bare.integer == 1 && e->value.params.count == 1
          && strcmp(e->value.params.items[0].key, "foo") == 0
          && e->value.params.items[0].value.type == APPROOV_SFV_TOKEN
          && strcmp(e->value.params.items[0].value.string, "bar") == 0);
    CHECK(approov_sfv_dict_find(&d, "z") == NULL);

    /* "Æbletærte" in UTF-8. */
    CHECK(approov_sfv_parse_dict(pool, "en=\"Applepie\", da=:w4ZibGV0w6ZydGU=:",
                                 36, &d) == APPROOV_SFV_OK);
    e = approov_sfv_dict_find(&d, "da");
    CHECK(e && e->value.bare.type == APPROOV_SFV_BYTES
          && e->value.bare.len == 11
          && memcmp(e->value.bare.bytes, "\xc3\x86" "blet\xc3\xa6rte", 11) == 0
          && !e->value.bare.b64_noncanonical);
    CHECK(approov_sfv_parse_item(pool, "4.5", 3, &it) == APPROOV_SFV_OK
          && it.bare.type == APPROOV_SFV_DECIMAL && it.bare.integer == 4500);
}

static void test_sfv_whitespace_and_structure(void)
{
    approov_sfv_list_t l;

    /* Leading and trailing SP discarded; OWS only around commas. */
    DICT_OK("   a=1 ,  b=2   ", "a=1, b=2");
    DICT_OK("a=1\t,\tb=2", "a=1, b=2");
    DICT_OK("a=1,b=2", "a=1, b=2");
    DICT_BAD("\ta=1");          /* leading HTAB is not SP */
    ITEM_OK("  1  ", "1");
    ITEM_BAD("1\t");            /* trailing HTAB on an item */
    DICT_BAD("a=1 b=2");
    DICT_BAD("a = 1");
    DICT_BAD("a =1");
    ITEM_BAD("1 2");
    ITEM_BAD("");
    ITEM_BAD("   ");

    /* Empty List and Dictionary are fine. */
    LIST_OK("", "");
    DICT_OK("", "");
    DICT_OK("   ", "");
    CHECK(approov_sfv_parse_list(pool, NULL, 0, &l) == APPROOV_SFV_OK
          && l.count == 0);

    /* Commas. */
    LIST_BAD("a, b,");
    LIST_BAD("a,");
    LIST_BAD(",a");
    LIST_BAD("a,,b");
    LIST_BAD("a, , b");
    DICT_BAD("a=1,");
    DICT_BAD("a=1, ");
    DICT_BAD(",a=1");

    /* Missing values. */
    DICT_BAD("a=");
    DICT_BAD("a=, b=1");
    ITEM_BAD("1;a=");
    ITEM_BAD("1;");
    ITEM_BAD("1; ");

    /* Keys. */
    DICT_BAD("A=1");
    DICT_BAD("aB=1");
    DICT_BAD("_a=1");
    DICT_BAD("1a=1");
    DICT_OK("*a=1, a_b-c.d*=2", "*a=1, a_b-c.d*=2");
    ITEM_BAD("1;A=1");
    ITEM_OK("1; a=1", "1;a=1");     /* SP after ';' is allowed */
    ITEM_BAD("1 ;a=1");             /* but not before it */

    /* Inner lists. */
    LIST_OK("(1  2)", "(1 2)");
    LIST_OK("( 1 2 )", "(1 2)");
    LIST_OK("()", "()");
    LIST_OK("();a=1", "();a=1");
    LIST_BAD("(1,2)");
    LIST_BAD("(1 2");
    LIST_BAD("(1\t2)");
    LIST_BAD("(1 2)a");
    LIST_BAD("((1))");
    LIST_BAD("(");

    /* Non-ASCII anywhere fails (RFC 8941 section 4.2 step 1). */
    DICT_BAD("a=1, b=\xc3\xa9");
    LIST_BAD("\xff");
}

static void test_sfv_bare_items(void)
{
    approov_sfv_item_t it;
    approov_sfv_dict_t d;
    approov_sfv_bare_t b;
    approov_sfv_params_t params;
    const approov_sfv_entry_t *e;
    const char *in;

    /* Integers: at most 15 digits. */
    ITEM_OK("999999999999999", "999999999999999");
    ITEM_OK("-999999999999999", "-999999999999999");
    ITEM_BAD("1000000000000000");
    ITEM_BAD("-1000000000000000");
    ITEM_OK("0042", "42");
    ITEM_OK("-0", "0");
    ITEM_BAD("-");
    ITEM_BAD("- 1");
    ITEM_BAD("1a");
    ITEM_BAD("+1");
    CHECK(approov_sfv_parse_item(pool, "-12", 3, &it) == APPROOV_SFV_OK
          && it.bare.type == APPROOV_SFV_INTEGER && it.bare.integer == -12);

    /* Decimals: at most 12 integer and 3 fractional digits. */
    ITEM_OK("123456789012.123", "123456789012.123");
    ITEM_OK("-123456789012.123", "-123456789012.123");
    ITEM_BAD("1234567890123.1");
    ITEM_BAD("1.1234");
    ITEM_BAD("1.");
    ITEM_BAD("1..2");
    ITEM_BAD("1.2.3");
    ITEM_BAD(".5");
    ITEM_OK("-1.50", "-1.5");
    ITEM_OK("2.000", "2.0");
    ITEM_OK("1.05", "1.05");
    ITEM_OK("0.001", "0.001");
    CHECK(approov_sfv_parse_item(pool, "-0.25", 5, &it) == APPROOV_SFV_OK
          && it.bare.type == APPROOV_SFV_DECIMAL && it.bare.integer == -250);

    /* Strings: printable ASCII, escapes \" and \\ only. */
    ITEM_OK("\"a\\\"b\\\\c\"", "\"a\\\"b\\\\c\"");
    CHECK(approov_sfv_parse_item(pool, "\"a\\\"b\\\\c\"", 9, &it)
              == APPROOV_SFV_OK
          && it.bare.type == APPROOV_SFV_STRING && it.bare.len == 5
          && strcmp(it.bare.string, "a\"b\\c") == 0);
    ITEM_OK("\"\"", "\"\"");
    ITEM_OK("\" ~ \"", "\" ~ \"");
    ITEM_BAD("\"a\\nb\"");      /* \n is not an escape here */
    ITEM_BAD("\"a\\'b\"");
    ITEM_BAD("\"abc\\\"");      /* the escape eats the closing quote */
    ITEM_BAD("\"abc");
    ITEM_BAD("\"caf\xc3\xa9\"");
    ITEM_BAD("\"a\tb\"");
    ITEM_BAD("\"a\x7f" "b\"");
    ITEM_BAD("\"a\x01" "b\"");
    item_bad_len("\"a\0b\"", 5, APPROOV_SFV_SYNTAX, __LINE__);

    /* Tokens. */
    ITEM_OK("*foo", "*foo");
    ITEM_OK("Foo:bar/baz!#$%&'*+-.^_`|~", "Foo:bar/baz!#$%&'*+-.^_`|~");
    ITEM_BAD("foo\"bar");
    ITEM_BAD("foo(bar)");

    /* Byte sequences: strict alphabet; absent padding and non-zero pad
     * bits accepted as RFC 8941 section 3.3.5 asks, but flagged. */
    CHECK(approov_sfv_parse_item(pool, ":aGVsbG8=:", 10, &it) == APPROOV_SFV_OK
          && it.bare.type == APPROOV_SFV_BYTES && it.bare.len == 5
          && memcmp(it.bare.bytes, "hello", 5) == 0
          && !it.bare.b64_noncanonical);
    CHECK(approov_sfv_parse_item(pool, ":aGVsbG8:", 9, &it) == APPROOV_SFV_OK
          && it.bare.len == 5 && memcmp(it.bare.bytes, "hello", 5) == 0
          && it.bare.b64_noncanonical);
    CHECK(approov_sfv_parse_item(pool, ":iZ==:", 6, &it) == APPROOV_SFV_OK
          && it.bare.len == 1 && it.bare.bytes[0] == 0x89
          && it.bare.b64_noncanonical);
    ITEM_OK(":aGVsbG8:", ":aGVsbG8=:");
    ITEM_OK("::", "::");
    ITEM_BAD(":aGVsbG8=");
    ITEM_BAD(":aGVs bG8=:");
    ITEM_BAD(":aGVs-G8=:");     /* base64url alphabet */
    ITEM_BAD(":aGVs_G8=:");
    ITEM_BAD(":aGVsbG8==:");    /* wrong padding */
    ITEM_BAD(":aGVsbA=:");
    ITEM_BAD(":a===:");
    ITEM_BAD(":a:");
    ITEM_BAD(":aG=Vs:");
    ITEM_BAD(":aGVsbG8=\n:");

    /* Booleans. */
    ITEM_OK("?0", "?0");
    ITEM_BAD("?2");
    ITEM_BAD("?");
    ITEM_BAD("?true");
    ITEM_BAD("!1");

    /* Repeated keys: the last wins, at the first position, and the repeat
     * is counted. */
    CHECK(approov_sfv_parse_dict(pool, "a=1, b=2, a=3", 13, &d)
          == APPROOV_SFV_OK);
    CHECK(d.count == 2 && d.duplicates == 1);
    CHECK_STR(approov_sfv_serialize_dict(pool, &d), "a=3, b=2");
    e = approov_sfv_dict_find(&d, "a");
    CHECK(e && e->occurrences == 2 && e->value.bare.integer == 3);
    e = approov_sfv_dict_find(&d, "b");
    CHECK(e && e->occurrences == 1);
    CHECK(approov_sfv_parse_item(pool, "1;a=1;b;a=2", 11, &it)
          == APPROOV_SFV_OK);
    CHECK(it.params.count == 2 && it.params.duplicates == 1);
    CHECK_STR(approov_sfv_serialize_item(pool, &it.bare, &it.params),
              "1;a=2;b");
    CHECK(approov_sfv_param_find(&it.params, "a")
          && approov_sfv_param_find(&it.params, "a")->integer == 2);
    /* Several keys repeated, interleaved, keys that sort before the first
     * (find_repeats() sorts them), and an Inner List replaced by an Item. */
    in = "c=(1 2), b, c=3, a=4, b=5, c, a";
    CHECK(approov_sfv_parse_dict(pool, in, strlen(in), &d) == APPROOV_SFV_OK);
    CHECK(d.count == 3 && d.duplicates == 4);
    CHECK_STR(approov_sfv_serialize_dict(pool, &d), "c, b=5, a");
    CHECK(d.count == 3 && d.entries[0].occurrences == 3
          && d.entries[1].occurrences == 2 && d.entries[2].occurrences == 2
          && !d.entries[0].value.is_inner_list);
    in = "1;z;y=1;z=2;x;y=3;z=4";
    CHECK(approov_sfv_parse_item(pool, in, strlen(in), &it) == APPROOV_SFV_OK);
    CHECK(it.params.count == 3 && it.params.duplicates == 3);
    CHECK_STR(approov_sfv_serialize_item(pool, &it.bare, &it.params),
              "1;z=4;y=3;x");

    /* Serializers refuse what cannot be serialized. */
    memset(&b, 0, sizeof(b));
    b.type = APPROOV_SFV_INTEGER;
    b.integer = APR_INT64_C(1000000000000000);
    CHECK(approov_sfv_serialize_bare(pool, &b) == NULL);
    b.type = APPROOV_SFV_DECIMAL;
    b.integer = APR_INT64_C(1000000000000000);     /* 10^12 */
    CHECK(approov_sfv_serialize_bare(pool, &b) == NULL);
    b.integer = APR_INT64_C(999999999999999);
    CHECK_STR(approov_sfv_serialize_bare(pool, &b), "999999999999.999");
    b.type = APPROOV_SFV_STRING;
    b.string = "a\nb";
    b.len = 3;
    CHECK(approov_sfv_serialize_bare(pool, &b) == NULL);
    b.type = APPROOV_SFV_TOKEN;
    b.string = "1abc";
    b.len = 4;
    CHECK(approov_sfv_serialize_bare(pool, &b) == NULL);
    b.string = "a b";
    b.len = 3;
    CHECK(approov_sfv_serialize_bare(pool, &b) == NULL);
    b.type = APPROOV_SFV_BOOLEAN;
    b.integer = 2;
    CHECK(approov_sfv_serialize_bare(pool, &b) == NULL);
    b.integer = 1;
    params.count = 1;
    params.duplicates = 0;
    params.items = apr_pcalloc(pool, sizeof(approov_sfv_param_t));
    params.items[0].key = "Bad";
    params.items[0].value = b;
    CHECK(approov_sfv_serialize_item(pool, &b, &params) == NULL);
    params.items[0].key = "ok";
    CHECK_STR(approov_sfv_serialize_item(pool, &b, &params), "?1;ok");

    /* base64 helpers. */
    {
        unsigned char *out;
        apr_size_t n;
        int canonical;
        CHECK_STR(approov_b64_encode(pool, (const unsigned char *)"", 0),
                  "");
        CHECK_STR(approov_b64_encode(pool, (const unsigned char *)"f", 1),
                  "Zg==");
        CHECK_STR(approov_b64_encode(pool, (const unsigned char *)"fo", 2),
                  "Zm8=");
        CHECK_STR(approov_b64_encode(pool, (const unsigned char *)"foo", 3),
                  "Zm9v");
        CHECK(approov_b64_decode(pool, "Zm9vYg==", 8, &out, &n,
                                     &canonical) == 0
              && n == 4 && memcmp(out, "foob", 4) == 0 && canonical);
        CHECK(approov_b64_decode(pool, "Zm9vYh==", 8, &out, &n,
                                     &canonical) == 0 && !canonical);
        CHECK(approov_b64_decode(pool, "Zm9vYg", 6, &out, &n,
                                     &canonical) == 0 && !canonical);
        CHECK(approov_b64_decode(pool, "Zm9vY", 5, &out, &n, NULL) == -1);
        CHECK(approov_b64_decode(pool, "Zm9v===", 7, &out, &n, NULL)
              == -1);
    }
}

/* What RFC 8941 sections 3.1, 3.1.1, 3.1.2 and 3.2 say a parser MUST
 * support, written out rather than taken from approov_sfv.h, so that a
 * bound lowered below them fails here. */
#define RFC8941_MIN_MEMBERS 1024
#define RFC8941_MIN_INNER   256
#define RFC8941_MIN_PARAMS  256

/* n List members "0, 1, 2, ..." (canonical), into buf; returns the length. */
static int list_of(char *buf, int n)
{
    int len = 0, i;

    for (i = 0; i < n; i++) {
        len += sprintf(buf + len, "%s%d", i ? ", " : "", i);
    }
    return len;
}

/* An Inner List of n Integers "(0 1 2 ...)", at buf; returns the length. */
static int inner_of(char *buf, int n)
{
    int len = sprintf(buf, "("), i;

    for (i = 0; i < n; i++) {
        len += sprintf(buf + len, "%s%d", i ? " " : "", i);
    }
    return len + sprintf(buf + len, ")");
}

/* n parameters ";p0;p1;...", at buf; returns the length. */
static int params_of(char *buf, int n)
{
    int len = 0, i;

    for (i = 0; i < n; i++) {
        len += sprintf(buf + len, ";p%d", i);
    }
    return len;
}

static void test_sfv_bounds(void)
{
    char *buf = apr_palloc(pool, APPROOV_SFV_MAX_INPUT + 16);
    approov_sfv_list_t l;
    approov_sfv_dict_t d;
    approov_sfv_item_t it;
    int i, n;

    /* The bounds are at least the RFC's minimums, and what is tested one
     * over them below still fits the input cap. */
    CHECK(APPROOV_SFV_MAX_MEMBERS >= RFC8941_MIN_MEMBERS);
    CHECK(APPROOV_SFV_MAX_INNER >= RFC8941_MIN_INNER);
    CHECK(APPROOV_SFV_MAX_PARAMS >= RFC8941_MIN_PARAMS);

    /* A List of 1024 members, serialized back as it came. */
    n = list_of(buf, RFC8941_MIN_MEMBERS);
    CHECK(approov_sfv_parse_list(pool, buf, (apr_size_t)n, &l)
          == APPROOV_SFV_OK && l.count == RFC8941_MIN_MEMBERS);
    CHECK_STR(approov_sfv_serialize_list(pool, &l), buf);
    /* One over the bound. */
    n = list_of(buf, APPROOV_SFV_MAX_MEMBERS + 1);
    CHECK(n <= APPROOV_SFV_MAX_INPUT);
    CHECK(approov_sfv_parse_list(pool, buf, (apr_size_t)n, &l)
          == APPROOV_SFV_TOO_LARGE && l.count == 0);

    /* A Dictionary of 1024 members (keys k0..k1023, Boolean true). */
    for (n = 0, i = 0; i < RFC8941_MIN_MEMBERS; i++) {
        n += sprintf(buf + n, "%sk%d", i ? ", " : "", i);
    }
    CHECK(approov_sfv_parse_dict(pool, buf, (apr_size_t)n, &d)
          == APPROOV_SFV_OK && d.count == RFC8941_MIN_MEMBERS
          && d.duplicates == 0);
    CHECK_STR(approov_sfv_serialize_dict(pool, &d), buf);
    for (n = 0, i = 0; i <= APPROOV_SFV_MAX_MEMBERS; i++) {
        n += sprintf(buf + n, "%sk%d", i ? ", " : "", i);
    }
    CHECK(n <= APPROOV_SFV_MAX_INPUT);
    CHECK(approov_sfv_parse_dict(pool, buf, (apr_size_t)n, &d)
          == APPROOV_SFV_TOO_LARGE && d.count == 0);

    /* Repeated dictionary keys count towards the bound: 1024 "a" parse
     * (one entry, 1023 duplicates), one more does not. */
    for (n = 0, i = 0; i < APPROOV_SFV_MAX_MEMBERS; i++) {
        n += sprintf(buf + n, "%sa", i ? "," : "");
    }
    CHECK(approov_sfv_parse_dict(pool, buf, (apr_size_t)n, &d)
          == APPROOV_SFV_OK && d.count == 1
          && d.duplicates == APPROOV_SFV_MAX_MEMBERS - 1
          && d.entries[0].occurrences == APPROOV_SFV_MAX_MEMBERS);
    n += sprintf(buf + n, ",a");
    CHECK(approov_sfv_parse_dict(pool, buf, (apr_size_t)n, &d)
          == APPROOV_SFV_TOO_LARGE);

    /* An Inner List of 256 items, then one over the bound. */
    n = inner_of(buf, RFC8941_MIN_INNER);
    CHECK(approov_sfv_parse_list(pool, buf, (apr_size_t)n, &l)
          == APPROOV_SFV_OK && l.count == 1
          && l.members[0].count == RFC8941_MIN_INNER);
    CHECK_STR(approov_sfv_serialize_list(pool, &l), buf);
    n = inner_of(buf, APPROOV_SFV_MAX_INNER + 1);
    CHECK(approov_sfv_parse_list(pool, buf, (apr_size_t)n, &l)
          == APPROOV_SFV_TOO_LARGE);
    /* As a Dictionary member value too. */
    n = sprintf(buf, "a=");
    n += inner_of(buf + n, RFC8941_MIN_INNER);
    CHECK(approov_sfv_parse_dict(pool, buf, (apr_size_t)n, &d)
          == APPROOV_SFV_OK && d.entries[0].value.count == RFC8941_MIN_INNER);

    /* 256 parameters on an Item, then one over the bound (repeats
     * count). */
    n = sprintf(buf, "1");
    n += params_of(buf + n, RFC8941_MIN_PARAMS);
    CHECK(approov_sfv_parse_item(pool, buf, (apr_size_t)n, &it)
          == APPROOV_SFV_OK && it.params.count == RFC8941_MIN_PARAMS);
    CHECK_STR(approov_sfv_serialize_item(pool, &it.bare, &it.params), buf);
    n = sprintf(buf, "1");
    n += params_of(buf + n, APPROOV_SFV_MAX_PARAMS);
    n += sprintf(buf + n, ";p0");
    CHECK(approov_sfv_parse_item(pool, buf, (apr_size_t)n, &it)
          == APPROOV_SFV_TOO_LARGE);

    /* 256 parameters on an Inner List, on an Item inside one, and on a
     * Dictionary member without a value; then one over on each. */
    n = sprintf(buf, "(a)");
    n += params_of(buf + n, RFC8941_MIN_PARAMS);
    CHECK(approov_sfv_parse_list(pool, buf, (apr_size_t)n, &l)
          == APPROOV_SFV_OK
          && l.members[0].params.count == RFC8941_MIN_PARAMS);
    n += sprintf(buf + n, ";p0");
    CHECK(approov_sfv_parse_list(pool, buf, (apr_size_t)n, &l)
          == APPROOV_SFV_TOO_LARGE);
    n = sprintf(buf, "(a");
    n += params_of(buf + n, RFC8941_MIN_PARAMS);
    n += sprintf(buf + n, ")");
    CHECK(approov_sfv_parse_list(pool, buf, (apr_size_t)n, &l)
          == APPROOV_SFV_OK
          && l.members[0].items[0].params.count == RFC8941_MIN_PARAMS);
    n = sprintf(buf, "(a");
    n += params_of(buf + n, APPROOV_SFV_MAX_PARAMS + 1);
    n += sprintf(buf + n, ")");
    CHECK(approov_sfv_parse_list(pool, buf, (apr_size_t)n, &l)
          == APPROOV_SFV_TOO_LARGE);
    n = sprintf(buf, "a");
    n += params_of(buf + n, RFC8941_MIN_PARAMS);
    CHECK(approov_sfv_parse_dict(pool, buf, (apr_size_t)n, &d)
          == APPROOV_SFV_OK
          && d.entries[0].value.params.count == RFC8941_MIN_PARAMS);
    n = sprintf(buf, "a");
    n += params_of(buf + n, APPROOV_SFV_MAX_PARAMS + 1);
    CHECK(approov_sfv_parse_dict(pool, buf, (apr_size_t)n, &d)
          == APPROOV_SFV_TOO_LARGE);

    /* All the minimums at once, within the input cap: a Dictionary of 1024
     * members whose first is an Inner List of 256 items with 256
     * parameters on the list. */
    n = sprintf(buf, "a=");
    n += inner_of(buf + n, RFC8941_MIN_INNER);
    n += params_of(buf + n, RFC8941_MIN_PARAMS);
    for (i = 1; i < RFC8941_MIN_MEMBERS; i++) {
        n += sprintf(buf + n, ",%c%d", 'a' + i % 26, i);
    }
    CHECK(n <= APPROOV_SFV_MAX_INPUT);
    CHECK(approov_sfv_parse_dict(pool, buf, (apr_size_t)n, &d)
          == APPROOV_SFV_OK && d.count == RFC8941_MIN_MEMBERS
          && d.entries[0].value.count == RFC8941_MIN_INNER
          && d.entries[0].value.params.count == RFC8941_MIN_PARAMS);

    /* 8192 bytes of input, then 8193. */
    buf[0] = '"';
    memset(buf + 1, 'x', APPROOV_SFV_MAX_INPUT - 2);
    buf[APPROOV_SFV_MAX_INPUT - 1] = '"';
    CHECK(approov_sfv_parse_item(pool, buf, APPROOV_SFV_MAX_INPUT, &it)
          == APPROOV_SFV_OK && it.bare.len == APPROOV_SFV_MAX_INPUT - 2);
    buf[APPROOV_SFV_MAX_INPUT - 1] = 'x';
    buf[APPROOV_SFV_MAX_INPUT] = '"';
    CHECK(approov_sfv_parse_item(pool, buf, APPROOV_SFV_MAX_INPUT + 1, &it)
          == APPROOV_SFV_TOO_LARGE);

    CHECK_STR(approov_sfv_status_name(APPROOV_SFV_TOO_LARGE), "too_large");
    CHECK_STR(approov_sfv_status_name((approov_sfv_status_e)99), "unknown");
}

/* Serializing a String built by hand (not parsed): runs without escapes are
 * copied whole, '"' and '\\' escaped wherever they fall, and a control or
 * non-ASCII byte anywhere refuses the whole item. */
static void test_sfv_serialize_strings(void)
{
    static const struct {
        const char *in;
        const char *out;            /* NULL: refused */
    } cases[] = {
        { "", "\"\"" },
        { "@target-uri", "\"@target-uri\"" },
        { "\"", "\"\\\"\"" },
        { "\\", "\"\\\\\"" },
        { "a\"b\\c", "\"a\\\"b\\\\c\"" },
        { "\"\"x\\", "\"\\\"\\\"x\\\\\"" },
        { "ab\x1f", NULL },
        { "\x7f", NULL },
        { "a\"\x01", NULL },
        { "tab\there", NULL },
        { "caf\xc3\xa9", NULL },
    };
    approov_sfv_bare_t b;
    approov_sfv_params_t none = { 0, 0, NULL };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got;

        memset(&b, 0, sizeof(b));
        b.type = APPROOV_SFV_STRING;
        b.string = cases[i].in;
        b.len = strlen(cases[i].in);
        got = approov_sfv_serialize_item(pool, &b, &none);
        if (cases[i].out) {
            CHECK_STR(got, cases[i].out);
        }
        else {
            CHECK(got == NULL);
        }
    }
}

int main(void)
{
    harness_begin();
    RUN(test_sfv_rfc_examples);
    RUN(test_sfv_whitespace_and_structure);
    RUN(test_sfv_bare_items);
    RUN(test_sfv_bounds);
    RUN(test_sfv_serialize_strings);
    return harness_end();
}

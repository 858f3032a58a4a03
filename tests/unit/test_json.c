/*
 * test_json.c: unit tests of approov_json.c, the strict JSON checker and
 * parser.
 * Fixtures and minting: token_fixtures.h.
 */
#include "harness.h"
#include "token_fixtures.h"

/* ------------------------------------------------------------------ */
/* strict JSON                                                         */

static int json_is_strict(const char *text, size_t len, int max_depth)
{
    unsigned char *copy = exact_copy(text, len);
    int r = approov_json_object_is_strict(copy, len, max_depth);

    free(copy);
    return r;
}

static cJSON *json_parse(const char *text, size_t len)
{
    unsigned char *copy = exact_copy(text, len);
    cJSON *r = approov_json_parse_object(pool, copy, len);

    free(copy);
    return r;
}

static void test_json_accepts_valid_objects(void)
{
    static const bytes_t good[] = {
        BYTES("{}"),
        BYTES(" \t\r\n{ \t\r\n} \t\r\n"),
        BYTES("{\"\":\"\"}"),
        BYTES("{\"a\":[1,[2,{\"b\":[]}],{}],\"c\":{\"d\":{\"e\":null}}}"),
        BYTES("{\"t\":true,\"f\":false,\"n\":null,\"a\":[true,false,null]}"),
        BYTES("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
        BYTES("{\"s\":\"\\u0001\\u001f\\u00e9\\u20AC\\uFFFF\\uffff\"}"),
        BYTES("{\"s\":\"\\ud83d\\ude00\"}"),
        BYTES("{\"s\":\"\\uD83D\\uDE00\"}"),
        BYTES("{\"s\":\"\\ud800\\udc00\\udbff\\udfff\"}"),
        BYTES("{\"\\u0061\":\"x\",\"b\\n\":1}"),
        BYTES("{\"s\":\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
              "\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"}"),
        BYTES("{\"\xC3\xA9\":\"\xE2\x82\xAC\xF0\x9F\x98\x80\"}"),
        BYTES("{\"s\":\"\x7F\"}"),
        BYTES("{\"n\":[0,-0,1,-1,10,-10,123456789,0.5,-0.5,1.25,10.01]}"),
        BYTES("{\"n\":[1e5,1E5,1e+5,1e-5,1E+05,1E-05,0e0,-0E-0,0.0e+0]}"),
        BYTES("{\"n\":[-1.5e+10,2.5E-3,9007199254740993,1e308,5e-324]}"),
        BYTES("{\"n\":123456789012345678901234567890}"),
        BYTES("{\"a\" : 1 , \"b\" : [ 1 , 2 ] }"),
    };
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECKF(json_is_strict(good[i].text, good[i].len,
                              APPROOV_JSON_MAX_DEPTH),
               "is_strict rejected %s", show(good[i].text, good[i].len));
        CHECKF(json_parse(good[i].text, good[i].len) != NULL,
               "parse_object rejected %s", show(good[i].text, good[i].len));
    }
}

static void test_json_rejects_invalid_text(void)
{
    static const bytes_t bad[] = {
        /* not exactly one object */
        BYTES(""), BYTES(" "), BYTES("{"), BYTES("}"), BYTES("[]"),
        BYTES("[{}]"), BYTES("\"x\""), BYTES("1"), BYTES("null"),
        BYTES("true"), BYTES("{}{}"), BYTES("{} {}"), BYTES("{}x"),
        BYTES("{},"), BYTES("x{}"), BYTES("{}\0"), BYTES("\0{}"),
        BYTES("\xEF\xBB\xBF{}"), BYTES("\f{}"), BYTES("{}\v"),
        BYTES("{\"a\":[1}"), BYTES("{\"a\":{]}"), BYTES("{\"a\":1]"),
        /* members */
        BYTES("{\"a\"}"), BYTES("{\"a\":}"), BYTES("{\"a\" 1}"),
        BYTES("{a:1}"), BYTES("{1:1}"), BYTES("{null:1}"),
        BYTES("{'a':1}"), BYTES("{\"a\":'x'}"),
        BYTES("{\"a\":1,}"), BYTES("{\"a\":[1,]}"), BYTES("{,\"a\":1}"),
        BYTES("{\"a\":[,1]}"), BYTES("{\"a\":1,,\"b\":2}"),
        BYTES("{\"a\":1 \"b\":2}"), BYTES("{\"a\":[1 2]}"),
        /* comments */
        BYTES("{\"a\":1 /* c */}"), BYTES("{\"a\":1} // c"),
        BYTES("/* c */{\"a\":1}"), BYTES("{\"a\":1 # c\n}"),
        /* numbers */
        BYTES("{\"a\":01}"), BYTES("{\"a\":-01}"), BYTES("{\"a\":00}"),
        BYTES("{\"a\":+1}"), BYTES("{\"a\":.5}"), BYTES("{\"a\":-.5}"),
        BYTES("{\"a\":1.}"), BYTES("{\"a\":1.e5}"), BYTES("{\"a\":1e}"),
        BYTES("{\"a\":1e+}"), BYTES("{\"a\":1E-}"), BYTES("{\"a\":-}"),
        BYTES("{\"a\":--1}"), BYTES("{\"a\":0x10}"), BYTES("{\"a\":1_000}"),
        BYTES("{\"a\":NaN}"), BYTES("{\"a\":Infinity}"),
        BYTES("{\"a\":-Infinity}"), BYTES("{\"a\":inf}"),
        BYTES("{\"a\":1.5.2}"), BYTES("{\"a\":1e5e5}"),
        /* literals */
        BYTES("{\"a\":tru}"), BYTES("{\"a\":True}"), BYTES("{\"a\":nul}"),
        BYTES("{\"a\":NULL}"), BYTES("{\"a\":undefined}"),
        BYTES("{\"a\":truex}"),
        /* strings: control characters, escapes */
        BYTES("{\"a\":\"x\x01y\"}"), BYTES("{\"a\":\"\t\"}"),
        BYTES("{\"a\":\"\n\"}"), BYTES("{\"a\":\"\x1f\"}"),
        BYTES("{\"a\":\"x\0y\"}"), BYTES("{\"a\x01\":1}"),
        BYTES("{\"a\":\"\\u0000\"}"), BYTES("{\"\\u0000\":1}"),
        BYTES("{\"a\":\"\\x41\"}"), BYTES("{\"a\":\"\\u12\"}"),
        BYTES("{\"a\":\"\\u12G4\"}"), BYTES("{\"a\":\"\\U0041\"}"),
        BYTES("{\"a\":\"\\'\"}"), BYTES("{\"a\":\"\\a\"}"),
        BYTES("{\"a\":\"\\\"}"), BYTES("{\"a\":\"abc}"),
        BYTES("{\"a\":\"abc"),
        /* lone and misordered surrogate escapes */
        BYTES("{\"a\":\"\\ud800\"}"), BYTES("{\"a\":\"\\udc00\"}"),
        BYTES("{\"a\":\"\\uDBFF\"}"), BYTES("{\"a\":\"\\udfff\"}"),
        BYTES("{\"a\":\"\\ud800x\"}"), BYTES("{\"a\":\"\\ud800\\u0041\"}"),
        BYTES("{\"a\":\"\\ud800\\ud800\"}"),
        BYTES("{\"a\":\"\\udc00\\ud800\"}"), BYTES("{\"a\":\"\\ud800\\\"}"),
        BYTES("{\"\\ud800\":1}"),
        /* UTF-8: overlong, surrogates, beyond U+10FFFF, broken */
        BYTES("{\"a\":\"\xC0\x80\"}"), BYTES("{\"a\":\"\xC1\xBF\"}"),
        BYTES("{\"a\":\"\xE0\x80\x80\"}"), BYTES("{\"a\":\"\xE0\x9F\xBF\"}"),
        BYTES("{\"a\":\"\xF0\x80\x80\x80\"}"),
        BYTES("{\"a\":\"\xF0\x8F\xBF\xBF\"}"),
        BYTES("{\"a\":\"\xED\xA0\x80\"}"), BYTES("{\"a\":\"\xED\xBF\xBF\"}"),
        BYTES("{\"a\":\"\xF4\x90\x80\x80\"}"),
        BYTES("{\"a\":\"\xF5\x80\x80\x80\"}"),
        BYTES("{\"a\":\"\xF8\x88\x80\x80\x80\"}"),
        BYTES("{\"a\":\"\xFF\"}"), BYTES("{\"a\":\"\xFE\"}"),
        BYTES("{\"a\":\"\x80\"}"), BYTES("{\"a\":\"\xBF\"}"),
        BYTES("{\"a\":\"\xC3\"}"), BYTES("{\"a\":\"\xE2\x82\"}"),
        BYTES("{\"a\":\"\xF0\x9F\x98\"}"), BYTES("{\"a\":\"\xC3" "A\"}"),
        BYTES("{\"\xFF\":1}"), BYTES("{\"a\":1}\xFF"),
        BYTES("{\"a\":\"\xC3"),
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECKF(!json_is_strict(bad[i].text, bad[i].len,
                               APPROOV_JSON_MAX_DEPTH),
               "is_strict accepted %s", show(bad[i].text, bad[i].len));
        CHECKF(json_parse(bad[i].text, bad[i].len) == NULL,
               "parse_object accepted %s", show(bad[i].text, bad[i].len));
    }
}

static void test_json_depth_limit(void)
{
    int d;
    const char *s;
    char *open;

    for (d = 1; d <= APPROOV_JSON_MAX_DEPTH; d++) {
        s = object_of_depth(d);
        CHECKF(json_is_strict(s, strlen(s), APPROOV_JSON_MAX_DEPTH),
               "depth %d rejected", d);
    }
    s = object_of_depth(APPROOV_JSON_MAX_DEPTH);
    CHECK(json_parse(s, strlen(s)) != NULL);
    s = object_of_depth(APPROOV_JSON_MAX_DEPTH + 1);
    CHECK(!json_is_strict(s, strlen(s), APPROOV_JSON_MAX_DEPTH));
    CHECK(json_parse(s, strlen(s)) == NULL);

    /* the limit is the argument's, counted the same way for objects */
    s = "{\"a\":{\"b\":{}}}";
    CHECK(json_is_strict(s, strlen(s), 3));
    CHECK(!json_is_strict(s, strlen(s), 2));
    s = "{\"a\":[[]]}";
    CHECK(json_is_strict(s, strlen(s), 3));
    CHECK(!json_is_strict(s, strlen(s), 2));
    s = "{\"a\":[],\"b\":{},\"c\":[{}]}";
    CHECK(json_is_strict(s, strlen(s), 3));
    CHECK(!json_is_strict(s, strlen(s), 2));

    /* very deep, unclosed: rejected without exhausting the stack */
    open = apr_palloc(pool, 200006);
    memcpy(open, "{\"a\":", 5);
    memset(open + 5, '[', 200000);
    open[200005] = '\0';
    CHECK(!json_is_strict(open, 200005, APPROOV_JSON_MAX_DEPTH));
    CHECK(json_parse(open, 200005) == NULL);
    s = object_of_depth(5000);
    CHECK(!json_is_strict(s, strlen(s), APPROOV_JSON_MAX_DEPTH));
    CHECK(json_parse(s, strlen(s)) == NULL);
}

static void test_json_parse_rejects_duplicate_names(void)
{
    static const char *const dup[] = {
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"a\":1}",
        "{\"a\":1,\"b\":2,\"a\":3}",
        "{\"\\u0061\":1,\"a\":2}",
        "{\"a\":1,\"\\u0061\":2}",
        "{\"\\u00e9\":1,\"\xC3\xA9\":2}",
        "{\"\":1,\"\":2}",
        "{\"a\":{\"b\":1,\"b\":2}}",
        "{\"a\":[{\"b\":1,\"b\":2}]}",
        "{\"a\":[1,[{\"x\":{\"b\":1,\"b\":2}}]]}",
    };
    static const char *const distinct[] = {
        "{\"a\":1,\"A\":2}",
        "{\"a\":1,\"a \":2}",
        "{\"a\":{\"b\":1},\"c\":{\"b\":2}}",
        "{\"a\":{\"a\":{\"a\":1}}}",
        "{\"a\":[{\"b\":1},{\"b\":2}]}",
        "{\"a\":[\"a\",\"a\"]}",
    };
    size_t i;

    for (i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
        CHECKF(json_parse(dup[i], strlen(dup[i])) == NULL,
               "parse_object accepted %s", shows(dup[i]));
    }
    for (i = 0; i < sizeof(distinct) / sizeof(distinct[0]); i++) {
        CHECKF(json_parse(distinct[i], strlen(distinct[i])) != NULL,
               "parse_object rejected %s", shows(distinct[i]));
    }
    {
        /* large objects: 40 distinct names, then with one repeated */
        char *many = apr_pstrdup(pool, "{\"m0\":0");
        const char *dup_last;
        int k;

        for (k = 1; k < 40; k++) {
            many = apr_psprintf(pool, "%s,\"m%d\":%d", many, k, k);
        }
        dup_last = apr_pstrcat(pool, many, ",\"m7\":7}", NULL);
        many = apr_pstrcat(pool, many, "}", NULL);
        CHECK(json_parse(many, strlen(many)) != NULL);
        CHECK(json_parse(dup_last, strlen(dup_last)) == NULL);
    }
}

static void test_json_parse_yields_decoded_tree(void)
{
    static const char text[] =
        "{\"s\":\"\\ud83d\\ude00\\u00e9\\n\",\"n\":-1.5e2,"
        "\"o\":{\"k\":[true,null]}}";
    cJSON *root = json_parse(text, sizeof(text) - 1);
    const cJSON *s, *n, *o;

    CHECK(cJSON_IsObject(root));
    if (!root) {
        return;
    }
    s = cJSON_GetObjectItemCaseSensitive(root, "s");
    n = cJSON_GetObjectItemCaseSensitive(root, "n");
    o = cJSON_GetObjectItemCaseSensitive(root, "o");
    CHECK(cJSON_IsString(s)
          && strcmp(s->valuestring, "\xF0\x9F\x98\x80\xC3\xA9\n") == 0);
    CHECK(cJSON_IsNumber(n) && n->valuedouble == -150.0);
    CHECK(cJSON_IsObject(o)
          && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "k"))
                 == 2);
}

int main(void)
{
    harness_begin();
    if (!fixtures_begin()) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_json_accepts_valid_objects);
    RUN(test_json_rejects_invalid_text);
    RUN(test_json_depth_limit);
    RUN(test_json_parse_rejects_duplicate_names);
    RUN(test_json_parse_yields_decoded_tree);
    return harness_end();
}

/*
 * test_claims.c: approov_claims.c, the APPROOV_CLAIM_* variables of a
 * verified token's claims (README, "Results and claims").
 */
#include <locale.h>
#include <stdlib.h>

#include <apr_strings.h>
#include <cjson/cJSON.h>

#include "approov_claims.h"
#include "harness.h"

/* The variables of a JSON object text, as "NAME=value;..." in order. */
static const char *vars_of(const char *json)
{
    cJSON *claims = cJSON_Parse(json);
    const apr_array_header_t *vars;
    const approov_claim_var_t *var;
    const char *out = "";
    int i;

    if (!claims) {
        return "(not JSON)";
    }
    vars = approov_claim_vars(pool, claims);
    var = (const approov_claim_var_t *)vars->elts;
    for (i = 0; i < vars->nelts; i++) {
        out = apr_pstrcat(pool, out, i ? ";" : "", var[i].name, "=",
                          var[i].value, NULL);
    }
    cJSON_Delete(claims);   /* out is a copy in pool */
    return out;
}

static void test_names_and_kinds(void)
{
    CHECK_STR(vars_of("{\"did\":\"abc\",\"exp\":1700000000,\"ok\":true,"
                      "\"no\":false}"),
              "APPROOV_CLAIM_DID=abc;APPROOV_CLAIM_EXP=1700000000;"
              "APPROOV_CLAIM_OK=true;APPROOV_CLAIM_NO=false");
    /* Objects, arrays and null give nothing; neither does an empty name. */
    CHECK_STR(vars_of("{\"o\":{\"a\":1},\"a\":[1],\"n\":null,\"\":\"x\"}"),
              "");
    /* Other characters than letters and digits become '_'. */
    CHECK_STR(vars_of("{\"a-b.c d\\u00e9\":\"1\",\"ip\":\"10.0.0.1\"}"),
              "APPROOV_CLAIM_A_B_C_D__=1;APPROOV_CLAIM_IP=10.0.0.1");
    /* Two claims, one name: both listed, in order. */
    CHECK_STR(vars_of("{\"a-b\":\"1\",\"a_b\":\"2\"}"),
              "APPROOV_CLAIM_A_B=1;APPROOV_CLAIM_A_B=2");
}

static void test_escape(void)
{
    const char *plain = "no escaping needed";

    CHECK(approov_claim_escape(pool, plain) == plain);
    CHECK_STR(approov_claim_escape(pool, "a\\b"), "a\\\\b");
    CHECK_STR(approov_claim_escape(pool, "line\nbreak\r\t\x01\x1f\x7f"),
              "line\\x0abreak\\x0d\\x09\\x01\\x1f\\x7f");
    CHECK_STR(approov_claim_escape(pool, "caf\xc3\xa9"), "caf\xc3\xa9");
    CHECK_STR(approov_claim_escape(pool, ""), "");
    CHECK_STR(vars_of("{\"s\":\"a\\nb\\\\c\"}"), "APPROOV_CLAIM_S=a\\x0ab\\\\c");
}

static void test_numbers(void)
{
    static const struct {
        double value;
        const char *text;
    } cases[] = {
        { 0.0, "0" },
        { -0.0, "0" },
        { 1.0, "1" },
        { -42.0, "-42" },
        { 1700000000.0, "1700000000" },
        { 9007199254740991.0, "9007199254740991" },
        { -9007199254740991.0, "-9007199254740991" },
        { 9007199254740992.0, "9007199254740992" },
        { 0.1, "0.1" },
        { 0.5, "0.5" },
        { -2.5e-07, "-2.5e-07" },
        { 1e21, "1e+21" },
        { 1.5e300, "1.5e+300" },
        { 123456789.125, "123456789.125" },
        { 0.30000000000000004, "0.30000000000000004" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *text = approov_claim_number(pool, cases[i].value);

        CHECK_STR(text, cases[i].text);
        CHECK(strtod(text, NULL) == cases[i].value);
    }
    /* '.' whatever the locale (when a comma locale is installed). */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8")
        || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        CHECK_STR(approov_claim_number(pool, 0.25), "0.25");
        setlocale(LC_NUMERIC, "C");
    }
}

static void test_block(void)
{
    apr_array_header_t *vars = apr_array_make(pool, 4,
                                              sizeof(approov_claim_var_t));
    approov_claim_var_t *var;
    const char *block, *at, *end, *name, *value, *seen = "";
    apr_size_t len;

    block = approov_claim_block(pool, vars, &len);
    CHECK_INT(len, 0);
    at = block;
    CHECK(!approov_claim_block_next(&at, block + len, &name, &value));

    var = apr_array_push(vars);
    var->name = "APPROOV_CLAIM_A";
    var->value = "1";
    var = apr_array_push(vars);
    var->name = "APPROOV_CLAIM_B";
    var->value = "";
    var = apr_array_push(vars);
    var->name = "APPROOV_CLAIM_A";      /* the last one wins */
    var->value = "2";
    block = approov_claim_block(pool, vars, &len);
    CHECK_INT(len, 16 + 2 + 16 + 1);  /* "APPROOV_CLAIM_A\0" "2\0" ... "\0" */
    for (at = block, end = block + len;
         approov_claim_block_next(&at, end, &name, &value);) {
        seen = apr_pstrcat(pool, seen, name, "=", value, ";", NULL);
    }
    CHECK_STR(seen, "APPROOV_CLAIM_A=2;APPROOV_CLAIM_B=;");
    CHECK(at == end);
}

int main(void)
{
    harness_begin();
    RUN(test_names_and_kinds);
    RUN(test_escape);
    RUN(test_numbers);
    RUN(test_block);
    return harness_end();
}

/*
 * fuzz_claimenv: the claim export (lib/approov_claims.c), the
 * APPROOV_CLAIM_* variables of a verified token, against a model of the
 * README's rules ("Results and claims").
 *
 * The input is parsed by plain cJSON; when it is an object, its claims go
 * through approov_claim_vars() and approov_claim_block().  Any input is
 * also escaped as a string (up to its first NUL), and its first 8 bytes,
 * read as a finite double, are turned into number text.
 *
 * Invariants:
 *  - one variable per top-level string, number or boolean claim with a
 *    non-empty name, in claim order, none for anything else;
 *  - a name is APPROOV_CLAIM_ followed by the claim's name with ASCII
 *    letters upper-cased and every other byte (digits kept) made '_';
 *  - a string's value is the claim with '\' as "\\" and bytes below 0x20
 *    and 0x7f as \xHH (lower-case hex), nothing else changed; unescaping
 *    it gives the claim back;
 *  - a number's text is the integer when the value is whole and below
 *    2^53 in magnitude, otherwise the first of %.15g, %.16g, %.17g that
 *    reads back as the same double; it always reads back equal and never
 *    holds ',';
 *  - a boolean is "true" or "false";
 *  - the block holds each name once, with the value of the last variable
 *    of that name, every name of the variables and no other, and its pairs
 *    end exactly at its length.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <cjson/cJSON.h>

#include "approov_claims.h"
#include "fuzz_common.h"

static const char *model_name(apr_pool_t *p, const char *claim)
{
    char *name = apr_pstrcat(p, APPROOV_CLAIM_PREFIX, claim, NULL);
    char *n;

    for (n = name + strlen(APPROOV_CLAIM_PREFIX); *n; n++) {
        unsigned char c = (unsigned char)*n;
        if (c >= 'a' && c <= 'z') {
            *n = (char)(c - 'a' + 'A');
        }
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            *n = '_';
        }
    }
    return name;
}

static const char *model_escape(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 4 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\') {
            *o++ = '\\';
            *o++ = '\\';
        }
        else if (c < 0x20 || c == 0x7f) {
            o += sprintf(o, "\\x%02x", c);
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* The escaped text back to the bytes, or NULL if it is no escaping. */
static const char *unescape(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) + 1), *o = out;
    unsigned int h;

    while (*s) {
        if (*s != '\\') {
            *o++ = *s++;
        }
        else if (s[1] == '\\') {
            *o++ = '\\';
            s += 2;
        }
        else if (s[1] == 'x' && sscanf(s + 2, "%2x", &h) == 1 && s[2]
                 && s[3]) {
            *o++ = (char)h;
            s += 4;
        }
        else {
            return NULL;
        }
    }
    *o = '\0';
    return out;
}

static void check_number(apr_pool_t *p, double v)
{
    const char *text = approov_claim_number(p, v);
    char want[40];
    int precision;

    FUZZ_CHECK(strtod(text, NULL) == v, "%.17g became %s", v, text);
    FUZZ_CHECK(!strchr(text, ','), "%.17g became %s", v, text);
    if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == floor(v)) {
        snprintf(want, sizeof(want), "%.0f", v);
        if (strcmp(want, "-0") == 0) {
            strcpy(want, "0");
        }
    }
    else {
        for (precision = 15; precision <= 17; precision++) {
            snprintf(want, sizeof(want), "%.*g", precision, v);
            if (strtod(want, NULL) == v) {
                break;
            }
        }
    }
    FUZZ_CHECK(strcmp(text, want) == 0, "%.17g became %s, want %s", v, text,
               want);
}

static void check_vars(apr_pool_t *p, const cJSON *claims)
{
    const apr_array_header_t *vars = approov_claim_vars(p, claims);
    const approov_claim_var_t *var = (const approov_claim_var_t *)vars->elts;
    const cJSON *claim;
    const char *block, *at, *end, *name, *value;
    apr_size_t len;
    apr_table_t *last = apr_table_make(p, 8), *seen = apr_table_make(p, 8);
    int i = 0, pairs = 0;

    for (claim = claims->child; claim; claim = claim->next) {
        const char *want;

        if (!claim->string || !*claim->string
            || !(cJSON_IsString(claim) || cJSON_IsNumber(claim)
                 || cJSON_IsBool(claim))) {
            continue;
        }
        FUZZ_CHECK(i < vars->nelts, "%d variables, claim %s has none",
                   vars->nelts, claim->string);
        FUZZ_CHECK(strcmp(var[i].name, model_name(p, claim->string)) == 0,
                   "claim %s named %s", claim->string, var[i].name);
        if (cJSON_IsString(claim)) {
            want = model_escape(p, claim->valuestring);
            FUZZ_CHECK(strcmp(var[i].value, want) == 0, "%s is [%s], want [%s]",
                       var[i].name, var[i].value, want);
            want = unescape(p, var[i].value);
            FUZZ_CHECK(want && strcmp(want, claim->valuestring) == 0,
                       "%s does not unescape back", var[i].name);
        }
        else if (cJSON_IsNumber(claim)) {
            FUZZ_CHECK(strcmp(var[i].value,
                              approov_claim_number(p, claim->valuedouble))
                       == 0, "%s is %s", var[i].name, var[i].value);
            check_number(p, claim->valuedouble);
        }
        else {
            FUZZ_CHECK(strcmp(var[i].value,
                              cJSON_IsTrue(claim) ? "true" : "false") == 0,
                       "%s is %s", var[i].name, var[i].value);
        }
        /* The names are upper case: the table's case-blind keys are exact. */
        apr_table_set(last, var[i].name, var[i].value);
        i++;
    }
    FUZZ_CHECK(i == vars->nelts, "%d variables for %d claims", vars->nelts,
               i);

    block = approov_claim_block(p, vars, &len);
    at = block;
    end = block + len;
    while (approov_claim_block_next(&at, end, &name, &value)) {
        const char *want = apr_table_get(last, name);

        FUZZ_CHECK(at <= end, "the pair %s runs past the block", name);
        FUZZ_CHECK(!apr_table_get(seen, name), "%s twice in the block", name);
        FUZZ_CHECK(want && strcmp(value, want) == 0,
                   "%s is [%s] in the block, want [%s]", name, value,
                   want ? want : "(none)");
        apr_table_setn(seen, name, "1");
        pairs++;
    }
    FUZZ_CHECK(at == end, "the block's pairs end %ld bytes from its length",
               (long)(end - at));
    FUZZ_CHECK(pairs == apr_table_elts(last)->nelts, "%d pairs for %d names",
               pairs, apr_table_elts(last)->nelts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_new();
    cJSON *claims = cJSON_ParseWithLength((const char *)data, size);
    char *text = apr_pstrmemdup(p, (const char *)data, size);
    const char *escaped;
    double v;

    if (claims && cJSON_IsObject(claims)) {
        check_vars(p, claims);
    }
    cJSON_Delete(claims);

    escaped = approov_claim_escape(p, text);
    FUZZ_CHECK(strcmp(escaped, model_escape(p, text)) == 0,
               "escape [%s] gave [%s]", text, escaped);
    if (size >= sizeof(v)) {
        memcpy(&v, data, sizeof(v));
        if (isfinite(v)) {
            check_number(p, v);
        }
    }
    apr_pool_destroy(p);
    return 0;
}

/*
 * approov_claims.c: a verified token's claims as APPROOV_CLAIM_*
 * variables (see approov_claims.h for the rules).
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "approov_claims.h"

const char *approov_claim_escape(apr_pool_t *p, const char *value)
{
    const char *v;
    char *out, *o;

    for (v = value; *v; v++) {
        if ((unsigned char)*v < 0x20 || *v == 0x7f || *v == '\\') {
            break;
        }
    }
    if (!*v) {
        return value;
    }
    out = o = apr_palloc(p, strlen(value) * 4 + 1);
    for (v = value; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c == '\\') {
            *o++ = '\\';
            *o++ = '\\';
        }
        else if (c < 0x20 || c == 0x7f) {
            o += apr_snprintf(o, 5, "\\x%02x", c);
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* An integer for a whole number exact in a double; otherwise C's %g (APR's
 * writes ".1" and "1.e+21").  The range is checked before the cast, which
 * is undefined for a double outside int64's. */
const char *approov_claim_number(apr_pool_t *p, double value)
{
    char buf[40], point, *dot;
    int precision;

    if (value > -9007199254740992.0 && value < 9007199254740992.0
        && value == (double)(apr_int64_t)value) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)value);
    }
    for (precision = 15; precision <= 17; precision++) {
        snprintf(buf, sizeof(buf), "%.*g", precision, value);
        if (strtod(buf, NULL) == value) {
            break;
        }
    }
    point = localeconv()->decimal_point[0];
    if (point && point != '.' && (dot = strchr(buf, point))) {
        *dot = '.';
    }
    return apr_pstrdup(p, buf);
}

apr_array_header_t *approov_claim_vars(apr_pool_t *p, const cJSON *claims)
{
    static const char prefix[] = APPROOV_CLAIM_PREFIX;
    apr_array_header_t *vars =
        apr_array_make(p, 8, sizeof(approov_claim_var_t));
    const cJSON *claim;

    for (claim = claims->child; claim; claim = claim->next) {
        const char *value, *c;
        char *name, *n;
        approov_claim_var_t *var;

        if (!claim->string || !*claim->string) {
            continue;
        }
        if (cJSON_IsString(claim)) {
            value = approov_claim_escape(p, claim->valuestring);
        }
        else if (cJSON_IsNumber(claim)) {
            value = approov_claim_number(p, claim->valuedouble);
        }
        else if (cJSON_IsBool(claim)) {
            value = cJSON_IsTrue(claim) ? "true" : "false";
        }
        else {
            continue;
        }
        name = apr_palloc(p, sizeof(prefix) + strlen(claim->string));
        memcpy(name, prefix, sizeof(prefix) - 1);
        for (c = claim->string, n = name + sizeof(prefix) - 1; *c; c++, n++) {
            *n = apr_isalnum(*c) ? apr_toupper(*c) : '_';
        }
        *n = '\0';
        var = apr_array_push(vars);
        var->name = name;
        var->value = value;
    }
    return vars;
}

const char *approov_claim_block(apr_pool_t *p, const apr_array_header_t *vars,
                                apr_size_t *len)
{
    const approov_claim_var_t *var = (const approov_claim_var_t *)vars->elts;
    apr_table_t *unique = apr_table_make(p, vars->nelts);
    const apr_array_header_t *entries;
    const apr_table_entry_t *entry;
    apr_size_t size = 0, n;
    char *block, *at;
    int i;

    /* The names are upper-case already: the table's case-blind compare
     * is an exact one here. */
    for (i = 0; i < vars->nelts; i++) {
        apr_table_setn(unique, var[i].name, var[i].value);
    }
    entries = apr_table_elts(unique);
    entry = (const apr_table_entry_t *)entries->elts;
    for (i = 0; i < entries->nelts; i++) {
        size += strlen(entry[i].key) + strlen(entry[i].val) + 2;
    }
    block = at = apr_palloc(p, size ? size : 1);
    for (i = 0; i < entries->nelts; i++) {
        n = strlen(entry[i].key) + 1;
        memcpy(at, entry[i].key, n);
        at += n;
        n = strlen(entry[i].val) + 1;
        memcpy(at, entry[i].val, n);
        at += n;
    }
    *len = size;
    return block;
}

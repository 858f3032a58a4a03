/*
 * approov_claims.h: a verified token's claims as environment variables,
 * APPROOV_CLAIM_<NAME>, for logs, CGI and proxied backends.
 *
 * Depends on APR and cJSON only (no httpd header).  The rules (README,
 * "Results and claims"): every top-level string, number or boolean claim
 * with a non-empty name gives one variable; the name is upper-cased, every
 * other character than a letter or digit becomes '_'; a string has control
 * characters escaped as \xHH and '\' as "\\"; a number is an integer when
 * whole and below 2^53 in magnitude, otherwise the shortest %g text (15 to
 * 17 digits) that reads back as the same double, with '.' whatever the
 * locale; a boolean is "true" or "false".
 *
 * Layer 1 of the core (see lib/README.md): includes no core header.
 */
#ifndef APPROOV_CLAIMS_H
#define APPROOV_CLAIMS_H

#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <cjson/cJSON.h>

#define APPROOV_CLAIM_PREFIX "APPROOV_CLAIM_"

/* One variable. */
typedef struct {
    const char *name;
    const char *value;
} approov_claim_var_t;

/* A string claim's value with control characters and '\' escaped, so a log
 * line or a header built from it stays one line (value itself when nothing
 * needs escaping). */
const char *approov_claim_escape(apr_pool_t *p, const char *value);

/* A number claim's value as text (see above). */
const char *approov_claim_number(apr_pool_t *p, double value);

/* The variables of the claims object, in claim order, as
 * approov_claim_var_t: strings allocated from p, or the tree's own where no
 * escaping was needed.  Two claims may give one name (the last one wins
 * when they are set one after the other). */
apr_array_header_t *approov_claim_vars(apr_pool_t *p, const cJSON *claims);

/* The variables as one block of "name\0value\0" pairs, names unique (the
 * last of a name wins), for a cache that hands them out again: *len is its
 * size in bytes (0 for none). */
const char *approov_claim_block(apr_pool_t *p, const apr_array_header_t *vars,
                                apr_size_t *len);

/* The pair at *at in a block ending at end: its name and value, *at moved
 * to the next pair.  Returns 0 at the end.  Inline: it runs for every
 * variable of every request a connection's cache answers. */
static APR_INLINE int approov_claim_block_next(const char **at,
                                               const char *end,
                                               const char **name,
                                               const char **value)
{
    if (*at >= end) {
        return 0;
    }
    *name = *at;
    *at += strlen(*at) + 1;
    *value = *at;
    *at += strlen(*at) + 1;
    return 1;
}

#endif /* APPROOV_CLAIMS_H */

/*
 * approov_sfv.h: a strict parser and canonical serializer for Structured
 * Field Values (RFC 8941), as message signatures need them.
 *
 * Depends on APR only: no httpd header, no OpenSSL, so the unit tests and
 * the fuzzers link the very code the module runs.
 *
 * Parsing follows the algorithms of RFC 8941 section 4.2 step by step:
 * leading and trailing SP are discarded, optional whitespace (SP or HTAB) is
 * allowed only around the commas between members, and anything else fails.
 * A field is never split on commas by hand.
 *
 * Limits, because every field parsed here comes from an untrusted client:
 * APPROOV_SFV_MAX_INPUT bytes of input, APPROOV_SFV_MAX_MEMBERS members in a
 * List or Dictionary (counting repeated keys), APPROOV_SFV_MAX_INNER items
 * in an Inner List and APPROOV_SFV_MAX_PARAMS parameters on one Item or
 * Inner List (counting repeated keys).  Going over any of them fails with
 * APPROOV_SFV_TOO_LARGE.  The last three are exactly the minimums RFC 8941
 * sections 3.1, 3.1.1, 3.1.2 and 3.2 require of every parser.  Repeated
 * keys are found by sorting, so that the work stays near linear in the
 * input at these bounds (about 0.1 ms for 8 KB, whatever the keys).
 *
 * Everything a parse returns is allocated from the pool passed in.  On
 * failure the output structure is left empty.
 *
 * Layer 1 of the core (see lib/README.md): approov_sfv.c includes
 * approov_base64.h.
 */
#ifndef APPROOV_SFV_H
#define APPROOV_SFV_H

#include <apr_pools.h>

#define APPROOV_SFV_MAX_INPUT   8192
#define APPROOV_SFV_MAX_MEMBERS 1024
#define APPROOV_SFV_MAX_INNER   256
#define APPROOV_SFV_MAX_PARAMS  256

/* Largest magnitude of an Integer (15 digits), and of a Decimal's integer
 * part (12 digits). */
#define APPROOV_SFV_INTEGER_MAX APR_INT64_C(999999999999999)
#define APPROOV_SFV_DECIMAL_INT_MAX APR_INT64_C(999999999999)

typedef enum {
    APPROOV_SFV_OK = 0,
    APPROOV_SFV_SYNTAX,     /* not a field of the requested type */
    APPROOV_SFV_TOO_LARGE,  /* over one of the limits above */
    APPROOV_SFV_STATUS_COUNT
} approov_sfv_status_e;

typedef enum {
    APPROOV_SFV_INTEGER = 1,
    APPROOV_SFV_DECIMAL,
    APPROOV_SFV_STRING,
    APPROOV_SFV_TOKEN,
    APPROOV_SFV_BYTES,
    APPROOV_SFV_BOOLEAN
} approov_sfv_type_e;

/* A Bare Item (RFC 8941 section 3.3). */
typedef struct {
    approov_sfv_type_e type;
    /* INTEGER: the value.  DECIMAL: the value in thousandths (a Decimal
     * has at most three fractional digits, so this is exact).  BOOLEAN: 0
     * or 1. */
    apr_int64_t integer;
    /* STRING (unescaped) and TOKEN: NUL-terminated text of len bytes; a
     * String never holds a NUL, a control character or a non-ASCII byte. */
    const char *string;
    /* BYTES: the decoded bytes, len of them. */
    const unsigned char *bytes;
    apr_size_t len;
    /* BYTES: set when the base64 lacked its '=' padding or had non-zero
     * pad bits.  RFC 8941 section 3.3.5 asks parsers to accept both; a
     * caller wanting one spelling per value rejects them. */
    int b64_noncanonical;
} approov_sfv_bare_t;

typedef struct {
    const char *key;
    approov_sfv_bare_t value;
} approov_sfv_param_t;

/* Parameters (RFC 8941 section 3.1.2), in order.  When a key appears more
 * than once the last value wins, at the position of the first (section
 * 4.2.3.2); duplicates counts the repeats so that a caller can refuse
 * them. */
typedef struct {
    int count;
    int duplicates;
    approov_sfv_param_t *items;
} approov_sfv_params_t;

/* An Item: a Bare Item with its Parameters. */
typedef struct {
    approov_sfv_bare_t bare;
    approov_sfv_params_t params;
} approov_sfv_item_t;

/* A List member or Dictionary member value: an Item or an Inner List. */
typedef struct {
    int is_inner_list;
    approov_sfv_bare_t bare;        /* an Item's Bare Item */
    int count;                      /* an Inner List's Items */
    approov_sfv_item_t *items;
    approov_sfv_params_t params;    /* the Item's or the Inner List's */
} approov_sfv_member_t;

typedef struct {
    int count;
    approov_sfv_member_t *members;
} approov_sfv_list_t;

typedef struct {
    const char *key;
    approov_sfv_member_t value;
    int occurrences;                /* times the key appeared; > 1: the last
                                     * value won, at the first position */
} approov_sfv_entry_t;

/* A Dictionary (RFC 8941 section 3.2), in order.  duplicates counts the
 * members that repeated an earlier key: RFC 8941 lets the last one win,
 * security-sensitive callers refuse the field instead. */
typedef struct {
    int count;
    int duplicates;
    approov_sfv_entry_t *entries;
} approov_sfv_dict_t;

/* "ok", "syntax" or "too_large". */
const char *approov_sfv_status_name(approov_sfv_status_e status);

/*
 * Parse a field value of the given type.  text need not be NUL-terminated
 * and may be NULL when len is 0 (an empty List or Dictionary; an empty Item
 * fails).  A combined field value (several field lines joined with ", ")
 * is parsed as one, as RFC 8941 section 4.2 says.
 */
approov_sfv_status_e approov_sfv_parse_list(apr_pool_t *p, const char *text,
                                            apr_size_t len,
                                            approov_sfv_list_t *out);
approov_sfv_status_e approov_sfv_parse_dict(apr_pool_t *p, const char *text,
                                            apr_size_t len,
                                            approov_sfv_dict_t *out);
approov_sfv_status_e approov_sfv_parse_item(apr_pool_t *p, const char *text,
                                            apr_size_t len,
                                            approov_sfv_item_t *out);

/* The entry for key, or NULL. */
const approov_sfv_entry_t *approov_sfv_dict_find(const approov_sfv_dict_t *d,
                                                 const char *key);

/* The value of a parameter, or NULL. */
const approov_sfv_bare_t *approov_sfv_param_find(
    const approov_sfv_params_t *params, const char *key);

/*
 * Canonical serialization (RFC 8941 section 4.1), allocated from p.  Each
 * returns NULL when the structure cannot be serialized: a key, Token or
 * String with a character the type does not allow, an Integer or Decimal
 * out of range.  Boolean true parameters and dictionary members are written
 * without "=?1", as section 4.1 requires.  An empty List or Dictionary
 * serializes to "".
 */
char *approov_sfv_serialize_bare(apr_pool_t *p, const approov_sfv_bare_t *bare);
char *approov_sfv_serialize_params(apr_pool_t *p,
                                   const approov_sfv_params_t *params);
/* A bare item followed by its parameters (params may be NULL). */
char *approov_sfv_serialize_item(apr_pool_t *p, const approov_sfv_bare_t *bare,
                                 const approov_sfv_params_t *params);
/* "(" items separated by single spaces ")" then the parameters. */
char *approov_sfv_serialize_inner_list(apr_pool_t *p,
                                       const approov_sfv_item_t *items,
                                       int count,
                                       const approov_sfv_params_t *params);
/* An Item or an Inner List, as the member says. */
char *approov_sfv_serialize_member(apr_pool_t *p,
                                   const approov_sfv_member_t *member);
char *approov_sfv_serialize_list(apr_pool_t *p, const approov_sfv_list_t *list);
char *approov_sfv_serialize_dict(apr_pool_t *p, const approov_sfv_dict_t *dict);

#endif /* APPROOV_SFV_H */

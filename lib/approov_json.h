/*
 * approov_json.h: strict JSON (RFC 8259) for token headers, payloads and
 * JWK sets: one object, valid UTF-8, no duplicate names, bounded depth.
 *
 * Layer 1 of the core (see lib/README.md): includes approov_base64.h
 * (in the .c, for hex digits).
 */
#ifndef APPROOV_JSON_H
#define APPROOV_JSON_H

#include <apr_pools.h>
#include <cjson/cJSON.h>

/* Deepest JSON nesting accepted in the token header or payload. */
#define APPROOV_JSON_MAX_DEPTH 16

/*
 * Check that text is exactly one JSON object (RFC 8259), optionally
 * surrounded by whitespace, valid UTF-8, without raw control characters
 * or \u0000 in strings, nested at most max_depth deep.  Returns 1 if so.
 */
int approov_json_object_is_strict(const unsigned char *text, apr_size_t len,
                                  int max_depth);

/*
 * Parse one strict JSON object (see approov_json_object_is_strict) with no
 * duplicate member names in any object, nested at most
 * APPROOV_JSON_MAX_DEPTH deep.  Returns NULL when the text breaks any of
 * these rules.  The tree has cJSON's shape and is read with cJSON's
 * functions, but every node and string is allocated from p and goes with
 * it: never cJSON_Delete() it or change it with cJSON's functions.
 */
cJSON *approov_json_parse_object(apr_pool_t *p, const unsigned char *text,
                                 apr_size_t len);

#endif /* APPROOV_JSON_H */

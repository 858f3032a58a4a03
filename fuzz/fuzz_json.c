/*
 * fuzz_json: approov_json_object_is_strict() and approov_json_parse_object()
 * on the raw input.
 *
 * Invariants:
 *  - parse_object() returns non-NULL only if is_strict() (at
 *    APPROOV_JSON_MAX_DEPTH) accepted the text, and then an object without
 *    duplicate member names at any depth (checked here by brute force);
 *  - whenever is_strict() accepts (at APPROOV_JSON_MAX_DEPTH), plain cJSON_ParseWithLength() parses the
 *    text to an object too (the strict scanner never lets through what the
 *    parser after it reads differently or not at all);
 *  - conversely, when is_strict() accepts and cJSON finds no duplicate
 *    names, parse_object() does not refuse;
 *  - what parse_object() builds is exactly the tree cJSON_ParseWithLength()
 *    builds from the same text: types, names, string bytes, numbers bit
 *    for bit, and cJSON's links;
 *  - depth is monotonic: accepted at depth d means accepted at any deeper
 *    limit, and nothing is accepted at depth 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* Brute force: any object, at any depth, with two equal member names. */
static int duplicate_names(const cJSON *node)
{
    const cJSON *a, *b;

    for (a = node->child; a; a = a->next) {
        if (cJSON_IsObject(node)) {
            for (b = a->next; b; b = b->next) {
                if (strcmp(a->string, b->string) == 0) {
                    return 1;
                }
            }
        }
        if (duplicate_names(a)) {
            return 1;
        }
    }
    return 0;
}

/* The same tree, bit for bit: types, names, strings and numbers (cJSON's
 * own cJSON_Compare() lets doubles differ by an epsilon), and the links
 * cJSON makes (the first child's prev is the last child). */
static int same_tree(const cJSON *a, const cJSON *b)
{
    const cJSON *x, *y;

    if (a->type != b->type) return 0;
    if ((a->string == NULL) != (b->string == NULL)) return 0;
    if (a->string && strcmp(a->string, b->string) != 0) return 0;
    if ((a->valuestring == NULL) != (b->valuestring == NULL)) return 0;
    if (a->valuestring && strcmp(a->valuestring, b->valuestring) != 0) return 0;
    if (memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) != 0
        && !(a->valuedouble == b->valuedouble)) return 0;
    if (a->valueint != b->valueint) return 0;
    for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
        if (!same_tree(x, y)) return 0;
        if (x->next && x->next->prev != x) return 0;
    }
    if (x || y) return 0;
    if (a->child && a->child->prev == NULL) return 0;
    if (a->child) {
        for (x = a->child; x->next; x = x->next) {
        }
        if (a->child->prev != x) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    cJSON *parsed, *plain;
    int strict, strict_deep;

    p = fuzz_pool_new();

    strict = approov_json_object_is_strict(data, size,
                                           APPROOV_JSON_MAX_DEPTH);
    FUZZ_CHECK(strict == 0 || strict == 1, "is_strict returned %d", strict);
    FUZZ_CHECK(!approov_json_object_is_strict(data, size, 0),
               "accepted at depth 0");
    strict_deep = approov_json_object_is_strict(data, size, 1000);
    FUZZ_CHECK(!strict || strict_deep, "accepted at depth %d, not at 1000",
               APPROOV_JSON_MAX_DEPTH);
    if (approov_json_object_is_strict(data, size, 1)) {
        FUZZ_CHECK(strict, "accepted at depth 1, not at %d",
                   APPROOV_JSON_MAX_DEPTH);
    }

    parsed = approov_json_parse_object(p, data, size);
    if (fuzz_verbose()) {
        fprintf(stderr, "json: strict %d, deep %d, parsed %d\n", strict,
                strict_deep, parsed != NULL);
    }
    if (parsed) {
        FUZZ_CHECK(strict, "parse_object accepted what is_strict refused");
        FUZZ_CHECK(cJSON_IsObject(parsed), "parse_object: not an object");
        FUZZ_CHECK(!duplicate_names(parsed),
                   "parse_object accepted duplicate member names");
    }

    /* Cross-check with the parser the core hands the text to. */
    if (strict) {
        plain = cJSON_ParseWithLength((const char *)data, size);
        FUZZ_CHECK(plain != NULL, "is_strict accepted a text that "
                   "cJSON_ParseWithLength cannot parse");
        FUZZ_CHECK(cJSON_IsObject(plain), "is_strict accepted a text that "
                   "cJSON parses to a non-object");
        FUZZ_CHECK(parsed || duplicate_names(plain),
                   "parse_object refused a strict object without "
                   "duplicate names");
        /* The core's own parser builds what cJSON's builds. */
        FUZZ_CHECK(!parsed || same_tree(parsed, plain),
                   "parse_object and cJSON_ParseWithLength built different "
                   "trees");
        cJSON_Delete(plain);
    }

    apr_pool_destroy(p);
    return 0;
}

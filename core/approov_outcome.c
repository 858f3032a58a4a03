/*
 * approov_outcome.c: the names of the outcomes (see approov_outcome.h).
 */
#include "approov_outcome.h"

static const char *const result_names[APPROOV_RESULT_COUNT] = {
    "valid",
    "missing",
    "too_long",
    "bad_prefix",
    "malformed",
    "bad_header",
    "bad_alg",
    "bad_signature",
    "bad_payload",
    "bad_exp",
    "bad_nbf",
    "expired",
    "not_yet_valid",
    "no_binding_header",
    "no_pay",
    "bad_pay",
    "pay_mismatch",
    "unknown_kid",
    "no_kid",
    "no_key",
};

const char *approov_result_name(approov_result_e result)
{
    if ((int)result < 0 || result >= APPROOV_RESULT_COUNT) {
        return "unknown";
    }
    return result_names[result];
}

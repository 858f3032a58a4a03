/*
 * test_outcome.c: approov_outcome.c, the one list of outcomes.  Their
 * names are APPROOV_RESULT values, log reasons and counter names, and the
 * counters are laid out in their order: both must stay as they are.
 */
#include <string.h>

#include "approov_outcome.h"
#include "harness.h"

/* Every outcome of a production build, in order, as released. */
static const char *const released[] = {
    "valid", "missing", "too_long", "bad_prefix", "malformed", "bad_header",
    "bad_alg", "bad_signature", "bad_payload", "bad_exp", "bad_nbf",
    "expired", "not_yet_valid", "no_binding_header", "no_pay", "bad_pay",
    "pay_mismatch", "unknown_kid", "no_kid", "no_key", "bad_iss", "bad_aud",
    "sig_missing_headers", "sig_bad_signature_input",
    "sig_bad_signature_header", "sig_bad_alg", "sig_unknown_component",
    "sig_duplicate_component", "sig_missing_component", "sig_no_created",
    "sig_created_in_future", "sig_too_old", "sig_expired",
    "sig_component_absent", "sig_bad_component_value", "sig_bad_ipk",
    "sig_bad_signature",
    "digest_missing", "digest_malformed", "digest_unsupported",
    "digest_mismatch",
    "sig_no_ipk", "sig_body_too_large", "body_error",
    "sig_unknown_mskid", "sig_no_account_key", "sig_bad_mskid",
    "sig_replayed", "replay_cache_unavailable",
    "keys_unavailable",
};
#define RELEASED_COUNT ((int)(sizeof(released) / sizeof(released[0])))

static void test_stable_order(void)
{
    int i;

    CHECK_INT(APPROOV_OUTCOME_COUNT, RELEASED_COUNT);
    for (i = 0; i < RELEASED_COUNT && i < APPROOV_OUTCOME_COUNT; i++) {
        CHECK_STR(approov_outcome_name((approov_outcome_e)i), released[i]);
    }
    CHECK_INT(APPROOV_VALID, 0);
    CHECK_INT(APPROOV_SIG_VALID, APPROOV_VALID);
    CHECK_INT(APPROOV_DIGEST_VALID, APPROOV_VALID);
    CHECK_STR(approov_outcome_name(APPROOV_NO_KEY), "no_key");
    CHECK_STR(approov_outcome_name(APPROOV_SIG_BAD_SIGNATURE),
              "sig_bad_signature");
    CHECK_STR(approov_outcome_name(APPROOV_DIGEST_MISMATCH),
              "digest_mismatch");
    CHECK_STR(approov_outcome_name(APPROOV_BODY_ERROR), "body_error");
    CHECK_STR(approov_outcome_name(APPROOV_KEYS_UNAVAILABLE),
              "keys_unavailable");
}

static void test_names_unique_and_lowercase(void)
{
    int i, j;

    for (i = 0; i < APPROOV_OUTCOME_COUNT; i++) {
        const char *a = approov_outcome_name((approov_outcome_e)i);
        int ok = *a != '\0' && strcmp(a, "unknown") != 0;
        const char *c;

        for (c = a; *c; c++) {
            ok &= (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
                  || *c == '_';
        }
        for (j = 0; j < i; j++) {
            ok &= strcmp(a, approov_outcome_name((approov_outcome_e)j)) != 0;
        }
        CHECK(ok);
        CHECK(*approov_outcome_meaning((approov_outcome_e)i) != '\0');
    }
}

static void test_out_of_range(void)
{
    CHECK_STR(approov_outcome_name(APPROOV_OUTCOME_COUNT), "unknown");
    CHECK_STR(approov_outcome_name((approov_outcome_e)-1), "unknown");
    CHECK_STR(approov_outcome_meaning(APPROOV_OUTCOME_COUNT), "");
    CHECK_STR(approov_outcome_meaning((approov_outcome_e)-1), "");
}

/* The groups' own name functions keep their spelling of valid and of
 * anything outside the group. */
static void test_groups(void)
{
    CHECK_STR(approov_result_name(APPROOV_EXPIRED), "expired");
    CHECK_STR(approov_result_name(APPROOV_SIG_TOO_OLD), "unknown");
    CHECK_STR(approov_sig_result_name(APPROOV_SIG_VALID), "sig_valid");
    CHECK_STR(approov_sig_result_name(APPROOV_SIG_TOO_OLD), "sig_too_old");
    CHECK_STR(approov_sig_result_name(APPROOV_EXPIRED), "sig_unknown");
    CHECK_STR(approov_sig_result_name(APPROOV_DIGEST_MISSING), "sig_unknown");
    CHECK_STR(approov_digest_result_name(APPROOV_DIGEST_VALID),
              "digest_valid");
    CHECK_STR(approov_digest_result_name(APPROOV_DIGEST_MISSING),
              "digest_missing");
    CHECK_STR(approov_digest_result_name(APPROOV_SIG_NO_IPK),
              "digest_unknown");
    CHECK_INT(APPROOV_RESULT_COUNT, APPROOV_SIG_FIRST);
    CHECK_INT(APPROOV_SIG_RESULT_COUNT, APPROOV_DIGEST_FIRST);
}

int main(void)
{
    harness_begin();
    RUN(test_stable_order);
    RUN(test_names_unique_and_lowercase);
    RUN(test_out_of_range);
    RUN(test_groups);
    return harness_end();
}

/*
 * approov_outcome.c: the outcomes' names and meanings, from the one list
 * (see approov_outcome.h).
 */
#include "approov_outcome.h"

static const char *const outcome_names[APPROOV_OUTCOME_COUNT] = {
#define APPROOV_OUTCOME_NAME(id, name, meaning) name,
    APPROOV_OUTCOMES(APPROOV_OUTCOME_NAME)
#undef APPROOV_OUTCOME_NAME
};

static const char *const outcome_meanings[APPROOV_OUTCOME_COUNT] = {
#define APPROOV_OUTCOME_MEANING(id, name, meaning) meaning,
    APPROOV_OUTCOMES(APPROOV_OUTCOME_MEANING)
#undef APPROOV_OUTCOME_MEANING
};

static int in_range(approov_outcome_e outcome, int first, int count)
{
    return (int)outcome >= first && (int)outcome < count;
}

const char *approov_outcome_name(approov_outcome_e outcome)
{
    return in_range(outcome, 0, APPROOV_OUTCOME_COUNT)
           ? outcome_names[outcome] : "unknown";
}

const char *approov_outcome_meaning(approov_outcome_e outcome)
{
    return in_range(outcome, 0, APPROOV_OUTCOME_COUNT)
           ? outcome_meanings[outcome] : "";
}

const char *approov_result_name(approov_result_e result)
{
    return in_range(result, 0, APPROOV_RESULT_COUNT)
           ? outcome_names[result] : "unknown";
}

const char *approov_sig_result_name(approov_sig_result_e result)
{
    if (result == APPROOV_SIG_VALID) {
        return "sig_valid";
    }
    return in_range(result, APPROOV_SIG_FIRST, APPROOV_SIG_RESULT_COUNT)
           ? outcome_names[result] : "sig_unknown";
}

const char *approov_digest_result_name(approov_digest_result_e result)
{
    if (result == APPROOV_DIGEST_VALID) {
        return "digest_valid";
    }
    return in_range(result, APPROOV_DIGEST_FIRST, APPROOV_DIGEST_RESULT_COUNT)
           ? outcome_names[result] : "digest_unknown";
}

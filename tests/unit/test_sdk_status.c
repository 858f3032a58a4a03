/*
 * test_sdk_status.c: approov_sdk_status.c, the SDK's Approov-Status and
 * Approov-TraceID: the list of statuses (counter names, so their order is
 * kept), their lookup, and the sanitiser of both headers.
 */
#include <string.h>

#include "approov_sdk_status.h"
#include "harness.h"

/* Every status, in order, as released. */
static const char *const released[] = {
    "none", "other", "success", "no_network", "mitm_detected",
    "poor_network", "no_approov_service", "bad_url", "unknown_url",
    "unprotected_url", "no_network_permission", "missing_lib_dependency",
    "internal_error", "rejected", "disabled", "unknown_key", "bad_key",
    "bad_payload",
};
#define RELEASED_COUNT ((int)(sizeof(released) / sizeof(released[0])))

static void test_stable_order(void)
{
    int i, j;

    CHECK_INT(APPROOV_SDK_STATUS_COUNT, RELEASED_COUNT);
    for (i = 0; i < RELEASED_COUNT && i < APPROOV_SDK_STATUS_COUNT; i++) {
        CHECK_STR(approov_sdk_status_name((approov_sdk_status_e)i),
                  released[i]);
        for (j = 0; j < i; j++) {
            CHECKF(strcmp(released[i], released[j]) != 0, "%s twice",
                   released[i]);
        }
    }
    CHECK_STR(approov_sdk_status_name(APPROOV_SDK_STATUS_COUNT), "unknown");
    CHECK_STR(approov_sdk_status_name((approov_sdk_status_e)-1), "unknown");
}

static void test_status_of(void)
{
    int i;

    CHECK_INT(approov_sdk_status_of(NULL), APPROOV_SDK_NONE);
    CHECK_INT(approov_sdk_status_of(""), APPROOV_SDK_NONE);
    /* Each of Approov's, lower-case as sent and upper-case as the SDK's
     * enum spells it. */
    for (i = APPROOV_SDK_SUCCESS; i < APPROOV_SDK_STATUS_COUNT; i++) {
        char upper[64];
        const char *name = approov_sdk_status_name((approov_sdk_status_e)i);
        size_t k;

        CHECK_INT(approov_sdk_status_of(name), i);
        for (k = 0; name[k] && k < sizeof(upper) - 1; k++) {
            upper[k] = (char)(name[k] >= 'a' && name[k] <= 'z'
                              ? name[k] - 'a' + 'A' : name[k]);
        }
        upper[k] = '\0';
        CHECK_INT(approov_sdk_status_of(upper), i);
    }
    CHECK_INT(approov_sdk_status_of("No_Network"), APPROOV_SDK_NO_NETWORK);
    /* The list's own words are not the SDK's. */
    CHECK_INT(approov_sdk_status_of("none"), APPROOV_SDK_OTHER);
    CHECK_INT(approov_sdk_status_of("other"), APPROOV_SDK_OTHER);
    /* Only the whole value. */
    CHECK_INT(approov_sdk_status_of("success "), APPROOV_SDK_OTHER);
    CHECK_INT(approov_sdk_status_of("successful"), APPROOV_SDK_OTHER);
    CHECK_INT(approov_sdk_status_of("succes"), APPROOV_SDK_OTHER);
    CHECK_INT(approov_sdk_status_of("no-network"), APPROOV_SDK_OTHER);
    CHECK_INT(approov_sdk_status_of("no_network, rejected"),
              APPROOV_SDK_OTHER);
    CHECK_INT(approov_sdk_status_of("rejected\x01"), APPROOV_SDK_OTHER);
    CHECK_INT(approov_sdk_status_of("\xc3\xa9"), APPROOV_SDK_OTHER);
    CHECK_INT(approov_sdk_status_of("unknown"), APPROOV_SDK_OTHER);
}

static void test_log_token(void)
{
    static const char tchars[] =
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm";
    char longer[200];
    const char *got;
    int c;

    CHECK(approov_log_token(pool, NULL) == NULL);
    CHECK(approov_log_token(pool, "") == NULL);
    /* Nothing to change: the value itself. */
    got = "no_network";
    CHECK(approov_log_token(pool, got) == got);
    CHECK_STR(approov_log_token(pool, "7f3c1e2a-9b4d-4c1e-8f00-0123456789ab"),
              "7f3c1e2a-9b4d-4c1e-8f00-0123456789ab");
    /* Every tchar kept (63 of them, under the bound). */
    CHECK_STR(approov_log_token(pool, tchars), tchars);
    /* Everything else replaced, one '_' per byte. */
    CHECK_STR(approov_log_token(pool, "a b"), "a_b");
    CHECK_STR(approov_log_token(pool, "x\"y=z\\w"), "x_y_z_w");
    CHECK_STR(approov_log_token(pool, "reason=expired uri=/x"),
              "reason_expired_uri__x");
    CHECK_STR(approov_log_token(pool, "a,b;c(d)e<f>g@h:i/j[k]l?m{n}o"),
              "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o");
    CHECK_STR(approov_log_token(pool, "\t\x7f\x80\xff"), "____");
    CHECK_STR(approov_log_token(pool, "\xc3\xa9t\xc3\xa9"), "__t__");
    CHECK_STR(approov_log_token(pool, "base64+/=="), "base64+___");
    for (c = 1; c < 256; c++) {
        char in[2] = { (char)c, 0 };
        const char *out = approov_log_token(pool, in);
        int tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || strchr("!#$%&'*+-.^_`|~", c) != NULL;

        CHECKF(out && strlen(out) == 1 && out[0] == (tchar ? c : '_'),
               "byte %d gives %s", c, out ? out : "NULL");
    }
    /* At most APPROOV_LOG_TOKEN_MAX bytes: cut, whatever follows. */
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    got = approov_log_token(pool, longer);
    CHECK_INT((long long)strlen(got), APPROOV_LOG_TOKEN_MAX);
    CHECK(strspn(got, "a") == APPROOV_LOG_TOKEN_MAX);
    longer[APPROOV_LOG_TOKEN_MAX] = '\0';
    CHECK(approov_log_token(pool, longer) == longer);
    longer[APPROOV_LOG_TOKEN_MAX] = ' ';
    longer[APPROOV_LOG_TOKEN_MAX + 1] = '\0';
    got = approov_log_token(pool, longer);
    CHECK_INT((long long)strlen(got), APPROOV_LOG_TOKEN_MAX);
    CHECK(got != longer && strspn(got, "a") == APPROOV_LOG_TOKEN_MAX);
    longer[APPROOV_LOG_TOKEN_MAX - 1] = ' ';
    got = approov_log_token(pool, longer);
    CHECK_INT((long long)strlen(got), APPROOV_LOG_TOKEN_MAX);
    CHECK(got[APPROOV_LOG_TOKEN_MAX - 1] == '_');
    /* The input is never written to. */
    CHECK(longer[APPROOV_LOG_TOKEN_MAX - 1] == ' ');
}

int main(void)
{
    harness_begin();
    RUN(test_stable_order);
    RUN(test_status_of);
    RUN(test_log_token);
    return harness_end();
}

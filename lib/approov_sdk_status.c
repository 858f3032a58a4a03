/*
 * approov_sdk_status.c: the SDK's status and trace id headers (see
 * approov_sdk_status.h).
 */
#include <string.h>

#include <apr_strings.h>

#include "approov_sdk_status.h"

static const char *const names[APPROOV_SDK_STATUS_COUNT] = {
#define APPROOV_SDK_STATUS_NAME(id, name) name,
    APPROOV_SDK_STATUSES(APPROOV_SDK_STATUS_NAME)
#undef APPROOV_SDK_STATUS_NAME
};

approov_sdk_status_e approov_sdk_status_of(const char *value)
{
    int status;

    if (!value || !*value) {
        return APPROOV_SDK_NONE;
    }
    /* Approov's own statuses only: "none" and "other" are this list's
     * words, not the SDK's. */
    for (status = APPROOV_SDK_SUCCESS; status < APPROOV_SDK_STATUS_COUNT;
         status++) {
        if (strcasecmp(value, names[status]) == 0) {
            return (approov_sdk_status_e)status;
        }
    }
    return APPROOV_SDK_OTHER;
}

const char *approov_sdk_status_name(approov_sdk_status_e status)
{
    return (int)status >= 0 && status < APPROOV_SDK_STATUS_COUNT
           ? names[status] : "unknown";
}

/* RFC 9110 5.6.2's tchar, in ASCII whatever the locale. */
static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

const char *approov_log_token(apr_pool_t *p, const char *value)
{
    apr_size_t len, i;
    char *out;

    if (!value || !*value) {
        return NULL;
    }
    len = strlen(value);
    if (len > APPROOV_LOG_TOKEN_MAX) {
        len = APPROOV_LOG_TOKEN_MAX;
    }
    for (i = 0; i < len && is_tchar((unsigned char)value[i]); i++) {
    }
    if (i == len && value[len] == '\0') {
        return value;
    }
    out = apr_pstrmemdup(p, value, len);
    for (; i < len; i++) {
        if (!is_tchar((unsigned char)out[i])) {
            out[i] = '_';
        }
    }
    return out;
}

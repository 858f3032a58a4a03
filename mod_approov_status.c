/*
 * mod_approov_status.c: the outcomes' counters in shared memory and the
 * mod_status hook (the outcomes and their names: lib/approov_outcome.h),
 * and the missing-token refusals by the SDK's status
 * (lib/approov_sdk_status.h).
 */

#include "apr_atomic.h"
#include "apr_shm.h"

#include "mod_status.h"

#include "mod_approov.h"

#include "approov_sdk_status.h"

/* ------------------------------------------------------------------ */
/* counters                                                            */

/* One counter per outcome, enforced and report-only apart, then one per
 * SDK status for the missing-token refusals, the same two ways, in anonymous
 * shared memory that every child inherits.  It belongs to the process pool,
 * so it outlives graceful restarts; children only increment it.  A graceful
 * restart can load another build of the module (a package upgrade), whose
 * outcomes differ: the segment starts with its layout, and a build that
 * finds another layout there makes a segment of its own. */
#define COUNTER_MODES APPROOV_COUNTER_MODES
#define OUTCOME_SLOTS (COUNTER_MODES * APPROOV_OUTCOME_COUNT)
#define SDK_SLOTS (COUNTER_MODES * APPROOV_SDK_STATUS_COUNT)
#define COUNTER_SLOTS (OUTCOME_SLOTS + SDK_SLOTS)
#define COUNTERS_KEY "mod_approov.counters"
#define COUNTERS_MAGIC APR_UINT64_C(0x417070726f6f7603)   /* "Approov", 3 */

typedef struct {
    apr_uint64_t magic;     /* COUNTERS_MAGIC: the version of this layout */
    apr_uint64_t slots;     /* COUNTER_SLOTS of the build that made it */
    apr_uint64_t names;     /* outcomes_fingerprint() of that build */
    apr_uint64_t count[1];  /* slots of them */
} counter_segment;

#define COUNTERS_SIZE (APR_OFFSETOF(counter_segment, count) \
                       + COUNTER_SLOTS * sizeof(apr_uint64_t))

static volatile apr_uint64_t *counters;

/* FNV-1a over a name and its NUL. */
static apr_uint64_t fingerprint_name(apr_uint64_t hash, const char *name)
{
    const unsigned char *c;

    for (c = (const unsigned char *)name; ; c++) {
        hash = (hash ^ *c) * APR_UINT64_C(0x100000001b3);
        if (!*c) {
            return hash;
        }
    }
}

/* FNV-1a over the outcomes' names in order, then the SDK statuses': two
 * builds that number both alike, whatever else changed, have the same
 * fingerprint. */
static apr_uint64_t outcomes_fingerprint(void)
{
    apr_uint64_t hash = APR_UINT64_C(0xcbf29ce484222325);
    int i;

    for (i = 0; i < APPROOV_OUTCOME_COUNT; i++) {
        hash = fingerprint_name(hash, approov_outcome_name(i));
    }
    /* An empty name between the lists: no name moved from one list to the
     * other keeps the fingerprint. */
    hash = fingerprint_name(hash, "");
    for (i = 0; i < APPROOV_SDK_STATUS_COUNT; i++) {
        hash = fingerprint_name(
            hash, approov_sdk_status_name((approov_sdk_status_e)i));
    }
    return hash;
}

/* Whether a segment found in the process pool has this build's layout. */
static int counters_fit(apr_shm_t *shm)
{
    const counter_segment *seg = apr_shm_baseaddr_get(shm);

    return apr_shm_size_get(shm) >= COUNTERS_SIZE
           && seg->magic == COUNTERS_MAGIC && seg->slots == COUNTER_SLOTS
           && seg->names == outcomes_fingerprint();
}

int approov_create_counters(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    apr_pool_t *process_pool = s->process->pool;
    apr_shm_t *shm = NULL;
    counter_segment *seg;
    apr_status_t rv;

    (void)pconf; (void)plog; (void)ptemp;
    apr_pool_userdata_get((void **)&shm, COUNTERS_KEY, process_pool);
    if (shm && !counters_fit(shm)) {
        /* Children of the old generation may still be counting in it:
         * leave it to them (it goes with the process pool). */
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "approov: counters start from zero: the module's "
                     "outcomes or SDK statuses changed since the last start "
                     "(%d and %d now)", APPROOV_OUTCOME_COUNT,
                     APPROOV_SDK_STATUS_COUNT);
        shm = NULL;
    }
    if (!shm) {
        rv = apr_shm_create(&shm, COUNTERS_SIZE, NULL, process_pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "approov: cannot create the shared counters");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        seg = apr_shm_baseaddr_get(shm);
        memset(seg, 0, COUNTERS_SIZE);
        seg->magic = COUNTERS_MAGIC;
        seg->slots = COUNTER_SLOTS;
        seg->names = outcomes_fingerprint();
        apr_pool_userdata_set(shm, COUNTERS_KEY, apr_pool_cleanup_null,
                              process_pool);
    }
    seg = apr_shm_baseaddr_get(shm);
    counters = seg->count;
    return OK;
}

/* Count an outcome; one out of range (a bug) is not counted, never
 * written past the segment. */
void approov_count(int report_only, int outcome)
{
    if (counters && outcome >= 0 && outcome < APPROOV_OUTCOME_COUNT) {
        apr_atomic_inc64(&counters[(report_only ? APPROOV_OUTCOME_COUNT : 0)
                                   + outcome]);
    }
}

/* A copy of every outcome counter, each read atomically: not one instant
 * as a whole (a request counted meanwhile may be in it or not), but no
 * count is torn and no request waits.  Zeros before the counters exist. */
void approov_read_counters(apr_uint64_t counts[][APPROOV_OUTCOME_COUNT])
{
    int mode, outcome;

    for (mode = 0; mode < COUNTER_MODES; mode++) {
        for (outcome = 0; outcome < APPROOV_OUTCOME_COUNT; outcome++) {
            counts[mode][outcome] = counters
                ? apr_atomic_read64(&counters[mode * APPROOV_OUTCOME_COUNT
                                              + outcome])
                : 0;
        }
    }
}

/* The slot of a missing-token refusal's SDK status, -1 out of range. */
static int sdk_slot(int report_only, int sdk_status)
{
    if (sdk_status < 0 || sdk_status >= APPROOV_SDK_STATUS_COUNT) {
        return -1;
    }
    return OUTCOME_SLOTS + (report_only ? APPROOV_SDK_STATUS_COUNT : 0)
           + sdk_status;
}

void approov_count_missing(int report_only, int sdk_status)
{
    int slot = sdk_slot(report_only, sdk_status);

    if (counters && slot >= 0) {
        apr_atomic_inc64(&counters[slot]);
    }
}

apr_uint64_t approov_outcome_count(int report_only, int outcome)
{
    if (!counters || outcome < 0 || outcome >= APPROOV_OUTCOME_COUNT) {
        return 0;
    }
    return apr_atomic_read64(&counters[(report_only ? APPROOV_OUTCOME_COUNT
                                                    : 0) + outcome]);
}

apr_uint64_t approov_missing_count(int report_only, int sdk_status)
{
    int slot = sdk_slot(report_only, sdk_status);

    return counters && slot >= 0 ? apr_atomic_read64(&counters[slot]) : 0;
}

/* "bad_signature" -> "BadSignature", for the ?auto lines. */
static const char *camel_name(apr_pool_t *p, const char *name)
{
    char *out = apr_pstrdup(p, name), *o = out;
    int upper = 1;

    for (; *name; name++) {
        if (*name == '_') {
            upper = 1;
            continue;
        }
        *o++ = upper ? apr_toupper(*name) : *name;
        upper = 0;
    }
    *o = '\0';
    return out;
}

/* mod_status hook: one "Approov<Mode><Reason>: N" line per outcome, then
 * one "Approov<Mode>MissingSdkStatus<Status>: N" per SDK status. */
int approov_show_counters(request_rec *r, int flags)
{
    static const char *const modes[COUNTER_MODES] = { "", "ReportOnly" };
    int mode, result, sdk;

    if (!counters) {
        return OK;
    }
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs("<hr />\n<h2>Approov token checks</h2>\n"
                 "<table>\n<tr><th>result</th><th>enforced</th>"
                 "<th>report-only</th></tr>\n", r);
        for (result = 0; result < APPROOV_OUTCOME_COUNT; result++) {
            ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%"
                       APR_UINT64_T_FMT "</td></tr>\n",
                       approov_outcome_name(result),
                       approov_outcome_count(0, result),
                       approov_outcome_count(1, result));
        }
        ap_rputs("</table>\n<h3>Missing tokens by the SDK's "
                 "Approov-Status</h3>\n<table>\n<tr><th>status</th>"
                 "<th>enforced</th><th>report-only</th></tr>\n", r);
        for (sdk = 0; sdk < APPROOV_SDK_STATUS_COUNT; sdk++) {
            ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%"
                       APR_UINT64_T_FMT "</td></tr>\n",
                       approov_sdk_status_name((approov_sdk_status_e)sdk),
                       approov_missing_count(0, sdk),
                       approov_missing_count(1, sdk));
        }
        ap_rputs("</table>\n", r);
        return OK;
    }
    for (mode = 0; mode < COUNTER_MODES; mode++) {
        for (result = 0; result < APPROOV_OUTCOME_COUNT; result++) {
            ap_rprintf(r, "Approov%s%s: %" APR_UINT64_T_FMT "\n", modes[mode],
                       camel_name(r->pool, approov_outcome_name(result)),
                       approov_outcome_count(mode, result));
        }
    }
    for (mode = 0; mode < COUNTER_MODES; mode++) {
        for (sdk = 0; sdk < APPROOV_SDK_STATUS_COUNT; sdk++) {
            ap_rprintf(r, "Approov%sMissingSdkStatus%s: %" APR_UINT64_T_FMT
                       "\n", modes[mode],
                       camel_name(r->pool, approov_sdk_status_name(
                                               (approov_sdk_status_e)sdk)),
                       approov_missing_count(mode, sdk));
        }
    }
    return OK;
}


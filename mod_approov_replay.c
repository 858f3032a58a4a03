/*
 * mod_approov_replay.c: replay protection of message signatures through
 * httpd's shared object caches (ap_socache: mod_socache_shmcb on one
 * node, mod_socache_redis or mod_socache_memcache across a fleet), used
 * the way mod_ssl's session cache and mod_authn_socache use them.
 *
 * A signature that verified is accepted once.  Its identity
 * (approov_replay.h: the label, the key, the signature with ECDSA s in
 * the low half) is looked up and, when absent, stored until the signature
 * could no longer be accepted anyway.  The socache interface has no
 * "store if absent": the look-up and the store are one step under the
 * cache's mutex for a provider that needs one (shmcb), and two round
 * trips with a window between them for the networked ones (README,
 * "Running a fleet").
 *
 * The cache is created by the directive (provider->create), started in
 * post_config (provider->init, with a global mutex when the provider is
 * not safe across processes), its mutex reopened in child_init, and
 * destroyed with the configuration pool.
 */

#include "apr_atomic.h"
#include "apr_shm.h"

#include "ap_provider.h"
#include "ap_socache.h"
#include "util_mutex.h"

#include "mod_approov.h"

#include "approov_replay.h"

/* The mutex's type, for the Mutex directive; also the cache's namespace:
 * mod_socache_redis and mod_socache_memcache prefix every key with it, so
 * every node of a fleet finds the others' entries. */
#define REPLAY_CACHE_ID "approov-replay"

/* A cache failure is logged at most once per this many seconds, for all
 * of a node's children together. */
#define FAILURE_LOG_INTERVAL 60

/* One generation's cache (statics, as mod_authn_socache keeps them: there
 * is one per server, set by a directive of the main server). */
static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static const char *provider_arg;        /* as configured, for the logs */
static apr_global_mutex_t *mutex;       /* only for a NOTMPSAFE provider */
static const char *first_on_at;         /* where Replay On was first said */
static int started;                     /* init succeeded */

/* When a failure was last logged, and how many came since, shared by the
 * children. */
typedef struct {
    apr_uint32_t next_log;      /* seconds since the epoch */
    apr_uint32_t unlogged;
} failure_log;
static failure_log *failures;

/* ------------------------------------------------------------------ */
/* directives                                                          */

const char *approov_cmd_ApproovMessageSigningReplayCache(cmd_parms *cmd,
                                                         void *dconf,
                                                         const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *sep = ap_strchr_c(arg, ':');
    const char *name;

    (void)dconf;
    if (err) {
        return err;
    }
    if (provider) {
        return "ApproovMessageSigningReplayCache is set twice: one cache "
               "serves the whole server";
    }
    name = sep ? apr_pstrmemdup(cmd->pool, arg, (apr_size_t)(sep - arg))
               : arg;
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (!provider) {
        return apr_psprintf(cmd->pool, "unknown socache provider '%s': load "
                            "its module first (LoadModule socache_%s_module "
                            "or a2enmod socache_%s)", name, name, name);
    }
    err = provider->create(&instance, sep ? sep + 1 : NULL, cmd->temp_pool,
                           cmd->pool);
    if (err) {
        provider = NULL;
        instance = NULL;
        return apr_psprintf(cmd->pool, "ApproovMessageSigningReplayCache "
                            "%s: %s", arg, err);
    }
    provider_arg = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

const char *approov_cmd_ApproovMessageSigningReplay(cmd_parms *cmd,
                                                    void *dconf, int flag)
{
    approov_dir_conf *conf = dconf;
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);

    if (err) {
        return err;
    }
    conf->replay = flag;
    if (flag) {
        conf->replay_at = apr_psprintf(cmd->pool, "%s:%d",
                                       cmd->directive->filename,
                                       cmd->directive->line_num);
        if (!first_on_at) {
            first_on_at = conf->replay_at;
        }
    }
    return NULL;
}

const char *approov_cmd_ApproovMessageSigningReplayCacheFailure(
    cmd_parms *cmd, void *dconf, const char *arg)
{
    approov_dir_conf *conf = dconf;
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);

    if (err) {
        return err;
    }
    if (!strcasecmp(arg, "closed")) {
        conf->replay_fail_open = 0;
    }
    else if (!strcasecmp(arg, "open")) {
        conf->replay_fail_open = 1;
    }
    else {
        return "ApproovMessageSigningReplayCacheFailure takes closed (refuse "
               "with 503 when the cache cannot be reached) or open (let "
               "the request through)";
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* start-up                                                            */

/* pre_config: a new generation starts with no cache (the statics may
 * survive a graceful restart that keeps the module loaded). */
int approov_replay_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp)
{
    apr_status_t rv;

    (void)ptemp;
    provider = NULL;
    instance = NULL;
    provider_arg = NULL;
    mutex = NULL;
    first_on_at = NULL;
    started = 0;
    failures = NULL;
    rv = ap_mutex_register(pconf, REPLAY_CACHE_ID, NULL, APR_LOCK_DEFAULT, 0);
    if (rv != APR_SUCCESS) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, rv, plog,
                      "approov: cannot register the %s mutex",
                      REPLAY_CACHE_ID);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* check_config (also run by httpd -t): Replay On needs a cache. */
int approov_replay_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf; (void)ptemp; (void)s;
    if (first_on_at && !provider) {
        ap_log_perror(APLOG_MARK, APLOG_EMERG, 0, plog,
                      "ApproovMessageSigningReplay On at %s, but no "
                      "ApproovMessageSigningReplayCache is configured: "
                      "set one in the main server (e.g. "
                      "ApproovMessageSigningReplayCache shmcb)", first_on_at);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static apr_status_t destroy_cache(void *data)
{
    if (instance && provider) {
        provider->destroy(instance, (server_rec *)data);
    }
    instance = NULL;
    started = 0;
    return APR_SUCCESS;
}

static apr_status_t forget_mutex(void *data)
{
    (void)data;
    mutex = NULL;
    return APR_SUCCESS;
}

/* post_config: start the cache, when one is configured. */
int approov_replay_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    /* Hints for the cache: a 32-byte id and a 1-byte entry, kept minutes.
     * shmcb makes one index slot per (id + object) bytes of its segment,
     * and each slot itself takes 24 bytes of it (sizeof(SHMCBIndex)):
     * counted in the object, index and data fill the segment alike;
     * with 1, the data area would hold one entry in 30 slots. */
    static struct ap_socache_hints hints = {
        APPROOV_REPLAY_ID_LEN, 1 + 24,
        apr_time_from_sec(SIGNING_MAX_AGE_DEFAULT)
    };
    apr_shm_t *shm;
    apr_status_t rv;

    (void)plog; (void)ptemp;
    if (!provider) {
        return OK;
    }
    rv = apr_shm_create(&shm, sizeof(*failures), NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "approov: cannot create the replay cache's shared "
                     "failure log");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    failures = apr_shm_baseaddr_get(shm);
    memset(failures, 0, sizeof(*failures));
    if (provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&mutex, NULL, REPLAY_CACHE_ID, NULL, s,
                                    pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "approov: cannot create the %s mutex",
                         REPLAY_CACHE_ID);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_pool_cleanup_register(pconf, NULL, forget_mutex,
                                  apr_pool_cleanup_null);
    }
    rv = provider->init(instance, REPLAY_CACHE_ID, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "approov: cannot start the replay cache %s",
                     provider_arg);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, s, destroy_cache, apr_pool_cleanup_null);
    started = 1;
    return OK;
}

/* child_init: each child reopens the mutex. */
void approov_replay_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;

    if (!mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(&mutex,
                                     apr_global_mutex_lockfile(mutex), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "approov: cannot reopen the %s mutex in a child",
                     REPLAY_CACHE_ID);
    }
}

/* ------------------------------------------------------------------ */
/* the request                                                         */

/* Whether replay protection applies here: On, or not set in a server
 * with a cache (configuring the cache turns it on where signatures are
 * checked). */
static int replay_on(const approov_dir_conf *conf)
{
    return conf->replay == 1 || (conf->replay == -1 && provider != NULL);
}

int approov_replay_cache_configured(void)
{
    return provider != NULL;
}

int approov_replay_fails_open(const approov_dir_conf *conf)
{
    return conf->replay_fail_open == 1;
}

/* Log a cache failure, at most once per FAILURE_LOG_INTERVAL for all the
 * children: the first child past the deadline moves it on and logs, with
 * the number of failures left unlogged since the last line. */
static void log_failure(request_rec *r, const approov_dir_conf *conf,
                        apr_status_t rv, const char *what)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_uint32_t next, unlogged;

    if (!failures) {
        return;
    }
    next = apr_atomic_read32(&failures->next_log);
    if (now < next
        || apr_atomic_cas32(&failures->next_log, now + FAILURE_LOG_INTERVAL,
                            next) != next) {
        apr_atomic_inc32(&failures->unlogged);
        return;
    }
    unlogged = apr_atomic_xchg32(&failures->unlogged, 0);
    ap_log_rerror(APLOG_MARK, approov_replay_fails_open(conf) ? APLOG_WARNING
                                                              : APLOG_ERR,
                  rv, r, "approov: replay cache %s unreachable (%s): "
                  "requests %s (ApproovMessageSigningReplayCacheFailure "
                  "%s); %u more failure(s) since the last such line; next "
                  "line in %d s at the earliest", provider_arg, what,
                  approov_replay_fails_open(conf)
                      ? "let through unchecked for replay"
                      : "refused with 503",
                  approov_replay_fails_open(conf) ? "open" : "closed",
                  unlogged, FAILURE_LOG_INTERVAL);
}

/* The look-up and, when absent, the store: under the mutex for a provider
 * that needs one, which makes them one atomic step. */
static apr_status_t look_up_and_store(request_rec *r, const unsigned char *id,
                                      apr_time_t expiry, int *seen,
                                      const char **what)
{
    unsigned char data[8];
    unsigned int len = sizeof(data);
    unsigned char mark = 1;
    apr_status_t rv, lock = APR_SUCCESS;

    *seen = 0;
    if (mutex && (lock = apr_global_mutex_lock(mutex)) != APR_SUCCESS) {
        *what = "lock";
        return lock;
    }
    rv = provider->retrieve(instance, r->server, id, APPROOV_REPLAY_ID_LEN,
                            data, &len, r->pool);
    if (rv == APR_SUCCESS) {
        *seen = 1;
    }
    else if (APR_STATUS_IS_NOTFOUND(rv)) {
        rv = provider->store(instance, r->server, id, APPROOV_REPLAY_ID_LEN,
                             expiry, &mark, 1, r->pool);
        *what = "store";
    }
    else {
        *what = "look-up";
    }
    if (mutex) {
        apr_global_mutex_unlock(mutex);
    }
    return rv;
}

/* The note, on the request the client sent, that this request itself
 * stored the identity: an internal redirect or subrequest into another
 * protected scope checks the client's signature again and must not take
 * its own request for a replay. */
static const char *accepted_note(request_rec *r, const unsigned char *id)
{
    char hex[2 * APPROOV_REPLAY_ID_LEN + 1];

    ap_bin2hex(id, APPROOV_REPLAY_ID_LEN, hex);
    return apr_pstrcat(r->pool, "approov-replay-accepted:", hex, NULL);
}

/*
 * The replay check of a signature that verified (see mod_approov.h).  A
 * provider with whole-second expiry (redis, memcache) truncates the time
 * left: the entry is kept one second longer than the signature lives.
 */
int approov_replay_check(request_rec *r, const approov_dir_conf *conf,
                         const char *label, const unsigned char *key_id,
                         apr_size_t key_id_len, approov_replay_alg_e alg,
                         const unsigned char *sig, apr_size_t sig_len,
                         apr_time_t expiry)
{
    unsigned char id[APPROOV_REPLAY_ID_LEN];
    request_rec *sent = approov_client_request(r);
    const char *what = "identity", *note = NULL;
    apr_status_t rv = APR_EGENERAL;
    int seen = 0;

    if (!replay_on(conf)) {
        return 0;
    }
    if (!started) {
        what = "not started";
    }
    else if (approov_replay_identity(label, key_id, key_id_len, alg, sig,
                                     sig_len, id)) {
        note = accepted_note(sent, id);
        if (apr_table_get(sent->notes, note)) {
            return 0;
        }
        rv = look_up_and_store(r, id, expiry + apr_time_from_sec(1), &seen,
                               &what);
    }
    if (rv != APR_SUCCESS) {
        log_failure(r, conf, rv, what);
        return APPROOV_REPLAY_CACHE_UNAVAILABLE;
    }
    if (seen) {
        return APPROOV_SIG_REPLAYED;
    }
    apr_table_setn(sent->notes, note, "1");
    return 0;
}

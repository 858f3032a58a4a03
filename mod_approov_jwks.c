/*
 * mod_approov_jwks.c: key sets published at a JWKS URI (ApproovJWKSURI).
 *
 * Start-up never touches the network: the directives check the URL and
 * the CA file, post_config loads the last good copy from the cache file
 * into shared memory, and two watchdogs (mod_watchdog) do the rest off
 * every request's path:
 *
 *   - "approov-jwks-fetch", a singleton child watchdog (one process of
 *     the generation at a time, as mod_md's renewals), fetches each URL
 *     right after start-up, then every ApproovJWKSRefresh (sooner after a
 *     failure, or once a minute at most when a token names an unknown
 *     kid), checks the set by the rules of ApproovJWKSFile, writes it to
 *     the cache file (temporary file, then rename) and publishes its text
 *     in shared memory under a sequence number (odd while it is written).
 *   - "approov-jwks-load", a child watchdog in every child, sees the
 *     sequence number change within a second, parses the text into a new
 *     key set and swaps it in.  So every child verifies with the same set.
 *
 * A request takes a reference to its scope's current set under a mutex
 * and drops it with r->pool: a set replaced while requests still use it is
 * freed by the last of them.  The array header that names a set (which
 * the connection's token cache compares by address) is allocated from a
 * child-lifetime pool and never reused, so a token verified with an old
 * set never counts as verified with a new one.
 */

#include "apr_atomic.h"
#include "apr_file_io.h"
#include "apr_optional.h"
#include "apr_shm.h"
#include "apr_thread_mutex.h"

#include "mod_status.h"
#include "mod_watchdog.h"
#include "unixd.h"

#include <curl/curl.h>
#include <errno.h>
#include <unistd.h>

#include "mod_approov.h"

#include "approov_jwks.h"

/* ------------------------------------------------------------------ */
/* configuration                                                       */

struct approov_jwks_conf {
    const char *url;
    const char *at;             /* "file:line" of the directive */
    server_rec *server;         /* the server it was read in */
    int source;                 /* index in sources, set by post_config */
};

/* Bounds of one fetch. */
#define FETCH_CONNECT_TIMEOUT 5L    /* seconds */
#define FETCH_TIMEOUT 15L           /* seconds, the whole transfer */
/* Retries after a failed fetch: while a set is in use, a minute (or the
 * refresh interval if shorter); while there is none (its scopes answer
 * 503), every 5 seconds for the first minute, then every 30. */
#define RETRY_WITH_SET 60
#define RETRY_NO_SET 5
#define RETRY_NO_SET_TRIES 12
#define RETRY_NO_SET_LATER 30
#define CA_FILE_MAX (1024 * 1024)
#define CACHE_DIR "approov-jwks"

/* One URL's state shared by every process of a generation. */
typedef struct {
    apr_uint32_t seq;           /* even: text is stable; odd: being written;
                                 * 0: no set yet */
    apr_uint32_t len;
    apr_uint32_t kid_miss;      /* a request saw an unknown kid */
    apr_uint32_t streak;        /* failed fetches in a row */
    apr_uint64_t refreshes;     /* fetches that brought a valid set */
    apr_uint64_t failures;      /* fetches that failed */
    apr_uint64_t fetched_at;    /* apr_time_t of the set in use, 0: none */
    apr_uint64_t next_at;       /* the next scheduled fetch, 0: at once */
    apr_uint64_t kid_fetch_at;  /* the last fetch for an unknown kid */
    char text[APPROOV_JWKS_MAX];
} jwks_shared;

/* A parsed set in one child. */
typedef struct {
    apr_pool_t *pool;                   /* unmanaged: the keys */
    const apr_array_header_t *keys;     /* header from child_pool */
    int refs;                           /* requests using it */
    int retired;                        /* no longer current */
} jwks_set;

/* One URL (scopes with the same URL share it). */
typedef struct {
    const char *url;
    const char *at;
    const char *ca_file;        /* NULL: the system's trust store */
    const char *cache_file;
    int refresh;                /* seconds */
    jwks_shared *shared;
    /* per child */
    jwks_set *current;
    apr_uint32_t loaded_seq;
} jwks_source;

/* This generation's sources, made by post_config in the parent. */
static apr_array_header_t *sources;
static server_rec *main_server;
/* Per child. */
static apr_thread_mutex_t *sets_mutex;
static apr_pool_t *child_pool;

#define SOURCE_AT(i) (&APR_ARRAY_IDX(sources, (i), jwks_source))

static const char *directive_at(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                        cmd->directive->line_num);
}

const char *approov_cmd_ApproovJWKSURI(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    approov_dir_conf *conf = dconf;
    approov_server_conf *sconf =
        ap_get_module_config(cmd->server->module_config, &approov_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);
    approov_jwks_conf *jwks;

    if (err) {
        return err;
    }
    if ((err = approov_jwks_check_url(cmd->temp_pool, arg))) {
        return apr_pstrcat(cmd->pool, "ApproovJWKSURI: ", err, NULL);
    }
    if (conf->jwks) {
        return "ApproovJWKSURI is given twice in this scope";
    }
    jwks = apr_pcalloc(cmd->pool, sizeof(*jwks));
    jwks->url = arg;
    jwks->at = directive_at(cmd);
    jwks->server = cmd->server;
    jwks->source = -1;
    conf->jwks = jwks;
    *(approov_dir_conf **)apr_array_push(sconf->jwks_confs) = conf;
    approov_note_key_section(cmd);
    return NULL;
}

const char *approov_cmd_ApproovJWKSRefresh(cmd_parms *cmd, void *dconf,
                                           const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);
    char *end;
    apr_int64_t value;

    if (err) {
        return err;
    }
    value = apr_strtoi64(arg, &end, 10);
    if (!apr_isdigit(*arg) || *end || value < JWKS_REFRESH_MIN
        || value > JWKS_REFRESH_MAX) {
        return apr_psprintf(cmd->pool, "ApproovJWKSRefresh: '%s' is not a "
                            "whole number of seconds from %d to %d", arg,
                            JWKS_REFRESH_MIN, JWKS_REFRESH_MAX);
    }
    ((approov_dir_conf *)dconf)->jwks_refresh = (int)value;
    return NULL;
}

const char *approov_cmd_ApproovJWKSCAFile(cmd_parms *cmd, void *dconf,
                                          const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);
    const char *path;
    char *text;
    apr_size_t len;

    if (err) {
        return err;
    }
    path = ap_server_root_relative(cmd->pool, arg);
    if (!path) {
        return apr_pstrcat(cmd->pool, "ApproovJWKSCAFile: invalid path ", arg,
                           NULL);
    }
    /* Read now, so that a missing or unreadable file stops httpd here
     * rather than failing every fetch later. */
    if ((err = approov_read_file(cmd->temp_pool, path, CA_FILE_MAX, &text,
                                 &len))) {
        return apr_pstrcat(cmd->pool, "ApproovJWKSCAFile: ", err, NULL);
    }
    if (!strstr(text, "-----BEGIN CERTIFICATE-----")) {
        return apr_pstrcat(cmd->pool, "ApproovJWKSCAFile: ", path,
                           " has no PEM certificate", NULL);
    }
    ((approov_dir_conf *)dconf)->jwks_ca_file = path;
    return NULL;
}

const char *approov_cmd_ApproovJWKSCacheFile(cmd_parms *cmd, void *dconf,
                                             const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);
    const char *path;
    char *dir, *slash;
    apr_finfo_t finfo;

    if (err) {
        return err;
    }
    path = ap_server_root_relative(cmd->pool, arg);
    if (!path) {
        return apr_pstrcat(cmd->pool, "ApproovJWKSCacheFile: invalid path ",
                           arg, NULL);
    }
    dir = apr_pstrdup(cmd->temp_pool, path);
    slash = strrchr(dir, '/');
    if (slash) {
        *(slash == dir ? slash + 1 : slash) = '\0';
    }
    if (!slash || apr_stat(&finfo, dir, APR_FINFO_TYPE, cmd->temp_pool)
                  != APR_SUCCESS || finfo.filetype != APR_DIR) {
        return apr_pstrcat(cmd->pool, "ApproovJWKSCacheFile: ", path,
                           ": its directory does not exist", NULL);
    }
    ((approov_dir_conf *)dconf)->jwks_cache_file = path;
    return NULL;
}

/* A scope's setting, else its server's, else the main server's. */
static const approov_dir_conf *server_dir_conf(server_rec *s)
{
    return ap_get_module_config(s->lookup_defaults, &approov_module);
}

#define RESOLVE(conf, s, field, unset) \
    ((conf)->field != (unset) ? (conf)->field \
     : server_dir_conf(s)->field != (unset) ? server_dir_conf(s)->field \
     : server_dir_conf(main_server)->field)

/*
 * check_config hook (httpd -t too): a scope takes its keys from one
 * place, and ApproovJWKSURI needs mod_watchdog.
 */
int approov_jwks_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;
    int i, failed = 0, any = 0;

    (void)pconf; (void)plog; (void)ptemp;
    for (vs = s; vs; vs = vs->next) {
        approov_server_conf *sconf =
            ap_get_module_config(vs->module_config, &approov_module);

        for (i = 0; i < sconf->jwks_confs->nelts; i++) {
            const approov_dir_conf *conf =
                APR_ARRAY_IDX(sconf->jwks_confs, i, approov_dir_conf *);

            any = 1;
            if (conf->keys) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs,
                             "ApproovJWKSURI at %s: this scope also has a "
                             "key (ApproovBase64Secret, ApproovPublicKeyFile, "
                             "ApproovJWKSFile or ApproovEnvFile): give a "
                             "scope one source of keys", conf->jwks->at);
                failed = 1;
            }
        }
    }
    if (any && (!APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance)
                || !APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback))) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "ApproovJWKSURI needs mod_watchdog, which fetches the "
                     "key sets in the background: load it (LoadModule "
                     "watchdog_module)");
        failed = 1;
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

/* ------------------------------------------------------------------ */
/* the shared text                                                     */

/* Publish a set's text to every child (only the fetching watchdog, or the
 * parent before any child runs, writes). */
static void publish(jwks_shared *sh, const char *text, apr_size_t len,
                    apr_time_t fetched_at)
{
    apr_uint32_t seq = apr_atomic_read32(&sh->seq);

    apr_atomic_set32(&sh->seq, seq | 1);
    memcpy(sh->text, text, len);
    apr_atomic_set32(&sh->len, (apr_uint32_t)len);
    apr_atomic_set64(&sh->fetched_at, (apr_uint64_t)fetched_at);
    apr_atomic_set32(&sh->seq, (seq | 1) + 1);
}

static int same_text(jwks_shared *sh, const char *text, apr_size_t len)
{
    return apr_atomic_read32(&sh->seq) != 0
           && apr_atomic_read32(&sh->len) == len
           && memcmp(sh->text, text, len) == 0;
}

/* The kids of a set, for the log. */
static const char *kid_list(apr_pool_t *p, const apr_array_header_t *keys)
{
    const char *list = "";
    int i;

    for (i = 0; i < keys->nelts; i++) {
        const char *kid = approov_key_kid(APPROOV_KEY_AT(keys, i));

        list = apr_pstrcat(p, list, i ? ", " : "", kid ? kid : "(none)",
                           NULL);
    }
    return list;
}

/* post_config: the cache file's set, if it is still good, into the shared
 * text before any child starts. */
static void load_cache_file(apr_pool_t *ptemp, jwks_source *src)
{
    apr_array_header_t *keys = apr_array_make(ptemp, 4,
                                              sizeof(approov_key_t *));
    apr_array_header_t *warnings = apr_array_make(ptemp, 1,
                                                  sizeof(const char *));
    apr_finfo_t finfo;
    const char *err;
    char *text;
    apr_size_t len;

    if (apr_stat(&finfo, src->cache_file, APR_FINFO_MTIME, ptemp)
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, main_server,
                     "approov: JWKS %s: no cached copy at %s yet: its scopes "
                     "answer 503 until the first fetch", src->url,
                     src->cache_file);
        return;
    }
    err = approov_read_file(ptemp, src->cache_file, APPROOV_JWKS_MAX, &text,
                            &len);
    if (!err) {
        err = approov_jwks_parse(ptemp, text, len, keys, warnings);
    }
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     "approov: JWKS %s: the cached copy %s is ignored: %s",
                     src->url, src->cache_file, err);
        return;
    }
    publish(src->shared, text, len, finfo.mtime);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, main_server,
                 "approov: JWKS %s: %d keys (kids %s) from the cached copy "
                 "%s until a fresh one arrives", src->url, keys->nelts,
                 kid_list(ptemp, keys), src->cache_file);
}

/* ------------------------------------------------------------------ */
/* fetching (the singleton watchdog)                                   */

static size_t on_data(char *data, size_t size, size_t count, void *ctx)
{
    /* Returning less than was given aborts the transfer. */
    return approov_jwks_buf_append(ctx, data, size * count) ? size * count
                                                            : 0;
}

/* GET the URL: TLS verified, no redirect, https only, bounded in size and
 * time.  Returns NULL and the body, or why not. */
static const char *fetch(apr_pool_t *p, const jwks_source *src, char **text,
                         apr_size_t *len)
{
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *headers = NULL;
    approov_jwks_buf_t buf;
    long status = 0;
    CURLcode rc;
    CURL *curl = curl_easy_init();

    if (!curl) {
        return "libcurl cannot make a handle";
    }
    approov_jwks_buf_init(p, &buf, APPROOV_JWKS_MAX);
    errbuf[0] = '\0';
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, src->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (src->ca_file) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, src->ca_file);
    }
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, FETCH_CONNECT_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, FETCH_TIMEOUT);
    /* Threads: no signals for timeouts. */
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE, (long)APPROOV_JWKS_MAX);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mod_approov");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);

    if (buf.overflow || rc == CURLE_FILESIZE_EXCEEDED) {
        return apr_psprintf(p, "the answer is over %d bytes",
                            APPROOV_JWKS_MAX);
    }
    if (rc != CURLE_OK) {
        return apr_psprintf(p, "%s", *errbuf ? errbuf
                                             : curl_easy_strerror(rc));
    }
    if (status != 200) {
        return apr_psprintf(p, "HTTP status %ld", status);
    }
    *text = buf.data;
    *len = buf.len;
    return NULL;
}

/* Write the cache file whole or not at all: a temporary file beside it,
 * then a rename. */
static const char *write_cache_file(apr_pool_t *p, const char *path,
                                    const char *text, apr_size_t len)
{
    char *tmp = apr_pstrcat(p, path, ".XXXXXX", NULL);
    apr_file_t *f;
    apr_status_t rv;
    apr_size_t written;
    char errbuf[128];

    rv = apr_file_mktemp(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                         | APR_FOPEN_EXCL | APR_FOPEN_BINARY, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, text, len, &written);
        if (rv == APR_SUCCESS) {
            rv = apr_file_datasync(f);
        }
        if (apr_file_close(f) != APR_SUCCESS && rv == APR_SUCCESS) {
            rv = APR_EGENERAL;
        }
        if (rv == APR_SUCCESS) {
            rv = apr_file_rename(tmp, path, p);
        }
        if (rv != APR_SUCCESS) {
            apr_file_remove(tmp, p);
        }
    }
    return rv == APR_SUCCESS ? NULL
           : apr_psprintf(p, "%s: %s", tmp,
                          apr_strerror(rv, errbuf, sizeof(errbuf)));
}

static void fetch_source(apr_pool_t *p, jwks_source *src, apr_time_t now,
                         const char *why)
{
    jwks_shared *sh = src->shared;
    apr_array_header_t *keys = apr_array_make(p, 4, sizeof(approov_key_t *));
    apr_array_header_t *warnings = apr_array_make(p, 1, sizeof(const char *));
    const char *err;
    char *text = NULL;
    apr_size_t len = 0;
    int i;

    err = fetch(p, src, &text, &len);
    if (!err && (err = approov_jwks_parse(p, text, len, keys, warnings))) {
        err = apr_pstrcat(p, "invalid key set: ", err, NULL);
    }
    if (err) {
        int has_set = apr_atomic_read32(&sh->seq) != 0;
        apr_uint32_t streak = apr_atomic_inc32(&sh->streak) + 1;
        int retry = has_set ? RETRY_WITH_SET
                    : streak <= RETRY_NO_SET_TRIES ? RETRY_NO_SET
                    : RETRY_NO_SET_LATER;

        if (retry > src->refresh) {
            retry = src->refresh;
        }
        apr_atomic_inc64(&sh->failures);
        apr_atomic_set64(&sh->next_at,
                         (apr_uint64_t)(now + apr_time_from_sec(retry)));
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     "approov: JWKS %s: refresh (%s) failed: %s; %s; next "
                     "try in %d s", src->url, why, err,
                     has_set ? "keeping the last good set"
                             : "no key set yet: its scopes answer 503 "
                               "keys_unavailable", retry);
        return;
    }
    for (i = 0; i < warnings->nelts; i++) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     "approov: JWKS %s: %s", src->url,
                     APR_ARRAY_IDX(warnings, i, const char *));
    }
    apr_atomic_set32(&sh->streak, 0);
    apr_atomic_inc64(&sh->refreshes);
    apr_atomic_set64(&sh->next_at,
                     (apr_uint64_t)(now + apr_time_from_sec(src->refresh)));
    if (same_text(sh, text, len)) {
        apr_atomic_set64(&sh->fetched_at, (apr_uint64_t)now);
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, main_server,
                     "approov: JWKS %s: refresh (%s): unchanged", src->url,
                     why);
        return;
    }
    if ((err = write_cache_file(p, src->cache_file, text, len))) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     "approov: JWKS %s: the cached copy cannot be written "
                     "(the set is used all the same, but not kept for the "
                     "next start): %s", src->url, err);
    }
    publish(sh, text, len, now);
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, main_server,
                 "approov: JWKS %s: refresh (%s): new key set of %d keys "
                 "(kids %s)", src->url, why, keys->nelts,
                 kid_list(p, keys));
}

/* Every second in the one process that holds the singleton watchdog. */
static apr_status_t fetch_tick(int state, void *data, apr_pool_t *p)
{
    apr_time_t now = apr_time_now();
    int i;

    (void)data;
    if (state == AP_WATCHDOG_STATE_STOPPING || !sources) {
        return APR_SUCCESS;
    }
    for (i = 0; i < sources->nelts; i++) {
        jwks_source *src = SOURCE_AT(i);
        jwks_shared *sh = src->shared;
        apr_time_t next = (apr_time_t)apr_atomic_read64(&sh->next_at);
        const char *why = NULL;

        if (now >= next) {
            why = next ? "scheduled" : "start-up";
        }
        else if (apr_atomic_read32(&sh->kid_miss)
                 && now - (apr_time_t)apr_atomic_read64(&sh->kid_fetch_at)
                    >= apr_time_from_sec(JWKS_KID_MISS_INTERVAL)) {
            why = "unknown kid";
            apr_atomic_set64(&sh->kid_fetch_at, (apr_uint64_t)now);
        }
        if (why) {
            apr_atomic_set32(&sh->kid_miss, 0);
            fetch_source(p, src, now, why);
        }
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* loading (every child)                                               */

static apr_status_t release_set(void *data)
{
    jwks_set *set = data;
    int free_it;

    apr_thread_mutex_lock(sets_mutex);
    free_it = --set->refs == 0 && set->retired;
    apr_thread_mutex_unlock(sets_mutex);
    if (free_it) {
        apr_pool_destroy(set->pool);
    }
    return APR_SUCCESS;
}

/* Parse the shared text into a new set for this child when it changed. */
static void load_source(apr_pool_t *temp, jwks_source *src)
{
    jwks_shared *sh = src->shared;
    apr_uint32_t seq = apr_atomic_read32(&sh->seq), len;
    apr_array_header_t *keys, *warnings, *header;
    apr_pool_t *pool;
    jwks_set *set, *old;
    const char *err;
    char *text;
    int free_old = 0;

    if (seq == 0 || (seq & 1) || seq == src->loaded_seq) {
        return;
    }
    len = apr_atomic_read32(&sh->len);
    if (len > APPROOV_JWKS_MAX) {
        return;
    }
    text = apr_palloc(temp, len + 1);
    memcpy(text, sh->text, len);
    text[len] = '\0';
    if (apr_atomic_read32(&sh->seq) != seq) {
        return;                 /* written meanwhile: the next tick */
    }
    src->loaded_seq = seq;
    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    keys = apr_array_make(pool, 4, sizeof(approov_key_t *));
    warnings = apr_array_make(pool, 1, sizeof(const char *));
    if ((err = approov_jwks_parse(pool, text, len, keys, warnings))) {
        /* Checked before it was published: only a bug gets here. */
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, main_server,
                     "approov: JWKS %s: the published set is refused: %s",
                     src->url, err);
        apr_pool_destroy(pool);
        return;
    }
    set = apr_pcalloc(pool, sizeof(*set));
    set->pool = pool;

    apr_thread_mutex_lock(sets_mutex);
    header = apr_palloc(child_pool, sizeof(*header));
    *header = *keys;
    set->keys = header;
    old = src->current;
    src->current = set;
    if (old) {
        old->retired = 1;
        free_old = old->refs == 0;
    }
    apr_thread_mutex_unlock(sets_mutex);
    if (free_old) {
        apr_pool_destroy(old->pool);
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, main_server,
                 "approov: JWKS %s: this child now verifies with %d keys",
                 src->url, keys->nelts);
}

/* Every second in every child. */
static apr_status_t load_tick(int state, void *data, apr_pool_t *p)
{
    int i;

    (void)data;
    if (state == AP_WATCHDOG_STATE_STOPPING || !sources || !sets_mutex) {
        return APR_SUCCESS;
    }
    for (i = 0; i < sources->nelts; i++) {
        load_source(p, SOURCE_AT(i));
    }
    return APR_SUCCESS;
}

void approov_jwks_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_pool_t *temp;
    int i;

    if (!sources || !sources->nelts) {
        return;
    }
    if (apr_thread_mutex_create(&sets_mutex, APR_THREAD_MUTEX_DEFAULT,
                                pchild) != APR_SUCCESS
        || apr_pool_create(&child_pool, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "approov: JWKS: cannot make this child's lock");
        sets_mutex = NULL;
        return;
    }
    /* The sets known now, before this child serves its first request. */
    apr_pool_create(&temp, pchild);
    for (i = 0; i < sources->nelts; i++) {
        load_source(temp, SOURCE_AT(i));
    }
    apr_pool_destroy(temp);
}

/* ------------------------------------------------------------------ */
/* the request                                                         */

const apr_array_header_t *approov_jwks_keys(request_rec *r,
                                            const approov_jwks_conf *jwks)
{
    jwks_source *src;
    jwks_set *set;

    if (!sources || jwks->source < 0 || jwks->source >= sources->nelts
        || !sets_mutex) {
        return NULL;
    }
    src = SOURCE_AT(jwks->source);
    apr_thread_mutex_lock(sets_mutex);
    set = src->current;
    if (set) {
        set->refs++;
    }
    apr_thread_mutex_unlock(sets_mutex);
    if (!set) {
        return NULL;
    }
    apr_pool_cleanup_register(r->pool, set, release_set,
                              apr_pool_cleanup_null);
    return set->keys;
}

void approov_jwks_kid_miss(const approov_jwks_conf *jwks)
{
    jwks_shared *sh;

    if (!sources || jwks->source < 0 || jwks->source >= sources->nelts) {
        return;
    }
    sh = SOURCE_AT(jwks->source)->shared;
    if (!apr_atomic_read32(&sh->kid_miss)) {
        apr_atomic_set32(&sh->kid_miss, 1);
    }
}

const char *approov_jwks_url(const approov_jwks_conf *jwks)
{
    return jwks->url;
}

/* ------------------------------------------------------------------ */
/* start-up                                                            */

static apr_status_t cleanup_curl(void *data)
{
    (void)data;
    curl_global_cleanup();
    return APR_SUCCESS;
}

/* The runtime directory's folder for the default cache files, which the
 * children (httpd's User) write. */
static const char *cache_dir(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s)
{
    const char *dir = ap_runtime_dir_relative(pconf, CACHE_DIR);
    apr_status_t rv;

    rv = apr_dir_make(dir, APR_FPROT_UREAD | APR_FPROT_UWRITE
                      | APR_FPROT_UEXECUTE, ptemp);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "approov: JWKS: cannot make %s: fetched key sets will "
                     "not be kept for the next start", dir);
    }
    if (geteuid() == 0 && chown(dir, ap_unixd_config.user_id, -1) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, APR_FROM_OS_ERROR(errno), s,
                     "approov: JWKS: cannot give %s to httpd's User", dir);
    }
    return dir;
}

static int same_string(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The sources, one per URL, from every ApproovJWKSURI. */
static int make_sources(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const char *dir = NULL;
    server_rec *vs;
    int i, j;

    for (vs = s; vs; vs = vs->next) {
        approov_server_conf *sconf =
            ap_get_module_config(vs->module_config, &approov_module);

        for (i = 0; i < sconf->jwks_confs->nelts; i++) {
            approov_dir_conf *conf =
                APR_ARRAY_IDX(sconf->jwks_confs, i, approov_dir_conf *);
            approov_jwks_conf *jwks = conf->jwks;
            int refresh = RESOLVE(conf, jwks->server, jwks_refresh, -1);
            const char *ca = RESOLVE(conf, jwks->server, jwks_ca_file, NULL);
            const char *cache = RESOLVE(conf, jwks->server, jwks_cache_file,
                                        NULL);
            jwks_source *src = NULL;

            if (refresh < 0) {
                refresh = JWKS_REFRESH_DEFAULT;
            }
            if (!cache) {
                if (!dir) {
                    dir = cache_dir(pconf, ptemp, s);
                }
                cache = apr_pstrcat(pconf, dir, "/",
                                    approov_jwks_cache_name(pconf, jwks->url),
                                    NULL);
            }
            for (j = 0; j < sources->nelts; j++) {
                jwks_source *other = SOURCE_AT(j);

                if (!strcmp(other->url, jwks->url)) {
                    src = other;
                    break;
                }
                if (!strcmp(other->cache_file, cache)) {
                    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                                 "ApproovJWKSURI at %s and at %s: two URLs "
                                 "cannot share the cache file %s", other->at,
                                 jwks->at, cache);
                    return HTTP_INTERNAL_SERVER_ERROR;
                }
            }
            if (src && (!same_string(src->ca_file, ca)
                        || strcmp(src->cache_file, cache))) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                             "ApproovJWKSURI at %s and at %s: one URL, "
                             "another ApproovJWKSCAFile or "
                             "ApproovJWKSCacheFile: give them the same",
                             src->at, jwks->at);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            if (!src) {
                src = apr_array_push(sources);
                memset(src, 0, sizeof(*src));
                src->url = jwks->url;
                src->at = jwks->at;
                src->ca_file = ca;
                src->cache_file = cache;
                src->refresh = refresh;
            }
            else if (refresh < src->refresh) {
                src->refresh = refresh;
            }
            jwks->source = (int)(src - SOURCE_AT(0));
        }
    }
    return OK;
}

/*
 * post_config hook: the sources, their shared memory (filled from the
 * cache files) and the two watchdogs.  Nothing here waits on the network.
 */
int approov_jwks_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    ap_watchdog_t *fetcher, *loader;
    apr_shm_t *shm;
    apr_status_t rv;
    char *base;
    int i, status;

    (void)plog;
    sources = apr_array_make(pconf, 2, sizeof(jwks_source));
    main_server = s;
    sets_mutex = NULL;
    if ((status = make_sources(pconf, ptemp, s)) != OK || !sources->nelts) {
        return status;
    }
    /* The first of the two start-up passes only checks the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "approov: libcurl cannot start");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, NULL, cleanup_curl,
                              apr_pool_cleanup_null);

    rv = apr_shm_create(&shm, sources->nelts * sizeof(jwks_shared), NULL,
                        pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "approov: JWKS: cannot create the shared memory");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    base = apr_shm_baseaddr_get(shm);
    memset(base, 0, sources->nelts * sizeof(jwks_shared));
    for (i = 0; i < sources->nelts; i++) {
        SOURCE_AT(i)->shared = (jwks_shared *)(base + i * sizeof(jwks_shared));
        load_cache_file(ptemp, SOURCE_AT(i));
    }

    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!get_instance || !register_callback) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "ApproovJWKSURI at %s needs mod_watchdog",
                     SOURCE_AT(0)->at);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rv = get_instance(&fetcher, "approov-jwks-fetch", 0, 1, pconf))
        != APR_SUCCESS
        || (rv = register_callback(fetcher, AP_WD_TM_INTERVAL, NULL,
                                   fetch_tick)) != APR_SUCCESS
        || (rv = get_instance(&loader, "approov-jwks-load", 0, 0, pconf))
           != APR_SUCCESS
        || (rv = register_callback(loader, AP_WD_TM_INTERVAL, NULL,
                                   load_tick)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "approov: JWKS: cannot start mod_watchdog's watchdogs");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* ------------------------------------------------------------------ */
/* state, for mod_status and metrics                                   */

int approov_jwks_state(int i, approov_jwks_state_t *out)
{
    jwks_shared *sh;
    apr_time_t fetched;

    if (!sources || i < 0 || i >= sources->nelts || !SOURCE_AT(i)->shared) {
        return 0;
    }
    sh = SOURCE_AT(i)->shared;
    fetched = (apr_time_t)apr_atomic_read64(&sh->fetched_at);
    out->url = SOURCE_AT(i)->url;
    out->has_set = apr_atomic_read32(&sh->seq) != 0;
    out->age = out->has_set && fetched
               ? (apr_int64_t)apr_time_sec(apr_time_now() - fetched) : -1;
    out->refreshes = apr_atomic_read64(&sh->refreshes);
    out->failures = apr_atomic_read64(&sh->failures);
    out->keys = 0;
    if (sets_mutex) {
        apr_thread_mutex_lock(sets_mutex);
        if (SOURCE_AT(i)->current) {
            out->keys = SOURCE_AT(i)->current->keys->nelts;
        }
        apr_thread_mutex_unlock(sets_mutex);
    }
    return 1;
}

/* mod_status hook: one block of lines per JWKS URI. */
int approov_jwks_show_status(request_rec *r, int flags)
{
    approov_jwks_state_t st;
    int i;

    for (i = 0; approov_jwks_state(i, &st); i++) {
        if (flags & AP_STATUS_SHORT) {
            ap_rprintf(r, "ApproovJWKS%dURL: %s\n"
                       "ApproovJWKS%dAgeSeconds: %" APR_INT64_T_FMT "\n"
                       "ApproovJWKS%dRefreshes: %" APR_UINT64_T_FMT "\n"
                       "ApproovJWKS%dRefreshFailures: %" APR_UINT64_T_FMT
                       "\n", i, st.url, i, st.age, i, st.refreshes, i,
                       st.failures);
        }
        else {
            ap_rprintf(r, "<p>Approov JWKS %s: %s, %" APR_UINT64_T_FMT
                       " refreshes, %" APR_UINT64_T_FMT " failed</p>\n",
                       ap_escape_html(r->pool, st.url),
                       st.has_set ? apr_psprintf(r->pool, "set %"
                                                 APR_INT64_T_FMT " s old",
                                                 st.age)
                                  : "no set", st.refreshes, st.failures);
        }
    }
    return OK;
}

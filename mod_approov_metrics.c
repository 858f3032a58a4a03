/*
 * mod_approov_metrics.c: "SetHandler approov-metrics", every counter and
 * gauge of the module in the Prometheus text exposition format 0.0.4.
 *
 * The page is a table of metric families (families[] below): a name, a
 * type, a help line and a callback that writes the family's samples with
 * metric_sample().  A new family is one row and one callback; a family
 * whose source is absent (a feature not configured) writes no sample, and
 * its HELP and TYPE lines still say what it would be.
 *
 * Nothing here runs on another request's path: the handler reads the
 * shared counters with atomic loads (no lock), copying them all before it
 * writes anything, and reads the configuration, which is read-only.
 */

#include "apr_hash.h"

#include "http_main.h"

#include "mod_approov.h"

#include "approov_sdk_status.h"

#define METRICS_HANDLER "approov-metrics"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#ifndef APPROOV_VERSION
#define APPROOV_VERSION "unknown"
#endif

/* The page being written: pieces of text, joined once at the end. */
typedef struct {
    request_rec *r;
    apr_array_header_t *text;
    /* The counters, copied before anything is written. */
    apr_uint64_t counts[APPROOV_COUNTER_MODES][APPROOV_OUTCOME_COUNT];
    apr_uint64_t missing[APPROOV_COUNTER_MODES][APPROOV_SDK_STATUS_COUNT];
    /* The configuration's scopes (page_scopes()), made on first use. */
    const apr_array_header_t *scopes;
} metrics_page;

static void emit(metrics_page *page, const char *text)
{
    *(const char **)apr_array_push(page->text) = text;
}

/* Escape a label value (backslash, double quote, line feed) or, with
 * in_help, a HELP text (backslash, line feed), as the format says. */
static const char *escape(apr_pool_t *p, const char *value, int in_help)
{
    apr_size_t extra = 0;
    const char *c;
    char *out, *o;

    for (c = value; *c; c++) {
        extra += *c == '\\' || *c == '\n' || (*c == '"' && !in_help);
    }
    if (!extra) {
        return value;
    }
    out = o = apr_palloc(p, strlen(value) + extra + 1);
    for (c = value; *c; c++) {
        if (*c == '\\' || (*c == '"' && !in_help)) {
            *o++ = '\\';
            *o++ = *c;
        }
        else if (*c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else {
            *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

/* "name{a="x",b="y"} " for labels { "a", "x", "b", "y", NULL }. */
static void emit_series(metrics_page *page, const char *name,
                        const char *const *labels)
{
    apr_pool_t *p = page->r->pool;
    int i;

    emit(page, name);
    for (i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
        emit(page, i ? ",": "{");
        emit(page, apr_pstrcat(p, labels[i], "=\"",
                               escape(p, labels[i + 1], 0), "\"", NULL));
    }
    emit(page, i ? "} " : " ");
}

/* One sample of a family: labels are name, value pairs ending in NULL
 * (or NULL for none). */
static void metric_sample(metrics_page *page, const char *name,
                          const char *const *labels, apr_uint64_t value)
{
    emit_series(page, name, labels);
    emit(page, apr_psprintf(page->r->pool, "%" APR_UINT64_T_FMT "\n", value));
}

/* ------------------------------------------------------------------ */
/* the families' samples                                               */

static void build_info_samples(metrics_page *page, const char *name)
{
    const char *const labels[] = { "version", APPROOV_VERSION, NULL };

    metric_sample(page, name, labels, 1);
}

/* The mode label of every family counted by mode, as the counters'
 * index: approov_requests_total's. */
static const char *const modes[APPROOV_COUNTER_MODES] = {
    "enforce", "report_only"
};

/* Every outcome in both modes, zeros too: a series exists from the start,
 * so rate() sees its first request. */
static void requests_samples(metrics_page *page, const char *name)
{
    int mode, outcome;

    for (mode = 0; mode < APPROOV_COUNTER_MODES; mode++) {
        for (outcome = 0; outcome < APPROOV_OUTCOME_COUNT; outcome++) {
            const char *const labels[] = {
                "outcome", approov_outcome_name(outcome),
                "mode", modes[mode], NULL
            };

            metric_sample(page, name, labels, page->counts[mode][outcome]);
        }
    }
}

/* Missing-token refusals by the SDK's Approov-Status, every status in
 * both modes from the start, as above.  Their sum per mode is
 * approov_requests_total{outcome="missing"}. */
static void missing_samples(metrics_page *page, const char *name)
{
    int mode, sdk;

    for (mode = 0; mode < APPROOV_COUNTER_MODES; mode++) {
        for (sdk = 0; sdk < APPROOV_SDK_STATUS_COUNT; sdk++) {
            const char *const labels[] = {
                "sdk_status",
                approov_sdk_status_name((approov_sdk_status_e)sdk),
                "mode", modes[mode], NULL
            };

            metric_sample(page, name, labels, page->missing[mode][sdk]);
        }
    }
}

/* One outcome's counts by mode, when a replay cache is configured (no
 * sample without one: nothing could count).  The outcome counters are
 * these families' only source: a request is counted once, on its path, by
 * approov_count(). */
static void outcome_by_mode(metrics_page *page, const char *name,
                            int outcome)
{
    int mode;

    if (!approov_replay_cache_configured()) {
        return;
    }
    for (mode = 0; mode < APPROOV_COUNTER_MODES; mode++) {
        const char *const labels[] = { "mode", modes[mode], NULL };

        metric_sample(page, name, labels, page->counts[mode][outcome]);
    }
}

static void replay_hits_samples(metrics_page *page, const char *name)
{
    outcome_by_mode(page, name, APPROOV_SIG_REPLAYED);
}

static void replay_errors_samples(metrics_page *page, const char *name)
{
    outcome_by_mode(page, name, APPROOV_REPLAY_CACHE_UNAVAILABLE);
}

/* ------------------------------------------------------------------ */
/* key sets from JWKS URIs, one series per URL                          */

typedef enum { JWKS_AGE, JWKS_KEYS, JWKS_REFRESHES, JWKS_FAILURES } jwks_field;

static void jwks_samples(metrics_page *page, const char *name,
                         jwks_field field)
{
    approov_jwks_state_t st;
    int i;

    for (i = 0; approov_jwks_state(i, &st); i++) {
        const char *const labels[] = { "url", st.url, NULL };

        switch (field) {
        case JWKS_AGE:
            /* No set yet (never fetched, no cached copy): no sample, not a
             * made-up age; approov_jwks_keys says 0 then.  A cached copy
             * dated in the future (another clock) is taken as new. */
            if (st.has_set) {
                metric_sample(page, name, labels,
                              (apr_uint64_t)(st.age > 0 ? st.age : 0));
            }
            break;
        case JWKS_KEYS:
            metric_sample(page, name, labels, (apr_uint64_t)st.keys);
            break;
        case JWKS_REFRESHES:
            metric_sample(page, name, labels, st.refreshes);
            break;
        case JWKS_FAILURES:
            metric_sample(page, name, labels, st.failures);
            break;
        }
    }
}

static void jwks_age_samples(metrics_page *page, const char *name)
{
    jwks_samples(page, name, JWKS_AGE);
}

static void jwks_keys_samples(metrics_page *page, const char *name)
{
    jwks_samples(page, name, JWKS_KEYS);
}

static void jwks_refreshes_samples(metrics_page *page, const char *name)
{
    jwks_samples(page, name, JWKS_REFRESHES);
}

static void jwks_failures_samples(metrics_page *page, const char *name)
{
    jwks_samples(page, name, JWKS_FAILURES);
}

/* ------------------------------------------------------------------ */
/* the configuration's scopes, for families labelled by scope           */

/* A section of the configuration in which mod_approov has settings of its
 * own, named by three labels: server (host:port of the server it is
 * written in), section (its kind: server, Location, Directory/Files ...)
 * and path (its path or pattern, "" for a whole server). */
typedef struct {
    const char *server, *section, *path;
    /* The section's own configuration (a virtual host's "server" one is
     * already merged with the main server's by httpd). */
    const approov_dir_conf *conf;
    int own_keys;           /* keys the section configures itself */
    /* Its own ApproovJWKSURI, or NULL: keys fetched at run time. */
    const approov_jwks_conf *jwks;
} metrics_scope;

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *list;   /* metrics_scope */
    apr_hash_t *seen;           /* labels joined -> index + 1 in list */
} scope_walk;

/* The number of keys a section configures itself (a JWKS URI's are
 * counted by keys_samples(), as held now). */
static int own_key_count(const approov_dir_conf *conf)
{
    return conf && conf->keys ? conf->keys->nelts : 0;
}

/* Two sections with the same labels: the later wins, as in httpd's
 * merge, so that no series appears twice. */
static void note_scope(scope_walk *walk, const char *server,
                       const char *section, const char *path,
                       const approov_dir_conf *conf, int own_keys,
                       const approov_jwks_conf *jwks)
{
    const char *id = apr_pstrcat(walk->pool, server, "\n", section, "\n",
                                 path, NULL);
    apr_size_t index = (apr_size_t)apr_hash_get(walk->seen, id,
                                                APR_HASH_KEY_STRING);
    metrics_scope *scope;

    if (index) {
        scope = &APR_ARRAY_IDX(walk->list, index - 1, metrics_scope);
    }
    else {
        scope = apr_array_push(walk->list);
        apr_hash_set(walk->seen, id, APR_HASH_KEY_STRING,
                     (void *)(apr_size_t)walk->list->nelts);
    }
    scope->server = server;
    scope->section = section;
    scope->path = path;
    scope->conf = conf;
    scope->own_keys = own_keys;
    scope->jwks = jwks;
}

static int inherited(const apr_array_header_t *from, const void *section)
{
    int i;

    for (i = 0; from && i < from->nelts; i++) {
        if (APR_ARRAY_IDX(from, i, const void *) == section) {
            return 1;
        }
    }
    return 0;
}

static void walk_sections(scope_walk *walk, const char *server,
                          const char *outer, const char *outer_path,
                          const apr_array_header_t *sections,
                          const apr_array_header_t *skip,
                          const char *kind, const char *match_kind);

/* One section and those inside it (<Files>, <If>). */
static void walk_section(scope_walk *walk, const char *server,
                         const char *section, const char *path,
                         ap_conf_vector_t *v)
{
    const approov_dir_conf *conf = ap_get_module_config(v, &approov_module);
    const core_dir_config *core = ap_get_core_module_config(v);
    const char *outer = apr_pstrcat(walk->pool, section, "/", NULL);

    if (conf) {
        note_scope(walk, server, section, path, conf, own_key_count(conf),
                   conf->jwks);
    }
    if (core) {
        walk_sections(walk, server, outer, path, core->sec_file, NULL,
                      "Files", "FilesMatch");
        walk_sections(walk, server, outer, path, core->sec_if, NULL,
                      "If", "If");
    }
}

/* The sections of one kind; those in skip (a virtual host's copies of the
 * main server's) are left out. */
static void walk_sections(scope_walk *walk, const char *server,
                          const char *outer, const char *outer_path,
                          const apr_array_header_t *sections,
                          const apr_array_header_t *skip,
                          const char *kind, const char *match_kind)
{
    int i;

    for (i = 0; sections && i < sections->nelts; i++) {
        ap_conf_vector_t *v = APR_ARRAY_IDX(sections, i, ap_conf_vector_t *);
        const core_dir_config *core = ap_get_core_module_config(v);
        const char *path = outer_path;

        if (inherited(skip, v)) {
            continue;
        }
        /* An <If> has the path of the section around it. */
        if (core && core->d && strcmp(core->d, path) != 0) {
            path = *path ? apr_pstrcat(walk->pool, path, " ", core->d, NULL)
                         : core->d;
        }
        walk_section(walk, server,
                     apr_pstrcat(walk->pool, outer,
                                 core && core->r ? match_kind : kind, NULL),
                     path, v);
    }
}

/* Every scope of every server, each once: a virtual host carries the main
 * server's sections too, which are listed under the main server only.
 * Made on first use, once per page.  (.htaccess files are read per
 * request: not here.) */
static const apr_array_header_t *page_scopes(metrics_page *page)
{
    apr_pool_t *p = page->r->pool;
    server_rec *main_server = ap_server_conf, *s;
    const approov_dir_conf *main_dconf =
        ap_get_module_config(main_server->lookup_defaults, &approov_module);
    const core_server_config *main_core =
        ap_get_core_module_config(main_server->module_config);
    const core_dir_config *main_top =
        ap_get_core_module_config(main_server->lookup_defaults);
    scope_walk walk;

    if (page->scopes) {
        return page->scopes;
    }
    walk.pool = p;
    walk.list = apr_array_make(p, 16, sizeof(metrics_scope));
    walk.seen = apr_hash_make(p);
    for (s = main_server; s; s = s->next) {
        int is_main = s == main_server;
        const approov_dir_conf *dconf =
            ap_get_module_config(s->lookup_defaults, &approov_module);
        const core_server_config *core =
            ap_get_core_module_config(s->module_config);
        const core_dir_config *top =
            ap_get_core_module_config(s->lookup_defaults);
        const char *host = s->server_hostname ? s->server_hostname : "";
        const char *server = s->port ? apr_psprintf(p, "%s:%u", host,
                                                    (unsigned)s->port)
                                     : host;

        if (dconf) {
            note_scope(&walk, server, "server", "", dconf,
                       is_main || !main_dconf
                       || dconf->keys != main_dconf->keys
                       ? own_key_count(dconf) : 0,
                       is_main || !main_dconf
                       || dconf->jwks != main_dconf->jwks ? dconf->jwks
                                                          : NULL);
        }
        walk_sections(&walk, server, "", "", core->sec_url,
                      is_main ? NULL : main_core->sec_url,
                      "Location", "LocationMatch");
        walk_sections(&walk, server, "", "", core->sec_dir,
                      is_main ? NULL : main_core->sec_dir,
                      "Directory", "DirectoryMatch");
        walk_sections(&walk, server, "", "", top->sec_file,
                      is_main ? NULL : main_top->sec_file,
                      "Files", "FilesMatch");
        walk_sections(&walk, server, "", "", top->sec_if,
                      is_main ? NULL : main_top->sec_if, "If", "If");
    }
    page->scopes = walk.list;
    return page->scopes;
}

/* A scope's three labels, to start a family's list: { SCOPE_LABELS(scope),
 * "name", value, NULL }. */
#define SCOPE_LABELS(scope) \
    "server", (scope)->server, "section", (scope)->section, \
    "path", (scope)->path

static void keys_samples(metrics_page *page, const char *name)
{
    const approov_server_conf *main_sconf =
        ap_get_module_config(ap_server_conf->module_config, &approov_module);
    const apr_array_header_t *scopes = page_scopes(page);
    int i;

    if (main_sconf && main_sconf->environment_keys) {
        const char *const labels[] = {
            "server", "", "section", "environment", "path", "", NULL
        };

        metric_sample(page, name, labels,
                      (apr_uint64_t)main_sconf->environment_keys->nelts);
    }
    for (i = 0; i < scopes->nelts; i++) {
        const metrics_scope *scope =
            &APR_ARRAY_IDX(scopes, i, metrics_scope);
        const char *const labels[] = { SCOPE_LABELS(scope), NULL };

        if (scope->jwks) {
            /* The set this child verifies the scope's tokens with now, 0
             * while there is none (its requests get 503 keys_unavailable):
             * it changes with each refresh, as a gauge may. */
            const apr_array_header_t *keys =
                approov_jwks_keys(page->r, scope->jwks);

            metric_sample(page, name, labels,
                          (apr_uint64_t)(keys ? keys->nelts : 0));
        }
        else if (scope->own_keys) {
            metric_sample(page, name, labels, (apr_uint64_t)scope->own_keys);
        }
    }
}

/* ------------------------------------------------------------------ */
/* the families                                                        */

typedef struct {
    const char *name;
    const char *type;       /* "counter", "gauge", "untyped" */
    const char *help;
    void (*samples)(metrics_page *page, const char *name);
} metric_family;

/* In the order of the page.  To add a family: a row here, a callback that
 * reads its source without a lock another request would wait on (counters
 * in shared memory read with apr_atomic_read64, as approov_read_counters
 * does), a row in README's "Metrics for Prometheus" and a check in
 * t/metrics.t.  A family per scope loops over page_scopes() and starts its
 * labels with SCOPE_LABELS(scope).  A counter's name ends in _total.  A new
 * outcome needs nothing here: approov_requests_total lists them all. */
static const metric_family families[] = {
    { "approov_build_info", "gauge",
      "mod_approov's build: always 1, the version in a label",
      build_info_samples },
    { "approov_requests_total", "counter",
      "Requests checked by mod_approov on this node, by outcome (the "
      "reason of APPROOV_RESULT) and mode (enforce or report_only)",
      requests_samples },
    { "approov_keys", "gauge",
      "Keys a scope configures itself, or for an ApproovJWKSURI the keys "
      "of the set it verifies with now (server is host:port, section the "
      "kind of configuration section, path its path or pattern)",
      keys_samples },
    { "approov_missing_tokens_total", "counter",
      "Requests refused (or reported) for a missing token on this node, by "
      "the SDK's Approov-Status (none: no header; other: a value Approov "
      "does not define) and mode",
      missing_samples },
    { "approov_replay_hits_total", "counter",
      "Signed requests refused (or reported) on this node as replays of a "
      "signature already used (outcome sig_replayed), by mode",
      replay_hits_samples },
    { "approov_replay_cache_errors_total", "counter",
      "Requests on this node whose replay check could not reach the replay "
      "cache (outcome replay_cache_unavailable: refused with 503, or let "
      "through under ApproovMessageSigningReplayCacheFailure open), by mode",
      replay_errors_samples },
    { "approov_jwks_age_seconds", "gauge",
      "Seconds since this node last fetched the key set of an "
      "ApproovJWKSURI successfully (for a cached copy loaded at start-up: "
      "since it was written); no sample before there is a set",
      jwks_age_samples },
    { "approov_jwks_keys", "gauge",
      "Keys in the set of an ApproovJWKSURI that this node verifies with "
      "now, 0 while it has none",
      jwks_keys_samples },
    { "approov_jwks_refreshes_total", "counter",
      "Fetches of an ApproovJWKSURI's key set that brought a valid set, "
      "since httpd's last (re)start",
      jwks_refreshes_samples },
    { "approov_jwks_refresh_failures_total", "counter",
      "Fetches of an ApproovJWKSURI's key set that failed (unreachable, "
      "TLS, HTTP status, invalid or too large set), since httpd's last "
      "(re)start",
      jwks_failures_samples },
};

/* ------------------------------------------------------------------ */
/* the handler                                                         */

/*
 * Handler for "SetHandler approov-metrics".  DECLINED for other handlers;
 * 405 for a method other than GET or HEAD; OK once the page is sent.
 * Who may read it is the operator's choice (Require ip ...), as for any
 * handler: the module adds no check of its own.
 */
int approov_metrics_handler(request_rec *r)
{
    metrics_page page;
    const char *body;
    apr_size_t i;

    if (!r->handler || strcmp(r->handler, METRICS_HANDLER) != 0) {
        return DECLINED;
    }
    ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);   /* Allow: of a 405 */
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }

    page.r = r;
    page.scopes = NULL;
    page.text = apr_array_make(r->pool, 512, sizeof(const char *));
    approov_read_counters(page.counts);
    for (i = 0; i < APPROOV_COUNTER_MODES; i++) {
        int sdk;

        for (sdk = 0; sdk < APPROOV_SDK_STATUS_COUNT; sdk++) {
            page.missing[i][sdk] = approov_missing_count((int)i, sdk);
        }
    }
    for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        const metric_family *family = &families[i];

        emit(&page, apr_pstrcat(r->pool, "# HELP ", family->name, " ",
                                escape(r->pool, family->help, 1), "\n# TYPE ",
                                family->name, " ", family->type, "\n", NULL));
        family->samples(&page, family->name);
    }
    body = apr_array_pstrcat(r->pool, page.text, 0);

    ap_set_content_type(r, METRICS_CONTENT_TYPE);
    /* Every scrape must see the node's counters now, not a cache's copy. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    r->no_cache = 1;
    ap_set_content_length(r, strlen(body));
    if (!r->header_only) {
        ap_rputs(body, r);
    }
    return OK;
}

/*
 * mod_approov_access.c: the access hooks.  Each request in a scope with
 * Approov On is judged once, by whichever of check_access and
 * check_access_ex runs first for it: the token, the connection's token
 * cache, issuer and audience, token binding, message signing, the claims
 * and the SDK's status for the environment, and the refusal.
 */

#include "apr_atomic.h"
#include "mod_core.h"

#include "mod_approov.h"

#include "approov_claims.h"
#include "approov_sdk_status.h"
#include "approov_token_cache.h"

/* ------------------------------------------------------------------ */
/* the request                                                         */

/* The status and an empty body, unless the operator set an ErrorDocument
 * for that status here. */
static int refuse(request_rec *r, int status)
{
    if (!ap_response_code_string(r, ap_index_of_response(status))) {
        ap_custom_response(r, status, "");
    }
    return status;
}

/* Set the variables, whose strings are r->pool's. */
static void export_claims(request_rec *r, const apr_array_header_t *vars)
{
    const approov_claim_var_t *var = (const approov_claim_var_t *)vars->elts;
    int i;

    for (i = 0; i < vars->nelts; i++) {
        apr_table_setn(r->subprocess_env, var[i].name, var[i].value);
    }
}

/* Whether the environment has an APPROOV_ variable of the configuration's
 * (SetEnvIf, say), which ours must then replace. */
static int has_approov_vars(const apr_table_t *env)
{
    const apr_array_header_t *entries = apr_table_elts(env);
    const apr_table_entry_t *entry = (const apr_table_entry_t *)entries->elts;
    int i;

    for (i = 0; i < entries->nelts; i++) {
        if (entry[i].key && strncasecmp(entry[i].key, "APPROOV_", 8) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Set the variables of a cache's block, copied into r->pool in one go: an
 * earlier request on the connection may still be logging with them (a
 * pipeline) when the cache changes.  Added without looking for an earlier
 * value where there is none (apr_table_setn() compares every name that
 * begins with "APPR" with every other). */
static void export_cached_claims(request_rec *r, int replace,
                                 const char *block, apr_size_t len)
{
    const char *at = apr_pmemdup(r->pool, block, len), *end = at + len;
    const char *name, *value;

    while (approov_claim_block_next(&at, end, &name, &value)) {
        if (replace) {
            apr_table_setn(r->subprocess_env, name, value);
        }
        else {
            apr_table_addn(r->subprocess_env, name, value);
        }
    }
}

static approov_result_e check_binding(request_rec *r,
                                      const approov_dir_conf *conf,
                                      const approov_token_t *token)
{
    const char **values;
    int i;

    values = apr_palloc(r->pool, conf->binding->nelts * sizeof(*values));
    for (i = 0; i < conf->binding->nelts; i++) {
        values[i] = apr_table_get(r->headers_in,
                                  APR_ARRAY_IDX(conf->binding, i,
                                                const char *));
    }
    return approov_check_binding(token, values, conf->binding->nelts,
                                 conf->binding_optional == 1);
}

/* The scope's ApproovIssuer and ApproovAudience, on a verified token
 * (also one the connection's cache holds, verified under another scope's:
 * they are judged for each request, never cached). */
static approov_result_e check_issuer_audience(const approov_dir_conf *conf,
                                              const approov_token_t *token)
{
    approov_result_e result = approov_check_issuer(token, conf->issuer);

    if (result == APPROOV_VALID && conf->audiences) {
        result = approov_check_audience(
            token, (const char *const *)conf->audiences->elts,
            conf->audiences->nelts);
    }
    return result;
}

/* ------------------------------------------------------------------ */
/* the request's state, and the request the client sent               */

/* r's verdict and kept body, in the module's request_config slot. */
approov_request_state *approov_request_state_of(request_rec *r, int create)
{
    approov_request_state *state =
        ap_get_module_config(r->request_config, &approov_module);

    if (!state && create) {
        state = apr_pcalloc(r->pool, sizeof(*state));
        ap_set_module_config(r->request_config, &approov_module, state);
    }
    return state;
}

/* Subrequests (mod_dir's index lookup, SSI) and internal redirects
 * (ErrorDocument, mod_rewrite) have other methods and targets: a signature
 * covers what the client sent. */
request_rec *approov_client_request(request_rec *r)
{
    for (;;) {
        if (r->main) {
            r = r->main;
        }
        else if (r->prev) {
            r = r->prev;
        }
        else {
            return r;
        }
    }
}

/* ------------------------------------------------------------------ */
/* message signing                                                     */

/* The method the client sent: the request line's first word (an
 * ErrorDocument's redirect runs while httpd has set the original request's
 * method to GET). */
static const char *sent_method(apr_pool_t *p, const request_rec *sent)
{
    const char *space = sent->the_request ? strchr(sent->the_request, ' ')
                                          : NULL;

    return space ? apr_pstrmemdup(p, sent->the_request,
                                  (apr_size_t)(space - sent->the_request))
                 : sent->method;
}

/* The request as sent, as RFC 9421 derived components see it: its method
 * and target as they came (httpd decodes and normalises r->uri and
 * r->parsed_uri.path in place). */
static void describe_request(request_rec *r, const approov_dir_conf *conf,
                             approov_msgsig_request_t *req)
{
    const request_rec *sent = approov_client_request(r);
    const char *host = apr_table_get(sent->headers_in, "Host");

    memset(req, 0, sizeof(*req));
    req->method = sent_method(r->pool, sent);
    req->scheme = ap_http_scheme(r);
    req->authority = host ? host : sent->hostname;
    approov_msgsig_set_target(r->pool, req, sent->unparsed_uri
                                            ? sent->unparsed_uri : "/");
    req->field = approov_msgsig_table_field;
    req->field_ctx = sent->headers_in;
    req->token_field = conf->header_name;
}

/* The scope's account keys, or the secret from httpd's environment; NULL
 * when the scope has none. */
static const apr_array_header_t *scope_account_keys(
    request_rec *r, const approov_dir_conf *conf)
{
    const approov_server_conf *sconf;

    if (conf->account_keys) {
        return conf->account_keys;
    }
    sconf = ap_get_module_config(r->server->module_config, &approov_module);
    return sconf->environment_account_keys;
}

/* Replay protection (mod_approov_replay.c) of a signature that passed
 * every other check: only such a signature is recorded.  The install
 * signature is known by its ipk, the account signature by its mskid. */
static int check_replay(request_rec *r, const approov_dir_conf *conf,
                        const cJSON *ipk, const cJSON *mskid,
                        const approov_msgsig_t *sig)
{
    const char *key_id = ipk ? ipk->valuestring : mskid->valuestring;

    return approov_replay_check(
        r, conf, ipk ? APPROOV_MSGSIG_LABEL : APPROOV_MSGSIG_ACCOUNT_LABEL,
        (const unsigned char *)key_id, strlen(key_id),
        ipk ? APPROOV_REPLAY_ECDSA_P256 : APPROOV_REPLAY_HMAC,
        sig->signature, sig->signature_len,
        approov_replay_expiry_of(sig, conf->signing_max_age >= 0
                                          ? conf->signing_max_age
                                          : SIGNING_MAX_AGE_DEFAULT,
                                 conf->signing_skew >= 0
                                     ? conf->signing_skew
                                     : SIGNING_SKEW_DEFAULT));
}

/*
 * The message signature of a request with a valid token: its outcome, 0
 * for valid (or nothing to check).  A token with ipk needs the install
 * signature, whatever else it carries; one with mskid and no ipk the
 * account signature by the key of that mskid; where the scope has no
 * account key, mskid counts for nothing under IfPresent.  For
 * APPROOV_BODY_ERROR, *status is httpd's status for the client's failure.
 */
/* approov_msgsig_key_make() as approov_token_cache_ipk_key() calls it. */
static const void *make_ipk_key(apr_pool_t *p, const char *ipk)
{
    return approov_msgsig_key_make(p, ipk);
}

static int check_message_signature(request_rec *r,
                                   const approov_dir_conf *conf,
                                   const approov_token_t *token,
                                   approov_token_cache_t *cache,
                                   approov_shared_token_cache_t *shared,
                                   int *status)
{
    const cJSON *ipk = cJSON_GetObjectItemCaseSensitive(token->claims, "ipk");
    const cJSON *mskid = NULL;
    const apr_array_header_t *account_keys = NULL;
    const approov_key_t *account_key = NULL;
    approov_msgsig_request_t req;
    approov_msgsig_t sig;
    approov_sig_result_e result;
    apr_int64_t max_age = conf->signing_max_age >= 0
                          ? conf->signing_max_age : SIGNING_MAX_AGE_DEFAULT;
    apr_int64_t skew = conf->signing_skew >= 0 ? conf->signing_skew
                                               : SIGNING_SKEW_DEFAULT;
    int rv;

    if (!ipk) {
        mskid = cJSON_GetObjectItemCaseSensitive(token->claims, "mskid");
        if (!mskid) {
            return conf->signing == SIGNING_REQUIRED ? APPROOV_SIG_NO_IPK : 0;
        }
        if (!cJSON_IsString(mskid)) {
            return APPROOV_SIG_BAD_MSKID;
        }
        account_keys = scope_account_keys(r, conf);
        if (!account_keys || !account_keys->nelts) {
            return conf->signing == SIGNING_REQUIRED
                   ? APPROOV_SIG_NO_ACCOUNT_KEY : 0;
        }
        account_key = approov_msgsig_account_key(
            (const approov_key_t *const *)account_keys->elts,
            account_keys->nelts, mskid->valuestring);
        if (!account_key) {
            return APPROOV_SIG_UNKNOWN_MSKID;
        }
    }
    else if (!cJSON_IsString(ipk)) {
        return APPROOV_SIG_BAD_IPK;
    }
    describe_request(r, conf, &req);
    if (account_key) {
        result = approov_msgsig_verify_account(
            r->pool, &req, apr_table_get(r->headers_in, "Signature-Input"),
            apr_table_get(r->headers_in, "Signature"), account_key,
            r->request_time, max_age, skew, &sig);
    }
    else {
        /* The key of a cached token's ipk is made once, on its first
         * signed request, and kept with it. */
        if (cache) {
            req.ipk_key = approov_token_cache_ipk_key(cache, shared,
                                                      make_ipk_key,
                                                      ipk->valuestring);
        }
        result = approov_msgsig_verify(
            r->pool, &req, apr_table_get(r->headers_in, "Signature-Input"),
            apr_table_get(r->headers_in, "Signature"), ipk->valuestring,
            r->request_time, max_age, skew, &sig);
    }
    if (result != APPROOV_SIG_VALID) {
        return result;
    }
    if (sig.covers_content_digest) {
        /* The signature vouches for the Content-Digest header; the body
         * must match it before any handler or backend sees the request.
         * It is hashed as it is read. */
        rv = approov_read_body(r, conf->signing_max_body >= 0
                                      ? conf->signing_max_body
                                      : SIGNING_MAX_BODY_DEFAULT,
                               apr_table_get(r->headers_in, "Content-Digest"),
                               status);
        if (rv != 0) {
            return rv;
        }
    }
    return check_replay(r, conf, ipk, mskid, &sig);
}

/*
 * What the module keeps with a client connection, in its conn_config: made
 * by the pre_connection hook in the connection's own thread, before any
 * HTTP/2 stream of it runs, so that the streams (on other threads) find it
 * there and never allocate from the connection's pool.
 */
typedef struct {
    approov_token_cache_t *cache;       /* HTTP/1.1: made on its second
                                         * request (many connections carry
                                         * only one) */
    volatile void *shared;              /* HTTP/2: the streams' shared cache
                                         * (approov_shared_token_cache_t),
                                         * published by the first stream
                                         * that needs it, by compare-and-
                                         * swap */
} conn_state;

static apr_status_t conn_state_cleanup(void *data)
{
    conn_state *state = data;

    /* The connection's pool goes after its streams' requests. */
    if (state->shared) {
        approov_shared_token_cache_destroy(
            (approov_shared_token_cache_t *)state->shared);
        state->shared = NULL;
    }
    return APR_SUCCESS;
}

/* pre_connection hook: a client connection's state (an HTTP/2 stream's
 * secondary connection has none of its own: see shared_cache()). */
int approov_pre_connection(conn_rec *c, void *csd)
{
    conn_state *state;

    (void)csd;
    if (c->master) {
        return OK;
    }
    state = apr_pcalloc(c->pool, sizeof(*state));
    ap_set_module_config(c->conn_config, &approov_module, state);
    apr_pool_cleanup_register(c->pool, state, conn_state_cleanup,
                              apr_pool_cleanup_null);
    return OK;}

/*
 * The connection's token cache (approov_token_cache.h), made on its second
 * request (many connections carry only one); NULL on an HTTP/2 stream,
 * whose connection lives for one request (see shared_cache()).  Only the
 * request being judged reads it: the variables are copied into each
 * request's pool.
 */
static approov_token_cache_t *connection_cache(conn_rec *c)
{
    conn_state *state = ap_get_module_config(c->conn_config,
                                             &approov_module);

    if (!state || state->cache || c->master || c->keepalives == 0) {
        return state ? state->cache : NULL;
    }
    state->cache = approov_token_cache_make(c->pool);
    return state->cache;
}

/*
 * The token cache an HTTP/2 stream shares with the other streams of its
 * connection (c->master), made by the first one that needs it; NULL
 * where there is none to share.
 */
static approov_shared_token_cache_t *shared_cache(conn_rec *c)
{
    conn_state *state = c->master
        ? ap_get_module_config(c->master->conn_config, &approov_module)
        : NULL;
    approov_shared_token_cache_t *shared, *made;

    if (!state) {
        return NULL;
    }
    /* Read with a barrier: another stream may have published it. */
    shared = apr_atomic_casptr(&state->shared, NULL, NULL);
    if (shared || !(made = approov_shared_token_cache_make())) {
        return shared;
    }
    shared = apr_atomic_casptr(&state->shared, made, NULL);
    if (shared) {                       /* another stream was first */
        approov_shared_token_cache_destroy(made);
        return shared;
    }
    return made;
}

/* What the check of one request found, step by step. */
typedef struct {
    const apr_array_header_t *keys;     /* the scope's key set */
    approov_token_cache_t *cache;       /* the connection's, or an HTTP/2
                                         * connection's entry, or NULL */
    approov_shared_token_cache_t *shared;   /* that connection's cache */
    approov_token_t token;              /* the token, once verified */
    int outcome;
    int status;                         /* httpd's, for a body error */
    approov_sdk_status_e sdk;           /* what Approov-Status names */
    const char *sdk_status;             /* Approov-Status, made safe */
    const char *trace_id;               /* Approov-TraceID, made safe */
} request_check;

/* The SDK's Approov-Status and Approov-TraceID: the status the first
 * names, and both made safe for a log line and the environment
 * (approov_log_token(); NULL when absent or empty). */
static void read_sdk_headers(request_rec *r, request_check *check)
{
    const char *status = apr_table_get(r->headers_in,
                                       APPROOV_SDK_STATUS_HEADER);

    check->sdk = approov_sdk_status_of(status);
    check->sdk_status = approov_log_token(r->pool, status);
    check->trace_id = approov_log_token(
        r->pool, apr_table_get(r->headers_in, APPROOV_SDK_TRACE_HEADER));
}

/* APPROOV_SDK_STATUS and APPROOV_TRACE_ID, on every request judged that
 * sent the header, so that CustomLog can put them next to any result. */
static void set_sdk_vars(request_rec *r, const request_check *check)
{
    if (check->sdk_status) {
        apr_table_setn(r->subprocess_env, "APPROOV_SDK_STATUS",
                       check->sdk_status);
    }
    if (check->trace_id) {
        apr_table_setn(r->subprocess_env, "APPROOV_TRACE_ID",
                       check->trace_id);
    }
}

/* " sdk_status=... trace_id=..." for a rejection's log line, each field
 * only when its header came: lines of requests without them are as
 * before. */
static const char *sdk_fields(request_rec *r, const request_check *check)
{
    if (!check->sdk_status && !check->trace_id) {
        return "";
    }
    return apr_pstrcat(r->pool,
                       check->sdk_status ? " sdk_status=" : "",
                       check->sdk_status ? check->sdk_status : "",
                       check->trace_id ? " trace_id=" : "",
                       check->trace_id ? check->trace_id : "", NULL);
}

/* The scope's keys, or the secret from httpd's environment; NULL only
 * where a .htaccess file turned Approov On and no secret reaches. */
static const apr_array_header_t *scope_keys(request_rec *r,
                                            const approov_dir_conf *conf)
{
    const approov_server_conf *sconf;

    if (conf->keys) {
        return conf->keys;
    }
    sconf = ap_get_module_config(r->server->module_config, &approov_module);
    return sconf->environment_keys;
}

static int refuse_without_key(request_rec *r, const approov_dir_conf *conf)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "Approov On at %s has no secret: request refused",
                  conf->enabled_at);
    apr_table_setn(r->subprocess_env, "APPROOV_RESULT",
                   approov_outcome_name(APPROOV_NO_KEY));
    approov_count(0, APPROOV_NO_KEY);
    return refuse(r, HTTP_INTERNAL_SERVER_ERROR);
}

/* A scope whose JWKS URI set was never fetched and has no cached copy:
 * 503, whatever the mode, never a pass. */
static int refuse_keys_unavailable(request_rec *r,
                                   const approov_dir_conf *conf)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "approov: request refused: reason=keys_unavailable "
                  "client=%s method=%s uri=%s: the key set of %s was never "
                  "fetched and has no cached copy", r->useragent_ip,
                  ap_escape_logitem(r->pool, r->method),
                  ap_escape_logitem(r->pool, r->uri),
                  approov_jwks_url(conf->jwks));
    apr_table_setn(r->subprocess_env, "APPROOV_RESULT",
                   approov_outcome_name(APPROOV_KEYS_UNAVAILABLE));
    approov_count(0, APPROOV_KEYS_UNAVAILABLE);
    return refuse(r, HTTP_SERVICE_UNAVAILABLE);
}

/* The token from its header, the prefix taken off; NULL, with the
 * outcome, when there is none or the prefix is wrong. */
static const char *token_text(request_rec *r, const approov_dir_conf *conf,
                              int *outcome)
{
    const char *value = apr_table_get(r->headers_in,
                                      conf->header_name ? conf->header_name
                                                        : DEFAULT_TOKEN_HEADER);

    if (!value || !*value) {
        *outcome = APPROOV_MISSING;
        return NULL;
    }
    if (conf->header_prefix_len
        && strncmp(value, conf->header_prefix, conf->header_prefix_len)) {
        *outcome = APPROOV_BAD_PREFIX;
        return NULL;
    }
    return value + conf->header_prefix_len;
}

/* An HTTP/2 stream's token: only its times again when its connection's
 * shared cache holds it, in full into a new entry otherwise.  The request
 * keeps a reference to the entry it used until its pool goes. */
static int verify_shared(request_rec *r, approov_shared_token_cache_t *shared,
                         const char *value, apr_size_t len,
                         apr_int64_t leeway, request_check *check)
{
    approov_token_cache_t *entry;
    approov_result_e outcome;

    entry = approov_shared_token_cache_get(shared, check->keys, value, len);
    if (entry) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "approov: token kept by the HTTP/2 connection, "
                      "not verified again");
        outcome = approov_check_time(&entry->verified, leeway,
                                     r->request_time);
    }
    else if (!(entry = approov_shared_token_cache_verify(
                   shared, check->keys, value, len, leeway,
                   r->request_time, &outcome))) {
        return approov_verify_keys(
            r->pool, value, len,
            (const approov_key_t *const *)check->keys->elts,
            check->keys->nelts, leeway, r->request_time, &check->token);
    }
    apr_pool_cleanup_register(r->pool, entry, approov_token_cache_release,
                              apr_pool_cleanup_null);
    check->cache = entry;
    check->shared = shared;
    check->token = entry->verified;
    return outcome;
}

/* Verify the token: only its times again when the connection's cache holds
 * it, in full into the cache otherwise, or into r->pool where there is no
 * cache. */
static int verify_token(request_rec *r, const approov_dir_conf *conf,
                        const char *value, request_check *check)
{
    apr_size_t len = strlen(value);
    apr_int64_t leeway = conf->leeway > 0 ? conf->leeway : 0;
    approov_token_cache_t *cache = connection_cache(r->connection);
    approov_shared_token_cache_t *shared;
    int outcome;

    if (!cache && (shared = shared_cache(r->connection)) != NULL) {
        return verify_shared(r, shared, value, len, leeway, check);
    }
    check->cache = cache;
    if (!cache) {
        return approov_verify_keys(
            r->pool, value, len,
            (const approov_key_t *const *)check->keys->elts,
            check->keys->nelts, leeway, r->request_time, &check->token);
    }
    /* Key sets are made while the configuration is read (no key directive
     * is allowed in .htaccess): one address names one key set for as long
     * as this child runs, as the cache requires. */
    if (approov_token_cache_holds(cache, check->keys, value, len)) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "approov: token kept by the connection, not verified "
                      "again");
        outcome = approov_check_time(&cache->verified, leeway,
                                     r->request_time);
    }
    else {
        outcome = approov_token_cache_verify(cache, check->keys, value, len,
                                             leeway, r->request_time);
    }
    check->token = cache->verified;
    return outcome;
}

/* The claims of a valid token into the environment. */
static void set_claims(request_rec *r, const request_check *check)
{
    const approov_token_cache_t *cache = check->cache;

    if (cache) {
        export_cached_claims(r, has_approov_vars(r->subprocess_env),
                             cache->vars, cache->vars_len);
    }
    else {
        export_claims(r, approov_claim_vars(r->pool, check->token.claims));
    }
}

/* Count, log and answer what the check found. */
static int respond(request_rec *r, const approov_dir_conf *conf,
                   const request_check *check)
{
    const char *name = approov_outcome_name(check->outcome);
    int report_only = conf->report_only == 1;
    /* The token and signature are valid, only the replay cache failed;
     * ApproovMessageSigningReplayCacheFailure open lets them through. */
    int unchecked = check->outcome == APPROOV_REPLAY_CACHE_UNAVAILABLE;
    int fail_open = unchecked && !report_only
                    && approov_replay_fails_open(conf);

    /* The claims first: whether the environment already has an APPROOV_
     * variable decides how they are added. */
    if (check->outcome == APPROOV_VALID || fail_open) {
        set_claims(r, check);
    }
    apr_table_setn(r->subprocess_env, "APPROOV_RESULT", name);
    set_sdk_vars(r, check);
    if (check->outcome == APPROOV_BODY_ERROR) {
        /* The client failed, not the token: httpd's status, whatever the
         * mode, for the body is gone. */
        approov_count(0, check->outcome);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "approov: request refused: reason=%s status=%d "
                      "client=%s method=%s%s uri=%s", name, check->status,
                      r->useragent_ip, ap_escape_logitem(r->pool, r->method),
                      sdk_fields(r, check),
                      ap_escape_logitem(r->pool, r->uri));
        return check->status;
    }
    approov_count(report_only, check->outcome);
    if (check->outcome == APPROOV_MISSING) {
        approov_count_missing(report_only, check->sdk);
    }
    if (check->outcome == APPROOV_VALID || fail_open) {
        return OK;
    }
    if (unchecked) {
        /* Logged by mod_approov_replay.c once per interval, not here per
         * request.  503, not the failure status: the client did nothing
         * wrong and may retry. */
        return report_only ? DECLINED : refuse(r, HTTP_SERVICE_UNAVAILABLE);
    }
    if (report_only) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "approov: token would be rejected (report-only): "
                      "reason=%s client=%s method=%s%s uri=%s", name,
                      r->useragent_ip, ap_escape_logitem(r->pool, r->method),
                      sdk_fields(r, check),
                      ap_escape_logitem(r->pool, r->uri));
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "approov: token rejected: reason=%s client=%s method=%s%s "
                  "uri=%s", name, r->useragent_ip,
                  ap_escape_logitem(r->pool, r->method), sdk_fields(r, check),
                  ap_escape_logitem(r->pool, r->uri));
    return refuse(r, conf->failure_status ? conf->failure_status
                                          : HTTP_UNAUTHORIZED);
}

/*
 * The whole check of a request in a scope with Approov On.  Returns OK for
 * a valid token (or any token in report-only mode), the configured failure
 * status (401 or 400) for any bad or missing token or signature, httpd's
 * own status (400, 408, 413, or AP_FILTER_ERROR when httpd answered
 * already) when a signed body cannot be read from the client, and 500 only
 * for a scope left without a key (a .htaccess file that turned Approov On
 * where no secret reaches it).
 */
static int judge_request(request_rec *r, const approov_dir_conf *conf)
{
    request_check check = { 0 };
    const char *value;

    /* A response that needed a token is never one for mod_cache to serve
     * to the next client, who may have none. */
    r->no_cache = 1;
    read_sdk_headers(r, &check);
    if (conf->jwks) {
        if (!(check.keys = approov_jwks_keys(r, conf->jwks))) {
            set_sdk_vars(r, &check);
            return refuse_keys_unavailable(r, conf);
        }
    }
    else if (!(check.keys = scope_keys(r, conf))) {
        set_sdk_vars(r, &check);
        return refuse_without_key(r, conf);
    }
    if ((value = token_text(r, conf, &check.outcome)) != NULL) {
        check.outcome = verify_token(r, conf, value, &check);
        if (check.outcome == APPROOV_UNKNOWN_KID && conf->jwks) {
            approov_jwks_kid_miss(conf->jwks);
        }
    }
    if (check.outcome == APPROOV_VALID && (conf->issuer || conf->audiences)) {
        check.outcome = check_issuer_audience(conf, &check.token);
    }
    if (check.outcome == APPROOV_VALID && conf->binding) {
        check.outcome = check_binding(r, conf, &check.token);
    }
    if (check.outcome == APPROOV_VALID && conf->signing > SIGNING_OFF) {
        check.outcome = check_message_signature(r, conf, &check.token,
                                                check.cache, check.shared,
                                                &check.status);
    }
    return respond(r, conf, &check);
}

/* Our refusal of a request this one comes from (r->prev, r->main), or
 * 0: only httpd's answer to it can follow one (an ErrorDocument into a
 * protected scope, and its subrequests).  Its APPROOV_RESULT comes along,
 * for CustomLog. */
static int earlier_refusal(request_rec *r)
{
    const approov_request_state *state;
    const request_rec *from = r;

    while ((from = from->main ? from->main : from->prev) != NULL) {
        state = ap_get_module_config(from->request_config, &approov_module);
        if (state && state->judged && state->verdict != OK
            && state->verdict != DECLINED) {
            const char *result = apr_table_get(from->subprocess_env,
                                               "APPROOV_RESULT");

            if (result) {
                apr_table_setn(r->subprocess_env, "APPROOV_RESULT", result);
            }
            return state->verdict;
        }
    }
    return 0;
}

/* The request's verdict: judged on the first call, remembered after it
 * (ap_some_authn_required() runs the access hooks once more).  An
 * ErrorDocument after our refusal gets the same refusal, neither counted
 * nor logged again (a replayed signature would be its own replay there). */
static int verdict(request_rec *r)
{
    const approov_dir_conf *conf =
        ap_get_module_config(r->per_dir_config, &approov_module);
    approov_request_state *state;

    if (conf->enabled != 1) {
        return DECLINED;
    }
    state = approov_request_state_of(r, 1);
    if (!state->judged) {
        state->verdict = earlier_refusal(r);
        if (!state->verdict) {
            state->verdict = judge_request(r, conf);
        }
        state->judged = 1;
    }
    return state->verdict;
}

/* check_access hook: DECLINED where Approov is off, otherwise the verdict
 * (see judge_request). */
int approov_check_access(request_rec *r)
{
    return verdict(r);
}

/*
 * check_access_ex hook, run first.  Under 'Satisfy Any' httpd goes on to
 * check_access_ex, authentication and authorization when any check_access
 * hook refused, and they may admit the request: when ours refused,
 * refuse again; when another refused before ours ran (mod_access_compat,
 * mod_allowmethods), judge the request now.  A valid token only adds to
 * what the others require: DECLINED, never OK (which would admit the
 * request without authentication).
 */
int approov_check_access_ex(request_rec *r)
{
    int status = verdict(r);

    return status == OK ? DECLINED : status;
}


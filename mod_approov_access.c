/*
 * mod_approov_access.c: the access hooks.  Each request in a scope with
 * Approov On is judged once, by whichever of check_access and
 * check_access_ex runs first for it: the token, the connection's token
 * cache, token binding, message signing, the claims for the environment,
 * and the refusal.
 */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "mod_core.h"

#include "mod_approov.h"

/*
 * The last token a connection's requests verified, kept with its claims
 * and variables so that the next requests with the same token (an app's
 * requests on one keep-alive connection carry one token for minutes) are
 * not verified and parsed again.  A hit needs the same bytes (compared in
 * constant time) and the same key set; exp and nbf are judged again at
 * each request, and token binding and message signing run as on a miss.
 * One entry: its pool is cleared for each other token, whose verification
 * it then holds.  Only the request being judged reads it: the variables
 * are copied into each request's pool.
 */
typedef struct {
    apr_pool_t *pool;                   /* the token, claims and variables */
    const apr_array_header_t *keys;     /* the key set it was verified with */
    const char *token;                  /* NULL unless it holds a valid one */
    apr_size_t token_len;
    approov_token_t verified;
    const char *vars;                   /* its APPROOV_CLAIM_* variables, */
    apr_size_t vars_len;                /* as flatten_claims() makes them */
} approov_conn_cache;

/* What the check decided for a request: OK, DECLINED or a status.  Each
 * request is judged once, by whichever access hook runs first. */
typedef struct {
    int verdict;
} approov_request_state;

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

/* A claim value for the environment: control characters and backslashes
 * escaped, so a log line or a header built from it stays one line. */
static const char *escape_claim(apr_pool_t *p, const char *value)
{
    const char *v;
    char *out, *o;

    for (v = value; *v; v++) {
        if ((unsigned char)*v < 0x20 || *v == 0x7f || *v == '\\') {
            break;
        }
    }
    if (!*v) {
        return value;
    }
    out = o = apr_palloc(p, strlen(value) * 4 + 1);
    for (v = value; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c == '\\') {
            *o++ = '\\';
            *o++ = '\\';
        }
        else if (c < 0x20 || c == 0x7f) {
            o += apr_snprintf(o, 5, "\\x%02x", c);
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/*
 * A JSON number as its shortest text that reads back the same: an integer
 * for a whole number below 2^53 in magnitude (exact in a double),
 * otherwise C's %g with the fewest digits, 15 to 17, that give the same
 * double back, and '.' for the decimal point whatever the locale.  (APR's
 * %g writes ".1" and "1.e+21".)  The range is checked before the cast,
 * which is undefined for a double outside int64's.
 */
static const char *number_text(apr_pool_t *p, double value)
{
    char buf[40], point, *dot;
    int precision;

    if (value > -9007199254740992.0 && value < 9007199254740992.0
        && value == (double)(apr_int64_t)value) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)value);
    }
    for (precision = 15; precision <= 17; precision++) {
        snprintf(buf, sizeof(buf), "%.*g", precision, value);
        if (strtod(buf, NULL) == value) {
            break;
        }
    }
    point = localeconv()->decimal_point[0];
    if (point && point != '.' && (dot = strchr(buf, point))) {
        *dot = '.';
    }
    return apr_pstrdup(p, buf);
}

/* One APPROOV_CLAIM_<NAME> variable. */
typedef struct {
    const char *name;
    const char *value;
} claim_var;

/* The APPROOV_CLAIM_<NAME> variables of the top-level strings, numbers
 * and booleans, from p: their strings are the tree's where no escaping
 * was needed. */
static apr_array_header_t *claim_vars(apr_pool_t *p, const cJSON *claims)
{
    static const char prefix[] = "APPROOV_CLAIM_";
    apr_array_header_t *vars = apr_array_make(p, 8, sizeof(claim_var));
    const cJSON *claim;

    for (claim = claims->child; claim; claim = claim->next) {
        const char *value, *c;
        char *name, *n;
        apr_size_t len;
        claim_var *var;

        if (cJSON_IsString(claim)) {
            value = escape_claim(p, claim->valuestring);
        }
        else if (cJSON_IsNumber(claim)) {
            value = number_text(p, claim->valuedouble);
        }
        else if (cJSON_IsBool(claim)) {
            value = cJSON_IsTrue(claim) ? "true" : "false";
        }
        else {
            continue;
        }
        if (!*claim->string) {
            continue;
        }
        len = strlen(claim->string);
        name = apr_palloc(p, sizeof(prefix) + len);
        memcpy(name, prefix, sizeof(prefix) - 1);
        for (c = claim->string, n = name + sizeof(prefix) - 1; *c; c++, n++) {
            *n = apr_isalnum(*c) ? apr_toupper(*c) : '_';
        }
        *n = '\0';
        var = apr_array_push(vars);
        var->name = name;
        var->value = value;
    }
    return vars;
}

/* Set the variables, whose strings are r->pool's. */
static void export_claims(request_rec *r, const apr_array_header_t *vars)
{
    const claim_var *var = (const claim_var *)vars->elts;
    int i;

    for (i = 0; i < vars->nelts; i++) {
        apr_table_setn(r->subprocess_env, var[i].name, var[i].value);
    }
}

/* The variables as one block of "name\0value\0" pairs, for a cache: the
 * names unique (two claims can make one name; the last one wins, as
 * apr_table_setn() has it). */
static const char *flatten_claims(apr_pool_t *p,
                                  const apr_array_header_t *vars,
                                  apr_size_t *len)
{
    const claim_var *var = (const claim_var *)vars->elts;
    apr_table_t *unique = apr_table_make(p, vars->nelts);
    const apr_array_header_t *entries;
    const apr_table_entry_t *entry;
    apr_size_t size = 0, n;
    char *block, *at;
    int i;

    for (i = 0; i < vars->nelts; i++) {
        apr_table_setn(unique, var[i].name, var[i].value);
    }
    entries = apr_table_elts(unique);
    entry = (const apr_table_entry_t *)entries->elts;
    for (i = 0; i < entries->nelts; i++) {
        size += strlen(entry[i].key) + strlen(entry[i].val) + 2;
    }
    block = at = apr_palloc(p, size ? size : 1);
    for (i = 0; i < entries->nelts; i++) {
        n = strlen(entry[i].key) + 1;
        memcpy(at, entry[i].key, n);
        at += n;
        n = strlen(entry[i].val) + 1;
        memcpy(at, entry[i].val, n);
        at += n;
    }
    *len = size;
    return block;
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
    char *at = apr_pmemdup(r->pool, block, len), *end = at + len, *name;

    while (at < end) {
        name = at;
        at += strlen(at) + 1;
        if (replace) {
            apr_table_setn(r->subprocess_env, name, at);
        }
        else {
            apr_table_addn(r->subprocess_env, name, at);
        }
        at += strlen(at) + 1;
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

/* ------------------------------------------------------------------ */
/* message signing                                                     */

/* The request, as RFC 9421 derived components see it. */
static void describe_request(request_rec *r, const approov_dir_conf *conf,
                             approov_msgsig_request_t *req)
{
    const char *host = apr_table_get(r->headers_in, "Host");

    memset(req, 0, sizeof(*req));
    req->method = r->method;
    req->scheme = ap_http_scheme(r);
    req->authority = host ? host : r->hostname;
    /* What the client sent and signed: httpd decodes and normalises r->uri
     * and r->parsed_uri.path in place. */
    approov_msgsig_set_target(r->pool, req,
                              r->unparsed_uri ? r->unparsed_uri : "/");
    req->field = approov_msgsig_table_field;
    req->field_ctx = r->headers_in;
    req->token_field = conf->header_name;
}

/*
 * The install signature of a request with a valid token: its outcome, 0
 * for valid.  For OUTCOME_BODY_ERROR, *status is httpd's status for the
 * client's failure.
 */
static int check_message_signature(request_rec *r,
                                   const approov_dir_conf *conf,
                                   const approov_token_t *token, int *status)
{
    const cJSON *ipk = cJSON_GetObjectItemCaseSensitive(token->claims, "ipk");
    approov_msgsig_request_t req;
    approov_msgsig_t sig;
    approov_sig_result_e result;
    approov_digest_result_e digest;
    const char *body;
    apr_size_t len;
    int rv;

    if (!ipk) {
        return conf->signing == SIGNING_REQUIRED ? OUTCOME_SIG_NO_IPK : 0;
    }
    if (!cJSON_IsString(ipk)) {
        return OUTCOME_SIG_BASE + APPROOV_SIG_BAD_IPK;
    }
    describe_request(r, conf, &req);
    result = approov_msgsig_verify(
        r->pool, &req, apr_table_get(r->headers_in, "Signature-Input"),
        apr_table_get(r->headers_in, "Signature"), ipk->valuestring,
        r->request_time,
        conf->signing_max_age >= 0 ? conf->signing_max_age
                                   : SIGNING_MAX_AGE_DEFAULT,
        conf->signing_skew >= 0 ? conf->signing_skew : SIGNING_SKEW_DEFAULT,
        &sig);
    if (result != APPROOV_SIG_VALID) {
        return OUTCOME_SIG_BASE + result;
    }
    if (!sig.covers_content_digest) {
        return 0;
    }
    /* The signature vouches for the Content-Digest header; the body must
     * match it before any handler or backend sees the request. */
    rv = approov_read_body(r, conf->signing_max_body >= 0
                                  ? conf->signing_max_body
                                  : SIGNING_MAX_BODY_DEFAULT,
                           &body, &len, status);
    if (rv != OK) {
        return rv;
    }
    digest = approov_content_digest_check(
        r->pool, apr_table_get(r->headers_in, "Content-Digest"),
        (const unsigned char *)body, len);
    return digest == APPROOV_DIGEST_VALID ? 0 : OUTCOME_DIGEST_BASE + digest;
}

/*
 * The connection's token cache, made on its second request (many
 * connections carry only one), never on an HTTP/2 stream (its connection
 * lives for one request): NULL then.
 */
static approov_conn_cache *connection_cache(conn_rec *c)
{
    approov_conn_cache *cache =
        ap_get_module_config(c->conn_config, &approov_module);

    if (cache || c->master || c->keepalives == 0) {
        return cache;
    }
    cache = apr_pcalloc(c->pool, sizeof(*cache));
    if (apr_pool_create(&cache->pool, c->pool) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_tag(cache->pool, "approov_conn_cache");
    ap_set_module_config(c->conn_config, &approov_module, cache);
    return cache;
}

/* Whether the cache holds this token, verified with this key set.  Key
 * sets are made while the configuration is read, never per request (no key
 * directive is allowed in .htaccess), so one pointer names one key set for
 * as long as this child runs. */
static int cache_holds(const approov_conn_cache *cache,
                       const apr_array_header_t *keys, const char *value,
                       apr_size_t len)
{
    return cache->token && cache->keys == keys && cache->token_len == len
           && approov_equal_ct(cache->token, value, len);
}

/* Verify a token into the cache, which then holds it if it is valid. */
static approov_result_e verify_into_cache(approov_conn_cache *cache,
                                          const apr_array_header_t *keys,
                                          const char *value, apr_size_t len,
                                          apr_int64_t leeway, apr_time_t now)
{
    approov_result_e outcome;

    apr_pool_clear(cache->pool);
    cache->token = NULL;
    outcome = approov_verify_keys(cache->pool, value, len,
                                  (const approov_key_t *const *)keys->elts,
                                  keys->nelts, leeway, now, &cache->verified);
    if (outcome == APPROOV_VALID) {
        cache->keys = keys;
        cache->token = apr_pstrmemdup(cache->pool, value, len);
        cache->token_len = len;
        cache->vars = flatten_claims(
            cache->pool, claim_vars(cache->pool, cache->verified.claims),
            &cache->vars_len);
    }
    return outcome;
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
    const approov_server_conf *sconf;
    const apr_array_header_t *keys;
    approov_conn_cache *cache = NULL;
    const char *value, *name;
    approov_token_t token;
    apr_int64_t leeway;
    apr_size_t len;
    int outcome, report_only, replace, status = OK;

    /* A response that needed a token is never one for mod_cache to serve
     * to the next client, who may have none. */
    r->no_cache = 1;
    keys = conf->keys;
    if (!keys) {
        sconf = ap_get_module_config(r->server->module_config,
                                     &approov_module);
        keys = sconf->environment_keys;
    }
    if (!keys) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "Approov On at %s has no secret: request refused",
                      conf->enabled_at);
        apr_table_setn(r->subprocess_env, "APPROOV_RESULT",
                       approov_result_name(APPROOV_NO_KEY));
        approov_count(0, APPROOV_NO_KEY);
        return refuse(r, HTTP_INTERNAL_SERVER_ERROR);
    }

    value = apr_table_get(r->headers_in,
                          conf->header_name ? conf->header_name
                                            : DEFAULT_TOKEN_HEADER);
    if (!value || !*value) {
        outcome = APPROOV_MISSING;
    }
    else if (conf->header_prefix_len
             && strncmp(value, conf->header_prefix,
                        conf->header_prefix_len) != 0) {
        outcome = APPROOV_BAD_PREFIX;
    }
    else {
        value += conf->header_prefix_len;
        len = strlen(value);
        leeway = conf->leeway > 0 ? conf->leeway : 0;
        cache = connection_cache(r->connection);
        if (cache && cache_holds(cache, keys, value, len)) {
            outcome = approov_check_time(&cache->verified, leeway,
                                         r->request_time);
        }
        else if (cache) {
            outcome = verify_into_cache(cache, keys, value, len, leeway,
                                        r->request_time);
        }
        else {
            outcome = approov_verify_keys(
                r->pool, value, len, (const approov_key_t *const *)keys->elts,
                keys->nelts, leeway, r->request_time, &token);
        }
        if (cache) {
            token = cache->verified;
        }
        if (outcome == APPROOV_VALID && conf->binding) {
            outcome = check_binding(r, conf, &token);
        }
        if (outcome == APPROOV_VALID && conf->signing > SIGNING_OFF) {
            outcome = check_message_signature(r, conf, &token, &status);
        }
    }

    report_only = conf->report_only == 1;
    name = approov_outcome_name(outcome);
    if (outcome == OUTCOME_BODY_ERROR) {
        /* The client failed, not the token: httpd's status, whatever the
         * mode, for the body is gone. */
        approov_count(0, outcome);
        apr_table_setn(r->subprocess_env, "APPROOV_RESULT", name);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "approov: request refused: reason=%s status=%d "
                      "client=%s method=%s uri=%s", name, status,
                      r->useragent_ip, ap_escape_logitem(r->pool, r->method),
                      ap_escape_logitem(r->pool, r->uri));
        return status;
    }
    approov_count(report_only, outcome);
    replace = cache && outcome == APPROOV_VALID
              && has_approov_vars(r->subprocess_env);
    apr_table_setn(r->subprocess_env, "APPROOV_RESULT", name);
    if (outcome == APPROOV_VALID) {
        if (cache) {
            export_cached_claims(r, replace, cache->vars, cache->vars_len);
        }
        else {
            export_claims(r, claim_vars(r->pool, token.claims));
        }
        return OK;
    }
    if (report_only) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "approov: token would be rejected (report-only): "
                      "reason=%s client=%s method=%s uri=%s", name,
                      r->useragent_ip, ap_escape_logitem(r->pool, r->method),
                      ap_escape_logitem(r->pool, r->uri));
        return DECLINED;
    }

    status = conf->failure_status ? conf->failure_status : HTTP_UNAUTHORIZED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "approov: token rejected: reason=%s client=%s method=%s "
                  "uri=%s", name, r->useragent_ip,
                  ap_escape_logitem(r->pool, r->method),
                  ap_escape_logitem(r->pool, r->uri));
    return refuse(r, status);
}

/* The request's verdict: judged on the first call, remembered after it
 * (ap_some_authn_required() runs the access hooks once more). */
static int verdict(request_rec *r)
{
    const approov_dir_conf *conf =
        ap_get_module_config(r->per_dir_config, &approov_module);
    approov_request_state *state =
        ap_get_module_config(r->request_config, &approov_module);

    if (conf->enabled != 1) {
        return DECLINED;
    }
    if (!state) {
        state = apr_palloc(r->pool, sizeof(*state));
        state->verdict = judge_request(r, conf);
        ap_set_module_config(r->request_config, &approov_module, state);
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


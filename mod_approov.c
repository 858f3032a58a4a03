/*
 * mod_approov.c: lock an API to genuine instances of a mobile app by
 * checking the Approov token on every request.
 *
 * This file is the httpd glue: directives, configuration, the start-up
 * checks, the access hook, logging and the response.  The verification
 * itself lives in approov_token.c, which knows nothing of httpd.
 */

#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_atomic.h"
#include "apr_shm.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "ap_config.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_core.h"
#include "mod_status.h"

#include "approov_msgsig.h"
#include "approov_token.h"

module AP_MODULE_DECLARE_DATA approov_module;

APLOG_USE_MODULE(approov);

#define SECRET_VARIABLE "APPROOV_BASE64_SECRET"
#define DEFAULT_TOKEN_HEADER "Approov-Token"
#define KEY_FILE_MAX (64 * 1024)

/* Message signing defaults. */
#define SIGNING_MAX_AGE_DEFAULT 300
#define SIGNING_SKEW_DEFAULT 60
#define SIGNING_MAX_BODY_DEFAULT (1024 * 1024)

typedef enum {
    SIGNING_UNSET = -1,
    SIGNING_OFF = 0,
    SIGNING_IF_PRESENT,
    SIGNING_REQUIRED
} signing_mode_e;

/*
 * Outcomes of a request check, for APPROOV_RESULT, the log and the
 * counters: the token's results, then message signing's (valid left out),
 * then Content-Digest's, then the two the glue decides itself.
 */
#define OUTCOME_SIG_BASE (APPROOV_RESULT_COUNT - 1)
#define OUTCOME_DIGEST_BASE (OUTCOME_SIG_BASE + APPROOV_SIG_RESULT_COUNT - 1)
#define OUTCOME_SIG_NO_IPK (OUTCOME_DIGEST_BASE + APPROOV_DIGEST_RESULT_COUNT)
#define OUTCOME_SIG_BODY_TOO_LARGE (OUTCOME_SIG_NO_IPK + 1)
#define OUTCOME_COUNT (OUTCOME_SIG_BODY_TOO_LARGE + 1)

static const char *outcome_name(int outcome)
{
    if (outcome < APPROOV_RESULT_COUNT) {
        return approov_result_name((approov_result_e)outcome);
    }
    if (outcome <= OUTCOME_DIGEST_BASE) {
        return approov_sig_result_name(
            (approov_sig_result_e)(outcome - OUTCOME_SIG_BASE));
    }
    if (outcome < OUTCOME_SIG_NO_IPK) {
        return approov_digest_result_name(
            (approov_digest_result_e)(outcome - OUTCOME_DIGEST_BASE));
    }
    return outcome == OUTCOME_SIG_NO_IPK ? "sig_no_ipk" : "sig_body_too_large";
}

/* Where a scope's key came from; a higher rank wins inside one scope. */
typedef enum {
    KEY_NONE = 0,
    KEY_ENV_FILE = 1,
    KEY_DIRECTIVE = 2
} key_rank_e;

typedef struct {
    int enabled;                    /* Approov On|Off; -1 while unset */
    const char *enabled_at;         /* "file:line" of Approov On */

    apr_array_header_t *keys;       /* this scope's own keys, or NULL */
    key_rank_e key_rank;

    const char *header_name;        /* NULL while unset */
    const char *header_prefix;      /* "" for none */
    apr_size_t header_prefix_len;

    int leeway;                     /* seconds; -1 while unset */
    int failure_status;             /* 0 while unset */

    apr_array_header_t *binding;    /* header names; NULL while unset */
    int binding_optional;           /* -1 while unset */
    int report_only;                /* -1 while unset */

    signing_mode_e signing;         /* ApproovMessageSigning */
    int signing_max_age;            /* seconds; -1 while unset */
    int signing_skew;               /* seconds; -1 while unset */
    apr_off_t signing_max_body;     /* bytes; -1 while unset */
} approov_dir_conf;

typedef struct {
    /* Per-directory configurations that say Approov On, collected while
     * the configuration is read so check_config can refuse to start when
     * one of them has no key. */
    apr_array_header_t *enabled_confs;
    /* Whether some section of this server configures a key of its own. */
    int section_has_key;
    /* APPROOV_BASE64_SECRET from httpd's environment, keyed at start-up
     * (one key, or NULL). */
    apr_array_header_t *environment_keys;
} approov_server_conf;

/*
 * The last token a connection's requests verified, kept with its claims
 * and variables so that the next requests with the same token (an app's
 * requests on one keep-alive connection carry one token for minutes) are
 * not verified and parsed again.  A hit needs the same bytes (compared in
 * constant time) and the same key set; exp and nbf are judged again at
 * each request, and token binding and message signing run as on a miss.
 * One entry: its pool is cleared for each other token, whose verification
 * it then holds.  Only the request in check_token reads it: the variables
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

/* What the access hook decided, kept for the check_access_ex hook. */
typedef struct {
    int denied_status;
} approov_request_state;

/* ------------------------------------------------------------------ */
/* configuration records                                               */

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    approov_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->enabled = -1;
    conf->leeway = -1;
    conf->binding_optional = -1;
    conf->report_only = -1;
    conf->signing = SIGNING_UNSET;
    conf->signing_max_age = -1;
    conf->signing_skew = -1;
    conf->signing_max_body = -1;
    return conf;
}

static void *merge_dir_conf(apr_pool_t *p, void *base_conf, void *add_conf)
{
    approov_dir_conf *base = base_conf, *add = add_conf;
    approov_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->enabled = add->enabled != -1 ? add->enabled : base->enabled;
    conf->enabled_at = add->enabled != -1 ? add->enabled_at : base->enabled_at;

    if (add->keys) {
        conf->keys = add->keys;
        conf->key_rank = add->key_rank;
    }
    else {
        conf->keys = base->keys;
        conf->key_rank = base->key_rank;
    }

    if (add->header_name) {
        conf->header_name = add->header_name;
        conf->header_prefix = add->header_prefix;
        conf->header_prefix_len = add->header_prefix_len;
    }
    else {
        conf->header_name = base->header_name;
        conf->header_prefix = base->header_prefix;
        conf->header_prefix_len = base->header_prefix_len;
    }

    conf->leeway = add->leeway != -1 ? add->leeway : base->leeway;
    conf->failure_status = add->failure_status ? add->failure_status
                                               : base->failure_status;
    conf->binding = add->binding ? add->binding : base->binding;
    conf->binding_optional = add->binding_optional != -1
                             ? add->binding_optional : base->binding_optional;
    conf->report_only = add->report_only != -1 ? add->report_only
                                               : base->report_only;
    conf->signing = add->signing != SIGNING_UNSET ? add->signing
                                                  : base->signing;
    conf->signing_max_age = add->signing_max_age != -1
                            ? add->signing_max_age : base->signing_max_age;
    conf->signing_skew = add->signing_skew != -1 ? add->signing_skew
                                                 : base->signing_skew;
    conf->signing_max_body = add->signing_max_body != -1
                             ? add->signing_max_body : base->signing_max_body;
    return conf;
}

static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    approov_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->enabled_confs = apr_array_make(p, 4, sizeof(approov_dir_conf *));
    return conf;
}

/* ------------------------------------------------------------------ */
/* directives                                                          */

static const char *directive_location(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                        cmd->directive->line_num);
}

static const char *set_enabled(cmd_parms *cmd, void *dconf, int flag)
{
    approov_dir_conf *conf = dconf;

    conf->enabled = flag;
    conf->enabled_at = directive_location(cmd);
    /* .htaccess files are read per request: they cannot be checked at
     * start-up (the access hook fails closed for them instead), and the
     * server configuration must not grow at request time. */
    if (flag && ap_check_cmd_context(cmd, NOT_IN_HTACCESS) == NULL) {
        approov_server_conf *sconf =
            ap_get_module_config(cmd->server->module_config, &approov_module);
        *(approov_dir_conf **)apr_array_push(sconf->enabled_confs) = conf;
    }
    return NULL;
}

/* Decode and key a secret given as base64 text; the error never quotes
 * the secret. */
static const char *key_from_base64(apr_pool_t *p, const char *text,
                                   approov_key_t **key)
{
    unsigned char *secret;
    apr_size_t len;
    const char *err = approov_decode_secret(p, text, &secret, &len);

    if (err) {
        return err;
    }
    *key = approov_key_hmac(p, APPROOV_ALG_HS256, secret, len);
    OPENSSL_cleanse(secret, len);
    if (!*key) {
        return apr_psprintf(p, "the decoded secret is %" APR_SIZE_T_FMT
                            " bytes long: it must be %d to %d (RFC 7518 "
                            "3.2: an HS256 key is at least 32 bytes)", len,
                            APPROOV_SECRET_MIN_LEN, APPROOV_SECRET_MAX_LEN);
    }
    return NULL;
}

static apr_array_header_t *one_key(apr_pool_t *p, approov_key_t *key)
{
    apr_array_header_t *keys = apr_array_make(p, 1, sizeof(key));

    *(approov_key_t **)apr_array_push(keys) = key;
    return keys;
}

static void note_section_key(cmd_parms *cmd)
{
    approov_server_conf *sconf =
        ap_get_module_config(cmd->server->module_config, &approov_module);

    if (cmd->path) {
        sconf->section_has_key = 1;
    }
}

/* Add a key given by a directive to its scope, where it replaces a key
 * from an env file.  Two keys with one kid (or two without) are refused:
 * a token could not say which it means. */
static const char *add_key(cmd_parms *cmd, approov_dir_conf *conf,
                           approov_key_t *key, const char *kid)
{
    int i;

    approov_key_set_kid(cmd->pool, key, kid);
    if (conf->key_rank != KEY_DIRECTIVE) {
        conf->keys = apr_array_make(cmd->pool, 2, sizeof(key));
        conf->key_rank = KEY_DIRECTIVE;
    }
    for (i = 0; i < conf->keys->nelts; i++) {
        const char *other = approov_key_kid(APPROOV_KEY_AT(conf->keys, i));

        if ((!kid && !other) || (kid && other && strcmp(kid, other) == 0)) {
            return kid ? apr_psprintf(cmd->pool, "a key with kid '%s' is "
                                      "already configured in this scope", kid)
                       : "a key without a kid is already configured in this "
                         "scope: give each key a kid";
        }
    }
    *(approov_key_t **)apr_array_push(conf->keys) = key;
    note_section_key(cmd);
    return NULL;
}

static const char *set_base64_secret(cmd_parms *cmd, void *dconf,
                                     const char *arg, const char *kid)
{
    approov_key_t *key;
    const char *err;

    if ((err = key_from_base64(cmd->pool, arg, &key)) == NULL) {
        err = add_key(cmd, dconf, key, kid);
    }
    return err ? apr_pstrcat(cmd->pool, "ApproovBase64Secret: ", err, NULL)
               : NULL;
}

/* Read a key file of at most 64 KiB, named relative to ServerRoot. */
static const char *read_key_file(cmd_parms *cmd, const char *arg,
                                 const char **path, char **text,
                                 apr_size_t *len)
{
    *path = ap_server_root_relative(cmd->temp_pool, arg);
    if (!*path) {
        return apr_pstrcat(cmd->pool, "invalid path ", arg, NULL);
    }
    return approov_read_file(cmd->temp_pool, *path, KEY_FILE_MAX, text, len);
}

static const char *set_public_key_file(cmd_parms *cmd, void *dconf,
                                       const char *arg, const char *kid)
{
    approov_key_t *key;
    const char *path, *err;
    char *text;
    apr_size_t len;

    err = read_key_file(cmd, arg, &path, &text, &len);
    if (!err && (err = approov_key_from_pem(cmd->pool, text, len, &key))) {
        err = apr_pstrcat(cmd->pool, path, ": ", err, NULL);
    }
    if (!err) {
        err = add_key(cmd, dconf, key, kid);
    }
    return err ? apr_pstrcat(cmd->pool, "ApproovPublicKeyFile: ", err, NULL)
               : NULL;
}

static const char *set_jwks_file(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_array_header_t *keys, *warnings;
    const char *path, *err;
    char *text;
    apr_size_t len;
    int i;

    err = read_key_file(cmd, arg, &path, &text, &len);
    if (!err) {
        keys = apr_array_make(cmd->temp_pool, 4, sizeof(approov_key_t *));
        warnings = apr_array_make(cmd->temp_pool, 1, sizeof(const char *));
        if ((err = approov_keys_from_jwks(cmd->pool, text, len, keys,
                                          warnings))) {
            err = apr_pstrcat(cmd->pool, path, ": ", err, NULL);
        }
    }
    if (err) {
        return apr_pstrcat(cmd->pool, "ApproovJWKSFile: ", err, NULL);
    }
    for (i = 0; i < warnings->nelts; i++) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "ApproovJWKSFile at %s:%d: %s: %s",
                     cmd->directive->filename, cmd->directive->line_num, path,
                     APR_ARRAY_IDX(warnings, i, const char *));
    }
    for (i = 0; i < keys->nelts; i++) {
        approov_key_t *key = APPROOV_KEY_AT(keys, i);

        if ((err = add_key(cmd, dconf, key, approov_key_kid(key)))) {
            return apr_pstrcat(cmd->pool, "ApproovJWKSFile: ", path, ": ",
                               err, NULL);
        }
    }
    return NULL;
}

/* A secret others can read is no longer a secret: say so at start-up. */
static void warn_if_world_readable(cmd_parms *cmd, const char *path)
{
    apr_finfo_t finfo;

    if (apr_stat(&finfo, path, APR_FINFO_PROT, cmd->temp_pool) == APR_SUCCESS
        && (finfo.protection & APR_WREAD)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "ApproovEnvFile at %s:%d: %s is readable by every user "
                     "of this machine: make it mode 0600 or 0640",
                     cmd->directive->filename, cmd->directive->line_num,
                     path);
    }
}

static const char *set_env_file(cmd_parms *cmd, void *dconf, const char *arg)
{
    approov_dir_conf *conf = dconf;
    approov_key_t *key;
    const char *path, *value, *err;

    if (conf->key_rank == KEY_ENV_FILE) {
        return "ApproovEnvFile is given twice in this scope";
    }
    path = ap_server_root_relative(cmd->temp_pool, arg);
    if (!path) {
        return apr_pstrcat(cmd->pool, "ApproovEnvFile: invalid path ", arg,
                           NULL);
    }
    err = approov_env_file_lookup(cmd->temp_pool, path, SECRET_VARIABLE,
                                  &value);
    if (!err) {
        if ((err = key_from_base64(cmd->pool, value, &key)) != NULL) {
            err = apr_pstrcat(cmd->pool, path, ": " SECRET_VARIABLE ": ", err,
                              NULL);
        }
        OPENSSL_cleanse((char *)value, strlen(value));
    }
    if (err) {
        return apr_pstrcat(cmd->pool, "ApproovEnvFile: ", err, NULL);
    }
    warn_if_world_readable(cmd, path);
    /* Keys from directives in the same scope take precedence. */
    if (conf->key_rank != KEY_DIRECTIVE) {
        conf->keys = one_key(cmd->pool, key);
        conf->key_rank = KEY_ENV_FILE;
    }
    note_section_key(cmd);
    return NULL;
}

/* RFC 9110 token characters, for a header field name. */
static int is_field_name(const char *s)
{
    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s)) {
            return 0;
        }
    }
    return 1;
}

static const char *set_token_header(cmd_parms *cmd, void *dconf,
                                    const char *name, const char *prefix)
{
    approov_dir_conf *conf = dconf;

    if (!is_field_name(name)) {
        return apr_pstrcat(cmd->pool, "ApproovTokenHeader: '", name,
                           "' is not a header field name", NULL);
    }
    if (prefix && !*prefix) {
        return "ApproovTokenHeader: the prefix, when given, must not be empty";
    }
    conf->header_name = name;
    conf->header_prefix = prefix ? prefix : "";
    conf->header_prefix_len = strlen(conf->header_prefix);
    return NULL;
}

/* A whole number from 0 to max, for the directive named by cmd. */
static const char *parse_bounded(cmd_parms *cmd, const char *arg,
                                 apr_int64_t max, apr_int64_t *value)
{
    char *end;

    *value = apr_strtoi64(arg, &end, 10);
    if (!apr_isdigit(*arg) || *end || *value < 0 || *value > max) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from "
                            "0 to %" APR_INT64_T_FMT, cmd->cmd->name, arg,
                            max);
    }
    return NULL;
}

static const char *set_leeway(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_int64_t value;
    const char *err = parse_bounded(cmd, arg, APPROOV_LEEWAY_MAX, &value);

    if (!err) {
        ((approov_dir_conf *)dconf)->leeway = (int)value;
    }
    return err;
}

static const char *set_failure_status(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    approov_dir_conf *conf = dconf;

    (void)cmd;
    if (strcmp(arg, "401") == 0) {
        conf->failure_status = HTTP_UNAUTHORIZED;
    }
    else if (strcmp(arg, "400") == 0) {
        conf->failure_status = HTTP_BAD_REQUEST;
    }
    else {
        return "ApproovFailureStatus: must be 401 or 400";
    }
    return NULL;
}

static const char *add_binding_header(cmd_parms *cmd, void *dconf,
                                      const char *name)
{
    approov_dir_conf *conf = dconf;

    if (!is_field_name(name)) {
        return apr_pstrcat(cmd->pool, "ApproovTokenBinding: '", name,
                           "' is not a header field name", NULL);
    }
    /* The first name in a scope replaces what an enclosing scope bound. */
    if (!conf->binding) {
        conf->binding = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    *(const char **)apr_array_push(conf->binding) = name;
    return NULL;
}

static const char *set_binding_optional(cmd_parms *cmd, void *dconf, int flag)
{
    (void)cmd;
    ((approov_dir_conf *)dconf)->binding_optional = flag;
    return NULL;
}

static const char *set_report_only(cmd_parms *cmd, void *dconf, int flag)
{
    (void)cmd;
    ((approov_dir_conf *)dconf)->report_only = flag;
    return NULL;
}

static const char *set_signing(cmd_parms *cmd, void *dconf, const char *arg)
{
    approov_dir_conf *conf = dconf;

    (void)cmd;
    if (!strcasecmp(arg, "Off")) {
        conf->signing = SIGNING_OFF;
    }
    else if (!strcasecmp(arg, "IfPresent")) {
        conf->signing = SIGNING_IF_PRESENT;
    }
    else if (!strcasecmp(arg, "Required")) {
        conf->signing = SIGNING_REQUIRED;
    }
    else {
        return "ApproovMessageSigning: must be Off, IfPresent or Required";
    }
    return NULL;
}

static const char *set_signing_number(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    approov_dir_conf *conf = dconf;
    apr_int64_t value;
    const char *err;

    switch ((long)cmd->info) {
    case 0:
        if (!(err = parse_bounded(cmd, arg, 86400, &value))) {
            conf->signing_max_age = (int)value;
        }
        break;
    case 1:
        if (!(err = parse_bounded(cmd, arg, 3600, &value))) {
            conf->signing_skew = (int)value;
        }
        break;
    default:
        if (!(err = parse_bounded(cmd, arg, 64 * 1024 * 1024, &value))) {
            conf->signing_max_body = (apr_off_t)value;
        }
        break;
    }
    return err;
}

static const command_rec approov_cmds[] = {
    AP_INIT_FLAG("Approov", set_enabled, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                 "On to require a valid Approov token here; Off (the "
                 "default) to let requests through unchecked"),
    AP_INIT_TAKE12("ApproovBase64Secret", set_base64_secret, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "The Approov token secret, base64 or base64url, as printed "
                   "by 'approov secret -get base64', and its kid if any"),
    AP_INIT_TAKE12("ApproovPublicKeyFile", set_public_key_file, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "A PEM public key file (RSA, EC or Ed25519) and its kid "
                   "if any"),
    AP_INIT_TAKE1("ApproovJWKSFile", set_jwks_file, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "A JWK Set file of the keys tokens may be signed with"),
    AP_INIT_TAKE1("ApproovEnvFile", set_env_file, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "A dotenv file (relative to ServerRoot) that sets "
                  SECRET_VARIABLE),
    AP_INIT_TAKE12("ApproovTokenHeader", set_token_header, NULL,
                   RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                   "The request header carrying the token (default "
                   DEFAULT_TOKEN_HEADER "), and a prefix it must start with"),
    AP_INIT_TAKE1("ApproovLeeway", set_leeway, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Seconds of clock skew tolerated on exp and nbf (default "
                  "0, at most 300)"),
    AP_INIT_TAKE1("ApproovFailureStatus", set_failure_status, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "The status of a rejected request: 401 (the default) or "
                  "400"),
    AP_INIT_ITERATE("ApproovTokenBinding", add_binding_header, NULL,
                    RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                    "Request headers whose values the token's pay claim "
                    "must hash, in order"),
    AP_INIT_FLAG("ApproovTokenBindingOptional", set_binding_optional, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                 "On to let tokens without a pay claim through a binding "
                 "check (default Off)"),
    AP_INIT_TAKE1("ApproovMessageSigning", set_signing, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Off (the default), IfPresent (check the install signature "
                  "of tokens that carry ipk) or Required"),
    AP_INIT_TAKE1("ApproovMessageSigningMaxAge", set_signing_number,
                  (void *)0, RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Oldest accepted signature, seconds after its created "
                  "time (default 300)"),
    AP_INIT_TAKE1("ApproovMessageSigningClockSkew", set_signing_number,
                  (void *)1, RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Seconds a signature's created time may lie in the future, "
                  "and its expires time in the past (default 60)"),
    AP_INIT_TAKE1("ApproovMessageSigningMaxBody", set_signing_number,
                  (void *)2, RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Largest request body read to check a signed "
                  "Content-Digest, in bytes (default 1048576)"),
    AP_INIT_FLAG("ApproovReportOnly", set_report_only, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                 "On to log and count failures but let requests through "
                 "(default Off)"),
    { NULL }
};

/* ------------------------------------------------------------------ */
/* start-up checks                                                     */

/*
 * Runs after the configuration is read, for a real start, a graceful
 * restart and 'apachectl configtest' alike.  Keys the process environment's
 * secret and refuses to start when a scope with Approov On has no key:
 * failing closed here beats a server that lets traffic through.
 */
static int check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                        server_rec *main_server)
{
    const char *text = getenv(SECRET_VARIABLE);
    apr_array_header_t *environment_keys = NULL;
    const char *environment_error = NULL;
    server_rec *s;
    int failed = 0, i;

    (void)plog;
    (void)ptemp;
    if (text && *text) {
        approov_key_t *key;

        environment_error = key_from_base64(pconf, text, &key);
        if (!environment_error) {
            environment_keys = one_key(pconf, key);
        }
    }

    for (s = main_server; s; s = s->next) {
        approov_server_conf *sconf =
            ap_get_module_config(s->module_config, &approov_module);
        approov_dir_conf *server_dconf =
            ap_get_module_config(s->lookup_defaults, &approov_module);
        approov_dir_conf **confs = (approov_dir_conf **)sconf->enabled_confs->elts;

        sconf->environment_keys = environment_keys;
        for (i = 0; i < sconf->enabled_confs->nelts; i++) {
            const approov_dir_conf *conf = confs[i];

            if (conf->keys || server_dconf->keys || environment_keys) {
                continue;
            }
            if (conf != server_dconf && sconf->section_has_key) {
                /* Another section may supply the key when the sections
                 * merge at request time; the access hook fails closed
                 * if none does. */
                continue;
            }
            if (environment_error) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                             "Approov On at %s: " SECRET_VARIABLE
                             " in httpd's environment is unusable: %s",
                             conf->enabled_at, environment_error);
            }
            else {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                             "Approov On at %s has no secret: set "
                             "ApproovBase64Secret or ApproovEnvFile in that "
                             "scope or an enclosing one, or "
                             SECRET_VARIABLE " in httpd's environment",
                             conf->enabled_at);
            }
            failed = 1;
        }
    }
    if (environment_error && !failed) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     SECRET_VARIABLE " in httpd's environment is ignored: %s",
                     environment_error);
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

/* ------------------------------------------------------------------ */
/* counters                                                            */

/* One counter per outcome, enforced and report-only apart, in anonymous
 * shared memory that every child inherits.  It belongs to the process pool,
 * so it outlives graceful restarts; children only increment it. */
#define COUNTER_MODES 2
#define COUNTER_SLOTS (COUNTER_MODES * OUTCOME_COUNT)
#define COUNTERS_KEY "mod_approov.counters"

static volatile apr_uint64_t *counters;

static int create_counters(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    apr_pool_t *process_pool = s->process->pool;
    apr_shm_t *shm = NULL;
    apr_status_t rv;

    (void)pconf; (void)plog; (void)ptemp;
    apr_pool_userdata_get((void **)&shm, COUNTERS_KEY, process_pool);
    if (!shm) {
        rv = apr_shm_create(&shm, COUNTER_SLOTS * sizeof(apr_uint64_t), NULL,
                            process_pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "approov: cannot create the shared counters");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        memset(apr_shm_baseaddr_get(shm), 0,
               COUNTER_SLOTS * sizeof(apr_uint64_t));
        apr_pool_userdata_set(shm, COUNTERS_KEY, apr_pool_cleanup_null,
                              process_pool);
    }
    counters = apr_shm_baseaddr_get(shm);
    return OK;
}

static void count(int report_only, int outcome)
{
    if (counters) {
        apr_atomic_inc64(&counters[(report_only ? OUTCOME_COUNT : 0)
                                   + outcome]);
    }
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

/* mod_status hook: one "Approov<Mode><Reason>: N" line per counter. */
static int show_counters(request_rec *r, int flags)
{
    static const char *const modes[COUNTER_MODES] = { "", "ReportOnly" };
    int mode, result;

    if (!counters) {
        return OK;
    }
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs("<hr />\n<h2>Approov token checks</h2>\n"
                 "<table>\n<tr><th>result</th><th>enforced</th>"
                 "<th>report-only</th></tr>\n", r);
        for (result = 0; result < OUTCOME_COUNT; result++) {
            ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%"
                       APR_UINT64_T_FMT "</td></tr>\n",
                       outcome_name(result), counters[result],
                       counters[OUTCOME_COUNT + result]);
        }
        ap_rputs("</table>\n", r);
        return OK;
    }
    for (mode = 0; mode < COUNTER_MODES; mode++) {
        for (result = 0; result < OUTCOME_COUNT; result++) {
            ap_rprintf(r, "Approov%s%s: %" APR_UINT64_T_FMT "\n", modes[mode],
                       camel_name(r->pool, outcome_name(result)),
                       counters[mode * OUTCOME_COUNT + result]);
        }
    }
    return OK;
}

/* ------------------------------------------------------------------ */
/* the request                                                         */

/* The status and an empty body, unless the operator set an ErrorDocument
 * for that status here. */
static int refuse(request_rec *r, int status)
{
    approov_request_state *state = apr_pcalloc(r->pool, sizeof(*state));

    state->denied_status = status;
    ap_set_module_config(r->request_config, &approov_module, state);
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

static ap_filter_rec_t *replay_filter;

/* Input filter that hands the handler (or mod_proxy) the body the access
 * hook read to check its Content-Digest, then EOS. */
static apr_status_t replay_body(ap_filter_t *f, apr_bucket_brigade *bb,
                                ap_input_mode_t mode, apr_read_type_e block,
                                apr_off_t readbytes)
{
    apr_bucket_brigade *kept = f->ctx;
    apr_bucket *e, *copy;
    apr_status_t rv;

    if (mode == AP_MODE_INIT || mode == AP_MODE_EATCRLF) {
        return APR_SUCCESS;
    }
    if (APR_BRIGADE_EMPTY(kept)) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        return APR_SUCCESS;
    }
    if (mode == AP_MODE_GETLINE) {
        return apr_brigade_split_line(bb, kept, block, HUGE_STRING_LEN);
    }
    if (mode == AP_MODE_EXHAUSTIVE) {
        APR_BRIGADE_CONCAT(bb, kept);
        return APR_SUCCESS;
    }
    rv = apr_brigade_partition(kept, readbytes, &e);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        return rv;
    }
    if (mode == AP_MODE_SPECULATIVE) {
        apr_bucket *b;

        for (b = APR_BRIGADE_FIRST(kept); b != e; b = APR_BUCKET_NEXT(b)) {
            if ((rv = apr_bucket_copy(b, &copy)) != APR_SUCCESS) {
                return rv;
            }
            APR_BRIGADE_INSERT_TAIL(bb, copy);
        }
        return APR_SUCCESS;
    }
    while (!APR_BRIGADE_EMPTY(kept) && APR_BRIGADE_FIRST(kept) != e) {
        apr_bucket *b = APR_BRIGADE_FIRST(kept);

        APR_BUCKET_REMOVE(b);
        APR_BRIGADE_INSERT_TAIL(bb, b);
    }
    return APR_SUCCESS;
}

/* Read the whole request body, at most limit bytes, into memory, and keep
 * it for the handler.  Returns OK, the outcome for a body over the limit
 * (as a negative number), or an HTTP status for a client that failed. */
static int read_body(request_rec *r, apr_off_t limit, const char **body,
                     apr_size_t *len)
{
    apr_bucket_brigade *bb, *kept;
    apr_off_t total = 0;
    int eos = 0;

    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    kept = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (!eos) {
        apr_bucket *e;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb,
                                         AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
             e = APR_BUCKET_NEXT(e)) {
            if (APR_BUCKET_IS_EOS(e)) {
                eos = 1;
            }
            apr_bucket_setaside(e, r->pool);
        }
        APR_BRIGADE_CONCAT(kept, bb);
        apr_brigade_length(kept, 1, &total);
        if (total > limit) {
            return -OUTCOME_SIG_BODY_TOO_LARGE;
        }
    }
    if (apr_brigade_pflatten(kept, (char **)body, len, r->pool)
        != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_add_input_filter_handle(replay_filter, kept, r, r->connection);
    return OK;
}

/* The request, as RFC 9421 derived components see it. */
static void describe_request(request_rec *r, const approov_dir_conf *conf,
                             approov_msgsig_request_t *req)
{
    const char *host = apr_table_get(r->headers_in, "Host");

    memset(req, 0, sizeof(*req));
    req->method = r->method;
    req->scheme = ap_http_scheme(r);
    req->authority = host ? host : r->hostname;
    req->path = r->parsed_uri.path ? r->parsed_uri.path : "/";
    req->query = r->parsed_uri.query;
    req->field = approov_msgsig_table_field;
    req->field_ctx = r->headers_in;
    req->token_field = conf->header_name;
}

/*
 * The install signature of a request with a valid token: its outcome, 0
 * for valid.  A status other than OK in *status means the client failed
 * while its body was read.
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

    *status = OK;
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
    rv = read_body(r, conf->signing_max_body >= 0 ? conf->signing_max_body
                                                  : SIGNING_MAX_BODY_DEFAULT,
                   &body, &len);
    if (rv < 0) {
        return -rv;
    }
    if (rv != OK) {
        *status = rv;
        return 0;
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
 * check_access hook.  Returns DECLINED where Approov is off, OK for a valid
 * token (or any token in report-only mode), the configured failure status
 * (401 or 400) for any bad or missing token or signature, a 4xx status
 * from httpd when a signed body cannot be read from the client, and 500
 * only for a scope left without a key (a .htaccess file that turned
 * Approov On where no secret reaches it).
 */
static int check_token(request_rec *r)
{
    const approov_dir_conf *conf =
        ap_get_module_config(r->per_dir_config, &approov_module);
    const approov_server_conf *sconf;
    const apr_array_header_t *keys;
    approov_conn_cache *cache = NULL;
    const char *value, *name;
    approov_token_t token;
    apr_int64_t leeway;
    apr_size_t len;
    int outcome, report_only, replace, status = OK;

    if (conf->enabled != 1) {
        return DECLINED;
    }
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
        count(0, APPROOV_NO_KEY);
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
            if (status != OK) {
                return status;
            }
        }
    }

    report_only = conf->report_only == 1;
    name = outcome_name(outcome);
    count(report_only, outcome);
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

/*
 * check_access_ex hook, run first.  Under 'Satisfy Any' httpd goes on to
 * authentication and authorization after an access checker refused, and
 * 'Require all granted' would then open the door: repeat the refusal.
 */
static int hold_refusal(request_rec *r)
{
    const approov_request_state *state =
        ap_get_module_config(r->request_config, &approov_module);

    return state ? state->denied_status : DECLINED;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(create_counters, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, show_counters, NULL, NULL,
                      APR_HOOK_MIDDLE);
    ap_hook_check_access(check_token, NULL, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_access_ex(hold_refusal, NULL, NULL, APR_HOOK_FIRST,
                            AP_AUTH_INTERNAL_PER_CONF);
    replay_filter = ap_register_input_filter("APPROOV_SIGNED_BODY",
                                             replay_body, NULL,
                                             AP_FTYPE_RESOURCE);
}

module AP_MODULE_DECLARE_DATA approov_module = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    create_server_conf,
    NULL,
    approov_cmds,
    register_hooks,
    AP_MODULE_FLAG_NONE
};

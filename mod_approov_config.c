/*
 * mod_approov_config.c: configuration records, the directives (each
 * handler named after its directive) and the start-up checks.  Expensive
 * preparation (decoding a secret, loading a key) happens here, once.
 */

#include <openssl/crypto.h>

#include "mod_approov.h"

/* ------------------------------------------------------------------ */
/* configuration records                                               */

void *approov_create_dir_conf(apr_pool_t *p, char *dir)
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
    conf->replay = -1;
    conf->replay_fail_open = -1;
    conf->jwks_refresh = -1;
    return conf;
}

void *approov_merge_dir_conf(apr_pool_t *p, void *base_conf, void *add_conf)
{
    approov_dir_conf *base = base_conf, *add = add_conf;
    approov_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->enabled = add->enabled != -1 ? add->enabled : base->enabled;
    conf->enabled_at = add->enabled != -1 ? add->enabled_at : base->enabled_at;

    /* The innermost scope with keys or a JWKS URI gives both. */
    if (add->keys || add->jwks) {
        conf->keys = add->keys;
        conf->key_rank = add->key_rank;
        conf->jwks = add->jwks;
    }
    else {
        conf->keys = base->keys;
        conf->key_rank = base->key_rank;
        conf->jwks = base->jwks;
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
    if (add->account_keys) {
        conf->account_keys = add->account_keys;
        conf->account_key_rank = add->account_key_rank;
    }
    else {
        conf->account_keys = base->account_keys;
        conf->account_key_rank = base->account_key_rank;
    }
    conf->replay = add->replay != -1 ? add->replay : base->replay;
    conf->replay_at = add->replay != -1 ? add->replay_at : base->replay_at;
    conf->replay_fail_open = add->replay_fail_open != -1
                             ? add->replay_fail_open : base->replay_fail_open;
    conf->issuer = add->issuer ? add->issuer : base->issuer;
    conf->audiences = add->audiences ? add->audiences : base->audiences;
    conf->jwks_refresh = add->jwks_refresh != -1 ? add->jwks_refresh
                                                 : base->jwks_refresh;
    conf->jwks_ca_file = add->jwks_ca_file ? add->jwks_ca_file
                                           : base->jwks_ca_file;
    conf->jwks_cache_file = add->jwks_cache_file ? add->jwks_cache_file
                                                 : base->jwks_cache_file;
    return conf;
}

void *approov_create_server_conf(apr_pool_t *p, server_rec *s)
{
    approov_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->enabled_confs = apr_array_make(p, 4, sizeof(approov_dir_conf *));
    conf->key_sections = apr_array_make(p, 4, sizeof(const ap_directive_t *));
    conf->jwks_confs = apr_array_make(p, 1, sizeof(approov_dir_conf *));
    return conf;
}

/* ------------------------------------------------------------------ */
/* directives                                                          */

/* <Limit> and <LimitExcept> do not scope a module's directives: inside
 * one, "Approov Off" would open the scope to every method.  Every
 * directive refuses them, and httpd stops at start-up with file and line
 * (the README shows how to exempt a method with <If>). */
#define REFUSE_IN_LIMIT(cmd) \
    do { \
        const char *limit_error_ = ap_check_cmd_context((cmd), NOT_IN_LIMIT); \
        if (limit_error_) { \
            return limit_error_; \
        } \
    } while (0)

static const char *directive_location(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                        cmd->directive->line_num);
}

const char *approov_cmd_Approov(cmd_parms *cmd, void *dconf, int flag)
{
    approov_dir_conf *conf = dconf;

    REFUSE_IN_LIMIT(cmd);

    conf->enabled = flag;
    conf->enabled_at = directive_location(cmd);
    conf->enabled_in = cmd->directive->parent;
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

/* Remember a section (<Location>, <Directory>, ...) that has a key, for
 * approov_check_config. */
static void note_section_key(cmd_parms *cmd)
{
    approov_server_conf *sconf =
        ap_get_module_config(cmd->server->module_config, &approov_module);

    if (cmd->path && cmd->directive->parent) {
        *(const ap_directive_t **)apr_array_push(sconf->key_sections) =
            cmd->directive->parent;
    }
}

void approov_note_key_section(cmd_parms *cmd)
{
    note_section_key(cmd);
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

const char *approov_cmd_ApproovBase64Secret(cmd_parms *cmd, void *dconf,
                                            const char *arg, const char *kid)
{
    approov_key_t *key;
    const char *err;

    REFUSE_IN_LIMIT(cmd);
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

const char *approov_cmd_ApproovPublicKeyFile(cmd_parms *cmd, void *dconf,
                                             const char *arg, const char *kid)
{
    approov_key_t *key;
    const char *path, *err;
    char *text;
    apr_size_t len;

    REFUSE_IN_LIMIT(cmd);

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

const char *approov_cmd_ApproovJWKSFile(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    apr_array_header_t *keys, *warnings;
    const char *path, *err;
    char *text;
    apr_size_t len;
    int i;

    REFUSE_IN_LIMIT(cmd);

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

/* The account secret of an env file, which is optional there: set exactly
 * once, or not at all.  The file parsed already (its token secret was
 * found), so the only other answers are "not set" and "set twice". */
static const char *account_key_from_env_file(cmd_parms *cmd,
                                             approov_dir_conf *conf,
                                             const char *path)
{
    approov_key_t *key;
    const char *value, *err;

    err = approov_env_file_lookup(cmd->temp_pool, path,
                                  ACCOUNT_SECRET_VARIABLE, &value);
    if (err) {
        return strcmp(err, apr_psprintf(cmd->temp_pool, "%s: %s is not set",
                                        path, ACCOUNT_SECRET_VARIABLE))
               ? err : NULL;
    }
    err = key_from_base64(cmd->pool, value, &key);
    OPENSSL_cleanse((char *)value, strlen(value));
    if (err) {
        return apr_pstrcat(cmd->pool, path, ": " ACCOUNT_SECRET_VARIABLE ": ",
                           err, NULL);
    }
    /* Keys from directives in the same scope take precedence. */
    if (conf->account_key_rank != KEY_DIRECTIVE) {
        conf->account_keys = one_key(cmd->pool, key);
        conf->account_key_rank = KEY_ENV_FILE;
    }
    return NULL;
}

const char *approov_cmd_ApproovEnvFile(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    approov_dir_conf *conf = dconf;
    approov_key_t *key;
    const char *path, *value, *err;

    REFUSE_IN_LIMIT(cmd);
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
    if ((err = account_key_from_env_file(cmd, conf, path)) != NULL) {
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

const char *approov_cmd_ApproovTokenHeader(cmd_parms *cmd, void *dconf,
                                           const char *name,
                                           const char *prefix)
{
    approov_dir_conf *conf = dconf;

    REFUSE_IN_LIMIT(cmd);
    if (!approov_is_field_name(name)) {
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

/* An account key of a directive, where it replaces one from an env file.
 * Two keys with one mskid (or two without) are refused: a token could not
 * say which it means. */
const char *approov_cmd_ApproovAccountSigningSecret(cmd_parms *cmd,
                                                   void *dconf,
                                                   const char *arg,
                                                   const char *mskid)
{
    approov_dir_conf *conf = dconf;
    approov_key_t *key;
    const char *err;
    int i;

    REFUSE_IN_LIMIT(cmd);
    if (mskid && !*mskid) {
        return "ApproovAccountSigningSecret: the mskid, when given, must "
               "not be empty";
    }
    if ((err = key_from_base64(cmd->pool, arg, &key)) != NULL) {
        return apr_pstrcat(cmd->pool, "ApproovAccountSigningSecret: ", err,
                           NULL);
    }
    approov_key_set_kid(cmd->pool, key, mskid);
    if (conf->account_key_rank != KEY_DIRECTIVE) {
        conf->account_keys = apr_array_make(cmd->pool, 2, sizeof(key));
        conf->account_key_rank = KEY_DIRECTIVE;
    }
    for (i = 0; i < conf->account_keys->nelts; i++) {
        const char *other =
            approov_key_kid(APPROOV_KEY_AT(conf->account_keys, i));

        if ((!mskid && !other)
            || (mskid && other && strcmp(mskid, other) == 0)) {
            return mskid ? apr_psprintf(cmd->pool,
                                        "ApproovAccountSigningSecret: a key "
                                        "with mskid '%s' is already "
                                        "configured in this scope", mskid)
                         : "ApproovAccountSigningSecret: a key without an "
                           "mskid is already configured in this scope: give "
                           "each key its mskid";
        }
    }
    *(approov_key_t **)apr_array_push(conf->account_keys) = key;
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

const char *approov_cmd_ApproovLeeway(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    apr_int64_t value;
    const char *err;

    REFUSE_IN_LIMIT(cmd);
    err = parse_bounded(cmd, arg, APPROOV_LEEWAY_MAX, &value);

    if (!err) {
        ((approov_dir_conf *)dconf)->leeway = (int)value;
    }
    return err;
}

const char *approov_cmd_ApproovFailureStatus(cmd_parms *cmd, void *dconf,
                                             const char *arg)
{
    approov_dir_conf *conf = dconf;

    REFUSE_IN_LIMIT(cmd);
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

const char *approov_cmd_ApproovTokenBinding(cmd_parms *cmd, void *dconf,
                                            const char *name)
{
    approov_dir_conf *conf = dconf;

    REFUSE_IN_LIMIT(cmd);
    if (!approov_is_field_name(name)) {
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

const char *approov_cmd_ApproovTokenBindingOptional(cmd_parms *cmd,
                                                    void *dconf, int flag)
{
    REFUSE_IN_LIMIT(cmd);
    ((approov_dir_conf *)dconf)->binding_optional = flag;
    return NULL;
}

const char *approov_cmd_ApproovReportOnly(cmd_parms *cmd, void *dconf,
                                          int flag)
{
    REFUSE_IN_LIMIT(cmd);
    ((approov_dir_conf *)dconf)->report_only = flag;
    return NULL;
}

const char *approov_cmd_ApproovMessageSigning(cmd_parms *cmd, void *dconf,
                                              const char *arg)
{
    approov_dir_conf *conf = dconf;

    REFUSE_IN_LIMIT(cmd);
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

const char *approov_cmd_signing_limit(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    approov_dir_conf *conf = dconf;
    apr_int64_t value;
    const char *err;

    REFUSE_IN_LIMIT(cmd);

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

const char *approov_cmd_ApproovIssuer(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    REFUSE_IN_LIMIT(cmd);
    if (!*arg) {
        return "ApproovIssuer: the issuer must not be empty";
    }
    ((approov_dir_conf *)dconf)->issuer = arg;
    return NULL;
}

const char *approov_cmd_ApproovAudience(cmd_parms *cmd, void *dconf,
                                        const char *args)
{
    approov_dir_conf *conf = dconf;
    apr_array_header_t *list;
    const char *word;

    REFUSE_IN_LIMIT(cmd);
    /* Raw arguments, not ITERATE: httpd's ITERATE ends the list at an
     * empty word ("") and drops what follows without a word. */
    list = apr_array_make(cmd->pool, 2, sizeof(const char *));
    while (*args) {
        word = ap_getword_conf(cmd->pool, &args);
        if (!*word) {
            return "ApproovAudience: an audience must not be empty";
        }
        *(const char **)apr_array_push(list) = word;
    }
    if (list->nelts == 0) {
        return "ApproovAudience: name at least one audience";
    }
    /* The first line in a scope replaces what an enclosing scope set;
     * more lines in the scope add to it. */
    if (!conf->audiences) {
        conf->audiences = list;
    }
    else {
        apr_array_cat(conf->audiences, list);
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* start-up checks                                                     */

/* The path of a plain (not regex) <Location> or <Directory> section, as
 * written, and which of the two it is; NULL for any other section. */
static const char *plain_section_path(apr_pool_t *p, const ap_directive_t *d,
                                      int *is_directory)
{
    const char *args, *end;

    if (!d || !d->args) {
        return NULL;
    }
    if (!strcasecmp(d->directive, "<Directory")) {
        *is_directory = 1;
    }
    else if (!strcasecmp(d->directive, "<Location")) {
        *is_directory = 0;
    }
    else {
        return NULL;
    }
    args = d->args;
    end = strrchr(args, '>');
    if (!end) {
        end = args + strlen(args);
    }
    if (*args == '"' && end > args + 1 && end[-1] == '"') {
        args++;
        end--;
    }
    if (args == end || *args == '~') {
        return NULL;
    }
    return apr_pstrmemdup(p, args, (apr_size_t)(end - args));
}

/* Whether the section path outer covers every request inner covers:
 * httpd matches <Location> and <Directory> on whole path segments. */
static int path_encloses(const char *outer, const char *inner)
{
    apr_size_t len = strlen(outer);

    return strncmp(outer, inner, len) == 0
           && (outer[len - 1] == '/' || inner[len] == '/' || !inner[len]);
}

/*
 * Whether one of key_sections gives a key to every request of the section
 * in which Approov On was set: the same section or one around it (an <If>
 * in a <Location>), or a plain <Location> (<Directory>) whose path
 * encloses that of the nearest plain <Location> (<Directory>) around it.
 * Anything else (regex sections, <Files>, a <Directory> key for a
 * <Location>) may or may not merge at request time: not proven here.
 */
static int key_section_reaches(apr_pool_t *p,
                               const apr_array_header_t *key_sections,
                               const ap_directive_t *enabled_in)
{
    const ap_directive_t *const *keyed =
        (const ap_directive_t *const *)key_sections->elts;
    const ap_directive_t *d;
    const char *path = NULL, *key_path;
    int i, is_directory = 0, key_is_directory;

    for (i = 0; i < key_sections->nelts; i++) {
        for (d = enabled_in; d; d = d->parent) {
            if (d == keyed[i]) {
                return 1;
            }
        }
    }
    for (d = enabled_in; d && !path; d = d->parent) {
        path = plain_section_path(p, d, &is_directory);
    }
    if (!path) {
        return 0;
    }
    for (i = 0; i < key_sections->nelts; i++) {
        /* A keyed section inside another (an <If>) applies only sometimes. */
        const ap_directive_t *around = keyed[i]->parent;

        key_path = plain_section_path(p, keyed[i], &key_is_directory);
        if (key_path && key_is_directory == is_directory
            && (!around || !strcasecmp(around->directive, "<VirtualHost"))
            && path_encloses(key_path, path)) {
            return 1;
        }
    }
    return 0;
}

/*
 * Runs after the configuration is read, for a real start, a graceful
 * restart and 'apachectl configtest' alike.  Keys the process environment's
 * secret and refuses to start when a scope with Approov On has no key that
 * surely reaches it: failing closed here beats a server that lets traffic
 * through.  (.htaccess files cannot be seen here: the access hook answers
 * 500 for them.)
 */
int approov_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp, server_rec *main_server)
{
    const char *text = getenv(SECRET_VARIABLE);
    apr_array_header_t *environment_keys = NULL;
    const char *environment_error = NULL;
    const char *account_text = getenv(ACCOUNT_SECRET_VARIABLE);
    apr_array_header_t *account_keys = NULL;
    const char *account_error = NULL;
    const approov_server_conf *main_sconf =
        ap_get_module_config(main_server->module_config, &approov_module);
    server_rec *s;
    int failed = 0, account_error_reported = 0, i;

    (void)plog;
    if (text && *text) {
        approov_key_t *key;

        environment_error = key_from_base64(pconf, text, &key);
        if (!environment_error) {
            environment_keys = one_key(pconf, key);
        }
    }
    if (account_text && *account_text) {
        approov_key_t *key;

        account_error = key_from_base64(pconf, account_text, &key);
        if (!account_error) {
            account_keys = one_key(pconf, key);
        }
    }

    for (s = main_server; s; s = s->next) {
        approov_server_conf *sconf =
            ap_get_module_config(s->module_config, &approov_module);
        approov_dir_conf *server_dconf =
            ap_get_module_config(s->lookup_defaults, &approov_module);
        approov_dir_conf **confs =
            (approov_dir_conf **)sconf->enabled_confs->elts;

        sconf->environment_keys = environment_keys;
        sconf->environment_account_keys = account_keys;
        for (i = 0; i < sconf->enabled_confs->nelts; i++) {
            const approov_dir_conf *conf = confs[i];

            /* An unusable account secret fails closed where it is the only
             * one an Approov On could use. */
            if (account_error && !conf->account_keys
                && !server_dconf->account_keys) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                             "Approov On at %s: " ACCOUNT_SECRET_VARIABLE
                             " in httpd's environment is unusable: %s",
                             conf->enabled_at, account_error);
                failed = 1;
                account_error_reported = 1;
            }

            if (conf->keys || server_dconf->keys || environment_keys
                || conf->jwks || server_dconf->jwks) {
                continue;
            }
            /* The main server's sections apply in every virtual host. */
            if (conf != server_dconf
                && (key_section_reaches(ptemp, sconf->key_sections,
                                        conf->enabled_in)
                    || (s != main_server
                        && key_section_reaches(ptemp, main_sconf->key_sections,
                                               conf->enabled_in)))) {
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
                             "ApproovBase64Secret, ApproovEnvFile or "
                             "ApproovJWKSURI in that "
                             "section, an enclosing one or the server, or "
                             SECRET_VARIABLE " in httpd's environment",
                             conf->enabled_at);
            }
            failed = 1;
        }
    }
    if (account_error && !account_error_reported) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     ACCOUNT_SECRET_VARIABLE " in httpd's environment is "
                     "ignored: %s", account_error);
    }
    if (environment_error && !failed) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     SECRET_VARIABLE " in httpd's environment is ignored: %s",
                     environment_error);
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}


static apr_status_t terminate_crypto(void *data)
{
    (void)data;
    approov_msgsig_terminate();
    return APR_SUCCESS;
}

/*
 * post_config hook: what message signing needs once, made in the parent
 * before any child or thread runs, and freed with the configuration (before
 * httpd unloads the module on a restart).
 */
int approov_prepare_crypto(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    if (!approov_msgsig_initialize()) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "approov: OpenSSL cannot make the P-256 curve");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, NULL, terminate_crypto,
                              apr_pool_cleanup_null);
    return OK;
}

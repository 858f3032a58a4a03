/*
 * mod_approov.c: lock an API to genuine instances of a mobile app by
 * checking the Approov token on every request.
 *
 * The module record, the directive table and the hook registration.  The
 * glue's other files are listed in mod_approov.h; the verification itself
 * is the core's (lib/), which knows nothing of httpd.
 */

#include "mod_status.h"

#include "mod_approov.h"

static const command_rec approov_cmds[] = {
    AP_INIT_FLAG("Approov", approov_cmd_Approov, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                 "On to require a valid Approov token here; Off (the "
                 "default) to let requests through unchecked"),
    AP_INIT_TAKE12("ApproovBase64Secret",
                   approov_cmd_ApproovBase64Secret, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "The Approov token secret, base64 or base64url, as printed "
                   "by 'approov secret -get base64', and its kid if any"),
    AP_INIT_TAKE12("ApproovPublicKeyFile",
                   approov_cmd_ApproovPublicKeyFile, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "A PEM public key file (RSA, EC or Ed25519) and its kid "
                   "if any"),
    AP_INIT_TAKE1("ApproovJWKSFile", approov_cmd_ApproovJWKSFile, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "A JWK Set file of the keys tokens may be signed with"),
    AP_INIT_TAKE1("ApproovJWKSURI", approov_cmd_ApproovJWKSURI, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "An https URL of the JWK Set tokens are checked with, "
                  "fetched in the background"),
    AP_INIT_TAKE1("ApproovJWKSRefresh", approov_cmd_ApproovJWKSRefresh, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "Seconds between fetches of the ApproovJWKSURI set "
                  "(default 3600, 60 to 86400)"),
    AP_INIT_TAKE1("ApproovJWKSCAFile", approov_cmd_ApproovJWKSCAFile, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "PEM certificates the JWKS URI's server must chain to "
                  "(default: the system's trust store)"),
    AP_INIT_TAKE1("ApproovJWKSCacheFile", approov_cmd_ApproovJWKSCacheFile,
                  NULL, RSRC_CONF | ACCESS_CONF,
                  "Where the last good set of the JWKS URI is kept (default: "
                  "under httpd's runtime directory)"),
    AP_INIT_TAKE1("ApproovEnvFile", approov_cmd_ApproovEnvFile, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "A dotenv file (relative to ServerRoot) that sets "
                  SECRET_VARIABLE),
    AP_INIT_TAKE12("ApproovTokenHeader", approov_cmd_ApproovTokenHeader, NULL,
                   RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                   "The request header carrying the token (default "
                   DEFAULT_TOKEN_HEADER "), and a prefix it must start with"),
    AP_INIT_TAKE1("ApproovLeeway", approov_cmd_ApproovLeeway, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Seconds of clock skew tolerated on exp and nbf (default "
                  "0, at most 300)"),
    AP_INIT_TAKE1("ApproovFailureStatus",
                  approov_cmd_ApproovFailureStatus, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "The status of a rejected request: 401 (the default) or "
                  "400"),
    AP_INIT_ITERATE("ApproovTokenBinding",
                    approov_cmd_ApproovTokenBinding, NULL,
                    RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                    "Request headers whose values the token's pay claim "
                    "must hash, in order"),
    AP_INIT_FLAG("ApproovTokenBindingOptional",
                 approov_cmd_ApproovTokenBindingOptional, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                 "On to let tokens without a pay claim through a binding "
                 "check (default Off)"),
    AP_INIT_TAKE1("ApproovMessageSigning",
                  approov_cmd_ApproovMessageSigning, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Off (the default), IfPresent (check the install signature "
                  "of tokens that carry ipk, the account signature of those "
                  "with mskid only) or Required"),
    AP_INIT_TAKE12("ApproovAccountSigningSecret",
                   approov_cmd_ApproovAccountSigningSecret, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "The account message-signing secret, base64 or "
                   "base64url, and the mskid it signs for if any"),
    AP_INIT_TAKE1("ApproovMessageSigningMaxAge", approov_cmd_signing_limit,
                  (void *)0, RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Oldest accepted signature, seconds after its created "
                  "time (default 300)"),
    AP_INIT_TAKE1("ApproovMessageSigningClockSkew", approov_cmd_signing_limit,
                  (void *)1, RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Seconds a signature's created time may lie in the future, "
                  "and its expires time in the past (default 60)"),
    AP_INIT_TAKE1("ApproovMessageSigningMaxBody", approov_cmd_signing_limit,
                  (void *)2, RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Largest request body read to check a signed "
                  "Content-Digest, in bytes (default 1048576)"),
    AP_INIT_TAKE1("ApproovIssuer", approov_cmd_ApproovIssuer, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "The iss a token must carry, byte for byte (default: iss "
                  "not checked)"),
    AP_INIT_RAW_ARGS("ApproovAudience", approov_cmd_ApproovAudience, NULL,
                     RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                     "Audiences one of which the token's aud must name "
                     "(default: aud not checked)"),
    AP_INIT_FLAG("ApproovReportOnly", approov_cmd_ApproovReportOnly, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                 "On to log and count failures but let requests through "
                 "(default Off)"),
    AP_INIT_TAKE1("ApproovMessageSigningReplayCache",
                  approov_cmd_ApproovMessageSigningReplayCache, NULL,
                  RSRC_CONF,
                  "The shared cache of used signatures: an socache provider "
                  "and its arguments (shmcb, redis:host:port, "
                  "memcache:host:port,...)"),
    AP_INIT_FLAG("ApproovMessageSigningReplay",
                 approov_cmd_ApproovMessageSigningReplay, NULL,
                 RSRC_CONF | ACCESS_CONF,
                 "On to accept each valid message signature once (default "
                 "Off, On once ApproovMessageSigningReplayCache is set)"),
    AP_INIT_TAKE1("ApproovMessageSigningReplayCacheFailure",
                  approov_cmd_ApproovMessageSigningReplayCacheFailure, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "closed (the default: refuse with 503) or open (let the "
                  "request through) when the replay cache cannot be "
                  "reached"),
    { NULL }
};

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_config(approov_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(approov_create_counters, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(approov_prepare_crypto, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_config(approov_replay_pre_config, NULL, NULL,
                       APR_HOOK_MIDDLE);
    ap_hook_check_config(approov_replay_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_post_config(approov_replay_post_config, NULL, NULL,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(approov_replay_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(approov_jwks_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_post_config(approov_jwks_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* Before mod_watchdog starts the child's watchdog threads. */
    ap_hook_child_init(approov_jwks_child_init, NULL, NULL, APR_HOOK_FIRST);
    APR_OPTIONAL_HOOK(ap, status_hook, approov_jwks_show_status, NULL, NULL,
                      APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, approov_show_counters, NULL, NULL,
                      APR_HOOK_MIDDLE);
    ap_hook_check_access(approov_check_access, NULL, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_access_ex(approov_check_access_ex, NULL, NULL,
                            APR_HOOK_FIRST, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_handler(approov_metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_filter(approov_insert_kept_body, NULL, NULL,
                          APR_HOOK_MIDDLE);
    ap_hook_pre_connection(approov_pre_connection, NULL, NULL,
                           APR_HOOK_MIDDLE);
    approov_replay_filter = ap_register_input_filter(
        "APPROOV_SIGNED_BODY", approov_replay_body, NULL, AP_FTYPE_RESOURCE);
}

module AP_MODULE_DECLARE_DATA approov_module = {
    STANDARD20_MODULE_STUFF,
    approov_create_dir_conf,
    approov_merge_dir_conf,
    approov_create_server_conf,
    NULL,
    approov_cmds,
    register_hooks,
    AP_MODULE_FLAG_NONE
};

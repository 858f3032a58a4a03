/*
 * mod_approov.h: what the httpd glue's files share (private to the
 * module).  The glue is split by phase, as mod_ssl's is:
 *
 *   mod_approov.c         the module record, directive table and hooks
 *   mod_approov_config.c  configuration records, directives, merges and
 *                         the start-up checks
 *   mod_approov_access.c  the access hooks: the check of each request, the
 *                         connection's token cache, claims, message signing
 *   mod_approov_body.c    a signed request body, read and handed on
 *   mod_approov_status.c  the outcome counters and mod_status
 *   mod_approov_metrics.c the counters for Prometheus (approov-metrics)
 *   mod_approov_replay.c  replay protection through a shared cache
 *   mod_approov_jwks.c    key sets fetched from a JWKS URI (ApproovJWKSURI)
 *
 * Every verification rule lives in the core (lib/, see lib/README.md),
 * which includes no httpd header.
 */
#ifndef MOD_APPROOV_H
#define MOD_APPROOV_H

#include "apr_strings.h"
#include "apr_lib.h"

#include "ap_config.h"
#include "httpd.h"
#include "http_config.h"
#include "http_connection.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "approov_envfile.h"
#include "approov_msgsig.h"
#include "approov_replay.h"
#include "approov_token.h"

#include "mod_approov_jwks.h"

APLOG_USE_MODULE(approov);

#define SECRET_VARIABLE "APPROOV_BASE64_SECRET"
#define ACCOUNT_SECRET_VARIABLE "APPROOV_ACCOUNT_SIGNING_SECRET"
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

/* The outcomes of a request check, for APPROOV_RESULT, the log and the
 * counters, including the glue's own (APPROOV_SIG_NO_IPK,
 * APPROOV_SIG_BODY_TOO_LARGE, APPROOV_BODY_ERROR, APPROOV_SIG_UNKNOWN_MSKID,
 * APPROOV_SIG_NO_ACCOUNT_KEY, APPROOV_SIG_BAD_MSKID): the one list in
 * lib/approov_outcome.h. */


/* Where a scope's key came from; a higher rank wins inside one scope. */
typedef enum {
    KEY_NONE = 0,
    KEY_ENV_FILE = 1,
    KEY_DIRECTIVE = 2
} key_rank_e;

typedef struct {
    int enabled;                    /* Approov On|Off; -1 while unset */
    const char *enabled_at;         /* "file:line" of Approov On */
    const ap_directive_t *enabled_in;   /* its section, NULL at top level */

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

    /* Account message-signing keys (HS256, kid = mskid), or NULL. */
    apr_array_header_t *account_keys;
    key_rank_e account_key_rank;

    int replay;                     /* ApproovMessageSigningReplay; -1 unset:
                                     * on when a cache is configured */
    const char *replay_at;          /* "file:line" of its On */
    int replay_fail_open;           /* ...ReplayCacheFailure; -1 unset */

    const char *issuer;             /* ApproovIssuer; NULL while unset */
    apr_array_header_t *audiences;  /* ApproovAudience; NULL while unset */

    /* ApproovJWKSURI: this scope's keys come from there (never with keys
     * of its own); the three settings are read by post_config (see
     * mod_approov_jwks.c). */
    approov_jwks_conf *jwks;        /* NULL while unset */
    int jwks_refresh;               /* seconds; -1 while unset */
    const char *jwks_ca_file;       /* NULL while unset */
    const char *jwks_cache_file;    /* NULL while unset */
} approov_dir_conf;

typedef struct {
    /* Per-directory configurations that say Approov On, collected while
     * the configuration is read so approov_check_config can refuse to
     * start when one of them has no key. */
    apr_array_header_t *enabled_confs;
    /* The sections of this server that configure a key of their own
     * (const ap_directive_t *), for the same check. */
    apr_array_header_t *key_sections;
    /* APPROOV_BASE64_SECRET from httpd's environment, keyed at start-up
     * (one key, or NULL). */
    apr_array_header_t *environment_keys;
    /* APPROOV_ACCOUNT_SIGNING_SECRET from httpd's environment, keyed at
     * start-up (one key without an id, or NULL). */
    apr_array_header_t *environment_account_keys;

    /* The per-directory configurations with an ApproovJWKSURI, for
     * mod_approov_jwks.c's start-up. */
    apr_array_header_t *jwks_confs;
} approov_server_conf;

/* ------------------------------------------------------------------ */
/* mod_approov_config.c                                                */

void *approov_create_dir_conf(apr_pool_t *p, char *dir);
void *approov_merge_dir_conf(apr_pool_t *p, void *base_conf, void *add_conf);
void *approov_create_server_conf(apr_pool_t *p, server_rec *s);
int approov_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp, server_rec *main_server);
int approov_prepare_crypto(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s);

/* Note that the section of cmd (if any) has a key, for the start-up check
 * of Approov On (a JWKS URI counts). */
void approov_note_key_section(cmd_parms *cmd);

/* Directive handlers, named after their directive. */
const char *approov_cmd_Approov(cmd_parms *cmd, void *dconf, int flag);
const char *approov_cmd_ApproovBase64Secret(cmd_parms *cmd, void *dconf,
                                            const char *arg, const char *kid);
const char *approov_cmd_ApproovPublicKeyFile(cmd_parms *cmd, void *dconf,
                                             const char *arg, const char *kid);
const char *approov_cmd_ApproovJWKSFile(cmd_parms *cmd, void *dconf,
                                        const char *arg);
const char *approov_cmd_ApproovEnvFile(cmd_parms *cmd, void *dconf,
                                       const char *arg);
const char *approov_cmd_ApproovTokenHeader(cmd_parms *cmd, void *dconf,
                                           const char *name,
                                           const char *prefix);
const char *approov_cmd_ApproovLeeway(cmd_parms *cmd, void *dconf,
                                      const char *arg);
const char *approov_cmd_ApproovFailureStatus(cmd_parms *cmd, void *dconf,
                                             const char *arg);
const char *approov_cmd_ApproovTokenBinding(cmd_parms *cmd, void *dconf,
                                            const char *name);
const char *approov_cmd_ApproovTokenBindingOptional(cmd_parms *cmd,
                                                    void *dconf, int flag);
const char *approov_cmd_ApproovReportOnly(cmd_parms *cmd, void *dconf,
                                          int flag);
const char *approov_cmd_ApproovMessageSigning(cmd_parms *cmd, void *dconf,
                                              const char *arg);
const char *approov_cmd_ApproovAccountSigningSecret(cmd_parms *cmd,
                                                   void *dconf,
                                                   const char *arg,
                                                   const char *mskid);
const char *approov_cmd_ApproovIssuer(cmd_parms *cmd, void *dconf,
                                      const char *arg);
const char *approov_cmd_ApproovAudience(cmd_parms *cmd, void *dconf,
                                        const char *args);
/* ApproovMessageSigningMaxAge, ...ClockSkew, ...MaxBody (cmd->info 0-2) */
const char *approov_cmd_signing_limit(cmd_parms *cmd, void *dconf,
                                      const char *arg);

/* ------------------------------------------------------------------ */
/* mod_approov_access.c                                                */

typedef struct approov_kept_body approov_kept_body;

/* What the module keeps about a request, in its request_config: the
 * verdict of its check, and, in the request the client sent only, a body
 * read for message signing (see mod_approov_body.c). */
typedef struct {
    int judged;                 /* the check ran: verdict is set */
    int verdict;                /* OK, DECLINED or a status */
    approov_kept_body *body;
} approov_request_state;

/* r's state; NULL if it has none and create is 0. */
approov_request_state *approov_request_state_of(request_rec *r, int create);

/* The request the client sent, behind subrequests and internal
 * redirects. */
request_rec *approov_client_request(request_rec *r);

int approov_check_access(request_rec *r);
int approov_check_access_ex(request_rec *r);
int approov_pre_connection(conn_rec *c, void *csd);

/* ------------------------------------------------------------------ */
/* mod_approov_body.c                                                  */

extern ap_filter_rec_t *approov_replay_filter;
apr_status_t approov_replay_body(ap_filter_t *f, apr_bucket_brigade *bb,
                                 ap_input_mode_t mode, apr_read_type_e block,
                                 apr_off_t readbytes);
void approov_insert_kept_body(request_rec *r);
int approov_read_body(request_rec *r, apr_off_t limit,
                      const char *content_digest, int *status);

/* ------------------------------------------------------------------ */
/* mod_approov_status.c                                                */

int approov_create_counters(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s);
/* The counters' modes: enforced, report-only. */
#define APPROOV_COUNTER_MODES 2

void approov_count(int report_only, int outcome);
/* Count a missing-token refusal (APPROOV_MISSING) by the SDK's status
 * (approov_sdk_status_e, lib/approov_sdk_status.h). */
void approov_count_missing(int report_only, int sdk_status);
int approov_show_counters(request_rec *r, int flags);

/*
 * The counters, for whatever shows them (mod_status above; an exporter):
 * an outcome's count (approov_outcome_e, named by approov_outcome_name()),
 * and the missing-token count of an SDK status (approov_sdk_status_e,
 * named by approov_sdk_status_name()), enforced (report_only 0) or
 * report-only (1), summed over all children.  0 out of range, and before
 * the post_config hook made the counters.  Each read is atomic; two reads
 * are not one snapshot.
 */
apr_uint64_t approov_outcome_count(int report_only, int outcome);
apr_uint64_t approov_missing_count(int report_only, int sdk_status);
void approov_read_counters(apr_uint64_t counts[][APPROOV_OUTCOME_COUNT]);

/* ------------------------------------------------------------------ */
/* mod_approov_metrics.c                                               */

int approov_metrics_handler(request_rec *r);

/* ------------------------------------------------------------------ */
/* mod_approov_replay.c                                                */

const char *approov_cmd_ApproovMessageSigningReplayCache(cmd_parms *cmd,
                                                         void *dconf,
                                                         const char *arg);
const char *approov_cmd_ApproovMessageSigningReplay(cmd_parms *cmd,
                                                    void *dconf, int flag);
const char *approov_cmd_ApproovMessageSigningReplayCacheFailure(
    cmd_parms *cmd, void *dconf, const char *arg);
int approov_replay_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp);
int approov_replay_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s);
int approov_replay_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s);
void approov_replay_child_init(apr_pool_t *p, server_rec *s);

/*
 * Replay protection of one signature that verified, for every label: 0
 * when replay protection is off here (Off, or not set and no cache
 * configured) or this is the signature's first use
 * (now recorded until expiry, approov_replay_expiry()),
 * APPROOV_SIG_REPLAYED when it was used before, on any node sharing the
 * cache, APPROOV_REPLAY_CACHE_UNAVAILABLE when the cache failed (logged
 * here, once per interval).  The install signature passes "install", the
 * ipk claim's bytes and APPROOV_REPLAY_ECDSA_P256; the account signature
 * "account", its mskid and APPROOV_REPLAY_HMAC.
 */
int approov_replay_check(request_rec *r, const approov_dir_conf *conf,
                         const char *label, const unsigned char *key_id,
                         apr_size_t key_id_len, approov_replay_alg_e alg,
                         const unsigned char *sig, apr_size_t sig_len,
                         apr_time_t expiry);

/* Whether ApproovMessageSigningReplayCache is configured (for metrics). */
int approov_replay_cache_configured(void);

/* Whether ApproovMessageSigningReplayCacheFailure open applies here. */
int approov_replay_fails_open(const approov_dir_conf *conf);

#endif /* MOD_APPROOV_H */

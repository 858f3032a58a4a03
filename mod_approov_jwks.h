/*
 * mod_approov_jwks.h: key sets published at a JWKS URI (ApproovJWKSURI):
 * the directives, the hooks that fetch and publish them, what the access
 * hook asks, and a getter for metrics (private to the module).
 */
#ifndef MOD_APPROOV_JWKS_H
#define MOD_APPROOV_JWKS_H

#include "httpd.h"
#include "http_config.h"

/* Defaults and bounds of ApproovJWKSRefresh, in seconds. */
#define JWKS_REFRESH_DEFAULT 3600
#define JWKS_REFRESH_MIN 60
#define JWKS_REFRESH_MAX 86400
/* A token with an unknown kid triggers at most one refresh in this time. */
#define JWKS_KID_MISS_INTERVAL 60

/* One ApproovJWKSURI as configured (its scope's approov_dir_conf). */
typedef struct approov_jwks_conf approov_jwks_conf;

const char *approov_cmd_ApproovJWKSURI(cmd_parms *cmd, void *dconf,
                                       const char *arg);
const char *approov_cmd_ApproovJWKSRefresh(cmd_parms *cmd, void *dconf,
                                           const char *arg);
const char *approov_cmd_ApproovJWKSCAFile(cmd_parms *cmd, void *dconf,
                                          const char *arg);
const char *approov_cmd_ApproovJWKSCacheFile(cmd_parms *cmd, void *dconf,
                                             const char *arg);

int approov_jwks_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s);
int approov_jwks_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s);
void approov_jwks_child_init(apr_pool_t *pchild, server_rec *s);
int approov_jwks_show_status(request_rec *r, int flags);

/*
 * The key set a request in this scope verifies with, held until r->pool
 * is cleared (a refresh never frees it under the request); NULL while the
 * scope has no set at all (never fetched, no cached copy).  Never fetches
 * or parses: it takes a lock and a reference.
 */
const apr_array_header_t *approov_jwks_keys(request_rec *r,
                                            const approov_jwks_conf *jwks);

/* The URL, for the log. */
const char *approov_jwks_url(const approov_jwks_conf *jwks);

/* A token named a kid the set lacks: ask the fetching watchdog for a
 * refresh (at most one per JWKS_KID_MISS_INTERVAL). */
void approov_jwks_kid_miss(const approov_jwks_conf *jwks);

/* For metrics: one configured JWKS URI's state. */
typedef struct {
    const char *url;
    int has_set;                /* a set was fetched or loaded from cache */
    apr_int64_t age;            /* seconds since that set was fetched (for
                                 * a cached copy: written), -1 for none */
    apr_uint64_t refreshes;     /* fetches that brought a valid set */
    apr_uint64_t failures;      /* fetches that failed, since start-up */
    int keys;                   /* keys in the set this child verifies
                                 * with now, 0 for none */
} approov_jwks_state_t;

/* The state of the i-th JWKS URI (0, 1, ...): 1, or 0 past the last. */
int approov_jwks_state(int i, approov_jwks_state_t *out);

#endif /* MOD_APPROOV_JWKS_H */

/*
 * mod_approov_body.c: a signed request body: read once to check its
 * Content-Digest, then handed on to the handler or backend, also across
 * internal redirects.
 */

#include "mod_approov.h"

/*
 * A request body read to check its Content-Digest, kept for the handler
 * (or mod_proxy).  It belongs to the request the client sent (its pool and
 * its state), which every subrequest and internal redirect (mod_rewrite,
 * ErrorDocument) of it reaches through r->main and r->prev: their
 * request_rec has input filters that httpd made afresh, and mod_dir's fast
 * redirect also replaces them.
 */
struct approov_kept_body {
    apr_bucket_brigade *unread;     /* what no handler has read yet */
    int complete;                   /* unread ends with the body's EOS;
                                     * otherwise the rest is still in the
                                     * connection (a report-only request
                                     * over ApproovMessageSigningMaxBody) */
    int digest_result;              /* its Content-Digest check, when
                                     * complete */
};
typedef approov_kept_body kept_body;

ap_filter_rec_t *approov_replay_filter;

static kept_body *find_kept_body(request_rec *r)
{
    approov_request_state *state =
        approov_request_state_of(approov_client_request(r), 0);

    return state ? state->body : NULL;
}

/* Give r the kept body through its input filters, unless they have it. */
static void add_replay_filter(request_rec *r, kept_body *body)
{
    ap_filter_t *f;

    for (f = r->input_filters; f; f = f->next) {
        if (f->frec == approov_replay_filter) {
            return;
        }
    }
    ap_add_input_filter_handle(approov_replay_filter, body, r, r->connection);
}

/* Input filter: the kept body, then (when it is not complete) whatever
 * follows it from the client. */
apr_status_t approov_replay_body(ap_filter_t *f, apr_bucket_brigade *bb,
                                 ap_input_mode_t mode, apr_read_type_e block,
                                 apr_off_t readbytes)
{
    kept_body *body = f->ctx;
    apr_bucket_brigade *unread = body->unread;
    apr_bucket *e, *copy;
    apr_status_t rv;

    if (APR_BRIGADE_EMPTY(unread)) {
        if (!body->complete) {
            return ap_get_brigade(f->next, bb, mode, block, readbytes);
        }
        if (mode != AP_MODE_INIT && mode != AP_MODE_EATCRLF) {
            APR_BRIGADE_INSERT_TAIL(bb,
                                    apr_bucket_eos_create(f->c->bucket_alloc));
        }
        return APR_SUCCESS;
    }
    if (mode == AP_MODE_INIT || mode == AP_MODE_EATCRLF) {
        return APR_SUCCESS;
    }
    if (mode == AP_MODE_GETLINE) {
        return apr_brigade_split_line(bb, unread, block, HUGE_STRING_LEN);
    }
    if (mode == AP_MODE_EXHAUSTIVE) {
        APR_BRIGADE_CONCAT(bb, unread);
        return APR_SUCCESS;
    }
    rv = apr_brigade_partition(unread, readbytes, &e);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        return rv;
    }
    if (mode == AP_MODE_SPECULATIVE) {
        apr_bucket *b;

        for (b = APR_BRIGADE_FIRST(unread); b != e; b = APR_BUCKET_NEXT(b)) {
            if ((rv = apr_bucket_copy(b, &copy)) != APR_SUCCESS) {
                return rv;
            }
            APR_BRIGADE_INSERT_TAIL(bb, copy);
        }
        return APR_SUCCESS;
    }
    while (!APR_BRIGADE_EMPTY(unread) && APR_BRIGADE_FIRST(unread) != e) {
        apr_bucket *b = APR_BRIGADE_FIRST(unread);

        APR_BUCKET_REMOVE(b);
        APR_BRIGADE_INSERT_TAIL(bb, b);
    }
    return APR_SUCCESS;
}

/* insert_filter hook: after an internal redirect the new request_rec has
 * lost the replay filter; hand it the kept body again.  Also keep the
 * response of a protected scope out of mod_cache here, where mod_dir's
 * fast redirect may have cleared r->no_cache since the access check. */
void approov_insert_kept_body(request_rec *r)
{
    const approov_dir_conf *conf =
        ap_get_module_config(r->per_dir_config, &approov_module);
    kept_body *body;

    if (conf->enabled == 1) {
        r->no_cache = 1;
    }
    if ((body = find_kept_body(r)) != NULL) {
        add_replay_filter(r, body);
    }
}

/*
 * Read the whole request body, at most limit bytes, into memory, kept for
 * the handler, and check it against the client's Content-Digest field
 * value, hashing each piece as it comes in (no flattened copy, no second
 * pass).  Returns 0 (APPROOV_DIGEST_VALID) for a body that matches, the
 * Content-Digest outcome otherwise, APPROOV_SIG_BODY_TOO_LARGE for a body
 * over the limit (what was read is kept: in report-only mode the handler
 * still gets every byte), or APPROOV_BODY_ERROR with httpd's own status in
 * *status (400, 408, 413, or AP_FILTER_ERROR when httpd has answered
 * already) when the client's body could not be read.
 */
int approov_read_body(request_rec *r, apr_off_t limit,
                      const char *content_digest, int *status)
{
    request_rec *client = approov_client_request(r);
    apr_pool_t *pool = client->pool;
    apr_bucket_brigade *bb;
    kept_body *body = find_kept_body(r);
    approov_body_digest_t *digest;
    approov_digest_result_e field;
    apr_off_t total = 0;
    int eos = 0;

    /* A subrequest or an internal redirect judges the body read before
     * (against the same field: the client's). */
    if (body) {
        return body->complete ? body->digest_result
                              : APPROOV_SIG_BODY_TOO_LARGE;
    }
    field = approov_body_digest_begin(r->pool, content_digest, &digest);
    body = apr_pcalloc(pool, sizeof(*body));
    body->unread = apr_brigade_create(pool, r->connection->bucket_alloc);
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (!eos && total <= limit) {
        apr_bucket *e;
        apr_off_t got = 0;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb,
                                         AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            *status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            return APPROOV_BODY_ERROR;
        }
        for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
             e = APR_BUCKET_NEXT(e)) {
            const char *data;
            apr_size_t n;

            if (APR_BUCKET_IS_EOS(e)) {
                eos = 1;
            }
            if (APR_BUCKET_IS_METADATA(e)) {
                continue;
            }
            /* Reading makes the bucket's data present (heap buckets from
             * HTTP_IN already are); hashed while it is in the cache. */
            rv = apr_bucket_read(e, &data, &n, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                *status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
                return APPROOV_BODY_ERROR;
            }
            apr_bucket_setaside(e, pool);
            /* Only what came now: the kept part is counted already. */
            got += (apr_off_t)n;
            if (digest && total + got <= limit) {
                approov_body_digest_update(digest, data, n);
            }
        }
        total += got;
        APR_BRIGADE_CONCAT(body->unread, bb);
    }
    approov_request_state_of(client, 1)->body = body;
    add_replay_filter(r, body);
    if (total > limit) {
        return APPROOV_SIG_BODY_TOO_LARGE;
    }
    body->complete = 1;
    body->digest_result = field != APPROOV_DIGEST_VALID
                              ? field : approov_body_digest_end(digest);
    return body->digest_result;
}


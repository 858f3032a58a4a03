/*
 * approov_msgsig.h: verification of Approov installation message
 * signatures (RFC 9421 HTTP Message Signatures, label install,
 * ecdsa-p256-sha256), of account message signatures (label account,
 * hmac-sha256) and of Content-Digest (RFC 9530).
 *
 * Depends on APR, OpenSSL and approov_sfv only: no httpd header.  The httpd
 * glue fills an approov_msgsig_request_t from the request_rec and passes
 * the raw Signature-Input and Signature field values with the ipk claim of
 * the (already verified) Approov token.
 *
 * Contract: approov_msgsig_verify() (approov_msgsig_verify_account())
 * returns exactly one result code.  APPROOV_SIG_VALID is the only code
 * that means "signed by the key in ipk" ("signed by the account key the
 * token's mskid names"); every other code names the first rule the request
 * broke.  The
 * rules are checked in the order the codes are listed below, except that
 * the per-component rules run component by component in covered order:
 * UNKNOWN_COMPONENT, DUPLICATE_COMPONENT and BAD_SIGNATURE_INPUT (for a
 * @query-param without a String name) in one pass, COMPONENT_ABSENT and
 * BAD_COMPONENT_VALUE in a later one.
 *
 * Profile (what the Approov SDKs send, and what is refused):
 *  - Only the Signature-Input / Signature member of the label being
 *    checked ("install", or "account" for approov_msgsig_verify_account())
 *    is verified; every other member, the other Approov label included, is
 *    parsed (both fields must be strict Dictionaries) and otherwise
 *    ignored: a request may carry both labels, and intermediaries may add
 *    signatures of their own.  A key repeated in either field refuses the
 *    request.  The label is not part of the signature base (RFC 9421), so
 *    each label's algorithm is what keeps a signature from being replayed
 *    under the other: an alg parameter of the other algorithm is
 *    APPROOV_SIG_BAD_ALG, and the signature lengths differ (64 and 32).
 *  - The covered components must include "@method", "@target-uri" or
 *    "@path", and the token header (approov-token unless the view names
 *    another).
 *  - created is required; expires is honoured; alg, when present, must be
 *    "ecdsa-p256-sha256" (install) or "hmac-sha256" (account); nonce, keyid and tag must be Strings when
 *    present; any other signature parameter is carried into the signature
 *    base (and so signed) but not interpreted.
 *  - Derived components supported: @method, @target-uri, @authority,
 *    @scheme, @request-target, @path, @query, @query-param (with its
 *    required name parameter, RFC 9421 section 2.2.8 applied in full:
 *    application/x-www-form-urlencoded parsing, UTF-8 decoding with
 *    U+FFFD replacement, re-encoding with the form-urlencoded percent-
 *    encode set and %20 for a space).  @status, @signature-params and any
 *    unregistered name are APPROOV_SIG_UNKNOWN_COMPONENT.
 *  - HTTP fields are supported without component parameters only: sf, key,
 *    bs, req, tr (and any other parameter, on a field or on a derived
 *    component other than @query-param's name) are
 *    APPROOV_SIG_UNKNOWN_COMPONENT.  A field component name must be a
 *    lowercase field name.
 *
 * Layer 3 of the core (see lib/README.md): includes approov_outcome.h,
 * approov_sfv.h and approov_keys.h (the account keys are its prepared
 * HMAC keys); approov_msgsig.c also approov_base64.h.
 */
#ifndef APPROOV_MSGSIG_H
#define APPROOV_MSGSIG_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "approov_keys.h"
#include "approov_outcome.h"
#include "approov_sfv.h"

/* The Signature-Input / Signature member verified. */
#define APPROOV_MSGSIG_LABEL "install"

/* The only alg value accepted. */
#define APPROOV_MSGSIG_ALG "ecdsa-p256-sha256"

/* The account signature's member, and its only alg (RFC 9421 3.3.3). */
#define APPROOV_MSGSIG_ACCOUNT_LABEL "account"
#define APPROOV_MSGSIG_ACCOUNT_ALG "hmac-sha256"

/* An hmac-sha256 signature's length, in bytes. */
#define APPROOV_MSGSIG_HMAC_LEN 32

/* The token header required among the covered components by default. */
#define APPROOV_MSGSIG_TOKEN_FIELD "approov-token"

/* Longest ipk claim accepted, in characters (a P-256 SPKI is 124). */
#define APPROOV_MSGSIG_IPK_MAX_LEN 1024

/* Results: approov_sig_result_e, APPROOV_SIG_* in approov_outcome.h. */

/*
 * Fetch a request header field by lowercase name: the combined value of all
 * its field lines joined with ", " (as httpd merges them), or NULL when the
 * request has no such field.  Results may be allocated from p.
 */
typedef const char *(*approov_msgsig_field_fn)(void *ctx, apr_pool_t *p,
                                               const char *name);

/* What the glue knows about the request.  Values are used as given unless
 * said otherwise; a NULL value makes a component that needs it absent. */
typedef struct {
    const char *method;     /* as received, case kept ("POST") */
    const char *scheme;     /* "https" / "http"; lowercased here */
    const char *authority;  /* host[:port] as sent (Host or :authority);
                             * lowercased here, and a port equal to the
                             * scheme's default (443, 80) or empty is
                             * dropped, as RFC 9421 section 2.2.3 requires */
    const char *path;       /* absolute path as received, percent-encoding
                             * untouched, without the query; "" means "/" */
    const char *query;      /* as received, without the '?'; NULL when the
                             * request target has no '?' at all */
    const char *target_uri; /* the full target URI, or NULL to build it as
                             * scheme "://" authority path ["?" query] from
                             * the normalized parts above */
    approov_msgsig_field_fn field;  /* header lookup, see above */
    void *field_ctx;
    const char *token_field;/* the header carrying the Approov token, any
                             * case; NULL for approov-token */
    const struct approov_msgsig_key *ipk_key;
                            /* the key of the ipk_base64 passed to
                             * approov_msgsig_verify(), made beforehand by
                             * approov_msgsig_key_make() (kept with a cached
                             * token), or NULL to make it for this call */
} approov_msgsig_request_t;

/* An ipk claim's key, ready to verify with: making it (base64, DER, the
 * point checked on the curve) costs a few per cent of a verification, so
 * the module makes it once per cached token.  It is only read afterwards:
 * threads may verify with one key at the same time. */
typedef struct approov_msgsig_key approov_msgsig_key_t;

/* The key of ipk_base64 (the rules of approov_msgsig_verify_p256()), freed
 * with p; NULL when it is not a valid P-256 key. */
approov_msgsig_key_t *approov_msgsig_key_make(apr_pool_t *p,
                                              const char *ipk_base64);

/* Set req->path and req->query from the request target exactly as the
 * client sent it (the request line's, or HTTP/2's :path): percent-encoding,
 * "..", "//" and every byte kept, as RFC 9421 section 2.2 derives them.
 * An absolute-form target (a proxy request) gives the path after its
 * authority.  Strings may be allocated from p. */
void approov_msgsig_set_target(apr_pool_t *p, approov_msgsig_request_t *req,
                               const char *request_target);

/* Make once what every verification of an install signature needs (the
 * P-256 curve): call before any thread verifies; approov_msgsig_terminate()
 * frees it (before the code is unloaded).  Without it verification still
 * works, making the curve for each key.  Returns 0 if OpenSSL failed. */
int approov_msgsig_initialize(void);
void approov_msgsig_terminate(void);

/* A ready-made field callback: ctx is an apr_table_t of request headers
 * (r->headers_in).  Every entry of the name (looked up case-insensitively)
 * is trimmed of SP and HTAB and they are joined with ", ", as RFC 9421
 * section 2.1 combines field lines.  An entry that httpd merged from
 * several lines keeps a final ", " (an empty last line): a field line
 * itself never ends in whitespace. */
const char *approov_msgsig_table_field(void *ctx, apr_pool_t *p,
                                       const char *name);

/* What a verification found, filled in as far as it got. */
typedef struct {
    int count;              /* covered components, in signed order */
    const char **names;     /* component names: "@method", "content-type" */
    const char **ids;       /* serialized component identifiers:
                             * "\"@method\"", "\"@query-param\";name=\"a\"" */
    int covers_content_digest;  /* "content-digest" is covered */
    int has_created;
    apr_int64_t created;
    int has_expires;
    apr_int64_t expires;
    const char *alg;        /* NULL when absent */
    const char *keyid;
    const char *nonce;
    const char *tag;
    const char *signature_params;   /* the @signature-params value */
    const char *signature_base;     /* the whole signature base, once built */
    apr_size_t signature_base_len;  /* its length */
    const unsigned char *signature; /* the decoded signature */
    apr_size_t signature_len;
} approov_msgsig_t;

/* Whether s is a header field name: an RFC 9110 token, any case. */
int approov_is_field_name(const char *s);

/*
 * Verify the "install" signature of a request.
 *   signature_input, signature: the raw field values (combined), NULL when
 *       absent.
 *   ipk_base64: the token's ipk claim (padded standard base64 of a DER
 *       SubjectPublicKeyInfo).
 *   now: the current time (apr_time_now() in the module).
 *   max_age_seconds: largest accepted now - created (negative means 0).
 *   skew_seconds: allowance for clocks ahead (created) or behind (expires)
 *       (negative means 0).
 * out may be NULL.
 */
approov_sig_result_e approov_msgsig_verify(apr_pool_t *p,
                                           const approov_msgsig_request_t *req,
                                           const char *signature_input,
                                           const char *signature,
                                           const char *ipk_base64,
                                           apr_time_t now,
                                           apr_int64_t max_age_seconds,
                                           apr_int64_t skew_seconds,
                                           approov_msgsig_t *out);

/*
 * Verify the "account" signature of a request whose token carries the
 * mskid claim, by the account key of that id (RFC 9421 hmac-sha256).
 *   key: the account key the glue chose with approov_msgsig_account_key(),
 *       an HS256 key of approov_key_hmac() (NULL: APPROOV_SIG_BAD_SIGNATURE).
 * The same rules, in the same order, as approov_msgsig_verify() with the
 * account member and alg "hmac-sha256"; the MAC is compared in constant
 * time.  Other arguments and out as for approov_msgsig_verify().
 */
approov_sig_result_e approov_msgsig_verify_account(
    apr_pool_t *p, const approov_msgsig_request_t *req,
    const char *signature_input, const char *signature,
    const approov_key_t *key, apr_time_t now, apr_int64_t max_age_seconds,
    apr_int64_t skew_seconds, approov_msgsig_t *out);

/*
 * The account key for a token's mskid among a scope's keys (HS256 keys
 * whose kid, approov_key_kid(), is their mskid, or NULL for a key given
 * without one): the key whose id equals mskid; failing that, the one key
 * without an id (a secret from an env file or the environment, which
 * carries none); failing that NULL (the glue's sig_unknown_mskid).
 */
const approov_key_t *approov_msgsig_account_key(
    const approov_key_t *const *keys, int nkeys, const char *mskid);

/*
 * Building blocks, for the tests and tools (req and out must not be NULL).
 *
 * approov_msgsig_signature_base(): check the covered components of one
 * Signature-Input member (an Inner List of Strings with parameters) and
 * build the RFC 9421 section 2.5 signature base for the request, with no
 * profile rule applied (no required components, no time checks).  Fills
 * out->names, ids, covers_content_digest, signature_params and
 * signature_base.  Returns APPROOV_SIG_VALID or the code of the first
 * failure (BAD_SIGNATURE_INPUT, UNKNOWN_COMPONENT, DUPLICATE_COMPONENT,
 * COMPONENT_ABSENT, BAD_COMPONENT_VALUE).
 */
approov_sig_result_e approov_msgsig_signature_base(
    apr_pool_t *p, const approov_msgsig_request_t *req,
    const approov_sfv_member_t *member, approov_msgsig_t *out);

/*
 * ecdsa-p256-sha256 (RFC 9421 section 3.3.4) with the key of an ipk claim:
 * APPROOV_SIG_VALID, APPROOV_SIG_BAD_IPK or APPROOV_SIG_BAD_SIGNATURE.
 */
approov_sig_result_e approov_msgsig_verify_p256(apr_pool_t *p,
                                                const char *ipk_base64,
                                                const char *base,
                                                apr_size_t base_len,
                                                const unsigned char *sig,
                                                apr_size_t sig_len);

/*
 * hmac-sha256 (RFC 9421 section 3.3.3) with a prepared HS256 key (see
 * approov_key_hmac()): APPROOV_SIG_VALID, or APPROOV_SIG_BAD_SIGNATURE for
 * a signature that is not the 32-byte MAC of the base (compared with
 * CRYPTO_memcmp) or a key that is not HS256.
 */
approov_sig_result_e approov_msgsig_verify_hmac(const approov_key_t *key,
                                                const char *base,
                                                apr_size_t base_len,
                                                const unsigned char *sig,
                                                apr_size_t sig_len);

/* ------------------------------------------------------------------ */
/* Content-Digest (RFC 9530)                                           */

/* Results: approov_digest_result_e, APPROOV_DIGEST_* in approov_outcome.h. */

/*
 * Check a Content-Digest field value against the body (body may be NULL
 * when body_len is 0).  Valid when at least one sha-256 or sha-512 member
 * is present and every such member matches; members with other algorithm
 * keys are ignored then (but must still be Byte Sequences).  Digests are
 * compared in constant time.
 */
approov_digest_result_e approov_content_digest_check(
    apr_pool_t *p, const char *content_digest, const unsigned char *body,
    apr_size_t body_len);

/*
 * The same check with the body fed piece by piece as it is read, so that
 * it is hashed once, with no copy.  begin parses the field value: on
 * APPROOV_DIGEST_VALID *d is the state to feed (only the algorithms the
 * field names are computed); on MISSING, MALFORMED or UNSUPPORTED *d is
 * NULL and that is the check's result.  end gives VALID or MISMATCH, and
 * the same again if called twice.  The state is in p; update takes no
 * lock and allocates nothing.
 */
typedef struct approov_body_digest approov_body_digest_t;

approov_digest_result_e approov_body_digest_begin(apr_pool_t *p,
                                                  const char *content_digest,
                                                  approov_body_digest_t **d);
void approov_body_digest_update(approov_body_digest_t *d, const void *data,
                                apr_size_t len);
approov_digest_result_e approov_body_digest_end(approov_body_digest_t *d);

#endif /* APPROOV_MSGSIG_H */

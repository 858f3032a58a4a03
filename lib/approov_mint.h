/*
 * approov_mint.h: making tokens, and verifying with one key: for the
 * approov-token tool, the tests, the fuzzers and the benchmarks.  The
 * module does not link this unit (sources.mk: CORE_TOOL_SRCS).
 *
 * Layer 4 of the core (see lib/README.md): includes approov_token.h.
 */
#ifndef APPROOV_MINT_H
#define APPROOV_MINT_H

#include "approov_token.h"

/*
 * Make a compact JWS: base64url(header_json) '.' base64url(payload_json)
 * '.' base64url(MAC), allocated from p, with an HMAC key (NULL otherwise).  The JSON texts are taken as given;
 * for tests, demos and the approov-token tool, never on the request path.
 */
const char *approov_sign(apr_pool_t *p, const approov_key_t *key,
                         const char *header_json, apr_size_t header_len,
                         const char *payload_json, apr_size_t payload_len);

/* approov_verify_keys() with a single key (NULL: APPROOV_NO_KEY). */
approov_result_e approov_verify(apr_pool_t *p, const char *token,
                                apr_size_t token_len,
                                const approov_key_t *key,
                                apr_int64_t leeway_seconds, apr_time_t now,
                                approov_token_t *out);

#endif /* APPROOV_MINT_H */

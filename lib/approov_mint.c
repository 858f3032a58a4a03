/*
 * approov_mint.c: tokens for tools and tests (see approov_mint.h).
 */
#include <apr_strings.h>

#include "approov_base64.h"
#include "approov_mint.h"

const char *approov_sign(apr_pool_t *p, const approov_key_t *key,
                         const char *header_json, apr_size_t header_len,
                         const char *payload_json, apr_size_t payload_len)
{
    apr_size_t size = (header_len + 2) / 3 * 4 + (payload_len + 2) / 3 * 4
                      + (64 + 2) / 3 * 4 + 3;
    char *token = apr_palloc(p, size), *t = token;
    unsigned char mac[64];
    apr_size_t mac_len;

    t += approov_b64url_encode(t, (const unsigned char *)header_json,
                               header_len);
    *t++ = '.';
    t += approov_b64url_encode(t, (const unsigned char *)payload_json,
                               payload_len);
    mac_len = approov_key_mac(key, token, (apr_size_t)(t - token), mac);
    if (!mac_len) {
        return NULL;
    }
    *t++ = '.';
    approov_b64url_encode(t, mac, mac_len);
    return token;
}

approov_result_e approov_verify(apr_pool_t *p, const char *token,
                                apr_size_t token_len,
                                const approov_key_t *key,
                                apr_int64_t leeway_seconds, apr_time_t now,
                                approov_token_t *out)
{
    return approov_verify_keys(p, token, token_len, key ? &key : NULL,
                               key ? 1 : 0, leeway_seconds, now, out);
}

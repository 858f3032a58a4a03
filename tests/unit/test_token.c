/*
 * test_token.c: unit tests of approov_token.c: verification (kid, alg,
 * signature, strict header and payload, time) and token binding, against
 * approov_token.h.
 * Fixtures and minting: token_fixtures.h.
 */
#include "harness.h"
#include "token_fixtures.h"

/* ------------------------------------------------------------------ */
/* result and algorithm names                                          */

static void test_result_names_are_distinct_lowercase(void)
{
    int i, j;

    for (i = 0; i < APPROOV_RESULT_COUNT; i++) {
        const char *a = approov_result_name((approov_result_e)i);
        const char *c;
        int lower = a && *a;

        for (c = a; lower && *c; c++) {
            lower = (*c >= 'a' && *c <= 'z') || *c == '_';
        }
        CHECKF(lower, "name of %s is %s", rname((approov_result_e)i),
               shows(a));
        for (j = 0; j < i; j++) {
            const char *b = approov_result_name((approov_result_e)j);
            CHECKF(!a || !b || strcmp(a, b) != 0, "%s and %s are both %s",
                   rname((approov_result_e)j), rname((approov_result_e)i),
                   a);
        }
    }
    CHECK(strcmp(approov_result_name(APPROOV_VALID), "valid") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_EXPIRED), "expired") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_NOT_YET_VALID),
                 "not_yet_valid") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_BAD_SIGNATURE),
                 "bad_signature") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_MISSING), "missing") == 0);
    CHECK(strcmp(approov_result_name(APPROOV_MALFORMED), "malformed") == 0);
}

/* ------------------------------------------------------------------ */
/* RFC 7515 Appendix A.1 and the Approov dummy secret                  */

static const char RFC7515_K[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUu"
    "TwjAzZr1Z9CAow";
static const char RFC7515_TOKEN[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
#define RFC7515_EXP 1300819380LL

static approov_key_t *rfc7515_key(void)
{
    unsigned char *k;
    apr_size_t len;
    const char *err = decode_secret(RFC7515_K, &k, &len);
    size_t ref_len;
    unsigned char *ref = ref_b64_decode(RFC7515_K, &ref_len);

    CHECKF(!err && len == 64 && ref && ref_len == 64
           && memcmp(k, ref, 64) == 0,
           "decoding the JWK k: %s, %lu bytes", shows(err),
           (unsigned long)len);
    if (err) {
        return NULL;
    }
    return approov_key_hmac(pool, APPROOV_ALG_HS256, k, len);
}

static void test_rfc7515_a1_example(void)
{
    approov_key_t *key = rfc7515_key();
    approov_token_t out;
    approov_result_e r;

    CHECK(key != NULL);
    if (!key) {
        return;
    }
    {
        /* this file's minting agrees with the RFC's published signature */
        unsigned char *k;
        apr_size_t k_len;
        const char *dot2 = strrchr(RFC7515_TOKEN, '.');
        const char *input = apr_pstrndup(pool, RFC7515_TOKEN,
                                         (size_t)(dot2 - RFC7515_TOKEN));
        const char *dot1 = strchr(input, '.');
        decode_secret(RFC7515_K, &k, &k_len);
        CHECK(strcmp(sign_segments(k, k_len,
                                   apr_pstrndup(pool, input,
                                                (size_t)(dot1 - input)),
                                   dot1 + 1),
                     RFC7515_TOKEN) == 0);
    }
    EXPECT_AT("one second before exp", key, RFC7515_TOKEN, 0,
              RFC7515_EXP - 1, APPROOV_VALID);
    EXPECT_AT("long before exp", key, RFC7515_TOKEN, 0, 1000000000LL,
              APPROOV_VALID);
    EXPECT_AT("exactly at exp", key, RFC7515_TOKEN, 0, RFC7515_EXP,
              APPROOV_EXPIRED);
    EXPECT_AT("after exp", key, RFC7515_TOKEN, 0, RFC7515_EXP + 1,
              APPROOV_EXPIRED);
    EXPECT_AT("long after exp", key, RFC7515_TOKEN, 0, NOW_S,
              APPROOV_EXPIRED);
    expect_impl(__LINE__, "one microsecond before exp", RFC7515_TOKEN,
                strlen(RFC7515_TOKEN), key, 0, SECS(RFC7515_EXP) - 1,
                APPROOV_VALID);
    EXPECT_AT("dummy key", dummy_key, RFC7515_TOKEN, 0, RFC7515_EXP - 1,
              APPROOV_BAD_SIGNATURE);

    r = verify_raw(RFC7515_TOKEN, strlen(RFC7515_TOKEN), key, 0,
                   SECS(RFC7515_EXP - 1), &out);
    CHECK(r == APPROOV_VALID);
    if (r == APPROOV_VALID) {
        const cJSON *iss = cJSON_GetObjectItemCaseSensitive(out.claims,
                                                            "iss");
        const cJSON *root = cJSON_GetObjectItemCaseSensitive(
            out.claims, "http://example.com/is_root");
        const cJSON *typ = cJSON_GetObjectItemCaseSensitive(out.header,
                                                            "typ");
        CHECK(cJSON_IsString(iss) && strcmp(iss->valuestring, "joe") == 0);
        CHECK(cJSON_IsTrue(root));
        CHECK(cJSON_IsString(typ) && strcmp(typ->valuestring, "JWT") == 0);
        CHECK(out.exp == 1300819380.0);
    }
}

static void test_rfc7515_a1_leeway(void)
{
    approov_key_t *key = rfc7515_key();

    if (!key) {
        return;
    }
    EXPECT_AT("leeway 10, exp + 9", key, RFC7515_TOKEN, 10,
              RFC7515_EXP + 9, APPROOV_VALID);
    EXPECT_AT("leeway 10, exp + 10", key, RFC7515_TOKEN, 10,
              RFC7515_EXP + 10, APPROOV_EXPIRED);
    EXPECT_AT("leeway 10, exp + 11", key, RFC7515_TOKEN, 10,
              RFC7515_EXP + 11, APPROOV_EXPIRED);
    EXPECT_AT("leeway max, exp + max - 1", key, RFC7515_TOKEN,
              APPROOV_LEEWAY_MAX, RFC7515_EXP + APPROOV_LEEWAY_MAX - 1,
              APPROOV_VALID);
    EXPECT_AT("leeway max, exp + max", key, RFC7515_TOKEN,
              APPROOV_LEEWAY_MAX, RFC7515_EXP + APPROOV_LEEWAY_MAX,
              APPROOV_EXPIRED);
}

/* The pay claim for these header values: padded standard base64 of
 * SHA-256 over their concatenation, computed with OpenSSL. */
static const char *ref_pay(const char *const *values, int count)
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    char *out = apr_palloc(pool, 45);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int i;

    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (i = 0; i < count; i++) {
        EVP_DigestUpdate(ctx, values[i], strlen(values[i]));
    }
    EVP_DigestFinal_ex(ctx, digest, &digest_len);
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock((unsigned char *)out, digest, 32);
    return out;
}

static void test_dummy_secret_tokens_are_valid(void)
{
    const char *auth[1] = { "Bearer some-oauth-token" };
    const char *payload = pl("{\"exp\":%lld,\"ip\":\"1.2.3.4\","
                             "\"did\":\"ExampleApproovTokenDID==\","
                             "\"pay\":\"%s\"}",
                             (long long)EXP_OK, ref_pay(auth, 1));
    const char *token = mint(HDR, payload);
    approov_token_t out;
    approov_result_e r;

    EXPECT("exp/ip/did/pay claims", token, APPROOV_VALID);
    EXPECT("header with alg only", mint("{\"alg\":\"HS256\"}", payload),
           APPROOV_VALID);
    EXPECT("exp only", mint(HDR, valid_payload()), APPROOV_VALID);
    EXPECT("header with whitespace and kid",
           mint(" {\r\n\t\"typ\" : \"JWT\" ,\n \"kid\":\"k1\", \"alg\" :"
                " \"HS256\" }\n", payload),
           APPROOV_VALID);
    EXPECT("alg spelled with escapes is still HS256",
           mint("{\"alg\":\"H\\u0053256\"}", payload), APPROOV_VALID);
    EXPECT("unknown claims and nested values",
           mint(HDR, pl("{\"exp\":%lld,\"arc\":\"x\",\"ipk\":[1,{\"a\":null}"
                        "],\"s\":\"\\ud83d\\ude00\\u00e9\"}",
                        (long long)EXP_OK)),
           APPROOV_VALID);
    EXPECT("exp as exponent notation",
           mint(HDR, "{\"exp\":1.7000036e9}"), APPROOV_VALID);

    r = verify_out(token, &out);
    CHECK(r == APPROOV_VALID);
    if (r == APPROOV_VALID) {
        const cJSON *ip = cJSON_GetObjectItemCaseSensitive(out.claims, "ip");
        const cJSON *did = cJSON_GetObjectItemCaseSensitive(out.claims,
                                                            "did");
        CHECK(cJSON_IsObject(out.claims));
        CHECK(cJSON_IsObject(out.header));
        CHECK(cJSON_IsString(ip) && strcmp(ip->valuestring, "1.2.3.4") == 0);
        CHECK(cJSON_IsString(did)
              && strcmp(did->valuestring, "ExampleApproovTokenDID==") == 0);
        CHECKF(out.exp == (double)EXP_OK, "exp %f", out.exp);
    }
}

static void test_sign_matches_independent_mint(void)
{
    const char *payload = valid_payload();
    const char *signed_ = approov_sign(pool, dummy_key, HDR, strlen(HDR),
                                       payload, strlen(payload));

    CHECKF(signed_ && strcmp(signed_, mint(HDR, payload)) == 0,
           "approov_sign gave %s, want %s", shows(signed_),
           mint(HDR, payload));
}

/* ------------------------------------------------------------------ */
/* approov_verify: structure                                           */

static void test_missing_when_empty(void)
{
    expect_impl(__LINE__, "NULL, length 0", NULL, 0, dummy_key, 0,
                SECS(NOW_S), APPROOV_MISSING);
    expect_impl(__LINE__, "length 0", "", 0, dummy_key, 0, SECS(NOW_S),
                APPROOV_MISSING);
    expect_impl(__LINE__, "length 0 of a real token", RFC7515_TOKEN, 0,
                dummy_key, 0, SECS(NOW_S), APPROOV_MISSING);
}

/* A valid dummy-key token of exactly len bytes: the payload carries a
 * filler string sized by arithmetic (unpadded base64url of n bytes has
 * (4n + 2) / 3 characters; the signature has 43), then one token is minted
 * and its length checked by the caller. */
static const char *valid_token_of_length(size_t len)
{
    size_t spaces, filler;

    for (spaces = 0; spaces < 3; spaces++) {
        const char *header = json_len_mod3(HDR, (strlen(HDR) + spaces) % 3);
        size_t fixed = (strlen(header) * 4 + 2) / 3 + 1 + 1 + 43;
        size_t base = strlen(pl("{\"exp\":%lld,\"x\":\"\"}",
                                (long long)EXP_OK));

        for (filler = 0; fixed + ((base + filler) * 4 + 2) / 3 <= len;
             filler++) {
            if (fixed + ((base + filler) * 4 + 2) / 3 == len) {
                char *x = apr_palloc(pool, filler + 1);
                memset(x, 'a', filler);
                x[filler] = '\0';
                return mint(header, pl("{\"exp\":%lld,\"x\":\"%s\"}",
                                       (long long)EXP_OK, x));
            }
        }
    }
    return NULL;
}

static void test_too_long_limit(void)
{
    const char *at_limit = valid_token_of_length(APPROOV_TOKEN_MAX_LEN);
    char *over;

    CHECK(at_limit && strlen(at_limit) == APPROOV_TOKEN_MAX_LEN);
    if (!at_limit) {
        return;
    }
    EXPECT("valid token of exactly APPROOV_TOKEN_MAX_LEN bytes", at_limit,
           APPROOV_VALID);
    over = apr_pstrcat(pool, at_limit, "A", NULL);
    EXPECT("the same plus one byte", over, APPROOV_TOO_LONG);
    over = apr_palloc(pool, APPROOV_TOKEN_MAX_LEN + 2);
    memset(over, 'a', APPROOV_TOKEN_MAX_LEN + 1);
    over[APPROOV_TOKEN_MAX_LEN + 1] = '\0';
    EXPECT("APPROOV_TOKEN_MAX_LEN + 1 letters", over, APPROOV_TOO_LONG);
    over = apr_palloc(pool, 100001);
    memset(over, '.', 100000);
    over[100000] = '\0';
    EXPECT("100000 dots", over, APPROOV_TOO_LONG);
}

static void test_no_key(void)
{
    const char *token = mint(HDR, valid_payload());

    expect_impl(__LINE__, "NULL key", token, strlen(token), NULL, 0,
                SECS(NOW_S), APPROOV_NO_KEY);
}

static void test_malformed_segment_count(void)
{
    const char *h = b64u(HDR), *p = b64u(valid_payload());
    const char *good = mint(HDR, valid_payload());
    const char *sig = strrchr(good, '.') + 1;

    EXPECT("one segment", h, APPROOV_MALFORMED);
    EXPECT("one segment, a word", "token", APPROOV_MALFORMED);
    EXPECT("a lone dot", ".", APPROOV_MALFORMED);
    EXPECT("two segments", apr_pstrcat(pool, h, ".", p, NULL),
           APPROOV_MALFORMED);
    EXPECT("two segments: header and signature",
           apr_pstrcat(pool, h, ".", sig, NULL), APPROOV_MALFORMED);
    EXPECT("four segments", apr_pstrcat(pool, good, ".", sig, NULL),
           APPROOV_MALFORMED);
    EXPECT("four segments, last empty", apr_pstrcat(pool, good, ".", NULL),
           APPROOV_MALFORMED);
    EXPECT("four segments, header repeated",
           apr_pstrcat(pool, h, ".", good, NULL), APPROOV_MALFORMED);
    EXPECT("six segments", apr_pstrcat(pool, good, ".", good, NULL),
           APPROOV_MALFORMED);
    EXPECT("three dots", "...", APPROOV_MALFORMED);
}

static void test_malformed_empty_segments(void)
{
    const char *h = b64u(HDR), *p = b64u(valid_payload());

    EXPECT("two dots", "..", APPROOV_MALFORMED);
    EXPECT("empty header segment",
           sign_segments(dummy_secret, 64, "", p), APPROOV_MALFORMED);
    EXPECT("empty payload segment",
           sign_segments(dummy_secret, 64, h, ""), APPROOV_MALFORMED);
    EXPECT_EITHER("empty signature segment",
                  apr_pstrcat(pool, h, ".", p, ".", NULL), APPROOV_MALFORMED,
                  APPROOV_BAD_SIGNATURE);
    EXPECT_EITHER("alg none with an empty signature segment",
                  apr_pstrcat(pool, b64u("{\"alg\":\"none\"}"), ".", p, ".",
                              NULL),
                  APPROOV_MALFORMED, APPROOV_BAD_SIGNATURE);
}

/* The ways a segment can break strict base64url.  mutate() is applied to
 * the header or the payload segment, which is then signed correctly, so
 * the encoding is the only fault. */
static void check_segment_encodings(int which)
{
    const char *header = HDR, *payload = valid_payload();
    const char *json = which == 0 ? header : payload;
    const char *seg, *bad;
    /* characters '?' and '~' give '_' and '-' in every alignment */
    const char *json_url = apr_pstrcat(pool, "{\"x\":\"??????~~~~~~\",",
                                       json + 1, NULL);
    struct { const char *what, *seg; } cases[16];
    int n = 0, i;

#define ADD(w, s) do { cases[n].what = (w); cases[n].seg = (s); n++; } \
    while (0)
    seg = b64u(json_len_mod3(json, 1));
    ADD("padded with ==", apr_pstrcat(pool, seg, "==", NULL));
    ADD("non-canonical trailing bits (len % 4 == 2)",
        noncanonical_tail(seg));
    seg = b64u(json_len_mod3(json, 2));
    ADD("padded with =", apr_pstrcat(pool, seg, "=", NULL));
    ADD("non-canonical trailing bits (len % 4 == 3)",
        noncanonical_tail(seg));
    seg = b64u(json_len_mod3(json, 0));
    ADD("length % 4 == 1", apr_pstrcat(pool, seg, "A", NULL));
    ADD("leading space", apr_pstrcat(pool, " ", seg, NULL));
    ADD("trailing space", apr_pstrcat(pool, seg, " ", NULL));
    ADD("space inside", apr_pstrcat(pool, apr_pstrndup(pool, seg, 8), " ",
                                    seg + 8, NULL));
    ADD("tab inside", apr_pstrcat(pool, apr_pstrndup(pool, seg, 8), "\t",
                                  seg + 8, NULL));
    ADD("newline inside", apr_pstrcat(pool, apr_pstrndup(pool, seg, 8), "\n",
                                      seg + 8, NULL));
    ADD("'*' inside", replace_first(seg, seg[4], '*'));
    ADD("byte 0xC3 inside", replace_first(seg, seg[4], '\xC3'));
    seg = b64u(json_url);
    ADD("'+' instead of '-'", replace_first(seg, '-', '+'));
    ADD("'/' instead of '_'", replace_first(seg, '_', '/'));
    ADD("standard alphabet throughout",
        replace_first(replace_first(seg, '-', '+'), '_', '/'));
#undef ADD

    for (i = 0; i < n; i++) {
        const char *what = apr_psprintf(pool, "%s segment: %s",
                                         which == 0 ? "header" : "payload",
                                         cases[i].what);
        CHECKF(cases[i].seg != NULL, "%s: could not build", what);
        if (!cases[i].seg) {
            continue;
        }
        bad = which == 0
              ? sign_segments(dummy_secret, 64, cases[i].seg, b64u(payload))
              : sign_segments(dummy_secret, 64, b64u(header), cases[i].seg);
        EXPECT(what, bad, APPROOV_MALFORMED);
        /* The same segment under the untouched token's signature: the
         * encoding is judged before the signature. */
        bad = which == 0
              ? apr_pstrcat(pool, cases[i].seg, ".", b64u(payload), ".",
                            strrchr(mint(header, payload), '.') + 1, NULL)
              : apr_pstrcat(pool, b64u(header), ".", cases[i].seg, ".",
                            strrchr(mint(header, payload), '.') + 1, NULL);
        EXPECT(apr_pstrcat(pool, what, ", not re-signed", NULL), bad,
               APPROOV_MALFORMED);
    }
    /* the URL-safe control case is itself valid */
    EXPECT("control: both URL-safe characters present",
           which == 0 ? mint(json_url, payload) : mint(header, json_url),
           APPROOV_VALID);
}

static void test_malformed_header_segment_encoding(void)
{
    check_segment_encodings(0);
}

static void test_malformed_payload_segment_encoding(void)
{
    check_segment_encodings(1);
}

static void test_malformed_signature_segment_encoding(void)
{
    const char *good = mint(HDR, valid_payload());
    size_t len = strlen(good);
    const char *dot = strrchr(good, '.');
    const char *sig = dot + 1;
    const char *input = apr_pstrndup(pool, good, (size_t)(dot - good));
    char *s;

    CHECK(strlen(sig) == 43);
    EXPECT("padded with =", apr_pstrcat(pool, good, "=", NULL),
           APPROOV_MALFORMED);
    EXPECT("padded with ==", apr_pstrcat(pool, good, "==", NULL),
           APPROOV_MALFORMED);
    EXPECT("non-canonical trailing bits",
           apr_pstrcat(pool, input, ".", noncanonical_tail(sig), NULL),
           APPROOV_MALFORMED);
    s = apr_pstrdup(pool, good);
    s[len - 20] = '+';
    EXPECT("'+' inside", s, APPROOV_MALFORMED);
    s[len - 20] = '/';
    EXPECT("'/' inside", s, APPROOV_MALFORMED);
    s[len - 20] = ' ';
    EXPECT("space inside", s, APPROOV_MALFORMED);
    s[len - 20] = '*';
    EXPECT("'*' inside", s, APPROOV_MALFORMED);
    s[len - 20] = '\x80';
    EXPECT("byte 0x80 inside", s, APPROOV_MALFORMED);
    EXPECT("trailing space", apr_pstrcat(pool, good, " ", NULL),
           APPROOV_MALFORMED);
    EXPECT("trailing newline", apr_pstrcat(pool, good, "\n", NULL),
           APPROOV_MALFORMED);
    EXPECT("trailing CR LF", apr_pstrcat(pool, good, "\r\n", NULL),
           APPROOV_MALFORMED);
    s = apr_pstrdup(pool, good);
    s[dot - good + 1] = ' ';
    EXPECT("space first", s, APPROOV_MALFORMED);
}

/* ------------------------------------------------------------------ */
/* approov_verify: header                                              */

static const char *mint_with_header(const char *header, size_t len)
{
    const char *payload = valid_payload();

    return mint_bytes(dummy_secret, 64, header, len, payload,
                      strlen(payload));
}

static void test_bad_header_json(void)
{
    static const bytes_t bad[] = {
        BYTES("not json"),
        BYTES("HS256"),
        BYTES("[\"alg\",\"HS256\"]"),
        BYTES("[{\"alg\":\"HS256\"}]"),
        BYTES("\"HS256\""),
        BYTES("null"),
        BYTES("{\"alg\":\"HS256\"}x"),
        BYTES("{\"alg\":\"HS256\"}{}"),
        BYTES("{\"alg\":\"HS256\"},"),
        BYTES("{\"alg\":\"HS256\"}\0"),
        BYTES("\0{\"alg\":\"HS256\"}"),
        BYTES("{\"alg\":\"HS256\"\0}"),
        BYTES("{\"alg\":\"HS\0" "256\"}"),
        BYTES("{\"alg\":\"HS256\",\"kid\":\"\\u0000\"}"),
        BYTES("{\"alg\":\"HS256\",\"kid\":\"\xFF\"}"),
        BYTES("{\"alg\":\"HS256\",\"kid\":\"\xC0\x80\"}"),
        BYTES("{\"alg\":\"HS256\",\"kid\":\"\xED\xA0\x80\"}"),
        BYTES("{\"alg\":\"HS256\",\"k\xFF\":1}"),
        BYTES("{\"alg\":\"HS256\",}"),
        BYTES("{'alg':'HS256'}"),
        BYTES("{alg:\"HS256\"}"),
        BYTES("{\"alg\":\"HS256\""),
        BYTES("{\"alg\":\"HS256\",\"x\":01}"),
        BYTES("\xEF\xBB\xBF{\"alg\":\"HS256\"}"),
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *what = apr_psprintf(pool, "header %s",
                                        show(bad[i].text, bad[i].len));
        EXPECT(what, mint_with_header(bad[i].text, bad[i].len),
               APPROOV_BAD_HEADER);
    }
}

static void test_bad_header_duplicate_names(void)
{
    static const char *const dup[] = {
        "{\"alg\":\"HS256\",\"alg\":\"HS256\"}",
        "{\"alg\":\"none\",\"alg\":\"HS256\"}",
        "{\"alg\":\"HS256\",\"alg\":\"none\"}",
        "{\"\\u0061lg\":\"HS256\",\"alg\":\"HS256\"}",
        "{\"alg\":\"HS256\",\"\\u0061lg\":\"none\"}",
        "{\"alg\":\"HS256\",\"a\\u006cg\":\"HS256\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS256\",\"jwk\":{\"k\":\"a\",\"k\":\"b\"}}",
    };
    size_t i;

    for (i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
        EXPECT(apr_psprintf(pool, "header %s", dup[i]),
               mint_with_header(dup[i], strlen(dup[i])), APPROOV_BAD_HEADER);
    }
    EXPECT("control: alg and ALG are different names",
           mint("{\"alg\":\"HS256\",\"ALG\":\"none\"}", valid_payload()),
           APPROOV_VALID);
}

static void test_bad_header_too_deep(void)
{
    /* the header object itself is depth 1 */
    const char *at_limit = apr_pstrcat(
        pool, "{\"alg\":\"HS256\",\"x\":",
        nested_arrays(APPROOV_JSON_MAX_DEPTH - 1), "}", NULL);
    const char *over = apr_pstrcat(
        pool, "{\"alg\":\"HS256\",\"x\":",
        nested_arrays(APPROOV_JSON_MAX_DEPTH), "}", NULL);
    const char *far_over = apr_pstrcat(
        pool, "{\"alg\":\"HS256\",\"x\":", nested_arrays(2000), "}", NULL);

    EXPECT("header nested APPROOV_JSON_MAX_DEPTH deep",
           mint(at_limit, valid_payload()), APPROOV_VALID);
    EXPECT("header nested APPROOV_JSON_MAX_DEPTH + 1 deep",
           mint(over, valid_payload()), APPROOV_BAD_HEADER);
    EXPECT("header nested 2001 deep", mint(far_over, valid_payload()),
           APPROOV_BAD_HEADER);
}

static void test_bad_header_crit(void)
{
    EXPECT("crit [\"exp\"]",
           mint("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", valid_payload()),
           APPROOV_BAD_HEADER);
    EXPECT("crit [\"b64\"] with b64 false",
           mint("{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}",
                valid_payload()),
           APPROOV_BAD_HEADER);
    EXPECT("crit []", mint("{\"crit\":[],\"alg\":\"HS256\"}",
                           valid_payload()),
           APPROOV_BAD_HEADER);
    EXPECT("crit spelled with an escape",
           mint("{\"alg\":\"HS256\",\"cr\\u0069t\":[\"exp\"]}",
                valid_payload()),
           APPROOV_BAD_HEADER);
}

static void test_bad_alg(void)
{
    static const char *const headers[] = {
        "{\"alg\":\"none\"}", "{\"alg\":\"None\"}", "{\"alg\":\"NONE\"}",
        "{\"alg\":\"nOnE\"}", "{\"alg\":\"HS384\"}", "{\"alg\":\"HS512\"}",
        "{\"alg\":\"RS256\"}", "{\"alg\":\"ES256\"}", "{\"alg\":\"PS256\"}",
        "{\"alg\":\"hs256\"}", "{\"alg\":\"Hs256\"}", "{\"alg\":\"HS256 \"}",
        "{\"alg\":\" HS256\"}", "{\"alg\":\"HS256\\u0020\"}",
        "{\"alg\":\"HS2560\"}", "{\"alg\":\"HS25\"}", "{\"alg\":\"\"}",
        "{\"alg\":\"HS256\\n\"}",
        "{}", "{\"typ\":\"JWT\"}", "{\"ALG\":\"HS256\"}",
        "{\"alg \":\"HS256\"}",
        "{\"alg\":256}", "{\"alg\":null}", "{\"alg\":[\"HS256\"]}",
        "{\"alg\":true}", "{\"alg\":{\"name\":\"HS256\"}}",
        "{\"typ\":\"JWT\",\"x\":{\"alg\":\"HS256\"}}",
    };
    size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        /* signed with the right key: only the alg is wrong */
        EXPECT(apr_psprintf(pool, "header %s", headers[i]),
               mint(headers[i], valid_payload()), APPROOV_BAD_ALG);
    }
}

/* ------------------------------------------------------------------ */
/* approov_verify: signature                                           */

static const unsigned char OTHER_SECRET[] = "not the Approov dummy secret";

static const char *mint_other_key(const char *header, const char *payload)
{
    return mint_bytes(OTHER_SECRET, sizeof(OTHER_SECRET) - 1, header,
                      strlen(header), payload, strlen(payload));
}

static void test_bad_signature(void)
{
    const char *payload = valid_payload();
    const char *h = b64u(HDR), *p = b64u(payload);
    const char *input = apr_pstrcat(pool, h, ".", p, NULL);
    const char *good = mint(HDR, payload);
    const char *other = mint(HDR, pl("{\"exp\":%lld}", (long long)EXP_OK + 1));
    unsigned char mac[32], bad[64];
    char *s;

    hmac_sha256(dummy_secret, 64, input, strlen(input), mac);
    EXPECT("control", with_mac(h, p, mac, 32), APPROOV_VALID);

    EXPECT("wrong key", mint_other_key(HDR, payload), APPROOV_BAD_SIGNATURE);
    EXPECT_AT("wrong key: the RFC 7515 key", rfc7515_key(), good, 0, NOW_S,
              APPROOV_BAD_SIGNATURE);

    memcpy(bad, mac, 32);
    bad[0] ^= 0x80;
    EXPECT("first bit flipped", with_mac(h, p, bad, 32),
           APPROOV_BAD_SIGNATURE);
    memcpy(bad, mac, 32);
    bad[31] ^= 0x01;
    EXPECT("last bit flipped", with_mac(h, p, bad, 32),
           APPROOV_BAD_SIGNATURE);
    memcpy(bad, mac, 32);
    bad[16] ^= 0x10;
    EXPECT("middle bit flipped", with_mac(h, p, bad, 32),
           APPROOV_BAD_SIGNATURE);
    memset(bad, 0, 32);
    EXPECT("all zero", with_mac(h, p, bad, 32), APPROOV_BAD_SIGNATURE);

    EXPECT("truncated by one byte", with_mac(h, p, mac, 31),
           APPROOV_BAD_SIGNATURE);
    EXPECT("truncated to 16 bytes", with_mac(h, p, mac, 16),
           APPROOV_BAD_SIGNATURE);
    EXPECT("truncated to 1 byte", with_mac(h, p, mac, 1),
           APPROOV_BAD_SIGNATURE);
    s = apr_pstrndup(pool, good, strlen(good) - 1);
    EXPECT_EITHER("truncated by one character", s, APPROOV_MALFORMED,
                  APPROOV_BAD_SIGNATURE);

    memcpy(bad, mac, 32);
    bad[32] = 0;
    EXPECT("extended by one zero byte", with_mac(h, p, bad, 33),
           APPROOV_BAD_SIGNATURE);
    bad[32] = 0xFF;
    EXPECT("extended by one 0xFF byte", with_mac(h, p, bad, 33),
           APPROOV_BAD_SIGNATURE);
    memcpy(bad + 32, mac, 32);
    EXPECT("doubled to 64 bytes (HS512 length)", with_mac(h, p, bad, 64),
           APPROOV_BAD_SIGNATURE);
    EXPECT("extended by one character",
           apr_pstrcat(pool, good, "A", NULL), APPROOV_BAD_SIGNATURE);
    EXPECT("extended by four characters",
           apr_pstrcat(pool, good, "AAAA", NULL), APPROOV_BAD_SIGNATURE);

    EXPECT("signature of another token",
           apr_pstrcat(pool, input, strrchr(other, '.'), NULL),
           APPROOV_BAD_SIGNATURE);
    EXPECT("payload swapped after signing",
           apr_pstrcat(pool, h, ".",
                       b64u(pl("{\"exp\":%lld}", (long long)EXP_OK + 1)),
                       strrchr(good, '.'), NULL),
           APPROOV_BAD_SIGNATURE);
    EXPECT("header swapped after signing",
           apr_pstrcat(pool, b64u("{\"alg\":\"HS256\"}"), ".", p,
                       strrchr(good, '.'), NULL),
           APPROOV_BAD_SIGNATURE);
    {
        const char *dotted = apr_pstrcat(pool, input, ".", NULL);
        hmac_sha256(dummy_secret, 64, dotted, strlen(dotted), bad);
        EXPECT("MAC over the signing input plus its dot",
               with_mac(h, p, bad, 32), APPROOV_BAD_SIGNATURE);
        hmac_sha256(dummy_secret, 64, h, strlen(h), bad);
        EXPECT("MAC over the header segment alone",
               with_mac(h, p, bad, 32), APPROOV_BAD_SIGNATURE);
        dotted = apr_pstrcat(pool, HDR, ".", payload, NULL);
        hmac_sha256(dummy_secret, 64, dotted, strlen(dotted), bad);
        EXPECT("MAC over decoded JSON instead of the segments",
               with_mac(h, p, bad, 32), APPROOV_BAD_SIGNATURE);
    }
}

/* The signature is checked before any claim is trusted: a token with a bad
 * signature reports BAD_SIGNATURE whatever its payload says. */
static void test_signature_checked_before_claims(void)
{
    static const char *const payloads[] = {
        "{\"exp\":1300819380}",             /* expired */
        "{\"exp\":0}",                      /* expired */
        "this is not JSON at all",
        "[{\"exp\":4102444800}]",
        "{\"exp\":4102444800}trailing",
        "{\"exp\":4102444800,\"exp\":4102444800}",
        "{\"exp\":4102444800,\"x\":\"\xFF\"}",
        "{}",                               /* no exp */
        "{\"exp\":\"4102444800\"}",
        "{\"exp\":1e400}",
        "{\"exp\":4102444800,\"nbf\":4102444000}",   /* not yet valid */
        "{\"exp\":4102444800,\"nbf\":\"soon\"}",
    };
    size_t i;

    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        EXPECT(apr_psprintf(pool, "wrong key, payload %s",
                            shows(payloads[i])),
               mint_other_key(HDR, payloads[i]), APPROOV_BAD_SIGNATURE);
    }
    {
        approov_token_t out;
        approov_result_e r;

        memset(&out, 0xA5, sizeof(out));
        r = verify_out(mint_other_key(HDR, valid_payload()), &out);
        CHECK(r == APPROOV_BAD_SIGNATURE);
        CHECK(out.claims == NULL);
    }
}

/* ------------------------------------------------------------------ */
/* approov_verify: payload and claims                                  */

static const char *mint_with_payload(const char *payload, size_t len)
{
    return mint_bytes(dummy_secret, 64, HDR, strlen(HDR), payload, len);
}

static void test_bad_payload(void)
{
    static const bytes_t bad[] = {
        BYTES("this is not JSON"),
        BYTES("[{\"exp\":4102444800}]"),
        BYTES("\"exp\""),
        BYTES("4102444800"),
        BYTES("null"),
        BYTES("{\"exp\":4102444800}x"),
        BYTES("{\"exp\":4102444800}{}"),
        BYTES("{\"exp\":4102444800}\0"),
        BYTES("{\"exp\":4102444800,}"),
        BYTES("{\"exp\":4102444800"),
        BYTES("{\"exp\":4102444800,\"exp\":4102444800}"),
        BYTES("{\"exp\":4102444800,\"exp\":0}"),
        BYTES("{\"exp\":4102444800,\"\\u0065xp\":0}"),
        BYTES("{\"ip\":\"1.2.3.4\",\"exp\":4102444800,\"ip\":\"5.6.7.8\"}"),
        BYTES("{\"exp\":4102444800,\"x\":{\"a\":1,\"a\":2}}"),
        BYTES("{\"exp\":4102444800,\"x\":[{\"a\":1,\"a\":2}]}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xFF\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xC0\x80\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xED\xA0\x80\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xF4\x90\x80\x80\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\xC3\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\\ud800\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"\\u0000\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"a\0b\"}"),
        BYTES("{\"exp\":4102444800,\"x\":\"a\x1f" "b\"}"),
        BYTES("{\"exp\":4102444800,\"x\":NaN}"),
        BYTES("{\"exp\":04102444800}"),
    };
    size_t i;
    const char *deep = apr_pstrcat(pool, "{\"exp\":4102444800,\"x\":",
                                   nested_arrays(APPROOV_JSON_MAX_DEPTH),
                                   "}", NULL);
    const char *at_limit = apr_pstrcat(
        pool, "{\"exp\":4102444800,\"x\":",
        nested_arrays(APPROOV_JSON_MAX_DEPTH - 1), "}", NULL);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        EXPECT(apr_psprintf(pool, "payload %s", show(bad[i].text, bad[i].len)),
               mint_with_payload(bad[i].text, bad[i].len),
               APPROOV_BAD_PAYLOAD);
    }
    EXPECT("payload nested APPROOV_JSON_MAX_DEPTH + 1 deep", mint(HDR, deep),
           APPROOV_BAD_PAYLOAD);
    EXPECT("payload nested APPROOV_JSON_MAX_DEPTH deep", mint(HDR, at_limit),
           APPROOV_VALID);
    {
        approov_token_t out;
        approov_result_e r = verify_out(mint(HDR, "[1]"), &out);
        CHECK(r == APPROOV_BAD_PAYLOAD);
        CHECK(out.claims == NULL);
    }
}

static void test_bad_exp(void)
{
    static const char *const payloads[] = {
        "{}",
        "{\"iat\":1700000000}",
        "{\"EXP\":4102444800}",
        "{\"exp \":4102444800}",
        "{\"exp\":null}",
        "{\"exp\":\"123\"}",
        "{\"exp\":\"4102444800\"}",
        "{\"exp\":true}",
        "{\"exp\":false}",
        "{\"exp\":[4102444800]}",
        "{\"exp\":{}}",
        "{\"exp\":{\"exp\":4102444800}}",
        "{\"exp\":1e400}",
        "{\"exp\":-1e400}",
        "{\"exp\":1e19}",
        "{\"exp\":-1e19}",
        "{\"exp\":1e300}",
        "{\"exp\":18446744073709551616}",
        "{\"x\":{\"exp\":4102444800}}",
    };
    size_t i;

    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        EXPECT(apr_psprintf(pool, "payload %s", payloads[i]),
               mint(HDR, payloads[i]), APPROOV_BAD_EXP);
    }
}

static void test_bad_nbf(void)
{
    static const char *const payloads[] = {
        "{\"exp\":4102444800,\"nbf\":\"123\"}",
        "{\"exp\":4102444800,\"nbf\":\"1600000000\"}",
        "{\"exp\":4102444800,\"nbf\":null}",
        "{\"exp\":4102444800,\"nbf\":true}",
        "{\"exp\":4102444800,\"nbf\":[1600000000]}",
        "{\"exp\":4102444800,\"nbf\":{}}",
        "{\"exp\":4102444800,\"nbf\":1e400}",
        "{\"exp\":4102444800,\"nbf\":1e19}",
    };
    size_t i;

    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        EXPECT(apr_psprintf(pool, "payload %s", payloads[i]),
               mint(HDR, payloads[i]), APPROOV_BAD_NBF);
    }
}

static const char *exp_token(long long exp)
{
    return mint(HDR, pl("{\"exp\":%lld}", exp));
}

static void test_expired_boundary(void)
{
    EXPECT("exp one second ago", exp_token(NOW_S - 1), APPROOV_EXPIRED);
    EXPECT("exp exactly now", exp_token(NOW_S), APPROOV_EXPIRED);
    EXPECT("exp in one second", exp_token(NOW_S + 1), APPROOV_VALID);
    EXPECT("exp zero", exp_token(0), APPROOV_EXPIRED);
    EXPECT("exp in the year 2100", exp_token(4102444800LL), APPROOV_VALID);
    expect_impl(__LINE__, "exp one microsecond away", exp_token(NOW_S),
                strlen(exp_token(NOW_S)), dummy_key, 0, SECS(NOW_S) - 1,
                APPROOV_VALID);
    EXPECT_AT("leeway 60, exp 60 s ago", dummy_key, exp_token(NOW_S - 60),
              60, NOW_S, APPROOV_EXPIRED);
    EXPECT_AT("leeway 60, exp 59 s ago", dummy_key, exp_token(NOW_S - 59),
              60, NOW_S, APPROOV_VALID);
    EXPECT_AT("leeway 60, exp 61 s ago", dummy_key, exp_token(NOW_S - 61),
              60, NOW_S, APPROOV_EXPIRED);
}

static void test_nbf_boundary(void)
{
#define NBF(n) mint(HDR, pl("{\"exp\":%lld,\"nbf\":%lld}", (long long)EXP_OK, \
                            (long long)(n)))
    EXPECT("nbf in one second", NBF(NOW_S + 1), APPROOV_NOT_YET_VALID);
    EXPECT("nbf in an hour", NBF(NOW_S + 3600), APPROOV_NOT_YET_VALID);
    EXPECT("nbf exactly now", NBF(NOW_S), APPROOV_VALID);
    EXPECT("nbf one second ago", NBF(NOW_S - 1), APPROOV_VALID);
    EXPECT("nbf zero", NBF(0), APPROOV_VALID);
    expect_impl(__LINE__, "nbf one microsecond away", NBF(NOW_S),
                strlen(NBF(NOW_S)), dummy_key, 0, SECS(NOW_S) - 1,
                APPROOV_NOT_YET_VALID);
    EXPECT_AT("leeway 60, nbf in 60 s (nbf - leeway == now)", dummy_key,
              NBF(NOW_S + 60), 60, NOW_S, APPROOV_VALID);
    EXPECT_AT("leeway 60, nbf in 59 s", dummy_key, NBF(NOW_S + 59), 60,
              NOW_S, APPROOV_VALID);
    EXPECT_AT("leeway 60, nbf in 61 s", dummy_key, NBF(NOW_S + 61), 60,
              NOW_S, APPROOV_NOT_YET_VALID);
    EXPECT("fractional nbf half a second away",
           mint(HDR, pl("{\"exp\":%lld,\"nbf\":%lld.5}", (long long)EXP_OK,
                        (long long)NOW_S)),
           APPROOV_NOT_YET_VALID);
#undef NBF
}

static void test_fractional_exp(void)
{
    const char *token = mint(HDR, "{\"exp\":4708683205.891912}");
    approov_token_t out;
    approov_result_e r;

    EXPECT_AT("whole second before", dummy_key, token, 0, 4708683205LL,
              APPROOV_VALID);
    expect_impl(__LINE__, "at .891000", token, strlen(token), dummy_key, 0,
                SECS(4708683205LL) + 891000, APPROOV_VALID);
    expect_impl(__LINE__, "at .892000", token, strlen(token), dummy_key, 0,
                SECS(4708683205LL) + 892000, APPROOV_EXPIRED);
    EXPECT_AT("next whole second", dummy_key, token, 0, 4708683206LL,
              APPROOV_EXPIRED);
    EXPECT_AT("today", dummy_key, token, 0, NOW_S, APPROOV_VALID);

    r = verify_raw(token, strlen(token), dummy_key, 0, SECS(NOW_S), &out);
    CHECK(r == APPROOV_VALID);
    if (r == APPROOV_VALID) {
        double d = out.exp - 4708683205.891912;
        CHECKF(d < 1e-6 && d > -1e-6, "exp %.6f", out.exp);
    }
}

static void test_valid_fills_out(void)
{
    const char *payload = pl("{\"exp\":%lld,\"did\":\"abc\",\"n\":[1,2]}",
                             (long long)EXP_OK);
    approov_token_t out;
    approov_result_e r = verify_out(mint(HDR, payload), &out);

    CHECK(r == APPROOV_VALID);
    if (r != APPROOV_VALID) {
        return;
    }
    CHECK(cJSON_IsObject(out.claims));
    CHECK(cJSON_IsObject(out.header));
    CHECKF(out.exp == (double)EXP_OK, "exp %f", out.exp);
    {
        const cJSON *did = cJSON_GetObjectItemCaseSensitive(out.claims,
                                                            "did");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(out.claims, "n");
        const cJSON *alg = cJSON_GetObjectItemCaseSensitive(out.header,
                                                            "alg");
        CHECK(cJSON_IsString(did) && strcmp(did->valuestring, "abc") == 0);
        CHECK(cJSON_IsArray(n) && cJSON_GetArraySize(n) == 2);
        CHECK(cJSON_IsString(alg) && strcmp(alg->valuestring, "HS256") == 0);
    }
}

/* approov_check_time() judges a verified token's times again, as the
 * module does for a token it kept from an earlier request. */
static void test_check_time_rejudges(void)
{
    const char *with_nbf = mint(HDR, pl("{\"exp\":%lld,\"nbf\":%lld}",
                                        (long long)(NOW_S + 10),
                                        (long long)(NOW_S - 5)));
    const char *without_nbf = exp_token(NOW_S + 10);
    approov_token_t out;
    approov_result_e r;

    r = verify_raw(with_nbf, strlen(with_nbf), dummy_key, 0, SECS(NOW_S),
                   &out);
    CHECK(r == APPROOV_VALID);
    if (r != APPROOV_VALID) {
        return;
    }
    CHECK(out.has_nbf == 1);
    CHECKF(out.nbf == (double)(NOW_S - 5), "nbf %f", out.nbf);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S)) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S + 10) - 1) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S + 10)) == APPROOV_EXPIRED);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S + 3600)) == APPROOV_EXPIRED);
    CHECK(approov_check_time(&out, 5, SECS(NOW_S + 14)) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 5, SECS(NOW_S + 15)) == APPROOV_EXPIRED);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S - 5)) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S - 5) - 1)
          == APPROOV_NOT_YET_VALID);
    CHECK(approov_check_time(&out, 1, SECS(NOW_S - 6)) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 1, SECS(NOW_S - 7))
          == APPROOV_NOT_YET_VALID);

    r = verify_raw(without_nbf, strlen(without_nbf), dummy_key, 0,
                   SECS(NOW_S), &out);
    CHECK(r == APPROOV_VALID);
    if (r != APPROOV_VALID) {
        return;
    }
    CHECK(out.has_nbf == 0);
    CHECK(approov_check_time(&out, 0, 0) == APPROOV_VALID);
    CHECK(approov_check_time(&out, 0, SECS(NOW_S + 10)) == APPROOV_EXPIRED);

    /* A failed verification leaves no nbf behind from an earlier one. */
    r = verify_raw(with_nbf, strlen(with_nbf), dummy_key, 0,
                   SECS(NOW_S + 3600), &out);
    CHECK(r == APPROOV_EXPIRED);
    r = verify_raw(without_nbf, strlen(without_nbf), dummy_key, 0,
                   SECS(NOW_S), &out);
    CHECK(r == APPROOV_VALID && out.has_nbf == 0);
}

/* ------------------------------------------------------------------ */
/* token binding (pay claim)                                           */

static void test_binding(void)
{
    const char *one[1] = { "Bearer abc" };
    const char *split[2] = { "Bearer ", "abc" };
    const char *other[1] = { "Bearer abd" };
    const char *empty[1] = { "" };
    const char *null[1] = { NULL };
    char hash[APPROOV_PAY_LEN + 1];
    approov_token_t out, nopay, paynum;

    approov_binding_hash(one, 1, hash);
    CHECKF(strcmp(hash, ref_pay(one, 1)) == 0, "hash %s, want %s", hash,
           ref_pay(one, 1));

    CHECK(verify_out(mint(HDR, pl("{\"exp\":%lld,\"pay\":\"%s\"}",
                                  (long long)EXP_OK, ref_pay(one, 1))),
                     &out) == APPROOV_VALID);
    CHECK(verify_out(mint(HDR, valid_payload()), &nopay) == APPROOV_VALID);
    CHECK(verify_out(mint(HDR, pl("{\"exp\":%lld,\"pay\":42}",
                                  (long long)EXP_OK)),
                     &paynum) == APPROOV_VALID);

    CHECK(approov_check_binding(&out, one, 1, 0) == APPROOV_VALID);
    CHECK(approov_check_binding(&out, one, 1, 1) == APPROOV_VALID);
    CHECK(approov_check_binding(&out, split, 2, 0) == APPROOV_VALID);
    CHECK(approov_check_binding(&out, other, 1, 0) == APPROOV_PAY_MISMATCH);
    CHECK(approov_check_binding(&out, empty, 1, 0)
          == APPROOV_NO_BINDING_HEADER);
    CHECK(approov_check_binding(&out, null, 1, 0)
          == APPROOV_NO_BINDING_HEADER);
    CHECK(approov_check_binding(&nopay, one, 1, 0) == APPROOV_NO_PAY);
    CHECK(approov_check_binding(&nopay, one, 1, 1) == APPROOV_VALID);
    CHECK(approov_check_binding(&nopay, null, 1, 1) == APPROOV_VALID);
    CHECK(approov_check_binding(&paynum, one, 1, 0) == APPROOV_BAD_PAY);
}

/* ------------------------------------------------------------------ */
/* issuer and audience (ApproovIssuer, ApproovAudience)                */

/* A verified token with these claims (a JSON fragment after exp). */
static approov_token_t *verified_with(const char *more)
{
    approov_token_t *out = apr_pcalloc(pool, sizeof(*out));
    approov_result_e r = verify_out(
        mint(HDR, pl("{\"exp\":%lld%s%s}", (long long)EXP_OK,
                     *more ? "," : "", more)), out);

    CHECKF(r == APPROOV_VALID, "%s: %s", more, rname(r));
    return out;
}

static void test_issuer(void)
{
    static const char ISS[] = "acme.approov.io";
    struct {
        const char *claims;
        approov_result_e want;
    } cases[] = {
        { "\"iss\":\"acme.approov.io\"", APPROOV_VALID },
        { "", APPROOV_BAD_ISS },
        { "\"iss\":null", APPROOV_BAD_ISS },
        { "\"iss\":42", APPROOV_BAD_ISS },
        { "\"iss\":[\"acme.approov.io\"]", APPROOV_BAD_ISS },
        { "\"iss\":{\"a\":\"acme.approov.io\"}", APPROOV_BAD_ISS },
        { "\"iss\":true", APPROOV_BAD_ISS },
        { "\"iss\":\"\"", APPROOV_BAD_ISS },
        { "\"iss\":\"ACME.approov.io\"", APPROOV_BAD_ISS },
        { "\"iss\":\"acme.approov.io \"", APPROOV_BAD_ISS },
        { "\"iss\":\"acme.approov.i\"", APPROOV_BAD_ISS },
        { "\"iss\":\"acme.approov.iox\"", APPROOV_BAD_ISS },
        { "\"iss\":\"https://acme.approov.io\"", APPROOV_BAD_ISS },
        /* the same bytes through a JSON escape: the value, not its text */
        { "\"iss\":\"acme\\u002eapproov.io\"", APPROOV_VALID },
        { "\"ISS\":\"acme.approov.io\"", APPROOV_BAD_ISS },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const approov_token_t *t = verified_with(cases[i].claims);
        approov_result_e r = approov_check_issuer(t, ISS);

        CHECKF(r == cases[i].want, "{%s}: %s, want %s", cases[i].claims,
               rname(r), rname(cases[i].want));
        /* Unset: never checked, whatever the token says. */
        CHECKF(approov_check_issuer(t, NULL) == APPROOV_VALID, "{%s} unset",
               cases[i].claims);
    }
    /* A \u0000 inside iss would make a C-string prefix compare equal: the
     * strict parser refuses it before any claim is judged. */
    CHECK(verify_out(mint(HDR, pl("{\"exp\":%lld,\"iss\":"
                                  "\"acme.approov.io\\u0000x\"}",
                                  (long long)EXP_OK)), NULL)
          == APPROOV_BAD_PAYLOAD);
}

static void test_audience(void)
{
    const char *one[1] = { "api.example.com" };
    const char *two[2] = { "api.example.com", "backup.example.com" };
    struct {
        const char *claims;
        approov_result_e want_one, want_two;
    } cases[] = {
        { "\"aud\":\"api.example.com\"", APPROOV_VALID, APPROOV_VALID },
        { "\"aud\":\"backup.example.com\"", APPROOV_BAD_AUD, APPROOV_VALID },
        { "\"aud\":[\"x\",\"api.example.com\"]", APPROOV_VALID,
          APPROOV_VALID },
        { "\"aud\":[\"backup.example.com\",\"y\"]", APPROOV_BAD_AUD,
          APPROOV_VALID },
        { "\"aud\":[\"x\",\"y\"]", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "\"aud\":null", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "\"aud\":1", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "\"aud\":false", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "\"aud\":{\"api.example.com\":1}", APPROOV_BAD_AUD,
          APPROOV_BAD_AUD },
        { "\"aud\":[]", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "\"aud\":\"\"", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        /* a member that is not a string spoils the array, even after a
         * match */
        { "\"aud\":[\"api.example.com\",1]", APPROOV_BAD_AUD,
          APPROOV_BAD_AUD },
        { "\"aud\":[null,\"api.example.com\"]", APPROOV_BAD_AUD,
          APPROOV_BAD_AUD },
        { "\"aud\":[[\"api.example.com\"]]", APPROOV_BAD_AUD,
          APPROOV_BAD_AUD },
        { "\"aud\":\"API.example.com\"", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "\"aud\":\"api.example.com.\"", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "\"aud\":\"api.example.co\"", APPROOV_BAD_AUD, APPROOV_BAD_AUD },
        { "\"aud\":\"api.example.com backup.example.com\"", APPROOV_BAD_AUD,
          APPROOV_BAD_AUD },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const approov_token_t *t = verified_with(cases[i].claims);
        approov_result_e r1 = approov_check_audience(t, one, 1);
        approov_result_e r2 = approov_check_audience(t, two, 2);

        CHECKF(r1 == cases[i].want_one, "{%s} one: %s, want %s",
               cases[i].claims, rname(r1), rname(cases[i].want_one));
        CHECKF(r2 == cases[i].want_two, "{%s} two: %s, want %s",
               cases[i].claims, rname(r2), rname(cases[i].want_two));
        CHECKF(approov_check_audience(t, NULL, 0) == APPROOV_VALID,
               "{%s} unset", cases[i].claims);
    }
}

int main(void)
{
    harness_begin();
    if (!fixtures_begin()) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_result_names_are_distinct_lowercase);
    RUN(test_rfc7515_a1_example);
    RUN(test_rfc7515_a1_leeway);
    RUN(test_dummy_secret_tokens_are_valid);
    RUN(test_sign_matches_independent_mint);
    RUN(test_valid_fills_out);
    RUN(test_missing_when_empty);
    RUN(test_too_long_limit);
    RUN(test_no_key);
    RUN(test_malformed_segment_count);
    RUN(test_malformed_empty_segments);
    RUN(test_malformed_header_segment_encoding);
    RUN(test_malformed_payload_segment_encoding);
    RUN(test_malformed_signature_segment_encoding);
    RUN(test_bad_header_json);
    RUN(test_bad_header_duplicate_names);
    RUN(test_bad_header_too_deep);
    RUN(test_bad_header_crit);
    RUN(test_bad_alg);
    RUN(test_bad_signature);
    RUN(test_signature_checked_before_claims);
    RUN(test_bad_payload);
    RUN(test_bad_exp);
    RUN(test_bad_nbf);
    RUN(test_expired_boundary);
    RUN(test_nbf_boundary);
    RUN(test_check_time_rejudges);
    RUN(test_fractional_exp);
    RUN(test_binding);
    RUN(test_issuer);
    RUN(test_audience);
    return harness_end();
}

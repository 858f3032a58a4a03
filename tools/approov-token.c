/*
 * approov-token: mint Approov tokens for tests and demos, and verify a
 * token offline exactly as mod_approov does, printing the result code the
 * module would log.  Built from the same verification core.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <openssl/sha.h>

#include "approov_msgsig.h"
#include "approov_base64.h"
#include "approov_sfv.h"
#include "approov_envfile.h"
#include "approov_mint.h"
#include "approov_token.h"

#define SECRET_VARIABLE "APPROOV_BASE64_SECRET"
#define EXIT_INVALID 1
#define EXIT_USAGE 2

static const char usage[] =
"usage: approov-token mint   [KEY | --private-key PEM --alg ALG]\n"
"                            [--exp-in SECONDS] [--claim NAME=STRING]...\n"
"                            [--claim NAME:=JSON]... [--bind-header VALUE]...\n"
"                            [--kid KID] [--install-key PEM]\n"
"       approov-token sign-request [--install-key PEM] [--account-key BASE64]\n"
"                            --method METHOD --url URL\n"
"                            [--header 'NAME: VALUE']... [--body TEXT]\n"
"                            [--cover COMPONENT]... [--created EPOCH]\n"
"                            [--expires EPOCH] [--no-alg] [--as-string]\n"
"       approov-token verify [KEY] [--leeway SECONDS] [--now EPOCH]\n"
"                            [--bind-header VALUE]... [TOKEN | -]\n"
"       approov-token --help\n"
"\n"
"KEY is one of:\n"
"  --secret BASE64        the secret, as 'approov secret -get base64' prints it\n"
"  --env-file PATH        a dotenv file that sets " SECRET_VARIABLE "\n"
"  --public-key PEM       (verify) a PEM public key: RSA, EC or Ed25519\n"
"  --jwks FILE            (verify) a JWK Set\n"
"  (neither)              " SECRET_VARIABLE " from the environment\n"
"\n"
"mint prints a fresh token, HS256 with a secret, or signed with --private-key\n"
"(RS256..RS512, PS256..PS512, ES256/ES384/ES512, EdDSA): exp is now + --exp-in\n"
"(default 300 s);\n"
"--claim adds a string claim (NAME=STRING) or any JSON value (NAME:=JSON);\n"
"--bind-header sets pay to bind the token to those header values, in order;\n"
"--install-key puts the public half of a P-256 key in the ipk claim.\n"
"\n"
"sign-request prints the Signature-Input and Signature headers (and, with\n"
"--body, Content-Digest) that sign a request with the install key (label\n"
"install, ecdsa-p256-sha256), the account message-signing secret (label\n"
"account, hmac-sha256; base64 or base64url, as exported) or both, as the\n"
"Approov SDK does (RFC 9421). It covers\n"
"@method, @target-uri and approov-token (and content-digest with --body)\n"
"unless --cover names the components; created defaults to now.\n"
"\n"
"verify reads the token from the argument, or from standard input when it is\n"
"'-' or absent, prints 'result: CODE' as mod_approov would log it, then the\n"
"decoded header and claims. With --bind-header, the binding is checked too.\n"
"Exit status: 0 for valid, 1 for any rejection, 2 for a usage or key error.\n";

static void die(const char *message)
{
    fprintf(stderr, "approov-token: %s\n", message);
    exit(EXIT_USAGE);
}

static const char *next_arg(int argc, const char *const *argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "approov-token: %s needs a value\n", argv[*i]);
        exit(EXIT_USAGE);
    }
    return argv[++*i];
}

static apr_int64_t parse_int(const char *text, const char *what)
{
    char *end;
    apr_int64_t value = apr_strtoi64(text, &end, 10);

    if (!*text || *end) {
        fprintf(stderr, "approov-token: %s: '%s' is not a whole number\n",
                what, text);
        exit(EXIT_USAGE);
    }
    return value;
}

static const approov_key_t *load_key(apr_pool_t *p, const char *secret,
                                     const char *env_file)
{
    const char *err;
    unsigned char *bytes;
    apr_size_t len;
    const approov_key_t *key;

    if (env_file) {
        err = approov_env_file_lookup(p, env_file, SECRET_VARIABLE, &secret);
        if (err) {
            die(err);
        }
    }
    else if (!secret) {
        secret = getenv(SECRET_VARIABLE);
        if (!secret || !*secret) {
            die("no key: give --secret or --env-file, or set "
                SECRET_VARIABLE);
        }
    }
    if ((err = approov_decode_secret(p, secret, &bytes, &len)) != NULL) {
        die(err);
    }
    /* The module's rule for minting too: a token from a secret it would
     * refuse could never be verified. */
    key = approov_key_hmac(p, APPROOV_ALG_HS256, bytes, len);
    if (!key) {
        die(apr_psprintf(p, "the decoded secret is %" APR_SIZE_T_FMT
                         " bytes long: it must be %d to %d (RFC 7518 3.2)",
                         len, APPROOV_SECRET_MIN_LEN,
                         APPROOV_SECRET_MAX_LEN));
    }
    return key;
}

static EVP_PKEY *read_private_key(apr_pool_t *p, const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *pkey;

    if (!f) {
        die(apr_psprintf(p, "cannot open %s", path));
    }
    pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!pkey) {
        die(apr_psprintf(p, "%s: no PEM private key", path));
    }
    return pkey;
}

/* Sign header.payload with a private key, JOSE style (ECDSA as r||s). */
static const char *sign_with_private_key(apr_pool_t *p, const char *path,
                                         approov_alg_e alg,
                                         const char *header, const char *claims)
{
    const char *name = approov_alg_name(alg);
    EVP_PKEY *pkey = read_private_key(p, path);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *md = NULL;
    unsigned char *sig;
    size_t sig_len = 0;
    char *input, *t, *out;
    int coord = 0;

    if (name[2] == '2') md = EVP_sha256();
    else if (name[2] == '3') md = EVP_sha384();
    else if (name[2] == '5') md = EVP_sha512();
    if (alg == APPROOV_ALG_EDDSA) md = NULL;
    if (alg == APPROOV_ALG_ES256) coord = 32;
    if (alg == APPROOV_ALG_ES384) coord = 48;
    if (alg == APPROOV_ALG_ES512) coord = 66;

    input = apr_palloc(p, strlen(header) * 2 + strlen(claims) * 2 + 8);
    t = input + approov_b64url_encode(input, (const unsigned char *)header,
                                      strlen(header));
    *t++ = '.';
    t += approov_b64url_encode(t, (const unsigned char *)claims,
                               strlen(claims));
    if (EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey) != 1) {
        die(apr_psprintf(p, "%s cannot sign %s", path, name));
    }
    if (name[0] == 'P') {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    EVP_DigestSign(ctx, NULL, &sig_len, (unsigned char *)input,
                   (size_t)(t - input));
    sig = apr_palloc(p, sig_len);
    if (EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)input,
                       (size_t)(t - input)) != 1) {
        die(apr_psprintf(p, "%s cannot sign %s", path, name));
    }
    if (coord) {
        const unsigned char *der = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)sig_len);
        unsigned char *raw = apr_pcalloc(p, 2 * (apr_size_t)coord);

        if (!es) {
            die("ECDSA signature could not be decoded");
        }
        BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, coord);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + coord, coord);
        ECDSA_SIG_free(es);
        sig = raw;
        sig_len = 2 * (size_t)coord;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    out = apr_palloc(p, (apr_size_t)(t - input) + sig_len * 2 + 4);
    memcpy(out, input, (apr_size_t)(t - input));
    out[t - input] = '.';
    approov_b64url_encode(out + (t - input) + 1, sig, sig_len);
    return out;
}

/* The ipk claim for an install key: base64 of its DER public key. */
static const char *install_public_key(apr_pool_t *p, const char *path)
{
    EVP_PKEY *pkey = read_private_key(p, path);
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der);
    const char *ipk;

    if (len <= 0) {
        die("cannot encode the install public key");
    }
    ipk = approov_b64_encode(p, der, (apr_size_t)len);
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
    return ipk;
}

static int mint(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *secret = NULL, *env_file = NULL, *kid = NULL;
    const char *private_key = NULL;
    approov_alg_e alg = APPROOV_ALG_HS256;
    apr_int64_t exp_in = 300;
    apr_array_header_t *bind = apr_array_make(p, 2, sizeof(const char *));
    cJSON *header = cJSON_CreateObject(), *claims = cJSON_CreateObject();
    const approov_key_t *key;
    char *header_text, *claims_text;
    int i;

    for (i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--secret")) {
            secret = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--env-file")) {
            env_file = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--exp-in")) {
            exp_in = parse_int(next_arg(argc, argv, &i), "--exp-in");
        }
        else if (!strcmp(arg, "--private-key")) {
            private_key = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--install-key")) {
            const char *ipk = install_public_key(p, next_arg(argc, argv, &i));

            cJSON_DeleteItemFromObjectCaseSensitive(claims, "ipk");
            cJSON_AddStringToObject(claims, "ipk", ipk);
        }
        else if (!strcmp(arg, "--alg")) {
            alg = approov_alg_from_name(next_arg(argc, argv, &i));
            if (alg == APPROOV_ALG_NONE) {
                die("--alg: unknown algorithm");
            }
        }
        else if (!strcmp(arg, "--kid")) {
            kid = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--bind-header")) {
            *(const char **)apr_array_push(bind) = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--claim")) {
            const char *spec = next_arg(argc, argv, &i);
            const char *eq = strchr(spec, '=');
            cJSON *value;
            char *name;

            if (!eq || eq == spec) {
                die("--claim takes NAME=STRING or NAME:=JSON");
            }
            if (eq > spec + 1 && eq[-1] == ':') {
                name = apr_pstrmemdup(p, spec, (apr_size_t)(eq - 1 - spec));
                value = cJSON_Parse(eq + 1);
                if (!value) {
                    die(apr_psprintf(p, "--claim %s: not JSON", name));
                }
            }
            else {
                name = apr_pstrmemdup(p, spec, (apr_size_t)(eq - spec));
                value = cJSON_CreateString(eq + 1);
            }
            cJSON_DeleteItemFromObjectCaseSensitive(claims, name);
            cJSON_AddItemToObject(claims, name, value);
        }
        else {
            die(apr_psprintf(p, "mint: unknown argument '%s' (see --help)",
                             arg));
        }
    }
    key = private_key ? NULL : load_key(p, secret, env_file);
    if (private_key && alg <= APPROOV_ALG_HS512) {
        die("--private-key needs --alg RS*, PS*, ES* or EdDSA");
    }

    cJSON_AddStringToObject(header, "alg", approov_alg_name(alg));
    cJSON_AddStringToObject(header, "typ", "JWT");
    if (kid) {
        cJSON_AddStringToObject(header, "kid", kid);
    }
    if (!cJSON_GetObjectItemCaseSensitive(claims, "exp")) {
        cJSON_AddNumberToObject(claims, "exp",
                                (double)(apr_time_sec(apr_time_now())
                                         + exp_in));
    }
    if (bind->nelts) {
        char pay[APPROOV_PAY_LEN + 1];

        approov_binding_hash((const char *const *)bind->elts, bind->nelts,
                             pay);
        cJSON_DeleteItemFromObjectCaseSensitive(claims, "pay");
        cJSON_AddStringToObject(claims, "pay", pay);
    }
    header_text = cJSON_PrintUnformatted(header);
    claims_text = cJSON_PrintUnformatted(claims);
    puts(private_key
         ? sign_with_private_key(p, private_key, alg, header_text, claims_text)
         : approov_sign(p, key, header_text, strlen(header_text),
                        claims_text, strlen(claims_text)));
    cJSON_free(header_text);
    cJSON_free(claims_text);
    cJSON_Delete(header);
    cJSON_Delete(claims);
    return 0;
}

/* ---- sign-request ---- */

/* Split an absolute URL into the parts RFC 9421 derives components from. */
static void split_url(apr_pool_t *p, const char *url,
                      approov_msgsig_request_t *req)
{
    const char *sep = strstr(url, "://"), *slash, *q;

    if (!sep) {
        die("--url must be absolute: scheme://host[:port]/path[?query]");
    }
    req->scheme = apr_pstrmemdup(p, url, (apr_size_t)(sep - url));
    sep += 3;
    slash = strchr(sep, '/');
    q = strchr(sep, '?');
    if (!slash || (q && q < slash)) {
        die("--url needs a path");
    }
    req->authority = apr_pstrmemdup(p, sep, (apr_size_t)(slash - sep));
    if (q) {
        req->path = apr_pstrmemdup(p, slash, (apr_size_t)(q - slash));
        req->query = q + 1;
    }
    else {
        req->path = slash;
    }
    req->target_uri = url;
}

/* The member of label for Signature-Input, with its parameters: the
 * covered components, created, expires, and the label's alg. */
static const char *member_input(apr_pool_t *p, const char *label,
                                const char *alg,
                                const apr_array_header_t *cover,
                                apr_int64_t created, apr_int64_t expires,
                                int with_alg)
{
    const char *params = "";
    int i;

    for (i = 0; i < cover->nelts; i++) {
        params = apr_pstrcat(p, params, i ? " " : "", "\"",
                             APR_ARRAY_IDX(cover, i, const char *), "\"",
                             NULL);
    }
    params = apr_psprintf(p, "(%s);created=%" APR_INT64_T_FMT, params,
                          created);
    if (expires >= 0) {
        params = apr_psprintf(p, "%s;expires=%" APR_INT64_T_FMT, params,
                              expires);
    }
    if (with_alg) {
        params = apr_pstrcat(p, params, ";alg=\"", alg, "\"", NULL);
    }
    return apr_pstrcat(p, label, "=", params, NULL);
}

/* The signature base of the one member of input. */
static const char *member_base(apr_pool_t *p,
                               const approov_msgsig_request_t *req,
                               const char *input)
{
    approov_sfv_dict_t dict;
    approov_msgsig_t out;
    approov_sig_result_e result;

    if (approov_sfv_parse_dict(p, input, strlen(input), &dict)
        != APPROOV_SFV_OK || dict.count != 1) {
        die("the covered components do not make a valid Signature-Input");
    }
    memset(&out, 0, sizeof(out));
    result = approov_msgsig_signature_base(p, req, &dict.entries[0].value,
                                           &out);
    if (result != APPROOV_SIG_VALID) {
        die(apr_psprintf(p, "cannot build the signature base: %s",
                         approov_sig_result_name(result)));
    }
    return out.signature_base;
}

/* ecdsa-p256-sha256 with the install key (a PEM private key file): the
 * signature as r||s in padded base64. */
static const char *install_signature(apr_pool_t *p, const char *key_path,
                                     const char *base)
{
    EVP_PKEY *pkey;
    EVP_MD_CTX *ctx;
    unsigned char der[128], raw[64];
    size_t der_len = sizeof(der);
    const unsigned char *d;
    ECDSA_SIG *es;

    pkey = read_private_key(p, key_path);
    ctx = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1
        || EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)base,
                          strlen(base)) != 1) {
        die("cannot sign with the install key (an EC P-256 private key)");
    }
    d = der;
    es = d2i_ECDSA_SIG(NULL, &d, (long)der_len);
    if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32) != 32
        || BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32) != 32) {
        die("the install key is not a P-256 key");
    }
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return approov_b64_encode(p, raw, sizeof(raw));
}

/* hmac-sha256 (RFC 9421 3.3.3) with the account secret (base64 or
 * base64url, at least 32 bytes, as the module requires), by OpenSSL's
 * HMAC(): the MAC in padded base64. */
static const char *account_signature(apr_pool_t *p, const char *secret,
                                     const char *base)
{
    unsigned char *bytes, mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    apr_size_t len;
    const char *err = approov_decode_secret(p, secret, &bytes, &len);

    if (err) {
        die(apr_pstrcat(p, "--account-key: ", err, NULL));
    }
    if (len < APPROOV_SECRET_MIN_LEN || len > APPROOV_SECRET_MAX_LEN) {
        die(apr_psprintf(p, "--account-key: the decoded secret is %"
                         APR_SIZE_T_FMT " bytes long: it must be %d to %d",
                         len, APPROOV_SECRET_MIN_LEN, APPROOV_SECRET_MAX_LEN));
    }
    if (!HMAC(EVP_sha256(), bytes, (int)len, (const unsigned char *)base,
              strlen(base), mac, &mac_len)) {
        die("--account-key: HMAC failed");
    }
    OPENSSL_cleanse(bytes, len);
    return approov_b64_encode(p, mac, mac_len);
}

static int sign_request(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *key_path = NULL, *account_key = NULL, *body = NULL;
    const char *inputs = NULL, *sigs = NULL;
    apr_int64_t created = apr_time_sec(apr_time_now()), expires = -1;
    apr_array_header_t *cover = apr_array_make(p, 4, sizeof(const char *));
    apr_table_t *headers = apr_table_make(p, 4);
    approov_msgsig_request_t req;
    int as_string = 0, with_alg = 1, i;

    memset(&req, 0, sizeof(req));
    for (i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--install-key")) {
            key_path = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--account-key")) {
            account_key = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--method")) {
            req.method = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--url")) {
            split_url(p, next_arg(argc, argv, &i), &req);
        }
        else if (!strcmp(arg, "--header")) {
            const char *h = next_arg(argc, argv, &i), *colon = strchr(h, ':');

            if (!colon) {
                die("--header takes 'NAME: VALUE'");
            }
            for (arg = colon + 1; *arg == ' '; arg++);
            apr_table_add(headers, apr_pstrmemdup(p, h, (apr_size_t)(colon - h)),
                          arg);
        }
        else if (!strcmp(arg, "--body")) {
            body = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--cover")) {
            *(const char **)apr_array_push(cover) = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--created")) {
            created = parse_int(next_arg(argc, argv, &i), "--created");
        }
        else if (!strcmp(arg, "--expires")) {
            expires = parse_int(next_arg(argc, argv, &i), "--expires");
        }
        else if (!strcmp(arg, "--no-alg")) {
            with_alg = 0;
        }
        else if (!strcmp(arg, "--as-string")) {
            as_string = 1;
        }
        else {
            die(apr_psprintf(p, "sign-request: unknown argument '%s' (see "
                             "--help)", arg));
        }
    }
    if ((!key_path && !account_key) || !req.method || !req.target_uri) {
        die("sign-request needs --install-key or --account-key (or both), "
            "--method and --url");
    }
    if (body) {
        unsigned char digest[SHA256_DIGEST_LENGTH];

        SHA256((const unsigned char *)body, strlen(body), digest);
        apr_table_set(headers, "Content-Digest",
                      apr_pstrcat(p, "sha-256=:",
                                  approov_b64_encode(p, digest,
                                                         sizeof(digest)),
                                  ":", NULL));
        printf("Content-Digest: %s\n",
               apr_table_get(headers, "Content-Digest"));
    }
    if (!cover->nelts) {
        const char *defaults[] = { "@method", "@target-uri", "approov-token",
                                   body ? "content-digest" : NULL };
        for (i = 0; i < 4 && defaults[i]; i++) {
            *(const char **)apr_array_push(cover) = defaults[i];
        }
    }
    req.field = approov_msgsig_table_field;
    req.field_ctx = headers;

    /* One member per key, install first, in one pair of headers, as an SDK
     * that signs with both sends them. */
    for (i = 0; i < 2; i++) {
        const char *label = i ? APPROOV_MSGSIG_ACCOUNT_LABEL
                              : APPROOV_MSGSIG_LABEL;
        const char *input, *base, *sig_b64;

        if (!(i ? account_key : key_path)) {
            continue;
        }
        input = member_input(p, label, i ? APPROOV_MSGSIG_ACCOUNT_ALG
                                         : APPROOV_MSGSIG_ALG,
                             cover, created, expires, with_alg);
        base = member_base(p, &req, input);
        sig_b64 = i ? account_signature(p, account_key, base)
                    : install_signature(p, key_path, base);
        inputs = inputs ? apr_pstrcat(p, inputs, ", ", input, NULL) : input;
        sig_b64 = apr_pstrcat(p, label, "=", as_string ? "\"" : ":", sig_b64,
                              as_string ? "\"" : ":", NULL);
        sigs = sigs ? apr_pstrcat(p, sigs, ", ", sig_b64, NULL) : sig_b64;
    }
    printf("Signature-Input: %s\n", inputs);
    printf("Signature: %s\n", sigs);
    return 0;
}

/* Show a JSON tree, or the undecoded segment when it is not one. */
static void show(const char *label, const cJSON *json)
{
    char *text;

    if (!json) {
        return;
    }
    text = cJSON_PrintUnformatted(json);
    printf("%s: %s\n", label, text);
    cJSON_free(text);
}

/* The payload of a token whose signature did not check, for display only. */
static void show_unverified_payload(apr_pool_t *p, const char *token)
{
    const char *dot1 = strchr(token, '.'), *dot2;
    unsigned char *buf;
    long n;

    if (!dot1 || !(dot2 = strchr(dot1 + 1, '.'))) {
        return;
    }
    buf = apr_palloc(p, (apr_size_t)(dot2 - dot1) + 4);
    n = approov_b64url_decode(buf, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1));
    if (n >= 0) {
        printf("payload (NOT verified): %.*s\n", (int)n, (const char *)buf);
    }
}

static char *read_stdin(apr_pool_t *p)
{
    char buf[APPROOV_TOKEN_MAX_LEN + 2];
    size_t len = fread(buf, 1, sizeof(buf) - 1, stdin);

    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'
                   || buf[len - 1] == ' ')) {
        len--;
    }
    return apr_pstrmemdup(p, buf, len);
}

static int verify(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *secret = NULL, *env_file = NULL, *token = NULL;
    const char *public_key = NULL, *jwks = NULL;
    apr_array_header_t *keys = apr_array_make(p, 2, sizeof(approov_key_t *));
    apr_int64_t leeway = 0;
    apr_time_t now = apr_time_now();
    apr_array_header_t *bind = apr_array_make(p, 2, sizeof(const char *));
    const approov_key_t *key;
    approov_token_t parsed;
    approov_result_e result;
    int i;

    for (i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--secret")) {
            secret = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--env-file")) {
            env_file = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--public-key")) {
            public_key = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--jwks")) {
            jwks = next_arg(argc, argv, &i);
        }
        else if (!strcmp(arg, "--leeway")) {
            leeway = parse_int(next_arg(argc, argv, &i), "--leeway");
            if (leeway < 0 || leeway > APPROOV_LEEWAY_MAX) {
                die("--leeway must be 0 to 300");
            }
        }
        else if (!strcmp(arg, "--now")) {
            now = apr_time_from_sec(parse_int(next_arg(argc, argv, &i),
                                              "--now"));
        }
        else if (!strcmp(arg, "--bind-header")) {
            *(const char **)apr_array_push(bind) = next_arg(argc, argv, &i);
        }
        else if (!token && (arg[0] != '-' || !strcmp(arg, "-"))) {
            token = arg;
        }
        else {
            die(apr_psprintf(p, "verify: unknown argument '%s' (see --help)",
                             arg));
        }
    }
    if (public_key || jwks) {
        char *text;
        apr_size_t len;
        const char *err;
        approov_key_t *pem_key;
        apr_array_header_t *warnings =
            apr_array_make(p, 1, sizeof(const char *));

        if (public_key) {
            if ((err = approov_read_file(p, public_key, 65536, &text, &len))
                || (err = approov_key_from_pem(p, text, len, &pem_key))) {
                die(err);
            }
            *(approov_key_t **)apr_array_push(keys) = pem_key;
        }
        if (jwks) {
            if ((err = approov_read_file(p, jwks, 65536, &text, &len))
                || (err = approov_keys_from_jwks(p, text, len, keys,
                                                 warnings))) {
                die(err);
            }
            for (i = 0; i < warnings->nelts; i++) {
                fprintf(stderr, "approov-token: %s: %s\n", jwks,
                        APR_ARRAY_IDX(warnings, i, const char *));
            }
        }
    }
    else {
        key = load_key(p, secret, env_file);
        *(const approov_key_t **)apr_array_push(keys) = key;
    }
    if (!token || !strcmp(token, "-")) {
        token = read_stdin(p);
    }

    result = approov_verify_keys(p, token, strlen(token),
                                 (const approov_key_t *const *)keys->elts,
                                 keys->nelts, leeway, now, &parsed);
    if (result == APPROOV_VALID && bind->nelts) {
        result = approov_check_binding(&parsed,
                                       (const char *const *)bind->elts,
                                       bind->nelts, 0);
    }
    printf("result: %s\n", approov_result_name(result));
    show("header", parsed.header);
    if (parsed.claims) {
        show("claims", parsed.claims);
    }
    else if (parsed.header) {
        show_unverified_payload(p, token);
    }
    return result == APPROOV_VALID ? 0 : EXIT_INVALID;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int status;

    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (!strcmp(argv[1], "mint")) {
        status = mint(p, argc, argv);
    }
    else if (!strcmp(argv[1], "verify")) {
        status = verify(p, argc, argv);
    }
    else if (!strcmp(argv[1], "sign-request")) {
        status = sign_request(p, argc, argv);
    }
    else {
        fprintf(stderr, "approov-token: unknown command '%s'\n\n%s", argv[1],
                usage);
        status = EXIT_USAGE;
    }
    apr_pool_destroy(p);
    return status;
}

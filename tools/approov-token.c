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

#include "approov_token.h"

#define SECRET_VARIABLE "APPROOV_BASE64_SECRET"
#define EXIT_INVALID 1
#define EXIT_USAGE 2

static const char usage[] =
"usage: approov-token mint   [KEY] [--exp-in SECONDS] [--claim NAME=STRING]...\n"
"                            [--claim NAME:=JSON]... [--bind-header VALUE]...\n"
"                            [--kid KID]\n"
"       approov-token verify [KEY] [--leeway SECONDS] [--now EPOCH]\n"
"                            [--bind-header VALUE]... [TOKEN | -]\n"
"       approov-token --help\n"
"\n"
"KEY is one of:\n"
"  --secret BASE64        the secret, as 'approov secret -get base64' prints it\n"
"  --env-file PATH        a dotenv file that sets " SECRET_VARIABLE "\n"
"  (neither)              " SECRET_VARIABLE " from the environment\n"
"\n"
"mint prints a fresh HS256 token: exp is now + --exp-in (default 300 s);\n"
"--claim adds a string claim (NAME=STRING) or any JSON value (NAME:=JSON);\n"
"--bind-header sets pay to bind the token to those header values, in order.\n"
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
    key = approov_key_hmac(p, APPROOV_ALG_HS256, bytes, len);
    if (!key) {
        die("the decoded secret is too long");
    }
    return key;
}

static int mint(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *secret = NULL, *env_file = NULL, *kid = NULL;
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
    key = load_key(p, secret, env_file);

    cJSON_AddStringToObject(header, "alg",
                            approov_alg_name(approov_key_alg(key)));
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
    puts(approov_sign(p, key, header_text, strlen(header_text),
                      claims_text, strlen(claims_text)));
    cJSON_free(header_text);
    cJSON_free(claims_text);
    cJSON_Delete(header);
    cJSON_Delete(claims);
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
    key = load_key(p, secret, env_file);
    if (!token || !strcmp(token, "-")) {
        token = read_stdin(p);
    }

    result = approov_verify(p, token, strlen(token), key, leeway, now,
                            &parsed);
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
    else {
        fprintf(stderr, "approov-token: unknown command '%s'\n\n%s", argv[1],
                usage);
        status = EXIT_USAGE;
    }
    apr_pool_destroy(p);
    return status;
}

/*
 * test_envfile.c: unit tests of approov_envfile.c: dotenv files.
 * Fixtures and minting: token_fixtures.h.
 */
#include "harness.h"
#include "token_fixtures.h"

/* ------------------------------------------------------------------ */
/* dotenv                                                              */

#define SECRET_NAME "APPROOV_BASE64_SECRET"

static const char *env_lookup(const char *text, size_t len,
                              const char **value)
{
    char *copy = exact_copy(text, len);
    const char *err;

    *value = NULL;
    err = approov_env_lookup(pool, copy, len, SECRET_NAME, value);
    free(copy);
    return err;
}

static void test_env_lookup_finds_the_value(void)
{
    static const struct { const char *text, *want; } v[] = {
        { SECRET_NAME "=abc", "abc" },
        { SECRET_NAME "=abc\n", "abc" },
        { "export " SECRET_NAME "=abc\n", "abc" },
        { SECRET_NAME "=\"abc\"\n", "abc" },
        { SECRET_NAME "='abc'\n", "abc" },
        { "export " SECRET_NAME "=\"abc\"\n", "abc" },
        { "export " SECRET_NAME "='abc'", "abc" },
        { "# the secret\n\n" SECRET_NAME "=abc\n\n# end\n", "abc" },
        { "#" SECRET_NAME "=commented\n" SECRET_NAME "=abc\n", "abc" },
        { "   # indented comment\n" SECRET_NAME "=abc\n", "abc" },
        { "\n\n\n" SECRET_NAME "=abc", "abc" },
        { "A=1\r\n" SECRET_NAME "=abc\r\nB=2\r\n", "abc" },
        { SECRET_NAME "=\"abc\"\r\n", "abc" },
        { SECRET_NAME " = abc\n", "abc" },
        { SECRET_NAME "= abc\n", "abc" },
        { SECRET_NAME " =abc\n", "abc" },
        { SECRET_NAME " = \"abc\"\n", "abc" },
        { "FOO=bar\n" SECRET_NAME "=abc\nBAZ=qux\n", "abc" },
        { "FOO=\"x y\"\nexport BAR='z'\n" SECRET_NAME "=abc\n", "abc" },
        { SECRET_NAME "_OLD=old\n" SECRET_NAME "=abc\nX" SECRET_NAME
          "=x\n", "abc" },
        { SECRET_NAME "=h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjD"
          "zeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww==\n", DUMMY_SECRET_B64 },
        { "export " SECRET_NAME "=\"h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+I"
          "AHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww==\"\r\n",
          DUMMY_SECRET_B64 },
        { SECRET_NAME "=\"a#b\"\n", "a#b" },
        { SECRET_NAME "='a=b'\n", "a=b" },
    };
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const char *value, *err = env_lookup(v[i].text, strlen(v[i].text),
                                             &value);
        CHECKF(!err && value && strcmp(value, v[i].want) == 0,
               "text %s: error %s, value %s", shows(v[i].text), shows(err),
               shows(value));
    }
}

static void test_env_lookup_errors(void)
{
    static const struct { const char *text, *mention; } v[] = {
        { "", NULL },
        { "\n\n", NULL },
        { "# " SECRET_NAME "=abc\n", NULL },
        { "FOO=bar\n", NULL },
        { SECRET_NAME "_OLD=abc\n", NULL },
        { SECRET_NAME "=abc\n" SECRET_NAME "=abc\n", NULL },
        { SECRET_NAME "=abc\nexport " SECRET_NAME "=def\n", NULL },
        { SECRET_NAME "=\"abc\n", NULL },
        { SECRET_NAME "='abc\n", NULL },
        { SECRET_NAME "=\"abc'\n", NULL },
        { "FOO=\"x\n" SECRET_NAME "=abc\n", NULL },
        { SECRET_NAME "=abc\nthis line is not an assignment\n", "2" },
        { "A=1\nB=2\n=abc\n" SECRET_NAME "=abc\n", "3" },
    };
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const char *value, *err = env_lookup(v[i].text, strlen(v[i].text),
                                             &value);
        CHECKF(err && *err, "text %s accepted, value %s", shows(v[i].text),
               shows(value));
        if (err && v[i].mention) {
            CHECKF(strstr(err, v[i].mention) != NULL,
                   "text %s: message %s does not name line %s",
                   shows(v[i].text), err, v[i].mention);
        }
    }
}

static void test_env_file_lookup(void)
{
    char template_[] = "/tmp/approov-test-envXXXXXX";
    static const char content[] =
        "# test\nOTHER=1\nexport " SECRET_NAME "=\"" "h+CX0tOzdAAR9l15bWAq"
        "vq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOm"
        "ww==\"\n";
    apr_file_t *f;
    apr_size_t n = sizeof(content) - 1;
    const char *value = NULL, *err;
    apr_status_t rv;

    rv = apr_file_mktemp(&f, template_, APR_FOPEN_CREATE | APR_FOPEN_READ
                         | APR_FOPEN_WRITE | APR_FOPEN_EXCL, pool);
    CHECK(rv == APR_SUCCESS);
    if (rv != APR_SUCCESS) {
        return;
    }
    CHECK(apr_file_write_full(f, content, n, &n) == APR_SUCCESS);
    apr_file_close(f);

    err = approov_env_file_lookup(pool, template_, SECRET_NAME, &value);
    CHECKF(!err && value && strcmp(value, DUMMY_SECRET_B64) == 0,
           "error %s, value %s", shows(err), shows(value));
    err = approov_env_file_lookup(pool, template_, "NOT_THERE", &value);
    CHECKF(err && strstr(err, template_), "message %s", shows(err));
    apr_file_remove(template_, pool);

    err = approov_env_file_lookup(pool, "/nonexistent-dir/approov/.env",
                                  SECRET_NAME, &value);
    CHECKF(err && strstr(err, "/nonexistent-dir/approov/.env"),
           "message %s", shows(err));
}

int main(void)
{
    harness_begin();
    if (!fixtures_begin()) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_env_lookup_finds_the_value);
    RUN(test_env_lookup_errors);
    RUN(test_env_file_lookup);
    return harness_end();
}

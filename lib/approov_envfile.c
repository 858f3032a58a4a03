/*
 * approov_envfile.c: files and dotenv variables (see approov_envfile.h).
 */
#include <string.h>

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <openssl/crypto.h>

#include "approov_envfile.h"

#define ENV_FILE_MAX (64 * 1024)

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse one non-comment line [s, e) into name and value.  Returns NULL on
 * success or a short description of what is wrong. */
static const char *parse_env_line(apr_pool_t *p, const char *s, const char *e,
                                  const char **name, apr_size_t *name_len,
                                  const char **value)
{
    const char *n, *v, *close;

    if ((apr_size_t)(e - s) > 7 && memcmp(s, "export", 6) == 0
        && is_blank(s[6])) {
        s += 7;
        while (s < e && is_blank(*s)) s++;
    }
    n = s;
    while (s < e && (apr_isalnum(*s) || *s == '_')) s++;
    if (s == n) {
        return "expected NAME=VALUE";
    }
    *name = n;
    *name_len = (apr_size_t)(s - n);
    while (s < e && is_blank(*s)) s++;
    if (s >= e || *s != '=') {
        return "expected NAME=VALUE";
    }
    s++;
    while (s < e && is_blank(*s)) s++;
    while (e > s && is_blank(e[-1])) e--;

    if (s < e && (*s == '"' || *s == '\'')) {
        close = memchr(s + 1, *s, (apr_size_t)(e - s - 1));
        if (!close) {
            return "unterminated quote";
        }
        v = s + 1;
        *value = apr_pstrmemdup(p, v, (apr_size_t)(close - v));
        for (s = close + 1; s < e && is_blank(*s); s++);
        if (s < e && *s != '#') {
            return "text after the closing quote";
        }
        return NULL;
    }
    /* Unquoted: an inline comment starts at " #". */
    for (v = s; v < e; v++) {
        if (*v == '#' && v > s && is_blank(v[-1])) {
            e = v;
            while (e > s && is_blank(e[-1])) e--;
            break;
        }
    }
    *value = apr_pstrmemdup(p, s, (apr_size_t)(e - s));
    return NULL;
}

const char *approov_env_lookup(apr_pool_t *p, const char *text,
                               apr_size_t len, const char *name,
                               const char **value)
{
    const char *s = text, *end = text + len, *eol, *e;
    const char *line_name, *line_value, *err;
    apr_size_t want = strlen(name), line_name_len;
    int line = 0, found = 0;

    *value = NULL;
    while (s < end) {
        line++;
        eol = memchr(s, '\n', (apr_size_t)(end - s));
        e = eol ? eol : end;
        if (e > s && e[-1] == '\r') {
            e--;
        }
        while (s < e && is_blank(*s)) s++;
        if (s < e && *s != '#') {
            if (memchr(s, '\0', (apr_size_t)(e - s))) {
                return apr_psprintf(p, "line %d: NUL byte", line);
            }
            err = parse_env_line(p, s, e, &line_name, &line_name_len,
                                 &line_value);
            if (err) {
                return apr_psprintf(p, "line %d: %s", line, err);
            }
            if (line_name_len == want
                && memcmp(line_name, name, want) == 0) {
                if (found++) {
                    return apr_psprintf(p, "line %d: %s is set twice", line,
                                        name);
                }
                *value = line_value;
            }
        }
        s = eol ? eol + 1 : end;
    }
    if (!found) {
        return apr_psprintf(p, "%s is not set", name);
    }
    return NULL;
}

const char *approov_read_file(apr_pool_t *p, const char *path,
                              apr_size_t max, char **text, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t finfo;
    apr_status_t rv;
    char errbuf[128];

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "cannot open %s: %s", path,
                            apr_strerror(rv, errbuf, sizeof(errbuf)));
    }
    rv = apr_file_info_get(&finfo, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
    if (rv != APR_SUCCESS || finfo.filetype != APR_REG
        || finfo.size > (apr_off_t)max) {
        apr_file_close(f);
        return apr_psprintf(p, "%s is not a regular file of at most %"
                            APR_SIZE_T_FMT " bytes", path, max);
    }
    *len = (apr_size_t)finfo.size;
    *text = apr_palloc(p, *len + 1);
    rv = apr_file_read_full(f, *text, *len, len);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return apr_psprintf(p, "cannot read %s: %s", path,
                            apr_strerror(rv, errbuf, sizeof(errbuf)));
    }
    (*text)[*len] = '\0';
    return NULL;
}

const char *approov_env_file_lookup(apr_pool_t *p, const char *path,
                                    const char *name, const char **value)
{
    char *text;
    apr_size_t len;
    const char *err;

    if ((err = approov_read_file(p, path, ENV_FILE_MAX, &text, &len))) {
        return err;
    }
    err = approov_env_lookup(p, text, len, name, value);
    OPENSSL_cleanse(text, len);
    if (err) {
        return apr_psprintf(p, "%s: %s", path, err);
    }
    return NULL;
}

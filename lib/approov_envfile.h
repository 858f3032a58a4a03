/*
 * approov_envfile.h: reading a whole file, and a variable from a dotenv
 * file (how Approov ships its secret).
 *
 * Layer 0 of the core (see lib/README.md): includes no core header.
 */
#ifndef APPROOV_ENVFILE_H
#define APPROOV_ENVFILE_H

#include <apr_pools.h>

/*
 * Find the value of variable name in the text of a dotenv file: lines of
 * NAME=VALUE, '#' comments, blank lines, an optional "export " prefix and
 * optional single or double quotes around the value.  Returns NULL and sets
 * *value (from p) when found exactly once; otherwise returns a message
 * (missing, given twice, or an unparsable line, naming its number).
 */
const char *approov_env_lookup(apr_pool_t *p, const char *text,
                               apr_size_t len, const char *name,
                               const char **value);

/* Read a whole file of at most max bytes (NUL-terminated copy in *text).
 * Errors name the file. */
const char *approov_read_file(apr_pool_t *p, const char *path,
                              apr_size_t max, char **text, apr_size_t *len);

/* Read a dotenv file (at most 64 KiB) and look name up in it.  Errors name
 * the file. */
const char *approov_env_file_lookup(apr_pool_t *p, const char *path,
                                    const char *name, const char **value);

#endif /* APPROOV_ENVFILE_H */

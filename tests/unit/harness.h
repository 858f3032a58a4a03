/*
 * harness.h: the unit tests' one harness.  A test program includes it in
 * one file, calls CHECK... in functions it runs with RUN(), and ends main
 * with harness_end().
 *
 * Output: one line per failing check ("file:line: what"), then
 * "N passed, N failed" (scripts/test.sh reads that line).  Exit status 0
 * only if no check failed.
 */
#ifndef APPROOV_TEST_HARNESS_H
#define APPROOV_TEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

/* Not every test program uses every helper. */
#if defined(__GNUC__)
#define HARNESS_UNUSED __attribute__((unused))
#else
#define HARNESS_UNUSED
#endif

static int harness_passed, harness_failed;
static apr_pool_t *pool;    /* cleared after each test function */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static HARNESS_UNUSED void harness_report(int ok, const char *file, int line,
                           const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        harness_passed++;
        return;
    }
    harness_failed++;
    fprintf(stdout, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

#define CHECK(cond) \
    harness_report(!!(cond), __FILE__, __LINE__, "%s", #cond)

/* A check with a message of its own: CHECKF(cond, "got %d", n). */
#define CHECKF(cond, ...) \
    harness_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* The same, for a helper called from many places: the line is its
 * caller's, passed in. */
#define CHECK_AT(ok, line, ...) \
    harness_report(!!(ok), __FILE__, (line), __VA_ARGS__)

static HARNESS_UNUSED void harness_check_str(const char *got, const char *want,
                              const char *file, int line)
{
    int ok = (!got && !want) || (got && want && strcmp(got, want) == 0);

    harness_report(ok, file, line, "got [%s]\n    want [%s]",
                   got ? got : "(null)", want ? want : "(null)");
}
#define CHECK_STR(got, want) \
    harness_check_str((got), (want), __FILE__, __LINE__)
#define CHECK_STR_AT(got, want, line) \
    harness_check_str((got), (want), __FILE__, (line))

static HARNESS_UNUSED void harness_check_int(long long got, long long want,
                              const char *file, int line)
{
    harness_report(got == want, file, line, "got %lld, want %lld", got,
                   want);
}
#define CHECK_INT(got, want) \
    harness_check_int((long long)(got), (long long)(want), __FILE__, __LINE__)

static HARNESS_UNUSED void harness_begin(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
}

#define RUN(test) \
    do { \
        test(); \
        apr_pool_clear(pool); \
    } while (0)

static HARNESS_UNUSED int harness_end(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed ? 1 : 0;
}

#endif /* APPROOV_TEST_HARNESS_H */

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

static int harness_passed, harness_failed;
static apr_pool_t *pool;    /* cleared after each test function */

static void harness_report(int ok, const char *file, int line,
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

static void harness_check_str(const char *got, const char *want,
                              const char *file, int line)
{
    int ok = (!got && !want) || (got && want && strcmp(got, want) == 0);

    harness_report(ok, file, line, "got [%s]\n    want [%s]",
                   got ? got : "(null)", want ? want : "(null)");
}
#define CHECK_STR(got, want) \
    harness_check_str((got), (want), __FILE__, __LINE__)

static void harness_check_int(long long got, long long want,
                              const char *file, int line)
{
    harness_report(got == want, file, line, "got %lld, want %lld", got,
                   want);
}
#define CHECK_INT(got, want) \
    harness_check_int((long long)(got), (long long)(want), __FILE__, __LINE__)

static void harness_begin(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
}

#define RUN(test) \
    do { \
        test(); \
        apr_pool_clear(pool); \
    } while (0)

static int harness_end(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed ? 1 : 0;
}

#endif /* APPROOV_TEST_HARNESS_H */

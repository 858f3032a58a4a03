/*
 * regress_main.c: replay inputs through a fuzz target without libFuzzer.
 *
 *   regress_TARGET FILE_OR_DIRECTORY...
 *
 * Runs LLVMFuzzerTestOneInput() once on each file (a directory: on each
 * regular file in it, in name order), in a buffer of exactly the file's
 * size.  Exit status 0 when every input ran; an invariant failure or a
 * sanitizer report aborts, naming the file.  Built with gcc (or any C
 * compiler) and -fsanitize=address,undefined, so the committed corpus and
 * regressions can run in the ordinary test suite; built with clang's
 * source-based coverage it measures what a corpus covers (make coverage).
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* From the sanitizer runtime when there is one (weak: the coverage build
 * has none). */
void __sanitizer_set_death_callback(void (*callback)(void))
    __attribute__((weak));

static const char *current;
static unsigned long count;

static void name_current(void)
{
    if (current) {
        fprintf(stderr, "regress: failed on input %s\n", current);
    }
}

static void on_abort(int sig)
{
    name_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf;
    size_t size;

    if (!f || fstat(fileno(f), &st) != 0) {
        fprintf(stderr, "regress: cannot read %s\n", path);
        if (f) fclose(f);
        return 1;
    }
    size = (size_t)st.st_size;
    /* Exactly size bytes: a read past the input is an ASan report. */
    buf = malloc(size ? size : 1);
    if (!buf || fread(buf, 1, size, f) != size) {
        fprintf(stderr, "regress: cannot read %s\n", path);
        fclose(f);
        free(buf);
        return 1;
    }
    fclose(f);
    current = path;
    LLVMFuzzerTestOneInput(buf, size);
    current = NULL;
    free(buf);
    count++;
    return 0;
}

static int run_path(const char *path)
{
    struct stat st;
    struct dirent **names;
    int n, i, failed = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "regress: no such file or directory: %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return run_file(path);
    }
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "regress: cannot list %s\n", path);
        return 1;
    }
    for (i = 0; i < n; i++) {
        char *child;
        struct stat cst;

        if (names[i]->d_name[0] != '.') {
            child = malloc(strlen(path) + strlen(names[i]->d_name) + 2);
            if (!child) abort();
            sprintf(child, "%s/%s", path, names[i]->d_name);
            if (stat(child, &cst) == 0 && S_ISREG(cst.st_mode)) {
                failed |= run_file(child);
            }
            free(child);
        }
        free(names[i]);
    }
    free(names);
    return failed;
}

int main(int argc, char **argv)
{
    int i, failed = 0;

    signal(SIGABRT, on_abort);
    if (__sanitizer_set_death_callback) {
        __sanitizer_set_death_callback(name_current);
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    for (i = 1; i < argc; i++) {
        failed |= run_path(argv[i]);
    }
    printf("%s: %lu inputs, %s\n", argv[0], count,
           failed ? "some unreadable" : "all passed");
    return failed;
}

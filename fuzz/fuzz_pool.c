/*
 * fuzz_pool.c: make APR pool allocations visible to AddressSanitizer.
 *
 * APR carves apr_palloc() blocks out of 8 KiB nodes, so an overflow of a
 * pool buffer lands in the next allocation and ASan never sees it.  This
 * file interposes apr_palloc() (apr_pcalloc() is a macro over it, and
 * libapr's own apr_pstrmemdup(), apr_pstrdup(), apr_hash_make()... call it
 * through the PLT): each allocation becomes its own malloc() of exactly the
 * requested size, freed by a cleanup on the pool.  Pool semantics are kept
 * (everything is released when the pool is cleared or destroyed, in reverse
 * order of allocation), and ASan now reports any byte read or written past
 * a pool buffer, or used after its pool is gone.
 *
 * Only the pool given to fuzz_pool_track() and its descendants are
 * affected; APR's own global pool keeps APR's allocator.  This matters to
 * LeakSanitizer too: Debian's APR takes its nodes from mmap(), which LSan
 * does not scan, so an OpenSSL object that only pool memory points to
 * (a public key in an approov_key_t) looks leaked; as a malloc() block
 * that a static variable points to, it is reachable.
 *
 * Set FUZZ_REAL_POOLS=1 in the environment to use APR's allocator as is.
 * apr_psprintf() and apr_pvsprintf() keep APR's allocator: they write into
 * the pool node directly.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <apr_pools.h>

typedef void *(*palloc_fn)(apr_pool_t *, apr_size_t);
typedef void (*cleanup_register_fn)(apr_pool_t *, const void *,
                                    apr_status_t (*)(void *),
                                    apr_status_t (*)(void *));

static palloc_fn real_palloc;
static cleanup_register_fn real_cleanup_register;
static apr_pool_t *tracked;
static int enabled = -1;
static int inside;              /* the fuzz targets are single-threaded */

static apr_status_t free_block(void *block)
{
    free(block);
    return APR_SUCCESS;
}

void fuzz_pool_track(apr_pool_t *parent)
{
    tracked = parent;
}

static void *next_symbol(const char *name)
{
    void *sym = dlsym(RTLD_NEXT, name);

    if (!sym) {
        fprintf(stderr, "fuzz_pool: %s not found\n", name);
        abort();
    }
    return sym;
}

/* The cleanup records apr_pool_cleanup_register() allocates stay with
 * APR's allocator: pool memory is all that points to them. */
void apr_pool_cleanup_register(apr_pool_t *p, const void *data,
                               apr_status_t (*plain)(void *),
                               apr_status_t (*child)(void *))
{
    int was_inside = inside;

    if (!real_cleanup_register) {
        real_cleanup_register =
            (cleanup_register_fn)next_symbol("apr_pool_cleanup_register");
    }
    inside = 1;
    real_cleanup_register(p, data, plain, child);
    inside = was_inside;
}

#undef apr_palloc
void *apr_palloc(apr_pool_t *p, apr_size_t size)
{
    void *block;

    if (!real_palloc) {
        real_palloc = (palloc_fn)next_symbol("apr_palloc");
    }
    if (enabled < 0) {
        const char *env = getenv("FUZZ_REAL_POOLS");
        enabled = !(env && *env == '1');
    }
    if (!enabled || inside || !tracked || !apr_pool_is_ancestor(tracked, p)) {
        return real_palloc(p, size);
    }
    block = malloc(size);
    if (!block && !(block = malloc(1))) {
        abort();
    }
    apr_pool_cleanup_register(p, block, free_block, apr_pool_cleanup_null);
    return block;
}

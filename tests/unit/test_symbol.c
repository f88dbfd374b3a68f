/*
 * test_symbol.c - interned ids: intern, find and name; symbols that never
 * change meaning across many interns (several chunks and index growths); and
 * readers that name symbols without a lock while other threads intern.  Run
 * this one under ThreadSanitizer too:
 *
 *     cc -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=thread -Itests/unit -Iclassify \
 *        tests/unit/test_symbol.c classify/symbol.c -lpthread -o /tmp/test_symbol && /tmp/test_symbol
 */
#include "symbol.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "test.h"

TEST(none_and_unknown)
{
    CHECK_STR(symbol_name(SYMBOL_NONE), "");
    CHECK_STR(symbol_name(0xfffffff0u), "");  /* far beyond any chunk */
    CHECK_STR(symbol_name(0xffffffffu), "");
    CHECK_INT(symbol_find("never-interned-anywhere"), SYMBOL_NONE);
}

TEST(intern_find_name)
{
    uint32_t a = symbol_intern("dropbox");
    uint32_t b = symbol_intern("onedrive");
    CHECK(a != SYMBOL_NONE);
    CHECK(b != SYMBOL_NONE);
    CHECK(a != b);
    CHECK_INT(symbol_intern("dropbox"), a);
    CHECK_INT(symbol_find("dropbox"), a);
    CHECK_INT(symbol_find("onedrive"), b);
    CHECK_STR(symbol_name(a), "dropbox");
    CHECK_STR(symbol_name(b), "onedrive");
    /* names are compared whole: no prefix or case folding */
    CHECK_INT(symbol_find("dropbo"), SYMBOL_NONE);
    CHECK_INT(symbol_find("Dropbox"), SYMBOL_NONE);
    CHECK_INT(symbol_find("dropbox "), SYMBOL_NONE);
    /* a symbol's name does not alias the caller's buffer */
    char buf[16] = "temporary";
    uint32_t t = symbol_intern(buf);
    strcpy(buf, "overwritten");
    CHECK_STR(symbol_name(t), "temporary");
    CHECK_INT(symbol_find("temporary"), t);
    /* the empty string is a name like any other, distinct from SYMBOL_NONE */
    uint32_t e = symbol_intern("");
    CHECK(e != SYMBOL_NONE);
    CHECK_INT(symbol_find(""), e);
    CHECK_STR(symbol_name(e), "");
}

TEST(stable_across_many_interns)
{
    /* Enough to fill many chunks of 1024 and grow the index several times. */
    enum { N = 60000 };
    uint32_t *ids = malloc(N * sizeof(*ids));
    const char **first_names = malloc(N * sizeof(*first_names));
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "stable-%d", i);
        ids[i] = symbol_intern(name);
        first_names[i] = symbol_name(ids[i]);
        if (ids[i] == SYMBOL_NONE) {
            CHECK(!"intern failed");
            break;
        }
    }
    int bad = 0;
    for (int i = 0; i < N && bad < 5; i++) {
        snprintf(name, sizeof(name), "stable-%d", i);
        /* same id, same name, and the very same string (names never move) */
        if (symbol_intern(name) != ids[i] || symbol_find(name) != ids[i] ||
            strcmp(symbol_name(ids[i]), name) != 0 || symbol_name(ids[i]) != first_names[i]) {
            bad++;
            CHECK(!"symbol changed meaning");
            fprintf(stderr, "    %s -> %u\n", name, ids[i]);
        }
        if (i > 0 && ids[i] == ids[i - 1]) {
            bad++;
            CHECK(!"two names share a symbol");
        }
    }
    /* symbols are small integers handed out in order */
    for (int i = 1; i < N; i++) {
        if (ids[i] != ids[i - 1] + 1) {
            CHECK(!"symbols are not consecutive");
            break;
        }
    }
    CHECK_STR(symbol_name(ids[N - 1] + 1000), "");
    free(ids);
    free(first_names);
}

/* ---- concurrency ---- */

enum { WRITER_NAMES = 20000, READERS = 3 };

static _Atomic uint32_t published_ids[WRITER_NAMES];
static atomic_int published;  /* names 0..published-1 have their id in published_ids */
static atomic_int writers_done;
static atomic_int reader_errors;
static uint32_t shared_ids[2][WRITER_NAMES / 4];

static void *writer(void *arg)
{
    (void)arg;
    char name[32];
    for (int i = 0; i < WRITER_NAMES; i++) {
        snprintf(name, sizeof(name), "conc-%d", i);
        uint32_t s = symbol_intern(name);
        atomic_store_explicit(&published_ids[i], s, memory_order_relaxed);
        atomic_store_explicit(&published, i + 1, memory_order_release);
    }
    atomic_fetch_add(&writers_done, 1);
    return NULL;
}

/* Two threads interning the same names race for each; both must get one id. */
static void *racer(void *arg)
{
    uint32_t *out = arg;
    char name[32];
    for (int i = 0; i < WRITER_NAMES / 4; i++) {
        snprintf(name, sizeof(name), "race-%d", i);
        out[i] = symbol_intern(name);
    }
    atomic_fetch_add(&writers_done, 1);
    return NULL;
}

static void *reader(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    char want[32];
    int checked = 0;
    while (atomic_load(&writers_done) < 3 || checked < 1000) {
        int n = atomic_load_explicit(&published, memory_order_acquire);
        if (n == 0)
            continue;
        seed = seed * 1103515245u + 12345u;
        int i = (int)((seed >> 8) % (unsigned)n);
        uint32_t s = atomic_load_explicit(&published_ids[i], memory_order_relaxed);
        snprintf(want, sizeof(want), "conc-%d", i);
        /* lock-free naming of a symbol published by another thread */
        if (strcmp(symbol_name(s), want) != 0)
            atomic_fetch_add(&reader_errors, 1);
        /* and the locked look-ups, interleaved with the interning */
        if (checked % 16 == 0 && (symbol_find(want) != s || symbol_intern(want) != s))
            atomic_fetch_add(&reader_errors, 1);
        checked++;
    }
    return NULL;
}

TEST(concurrent_readers_while_interning)
{
    pthread_t w, r1, r2, readers[READERS];
    atomic_store(&published, 0);
    atomic_store(&writers_done, 0);
    atomic_store(&reader_errors, 0);
    for (int i = 0; i < READERS; i++)
        CHECK_INT(pthread_create(&readers[i], NULL, reader, (void *)(uintptr_t)(i + 1)), 0);
    CHECK_INT(pthread_create(&w, NULL, writer, NULL), 0);
    CHECK_INT(pthread_create(&r1, NULL, racer, shared_ids[0]), 0);
    CHECK_INT(pthread_create(&r2, NULL, racer, shared_ids[1]), 0);
    pthread_join(w, NULL);
    pthread_join(r1, NULL);
    pthread_join(r2, NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(readers[i], NULL);
    CHECK_INT(atomic_load(&reader_errors), 0);
    int mismatched = 0;
    char name[32];
    for (int i = 0; i < WRITER_NAMES / 4; i++) {
        snprintf(name, sizeof(name), "race-%d", i);
        if (shared_ids[0][i] != shared_ids[1][i] || shared_ids[0][i] == SYMBOL_NONE ||
            strcmp(symbol_name(shared_ids[0][i]), name) != 0)
            mismatched++;
    }
    CHECK_INT(mismatched, 0);
    for (int i = 0; i < WRITER_NAMES; i++) {
        snprintf(name, sizeof(name), "conc-%d", i);
        if (symbol_find(name) != atomic_load(&published_ids[i]))
            mismatched++;
    }
    CHECK_INT(mismatched, 0);
}

int main(void)
{
    RUN(none_and_unknown);
    RUN(intern_find_name);
    RUN(stable_across_many_interns);
    RUN(concurrent_readers_while_interning);
    return test_report();
}

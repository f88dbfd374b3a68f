/*
 * model_api.c - request lines of model servers' APIs, read within bounds.
 *
 * The line is read in its three parts, each against the table of routes: a
 * part that ends inside the bytes given must equal a route's, a part the
 * bytes cut short must begin one, so that a request split over two segments
 * is "more" until its line ends and "no" from its first byte that no route
 * allows.  Nothing is copied and no part is searched for past the bytes
 * given or past MODEL_API_LINE_MAX.
 */
#include "model_api.h"

#include <string.h>

struct route {
    const char *method, *path;
    enum model_api_kind kind;
};

static const struct route routes[] = {
    {"POST", "/api/generate", MODEL_API_OLLAMA},
    {"POST", "/api/chat", MODEL_API_OLLAMA},
    {"GET", "/api/tags", MODEL_API_OLLAMA},
    {"POST", "/api/embed", MODEL_API_OLLAMA},
    {"POST", "/api/embeddings", MODEL_API_OLLAMA},
    {"POST", "/v1/chat/completions", MODEL_API_OPENAI_COMPATIBLE},
    {"POST", "/v1/completions", MODEL_API_OPENAI_COMPATIBLE},
    {"POST", "/v1/embeddings", MODEL_API_OPENAI_COMPATIBLE},
    {"GET", "/v1/models", MODEL_API_OPENAI_COMPATIBLE},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const kind_names[MODEL_API_KIND_COUNT] = {
    [MODEL_API_OLLAMA] = "ollama",
    [MODEL_API_OPENAI_COMPATIBLE] = "openai-compatible",
};

/* Where the part starting at from ends: the first byte of stops, or n. */
static size_t part_end(const uint8_t *p, size_t from, size_t n, const char *stops)
{
    size_t nstops = strlen(stops); /* memchr, not strchr: a NUL byte stops nothing */
    while (from < n && !memchr(stops, p[from], nstops))
        from++;
    return from;
}

/* Whether p[0, len) is word (whole), or, cut short, its beginning. */
static bool part_matches(const uint8_t *p, size_t len, bool whole, const char *word)
{
    size_t w = strlen(word);
    return whole ? len == w && memcmp(p, word, w) == 0 : len <= w && memcmp(p, word, len) == 0;
}

/* The verdict on bytes that end before the line does. */
static enum model_api_verdict cut_short(size_t len)
{
    return len >= MODEL_API_LINE_MAX ? MODEL_API_NO : MODEL_API_MORE;
}

/* Reads the version at p[at, n) and the end of the line. */
static enum model_api_verdict version_and_end(const uint8_t *p, size_t at, size_t n, size_t len)
{
    static const char http[] = "HTTP/1.";
    for (size_t i = 0; i < sizeof(http) - 1; i++, at++) {
        if (at == n)
            return cut_short(len);
        if (p[at] != (uint8_t)http[i])
            return MODEL_API_NO;
    }
    if (at == n)
        return cut_short(len);
    if (p[at] < '0' || p[at] > '9')
        return MODEL_API_NO;
    if (++at == n)
        return cut_short(len);
    if (p[at] == '\r' && ++at == n)
        return cut_short(len);
    return p[at] == '\n' ? MODEL_API_FOUND : MODEL_API_NO;
}

enum model_api_verdict model_api_request(const uint8_t *payload, size_t len,
                                         enum model_api_kind *kind)
{
    *kind = MODEL_API_NONE;
    size_t n = len < MODEL_API_LINE_MAX ? len : MODEL_API_LINE_MAX;
    size_t method_end = part_end(payload, 0, n, " ");
    size_t path_at = method_end + 1;
    size_t path_end = method_end < n ? part_end(payload, path_at, n, " ?") : n;
    const struct route *hit = NULL;
    bool possible = false;
    for (size_t i = 0; i < NROUTES; i++) {
        const struct route *r = &routes[i];
        if (!part_matches(payload, method_end, method_end < n, r->method))
            continue;
        if (method_end < n &&
            !part_matches(payload + path_at, path_end - path_at, path_end < n, r->path))
            continue;
        possible = true;
        if (path_end < n)
            hit = r; /* method and path whole: one route at most */
    }
    if (!possible)
        return MODEL_API_NO;
    if (!hit)
        return cut_short(len);
    size_t at = path_end;
    if (payload[at] == '?') {
        /* A query: visible characters up to the space before the version. */
        while (++at < n && payload[at] > 0x20 && payload[at] < 0x7f)
            ;
        if (at == n)
            return cut_short(len);
        if (payload[at] != ' ')
            return MODEL_API_NO;
    }
    enum model_api_verdict v = version_and_end(payload, at + 1, n, len);
    if (v == MODEL_API_FOUND)
        *kind = hit->kind;
    return v;
}

bool model_api_response_ok(const uint8_t *payload, size_t len)
{
    static const char http[] = "HTTP/1.";
    const uint8_t *p = payload;
    if (len < 13 || memcmp(p, http, sizeof(http) - 1) != 0)
        return false;
    for (size_t i = 10; i <= 11; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
    }
    return p[7] >= '0' && p[7] <= '9' && p[8] == ' ' && p[9] == '2' &&
           (p[12] == ' ' || p[12] == '\r' || p[12] == '\n');
}

const char *model_api_kind_name(enum model_api_kind kind)
{
    return (unsigned)kind < MODEL_API_KIND_COUNT ? kind_names[kind] : NULL;
}

enum model_api_kind model_api_kind_parse(const char *name, size_t len)
{
    for (int k = MODEL_API_NONE + 1; k < MODEL_API_KIND_COUNT; k++) {
        if (strlen(kind_names[k]) == len && memcmp(kind_names[k], name, len) == 0)
            return (enum model_api_kind)k;
    }
    return MODEL_API_NONE;
}

/*
 * test_model_api.c - request lines of model servers' APIs: every route of
 * each kind, query strings, every truncated prefix of a good request (more,
 * never found or no), near-miss paths, other methods, lower case, absolute
 * form, broken versions and line ends, over-long lines, NUL bytes; success
 * status lines; kind names both ways.
 */
#include "model_api.h"

#include <stdlib.h>
#include <string.h>

#include "test.h"

static enum model_api_verdict read_text(const char *s, enum model_api_kind *kind)
{
    return model_api_request((const uint8_t *)s, strlen(s), kind);
}

/* The verdict on s, and the kind when found (MODEL_API_NONE otherwise). */
static void expect(const char *s, enum model_api_verdict want, enum model_api_kind want_kind)
{
    enum model_api_kind kind = MODEL_API_KIND_COUNT;
    enum model_api_verdict v = read_text(s, &kind);
    if (v != want || kind != want_kind)
        TEST_FAIL_AT(__FILE__, __LINE__, "\"%s\": verdict %d kind %d, expected %d and %d", s,
                     (int)v, (int)kind, (int)want, (int)want_kind);
    test_checks++;
}

TEST(every_route)
{
    static const struct {
        const char *line;
        enum model_api_kind kind;
    } good[] = {
        {"POST /api/generate HTTP/1.1\r\n", MODEL_API_OLLAMA},
        {"POST /api/chat HTTP/1.1\r\n", MODEL_API_OLLAMA},
        {"GET /api/tags HTTP/1.1\r\n", MODEL_API_OLLAMA},
        {"POST /api/embed HTTP/1.1\r\n", MODEL_API_OLLAMA},
        {"POST /api/embeddings HTTP/1.1\r\n", MODEL_API_OLLAMA},
        {"POST /v1/chat/completions HTTP/1.1\r\n", MODEL_API_OPENAI_COMPATIBLE},
        {"POST /v1/completions HTTP/1.1\r\n", MODEL_API_OPENAI_COMPATIBLE},
        {"POST /v1/embeddings HTTP/1.1\r\n", MODEL_API_OPENAI_COMPATIBLE},
        {"GET /v1/models HTTP/1.1\r\n", MODEL_API_OPENAI_COMPATIBLE},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        expect(good[i].line, MODEL_API_FOUND, good[i].kind);
    /* HTTP/1.0, a bare LF, and what follows the line changes nothing. */
    expect("POST /api/chat HTTP/1.0\r\n", MODEL_API_FOUND, MODEL_API_OLLAMA);
    expect("POST /api/chat HTTP/1.1\n", MODEL_API_FOUND, MODEL_API_OLLAMA);
    expect("POST /api/generate HTTP/1.1\r\nHost: 10.0.0.5:11434\r\nContent-Length: 2\r\n\r\n{}",
           MODEL_API_FOUND, MODEL_API_OLLAMA);
    expect("POST /v1/chat/completions HTTP/1.1\r\n\x00\xff binary", MODEL_API_FOUND,
           MODEL_API_OPENAI_COMPATIBLE);
}

TEST(query_strings)
{
    expect("GET /api/tags?verbose=1 HTTP/1.1\r\n", MODEL_API_FOUND, MODEL_API_OLLAMA);
    expect("GET /v1/models? HTTP/1.1\r\n", MODEL_API_FOUND, MODEL_API_OPENAI_COMPATIBLE);
    expect("POST /v1/completions?a=1&b=%20x HTTP/1.1\r\n", MODEL_API_FOUND,
           MODEL_API_OPENAI_COMPATIBLE);
    /* A query holds no control character; it ends at the space. */
    expect("GET /api/tags?a\tb HTTP/1.1\r\n", MODEL_API_NO, MODEL_API_NONE);
    expect("GET /api/tags?a\r\n", MODEL_API_NO, MODEL_API_NONE);
    expect("GET /api/tags?a=1", MODEL_API_MORE, MODEL_API_NONE);
}

/* Every prefix of a good request shorter than its line is "more". */
static void prefixes_are_more(const char *line, enum model_api_kind kind)
{
    size_t n = strlen(line);
    for (size_t len = 0; len < n; len++) {
        /* Exactly len bytes, so a read past them is seen by ASan. */
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            return;
        memcpy(copy, line, len);
        enum model_api_kind k = MODEL_API_KIND_COUNT;
        enum model_api_verdict v = model_api_request(copy, len, &k);
        if (v != MODEL_API_MORE || k != MODEL_API_NONE)
            TEST_FAIL_AT(__FILE__, __LINE__, "prefix of %zu bytes of \"%s\": verdict %d kind %d",
                         len, line, (int)v, (int)k);
        test_checks++;
        free(copy);
    }
    enum model_api_kind k;
    CHECK_INT(model_api_request((const uint8_t *)line, n, &k), MODEL_API_FOUND);
    CHECK_INT(k, kind);
}

TEST(every_truncated_prefix_asks_for_more)
{
    prefixes_are_more("POST /api/generate HTTP/1.1\r\n", MODEL_API_OLLAMA);
    prefixes_are_more("GET /api/tags?name=llama3 HTTP/1.0\n", MODEL_API_OLLAMA);
    prefixes_are_more("POST /v1/chat/completions HTTP/1.1\r\n", MODEL_API_OPENAI_COMPATIBLE);
    prefixes_are_more("GET /v1/models HTTP/1.1\r\n", MODEL_API_OPENAI_COMPATIBLE);
}

TEST(near_misses_are_no)
{
    static const char *const bad[] = {
        "POST /api/generatex HTTP/1.1\r\n",
        "POST /api/generate-report HTTP/1.1\r\n",
        "POST /api/generate/ HTTP/1.1\r\n",
        "POST /api/generate#x HTTP/1.1\r\n",
        "POST /api/chats HTTP/1.1\r\n",
        "POST //api/chat HTTP/1.1\r\n",
        "POST /API/chat HTTP/1.1\r\n",
        "POST /api/Chat HTTP/1.1\r\n",
        "POST /api/%63hat HTTP/1.1\r\n",
        "POST /v1/chat/completion HTTP/1.1\r\n",
        "POST /v1/chat HTTP/1.1\r\n",
        "POST /v2/chat/completions HTTP/1.1\r\n",
        "GET /v1/models/llama3 HTTP/1.1\r\n",
        "POST /prefix/api/chat HTTP/1.1\r\n",
        "POST api/chat HTTP/1.1\r\n",
        "POST  /api/chat HTTP/1.1\r\n",
        "GET /index.html HTTP/1.1\r\n",
        "GET / HTTP/1.1\r\n",
        /* Ollama paths left out on purpose */
        "GET /api/ps HTTP/1.1\r\n",
        "POST /api/show HTTP/1.1\r\n",
        "POST /api/pull HTTP/1.1\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect(bad[i], MODEL_API_NO, MODEL_API_NONE);
}

TEST(methods_must_fit_the_path)
{
    static const char *const bad[] = {
        "GET /api/generate HTTP/1.1\r\n",
        "PUT /api/chat HTTP/1.1\r\n",
        "POST /api/tags HTTP/1.1\r\n",
        "HEAD /api/tags HTTP/1.1\r\n",
        "DELETE /v1/models HTTP/1.1\r\n",
        "GET /v1/chat/completions HTTP/1.1\r\n",
        "OPTIONS /v1/embeddings HTTP/1.1\r\n",
        "post /api/generate HTTP/1.1\r\n",
        "Post /api/generate HTTP/1.1\r\n",
        "get /api/tags HTTP/1.1\r\n",
        "POSTS /api/chat HTTP/1.1\r\n",
        " POST /api/chat HTTP/1.1\r\n",
        "\r\nPOST /api/chat HTTP/1.1\r\n",
        "POST\t/api/chat HTTP/1.1\r\n",
        "POST http://10.0.0.5:11434/api/chat HTTP/1.1\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect(bad[i], MODEL_API_NO, MODEL_API_NONE);
    /* Cut short inside a method no route has: no at once. */
    expect("PU", MODEL_API_NO, MODEL_API_NONE);
    expect("X", MODEL_API_NO, MODEL_API_NONE);
    expect("\x16\x03\x01\x02\x00", MODEL_API_NO, MODEL_API_NONE); /* a TLS record */
}

TEST(versions_and_line_ends)
{
    static const char *const bad[] = {
        "POST /api/chat HTTP/2\r\n",     "POST /api/chat HTTP/2.0\r\n",
        "POST /api/chat http/1.1\r\n",   "POST /api/chat HTTP/1.x\r\n",
        "POST /api/chat HTTP/1.11\r\n",  "POST /api/chat HTTP/1.1 \r\n",
        "POST /api/chat HTTP/1.1\r\r\n", "POST /api/chat HTTP/1.1\rX",
        "POST /api/chat  HTTP/1.1\r\n",  "POST /api/chat RTSP/1.0\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect(bad[i], MODEL_API_NO, MODEL_API_NONE);
    expect("POST /api/chat HTTP/1.1\r", MODEL_API_MORE, MODEL_API_NONE);
}

TEST(nul_bytes_and_long_lines)
{
    enum model_api_kind k;
    static const uint8_t nul_in_path[] = "POST /api/ch\0t HTTP/1.1\r\n";
    CHECK_INT(model_api_request(nul_in_path, sizeof(nul_in_path) - 1, &k), MODEL_API_NO);
    static const uint8_t nul_method[] = "PO\0T /api/chat HTTP/1.1\r\n";
    CHECK_INT(model_api_request(nul_method, sizeof(nul_method) - 1, &k), MODEL_API_NO);
    /* A query that runs past MODEL_API_LINE_MAX: no, not more. */
    char line[2 * MODEL_API_LINE_MAX];
    int n = snprintf(line, sizeof(line), "GET /api/tags?q=");
    memset(line + n, 'a', sizeof(line) - (size_t)n - 1);
    line[sizeof(line) - 1] = '\0';
    CHECK_INT(model_api_request((const uint8_t *)line, MODEL_API_LINE_MAX - 1, &k), MODEL_API_MORE);
    CHECK_INT(model_api_request((const uint8_t *)line, MODEL_API_LINE_MAX, &k), MODEL_API_NO);
    CHECK_INT(model_api_request((const uint8_t *)line, sizeof(line) - 1, &k), MODEL_API_NO);
    /* The longest line that still fits is read. */
    size_t fits = MODEL_API_LINE_MAX - strlen(" HTTP/1.1\n");
    memcpy(line + fits, " HTTP/1.1\n", strlen(" HTTP/1.1\n"));
    CHECK_INT(model_api_request((const uint8_t *)line, MODEL_API_LINE_MAX, &k), MODEL_API_FOUND);
    CHECK_INT(k, MODEL_API_OLLAMA);
    CHECK_INT(model_api_request((const uint8_t *)line, 0, &k), MODEL_API_MORE);
    CHECK_INT(k, MODEL_API_NONE);
}

TEST(success_status_lines)
{
    static const char *const ok[] = {
        "HTTP/1.1 200 OK\r\n", "HTTP/1.0 200 OK\r\n", "HTTP/1.1 204 No Content\r\n",
        "HTTP/1.1 200\r\n",    "HTTP/1.1 201 \r\n",
    };
    static const char *const not_ok[] = {
        "HTTP/1.1 404 Not Found\r\n",
        "HTTP/1.1 100 Continue\r\n",
        "HTTP/1.1 500 Internal Server Error\r\n",
        "HTTP/1.1 302 Found\r\n",
        "HTTP/2 200 OK\r\n",
        "HTTP/1.1 2000 OK\r\n",
        "HTTP/1.1 20 OK\r\n",
        "http/1.1 200 OK\r\n",
        "HTTP/1.1 200",
        "POST /api/chat HTTP/1.1\r\n",
        "",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        CHECK(model_api_response_ok((const uint8_t *)ok[i], strlen(ok[i])));
    for (size_t i = 0; i < sizeof(not_ok) / sizeof(not_ok[0]); i++)
        CHECK(!model_api_response_ok((const uint8_t *)not_ok[i], strlen(not_ok[i])));
}

TEST(kind_names)
{
    CHECK_STR(model_api_kind_name(MODEL_API_OLLAMA), "ollama");
    CHECK_STR(model_api_kind_name(MODEL_API_OPENAI_COMPATIBLE), "openai-compatible");
    CHECK(model_api_kind_name(MODEL_API_NONE) == NULL);
    CHECK(model_api_kind_name(MODEL_API_KIND_COUNT) == NULL);
    CHECK_INT(model_api_kind_parse("ollama", 6), MODEL_API_OLLAMA);
    CHECK_INT(model_api_kind_parse("openai-compatible", 17), MODEL_API_OPENAI_COMPATIBLE);
    CHECK_INT(model_api_kind_parse("ollamax", 7), MODEL_API_NONE);
    CHECK_INT(model_api_kind_parse("ollama", 5), MODEL_API_NONE);
    CHECK_INT(model_api_kind_parse("", 0), MODEL_API_NONE);
}

int main(void)
{
    RUN(every_route);
    RUN(query_strings);
    RUN(every_truncated_prefix_asks_for_more);
    RUN(near_misses_are_no);
    RUN(methods_must_fit_the_path);
    RUN(versions_and_line_ends);
    RUN(nul_bytes_and_long_lines);
    RUN(success_status_lines);
    RUN(kind_names);
    return test_report();
}

/*
 * model_api.h - HTTP requests that speak a model server's API.
 *
 * Model servers run inside the network (a desk machine with Ollama, a lab box
 * with vLLM) speak plain HTTP/1.x to their clients, and the first line of each
 * request says which API: Ollama's own paths, or the paths of OpenAI's API,
 * which vLLM, llama.cpp's server, LocalAI, LM Studio and Ollama itself serve.
 * This reader takes the first bytes a client sent on a TCP connection and
 * tells whether they open such a request: a method and a path of one of the
 * APIs below, exactly (a query string may follow the path; nothing else),
 * then " HTTP/1.x" and the end of the line.
 *
 *   ollama             POST /api/generate, POST /api/chat, GET /api/tags,
 *                      POST /api/embed, POST /api/embeddings
 *   openai-compatible  POST /v1/chat/completions, POST /v1/completions,
 *                      POST /v1/embeddings, GET /v1/models
 *
 * Ollama's /api/ps, /api/show and /api/pull are left out: names that plain
 * web applications use too, and a server that serves models also answers
 * the paths above.  Methods and paths are case-sensitive (as HTTP has them);
 * a request in absolute form ("POST http://host/api/chat") is not read.
 *
 * Pure functions over a byte range: no allocation, no state, every read
 * within the given length.
 */
#ifndef SHADOWTAP_MODEL_API_H
#define SHADOWTAP_MODEL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Request lines longer than this are not read (no path above comes near). */
#define MODEL_API_LINE_MAX 256

enum model_api_kind {
    MODEL_API_NONE = 0,
    MODEL_API_OLLAMA,
    MODEL_API_OPENAI_COMPATIBLE,
    MODEL_API_KIND_COUNT
};

enum model_api_verdict {
    MODEL_API_NO,    /* not a model API request line, whatever follows */
    MODEL_API_MORE,  /* a prefix of one: the rest of the line may follow */
    MODEL_API_FOUND, /* a whole request line of *kind */
};

/* Reads the request line at the start of payload[0, len).  *kind is the API
 * when the verdict is MODEL_API_FOUND, MODEL_API_NONE otherwise.  MORE is
 * never the verdict on MODEL_API_LINE_MAX bytes or more: a line that long is
 * MODEL_API_NO. */
enum model_api_verdict model_api_request(const uint8_t *payload, size_t len,
                                         enum model_api_kind *kind);

/* True when payload starts the status line of a successful HTTP/1.x
 * response: "HTTP/1.x 2xx" then a space or the end of the line. */
bool model_api_response_ok(const uint8_t *payload, size_t len);

/* "ollama", "openai-compatible"; NULL for MODEL_API_NONE or out of range. */
const char *model_api_kind_name(enum model_api_kind kind);
/* The kind a name names, MODEL_API_NONE for any other text. */
enum model_api_kind model_api_kind_parse(const char *name, size_t len);

#endif

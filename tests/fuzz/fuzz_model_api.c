/*
 * fuzz_model_api.c - the model-API request reader (classify/model_api.h),
 * which the worker runs on the client's first TCP bytes of every internal
 * flow and on the start of later client segments of a model server's flows.
 *
 * Input: the bytes of a segment.  Checks the header's promises: a verdict and
 * kind in range, a kind (with its name) exactly when found, never "more" on
 * MODEL_API_LINE_MAX bytes; and that one more byte cannot change a verdict
 * already given (found stays found with its kind, no stays no).  The response
 * reader gets the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum model_api_verdict checked(const uint8_t *bytes, size_t len, enum model_api_kind *kind)
{
    enum model_api_verdict v = model_api_request(bytes, len, kind);
    if ((unsigned)v > MODEL_API_FOUND || (unsigned)*kind >= MODEL_API_KIND_COUNT)
        abort();
    if ((v == MODEL_API_FOUND) != (*kind != MODEL_API_NONE))
        abort();
    if ((*kind != MODEL_API_NONE) != (model_api_kind_name(*kind) != NULL))
        abort();
    if (v == MODEL_API_MORE && len >= MODEL_API_LINE_MAX)
        abort();
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly the input's size, so ASan sees any read past it. */
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes)
        return 0;
    memcpy(bytes, data, size);
    enum model_api_kind kind, shorter_kind;
    enum model_api_verdict v = checked(bytes, size, &kind);
    if (size > 0) {
        enum model_api_verdict shorter = checked(bytes, size - 1, &shorter_kind);
        if (shorter == MODEL_API_NO && v != MODEL_API_NO)
            abort();
        if (shorter == MODEL_API_FOUND && (v != MODEL_API_FOUND || kind != shorter_kind))
            abort();
    }
    (void)model_api_response_ok(bytes, size);
    free(bytes);
    return 0;
}

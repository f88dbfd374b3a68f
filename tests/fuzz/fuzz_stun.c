/*
 * fuzz_stun.c - the STUN request reader (classify/stun.h), which the capture
 * thread runs on every UDP payload: stun_is_request(), then
 * stun_application() on what it accepts.  Checks that the application is one
 * the header names and that its nDPI name is consistent with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly the input's size, so ASan sees any read past it. */
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes)
        return 0;
    memcpy(bytes, data, size);
    if (stun_is_request(bytes, size)) {
        enum stun_app app = stun_application(bytes, size);
        if ((unsigned)app >= STUN_APP_COUNT)
            abort();
        if ((app == STUN_APP_NONE) != (stun_app_ndpi_name(app) == NULL))
            abort();
    }
    /* The reader takes what it is given, request or not. */
    if ((unsigned)stun_application(bytes, size) >= STUN_APP_COUNT)
        abort();
    free(bytes);
    return 0;
}

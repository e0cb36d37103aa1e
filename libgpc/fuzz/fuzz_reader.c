/* libFuzzer harness: the whole reader on raw bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "gpc.h"

static void one(const uint8_t *data, size_t size);

/* The raw bytes, and (so that mutations get past INT-1) the same bytes with
 * their last four replaced by the CRC-32 of the rest. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(data, size);
    if (size >= 16 && size <= 1048576) {
        uint8_t *c = malloc(size);
        uint32_t crc;
        if (!c) return 0;
        memcpy(c, data, size);
        crc = (uint32_t)crc32(0L, c, (uInt)(size - 4));
        c[size - 4] = (uint8_t)crc; c[size - 3] = (uint8_t)(crc >> 8);
        c[size - 2] = (uint8_t)(crc >> 16); c[size - 1] = (uint8_t)(crc >> 24);
        one(c, size);
        free(c);
    }
    return 0;
}

static void one(const uint8_t *data, size_t size)
{
    gpc_info info;
    char *js = NULL, *text = NULL;
    size_t jl, tl;
    uint8_t *rgb = NULL;
    uint32_t w, h;
    gpc_result r = gpc_validate(data, size, &info);
    if (r == GPC_VALID || r == GPC_UNDECIDED) {
        if (gpc_request_json(data, size, &js, &jl, NULL) == GPC_VALID && js[jl] != 0) abort();
        gpc_free(js);
        if (gpc_decode_text(data, size, &text, &tl, NULL) != r) abort();
        gpc_free(text);
        if (gpc_decode_lowres(data, size, &rgb, &w, &h, NULL) != r) abort();
        gpc_free(rgb);
    }
}

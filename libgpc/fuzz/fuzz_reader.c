/* libFuzzer harness: the whole reader on raw bytes. */
#include <stdint.h>
#include <stdlib.h>
#include "gpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
    return 0;
}

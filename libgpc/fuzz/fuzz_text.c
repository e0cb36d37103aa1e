/* libFuzzer harness for one text codec (TEXT_CODEC = 0..3). Input: for codecs
 * 1-3, a u16le giving text_length (bit 15 set: low 15 bits mod 16,385, else mod
 * 2,049), then the coded data; codec 0: the text. */
#include <stdint.h>
#include <stdlib.h>
#include "gpc.h"
#include "wrap.h"

#ifndef TEXT_CODEC
#error TEXT_CODEC
#endif
#define MAXIN 60000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t file[MAXIN + 64], payload[MAXIN + 16];
    size_t n, pn = 0;
    gpc_info info;
    char *js = NULL;
    size_t jl;
    if (size > MAXIN) size = MAXIN;
    payload[pn++] = 1; /* template raster-scan-v1 */
    payload[pn++] = TEXT_CODEC;
#if TEXT_CODEC != 0
    {
        uint32_t tl;
        if (size < 2) return 0;
        tl = (uint32_t)data[0] | (uint32_t)(data[1] & 0x7f) << 8;
        tl = (data[1] & 0x80) ? tl % 16385u : tl % 2049u; /* mostly short texts: faster runs */
        pn += put_varint(payload + pn, tl);
        data += 2;
        size -= 2;
#if TEXT_CODEC == 3
        /* also the library's exported fast path, directly (text_length % 8 == 0:
         * the container path below runs the same decoder) */
        if ((tl & 7) == 0) {
            static uint8_t out[16384];
            gpc_ppm1_decode(data, size, tl, out, sizeof out, &info);
        }
#endif
    }
#endif
    memcpy(payload + pn, data, size);
    pn += size;
    n = put_header(file, 1024, 1024);
    n += put_chunk(file + n, 0x01, payload, pn);
    n = put_crc(file, n);
    if (gpc_request_json(file, n, &js, &jl, &info) == GPC_VALID && jl == 0) abort();
    gpc_free(js);
    return 0;
}

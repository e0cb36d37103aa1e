/* libFuzzer harness for one image codec (IMAGE_CODEC = 1, 2, 3). Input: u16le
 * width, u16le height of the header (mod 2048, + 1), u32le check, then the
 * codec's data. */
#include <stdint.h>
#include <stdlib.h>
#include "gpc.h"
#include "wrap.h"

#ifndef IMAGE_CODEC
#error IMAGE_CODEC
#endif
#define MAXIN 200000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t file[MAXIN + 64], payload[MAXIN + 16];
    size_t n, pn = 0;
    uint32_t w, h;
    gpc_info info;
    uint8_t *rgb = NULL;
    uint32_t ow, oh;
    gpc_result r;
    if (size < 8) return 0;
    if (size > MAXIN) size = MAXIN;
    w = ((uint32_t)data[0] | (uint32_t)data[1] << 8) % 2048u + 1;
    h = ((uint32_t)data[2] | (uint32_t)data[3] << 8) % 2048u + 1;
    payload[pn++] = IMAGE_CODEC;
    memcpy(payload + pn, data + 4, 4); /* check */
    pn += 4;
    memcpy(payload + pn, data + 8, size - 8);
    pn += size - 8;
    n = put_header(file, w, h);
    n += put_chunk(file + n, 0x01, (const uint8_t *)"\x00\x00" "a", 3);
    n += put_chunk(file + n, 0x02, payload, pn);
    n = put_crc(file, n);
    r = gpc_decode_lowres(file, n, &rgb, &ow, &oh, &info);
    if (r == GPC_VALID && (!rgb || ow != (w + 7) / 8 || oh != (h + 7) / 8)) abort();
    gpc_free(rgb);
    return 0;
}

/* Builds a valid container around a fuzzed payload (lengths and CRC-32
 * recomputed), so the fuzzer reaches the codec. */
#include <stdint.h>
#include <string.h>
#include <zlib.h>

static size_t put_varint(uint8_t *o, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        if (v) c |= 0x80;
        o[n++] = c;
    } while (v);
    return n;
}

/* header with explicit or preset size */
static size_t put_header(uint8_t *o, uint32_t w, uint32_t h)
{
    static const uint32_t P[9][2] = {{0,0},{1024,1024},{1536,1024},{1024,1536},{512,512},{768,512},{512,768},{2048,2048},{256,256}};
    size_t n = 0;
    int i;
    o[n++] = 0x89; o[n++] = 'G'; o[n++] = 'P'; o[n++] = 'C'; o[n++] = 0x11; o[n++] = 0x11;
    for (i = 1; i <= 8; i++)
        if (P[i][0] == w && P[i][1] == h) { o[n++] = (uint8_t)i; return n; }
    o[n++] = 0;
    n += put_varint(o + n, w);
    n += put_varint(o + n, h);
    return n;
}

static size_t put_chunk(uint8_t *o, uint8_t tag, const uint8_t *p, size_t len)
{
    size_t n = 0;
    o[n++] = tag;
    n += put_varint(o + n, (uint32_t)len);
    if (len) memcpy(o + n, p, len);
    return n + len;
}

static size_t put_crc(uint8_t *o, size_t n)
{
    uint32_t c = (uint32_t)crc32(0L, o, (uInt)n);
    o[n] = (uint8_t)c; o[n + 1] = (uint8_t)(c >> 8); o[n + 2] = (uint8_t)(c >> 16); o[n + 3] = (uint8_t)(c >> 24);
    return n + 4;
}

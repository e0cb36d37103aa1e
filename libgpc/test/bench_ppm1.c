/* Times gpc_ppm1_decode on the text chunks of the given files (codec 3). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gpc.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int i, n = 0;
    double total_us = 0, best_file_us = 1e30, worst = 0;
    size_t total_len = 0;
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        uint8_t buf[65536], out[16384];
        size_t len, pos, tl = 0, dlen;
        gpc_info info;
        int sh, reps, r;
        uint32_t v;
        double t0, us;
        if (!f) continue;
        len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        if (gpc_validate(buf, len, &info) != GPC_VALID || info.text_codec != 3) continue;
        pos = info.chunk_offset[0];
        /* template, codec, text_length varints */
        for (r = 0; r < 3; r++) {
            v = 0; sh = 0;
            while (buf[pos] & 0x80) { v |= (uint32_t)(buf[pos++] & 0x7f) << sh; sh += 7; }
            v |= (uint32_t)buf[pos++] << sh;
            if (r == 2) tl = v;
        }
        dlen = info.chunk_offset[0] + info.chunk_size[0] - pos;
        if (dlen == tl) continue; /* raw mode */
        /* best of 20 rounds of 10 decodes: the machine is shared */
        us = 1e30;
        for (reps = 0; reps < 20; reps++) {
            double t;
            t0 = now();
            for (r = 0; r < 10; r++)
                if (gpc_ppm1_decode(buf + pos, dlen, tl, out, sizeof out, NULL) != GPC_VALID) return 1;
            t = (now() - t0) * 1e6 / 10;
            if (t < us) us = t;
        }
        total_us += us;
        total_len += tl;
        if (us < best_file_us) best_file_us = us;
        if (us > worst) worst = us;
        n++;
    }
    if (!n) { printf("no gpc-ppm1 model-stream files given\n"); return 1; }
    printf("gpc-ppm1 decode: %d texts, mean %.0f bytes, mean %.1f us per decode (best of 20 rounds per text) (min %.1f, max %.1f; target <= 50 us)\n",
           n, (double)total_len / n, total_us / n, best_file_us, worst);
    return 0;
}

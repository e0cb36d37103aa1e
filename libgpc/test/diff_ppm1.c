/* Differential test of gpc_ppm1_decode against the decoder as it was before
 * the speed work (test/ref/ppm1_ref.c, gpc_ppm1_decode_ref): both must give
 * the same result code, clause, message and output bytes on
 *   - the gpc-ppm1 payloads of the .gpc files given (the benchmark files, the
 *     conformance cases) and the vectors of text-codec.md §8,
 *   - truncations, bit flips, byte changes, splices and other text_length
 *     values of those payloads,
 *   - random bytes with random text_length 0..16,384.
 * Usage: diff_ppm1 [-n RANDOM_CASES] [-s SEED] FILE.gpc...
 * Exit 0 when every case agrees. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gpc.h"

gpc_result gpc_ppm1_decode_ref(const uint8_t *data, size_t len, size_t text_length,
                               uint8_t *out, size_t out_cap, gpc_info *info);

#define MAXT 16384

typedef struct { uint8_t *d; size_t len, tl; } payload;

static uint64_t rng_s = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    uint64_t x = rng_s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_s = x;
}
static size_t rndn(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static unsigned long n_cases, n_valid, n_invalid, n_fail;
static unsigned long cat_cases[8], cat_valid[8];
static const char *cat_name[8] = {"files and vectors", "truncated", "bit flips", "byte changes",
                                  "other text_length", "splices", "random bytes", "appended bytes"};
static uint8_t out_a[MAXT + 16], out_b[MAXT + 16];

static void check(int cat, const uint8_t *d, size_t len, size_t tl)
{
    gpc_info ia, ib;
    int ra, rb;
    memset(&ia, 0, sizeof ia);
    memset(&ib, 0, sizeof ib);
    memset(out_a, 0xA5, sizeof out_a);
    memset(out_b, 0xA5, sizeof out_b);
    ra = gpc_ppm1_decode(d, len, tl, out_a, MAXT, &ia);
    rb = gpc_ppm1_decode_ref(d, len, tl, out_b, MAXT, &ib);
    n_cases++;
    cat_cases[cat]++;
    if (ra == GPC_VALID) { n_valid++; cat_valid[cat]++; } else n_invalid++;
    if (ra != rb || strcmp(ia.clause, ib.clause) != 0 || strcmp(ia.message, ib.message) != 0 ||
        (ra == GPC_VALID && memcmp(out_a, out_b, tl) != 0) || memcmp(out_a + tl, out_b + tl, 16) != 0) {
        n_fail++;
        if (n_fail <= 10) {
            size_t i;
            fprintf(stderr, "MISMATCH (%s): len %zu text_length %zu: new %d [%s] %s / old %d [%s] %s\n  data:",
                    cat_name[cat], len, tl, ra, ia.clause, ia.message, rb, ib.clause, ib.message);
            for (i = 0; i < len && i < 64; i++) fprintf(stderr, " %02x", d[i]);
            fprintf(stderr, "\n");
        }
    }
}

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

/* the gpc-ppm1 payload (data, text_length) of a .gpc file, if it has one */
static int load(const char *path, payload *p)
{
    static uint8_t buf[1048577];
    FILE *f = fopen(path, "rb");
    size_t len, pos;
    gpc_info info;
    uint32_t c, v[3];
    int r;
    if (!f) return 0;
    len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    gpc_validate(buf, len, &info);
    for (c = 0; c < info.chunk_count && c < 16; c++) {
        size_t end;
        if (info.chunk_tag[c] != 1) continue;
        pos = info.chunk_offset[c];
        end = pos + info.chunk_size[c];
        if (end > len) return 0;
        for (r = 0; r < 3; r++) {
            int sh = 0;
            v[r] = 0;
            while (pos < end && (buf[pos] & 0x80)) { v[r] |= (uint32_t)(buf[pos++] & 0x7f) << sh; sh += 7; if (sh > 21) return 0; }
            if (pos >= end) return 0;
            v[r] |= (uint32_t)buf[pos++] << sh;
        }
        if (v[1] != 3 || v[2] > MAXT) return 0;
        p->len = end - pos;
        p->tl = v[2];
        p->d = malloc(p->len ? p->len : 1);
        if (!p->d) return 0;
        memcpy(p->d, buf + pos, p->len);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const char *vec[][2] = {
        {"106", "4544d7e6f863da4620894d15ad07"},
        {"44", "fe108ede039c3f"},
        {"18", "48656c6c6f2c20e4b896e7958c20f09f8c8d"},
        {"1", "61"},
    };
    payload *P;
    size_t np = 0, nmodel = 0, i;
    unsigned long nrand = 100000, it;
    int a, c;
    static uint8_t tmp[MAXT + 64];
    P = calloc((size_t)argc + 8, sizeof *P);
    if (!P) return 2;
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-n") == 0 && a + 1 < argc) nrand = strtoul(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "-s") == 0 && a + 1 < argc) rng_s = strtoull(argv[++a], NULL, 10) | 1;
        else if (load(argv[a], &P[np])) np++;
    }
    for (i = 0; i < 4; i++) {
        size_t n = strlen(vec[i][1]) / 2, j;
        P[np].d = malloc(n);
        if (!P[np].d) return 2;
        for (j = 0; j < n; j++) P[np].d[j] = (uint8_t)(hexval(vec[i][1][2 * j]) << 4 | hexval(vec[i][1][2 * j + 1]));
        P[np].len = n;
        P[np].tl = (size_t)atoi(vec[i][0]);
        np++;
    }
    /* model streams first, so that the mutations below start from them */
    for (i = 0; i < np; i++)
        if (P[i].len < P[i].tl) {
            payload t = P[nmodel];
            P[nmodel++] = P[i];
            P[i] = t;
        }
    for (i = 0; i < np; i++) check(0, P[i].d, P[i].len, P[i].tl);
    /* the same again, in another order: the per-thread state between texts */
    for (i = np; i-- > 0;) check(0, P[i].d, P[i].len, P[i].tl);
    if (!nmodel) { fprintf(stderr, "no model streams\n"); return 2; }
    for (it = 0; it < nrand; it++) {
        const payload *p = &P[rndn(nmodel)];
        size_t len = p->len, tl = p->tl, j;
        int cat = (int)rndn(8);
        if (cat == 0) cat = 6;
        if (len) memcpy(tmp, p->d, len);
        switch (cat) {
        case 1: /* truncated */
            len = rndn(len + 1);
            break;
        case 2: /* 1-3 bit flips */
            for (c = 1 + (int)rndn(3); c > 0 && len; c--) tmp[rndn(len)] ^= (uint8_t)(1u << rndn(8));
            break;
        case 3: /* 1-4 random bytes changed, from a random position */
            for (c = 1 + (int)rndn(4); c > 0 && len; c--) tmp[rndn(len)] = (uint8_t)rnd();
            if (len && rndn(2)) { size_t s = rndn(len); for (j = s; j < len; j++) tmp[j] = (uint8_t)rnd(); }
            break;
        case 4: /* another text_length */
            tl = rndn(4) ? (tl + rndn(64) >= 32 ? tl + rndn(64) - 32 : 0) : rndn(MAXT + 1);
            if (tl > MAXT) tl = MAXT;
            break;
        case 5: { /* splice: head of this one, tail of another */
            const payload *q = &P[rndn(nmodel)];
            size_t h = rndn(len + 1), t0 = rndn(q->len + 1);
            len = h;
            for (j = t0; j < q->len && len < sizeof tmp; j++) tmp[len++] = q->d[j];
            if (rndn(2)) tl = q->tl;
            break;
        }
        case 6: /* random bytes, random text_length */
            tl = rndn(4) ? rndn(2049) : rndn(MAXT + 1);
            len = rndn(4) ? rndn(tl / 4 + 8) : rndn(tl + 2);
            for (j = 0; j < len; j++) tmp[j] = (uint8_t)(rndn(4) ? rnd() : rndn(3) ? 0 : 0xFF);
            break;
        case 7: /* bytes appended */
            for (c = 1 + (int)rndn(3); c > 0 && len < sizeof tmp; c--) tmp[len++] = (uint8_t)rnd();
            break;
        }
        check(cat, tmp, len, tl);
    }
    printf("diff_ppm1: %lu cases (%zu payloads, %zu model streams), %lu valid, %lu invalid, %lu mismatches\n",
           n_cases, np, nmodel, n_valid, n_invalid, n_fail);
    for (c = 0; c < 8; c++)
        printf("  %-18s %8lu cases, %8lu valid\n", cat_name[c], cat_cases[c], cat_valid[c]);
    return n_fail ? 1 : 0;
}

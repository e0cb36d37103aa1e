/* The gpc-ppm1 decoder as it was before the speed work (libgpc commit 134d540,
 * src/ppm1.c), kept verbatim below as the oracle of test/diff_ppm1.c. Built
 * only for that test, with gpc_ppm1_decode renamed gpc_ppm1_decode_ref. */
#define gpc_ppm1_decode gpc_ppm1_decode_ref
/* gpc-ppm1 text decoder (spec/text-codec.md).
 *
 * The pinned prior (TXC-12) is parsed once (pthread_once) into one contiguous
 * blob of context records: a header, then the count list as (child, count,
 * symbol) entries in ascending symbol order. The working table of a text
 * (TXC-8..TXC-10) holds one node per context met; a node starts as a copy of
 * the prior's record (the prior itself is never changed). Contexts are found
 * without hashing: the order-(k+1) context of the next byte is the order-k
 * context of this byte followed by the byte, so each entry keeps a link to
 * that child context. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define MAX_ORDER 4
#define TEXT_INCREMENT 4
#define COUNT_LIMIT 8192
#define TOP 0x1000000u
#define MAX_TEXT 16384

static const char PRIOR_SHA256[] =
    "a141d6ff3219be570bd5491630ecce1f1a7497ebd6aa85fbf4b2fa4f040d1a7f";

/* child link: >= 0 a working node id; -(offset + 2) a prior record not yet in
 * the working table; -1 a context that no table holds yet */
typedef struct {
    int32_t child;
    uint16_t cnt;
    uint8_t sym;
    uint8_t pad;
} entry;

typedef struct {
    uint64_t bm[4]; /* symbols present */
    uint32_t idx;   /* dense index of the context */
    uint32_t ctx;   /* its k bytes, big-endian */
    uint32_t total; /* sum of counts */
    uint16_t n;     /* number of entries (1..256) */
    uint16_t order;
} prec; /* followed by n entries; 48 bytes = 6 entries */
#define PREC_UNITS 6
typedef char prec_size_check[(sizeof(prec) == PREC_UNITS * sizeof(entry)) ? 1 : -1];

/* ---- the prior, parsed once ------------------------------------------ */
static struct {
    int ok;
    size_t nctx;
    entry *blob;      /* records, in units of entry (8 bytes) */
    size_t blob_len;
    uint64_t *hkeys;  /* open addressing: (k << 32 | ctx) + 1, 0 = empty */
    uint32_t *hoff;   /* record offset in blob */
    uint32_t hmask;
} g_prior;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static inline uint64_t ctx_key(int k, uint32_t ctx) { return ((uint64_t)(unsigned)k << 32) | ctx; }
static inline uint32_t hash64(uint64_t key) { return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32); }
static inline prec *rec_at(size_t off) { return (prec *)(void *)(g_prior.blob + off); }
static inline entry *rec_entries(prec *r) { return (entry *)(void *)r + PREC_UNITS; }

/* record offset of context (k, ctx) in the prior, or -1 */
static int32_t prior_find(int k, uint32_t ctx)
{
    uint64_t key = ctx_key(k, ctx) + 1;
    uint32_t h = hash64(key - 1) & g_prior.hmask;
    while (g_prior.hkeys[h] != 0) {
        if (g_prior.hkeys[h] == key) return (int32_t)g_prior.hoff[h];
        h = (h + 1) & g_prior.hmask;
    }
    return -1;
}

static int rd_leb(const uint8_t *p, size_t n, size_t *pos, uint64_t *v)
{
    uint64_t r = 0;
    int shift = 0;
    for (;;) {
        uint8_t b;
        if (*pos >= n || shift > 56) return -1;
        b = p[(*pos)++];
        r |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    *v = r;
    return 0;
}

static void prior_init(void)
{
    const uint8_t *p = gpc_ppm1_prior_bin;
    size_t n = gpc_ppm1_prior_len, pos, ci, off, pass;
    char hex[65];
    int k;
    gpc_sha256_hex(p, n, hex);
    if (strcmp(hex, PRIOR_SHA256) != 0) return; /* TXC-13: never decode with another table */
    if (n < 8 || memcmp(p, "GPCPPM1\n", 8) != 0) return;
    for (pass = 0; pass < 2; pass++) { /* pass 0 sizes, pass 1 fills */
        pos = 8;
        ci = 0;
        off = 0;
        for (k = 0; k <= MAX_ORDER; k++) {
            uint64_t nk, j;
            uint64_t prev_ctx = 0;
            if (rd_leb(p, n, &pos, &nk) != 0 || nk > n) return;
            for (j = 0; j < nk; j++) {
                uint32_t ctx = 0;
                uint64_t q1, t, sum = 0;
                int b;
                prec *r = NULL;
                if (pos + (size_t)k > n) return;
                for (b = 0; b < k; b++) ctx = (ctx << 8) | p[pos++];
                if (j > 0 && ctx <= prev_ctx) return; /* ascending, unique */
                prev_ctx = ctx;
                if (rd_leb(p, n, &pos, &q1) != 0 || q1 > 255) return;
                if (pass == 1) {
                    uint32_t h = hash64(ctx_key(k, ctx)) & g_prior.hmask;
                    r = rec_at(off);
                    r->idx = (uint32_t)ci;
                    r->ctx = ctx;
                    r->n = (uint16_t)(q1 + 1);
                    r->order = (uint16_t)k;
                    while (g_prior.hkeys[h] != 0) h = (h + 1) & g_prior.hmask;
                    g_prior.hkeys[h] = ctx_key(k, ctx) + 1;
                    g_prior.hoff[h] = (uint32_t)off;
                }
                for (t = 0; t <= q1; t++) {
                    uint64_t c;
                    uint8_t s;
                    if (pos >= n) return;
                    s = p[pos++];
                    if (rd_leb(p, n, &pos, &c) != 0 || c < 1 || c > COUNT_LIMIT) return;
                    sum += c;
                    if (pass == 1) {
                        entry *e = rec_entries(r);
                        if (t > 0 && s <= e[t - 1].sym) return;
                        e[t].sym = s;
                        e[t].cnt = (uint16_t)c;
                        e[t].child = -1;
                        e[t].pad = 0;
                        r->bm[s >> 6] |= (uint64_t)1 << (s & 63);
                    }
                }
                if (sum > COUNT_LIMIT) return;
                if (pass == 1) r->total = (uint32_t)sum;
                off += PREC_UNITS + (size_t)(q1 + 1);
                ci++;
            }
        }
        if (pos != n) return;
        if (pass == 0) {
            uint32_t hs = 1;
            while (hs < 2 * ci + 2) hs <<= 1;
            g_prior.nctx = ci;
            g_prior.blob_len = off;
            g_prior.blob = calloc(off ? off : 1, sizeof(entry));
            g_prior.hkeys = calloc(hs, sizeof(uint64_t));
            g_prior.hoff = calloc(hs, sizeof(uint32_t));
            g_prior.hmask = hs - 1;
            if (!g_prior.blob || !g_prior.hkeys || !g_prior.hoff || off > 0x7FFFFFF0u) return;
        }
    }
    /* child links of the prior's entries */
    for (off = 0; off < g_prior.blob_len;) {
        prec *r = rec_at(off);
        entry *e = rec_entries(r);
        unsigned j;
        if (r->order < MAX_ORDER)
            for (j = 0; j < r->n; j++) {
                int32_t c = prior_find(r->order + 1, (r->ctx << 8) | e[j].sym);
                e[j].child = c >= 0 ? -c - 2 : -1;
            }
        off += PREC_UNITS + (size_t)r->n;
    }
    g_prior.ok = 1;
}

/* ---- per-thread working table ------------------------------------------
 * Reused from call to call (pthread key); bounded by 5 * text_length + 5
 * nodes and their entry arrays. */
typedef struct {
    uint64_t bm[4];  /* symbols present */
    entry *e;
    uint32_t total, ctx;
    uint16_t n, cap;
    uint32_t pad;
} wnode;

typedef struct { uint32_t gen, id; } p2w_t;

typedef struct {
    wnode *nodes;
    size_t nnodes, capnodes;
    p2w_t *p2w;      /* prior index -> working node, valid when gen matches */
    uint32_t gen;
    unsigned char **blk;
    size_t *blkcap;
    size_t nblk, capblk, curblk, used;
} ws_t;

#define ARENA_BLK ((size_t)1 << 18)

static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static int g_key_ok;

static void ws_free(void *p)
{
    ws_t *w = p;
    size_t i;
    if (!w) return;
    for (i = 0; i < w->nblk; i++) free(w->blk[i]);
    free(w->blk);
    free(w->blkcap);
    free(w->nodes);
    free(w->p2w);
    free(w);
}

static void key_init(void)
{
    g_key_ok = pthread_key_create(&g_key, ws_free) == 0;
}

static void *ws_alloc(ws_t *w, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    for (;;) {
        if (w->curblk < w->nblk && w->blkcap[w->curblk] - w->used >= n) {
            void *r = w->blk[w->curblk] + w->used;
            w->used += n;
            return r;
        }
        if (w->curblk + 1 < w->nblk && w->blkcap[w->curblk + 1] >= n) {
            w->curblk++;
            w->used = 0;
            continue;
        }
        if (w->nblk == w->capblk) {
            size_t nc = w->capblk ? w->capblk * 2 : 8;
            unsigned char **nb = realloc(w->blk, nc * sizeof *nb);
            size_t *ncap;
            if (!nb) return NULL;
            w->blk = nb;
            ncap = realloc(w->blkcap, nc * sizeof *ncap);
            if (!ncap) return NULL;
            w->blkcap = ncap;
            w->capblk = nc;
        }
        {
            size_t cap = n > ARENA_BLK ? n : ARENA_BLK, at = w->nblk ? w->curblk + 1 : 0;
            unsigned char *b = malloc(cap);
            if (!b) return NULL;
            memmove(w->blk + at + 1, w->blk + at, (w->nblk - at) * sizeof *w->blk);
            memmove(w->blkcap + at + 1, w->blkcap + at, (w->nblk - at) * sizeof *w->blkcap);
            w->blk[at] = b;
            w->blkcap[at] = cap;
            w->nblk++;
            w->curblk = at;
            w->used = 0;
        }
    }
}

static ws_t *ws_get(size_t text_length)
{
    ws_t *w;
    size_t need = (MAX_ORDER + 1) * text_length + MAX_ORDER + 2;
    pthread_once(&g_key_once, key_init);
    if (!g_key_ok) return NULL;
    w = pthread_getspecific(g_key);
    if (!w) {
        w = calloc(1, sizeof *w);
        if (!w) return NULL;
        w->p2w = calloc(g_prior.nctx ? g_prior.nctx : 1, sizeof(p2w_t));
        if (!w->p2w || pthread_setspecific(g_key, w) != 0) {
            ws_free(w);
            return NULL;
        }
    }
    if (w->capnodes < need) {
        size_t nc = need < 4096 ? 4096 : need;
        wnode *nn = realloc(w->nodes, nc * sizeof(wnode));
        if (!nn) return NULL;
        w->nodes = nn;
        w->capnodes = nc;
    }
    w->nnodes = 0;
    w->curblk = 0;
    w->used = 0;
    if (++w->gen == 0) { /* wrapped: clear the stamps */
        memset(w->p2w, 0, g_prior.nctx * sizeof(p2w_t));
        w->gen = 1;
    }
    return w;
}

/* working node of the prior record at off (copied on first use) */
static int32_t node_from_prior(ws_t *w, uint32_t off)
{
    prec *r = rec_at(off);
    wnode *nd;
    const entry *pe;
    unsigned cap;
    p2w_t *m = &w->p2w[r->idx];
    if (m->gen == w->gen) return (int32_t)m->id;
    nd = &w->nodes[w->nnodes];
    cap = r->n + 2u;
    if (cap > 256) cap = 256;
    nd->e = ws_alloc(w, (size_t)cap * sizeof(entry));
    if (!nd->e) return -1;
    pe = rec_entries(r);
    memcpy(nd->e, pe, (size_t)r->n * sizeof(entry));
    memcpy(nd->bm, r->bm, sizeof nd->bm);
    nd->n = r->n;
    nd->cap = (uint16_t)cap;
    nd->total = r->total;
    nd->ctx = r->ctx;
    m->gen = w->gen;
    m->id = (uint32_t)w->nnodes;
    return (int32_t)w->nnodes++;
}

static int32_t node_new(ws_t *w, uint32_t ctx)
{
    wnode *nd = &w->nodes[w->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->ctx = ctx;
    return (int32_t)w->nnodes++;
}

static int32_t node_lookup(ws_t *w, int k, uint32_t ctx)
{
    int32_t off = prior_find(k, ctx);
    if (off >= 0) return node_from_prior(w, (uint32_t)off);
    return node_new(w, ctx);
}

/* TXC-10 update of byte b in node nd (order k); returns the entry index or -1 */
static int node_update(ws_t *w, wnode *nd, int k, uint8_t b, int32_t zero_child)
{
    unsigned i, lo = 0, hi = nd->n;
    entry *e = nd->e;
    if (hi <= 12) {
        while (lo < hi && e[lo].sym < b) lo++;
    } else {
        while (lo < hi) {
            unsigned mid = (lo + hi) >> 1;
            if (e[mid].sym < b) lo = mid + 1; else hi = mid;
        }
    }
    i = lo;
    if (nd->bm[b >> 6] >> (b & 63) & 1) {
        e[i].cnt = (uint16_t)(e[i].cnt + TEXT_INCREMENT);
    } else {
        int32_t c;
        if (nd->n == nd->cap) {
            unsigned cap = nd->cap ? nd->cap * 2u : 4u;
            entry *ne;
            if (cap > 256) cap = 256;
            ne = ws_alloc(w, (size_t)cap * sizeof(entry));
            if (!ne) return -1;
            if (nd->n) memcpy(ne, e, (size_t)nd->n * sizeof(entry));
            nd->e = e = ne;
            nd->cap = (uint16_t)cap;
        }
        if (nd->n > i) memmove(e + i + 1, e + i, (size_t)(nd->n - i) * sizeof(entry));
        e[i].sym = b;
        e[i].cnt = TEXT_INCREMENT;
        e[i].pad = 0;
        c = k < MAX_ORDER ? prior_find(k + 1, (nd->ctx << 8) | b) : -1;
        e[i].child = c >= 0 ? -c - 2 : (zero_child >= 0 ? zero_child : -1);
        nd->bm[b >> 6] |= (uint64_t)1 << (b & 63);
        nd->n++;
    }
    nd->total += TEXT_INCREMENT;
    if (nd->total > COUNT_LIMIT) {
        uint32_t t = 0;
        unsigned j;
        for (j = 0; j < nd->n; j++) {
            e[j].cnt = (uint16_t)((e[j].cnt + 1u) >> 1);
            t += e[j].cnt;
        }
        nd->total = t;
    }
    return (int)i;
}

gpc_result gpc_ppm1_decode(const uint8_t *data, size_t len, size_t text_length,
                           uint8_t *out, size_t out_cap, gpc_info *info)
{
    ws_t *w;
    uint32_t code, range;
    size_t pos, i;
    int32_t cur[MAX_ORDER + 1], zero_node[MAX_ORDER + 2];
    int k;

    if ((!data && len) || (!out && text_length) || text_length > MAX_TEXT || out_cap < text_length)
        return GPC_EUSAGE;
    if (len > text_length)
        return gpc_fail(info, "TXT-3", "gpc-ppm1: data (%zu bytes) longer than text_length %zu (TXC-4)",
                        len, text_length);
    if (len == text_length) { /* TXC-3 raw mode */
        if (len) memcpy(out, data, len);
        return GPC_VALID;
    }
    pthread_once(&g_once, prior_init);
    if (!g_prior.ok)
        return gpc_fail(info, "TXC-13", "gpc-ppm1: the embedded prior failed its SHA-256 or layout check");
    w = ws_get(text_length);
    if (!w) return GPC_ENOMEM;

    /* contexts of byte 0: k zero bytes (TXC-8) */
    for (k = 0; k <= MAX_ORDER; k++) {
        zero_node[k] = cur[k] = node_lookup(w, k, 0);
        if (cur[k] < 0) return GPC_ENOMEM;
    }
    zero_node[MAX_ORDER + 1] = -1;

#define BYTE(i) ((i) < len ? data[(i)] : 0u)
#define RENORM() do { while (range < TOP) { code = (code << 8) | BYTE(pos); pos++; range <<= 8; } } while (0)
    code = (uint32_t)BYTE(0) << 24 | (uint32_t)BYTE(1) << 16 | (uint32_t)BYTE(2) << 8 | BYTE(3);
    range = 0xFFFFFFFFu;
    pos = 4;

    for (i = 0; i < text_length; i++) {
        uint64_t X[4] = {0, 0, 0, 0};
        int anyx = 0, kc = -1;
        unsigned b = 0;
        for (k = MAX_ORDER; k >= 0; k--) { /* TXC-9 */
            wnode *nd = &w->nodes[cur[k]];
            const entry *e = nd->e;
            uint32_t n = 0, q = 0, T, r, v, cum = 0, freq = 0;
            unsigned j;
            if (nd->n == 0) continue;
            if (!anyx) {
                n = nd->total;
                q = nd->n;
            } else {
                if (!((nd->bm[0] & ~X[0]) | (nd->bm[1] & ~X[1]) | (nd->bm[2] & ~X[2]) | (nd->bm[3] & ~X[3])))
                    continue;
                for (j = 0; j < nd->n; j++) {
                    unsigned s = e[j].sym;
                    if (!(X[s >> 6] >> (s & 63) & 1)) { n += e[j].cnt; q++; }
                }
            }
            T = n + q;
            r = range / T;
            v = code / r;
            if (v >= T)
                return gpc_fail(info, "TXT-3", "gpc-ppm1: range decoder value out of range at byte %zu (TXC-6)", i);
            if (v >= n) { /* escape */
                code -= r * n;
                range = r * q;
                RENORM();
                X[0] |= nd->bm[0];
                X[1] |= nd->bm[1];
                X[2] |= nd->bm[2];
                X[3] |= nd->bm[3];
                anyx = 1;
                continue;
            }
            if (!anyx) {
                for (j = 0;; j++) {
                    uint32_t c = e[j].cnt;
                    if (v < cum + c) { freq = c; b = e[j].sym; break; }
                    cum += c;
                }
            } else {
                for (j = 0;; j++) {
                    unsigned s = e[j].sym;
                    if (X[s >> 6] >> (s & 63) & 1) continue;
                    if (v < cum + e[j].cnt) { freq = e[j].cnt; b = s; break; }
                    cum += e[j].cnt;
                }
            }
            code -= r * cum;
            range = r * freq;
            RENORM();
            kc = k;
            break;
        }
        if (kc < 0) { /* order -1 */
            uint32_t m = 0, r, v, cnt = 0;
            unsigned s;
            for (s = 0; s < 256; s++) m += !(X[s >> 6] >> (s & 63) & 1);
            if (m == 0)
                return gpc_fail(info, "TXT-3", "gpc-ppm1: escape into an empty order -1 (every byte value excluded, TXC-16)");
            r = range / m;
            v = code / r;
            if (v >= m)
                return gpc_fail(info, "TXT-3", "gpc-ppm1: range decoder value out of range at byte %zu (TXC-6)", i);
            for (s = 0; s < 256; s++) {
                if (X[s >> 6] >> (s & 63) & 1) continue;
                if (cnt == v) break;
                cnt++;
            }
            b = s;
            code -= r * v;
            range = r;
            RENORM();
        }
        out[i] = (uint8_t)b;
        /* TXC-10 at every order, then the child links give the next contexts */
        for (k = MAX_ORDER; k >= 0; k--) {
            wnode *nd = &w->nodes[cur[k]];
            int32_t zc = (b == 0 && cur[k] == zero_node[k]) ? zero_node[k + 1] : -1;
            int j = node_update(w, nd, k, (uint8_t)b, zc);
            if (j < 0) return GPC_ENOMEM;
            if (k < MAX_ORDER) {
                int32_t c = nd->e[j].child;
                if (c < 0) {
                    c = (c == -1) ? node_new(w, (nd->ctx << 8) | b) : node_from_prior(w, (uint32_t)(-c - 2));
                    if (c < 0) return GPC_ENOMEM;
                    w->nodes[cur[k]].e[j].child = c;
                }
                cur[k + 1] = c;
            }
        }
        cur[0] = zero_node[0];
    }
#undef BYTE
#undef RENORM
    if (len > pos) /* TXC-7 */
        return gpc_fail(info, "TXT-3", "gpc-ppm1: %zu unread bytes after the last symbol (TXC-7)", len - pos);
    if (len > 0 && data[len - 1] == 0)
        return gpc_fail(info, "TXT-3", "gpc-ppm1: data ends with a 0x00 byte (TXC-7)");
    return GPC_VALID;
}

/* gpc-ppm1 text decoder (spec/text-codec.md).
 *
 * The pinned prior (TXC-12) is parsed once (pthread_once) into read-only
 * arrays: one node header per context (node id = its index in the file) and
 * the count lists, back to back, as (child, count, symbol) entries in
 * ascending symbol order.
 *
 * The working table of a text (TXC-8..TXC-10) lives in a per-thread
 * workspace that holds a full copy of the prior (headers, and the lists with
 * a little room after each). A text changes that copy in place and notes each
 * prior node it reaches; when the text is done (valid or not) exactly those
 * nodes are copied back from the read-only prior, so the copy equals the
 * prior again between texts (TXC-8: the prior itself is never changed).
 * Contexts absent from the prior get new nodes after the prior's, valid for
 * one text.
 *
 * Contexts are found without hashing on the hot path: the order-(k+1)
 * context of the next byte is the order-k context of this byte followed by
 * the byte, so each entry keeps a link to that child context (an order-4
 * entry: to the next byte's order-4 context); prior links are resolved once,
 * at load time. The entry of a symbol in a list is found in O(1) from the
 * list's 256-bit symbol set: a prefix count per 64-bit word plus a
 * population count. */
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

/* child link of an entry: >= 0 the node id of the order-(k+1) context
 * (context bytes + the entry's symbol; for order 4, the order-4 context of
 * the next byte: the last 3 context bytes + the symbol); CH_LOOKUP not looked
 * up yet (an entry added by a text); CH_NEW known to be absent from the
 * prior */
#define CH_LOOKUP (-1)
#define CH_NEW (-2)

typedef struct {
    int32_t child;
    uint16_t cnt;
    uint8_t sym;
    uint8_t pad;
} entry;

typedef struct {
    uint64_t bm[4];  /* symbols present */
    entry *e;        /* the count list, ascending symbol order */
    uint32_t total;  /* sum of the counts */
    uint32_t ctx;    /* the context's k bytes, big-endian */
    uint32_t home;   /* prior nodes: offset of the list in the pool */
    uint32_t rank;   /* byte w: number of symbols in bm[0..w-1] */
    uint16_t n, cap; /* entries, room */
    uint8_t clean;   /* 0: a prior node changed by the current text, or a new node */
    uint8_t pad[3];
} node;
typedef char node_size_check[(sizeof(node) <= 64) ? 1 : -1];

/* ---- the prior, parsed once ------------------------------------------ */
static struct {
    int ok;
    uint32_t nctx;
    node *hdr;        /* pristine headers; e = the pristine list in `pool` */
    entry *pool;      /* pristine lists, back to back (+ 4 entries of padding) */
    size_t wpool_len; /* entries of a working copy's pool: the lists with room */
    uint64_t *hkeys;  /* open addressing: (k << 32 | ctx) + 1, 0 = empty */
    uint32_t *hid;    /* node id */
    uint32_t hmask;
    int32_t zero[MAX_ORDER + 1]; /* node id of the all-zero context of order k, or -1 */
    int popcnt;       /* the CPU has POPCNT (POPCNT_DISPATCH) */
} g_prior;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static inline uint64_t ctx_key(int k, uint32_t ctx) { return ((uint64_t)(unsigned)k << 32) | ctx; }
static inline uint32_t hash64(uint64_t key) { return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32); }

/* With GCC/Clang on x86 without -mpopcnt, the decoder is compiled twice and
 * the copy built for the POPCNT instruction is chosen at run time when the CPU
 * has it (gpc_ppm1_decode); the portable copy counts with the bit-trick
 * sequence below. -DGPC_PPM1_NO_DISPATCH builds the portable copy only. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(__POPCNT__) && !defined(GPC_PPM1_NO_DISPATCH)
#define POPCNT_DISPATCH 1
#endif

static inline unsigned popcount64(uint64_t x)
{
#if defined(__GNUC__) && (defined(__POPCNT__) || !(defined(__x86_64__) || defined(__i386__)))
    return (unsigned)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
#endif
}

/* the decoder's population count: hw is a constant in each copy of it */
#ifdef POPCNT_DISPATCH
#define PC64(x, hw) ((hw) ? (unsigned)__builtin_popcountll(x) : popcount64(x))
#else
#define PC64(x, hw) ((void)(hw), popcount64(x))
#endif

/* node id of context (k, ctx) in the prior, or -1 */
static int32_t prior_find(int k, uint32_t ctx)
{
    uint64_t key = ctx_key(k, ctx) + 1;
    uint32_t h = hash64(key - 1) & g_prior.hmask;
    while (g_prior.hkeys[h] != 0) {
        if (g_prior.hkeys[h] == key) return (int32_t)g_prior.hid[h];
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

/* room of a prior list in the working copy: a few insertions before it has
 * to move to the text's arena */
static unsigned home_cap(unsigned n)
{
    unsigned c = (n + 2 + (n >> 2) + 3) & ~3u; /* a multiple of 4 (ws_restore) */
    return c > 256 ? 256 : c;
}

static void prior_init(void)
{
    const uint8_t *p = gpc_ppm1_prior_bin;
    size_t n = gpc_ppm1_prior_len, pos, ci, off, poff, pass;
    char hex[65];
    uint32_t first[MAX_ORDER + 2]; /* node id of the first context of order k */
    int k;
    gpc_sha256_hex(p, n, hex);
    if (strcmp(hex, PRIOR_SHA256) != 0) return; /* TXC-13: never decode with another table */
    if (n < 8 || memcmp(p, "GPCPPM1\n", 8) != 0) return;
    for (pass = 0; pass < 2; pass++) { /* pass 0 sizes, pass 1 fills */
        pos = 8;
        ci = 0;
        off = 0;
        poff = 0;
        for (k = 0; k <= MAX_ORDER; k++) {
            uint64_t nk, j;
            uint64_t prev_ctx = 0;
            first[k] = (uint32_t)ci;
            if (rd_leb(p, n, &pos, &nk) != 0 || nk > n) return;
            for (j = 0; j < nk; j++) {
                uint32_t ctx = 0;
                uint64_t q1, t, sum = 0;
                int b;
                node *r = NULL;
                entry *e = NULL;
                if (pos + (size_t)k > n) return;
                for (b = 0; b < k; b++) ctx = (ctx << 8) | p[pos++];
                if (j > 0 && ctx <= prev_ctx) return; /* ascending, unique */
                prev_ctx = ctx;
                if (rd_leb(p, n, &pos, &q1) != 0 || q1 > 255) return;
                if (pass == 1) {
                    uint32_t h = hash64(ctx_key(k, ctx)) & g_prior.hmask;
                    r = &g_prior.hdr[ci];
                    memset(r, 0, sizeof *r);
                    r->ctx = ctx;
                    r->n = (uint16_t)(q1 + 1);
                    r->cap = (uint16_t)home_cap((unsigned)q1 + 1);
                    r->home = (uint32_t)off;
                    r->clean = 1;
                    r->e = e = g_prior.pool + poff;
                    while (g_prior.hkeys[h] != 0) h = (h + 1) & g_prior.hmask;
                    g_prior.hkeys[h] = ctx_key(k, ctx) + 1;
                    g_prior.hid[h] = (uint32_t)ci;
                }
                for (t = 0; t <= q1; t++) {
                    uint64_t c;
                    uint8_t s;
                    if (pos >= n) return;
                    s = p[pos++];
                    if (rd_leb(p, n, &pos, &c) != 0 || c < 1 || c > COUNT_LIMIT) return;
                    sum += c;
                    if (pass == 1) {
                        if (t > 0 && s <= e[t - 1].sym) return;
                        e[t].sym = s;
                        e[t].cnt = (uint16_t)c;
                        e[t].child = CH_NEW;
                        e[t].pad = 0;
                        r->bm[s >> 6] |= (uint64_t)1 << (s & 63);
                    }
                }
                if (sum > COUNT_LIMIT) return;
                if (pass == 1) {
                    r->total = (uint32_t)sum;
                    r->rank = popcount64(r->bm[0]) << 8;
                    r->rank |= (popcount64(r->bm[0]) + popcount64(r->bm[1])) << 16;
                    r->rank |= (popcount64(r->bm[0]) + popcount64(r->bm[1]) + popcount64(r->bm[2])) << 24;
                }
                off += home_cap((unsigned)q1 + 1);
                poff += (size_t)q1 + 1;
                ci++;
            }
        }
        first[MAX_ORDER + 1] = (uint32_t)ci;
        if (pos != n) return;
        if (pass == 0) {
            uint32_t hs = 1;
            if (ci > 0x1000000u || off > 0x7FFFFFF0u) return;
            while (hs < 2 * ci + 2) hs <<= 1;
            g_prior.nctx = (uint32_t)ci;
            g_prior.wpool_len = off;
            g_prior.hdr = calloc(ci ? ci : 1, sizeof(node));
            g_prior.pool = calloc(poff + 4, sizeof(entry));
            g_prior.hkeys = calloc(hs, sizeof(uint64_t));
            g_prior.hid = calloc(hs, sizeof(uint32_t));
            g_prior.hmask = hs - 1;
            if (!g_prior.hdr || !g_prior.pool || !g_prior.hkeys || !g_prior.hid) return;
        }
    }
    /* child links of the prior's entries; for order 4, the link to the
     * order-4 context of the next byte (the last 4 bytes) */
    for (k = 0; k <= MAX_ORDER; k++) {
        uint32_t id;
        for (id = first[k]; id < first[k + 1]; id++) {
            const node *r = &g_prior.hdr[id];
            entry *e = r->e;
            unsigned t;
            for (t = 0; t < r->n; t++) {
                int32_t ch = prior_find(k < MAX_ORDER ? k + 1 : MAX_ORDER, (r->ctx << 8) | e[t].sym);
                e[t].child = ch >= 0 ? ch : CH_NEW;
            }
        }
    }
    for (k = 0; k <= MAX_ORDER; k++) g_prior.zero[k] = prior_find(k, 0);
#ifdef POPCNT_DISPATCH
    __builtin_cpu_init();
    g_prior.popcnt = __builtin_cpu_supports("popcnt") ? 1 : 0;
#endif
    g_prior.ok = 1;
}

/* ---- per-thread workspace ------------------------------------------------
 * Reused from call to call (pthread key): the working copy of the prior
 * (nodes 0 .. nctx-1 and their lists in `pool`), room for the nodes of a
 * text (at most 5 * text_length + 5 new ones), the list of prior nodes the
 * text changed, and an arena of fixed-size blocks for lists that are new or
 * outgrow their room (reset per text). */
typedef struct {
    node *nodes;
    size_t capnodes;
    entry *pool;
    int32_t *dirty;
    unsigned char **blk;
    size_t nblk, capblk, curblk;
    unsigned char *ap; /* free part of the current block */
    size_t aleft;
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
    free(w->nodes);
    free(w->pool);
    free(w->dirty);
    free(w);
}

static void key_init(void)
{
    g_key_ok = pthread_key_create(&g_key, ws_free) == 0;
}

/* arena: n <= 256 entries, so any block holds it */
static void *ws_alloc_slow(ws_t *w, size_t n)
{
    if (w->curblk + 1 >= w->nblk) {
        unsigned char *b;
        if (w->nblk == w->capblk) {
            size_t nc = w->capblk ? w->capblk * 2 : 8;
            unsigned char **nb = realloc(w->blk, nc * sizeof *nb);
            if (!nb) return NULL;
            w->blk = nb;
            w->capblk = nc;
        }
        b = malloc(ARENA_BLK);
        if (!b) return NULL;
        w->blk[w->nblk++] = b;
        w->curblk = w->nblk - 1;
    } else w->curblk++;
    if (n > ARENA_BLK) return NULL;
    w->ap = w->blk[w->curblk] + n;
    w->aleft = ARENA_BLK - n;
    return w->ap - n;
}

static inline entry *ws_alloc_entries(ws_t *w, unsigned cap)
{
    size_t n = (size_t)cap * sizeof(entry);
    if (w->aleft >= n) {
        w->ap += n;
        w->aleft -= n;
        return (entry *)(void *)(w->ap - n);
    }
    return ws_alloc_slow(w, n);
}

static int ws_nodes_alloc(ws_t *w, size_t need)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, need * sizeof(node)) != 0) return -1;
    if (w->nodes) memcpy(p, w->nodes, (size_t)g_prior.nctx * sizeof(node));
    free(w->nodes);
    w->nodes = p;
    w->capnodes = need;
    return 0;
}

static ws_t *ws_get(size_t text_length)
{
    ws_t *w;
    size_t need = g_prior.nctx + (MAX_ORDER + 1) * text_length + MAX_ORDER + 2;
    pthread_once(&g_key_once, key_init);
    if (!g_key_ok) return NULL;
    w = pthread_getspecific(g_key);
    if (!w) {
        uint32_t i;
        w = calloc(1, sizeof *w);
        if (!w) return NULL;
        w->pool = malloc((g_prior.wpool_len ? g_prior.wpool_len : 1) * sizeof(entry));
        /* nctx + 1: touch() writes dl[nd] before it knows whether nd grows */
        w->dirty = malloc(((size_t)g_prior.nctx + 1) * sizeof(int32_t));
        if (!w->pool || !w->dirty || ws_nodes_alloc(w, need < 4096 + g_prior.nctx ? 4096 + g_prior.nctx : need) != 0 ||
            pthread_setspecific(g_key, w) != 0) {
            ws_free(w);
            return NULL;
        }
        for (i = 0; i < g_prior.nctx; i++) {
            const node *p = &g_prior.hdr[i];
            w->nodes[i] = *p;
            w->nodes[i].e = w->pool + p->home;
            memcpy(w->nodes[i].e, p->e, (size_t)p->n * sizeof(entry));
        }
    }
    if (w->capnodes < need && ws_nodes_alloc(w, need) != 0) return NULL;
    /* the arena's blocks are reused: block 0 first (or none yet) */
    w->curblk = 0;
    w->ap = w->nblk ? w->blk[0] : NULL;
    w->aleft = w->nblk ? ARENA_BLK : 0;
    return w;
}

/* the working copy equals the prior again */
static void ws_restore(ws_t *w, size_t ndirty)
{
    size_t i;
    for (i = 0; i < ndirty; i++) {
        int32_t id = w->dirty[i];
        const node *p = &g_prior.hdr[id];
        node *h = &w->nodes[id];
        const entry *src = p->e; /* padded: reading up to 3 entries past n is safe */
        entry *dst = w->pool + p->home;
        unsigned j;
        *h = *p;
        h->e = dst;
        for (j = 0; j < p->n; j += 4) { /* the room is a multiple of 4 */
            dst[j] = src[j];
            dst[j + 1] = src[j + 1];
            dst[j + 2] = src[j + 2];
            dst[j + 3] = src[j + 3];
        }
    }
}

/* insert symbol b (absent) at index j of node h's list, count 0; -1 when out
 * of memory */
static int node_insert(ws_t *w, node *h, unsigned j, unsigned b)
{
    entry *e = h->e;
    unsigned i;
    if (h->n == h->cap) {
        unsigned cap = h->cap ? h->cap * 2u : 4u;
        entry *ne;
        if (cap > 256) cap = 256;
        ne = ws_alloc_entries(w, cap);
        if (!ne) return -1;
        for (i = 0; i < j; i++) ne[i] = e[i];
        for (i = j; i < h->n; i++) ne[i + 1] = e[i];
        h->e = e = ne;
        h->cap = (uint16_t)cap;
    } else {
        for (i = h->n; i > j; i--) e[i] = e[i - 1];
    }
    e[j].child = CH_LOOKUP;
    e[j].cnt = 0;
    e[j].sym = (uint8_t)b;
    e[j].pad = 0;
    h->bm[b >> 6] |= (uint64_t)1 << (b & 63);
    h->rank += 0x01010100u << (8 * (b >> 6));
    h->n++;
    return 0;
}

static void node_halve(node *h)
{
    entry *e = h->e;
    uint32_t t = 0;
    unsigned j;
    for (j = 0; j < h->n; j++) {
        e[j].cnt = (uint16_t)((e[j].cnt + 1u) >> 1);
        t += e[j].cnt;
    }
    h->total = t;
}

/* a new, empty node for context (k bytes) ctx */
static inline int32_t node_new(node *nodes, uint32_t *nnodes, uint32_t ctx)
{
    node *h = &nodes[*nnodes];
    memset(h, 0, sizeof *h);
    h->ctx = ctx; /* clean = 0: never in the restore list */
    return (int32_t)(*nnodes)++;
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))
#else
#define ALWAYS_INLINE inline
#define NOINLINE
#endif

/* node id of the order-(k+1) context (context of h + byte b) for a child
 * link c < 0 */
static NOINLINE int32_t resolve_child(node *nodes, uint32_t *nnodes, const int32_t *zero, const node *h,
                                      int k, int32_t c, unsigned b)
{
    uint32_t cctx = (h->ctx << 8) | b;
    if (c == CH_LOOKUP) c = prior_find(k + 1, cctx);
    if (c < 0) c = (cctx == 0) ? zero[k + 1] : node_new(nodes, nnodes, cctx);
    return c;
}

/* TXC-10 for byte b in the order-k context cur[k] (its entry index is jc if
 * k = kc, the order that coded it); returns its entry, NULL when out of
 * memory */
static ALWAYS_INLINE entry *update(ws_t *w, node *h, int k, int kc, unsigned jc, unsigned b,
                                   unsigned bw, uint64_t below, int hw)
{
    entry *e;
    unsigned j;
    if (k == kc) j = jc;
    else {
        uint64_t word = h->bm[bw];
        j = ((h->rank >> (8 * bw)) & 255u) + PC64(word & below, hw);
        if (!((word >> (b & 63)) & 1) && node_insert(w, h, j, b) != 0) return NULL;
    }
    e = h->e + j;
    e->cnt = (uint16_t)(e->cnt + TEXT_INCREMENT);
    h->total += TEXT_INCREMENT;
    if (h->total > COUNT_LIMIT) node_halve(h);
    return e;
}

/* node x becomes a context of the next byte: note it for ws_restore */
static ALWAYS_INLINE node *touch(node *nodes, int32_t c, int32_t *dl, size_t *nd)
{
    node *x = &nodes[c];
    dl[*nd] = c;
    *nd += x->clean;
    x->clean = 0;
    return x;
}

#define BYTE(i) ((i) < len ? data[(i)] : 0u)
#define RENORM() do { while (range < TOP) { code = (code << 8) | BYTE(pos); pos++; range <<= 8; } } while (0)

static ALWAYS_INLINE gpc_result decode(ws_t *w, size_t *ndirty, const uint8_t *data, size_t len,
                                       size_t text_length, uint8_t *out, gpc_info *info, int hw)
{
    node *const N = w->nodes;
    int32_t *const dl = w->dirty;
    size_t nd = 0, pos, i;
    uint32_t nnodes = g_prior.nctx;
    uint32_t code, range;
    node *cur[MAX_ORDER + 1];
    int32_t zero[MAX_ORDER + 1];
    int k;
    gpc_result res = GPC_VALID;

    /* contexts of byte 0: k zero bytes (TXC-8) */
    for (k = 0; k <= MAX_ORDER; k++) {
        int32_t id = g_prior.zero[k];
        if (id < 0) id = node_new(N, &nnodes, 0);
        else {
            dl[nd] = id;
            nd += N[id].clean;
            N[id].clean = 0;
        }
        zero[k] = id;
        cur[k] = &N[id];
    }

    code = (uint32_t)BYTE(0) << 24 | (uint32_t)BYTE(1) << 16 | (uint32_t)BYTE(2) << 8 | BYTE(3);
    range = 0xFFFFFFFFu;
    pos = 4;

    for (i = 0; i < text_length; i++) {
        int kc = -1;
        unsigned b = 0, jc = 0;
        /* TXC-9: the first order with a list codes without exclusions */
        for (k = MAX_ORDER; k >= 0 && cur[k]->n == 0; k--) {}
        if (k >= 0) {
            const node *h = cur[k];
            uint32_t n = h->total, T = n + h->n, r, v;
            /* TXC-6 with v = code // r compared through products instead of
             * a second division: v >= x <=> code >= r * x (r * T <= range) */
            r = range / T;
            if (code >= r * T) {
                res = gpc_fail(info, "TXT-3", "gpc-ppm1: range decoder value out of range at byte %zu (TXC-6)", i);
                goto done;
            }
            if (code < r * n) {
                const entry *e = h->e;
                uint32_t lo = 0, hi;
                unsigned j = 0;
                while (code >= (hi = lo + r * e[j].cnt)) {
                    lo = hi;
                    j++;
                }
                b = e[j].sym;
                code -= lo;
                range = hi - lo;
                RENORM();
                kc = k;
                jc = j;
            } else { /* escape, then the lower orders with exclusions */
                uint64_t X[4];
                code -= r * n;
                range = r * h->n;
                RENORM();
                memcpy(X, h->bm, sizeof X);
                for (k--; k >= 0; k--) {
                    const node *g = cur[k];
                    const entry *e = g->e;
                    uint32_t q = 0, cum = 0, freq = 0;
                    unsigned j;
                    if (g->n == 0) continue;
                    if (!((g->bm[0] & ~X[0]) | (g->bm[1] & ~X[1]) | (g->bm[2] & ~X[2]) | (g->bm[3] & ~X[3])))
                        continue;
                    n = 0;
                    for (j = 0; j < g->n; j++) {
                        unsigned s = e[j].sym;
                        if (!(X[s >> 6] >> (s & 63) & 1)) { n += e[j].cnt; q++; }
                    }
                    T = n + q;
                    r = range / T;
                    v = code / r;
                    if (v >= T) {
                        res = gpc_fail(info, "TXT-3", "gpc-ppm1: range decoder value out of range at byte %zu (TXC-6)", i);
                        goto done;
                    }
                    if (v >= n) {
                        code -= r * n;
                        range = r * q;
                        RENORM();
                        X[0] |= g->bm[0];
                        X[1] |= g->bm[1];
                        X[2] |= g->bm[2];
                        X[3] |= g->bm[3];
                        continue;
                    }
                    for (j = 0;; j++) {
                        unsigned s = e[j].sym;
                        if (X[s >> 6] >> (s & 63) & 1) continue;
                        if (v < cum + e[j].cnt) { freq = e[j].cnt; b = s; break; }
                        cum += e[j].cnt;
                    }
                    code -= r * cum;
                    range = r * freq;
                    RENORM();
                    kc = k;
                    jc = j;
                    break;
                }
                if (kc < 0) { /* order -1 over the bytes not in X */
                    uint32_t m = 256 - (PC64(X[0], hw) + PC64(X[1], hw) + PC64(X[2], hw) + PC64(X[3], hw)), cnt = 0;
                    unsigned s;
                    if (m == 0) {
                        res = gpc_fail(info, "TXT-3", "gpc-ppm1: escape into an empty order -1 (every byte value excluded, TXC-16)");
                        goto done;
                    }
                    r = range / m;
                    v = code / r;
                    if (v >= m) {
                        res = gpc_fail(info, "TXT-3", "gpc-ppm1: range decoder value out of range at byte %zu (TXC-6)", i);
                        goto done;
                    }
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
            }
        } else { /* no order has a list: order -1 over all 256 byte values */
            uint32_t r = range / 256, v = code / r;
            if (v >= 256) {
                res = gpc_fail(info, "TXT-3", "gpc-ppm1: range decoder value out of range at byte %zu (TXC-6)", i);
                goto done;
            }
            b = v;
            code -= r * v;
            range = r;
            RENORM();
        }
        out[i] = (uint8_t)b;
        /* TXC-10 at every order, then the child links give the next contexts */
        {
            const unsigned bw = b >> 6;
            const uint64_t below = ((uint64_t)1 << (b & 63)) - 1;
            entry *e4, *e;
            int32_t c;
            /* order 4: its entry's link is the next byte's order-4 context
             * (last 4 bytes), once known: found without the order-3 entry */
            if (!(e4 = update(w, cur[4], 4, kc, jc, b, bw, below, hw))) goto nomem;
            if (!(e = update(w, cur[3], 3, kc, jc, b, bw, below, hw))) goto nomem;
            c = e4->child;
            if (c < 0) {
                c = e->child;
                if (c < 0) e->child = c = resolve_child(N, &nnodes, zero, cur[3], 3, c, b);
                e4->child = c;
            }
            cur[4] = touch(N, c, dl, &nd);
            for (k = 2; k >= 0; k--) {
                if (!(e = update(w, cur[k], k, kc, jc, b, bw, below, hw))) goto nomem;
                c = e->child;
                if (c < 0) e->child = c = resolve_child(N, &nnodes, zero, cur[k], k, c, b);
                cur[k + 1] = touch(N, c, dl, &nd);
            }
        }
    }
    if (len > pos) /* TXC-7 */
        res = gpc_fail(info, "TXT-3", "gpc-ppm1: %zu unread bytes after the last symbol (TXC-7)", len - pos);
    else if (len > 0 && data[len - 1] == 0)
        res = gpc_fail(info, "TXT-3", "gpc-ppm1: data ends with a 0x00 byte (TXC-7)");
done:
    *ndirty = nd;
    return res;
nomem:
    *ndirty = nd;
    return GPC_ENOMEM;
}
#undef BYTE
#undef RENORM

static gpc_result decode_portable(ws_t *w, size_t *ndirty, const uint8_t *data, size_t len,
                                  size_t text_length, uint8_t *out, gpc_info *info)
{
    return decode(w, ndirty, data, len, text_length, out, info, 0);
}

#ifdef POPCNT_DISPATCH
__attribute__((target("popcnt")))
static gpc_result decode_popcnt(ws_t *w, size_t *ndirty, const uint8_t *data, size_t len,
                                size_t text_length, uint8_t *out, gpc_info *info)
{
    return decode(w, ndirty, data, len, text_length, out, info, 1);
}
#endif

gpc_result gpc_ppm1_decode(const uint8_t *data, size_t len, size_t text_length,
                           uint8_t *out, size_t out_cap, gpc_info *info)
{
    ws_t *w;
    size_t nd = 0;
    gpc_result res;

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
#ifdef POPCNT_DISPATCH
    if (g_prior.popcnt)
        res = decode_popcnt(w, &nd, data, len, text_length, out, info);
    else
#endif
        res = decode_portable(w, &nd, data, len, text_length, out, info);
    ws_restore(w, nd);
    return res;
}

/* gpc-ppm1 text decoder (spec/text-codec.md). */
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

/* A count list: pairs in ascending symbol order. */
typedef struct {
    uint8_t *sym;
    uint16_t *cnt;
    uint32_t total; /* sum of counts */
    uint16_t n;     /* number of pairs; 0 = no count list */
    uint16_t cap;
} plist;

/* ---- the prior, parsed once ------------------------------------------ */
typedef struct {
    int ok;
    size_t nctx;
    plist *lists;       /* nctx lists, viewing syms/cnts below */
    uint8_t *syms;
    uint16_t *cnts;
    int32_t *pchild;    /* per pair: -(prior index + 2) of context (k+1, ctx.s), or -1 */
    uint32_t *ctxval;   /* per context: its bytes, big-endian */
    uint8_t *order;     /* per context: k */
    uint64_t *hkeys;    /* open addressing, hsize slots, key+1 (0 = empty) */
    uint32_t *hidx;
    uint32_t hmask;
} prior_t;

static prior_t g_prior;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static inline uint64_t ctx_key(int k, uint32_t ctx)
{
    return ((uint64_t)(unsigned)k << 32) | ctx;
}

static inline uint32_t hash64(uint64_t key)
{
    key *= 0x9E3779B97F4A7C15ull;
    return (uint32_t)(key >> 32);
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

static const plist *prior_find(int k, uint32_t ctx)
{
    uint64_t key = ctx_key(k, ctx) + 1;
    uint32_t h = hash64(key - 1) & g_prior.hmask;
    while (g_prior.hkeys[h] != 0) {
        if (g_prior.hkeys[h] == key) return &g_prior.lists[g_prior.hidx[h]];
        h = (h + 1) & g_prior.hmask;
    }
    return NULL;
}


static void prior_init(void)
{
    const uint8_t *p = gpc_ppm1_prior_bin;
    size_t n = gpc_ppm1_prior_len, pos = 8, total_ctx = 0, total_pairs = 0;
    size_t pass, ci, pi;
    char hex[65];
    int k;
    gpc_sha256_hex(p, n, hex);
    if (strcmp(hex, PRIOR_SHA256) != 0) return; /* TXC-13: never decode with another table */
    if (n < 8 || memcmp(p, "GPCPPM1\n", 8) != 0) return;
    /* pass 0 counts, pass 1 fills */
    for (pass = 0; pass < 2; pass++) {
        pos = 8;
        ci = 0;
        pi = 0;
        for (k = 0; k <= MAX_ORDER; k++) {
            uint64_t nk, j;
            if (rd_leb(p, n, &pos, &nk) != 0 || nk > n) return;
            for (j = 0; j < nk; j++) {
                uint32_t ctx = 0;
                uint64_t q1, t, sum = 0;
                int b;
                if (pos + (size_t)k > n) return;
                for (b = 0; b < k; b++) ctx = (ctx << 8) | p[pos++];
                if (rd_leb(p, n, &pos, &q1) != 0 || q1 > 255) return;
                if (pass == 1) {
                    plist *L = &g_prior.lists[ci];
                    g_prior.ctxval[ci] = ctx;
                    g_prior.order[ci] = (uint8_t)k;
                    uint32_t h;
                    L->sym = g_prior.syms + pi;
                    L->cnt = g_prior.cnts + pi;
                    L->n = (uint16_t)(q1 + 1);
                    L->cap = L->n;
                    h = hash64(ctx_key(k, ctx)) & g_prior.hmask;
                    while (g_prior.hkeys[h] != 0) {
                        if (g_prior.hkeys[h] == ctx_key(k, ctx) + 1) return; /* duplicate */
                        h = (h + 1) & g_prior.hmask;
                    }
                    g_prior.hkeys[h] = ctx_key(k, ctx) + 1;
                    g_prior.hidx[h] = (uint32_t)ci;
                }
                for (t = 0; t <= q1; t++) {
                    uint64_t c;
                    uint8_t s;
                    if (pos >= n) return;
                    s = p[pos++];
                    if (rd_leb(p, n, &pos, &c) != 0 || c < 1 || c > COUNT_LIMIT) return;
                    sum += c;
                    if (pass == 1) {
                        if (t > 0 && s <= g_prior.syms[pi - 1]) return;
                        g_prior.syms[pi] = s;
                        g_prior.cnts[pi] = (uint16_t)c;
                    }
                    pi++;
                }
                if (sum > COUNT_LIMIT) return;
                if (pass == 1) g_prior.lists[ci].total = (uint32_t)sum;
                ci++;
            }
        }
        if (pos != n) return;
        if (pass == 1) {
            /* child links: context (k, c) and symbol s lead to context (k+1, c.s) */
            size_t c2;
            for (c2 = 0; c2 < total_ctx; c2++) {
                plist *L = &g_prior.lists[c2];
                unsigned j, kk = g_prior.order[c2];
                for (j = 0; j < L->n; j++) {
                    const plist *ch = kk < MAX_ORDER ? prior_find((int)kk + 1, (g_prior.ctxval[c2] << 8) | L->sym[j]) : NULL;
                    g_prior.pchild[(size_t)(L->sym - g_prior.syms) + j] =
                        ch ? -(int32_t)(ch - g_prior.lists) - 2 : -1;
                }
            }
        }
        if (pass == 0) {
            uint32_t hs = 1;
            total_ctx = ci;
            total_pairs = pi;
            while (hs < 2 * total_ctx + 2) hs <<= 1;
            g_prior.nctx = total_ctx;
            g_prior.lists = calloc(total_ctx ? total_ctx : 1, sizeof(plist));
            g_prior.syms = malloc(total_pairs ? total_pairs : 1);
            g_prior.cnts = malloc((total_pairs ? total_pairs : 1) * sizeof(uint16_t));
            g_prior.hkeys = calloc(hs, sizeof(uint64_t));
            g_prior.hidx = calloc(hs, sizeof(uint32_t));
            g_prior.pchild = malloc((total_pairs ? total_pairs : 1) * sizeof(int32_t));
            g_prior.ctxval = malloc((total_ctx ? total_ctx : 1) * sizeof(uint32_t));
            g_prior.order = malloc(total_ctx ? total_ctx : 1);
            g_prior.hmask = hs - 1;
            if (!g_prior.lists || !g_prior.syms || !g_prior.cnts || !g_prior.hkeys ||
                !g_prior.hidx || !g_prior.pchild || !g_prior.ctxval || !g_prior.order)
                return;
        }
    }
    g_prior.ok = 1;
}

/* ---- per-text working table -------------------------------------------
 * Every context met in the text gets a node, found without hashing: the
 * order-(k+1) context of the next byte is the order-k context of this byte
 * followed by the byte, so each list entry keeps a link to that child node
 * (a working node id >= 0, -(prior index + 2) while only the prior has it, or
 * -1 when no table holds it yet). The workspace is per thread (pthread key),
 * reused from call to call; its size is bounded by 5 * text_length nodes and
 * their lists (at most 16,384 * 5 nodes). */
typedef struct {
    uint64_t bm[4];     /* symbols present */
    uint8_t *sym;
    uint16_t *cnt;
    int32_t *child;
    uint32_t total;
    uint32_t ctx;   /* context bytes, big-endian */
    uint16_t n, cap;
} wnode;

typedef struct {
    wnode *nodes;
    size_t nnodes, capnodes;
    uint32_t *p2w, *p2w_gen, gen; /* prior index -> working node, valid when gen matches */
    unsigned char **blk;          /* arena blocks of ARENA_BLK bytes (or larger) */
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
    free(w->p2w_gen);
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
        /* a new block, inserted after the current one */
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
        w->p2w = malloc(g_prior.nctx * sizeof(uint32_t));
        w->p2w_gen = calloc(g_prior.nctx, sizeof(uint32_t));
        if (!w->p2w || !w->p2w_gen || pthread_setspecific(g_key, w) != 0) {
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
        memset(w->p2w_gen, 0, g_prior.nctx * sizeof(uint32_t));
        w->gen = 1;
    }
    return w;
}

/* list storage for cap entries */
static int wnode_alloc(ws_t *w, wnode *nd, unsigned cap)
{
    unsigned char *m = ws_alloc(w, (size_t)cap * 7);
    if (!m) return -1;
    nd->child = (int32_t *)(void *)m;
    nd->cnt = (uint16_t *)(void *)(m + (size_t)cap * 4);
    nd->sym = m + (size_t)cap * 6;
    nd->cap = (uint16_t)cap;
    return 0;
}

/* working node of prior context pidx (created from the prior on first use) */
static int32_t node_from_prior(ws_t *w, uint32_t pidx)
{
    const plist *L;
    wnode *nd;
    unsigned cap;
    if (w->p2w_gen[pidx] == w->gen) return (int32_t)w->p2w[pidx];
    L = &g_prior.lists[pidx];
    nd = &w->nodes[w->nnodes];
    cap = L->n + 4u;
    if (cap > 256) cap = 256;
    if (wnode_alloc(w, nd, cap) != 0) return -1;
    {
        const int32_t *pc = g_prior.pchild + (L->sym - g_prior.syms);
        unsigned j;
        nd->bm[0] = nd->bm[1] = nd->bm[2] = nd->bm[3] = 0;
        for (j = 0; j < L->n; j++) {
            unsigned s = L->sym[j];
            nd->sym[j] = (uint8_t)s;
            nd->cnt[j] = L->cnt[j];
            nd->child[j] = pc[j];
            nd->bm[s >> 6] |= (uint64_t)1 << (s & 63);
        }
    }
    nd->n = L->n;
    nd->total = L->total;
    nd->ctx = g_prior.ctxval[pidx];
    w->p2w[pidx] = (uint32_t)w->nnodes;
    w->p2w_gen[pidx] = w->gen;
    return (int32_t)w->nnodes++;
}

static int32_t node_new(ws_t *w, uint32_t ctx)
{
    wnode *nd = &w->nodes[w->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->ctx = ctx;
    return (int32_t)w->nnodes++;
}

/* node for context (k, ctx), searching the prior (used only at the start) */
static int32_t node_lookup(ws_t *w, int k, uint32_t ctx)
{
    const plist *pl = prior_find(k, ctx);
    if (pl) return node_from_prior(w, (uint32_t)(pl - g_prior.lists));
    return node_new(w, ctx);
}

/* TXC-10 update of symbol b in node nd (order k); returns the entry index or -1 */
static int node_update(ws_t *w, wnode *nd, int k, uint8_t b, int zero_child)
{
    unsigned i, lo = 0, hi = nd->n;
    if (hi <= 12) {
        while (lo < hi && nd->sym[lo] < b) lo++;
    } else {
        while (lo < hi) {
            unsigned mid = (lo + hi) >> 1;
            if (nd->sym[mid] < b) lo = mid + 1; else hi = mid;
        }
    }
    i = lo;
    if (nd->bm[b >> 6] >> (b & 63) & 1) {
        nd->cnt[i] = (uint16_t)(nd->cnt[i] + TEXT_INCREMENT);
    } else {
        const plist *ch;
        unsigned j;
        if (nd->n == nd->cap) {
            unsigned cap = nd->cap ? nd->cap * 2u : 4u;
            wnode old = *nd;
            if (cap > 256) cap = 256;
            if (wnode_alloc(w, nd, cap) != 0) return -1;
            for (j = 0; j < old.n; j++) {
                nd->sym[j] = old.sym[j];
                nd->cnt[j] = old.cnt[j];
                nd->child[j] = old.child[j];
            }
        }
        for (j = nd->n; j > i; j--) {
            nd->sym[j] = nd->sym[j - 1];
            nd->cnt[j] = nd->cnt[j - 1];
            nd->child[j] = nd->child[j - 1];
        }
        nd->sym[i] = b;
        nd->cnt[i] = TEXT_INCREMENT;
        nd->bm[b >> 6] |= (uint64_t)1 << (b & 63);
        ch = k < MAX_ORDER ? prior_find(k + 1, (nd->ctx << 8) | b) : NULL;
        nd->child[i] = ch ? -(int32_t)(ch - g_prior.lists) - 2 : (zero_child >= 0 ? zero_child : -1);
        nd->n++;
    }
    nd->total += TEXT_INCREMENT;
    if (nd->total > COUNT_LIMIT) {
        uint32_t t = 0;
        unsigned j;
        for (j = 0; j < nd->n; j++) {
            nd->cnt[j] = (uint16_t)((nd->cnt[j] + 1u) >> 1);
            t += nd->cnt[j];
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

    /* contexts of byte 0: k zero bytes */
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
        for (k = MAX_ORDER; k >= 0; k--) {
            wnode *nd = &w->nodes[cur[k]];
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
                    unsigned s = nd->sym[j];
                    if (!(X[s >> 6] >> (s & 63) & 1)) { n += nd->cnt[j]; q++; }
                }
            }
            T = n + q;
            r = range / T;
            v = code / r;
            if (v >= T)
                return gpc_fail(info, "TXT-3", "gpc-ppm1: range decoder value out of range at byte %zu (TXC-6)", i);
            if (v >= n) { /* escape */
                cum = n;
                freq = q;
                X[0] |= nd->bm[0];
                X[1] |= nd->bm[1];
                X[2] |= nd->bm[2];
                X[3] |= nd->bm[3];
                anyx = 1;
                code -= r * cum;
                range = r * freq;
                RENORM();
                continue;
            }
            if (!anyx) {
                for (j = 0;; j++) {
                    uint32_t c = nd->cnt[j];
                    if (v < cum + c) { freq = c; b = nd->sym[j]; break; }
                    cum += c;
                }
            } else {
                for (j = 0;; j++) {
                    unsigned s = nd->sym[j];
                    if (X[s >> 6] >> (s & 63) & 1) continue;
                    if (v < cum + nd->cnt[j]) { freq = nd->cnt[j]; b = s; break; }
                    cum += nd->cnt[j];
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
                return gpc_fail(info, "TXT-3", "gpc-ppm1: every byte value excluded at order -1 (TXC-9)");
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
        /* TXC-10 update at every order, then follow the child links to the
         * contexts of the next byte */
        for (k = MAX_ORDER; k >= 0; k--) {
            wnode *nd = &w->nodes[cur[k]];
            int zc = (b == 0 && cur[k] == zero_node[k]) ? zero_node[k + 1] : -1;
            int j = node_update(w, nd, k, (uint8_t)b, zc);
            if (j < 0) return GPC_ENOMEM;
            if (k < MAX_ORDER) {
                int32_t c = nd->child[j];
                if (c < 0) {
                    c = (c == -1) ? node_new(w, (nd->ctx << 8) | b) : node_from_prior(w, (uint32_t)(-c - 2));
                    if (c < 0) return GPC_ENOMEM;
                    nd = &w->nodes[cur[k]];
                    nd->child[j] = c;
                }
                cur[k + 1] = c;
            }
        }
        cur[0] = zero_node[0];
    }
#undef BYTE
#undef RENORM
    if (len > pos)
        return gpc_fail(info, "TXT-3", "gpc-ppm1: %zu unread bytes after the last symbol (TXC-7)", len - pos);
    if (len > 0 && data[len - 1] == 0)
        return gpc_fail(info, "TXT-3", "gpc-ppm1: data ends with a 0x00 byte (TXC-7)");
    return GPC_VALID;
}

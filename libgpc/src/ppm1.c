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
            g_prior.hmask = hs - 1;
            if (!g_prior.lists || !g_prior.syms || !g_prior.cnts || !g_prior.hkeys ||
                !g_prior.hidx)
                return;
        }
    }
    g_prior.ok = 1;
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

/* ---- per-text working table ------------------------------------------- */
typedef struct {
    uint64_t key;   /* ctx_key + 1 */
    plist L;
    int own;        /* L's storage belongs to this text (copied / created) */
} node_t;

typedef struct arena_blk { struct arena_blk *next; size_t used, cap; } arena_blk;

typedef struct {
    node_t *nodes;
    size_t nnodes, capnodes;
    uint32_t *slots;  /* index+1 into nodes */
    uint32_t smask;
    arena_blk *blk;
} work_t;

static void *arena_alloc(work_t *w, size_t n)
{
    arena_blk *b = w->blk;
    n = (n + 7) & ~(size_t)7;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = malloc(sizeof(arena_blk) + cap);
        if (!b) return NULL;
        b->next = w->blk;
        b->used = 0;
        b->cap = cap;
        w->blk = b;
    }
    {
        void *r = (unsigned char *)(b + 1) + b->used;
        b->used += n;
        return r;
    }
}

static node_t *work_get(work_t *w, int k, uint32_t ctx)
{
    uint64_t key = ctx_key(k, ctx) + 1;
    uint32_t h = hash64(key - 1) & w->smask;
    node_t *nd;
    const plist *pl;
    while (w->slots[h] != 0) {
        nd = &w->nodes[w->slots[h] - 1];
        if (nd->key == key) return nd;
        h = (h + 1) & w->smask;
    }
    if (w->nnodes >= w->capnodes) return NULL; /* cannot happen: sized for 5 * text_length */
    nd = &w->nodes[w->nnodes++];
    w->slots[h] = (uint32_t)w->nnodes;
    nd->key = key;
    nd->own = 0;
    pl = prior_find(k, ctx);
    if (pl) nd->L = *pl;
    else memset(&nd->L, 0, sizeof nd->L);
    return nd;
}

/* add TEXT_INCREMENT to symbol b in nd's list, copying on first write */
static int work_update(work_t *w, node_t *nd, uint8_t b)
{
    plist *L = &nd->L;
    unsigned i, lo = 0, hi = L->n;
    while (lo < hi) { /* first index with sym >= b */
        unsigned mid = (lo + hi) / 2;
        if (L->sym[mid] < b) lo = mid + 1; else hi = mid;
    }
    i = lo;
    if (i < L->n && L->sym[i] == b && nd->own) {
        L->cnt[i] = (uint16_t)(L->cnt[i] + TEXT_INCREMENT);
    } else {
        int present = (i < L->n && L->sym[i] == b);
        unsigned need = L->n + (present ? 0u : 1u);
        if (!nd->own || need > L->cap) {
            unsigned cap = need + (need >> 1) + 2;
            uint8_t *ns;
            uint16_t *nc;
            if (cap > 256) cap = 256;
            ns = arena_alloc(w, cap);
            nc = arena_alloc(w, cap * sizeof(uint16_t));
            if (!ns || !nc) return -1;
            if (L->n) {
                memcpy(ns, L->sym, L->n);
                memcpy(nc, L->cnt, L->n * sizeof(uint16_t));
            }
            L->sym = ns;
            L->cnt = nc;
            L->cap = (uint16_t)cap;
            nd->own = 1;
        }
        if (present) {
            L->cnt[i] = (uint16_t)(L->cnt[i] + TEXT_INCREMENT);
        } else {
            memmove(L->sym + i + 1, L->sym + i, L->n - i);
            memmove(L->cnt + i + 1, L->cnt + i, (L->n - i) * sizeof(uint16_t));
            L->sym[i] = b;
            L->cnt[i] = TEXT_INCREMENT;
            L->n++;
        }
    }
    L->total += TEXT_INCREMENT;
    if (L->total > COUNT_LIMIT) {
        uint32_t t = 0;
        for (i = 0; i < L->n; i++) {
            L->cnt[i] = (uint16_t)((L->cnt[i] + 1u) >> 1);
            t += L->cnt[i];
        }
        L->total = t;
    }
    return 0;
}

static void work_free(work_t *w)
{
    arena_blk *b = w->blk;
    while (b) {
        arena_blk *nx = b->next;
        free(b);
        b = nx;
    }
    free(w->nodes);
    free(w->slots);
}

gpc_result gpc_ppm1_decode(const uint8_t *data, size_t len, size_t text_length,
                           uint8_t *out, size_t out_cap, gpc_info *info)
{
    work_t w;
    uint32_t code, range;
    size_t pos, i;
    uint8_t hist[MAX_ORDER + 1]; /* unused slot keeps indexing simple */
    uint32_t h4 = 0;             /* last 4 bytes, big-endian (oldest first) */
    gpc_result res = GPC_VALID;
    uint32_t ss;

    if ((!data && len) || (!out && text_length) || text_length > MAX_TEXT || out_cap < text_length)
        return GPC_EUSAGE;
    (void)hist;
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

    memset(&w, 0, sizeof w);
    w.capnodes = (MAX_ORDER + 1) * text_length + 1;
    ss = 16;
    while (ss < 2 * w.capnodes) ss <<= 1;
    w.smask = ss - 1;
    w.nodes = malloc(w.capnodes * sizeof(node_t));
    w.slots = calloc(ss, sizeof(uint32_t));
    if (!w.nodes || !w.slots) {
        work_free(&w);
        return GPC_ENOMEM;
    }

#define BYTE(i) ((i) < len ? data[(i)] : 0u)
    code = (uint32_t)BYTE(0) << 24 | (uint32_t)BYTE(1) << 16 | (uint32_t)BYTE(2) << 8 | BYTE(3);
    range = 0xFFFFFFFFu;
    pos = 4;

    for (i = 0; i < text_length; i++) {
        node_t *nd[MAX_ORDER + 1];
        uint64_t X[4] = {0, 0, 0, 0};
        int k, found = 0, anyx = 0;
        unsigned b = 0;
        for (k = 0; k <= MAX_ORDER; k++) {
            uint32_t ctx = k == 0 ? 0 : (k == 4 ? h4 : (h4 & ((1u << (8 * k)) - 1)));
            nd[k] = work_get(&w, k, ctx);
            if (!nd[k]) { res = GPC_ENOMEM; goto done; }
        }
        for (k = MAX_ORDER; k >= 0 && !found; k--) {
            plist *L = &nd[k]->L;
            uint32_t n = 0, q = 0, T, r, v, cum = 0, freq = 0;
            unsigned j;
            if (L->n == 0) continue;
            if (!anyx) {
                n = L->total;
                q = L->n;
            } else {
                for (j = 0; j < L->n; j++) {
                    unsigned s = L->sym[j];
                    if (!(X[s >> 6] >> (s & 63) & 1)) { n += L->cnt[j]; q++; }
                }
                if (q == 0) continue;
            }
            T = n + q;
            r = range / T;
            v = code / r;
            if (v >= T) {
                res = gpc_fail(info, "TXT-3", "gpc-ppm1: range decoder value out of range at byte %zu (TXC-6)", i);
                goto done;
            }
            if (v >= n) { /* escape */
                cum = n;
                freq = q;
                for (j = 0; j < L->n; j++) {
                    unsigned s = L->sym[j];
                    X[s >> 6] |= (uint64_t)1 << (s & 63);
                }
                anyx = 1;
            } else {
                for (j = 0; j < L->n; j++) {
                    unsigned s = L->sym[j];
                    if (anyx && (X[s >> 6] >> (s & 63) & 1)) continue;
                    if (v < cum + L->cnt[j]) { freq = L->cnt[j]; b = s; break; }
                    cum += L->cnt[j];
                }
                found = 1;
            }
            code -= r * cum;
            range = r * freq;
            while (range < TOP) {
                code = (code << 8) | BYTE(pos);
                pos++;
                range <<= 8;
            }
        }
        if (!found) { /* order -1 */
            uint32_t m = 0, r, v, cnt = 0;
            unsigned s;
            for (s = 0; s < 256; s++) if (!(X[s >> 6] >> (s & 63) & 1)) m++;
            if (m == 0) { /* cannot happen: X holds only symbols of lists, which never include all... */
                res = gpc_fail(info, "TXT-3", "gpc-ppm1: no symbol left at order -1");
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
            while (range < TOP) {
                code = (code << 8) | BYTE(pos);
                pos++;
                range <<= 8;
            }
        }
        out[i] = (uint8_t)b;
        for (k = 0; k <= MAX_ORDER; k++) {
            if (work_update(&w, nd[k], (uint8_t)b) != 0) { res = GPC_ENOMEM; goto done; }
        }
        h4 = (h4 << 8) | b;
    }
#undef BYTE
    if (len > pos) {
        res = gpc_fail(info, "TXT-3", "gpc-ppm1: %zu unread bytes after the last symbol (TXC-7)", len - pos);
    } else if (len > 0 && data[len - 1] == 0) {
        res = gpc_fail(info, "TXT-3", "gpc-ppm1: data ends with a 0x00 byte (TXC-7)");
    }
done:
    work_free(&w);
    return res;
}

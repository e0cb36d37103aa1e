/* Low-resolution image codecs of annex L (spec/lowres.md): png, webp, avif. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <dav1d/dav1d.h>
#include "internal.h"

/* floor(x / 2^n) for possibly negative x, without implementation-defined >> */
static inline int32_t asr(int32_t x, int n)
{
    return x >= 0 ? (x >> n) : -(int32_t)(((uint32_t)(-x) + ((1u << n) - 1)) >> n);
}
static inline uint8_t clip(int32_t v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v; }

/* A varint cut by the end of the codec's data is reported under the codec's
 * layout clause `cut` (gpc.md §2.2, since 1.2: LRS-8 sh_length, LRS-11
 * first_partition_size). */
static gpc_result rd_varint_img(const uint8_t *p, size_t end, size_t *pos, uint32_t *val,
                                const char *cut, const char *what, gpc_info *info)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < 3; i++) {
        uint8_t b;
        if (*pos >= end) return gpc_fail(info, cut, "%s: varint runs past the end of the image payload", what);
        b = p[(*pos)++];
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (i > 0 && b == 0) return gpc_fail(info, "VINT-2", "%s: varint not in shortest form", what);
            *val = v;
            return GPC_VALID;
        }
    }
    return gpc_fail(info, "VINT-3", "%s: varint longer than 3 bytes", what);
}

/* ---- codec 1: png (L.4) ---------------------------------------------- */
static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc) return a;
    if (pb <= pc) return b;
    return c;
}

static gpc_result dec_png(const uint8_t *data, size_t len, uint32_t w, uint32_t h, uint8_t **rgb, gpc_info *info)
{
    size_t stride = (size_t)3 * w, raw_len = (size_t)h * (1 + stride), y, x;
    uint8_t *raw = malloc(raw_len + 1), *out;
    int c;
    if (!raw) return GPC_ENOMEM;
    c = gpc_inflate_exact(data, len, raw, raw_len);
    if (c != 0) {
        free(raw);
        if (c < 0) return GPC_ENOMEM;
        if (c == 2) return gpc_fail(info, "LRS-4", "png: scanlines inflate to more than %zu bytes", raw_len);
        if (c == 3) return gpc_fail(info, "LRS-4", "png: scanlines inflate to fewer than %zu bytes", raw_len);
        return gpc_fail(info, "LRS-4", "png: malformed or truncated DEFLATE stream, or bytes after its end");
    }
    out = malloc(raw_len); /* >= h * stride */
    if (!out) { free(raw); return GPC_ENOMEM; }
    for (y = 0; y < h; y++) {
        const uint8_t *src = raw + y * (1 + stride) + 1;
        uint8_t *row = out + y * stride;
        const uint8_t *up = y ? out + (y - 1) * stride : NULL;
        int ft = raw[y * (1 + stride)];
        if (ft > 4) {
            free(raw);
            free(out);
            return gpc_fail(info, "LRS-4", "png: invalid filter type %d on scanline %zu", ft, y);
        }
        for (x = 0; x < stride; x++) {
            int a = x >= 3 ? row[x - 3] : 0, b = up ? up[x] : 0, cc = (x >= 3 && up) ? up[x - 3] : 0, v;
            switch (ft) {
            case 0: v = src[x]; break;
            case 1: v = src[x] + a; break;
            case 2: v = src[x] + b; break;
            case 3: v = src[x] + ((a + b) >> 1); break;
            default: v = src[x] + paeth(a, b, cc); break;
            }
            row[x] = (uint8_t)(v & 0xFF);
        }
    }
    free(raw);
    *rgb = out;
    return GPC_VALID;
}

/* ---- codec 2: webp (L.6, LRS-5, LRS-6) ------------------------------- */
static void upsample_pair(const uint8_t *a, const uint8_t *b, uint32_t w, uint8_t *up, uint8_t *down)
{
    int tl = a[0], l = b[0];
    uint32_t x;
    up[0] = (uint8_t)((3 * tl + l + 2) >> 2);
    down[0] = (uint8_t)((3 * l + tl + 2) >> 2);
    for (x = 1; x <= (w - 1) >> 1; x++) {
        int t = a[x], c = b[x];
        int avg = tl + t + l + c + 8;
        int d12 = (avg + 2 * (t + l)) >> 3;
        int d03 = (avg + 2 * (tl + c)) >> 3;
        up[2 * x - 1] = (uint8_t)((d12 + tl) >> 1);
        up[2 * x] = (uint8_t)((d03 + t) >> 1);
        down[2 * x - 1] = (uint8_t)((d03 + l) >> 1);
        down[2 * x] = (uint8_t)((d12 + c) >> 1);
        tl = t;
        l = c;
    }
    if (!(w & 1)) {
        up[w - 1] = (uint8_t)((3 * tl + l + 2) >> 2);
        down[w - 1] = (uint8_t)((3 * l + tl + 2) >> 2);
    }
}

/* full-resolution chroma plane (w*h) from a (cw x ch, stride) plane */
static void upsample_plane(const uint8_t *c, int stride, uint32_t w, uint32_t h, uint8_t *out, uint8_t *tmp)
{
    uint32_t ch = (h + 1) / 2, k;
    upsample_pair(c, c, w, out, tmp);
    for (k = 1; k < ch; k++) {
        const uint8_t *a = c + (size_t)(k - 1) * stride, *b = c + (size_t)k * stride;
        uint8_t *down = (2 * k < h) ? out + (size_t)(2 * k) * w : tmp;
        upsample_pair(a, b, w, out + (size_t)(2 * k - 1) * w, down);
    }
    if (!(h & 1) && h > 1) {
        const uint8_t *a = c + (size_t)(ch - 1) * stride;
        upsample_pair(a, a, w, out + (size_t)(h - 1) * w, tmp);
    }
}

static inline uint8_t clip8(int32_t v) { return v < 0 ? 0 : v >= 16384 ? 255 : (uint8_t)(v >> 6); }

/* LRS-17: the token partitions fit the data. The key-frame header of the
 * first partition is read with the boolean decoder of RFC 6386 §7.3 (bytes past
 * the partition read as 0) up to log2_nbr_of_dct_partitions (§9.2-9.5, §19.2). */
typedef struct { const uint8_t *p; size_t n, at; uint32_t value, range; int bits; } vp8bd_t;
static uint8_t vp8_byte(vp8bd_t *d) { return d->at < d->n ? d->p[d->at++] : (d->at++, 0); }
static void vp8_init(vp8bd_t *d, const uint8_t *p, size_t n)
{
    d->p = p; d->n = n; d->at = 0;
    d->value = (uint32_t)vp8_byte(d) << 8;
    d->value |= vp8_byte(d);
    d->range = 255;
    d->bits = 0;
}
static int vp8_bool(vp8bd_t *d, uint32_t prob)
{
    uint32_t split = 1 + (((d->range - 1) * prob) >> 8), big = split << 8;
    int ret;
    if (d->value >= big) { ret = 1; d->range -= split; d->value -= big; }
    else { ret = 0; d->range = split; }
    while (d->range < 128) {
        d->value = (d->value << 1) & 0xFFFFu;
        d->range <<= 1;
        if (++d->bits == 8) { d->bits = 0; d->value |= vp8_byte(d); }
    }
    return ret;
}
static uint32_t vp8_lit(vp8bd_t *d, int n)
{
    uint32_t v = 0;
    while (n-- > 0) v = (v << 1) | (uint32_t)vp8_bool(d, 128);
    return v;
}

static gpc_result check_vp8_partitions(const uint8_t *part, size_t plen, uint32_t fps, gpc_info *info)
{
    vp8bd_t d;
    int i;
    size_t np, off, k;
    vp8_init(&d, part, fps);
    vp8_lit(&d, 1); /* color_space */
    vp8_lit(&d, 1); /* clamping_type */
    if (vp8_lit(&d, 1)) { /* segmentation_enabled: update_segmentation() */
        uint32_t upd_map = vp8_lit(&d, 1), upd_data = vp8_lit(&d, 1);
        if (upd_data) {
            vp8_lit(&d, 1); /* segment_feature_mode */
            for (i = 0; i < 4; i++) if (vp8_lit(&d, 1)) vp8_lit(&d, 8); /* quantizer value 7 + sign */
            for (i = 0; i < 4; i++) if (vp8_lit(&d, 1)) vp8_lit(&d, 7); /* loop filter value 6 + sign */
        }
        if (upd_map)
            for (i = 0; i < 3; i++) if (vp8_lit(&d, 1)) vp8_lit(&d, 8); /* segment_prob */
    }
    vp8_lit(&d, 1); /* filter_type */
    vp8_lit(&d, 6); /* loop_filter_level */
    vp8_lit(&d, 3); /* sharpness_level */
    if (vp8_lit(&d, 1)) { /* loop_filter_adj_enable: mb_lf_adjustments() */
        if (vp8_lit(&d, 1)) { /* mode_ref_lf_delta_update */
            for (i = 0; i < 8; i++) if (vp8_lit(&d, 1)) vp8_lit(&d, 7); /* magnitude 6 + sign */
        }
    }
    np = (size_t)1 << vp8_lit(&d, 2); /* log2_nbr_of_dct_partitions */
    off = fps;
    if (plen - off < 3 * (np - 1))
        return gpc_fail(info, "LRS-17", "webp: %zu token partitions, but the data ends inside their sizes", np);
    {
        const uint8_t *sz = part + off;
        off += 3 * (np - 1);
        for (k = 0; k + 1 < np; k++) {
            size_t s = (size_t)sz[3 * k] | (size_t)sz[3 * k + 1] << 8 | (size_t)sz[3 * k + 2] << 16;
            if (s > plen - off)
                return gpc_fail(info, "LRS-17", "webp: token partition %zu of %zu bytes runs past the data", k, s);
            off += s;
        }
    }
    if (plen - off < 1)
        return gpc_fail(info, "LRS-17", "webp: the last token partition is empty");
    return GPC_VALID;
}

static gpc_result dec_webp(const uint8_t *data, size_t len, uint32_t w, uint32_t h, uint8_t **rgb, gpc_info *info)
{
    size_t pos = 0, plen, n, flen, i;
    uint32_t fps;
    gpc_result r;
    uint8_t *file, *f, *y, *u, *v, *out, *U, *V, *tmp;
    int ow = 0, oh = 0, ys = 0, uvs = 0;
    uint32_t tag;

    if ((r = rd_varint_img(data, len, &pos, &fps, "LRS-11", "webp first_partition_size", info)) != GPC_VALID) return r;
    /* LRS-16, right after the field is read */
    if (fps >= (1u << 19))
        return gpc_fail(info, "LRS-16", "webp: first_partition_size %u is not below 2^19", (unsigned)fps);
    plen = len - pos;
    if (fps > plen)
        return gpc_fail(info, "LRS-11", "webp: first_partition_size %u exceeds the %zu bytes of partitions", (unsigned)fps, plen);
    if (w > 16383 || h > 16383) return gpc_fail(info, "LRS-11", "webp: frame too large");
    if ((r = check_vp8_partitions(data + pos, plen, fps, info)) != GPC_VALID) return r;
    n = 10 + plen;
    flen = 12 + 8 + n + (n & 1);
    file = calloc(1, flen);
    if (!file) return GPC_ENOMEM;
    f = file;
    memcpy(f, "RIFF", 4);
    f[4] = (uint8_t)(flen - 8); f[5] = (uint8_t)((flen - 8) >> 8); f[6] = (uint8_t)((flen - 8) >> 16); f[7] = (uint8_t)((flen - 8) >> 24);
    memcpy(f + 8, "WEBPVP8 ", 8);
    f[16] = (uint8_t)n; f[17] = (uint8_t)(n >> 8); f[18] = (uint8_t)(n >> 16); f[19] = (uint8_t)(n >> 24);
    tag = 0x10u | (fps << 5);
    f[20] = (uint8_t)tag; f[21] = (uint8_t)(tag >> 8); f[22] = (uint8_t)(tag >> 16);
    f[23] = 0x9D; f[24] = 0x01; f[25] = 0x2A;
    f[26] = (uint8_t)w; f[27] = (uint8_t)(w >> 8); f[28] = (uint8_t)h; f[29] = (uint8_t)(h >> 8);
    if (plen) memcpy(f + 30, data + pos, plen);
    y = WebPDecodeYUV(file, flen, &ow, &oh, &u, &v, &ys, &uvs);
    free(file);
    /* LRS-14: a library refusal or a frame of another size is IMG-3 */
    if (!y) return gpc_fail(info, "IMG-3", "webp: the VP8 frame does not decode");
    if ((uint32_t)ow != w || (uint32_t)oh != h) {
        WebPFree(y);
        return gpc_fail(info, "IMG-3", "webp: decoded frame is %dx%d, expected %ux%u", ow, oh, (unsigned)w, (unsigned)h);
    }
    out = malloc((size_t)w * h * 3);
    U = malloc((size_t)w * h);
    V = malloc((size_t)w * h);
    tmp = malloc(w);
    if (!out || !U || !V || !tmp) {
        free(out); free(U); free(V); free(tmp);
        WebPFree(y);
        return GPC_ENOMEM;
    }
    upsample_plane(u, uvs, w, h, U, tmp);
    upsample_plane(v, uvs, w, h, V, tmp);
    for (i = 0; i < (size_t)w * h; i++) {
        size_t row = i / w, col = i % w;
        int32_t Y = y[row * (size_t)ys + col], Uu = U[i], Vv = V[i];
        int32_t yp = (19077 * Y) >> 8;
        out[3 * i] = clip8(yp + ((26149 * Vv) >> 8) - 14234);
        out[3 * i + 1] = clip8(yp - ((6419 * Uu) >> 8) - ((13320 * Vv) >> 8) + 8708);
        out[3 * i + 2] = clip8(yp + ((33050 * Uu) >> 8) - 17685);
    }
    free(U); free(V); free(tmp);
    WebPFree(y);
    *rgb = out;
    return GPC_VALID;
}

/* ---- codec 3: avif (L.5, LRS-7) -------------------------------------- */
typedef struct { const uint8_t *p; size_t n, bit; int over; } bits_t;
static uint32_t rb(bits_t *b, int k)
{
    uint32_t v = 0;
    while (k-- > 0) {
        if (b->bit >= 8 * b->n) { b->over = 1; return 0; }
        v = (v << 1) | ((b->p[b->bit >> 3] >> (7 - (b->bit & 7))) & 1);
        b->bit++;
    }
    return v;
}

static gpc_result check_seq_header(const uint8_t *sh, size_t n, uint32_t w, uint32_t h, gpc_info *info)
{
    bits_t b = {sh, n, 0, 0};
    uint32_t prof, still, reduced, fwb, fhb, mw, mh, hbd, cdp, cp = 2, tc = 2, mc = 2, range, fg;
    prof = rb(&b, 3);
    still = rb(&b, 1);
    reduced = rb(&b, 1);
    if (b.over) return gpc_fail(info, "LRS-9", "avif: sequence header too short");
    if (prof != 1) return gpc_fail(info, "LRS-9", "avif: seq_profile %u, must be 1", (unsigned)prof);
    if (still != 1) return gpc_fail(info, "LRS-9", "avif: still_picture must be 1");
    if (reduced != 1) return gpc_fail(info, "LRS-9", "avif: reduced_still_picture_header must be 1");
    rb(&b, 5); /* seq_level_idx[0] */
    fwb = rb(&b, 4) + 1;
    fhb = rb(&b, 4) + 1;
    mw = rb(&b, (int)fwb) + 1;
    mh = rb(&b, (int)fhb) + 1;
    if (b.over) return gpc_fail(info, "LRS-9", "avif: sequence header too short");
    if (mw != w || mh != h)
        return gpc_fail(info, "LRS-9", "avif: sequence header size %ux%u, expected %ux%u", (unsigned)mw, (unsigned)mh, (unsigned)w, (unsigned)h);
    rb(&b, 3); /* use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter */
    rb(&b, 3); /* enable_superres, enable_cdef, enable_restoration */
    hbd = rb(&b, 1);
    if (b.over) return gpc_fail(info, "LRS-9", "avif: sequence header too short");
    if (hbd != 0) return gpc_fail(info, "LRS-9", "avif: high_bitdepth must be 0");
    /* seq_profile 1: mono_chrome = 0, not coded */
    cdp = rb(&b, 1);
    if (cdp) {
        cp = rb(&b, 8);
        tc = rb(&b, 8);
        mc = rb(&b, 8);
    }
    if (cp == 1 && tc == 13 && mc == 0) range = 1;
    else range = rb(&b, 1);
    if (b.over) return gpc_fail(info, "LRS-9", "avif: sequence header too short");
    if (range != 1) return gpc_fail(info, "LRS-9", "avif: color_range must be 1 (full range)");
    /* LRS-15 (since 1.2): the rest of sequence_header_obu(), then
     * trailing_bits() and nothing after */
    rb(&b, 1); /* separate_uv_delta_q (profile 1 is never mono_chrome) */
    fg = rb(&b, 1); /* film_grain_params_present */
    if (b.over) return gpc_fail(info, "LRS-15", "avif: sequence header ends before film_grain_params_present");
    if (fg) return gpc_fail(info, "LRS-15", "avif: film_grain_params_present must be 0");
    if (b.bit >= 8 * n || rb(&b, 1) != 1)
        return gpc_fail(info, "LRS-15", "avif: sequence header lacks its trailing one bit");
    while (b.bit & 7)
        if (rb(&b, 1) != 0) return gpc_fail(info, "LRS-15", "avif: trailing bits of the sequence header are not zero");
    if (b.bit != 8 * n)
        return gpc_fail(info, "LRS-15", "avif: %zu bytes after the sequence header's trailing bits", n - b.bit / 8);
    return GPC_VALID;
}

static void dav1d_quiet(void *cookie, const char *fmt, va_list ap)
{
    (void)cookie; (void)fmt; (void)ap;
}

static size_t put_leb(uint8_t *o, size_t v)
{
    size_t n = 0;
    do {
        uint8_t c = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) c |= 0x80;
        o[n++] = c;
    } while (v);
    return n;
}

static gpc_result dec_avif(const uint8_t *data, size_t len, uint32_t w, uint32_t h, uint8_t **rgb, gpc_info *info)
{
    size_t pos = 0, frame_len, obu_len, o = 0, y, x;
    uint32_t shl;
    gpc_result r;
    Dav1dSettings s;
    Dav1dContext *ctx = NULL;
    Dav1dData dd;
    Dav1dPicture pic;
    uint8_t *obu, *out;
    int rc;

    if ((r = rd_varint_img(data, len, &pos, &shl, "LRS-8", "avif sh_length", info)) != GPC_VALID) return r;
    if (shl < 1) return gpc_fail(info, "LRS-8", "avif: sh_length is 0");
    if (shl > len - pos) return gpc_fail(info, "LRS-8", "avif: sequence header runs past the payload");
    frame_len = len - pos - shl;
    if (frame_len < 1) return gpc_fail(info, "LRS-8", "avif: frame is empty");
    if ((r = check_seq_header(data + pos, shl, w, h, info)) != GPC_VALID) return r;

    obu_len = 1 + 8 + shl + 1 + 8 + frame_len;
    memset(&dd, 0, sizeof dd);
    obu = dav1d_data_create(&dd, obu_len);
    if (!obu) return GPC_ENOMEM;
    obu[o++] = 0x0A;
    o += put_leb(obu + o, shl);
    memcpy(obu + o, data + pos, shl);
    o += shl;
    obu[o++] = 0x32;
    o += put_leb(obu + o, frame_len);
    memcpy(obu + o, data + pos + shl, frame_len);
    o += frame_len;
    dd.sz = o;

    dav1d_default_settings(&s);
    s.n_threads = 1;
    s.max_frame_delay = 1;
    s.frame_size_limit = w * h;
    s.all_layers = 0;
    /* LRS-14: no rejection for encoder-side requirements the decoding
     * process does not need */
    s.strict_std_compliance = 0;
    s.logger.cookie = NULL;
    s.logger.callback = dav1d_quiet;
    if (dav1d_open(&ctx, &s) != 0) {
        dav1d_data_unref(&dd);
        return GPC_ENOMEM;
    }
    memset(&pic, 0, sizeof pic);
    rc = dav1d_send_data(ctx, &dd);
    if (rc != 0 && rc != DAV1D_ERR(EAGAIN)) {
        dav1d_data_unref(&dd);
        dav1d_close(&ctx);
        return gpc_fail(info, "IMG-3", "avif: the AV1 data does not decode (dav1d error %d)", rc);
    }
    rc = dav1d_get_picture(ctx, &pic);
    if (rc == DAV1D_ERR(EAGAIN)) {
        /* all data is sent: drain */
        if (dd.sz) {
            rc = dav1d_send_data(ctx, &dd);
            if (rc == 0 || rc == DAV1D_ERR(EAGAIN)) rc = dav1d_get_picture(ctx, &pic);
        } else {
            rc = dav1d_get_picture(ctx, &pic);
        }
    }
    dav1d_data_unref(&dd);
    if (rc != 0) {
        dav1d_close(&ctx);
        return gpc_fail(info, "IMG-3", "avif: the AV1 data gives no decoded frame (dav1d %d)", rc);
    }
    if (pic.p.w != (int)w || pic.p.h != (int)h || pic.p.layout != DAV1D_PIXEL_LAYOUT_I444 || pic.p.bpc != 8) {
        dav1d_picture_unref(&pic);
        dav1d_close(&ctx);
        return gpc_fail(info, "IMG-3", "avif: decoded frame is not %ux%u 8-bit 4:4:4", (unsigned)w, (unsigned)h);
    }
    out = malloc((size_t)w * h * 3);
    if (!out) {
        dav1d_picture_unref(&pic);
        dav1d_close(&ctx);
        return GPC_ENOMEM;
    }
    for (y = 0; y < h; y++) {
        const uint8_t *Yr = (const uint8_t *)pic.data[0] + (ptrdiff_t)y * pic.stride[0];
        const uint8_t *Ur = (const uint8_t *)pic.data[1] + (ptrdiff_t)y * pic.stride[1];
        const uint8_t *Vr = (const uint8_t *)pic.data[2] + (ptrdiff_t)y * pic.stride[1];
        uint8_t *row = out + y * (size_t)w * 3;
        for (x = 0; x < w; x++) {
            int32_t Y = Yr[x], cb = (int32_t)Ur[x] - 128, cr = (int32_t)Vr[x] - 128;
            row[3 * x] = clip(Y + asr(91881 * cr + 32768, 16));
            row[3 * x + 1] = clip(Y + asr(-22554 * cb - 46802 * cr + 32768, 16));
            row[3 * x + 2] = clip(Y + asr(116130 * cb + 32768, 16));
        }
    }
    dav1d_picture_unref(&pic);
    dav1d_close(&ctx);
    *rgb = out;
    return GPC_VALID;
}

gpc_result gpc_lowres_decode(int codec, const uint8_t *data, size_t len, uint32_t w, uint32_t h,
                             uint8_t **rgb, gpc_info *info)
{
    *rgb = NULL;
    switch (codec) {
    case 1: return dec_png(data, len, w, h, rgb, info);
    case 2: return dec_webp(data, len, w, h, rgb, info);
    case 3: return dec_avif(data, len, w, h, rgb, info);
    default: return GPC_EUSAGE;
    }
}

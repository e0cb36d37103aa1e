/* libgpc: container reader (spec/gpc.md), text codecs, generation request. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <brotli/decode.h>
#include "internal.h"
#include "templates.h"

#define LIM_FILE_MIN 16
#define LIM_FILE_MAX 1048576u
#define LIM_DIM 16384u
#define LIM_TEXT 16384u

const char *gpc_version(void)
{
    return GPC_LIBRARY_VERSION " (GPC 1.2)";
}

void gpc_free(void *p)
{
    free(p);
}

gpc_result gpc_fail(gpc_info *info, const char *clause, const char *fmt, ...)
{
    if (info) {
        va_list ap;
        snprintf(info->clause, sizeof info->clause, "%s", clause);
        va_start(ap, fmt);
        vsnprintf(info->message, sizeof info->message, fmt, ap);
        va_end(ap);
        info->result = GPC_INVALID;
    }
    return GPC_INVALID;
}

/* ---- varints (§2.2) ----------------------------------------------------- */
/* Reads a varint from p[*pos .. end). cut: clause for VINT-1. */
static gpc_result rd_varint(const uint8_t *p, size_t end, size_t *pos, uint32_t *val,
                            const char *cut, const char *what, gpc_info *info)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < 3; i++) {
        uint8_t b;
        if (*pos >= end)
            return gpc_fail(info, cut, "%s: varint runs past the end of its data", what);
        b = p[(*pos)++];
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (i > 0 && b == 0)
                return gpc_fail(info, "VINT-2", "%s: varint not in shortest form", what);
            *val = v;
            return GPC_VALID;
        }
    }
    return gpc_fail(info, "VINT-3", "%s: varint longer than 3 bytes", what);
}

/* ---- UTF-8 and controls (TXT-5, TXT-6) ------------------------------- */
/* returns 0 ok, 5 bad UTF-8 (offset in *at), 6 forbidden control (offset of
 * the first in *at). TXT-5 is a check of the whole text that precedes TXT-6
 * (ORD-1), so a UTF-8 error anywhere wins over an earlier control. */
static int check_text(const uint8_t *s, size_t n, size_t *at)
{
    size_t i = 0, ctl = (size_t)-1;
    while (i < n) {
        uint8_t c = s[i];
        uint32_t cp;
        size_t k, len;
        if (c < 0x80) {
            if (((c < 0x20 && c != 0x09 && c != 0x0A) || c == 0x7F) && ctl == (size_t)-1) ctl = i;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else { *at = i; return 5; }
        if (n - i < len) { *at = i; return 5; }
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) { *at = i; return 5; }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) { *at = i; return 5; }
        i += len;
    }
    if (ctl != (size_t)-1) { *at = ctl; return 6; }
    return 0;
}

/* ---- text codecs ------------------------------------------------------- */
int gpc_inflate_exact(const uint8_t *data, size_t len, uint8_t *out, size_t expect)
{
    z_stream zs;
    int rc, ret;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK) return -1;
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)(expect + 1);
    rc = inflate(&zs, Z_FINISH);
    if (zs.total_out > expect) ret = 2;
    else if (rc == Z_STREAM_END) ret = zs.avail_in != 0 ? 1 : (zs.total_out < expect ? 3 : 0);
    else if (rc == Z_MEM_ERROR) ret = -1;
    else ret = 1;
    inflateEnd(&zs);
    return ret;
}

/* Brotli with a bounded allocator: the decoder's ring buffer is at most 16 MiB
 * (window 2^24); we cap all of its allocations at 40 MiB in total. */
typedef struct { size_t used; } br_alloc;
#define BR_CAP ((size_t)40 << 20)
static void *br_malloc(void *opaque, size_t n)
{
    br_alloc *a = opaque;
    size_t *p;
    if (n > BR_CAP - a->used) return NULL;
    p = malloc(n + sizeof(size_t) * 2);
    if (!p) return NULL;
    p[0] = n;
    a->used += n;
    return p + 2;
}
static void br_free(void *opaque, void *q)
{
    br_alloc *a = opaque;
    size_t *p = q;
    if (!p) return;
    p -= 2;
    a->used -= p[0];
    free(p);
}

static gpc_result decode_brotli(const uint8_t *data, size_t len, uint8_t *out, size_t tl,
                                gpc_info *info)
{
    br_alloc al = {0};
    BrotliDecoderState *st = BrotliDecoderCreateInstance(br_malloc, br_free, &al);
    BrotliDecoderResult r;
    size_t avail_in = len, avail_out = tl + 1, total = 0;
    const uint8_t *next_in = data;
    uint8_t *next_out = out;
    gpc_result res = GPC_VALID;
    if (!st) return GPC_ENOMEM;
    r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, &total);
    total = tl + 1 - avail_out;
    if (total > tl || r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
        res = gpc_fail(info, "TXT-4", "Brotli output exceeds text_length %zu", tl);
    else if (r == BROTLI_DECODER_RESULT_ERROR) {
        if (BrotliDecoderGetErrorCode(st) <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
            BrotliDecoderGetErrorCode(st) >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES)
            res = gpc_fail(info, "TXT-3", "Brotli stream needs more memory than the reader allows");
        else
            res = gpc_fail(info, "TXT-3", "malformed Brotli stream (%s)",
                           BrotliDecoderErrorString(BrotliDecoderGetErrorCode(st)));
    } else if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
        res = gpc_fail(info, "TXT-3", "truncated Brotli stream");
    else if (avail_in != 0)
        res = gpc_fail(info, "TXT-3", "%zu bytes after the end of the Brotli stream", avail_in);
    else if (total != tl)
        res = gpc_fail(info, "TXT-4", "Brotli output is %zu bytes, text_length is %zu", total, tl);
    BrotliDecoderDestroyInstance(st);
    return res;
}

/* ---- parse context ------------------------------------------------------ */
typedef struct {
    const uint8_t *buf;
    size_t len;
    gpc_info *info;
    int want_rgb;          /* keep the decoded image */
    /* outputs */
    uint8_t *text;         /* malloc'd, text_length + 1 */
    size_t text_len;
    uint8_t *rgb;          /* malloc'd lowres pixels */
    char rgb_sha[65];
    int has_image;
    int undecided;
    char undecided_msg[200];
} parse_t;

static const uint32_t PRESETS[9][2] = {
    {0, 0}, {1024, 1024}, {1536, 1024}, {1024, 1536}, {512, 512},
    {768, 512}, {512, 768}, {2048, 2048}, {256, 256}};

static gpc_result parse_text(parse_t *P, size_t pos, size_t end)
{
    gpc_info *info = P->info;
    const uint8_t *p = P->buf;
    uint32_t tpl, codec, tl = 0;
    size_t dlen;
    const uint8_t *data;
    gpc_result r;
    size_t at;
    int c;

    if ((r = rd_varint(p, end, &pos, &tpl, "TXT-1", "text template", info)) != GPC_VALID) return r;
    if (tpl > 1) return gpc_fail(info, "TPL-1", "unknown template %u", (unsigned)tpl);
    info->template_id = (int32_t)tpl;
    if ((r = rd_varint(p, end, &pos, &codec, "TXT-1", "text codec", info)) != GPC_VALID) return r;
    if (codec > 3) return gpc_fail(info, "TXT-2", "unknown text codec %u", (unsigned)codec);
    info->text_codec = (int32_t)codec;
    if (codec != 0) {
        if ((r = rd_varint(p, end, &pos, &tl, "TXT-1", "text_length", info)) != GPC_VALID) return r;
    }
    data = p + pos;
    dlen = end - pos;
    if (codec == 0) tl = (uint32_t)dlen;
    info->text_length = tl;
    if (tl < 1 || tl > LIM_TEXT)
        return gpc_fail(info, "LIM-3", "text length %u outside 1..16384", (unsigned)tl);
    P->text = malloc((size_t)tl + 2);
    if (!P->text) return GPC_ENOMEM;
    P->text_len = tl;
    switch (codec) {
    case 0:
        memcpy(P->text, data, dlen);
        break;
    case 1:
        c = gpc_inflate_exact(data, dlen, P->text, tl);
        if (c < 0) return GPC_ENOMEM;
        if (c == 1) return gpc_fail(info, "TXT-3", "malformed or truncated DEFLATE stream, or bytes after its end");
        if (c == 2) return gpc_fail(info, "TXT-4", "DEFLATE output exceeds text_length %u", (unsigned)tl);
        if (c == 3) return gpc_fail(info, "TXT-4", "DEFLATE output shorter than text_length %u", (unsigned)tl);
        break;
    case 2:
        if ((r = decode_brotli(data, dlen, P->text, tl, info)) != GPC_VALID) return r;
        break;
    default:
        r = gpc_ppm1_decode(data, dlen, tl, P->text, (size_t)tl + 2, info);
        if (r != GPC_VALID) return r;
        break;
    }
    P->text[tl] = 0;
    c = check_text(P->text, tl, &at);
    if (c == 5) return gpc_fail(info, "TXT-5", "text is not valid UTF-8 (byte %zu)", at);
    if (c == 6) return gpc_fail(info, "TXT-6", "text contains control character U+%04X at byte %zu",
                                (unsigned)P->text[at], at);
    return GPC_VALID;
}

static gpc_result parse_image(parse_t *P, size_t pos, size_t end)
{
    gpc_info *info = P->info;
    const uint8_t *p = P->buf;
    uint32_t codec, check, w, h;
    gpc_result r;

    if ((r = rd_varint(p, end, &pos, &codec, "IMG-1", "image codec", info)) != GPC_VALID) return r;
    if (!(codec >= 1 && codec <= 3) && codec != 16)
        return gpc_fail(info, "IMG-2", "unregistered image codec %u", (unsigned)codec);
    info->image_codec = (int32_t)codec;
    if (end - pos < 4) return gpc_fail(info, "IMG-1", "image payload ends inside the check field");
    check = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 | (uint32_t)p[pos + 2] << 16 |
            (uint32_t)p[pos + 3] << 24;
    pos += 4;
    info->image_check = check;
    /* size of the reference image: IMG-3 (1.1 rule, s = 8) for read_version 1.1;
     * IMG-10 bounded rule, s = max(8, ceil(L/192)), for read_version 1.2 or later (IMG-11) */
    {
        uint32_t L = info->width > info->height ? info->width : info->height, s = 8;
        if ((info->read_version & 15u) >= 2u) {
            uint32_t sb = (uint32_t)(((uint64_t)L + 191u) / 192u);
            if (sb > s) s = sb;
        }
        w = (uint32_t)(((uint64_t)info->width + s - 1u) / s);
        h = (uint32_t)(((uint64_t)info->height + s - 1u) / s);
    }
    info->lowres_width = w;
    info->lowres_height = h;
    P->has_image = 1;
    if (codec == 16) {
        uint32_t model;
        size_t rest;
        /* a model varint cut by the end of data is NRL-1 (gpc.md §2.2, since 1.2) */
        if ((r = rd_varint(p, end, &pos, &model, "NRL-1", "msillm model", info)) != GPC_VALID) return r;
        if (!((model >= 1 && model <= 8) || model == 64))
            return gpc_fail(info, "NRL-1", "unknown MS-ILLM model %u", (unsigned)model);
        info->image_model = (int32_t)model;
        /* NRL-12 (since 1.2): rows 1-8 record no digests (unverified); only
         * msillm-test (64) is verified. Checked right after NRL-1. */
        if (model != 64)
            return gpc_fail(info, "NRL-12", "MS-ILLM model %u is unverified (no recorded digests)", (unsigned)model);
        rest = end - pos;
        if (rest < 8 || rest % 4 != 0)
            return gpc_fail(info, "NRL-4", "rANS stream of %zu bytes: not a whole number of 32-bit words of at least 8 bytes", rest);
        P->undecided = 1;
        snprintf(P->undecided_msg, sizeof P->undecided_msg,
                 "cannot check: image codec 16 (msillm, model %u) needs neural model weights, which libgpc does not implement",
                 (unsigned)model);
        return GPC_VALID;
    }
    {
        uint8_t *rgb = NULL;
        uint32_t crc;
        r = gpc_lowres_decode((int)codec, p + pos, end - pos, w, h, &rgb, info);
        if (r != GPC_VALID) return r;
        crc = gpc_crc32(rgb, (size_t)w * h * 3);
        if (crc != check) {
            free(rgb);
            return gpc_fail(info, "IMG-3", "image check mismatch: stored 0x%08X, decoded pixels 0x%08X",
                            (unsigned)check, (unsigned)crc);
        }
        gpc_sha256_hex(rgb, (size_t)w * h * 3, P->rgb_sha);
        if (P->want_rgb) P->rgb = rgb;
        else free(rgb);
    }
    return GPC_VALID;
}

static int key_char_ok(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static gpc_result parse_meta(parse_t *P, size_t pos, size_t end)
{
    gpc_info *info = P->info;
    const uint8_t *p = P->buf;
    uint32_t count, i;
    size_t start;
    gpc_result r;
    if ((r = rd_varint(p, end, &pos, &count, "META-1", "meta count", info)) != GPC_VALID) return r;
    start = pos;
    for (i = 0; i < count; i++) {
        uint32_t kl, vl;
        if ((r = rd_varint(p, end, &pos, &kl, "META-1", "meta key_length", info)) != GPC_VALID) return r;
        if (kl > end - pos) return gpc_fail(info, "META-1", "meta key %u runs past the payload", (unsigned)i);
        pos += kl;
        if ((r = rd_varint(p, end, &pos, &vl, "META-1", "meta value_length", info)) != GPC_VALID) return r;
        if (vl > end - pos) return gpc_fail(info, "META-1", "meta value %u runs past the payload", (unsigned)i);
        pos += vl;
    }
    if (pos != end) return gpc_fail(info, "META-1", "%zu bytes after the last meta entry", end - pos);
    /* META-2 */
    pos = start;
    {
        const uint8_t *prev = NULL;
        uint32_t prevlen = 0;
        for (i = 0; i < count; i++) {
            uint32_t kl, vl, j;
            const uint8_t *key, *val;
            size_t at;
            int c;
            rd_varint(p, end, &pos, &kl, "META-1", "", NULL);
            key = p + pos;
            pos += kl;
            rd_varint(p, end, &pos, &vl, "META-1", "", NULL);
            val = p + pos;
            pos += vl;
            if (kl < 1 || kl > 32) return gpc_fail(info, "META-2", "meta key %u is %u bytes long (1..32)", (unsigned)i, (unsigned)kl);
            for (j = 0; j < kl; j++)
                if (!key_char_ok(key[j])) return gpc_fail(info, "META-2", "meta key %u has a byte 0x%02X outside a-z 0-9 . _ -", (unsigned)i, (unsigned)key[j]);
            if (prev) {
                uint32_t m = prevlen < kl ? prevlen : kl;
                int cmp = memcmp(prev, key, m);
                if (cmp > 0 || (cmp == 0 && prevlen >= kl))
                    return gpc_fail(info, "META-2", "meta keys not in strictly ascending order at entry %u", (unsigned)i);
            }
            prev = key;
            prevlen = kl;
            if (vl > 1024) return gpc_fail(info, "META-2", "meta value %u is %u bytes long (max 1024)", (unsigned)i, (unsigned)vl);
            c = check_text(val, vl, &at);
            if (c == 5) return gpc_fail(info, "META-2", "meta value %u is not valid UTF-8", (unsigned)i);
            if (c == 6) return gpc_fail(info, "META-2", "meta value %u contains a forbidden control character", (unsigned)i);
        }
    }
    return GPC_VALID;
}

static gpc_result parse_checks(parse_t *P);

/* CONF-5 (since 1.2): once a check that needs an unimplemented codec (codec
 * 16's NRL-5, NRL-8, NRL-9) is pending and no earlier check failed, the verdict
 * is undecided, whatever later checks find: the first failing check of §18
 * could be the one this reader cannot make. */
static gpc_result parse(parse_t *P)
{
    gpc_info *info = P->info;
    gpc_result r = parse_checks(P);
    if (r == GPC_INVALID && P->undecided) {
        char later[sizeof info->clause];
        snprintf(later, sizeof later, "%s", info->clause);
        snprintf(info->message, sizeof info->message, "%.190s (a later check, %.15s, fails too)",
                 P->undecided_msg, later);
        info->clause[0] = 0;
        info->result = GPC_UNDECIDED;
        return GPC_UNDECIDED;
    }
    return r;
}

static gpc_result parse_checks(parse_t *P)
{
    const uint8_t *b = P->buf;
    size_t n = P->len, pos, end;
    gpc_info *info = P->info;
    uint32_t stored, crc, preset, w, h;
    unsigned vmaj, vmin, rmaj, rmin, prev_tag = 0, nchunks = 0, ntext = 0, nimage = 0, nmeta = 0;
    gpc_result r;

    info->file_size = n > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)n;
    /* SIG-1 */
    if (n < 4 || b[0] != 0x89 || b[1] != 'G' || b[2] != 'P' || b[3] != 'C')
        return gpc_fail(info, "SIG-1", "not a GPC file (signature 89 47 50 43 missing)");
    if (n < 6) return gpc_fail(info, "LIM-1", "file of %zu bytes ends inside the header", n);
    vmaj = b[4] >> 4; vmin = b[4] & 15; rmaj = b[5] >> 4; rmin = b[5] & 15;
    info->version = b[4];
    info->read_version = b[5];
    if (vmaj != 1) return gpc_fail(info, "VER-1", "major version %u (this reader implements 1)", vmaj);
    if (rmaj != vmaj || b[5] > b[4])
        return gpc_fail(info, "VER-2", "read_version %u.%u inconsistent with version %u.%u", rmaj, rmin, vmaj, vmin);
    /* VER-3; VER-5: nothing else is checked of the two version bytes */
    if (rmin > GPC_SPEC_MINOR)
        return gpc_fail(info, "VER-3", "needs a reader of version 1.%u (this reader implements 1.%u)", rmin, GPC_SPEC_MINOR);
    if (n < LIM_FILE_MIN || n > LIM_FILE_MAX)
        return gpc_fail(info, "LIM-1", "file size %zu outside 16..1048576 bytes", n);
    end = n - 4;
    stored = (uint32_t)b[end] | (uint32_t)b[end + 1] << 8 | (uint32_t)b[end + 2] << 16 | (uint32_t)b[end + 3] << 24;
    crc = gpc_crc32(b, end);
    if (crc != stored)
        return gpc_fail(info, "INT-1", "CRC-32 mismatch: stored 0x%08X, computed 0x%08X", (unsigned)stored, (unsigned)crc);
    pos = 6;
    if ((r = rd_varint(b, end, &pos, &preset, "FILE-2", "size_preset", info)) != GPC_VALID) return r;
    if (preset > 8) return gpc_fail(info, "HDR-1", "unknown size preset %u", (unsigned)preset);
    info->size_preset = preset;
    if (preset == 0) {
        unsigned i;
        if ((r = rd_varint(b, end, &pos, &w, "FILE-2", "width", info)) != GPC_VALID) return r;
        if ((r = rd_varint(b, end, &pos, &h, "FILE-2", "height", info)) != GPC_VALID) return r;
        if (w < 1 || w > LIM_DIM || h < 1 || h > LIM_DIM)
            return gpc_fail(info, "LIM-2", "image size %ux%u outside 1..16384", (unsigned)w, (unsigned)h);
        for (i = 1; i <= 8; i++)
            if (PRESETS[i][0] == w && PRESETS[i][1] == h)
                return gpc_fail(info, "HDR-2", "explicit size %ux%u equals size preset %u", (unsigned)w, (unsigned)h, i);
    } else {
        w = PRESETS[preset][0];
        h = PRESETS[preset][1];
    }
    info->width = w;
    info->height = h;

    while (pos < end) {
        unsigned tag;
        uint32_t clen;
        size_t cstart;
        if (++nchunks > 16) return gpc_fail(info, "LIM-4", "more than 16 chunks");
        tag = b[pos++];
        if (tag & 0x40) return gpc_fail(info, "CHK-1", "chunk tag 0x%02X has the reserved bit 6 set", tag);
        if ((r = rd_varint(b, end, &pos, &clen, "CHK-2", "chunk length", info)) != GPC_VALID) return r;
        if (clen > end - pos)
            return gpc_fail(info, "CHK-2", "chunk 0x%02X length %u exceeds the %zu bytes left", tag, (unsigned)clen, end - pos);
        if (nchunks > 1 && tag < prev_tag)
            return gpc_fail(info, "CHK-5", "chunk tag 0x%02X after 0x%02X", tag, prev_tag);
        prev_tag = tag;
        cstart = pos;
        pos += clen;
        info->chunk_tag[nchunks - 1] = tag;
        info->chunk_offset[nchunks - 1] = (uint32_t)cstart;
        info->chunk_size[nchunks - 1] = clen;
        info->chunk_count = nchunks;
        if (tag == 0x01) {
            if (++ntext > 1) return gpc_fail(info, "CHK-6", "more than one text chunk");
            if ((r = parse_text(P, cstart, pos)) != GPC_VALID) return r;
        } else if (tag == 0x02) {
            if (++nimage > 1) return gpc_fail(info, "CHK-6", "more than one image chunk");
            if ((r = parse_image(P, cstart, pos)) != GPC_VALID) return r;
        } else if (tag == 0x81) {
            if (++nmeta > 1) return gpc_fail(info, "CHK-6", "more than one meta chunk");
            if ((r = parse_meta(P, cstart, pos)) != GPC_VALID) return r;
        } else if (!(tag & 0x80)) {
            return gpc_fail(info, "CHK-3", "unknown critical chunk 0x%02X", tag);
        }
    }
    if (ntext != 1) return gpc_fail(info, "CHK-7", "no text chunk");
    if (P->undecided) {
        snprintf(info->message, sizeof info->message, "%s", P->undecided_msg);
        info->clause[0] = 0;
        info->result = GPC_UNDECIDED;
        return GPC_UNDECIDED;
    }
    info->result = GPC_VALID;
    return GPC_VALID;
}

static void info_reset(gpc_info *info)
{
    memset(info, 0, sizeof *info);
    info->template_id = -1;
    info->text_codec = -1;
    info->image_codec = -1;
    info->image_model = -1;
}

static gpc_result run(parse_t *P, const uint8_t *buf, size_t len, gpc_info *info, gpc_info *tmp, int want_rgb)
{
    gpc_result r;
    memset(P, 0, sizeof *P);
    if (!info) info = tmp;
    info_reset(info);
    if (!buf && len) return GPC_EUSAGE;
    P->buf = buf;
    P->len = len;
    P->info = info;
    P->want_rgb = want_rgb;
    r = parse(P);
    if (r == GPC_ENOMEM) {
        snprintf(info->message, sizeof info->message, "out of memory");
        info->result = GPC_ENOMEM;
    }
    return r;
}

static void parse_free(parse_t *P)
{
    free(P->text);
    free(P->rgb);
    P->text = NULL;
    P->rgb = NULL;
}

gpc_result gpc_validate(const uint8_t *buf, size_t len, gpc_info *info)
{
    parse_t P;
    gpc_info tmp;
    gpc_result r = run(&P, buf, len, info, &tmp, 0);
    parse_free(&P);
    return r;
}

gpc_result gpc_decode_text(const uint8_t *buf, size_t len, char **text, size_t *text_len, gpc_info *info)
{
    parse_t P;
    gpc_info tmp;
    gpc_result r;
    if (!text || !text_len) return GPC_EUSAGE;
    *text = NULL;
    *text_len = 0;
    r = run(&P, buf, len, info, &tmp, 0);
    if (r == GPC_VALID || r == GPC_UNDECIDED) {
        *text = (char *)P.text;
        *text_len = P.text_len;
        P.text = NULL;
    }
    parse_free(&P);
    return r;
}

gpc_result gpc_decode_lowres(const uint8_t *buf, size_t len, uint8_t **rgb, uint32_t *width,
                             uint32_t *height, gpc_info *info)
{
    parse_t P;
    gpc_info tmp, *in = info ? info : &tmp;
    gpc_result r;
    if (!rgb || !width || !height) return GPC_EUSAGE;
    *rgb = NULL;
    *width = *height = 0;
    r = run(&P, buf, len, info, &tmp, 1);
    if (r == GPC_VALID && P.rgb) {
        *rgb = P.rgb;
        *width = in->lowres_width;
        *height = in->lowres_height;
        P.rgb = NULL;
    }
    parse_free(&P);
    return r;
}

/* ---- generation request (§12) ----------------------------------------- */
typedef struct { char *p; size_t n, cap; int oom; } sbuf;

static void sb_put(sbuf *s, const char *d, size_t n)
{
    if (s->oom) return;
    if (s->cap - s->n < n + 1) {
        size_t nc = (s->cap + n + 1) * 2;
        char *q = realloc(s->p, nc);
        if (!q) { s->oom = 1; return; }
        s->p = q;
        s->cap = nc;
    }
    memcpy(s->p + s->n, d, n);
    s->n += n;
    s->p[s->n] = 0;
}
static void sb_str(sbuf *s, const char *d) { sb_put(s, d, strlen(d)); }

/* JSON string per RFC 8785 */
static void sb_json_str(sbuf *s, const uint8_t *d, size_t n)
{
    size_t i, run = 0;
    sb_put(s, "\"", 1);
    for (i = 0; i < n; i++) {
        uint8_t c = d[i];
        const char *esc = NULL;
        char tmp[8];
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\b') esc = "\\b";
        else if (c == '\t') esc = "\\t";
        else if (c == '\n') esc = "\\n";
        else if (c == '\f') esc = "\\f";
        else if (c == '\r') esc = "\\r";
        else if (c < 0x20) { snprintf(tmp, sizeof tmp, "\\u%04x", c); esc = tmp; }
        if (esc) {
            sb_put(s, (const char *)d + i - run, run);
            run = 0;
            sb_str(s, esc);
        } else run++;
    }
    sb_put(s, (const char *)d + n - run, run);
    sb_put(s, "\"", 1);
}

static void sb_uint(sbuf *s, unsigned long v)
{
    char t[32];
    snprintf(t, sizeof t, "%lu", v);
    sb_str(s, t);
}

gpc_result gpc_request_json(const uint8_t *buf, size_t len, char **json, size_t *json_len, gpc_info *info)
{
    parse_t P;
    gpc_info tmp, *in = info ? info : &tmp;
    gpc_result r;
    sbuf s = {0};
    const char *gsize;
    uint32_t W, H;
    if (!json || !json_len) return GPC_EUSAGE;
    *json = NULL;
    *json_len = 0;
    r = run(&P, buf, len, info, &tmp, 0);
    if (r != GPC_VALID) { /* REQ-3: no request without the decoded image */
        parse_free(&P);
        return r;
    }
    W = in->width;
    H = in->height;
    if ((uint64_t)4 * W > (uint64_t)5 * H) gsize = "1536x1024";
    else if ((uint64_t)4 * H > (uint64_t)5 * W) gsize = "1024x1536";
    else gsize = "1024x1024";
    sb_str(&s, "{\"generator_size\":\"");
    sb_str(&s, gsize);
    sb_str(&s, "\",\"height\":");
    sb_uint(&s, H);
    sb_str(&s, P.has_image ? ",\"operation\":\"edit\"" : ",\"operation\":\"generate\"");
    sb_str(&s, ",\"prompt\":");
    if (in->template_id == 1) {
        const char *t = P.has_image ? TPL_RASTER_GENERATE_REF : TPL_RASTER_GENERATE;
        size_t tn = strlen(t);
        uint8_t *pr = malloc(tn + P.text_len + 1);
        if (!pr) { s.oom = 1; }
        else {
            memcpy(pr, t, tn);
            memcpy(pr + tn, P.text, P.text_len);
            sb_json_str(&s, pr, tn + P.text_len);
            free(pr);
        }
    } else {
        sb_json_str(&s, P.text, P.text_len);
    }
    sb_str(&s, ",\"reference_image\":");
    if (P.has_image) {
        sb_str(&s, "{\"height\":");
        sb_uint(&s, in->lowres_height);
        sb_str(&s, ",\"pixels_sha256\":\"");
        sb_str(&s, P.rgb_sha);
        sb_str(&s, "\",\"width\":");
        sb_uint(&s, in->lowres_width);
        sb_str(&s, "}");
    } else {
        sb_str(&s, "null");
    }
    sb_str(&s, ",\"request_version\":1,\"template\":\"");
    sb_str(&s, in->template_id == 1 ? "raster-scan-v1" : "verbatim");
    sb_str(&s, "\",\"width\":");
    sb_uint(&s, W);
    sb_str(&s, "}");
    parse_free(&P);
    if (s.oom) {
        free(s.p);
        snprintf(in->message, sizeof in->message, "out of memory");
        in->result = GPC_ENOMEM;
        return GPC_ENOMEM;
    }
    *json = s.p;
    *json_len = s.n;
    return GPC_VALID;
}

/*
 * libgpc — a C99 reader for GPC (Generative Picture Container) files.
 *
 * Written from the specification alone: spec/gpc.md (version 1.2) and its
 * annexes spec/lowres.md (annex L), spec/text-codec.md (gpc-ppm1) and
 * spec/neural.md (annex N).
 *
 * Thread safety: every function is reentrant and may be called from any
 * number of threads at once. The only shared state is the parsed gpc-ppm1
 * prior, built once under pthread_once and read-only afterwards.
 *
 * Memory: a call allocates O(file size + 16 KiB) for the container and text,
 * plus the decoded reference image (at most 2048 x 2048 x 3 bytes by LIM-2)
 * and the codec's working memory; every allocation is checked.
 *
 * ctypes notes: all structs use fixed-size fields (uint32_t/int32_t/char
 * arrays); buffers returned through `char **` / `uint8_t **` are malloc'd by
 * the library and MUST be released with gpc_free().
 */
#ifndef GPC_H
#define GPC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GPC_LIBRARY_VERSION "0.2.0"

/* Outcome of a call. The first three are verdicts on a file; the negative
 * values are usage errors (the file was not judged). */
typedef enum gpc_result {
    GPC_VALID = 0,      /* the file is valid (CONF-1) */
    GPC_INVALID = 1,    /* the file is invalid; info->clause names the clause */
    GPC_UNDECIDED = 2,  /* validity cannot be decided by this library
                           (CONF-5): the image chunk uses codec 16 (msillm)
                           with the verified model, whose checks NRL-5, NRL-8
                           and NRL-9 need neural model weights, and no earlier
                           check failed (later failures do not matter) */
    GPC_EUSAGE = -1,    /* bad arguments (NULL pointer, buffer too small) */
    GPC_ENOMEM = -2     /* an allocation failed */
} gpc_result;

#define GPC_MAX_CHUNKS 16

/* What a check found. Filled by every function that takes a gpc_info *
 * (which may be NULL). Fields after `message` are only meaningful as far as
 * the parse got; they are zero / -1 otherwise. */
typedef struct gpc_info {
    int32_t  result;            /* a gpc_result value */
    char     clause[16];        /* clause ID of the first failing check,
                                   e.g. "INT-1"; "" when valid */
    char     message[240];      /* human-readable, NUL-terminated */
    uint32_t file_size;
    uint32_t version;           /* byte 4: major << 4 | minor */
    uint32_t read_version;      /* byte 5 */
    uint32_t size_preset;
    uint32_t width, height;
    int32_t  template_id;       /* -1 until known */
    int32_t  text_codec;        /* 0 stored, 1 deflate, 2 brotli, 3 gpc-ppm1; -1 */
    uint32_t text_length;       /* decoded text length in bytes */
    int32_t  image_codec;       /* -1: no image chunk; 1 png, 2 webp, 3 avif, 16 msillm */
    uint32_t lowres_width, lowres_height; /* ceil(W/s), ceil(H/s) when an image chunk exists: s = 8 (IMG-3, read_version 1.1) or max(8, ceil(max(W,H)/192)) (IMG-10, read_version >= 1.2, IMG-11) */
    uint32_t image_check;       /* the image chunk's stored check */
    int32_t  image_model;       /* msillm model ID, -1 otherwise */
    uint32_t chunk_count;
    uint32_t chunk_tag[GPC_MAX_CHUNKS];
    uint32_t chunk_offset[GPC_MAX_CHUNKS];  /* file offset of the payload */
    uint32_t chunk_size[GPC_MAX_CHUNKS];    /* payload size */
} gpc_info;

/* Library version string, e.g. "0.2.0 (GPC 1.2)". */
const char *gpc_version(void);

/* Validate a whole file held in memory (len <= 1,048,576 by LIM-1; longer
 * buffers are rejected under LIM-1 without being read further).
 * Returns GPC_VALID, GPC_INVALID, GPC_UNDECIDED or a negative error. */
gpc_result gpc_validate(const uint8_t *buf, size_t len, gpc_info *info);

/* Validate and derive the canonical generation request (REQ-1, REQ-2): UTF-8
 * JSON, no trailing NUL counted in *json_len (a NUL is appended for
 * convenience). *json is malloc'd; release with gpc_free(). On anything but
 * GPC_VALID, *json is NULL and *json_len 0. */
gpc_result gpc_request_json(const uint8_t *buf, size_t len, char **json,
                            size_t *json_len, gpc_info *info);

/* Validate and return the decoded text (UTF-8, NUL appended, not counted).
 * Release with gpc_free(). Also works for GPC_UNDECIDED files (the text is
 * then decided valid, only the image is not). */
gpc_result gpc_decode_text(const uint8_t *buf, size_t len, char **text,
                           size_t *text_len, gpc_info *info);

/* Validate and return the decoded reference image (LRS-1): *rgb is
 * (*width) x (*height) x 3 bytes, RGB8, rows top to bottom; malloc'd, release
 * with gpc_free(). A valid file without an image chunk gives *rgb = NULL and
 * width = height = 0. A codec-16 file gives GPC_UNDECIDED and no pixels. */
gpc_result gpc_decode_lowres(const uint8_t *buf, size_t len, uint8_t **rgb,
                             uint32_t *width, uint32_t *height, gpc_info *info);

/* Decode one gpc-ppm1 payload (text-codec.md): `data`/`len` is the text
 * chunk's data field, `text_length` the declared length (0..16384). Writes
 * exactly text_length bytes to out (out_cap >= text_length).
 * Returns GPC_VALID, GPC_INVALID (TXT-3 / TXC-11: clause and message in
 * info, may be NULL), GPC_EUSAGE (text_length > 16384, out_cap too small,
 * NULL pointers) or GPC_ENOMEM. Does not check UTF-8 (TXT-5/TXT-6 are the
 * container's). */
gpc_result gpc_ppm1_decode(const uint8_t *data, size_t len, size_t text_length,
                           uint8_t *out, size_t out_cap, gpc_info *info);

/* Release a buffer returned by this library. NULL is fine. */
void gpc_free(void *p);

#ifdef __cplusplus
}
#endif
#endif /* GPC_H */

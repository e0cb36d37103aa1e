/* libgpc internal declarations. */
#ifndef GPC_INTERNAL_H
#define GPC_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "gpc.h"

/* the spec version libgpc implements: 1.GPC_SPEC_MINOR (VER-3) */
#define GPC_SPEC_MINOR 2u

/* Error report: clause + message into a gpc_info (may be NULL). Returns
 * GPC_INVALID so callers can `return gpc_fail(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
gpc_result gpc_fail(gpc_info *info, const char *clause, const char *fmt, ...);

/* SHA-256 */
typedef struct { uint32_t h[8]; uint64_t len; uint8_t buf[64]; size_t n; } gpc_sha256;
void gpc_sha256_init(gpc_sha256 *s);
void gpc_sha256_update(gpc_sha256 *s, const uint8_t *p, size_t n);
void gpc_sha256_final(gpc_sha256 *s, uint8_t out[32]);
void gpc_sha256_hex(const uint8_t *p, size_t n, char out[65]);

uint32_t gpc_crc32(const uint8_t *p, size_t n);

/* Embedded pinned prior ppm1.bin (generated at build time). */
extern const unsigned char gpc_ppm1_prior_bin[];
extern const size_t gpc_ppm1_prior_len;

/* Low-resolution image codecs (lowres.c). Decode `data` for codec 1..3 to
 * w*h*3 RGB bytes in *rgb (malloc'd). Returns GPC_VALID, GPC_INVALID (clause
 * of the annex set in info) or GPC_ENOMEM. */
gpc_result gpc_lowres_decode(int codec, const uint8_t *data, size_t len,
                             uint32_t w, uint32_t h, uint8_t **rgb,
                             gpc_info *info);

/* Raw DEFLATE into exactly `expect` bytes. Returns 0 ok, 1 stream malformed /
 * truncated / trailing data, 2 output longer than expect, 3 output shorter,
 * -1 out of memory. */
int gpc_inflate_exact(const uint8_t *data, size_t len, uint8_t *out, size_t expect);
#endif

"""Exact integer YCbCr -> RGB8 conversions of the low-resolution image (spec/lowres.md §3).

Both rules are pure integer arithmetic, so every conforming decoder produces the same
pixels from the same decoded planes:

* :func:`ycbcr444_full_to_rgb` (LRS-7): full-range BT.601 4:4:4, 16-bit fixed point;
  used by the ``avif`` codec.
* :func:`yuv420_fancy_to_rgb` (LRS-5): limited-range BT.601 4:2:0 with libwebp's "fancy"
  chroma upsampling and 14-bit fixed-point matrix, the rule libwebp applies by default;
  used by the ``webp`` codec.
"""

from __future__ import annotations

__all__ = ["yuv420_fancy_to_rgb", "ycbcr444_full_to_rgb"]


def _clip(value: int) -> int:
    return 0 if value < 0 else 255 if value > 255 else value


def ycbcr444_full_to_rgb(y: bytes, cb: bytes, cr: bytes) -> bytes:
    """LRS-7: R, G, B interleaved from full-range BT.601 Y, Cb, Cr planes of equal size."""
    if not len(y) == len(cb) == len(cr):
        msg = "Y, Cb and Cr planes differ in size"
        raise ValueError(msg)
    out = bytearray(3 * len(y))
    red = [(91881 * (c - 128) + 32768) >> 16 for c in range(256)]
    blue = [(116130 * (c - 128) + 32768) >> 16 for c in range(256)]
    green_b = [-22554 * (c - 128) for c in range(256)]
    green_r = [-46802 * (c - 128) + 32768 for c in range(256)]
    for i, (luma, b, r) in enumerate(zip(y, cb, cr, strict=True)):
        out[3 * i] = _clip(luma + red[r])
        out[3 * i + 1] = _clip(luma + ((green_b[b] + green_r[r]) >> 16))
        out[3 * i + 2] = _clip(luma + blue[b])
    return bytes(out)


# libwebp src/dsp/yuv.h: VP8YUVToR/G/B with YUV_FIX2 = 6 (14-bit precision).
def _clip8(value: int) -> int:
    if value & ~((256 << 6) - 1) == 0:
        return value >> 6
    return 0 if value < 0 else 255


def _upsample_pair_rows(
    top_u: list[int], cur_u: list[int], width: int
) -> tuple[list[int], list[int]]:
    """Chroma for a luma row pair (upper, lower) from chroma rows ``top_u``, ``cur_u``.

    A literal transcription of libwebp's UPSAMPLE_FUNC (src/dsp/upsampling.c), one
    channel at a time: the packed two-channel arithmetic there never carries between
    channels, so per-channel evaluation is the same rule.
    """
    upper = [0] * width
    lower = [0] * width
    tl, left = top_u[0], cur_u[0]
    upper[0] = (3 * tl + left + 2) >> 2
    lower[0] = (3 * left + tl + 2) >> 2
    last_pair = (width - 1) >> 1
    for x in range(1, last_pair + 1):
        top, cur = top_u[x], cur_u[x]
        avg = tl + top + left + cur + 8
        diag_12 = (avg + 2 * (top + left)) >> 3
        diag_03 = (avg + 2 * (tl + cur)) >> 3
        upper[2 * x - 1] = (diag_12 + tl) >> 1
        upper[2 * x] = (diag_03 + top) >> 1
        lower[2 * x - 1] = (diag_03 + left) >> 1
        lower[2 * x] = (diag_12 + cur) >> 1
        tl, left = top, cur
    if not width & 1:
        upper[width - 1] = (3 * tl + left + 2) >> 2
        lower[width - 1] = (3 * left + tl + 2) >> 2
    return upper, lower


def _emit_row(y_row: bytes, u_row: list[int], v_row: list[int], out: bytearray) -> None:
    for luma, u, v in zip(y_row, u_row, v_row, strict=True):
        yy = (luma * 19077) >> 8
        out += bytes(
            (
                _clip8(yy + ((v * 26149) >> 8) - 14234),
                _clip8(yy - ((u * 6419) >> 8) - ((v * 13320) >> 8) + 8708),
                _clip8(yy + ((u * 33050) >> 8) - 17685),
            )
        )


def yuv420_fancy_to_rgb(
    y: bytes, u: bytes, v: bytes, width: int, height: int
) -> bytes:
    """LRS-5: RGB8 from 4:2:0 planes (chroma ``ceil(width/2) x ceil(height/2)``).

    Row schedule of libwebp's EmitFancyRGB: luma row 0 uses chroma row 0 alone; luma rows
    2k-1 and 2k use chroma rows k-1 and k; for an even height the last luma row uses the
    last chroma row alone.
    """
    cw, ch = (width + 1) // 2, (height + 1) // 2
    if len(y) != width * height or len(u) != cw * ch or len(v) != cw * ch:
        msg = "plane sizes do not match the image size"
        raise ValueError(msg)

    def crow(plane: bytes, k: int) -> list[int]:
        return list(plane[k * cw : (k + 1) * cw])

    def yrow(k: int) -> bytes:
        return y[k * width : (k + 1) * width]

    out = bytearray()
    first_u, _ = _upsample_pair_rows(crow(u, 0), crow(u, 0), width)
    first_v, _ = _upsample_pair_rows(crow(v, 0), crow(v, 0), width)
    _emit_row(yrow(0), first_u, first_v, out)
    for k in range(1, ch):
        upper_u, lower_u = _upsample_pair_rows(crow(u, k - 1), crow(u, k), width)
        upper_v, lower_v = _upsample_pair_rows(crow(v, k - 1), crow(v, k), width)
        _emit_row(yrow(2 * k - 1), upper_u, upper_v, out)
        if 2 * k < height:
            _emit_row(yrow(2 * k), lower_u, lower_v, out)
    if height > 1 and not height & 1:
        last_u, _ = _upsample_pair_rows(crow(u, ch - 1), crow(u, ch - 1), width)
        last_v, _ = _upsample_pair_rows(crow(v, ch - 1), crow(v, ch - 1), width)
        _emit_row(yrow(height - 1), last_u, last_v, out)
    return bytes(out)

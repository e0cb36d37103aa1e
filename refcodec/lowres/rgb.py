"""Exact integer YCbCr -> RGB8 conversions of the low-resolution image (spec/lowres.md §3).

Both rules are pure integer arithmetic, so every conforming decoder produces the same
pixels from the same decoded planes:

* :func:`ycbcr444_full_to_rgb` (LRS-7): full-range BT.601 4:4:4, 16-bit fixed point;
  used by the ``avif`` codec.
* :func:`yuv420_fancy_to_rgb` (LRS-5): limited-range BT.601 4:2:0 with libwebp's "fancy"
  chroma upsampling and 14-bit fixed-point matrix, the rule libwebp applies by default;
  used by the ``webp`` codec.

Both are evaluated on whole planes with numpy (int32, whose ``>>`` rounds toward minus
infinity like Python's), so their cost is a few array passes, not a Python loop per pixel:
a 2048x2048 reference image converts in a fraction of a second. tests/test_rgb_vectorised.py
checks them against the literal per-pixel transcriptions.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["yuv420_fancy_to_rgb", "ycbcr444_full_to_rgb"]

Plane = npt.NDArray[np.int32]

# LRS-7 as lookup tables: R and B as (luma << 8 | chroma) -> byte; G through the chroma
# term g(Cb, Cr) = (-22554 (Cb - 128) - 46802 (Cr - 128) + 32768) >> 16, then
# (luma, g) -> byte. Built once from the formulas, with Python integer semantics.
_CODES = np.arange(256, dtype=np.int32) - 128
_LUMA = np.arange(256, dtype=np.int32)[:, None]
_RED = np.clip(_LUMA + ((91881 * _CODES + 32768) >> 16), 0, 255).astype(np.uint8).ravel()
_BLUE = np.clip(_LUMA + ((116130 * _CODES + 32768) >> 16), 0, 255).astype(np.uint8).ravel()
_G_TERM = ((-22554 * _CODES)[:, None] + (-46802 * _CODES + 32768)[None, :]) >> 16
_G_MIN = int(_G_TERM.min())
_G_INDEX = (_G_TERM - _G_MIN).astype(np.int32).ravel()  # (Cb << 8 | Cr) -> g - _G_MIN
_G_SPAN = int(_G_INDEX.max()) + 1
_GREEN = np.clip(_LUMA + np.arange(_G_MIN, _G_MIN + _G_SPAN, dtype=np.int32), 0,
                 255).astype(np.uint8).ravel()


_SLICE = 1 << 16  # pixels converted at a time


def _plane(data: bytes) -> Plane:
    return np.frombuffer(data, dtype=np.uint8).astype(np.int32)


def _interleave(red: Plane, green: Plane, blue: Plane) -> bytes:
    return np.stack((red, green, blue), axis=-1).astype(np.uint8).tobytes()


def ycbcr444_full_to_rgb(y: bytes, cb: bytes, cr: bytes) -> bytes:
    """LRS-7: R, G, B interleaved from full-range BT.601 Y, Cb, Cr planes of equal size."""
    if not len(y) == len(cb) == len(cr):
        msg = "Y, Cb and Cr planes differ in size"
        raise ValueError(msg)
    out = np.empty((len(y), 3), dtype=np.uint8)
    for start in range(0, len(y), _SLICE):  # slices bound the int32 temporaries
        end = start + _SLICE
        luma, b, r = _plane(y[start:end]), _plane(cb[start:end]), _plane(cr[start:end])
        out[start:end, 0] = _RED[(luma << 8) | r]
        out[start:end, 1] = _GREEN[luma * _G_SPAN + _G_INDEX[(b << 8) | r]]
        out[start:end, 2] = _BLUE[(luma << 8) | b]
    return out.tobytes()


def _upsample(top: Plane, cur: Plane, width: int) -> tuple[Plane, Plane]:
    """Chroma for luma row pairs (upper, lower) from chroma rows ``top``, ``cur`` (one
    row pair per array row): libwebp's UPSAMPLE_FUNC (src/dsp/upsampling.c), per channel
    (its packed two-channel arithmetic never carries between channels)."""
    rows = top.shape[0]
    upper = np.empty((rows, width), dtype=np.int32)
    lower = np.empty((rows, width), dtype=np.int32)
    upper[:, 0] = (3 * top[:, 0] + cur[:, 0] + 2) >> 2
    lower[:, 0] = (3 * cur[:, 0] + top[:, 0] + 2) >> 2
    last_pair = (width - 1) >> 1
    if last_pair:
        tl, left = top[:, :last_pair], cur[:, :last_pair]
        tp, cr = top[:, 1 : last_pair + 1], cur[:, 1 : last_pair + 1]
        avg = tl + tp + left + cr + 8
        diag_12 = (avg + 2 * (tp + left)) >> 3
        diag_03 = (avg + 2 * (tl + cr)) >> 3
        upper[:, 1 : 2 * last_pair : 2] = (diag_12 + tl) >> 1
        upper[:, 2 : 2 * last_pair + 1 : 2] = (diag_03 + tp) >> 1
        lower[:, 1 : 2 * last_pair : 2] = (diag_03 + left) >> 1
        lower[:, 2 : 2 * last_pair + 1 : 2] = (diag_12 + cr) >> 1
    if not width & 1:
        tl, left = top[:, last_pair], cur[:, last_pair]
        upper[:, width - 1] = (3 * tl + left + 2) >> 2
        lower[:, width - 1] = (3 * left + tl + 2) >> 2
    return upper, lower


def _clip8(value: Plane) -> Plane:
    """libwebp's VP8Clip8 (YUV_FIX2 = 6): value >> 6 inside 0..255, clamped outside."""
    return np.clip(value, 0, (256 << 6) - 1) >> 6


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
    # Per luma row j: chroma rows (top, cur) and whether it takes the lower output.
    j = np.arange(height)
    k = (j + 1) // 2
    top_row = np.where(j == 0, 0, np.minimum(k - 1, ch - 1))
    cur_row = np.minimum(k, ch - 1)
    lower = (j > 0) & (j % 2 == 0)
    luma = _plane(y).reshape(height, width)

    def chroma(plane: bytes) -> Plane:
        rows = _plane(plane).reshape(ch, cw)
        up, low = _upsample(rows[top_row], rows[cur_row], width)
        return np.where(lower[:, None], low, up)

    cu, cv = chroma(u), chroma(v)
    yy = (luma * 19077) >> 8
    red = _clip8(yy + ((cv * 26149) >> 8) - 14234)
    green = _clip8(yy - ((cu * 6419) >> 8) - ((cv * 13320) >> 8) + 8708)
    blue = _clip8(yy + ((cu * 33050) >> 8) - 17685)
    return _interleave(red, green, blue)

"""The numpy conversions of refcodec/lowres/rgb.py equal the literal per-pixel rules.

``_reference_*`` below are the per-pixel transcriptions of spec/lowres.md LRS-7 and LRS-5
that refcodec used before the conversions were vectorised (commit e246d64); they stay here
as the oracle. Random planes (hypothesis), every 8-bit triple, and the planes of every
image conformance case must give identical bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import refcodec
from fuzz.framing import chunks_of
from refcodec.lowres import avif, lowres_size
from refcodec.lowres.rgb import ycbcr444_full_to_rgb, yuv420_fancy_to_rgb

CASES = Path(__file__).resolve().parent.parent / "conformance" / "cases"


def _clip(value: int) -> int:
    return 0 if value < 0 else 255 if value > 255 else value


def _reference_444(y: bytes, cb: bytes, cr: bytes) -> bytes:
    out = bytearray(3 * len(y))
    for i, (luma, b, r) in enumerate(zip(y, cb, cr, strict=True)):
        out[3 * i] = _clip(luma + ((91881 * (r - 128) + 32768) >> 16))
        out[3 * i + 1] = _clip(luma + ((-22554 * (b - 128) - 46802 * (r - 128) + 32768) >> 16))
        out[3 * i + 2] = _clip(luma + ((116130 * (b - 128) + 32768) >> 16))
    return bytes(out)


def _clip8(value: int) -> int:
    if value & ~((256 << 6) - 1) == 0:
        return value >> 6
    return 0 if value < 0 else 255


def _upsample_pair_rows(top_u: bytes, cur_u: bytes, width: int) -> tuple[list[int], list[int]]:
    upper, lower = [0] * width, [0] * width
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
        out += bytes((_clip8(yy + ((v * 26149) >> 8) - 14234),
                      _clip8(yy - ((u * 6419) >> 8) - ((v * 13320) >> 8) + 8708),
                      _clip8(yy + ((u * 33050) >> 8) - 17685)))


def _reference_420(y: bytes, u: bytes, v: bytes, width: int, height: int) -> bytes:
    cw, ch = (width + 1) // 2, (height + 1) // 2

    def crow(plane: bytes, k: int) -> bytes:
        return plane[k * cw : (k + 1) * cw]

    def yrow(k: int) -> bytes:
        return y[k * width : (k + 1) * width]

    out = bytearray()
    _emit_row(yrow(0), _upsample_pair_rows(crow(u, 0), crow(u, 0), width)[0],
              _upsample_pair_rows(crow(v, 0), crow(v, 0), width)[0], out)
    for k in range(1, ch):
        upper_u, lower_u = _upsample_pair_rows(crow(u, k - 1), crow(u, k), width)
        upper_v, lower_v = _upsample_pair_rows(crow(v, k - 1), crow(v, k), width)
        _emit_row(yrow(2 * k - 1), upper_u, upper_v, out)
        if 2 * k < height:
            _emit_row(yrow(2 * k), lower_u, lower_v, out)
    if height > 1 and not height & 1:
        _emit_row(yrow(height - 1),
                  _upsample_pair_rows(crow(u, ch - 1), crow(u, ch - 1), width)[0],
                  _upsample_pair_rows(crow(v, ch - 1), crow(v, ch - 1), width)[0], out)
    return bytes(out)


@st.composite
def planes_444(draw: st.DrawFn) -> tuple[bytes, bytes, bytes]:
    n = draw(st.integers(0, 300))
    return (draw(st.binary(min_size=n, max_size=n)), draw(st.binary(min_size=n, max_size=n)),
            draw(st.binary(min_size=n, max_size=n)))


@given(planes_444())
def test_444_equals_the_per_pixel_rule(planes: tuple[bytes, bytes, bytes]) -> None:
    assert ycbcr444_full_to_rgb(*planes) == _reference_444(*planes)


def test_444_every_triple() -> None:
    """All 2**24 (Y, Cb, Cr) triples would take minutes in the oracle: every (Cb, Cr) pair
    with Y in {0, 1, 127, 128, 254, 255}, and every Y with a spread of chroma."""
    pairs = [(b, r) for b in range(256) for r in range(256)]
    for luma in (0, 1, 127, 128, 254, 255):
        y = bytes([luma]) * len(pairs)
        cb, cr = bytes(p[0] for p in pairs), bytes(p[1] for p in pairs)
        assert ycbcr444_full_to_rgb(y, cb, cr) == _reference_444(y, cb, cr)
    y = bytes(range(256)) * 16
    cb = bytes((7 * i) % 256 for i in range(len(y)))
    cr = bytes((13 * i + 5) % 256 for i in range(len(y)))
    assert ycbcr444_full_to_rgb(y, cb, cr) == _reference_444(y, cb, cr)


def test_444_spans_several_slices() -> None:
    n = (1 << 16) * 2 + 17  # crosses the slice boundaries of the implementation
    y = bytes((i * 31) % 256 for i in range(n))
    cb = bytes((i * 17 + 3) % 256 for i in range(n))
    cr = bytes((i * 11 + 9) % 256 for i in range(n))
    assert ycbcr444_full_to_rgb(y, cb, cr) == _reference_444(y, cb, cr)


@st.composite
def planes_420(draw: st.DrawFn) -> tuple[bytes, bytes, bytes, int, int]:
    width, height = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    cn = ((width + 1) // 2) * ((height + 1) // 2)
    return (draw(st.binary(min_size=width * height, max_size=width * height)),
            draw(st.binary(min_size=cn, max_size=cn)), draw(st.binary(min_size=cn, max_size=cn)),
            width, height)


@given(planes_420())
def test_420_equals_the_per_pixel_rule(args: tuple[bytes, bytes, bytes, int, int]) -> None:
    assert yuv420_fancy_to_rgb(*args) == _reference_420(*args)


def _avif_cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*avif*/input.gpc"))


@pytest.mark.parametrize("path", _avif_cases(), ids=lambda p: p.parent.name)
def test_conformance_avif_planes_convert_identically(path: Path) -> None:
    (width, height), chunks = chunks_of(path.read_bytes())
    payload = next(p for tag, p in chunks if tag == 0x02)
    low = lowres_size(width, height)
    try:
        planes = avif.decode_planes(payload[5:], *low)
    except refcodec.FormatError:
        pytest.skip("the case's AV1 data does not decode (a must-reject case)")
    assert ycbcr444_full_to_rgb(*planes) == _reference_444(*planes)

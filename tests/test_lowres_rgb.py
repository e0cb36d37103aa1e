"""The exact YCbCr -> RGB rules of spec/lowres.md §3 (LRS-5, LRS-7)."""

from __future__ import annotations

import ctypes
import ctypes.util
import io
from pathlib import Path

import PIL
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from refcodec.lowres import avif
from refcodec.lowres.rgb import ycbcr444_full_to_rgb, yuv420_fancy_to_rgb


def _library(name: str) -> ctypes.CDLL | None:
    """lib``name`` as Pillow loaded it (wheel-bundled), or the system's; None if absent."""
    bundled = Path(PIL.__file__).resolve().parent.parent / "pillow.libs"
    candidates = [str(p) for p in sorted(bundled.glob(f"lib{name}-*.so*"))]
    system = ctypes.util.find_library(name)
    candidates += [system] if system else []
    for candidate in candidates:
        try:
            return ctypes.CDLL(candidate)
        except OSError:
            continue
    return None


def _webp_planes(lib: ctypes.CDLL, data: bytes) -> tuple[int, int, bytes, bytes, bytes]:
    """Y, U, V from libwebp's WebPDecodeYUV: the normative VP8 output, no conversion."""
    decode = lib.WebPDecodeYUV
    decode.restype = ctypes.POINTER(ctypes.c_uint8)
    w, h, stride, uv_stride = (ctypes.c_int() for _ in range(4))
    u, v = ctypes.POINTER(ctypes.c_uint8)(), ctypes.POINTER(ctypes.c_uint8)()
    y = decode(data, len(data), ctypes.byref(w), ctypes.byref(h), ctypes.byref(u),
               ctypes.byref(v), ctypes.byref(stride), ctypes.byref(uv_stride))
    assert y, "WebPDecodeYUV failed"
    width, height = w.value, h.value
    cw, ch = (width + 1) // 2, (height + 1) // 2

    def plane(ptr: ctypes._Pointer[ctypes.c_uint8], step: int, cols: int, rows: int) -> bytes:
        base = ctypes.addressof(ptr.contents)
        return b"".join(ctypes.string_at(base + r * step, cols) for r in range(rows))

    planes = (plane(y, stride.value, width, height), plane(u, uv_stride.value, cw, ch),
              plane(v, uv_stride.value, cw, ch))
    lib.WebPFree(y)
    return width, height, *planes


def _noise(width: int, height: int, seed: int) -> Image.Image:
    image = Image.new("RGB", (width, height))
    image.putdata([((x * 37 + y * 91 + seed) % 256, (x * x + 7 * y * seed) % 256,
                    (x * y * 13 + seed * 5) % 256) for y in range(height) for x in range(width)])
    return image


LIBWEBP = _library("webp")
LIBAVIF = _library("avif")


def _avif_planes(lib: ctypes.CDLL, file: bytes) -> list[bytes]:
    """Y, Cb, Cr as libavif decodes them, before any conversion (avifDecoderReadMemory).

    Reads the leading fields of libavif 1.x's ``avifImage``: width, height, depth,
    yuvFormat, yuvRange, yuvChromaSamplePosition (u32 each), yuvPlanes[3], yuvRowBytes[3].
    """
    lib.avifDecoderCreate.restype = ctypes.c_void_p
    lib.avifImageCreateEmpty.restype = ctypes.c_void_p
    lib.avifDecoderReadMemory.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                                          ctypes.c_size_t]
    lib.avifDecoderDestroy.argtypes = [ctypes.c_void_p]
    lib.avifImageDestroy.argtypes = [ctypes.c_void_p]
    decoder, image = lib.avifDecoderCreate(), lib.avifImageCreateEmpty()
    try:
        assert lib.avifDecoderReadMemory(decoder, image, file, len(file)) == 0
        width, height, depth, yuv_format, yuv_range = (ctypes.c_uint32 * 5).from_address(image)
        assert (depth, yuv_format, yuv_range) == (8, 1, 1)  # 8-bit, YUV444, full range
        planes = (ctypes.c_void_p * 3).from_address(image + 24)
        rows = (ctypes.c_uint32 * 3).from_address(image + 48)
        starts = [int(planes[i] or 0) for i in range(3)]
        assert all(starts)
        return [b"".join(ctypes.string_at(starts[i] + r * rows[i], width) for r in range(height))
                for i in range(3)]
    finally:
        lib.avifImageDestroy(image)
        lib.avifDecoderDestroy(decoder)


@pytest.mark.skipif(LIBAVIF is None, reason="libavif shared library not found")
@pytest.mark.parametrize("quality", [5, 40, 90])
def test_identity_wrapped_decode_returns_libavifs_raw_planes(quality: int) -> None:
    assert LIBAVIF is not None
    image = _noise(24, 20, quality).resize((72, 56))
    data = avif.encode(image, quality)
    canonical = avif.build_avif(*avif.split(data, 72, 56), 72, 56)
    assert _avif_planes(LIBAVIF, canonical) == list(avif.decode_planes(data, 72, 56))


@pytest.mark.skipif(LIBWEBP is None, reason="libwebp shared library not found")
@given(width=st.integers(1, 40), height=st.integers(1, 40), quality=st.integers(0, 100),
       seed=st.integers(0, 255))
def test_libwebp_rgb_output_is_the_lrs5_rule(
    width: int, height: int, quality: int, seed: int
) -> None:
    assert LIBWEBP is not None
    buffer = io.BytesIO()
    _noise(width, height, seed).save(buffer, "WEBP", quality=quality)
    w, h, y, u, v = _webp_planes(LIBWEBP, buffer.getvalue())
    pillow = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB").tobytes()
    assert yuv420_fancy_to_rgb(y, u, v, w, h) == pillow


def test_full_range_grey_and_extremes() -> None:
    assert ycbcr444_full_to_rgb(bytes([0, 128, 255]), bytes([128] * 3), bytes([128] * 3)) == (
        bytes([0, 0, 0, 128, 128, 128, 255, 255, 255]))
    # Y 255, Cb 0, Cr 255: red clips at 255, G = 255 + floor(-3024174 / 2**16) (LRS-7)
    assert ycbcr444_full_to_rgb(b"\xff", b"\x00", b"\xff") == bytes([255, 208, 28])


def test_avif_planes_agree_with_libavifs_own_conversion_to_one_level() -> None:
    image = _noise(32, 24, 3).resize((64, 48))
    data = avif.encode(image, 60)
    sequence_header, frame = avif.split(data, 64, 48)
    canonical = avif.build_avif(sequence_header, frame, 64, 48)
    libavif = Image.open(io.BytesIO(canonical)).convert("RGB").tobytes()
    exact = avif.decode(data, 64, 48)
    assert max(abs(a - b) for a, b in zip(libavif, exact, strict=True)) <= 1


def test_plane_size_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="plane"):
        yuv420_fancy_to_rgb(b"\x00" * 4, b"\x00", b"\x00\x00", 2, 2)
    with pytest.raises(ValueError, match="planes"):
        ycbcr444_full_to_rgb(b"\x00", b"", b"\x00")

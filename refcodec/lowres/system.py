"""A second plane decoder for codecs 2 and 3: the system's libwebp and libdav1d via ctypes.

The reference decodes VP8 and AV1 through Pillow's bundled libraries. With the
environment variable ``GPC_LOWRES_DECODER=system`` it takes the planes from the shared
libraries the system provides instead (Debian 12: libwebp 1.2.4, dav1d 1.0.0) and
applies the annex's sample-to-RGB rules itself. The conformance suite gives the same
verdicts and requests with both (spec/lowres.md LRS-14); the test suite checks this.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache

from ..errors import BackendUnavailable

__all__ = ["DecodeFailed", "dav1d_planes", "selected", "webp_planes"]

ENV = "GPC_LOWRES_DECODER"
EAGAIN = 11


class DecodeFailed(Exception):
    """The library refused the stream or returned a frame of another shape."""


def selected() -> bool:
    """Whether ``GPC_LOWRES_DECODER=system`` asks for the system libraries."""
    return os.environ.get(ENV, "") == "system"


@cache
def _library(name: str, soname: str) -> ctypes.CDLL:
    for candidate in (soname, ctypes.util.find_library(name)):
        if candidate:
            try:
                return ctypes.CDLL(candidate)
            except OSError:
                continue
    msg = f"{ENV}=system needs the shared library {soname} (Debian: apt install lib{name}-dev)"
    raise BackendUnavailable(msg)


def webp_planes(file: bytes) -> tuple[int, int, bytes, bytes, bytes]:
    """``(width, height, Y, U, V)`` of a lossy WebP file from libwebp's WebPDecodeYUV."""
    lib = _library("webp", "libwebp.so.7")
    decode = lib.WebPDecodeYUV
    decode.restype = ctypes.c_void_p
    w, h, stride, uv_stride = (ctypes.c_int() for _ in range(4))
    u, v = ctypes.c_void_p(), ctypes.c_void_p()
    y = decode(file, ctypes.c_size_t(len(file)), ctypes.byref(w), ctypes.byref(h),
               ctypes.byref(u), ctypes.byref(v), ctypes.byref(stride), ctypes.byref(uv_stride))
    if not y:
        msg = "libwebp refused the VP8 frame"
        raise DecodeFailed(msg)
    try:
        cw, ch = (w.value + 1) // 2, (h.value + 1) // 2
        planes = (_rows(y, w.value, h.value, stride.value),
                  _rows(u.value, cw, ch, uv_stride.value),  # type: ignore[arg-type]
                  _rows(v.value, cw, ch, uv_stride.value))  # type: ignore[arg-type]
    finally:
        lib.WebPFree(ctypes.c_void_p(y))  # U and V live in the same allocation
    return w.value, h.value, *planes


def _rows(base: int, width: int, height: int, stride: int) -> bytes:
    return b"".join(ctypes.string_at(base + row * stride, width) for row in range(height))


# dav1d 1.x ABI (include/dav1d/picture.h): the offsets of the Dav1dPicture fields read here.
_PIC_DATA, _PIC_STRIDE, _PIC_PARAMS = 16, 40, 56
_I444 = 3


def dav1d_planes(obus: bytes, width: int, height: int) -> tuple[bytes, bytes, bytes]:
    """Y, Cb, Cr of a low-overhead OBU sequence decoded by libdav1d (one thread)."""
    lib = _library("dav1d", "libdav1d.so.6")
    lib.dav1d_data_create.restype = ctypes.c_void_p
    settings = ctypes.create_string_buffer(1024)  # larger than any Dav1dSettings
    lib.dav1d_default_settings(settings)
    ctypes.c_int.from_buffer(settings, 0).value = 1  # n_threads
    ctypes.c_int.from_buffer(settings, 4).value = 1  # max_frame_delay
    context = ctypes.c_void_p()
    if lib.dav1d_open(ctypes.byref(context), settings) < 0:
        msg = "dav1d_open failed"
        raise DecodeFailed(msg)
    data = ctypes.create_string_buffer(256)  # Dav1dData: data, sz, ref, props
    picture = ctypes.create_string_buffer(1024)
    try:
        buffer = lib.dav1d_data_create(data, ctypes.c_size_t(len(obus)))
        if not buffer:
            msg = "dav1d_data_create failed"
            raise DecodeFailed(msg)
        ctypes.memmove(buffer, obus, len(obus))
        size = ctypes.c_size_t.from_buffer(data, 8)
        for _ in range(8):
            if size.value:
                rc = lib.dav1d_send_data(context, data)
                if rc < 0 and rc != -EAGAIN:
                    msg = f"dav1d_send_data returned {rc}"
                    raise DecodeFailed(msg)
            rc = lib.dav1d_get_picture(context, picture)
            if rc == 0:
                break
            if rc != -EAGAIN:
                msg = f"dav1d_get_picture returned {rc}"
                raise DecodeFailed(msg)
        else:
            msg = "dav1d returned no frame"
            raise DecodeFailed(msg)
        try:
            w, h, layout, bpc = (ctypes.c_int.from_buffer(picture, _PIC_PARAMS + 4 * i).value
                                 for i in range(4))
            if (w, h, layout, bpc) != (width, height, _I444, 8):
                msg = f"dav1d decoded a {w}x{h} frame, layout {layout}, {bpc} bits"
                raise DecodeFailed(msg)
            planes = []
            for i in range(3):
                base = ctypes.c_void_p.from_buffer(picture, _PIC_DATA + 8 * i).value
                stride = ctypes.c_ssize_t.from_buffer(picture, _PIC_STRIDE + 8 * min(i, 1)).value
                planes.append(_rows(base or 0, w, h, stride))
        finally:
            lib.dav1d_picture_unref(picture)
        return planes[0], planes[1], planes[2]
    finally:
        if ctypes.c_size_t.from_buffer(data, 8).value:
            lib.dav1d_data_unref(data)
        lib.dav1d_close(ctypes.byref(context))

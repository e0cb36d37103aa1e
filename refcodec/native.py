"""The optional native fast path: libgpc (``libgpc/``, a C reader written from the spec).

When ``libgpc.so`` is built (``make -C libgpc``) and implements the same spec version as
this package, ``gpc-ppm1`` text decoding and the "is this file valid?" question of
``gpc validate`` go through it; everything else, and every file libgpc does not call
valid, stays with the pure-Python reference, which remains the readable definition and
the fallback. ``GPC_PURE_PYTHON=1`` turns the fast path off; ``GPC_LIBGPC=PATH`` names
the library. ctypes, not a compiled extension: the package still installs without a
compiler, and the C library stays usable from any language with the same header.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache
from pathlib import Path

from . import registry
from .errors import FormatError

__all__ = ["Native", "library", "ppm1_decode", "validate"]

VALID, INVALID, UNDECIDED = 0, 1, 2


class _Info(ctypes.Structure):
    """``gpc_info`` of libgpc/include/gpc.h (fixed-size fields only)."""

    _fields_ = [("result", ctypes.c_int32), ("clause", ctypes.c_char * 16),
                ("message", ctypes.c_char * 240), ("file_size", ctypes.c_uint32),
                ("version", ctypes.c_uint32), ("read_version", ctypes.c_uint32),
                ("size_preset", ctypes.c_uint32), ("width", ctypes.c_uint32),
                ("height", ctypes.c_uint32), ("template_id", ctypes.c_int32),
                ("text_codec", ctypes.c_int32), ("text_length", ctypes.c_uint32),
                ("image_codec", ctypes.c_int32), ("lowres_width", ctypes.c_uint32),
                ("lowres_height", ctypes.c_uint32), ("image_check", ctypes.c_uint32),
                ("image_model", ctypes.c_int32), ("chunk_count", ctypes.c_uint32),
                ("chunk_tag", ctypes.c_uint32 * 16), ("chunk_offset", ctypes.c_uint32 * 16),
                ("chunk_size", ctypes.c_uint32 * 16)]


class Native:
    """A loaded libgpc."""

    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)
        lib.gpc_version.restype = ctypes.c_char_p
        lib.gpc_validate.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_Info)]
        lib.gpc_ppm1_decode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t,
                                        ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_Info)]
        lib.gpc_request_json.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                         ctypes.POINTER(ctypes.c_void_p),
                                         ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(_Info)]
        lib.gpc_decode_lowres.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                          ctypes.POINTER(ctypes.c_void_p),
                                          ctypes.POINTER(ctypes.c_uint32),
                                          ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(_Info)]
        lib.gpc_free.argtypes = [ctypes.c_void_p]
        self.lib, self.path = lib, path
        self.version: str = lib.gpc_version().decode()

    def validate(self, data: bytes) -> tuple[int, str, str]:
        """``(result, clause, message)``: VALID, INVALID or UNDECIDED."""
        info = _Info()
        result = int(self.lib.gpc_validate(data, len(data), ctypes.byref(info)))
        return result, info.clause.decode(), info.message.decode("utf-8", "replace")

    def request_json(self, data: bytes) -> tuple[int, str, bytes | None]:
        """``(result, clause, request JSON or None)``."""
        pointer, size, info = ctypes.c_void_p(), ctypes.c_size_t(), _Info()
        result = int(self.lib.gpc_request_json(data, len(data), ctypes.byref(pointer),
                                               ctypes.byref(size), ctypes.byref(info)))
        if not pointer.value:
            return result, info.clause.decode(), None
        try:
            return result, info.clause.decode(), ctypes.string_at(pointer, size.value)
        finally:
            self.lib.gpc_free(pointer)

    def lowres(self, data: bytes) -> tuple[int, bytes | None, int, int]:
        """``(result, RGB8 pixels or None, width, height)`` of the reference image."""
        pointer, width, height = ctypes.c_void_p(), ctypes.c_uint32(), ctypes.c_uint32()
        result = int(self.lib.gpc_decode_lowres(data, len(data), ctypes.byref(pointer),
                                                ctypes.byref(width), ctypes.byref(height),
                                                None))
        if not pointer.value:
            return result, None, 0, 0
        try:
            rgb = ctypes.string_at(pointer, width.value * height.value * 3)
        finally:
            self.lib.gpc_free(pointer)
        return result, rgb, width.value, height.value

    def ppm1_decode(self, data: bytes, text_length: int) -> bytes:
        """The ``text_length`` bytes a gpc-ppm1 payload encodes; FormatError otherwise."""
        out = ctypes.create_string_buffer(max(text_length, 1))
        info = _Info()
        result = self.lib.gpc_ppm1_decode(data, len(data), text_length, out, len(out),
                                          ctypes.byref(info))
        if result == VALID:
            return out.raw[:text_length]
        if result == INVALID:
            raise FormatError(info.clause.decode() or "TXT-3",
                              info.message.decode("utf-8", "replace"))
        msg = f"libgpc gpc_ppm1_decode failed with status {result}"
        raise RuntimeError(msg)


def _candidates() -> list[str]:
    named = os.environ.get("GPC_LIBGPC")
    if named:
        return [named]
    here = Path(__file__).resolve().parent
    found = [str(p) for p in (here / "_libgpc.so", here.parent / "libgpc/build/libgpc.so")
             if p.is_file()]
    system = ctypes.util.find_library("gpc")
    return [*found, *([system] if system else [])]


@cache
def library() -> Native | None:
    """The usable libgpc, or None (absent, disabled, or another spec version)."""
    if os.environ.get("GPC_PURE_PYTHON", "") not in ("", "0"):
        return None
    spec = f"(GPC {registry.SPEC_VERSION[0]}.{registry.SPEC_VERSION[1]})"
    for path in _candidates():
        try:
            native = Native(path)
        except (OSError, AttributeError):
            continue
        if native.version.endswith(spec):
            return native
    return None


def validate(data: bytes) -> bool | None:
    """True when libgpc calls ``data`` valid; None when it cannot say it is (absent,
    invalid or undecided: the reference then decides and words the message)."""
    native = library()
    if native is None:
        return None
    return True if native.validate(data)[0] == VALID else None


def ppm1_decode(data: bytes, text_length: int) -> bytes | None:
    """The fast gpc-ppm1 decode, or None when libgpc is not in use."""
    native = library()
    return None if native is None else native.ppm1_decode(data, text_length)

"""Image codec 1, ``png``: lossless, the PNG image data alone (spec/lowres.md §4).

The chunk stores the raw DEFLATE stream (RFC 1951) of the filtered scanlines of an 8-bit
RGB, non-interlaced PNG; signature, IHDR, the zlib header and Adler-32, and IEND follow
from the header size and are rebuilt (LRS-4).
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from ..codecs import exact_pixels, register_image_codec
from ..errors import FormatError

__all__ = ["QUALITIES", "build_png", "decode", "encode"]

QUALITIES = range(1)  # lossless: nothing to search
SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZLIB_HEADER = b"\x78\xda"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _inflate(data: bytes, width: int, height: int) -> bytes:
    """LRS-4: the filtered scanlines; exactly ``height * (1 + 3 * width)`` bytes."""
    expected = height * (1 + 3 * width)
    inflater = zlib.decompressobj(wbits=-15)
    try:
        raw = inflater.decompress(data, expected + 1)
    except zlib.error:
        msg = "png data is not a valid raw DEFLATE stream"
        raise FormatError("LRS-4", msg) from None
    if len(raw) != expected or not inflater.eof or inflater.unused_data:
        msg = (f"png data must be one DEFLATE stream of exactly {expected} bytes "
               "ending at the end of the chunk")
        raise FormatError("LRS-4", msg)
    stride = 1 + 3 * width
    if any(raw[row * stride] > 4 for row in range(height)):  # checked here, not by a library
        msg = "png scanlines use an invalid filter type (not 0-4)"
        raise FormatError("LRS-4", msg)
    return raw


def build_png(data: bytes, width: int, height: int) -> bytes:
    """LRS-4: the PNG file whose only IDAT holds ``data`` in a zlib wrapper."""
    raw = _inflate(data, width, height)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = ZLIB_HEADER + data + struct.pack(">I", zlib.adler32(raw))
    return SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def encode(image: Image.Image, quality: int = 0) -> bytes:
    """The chunk data for an RGB image (``quality`` is ignored: the codec is lossless)."""
    del quality
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG", optimize=True)
    file = buffer.getvalue()
    pos, stream = len(SIGNATURE), bytearray()
    while pos < len(file):
        (length,) = struct.unpack(">I", file[pos : pos + 4])
        if file[pos + 4 : pos + 8] == b"IDAT":
            stream += file[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return bytes(stream[2:-4])  # drop the zlib header and the Adler-32


def decode(data: bytes, width: int, height: int) -> bytes:
    """RGB8 pixels of the chunk data (LRS-4)."""
    file = build_png(data, width, height)
    try:
        with Image.open(io.BytesIO(file), formats=["PNG"]) as image:
            image.load()
            return image.tobytes()
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError):
        msg = "png scanlines use an invalid filter type"
        raise FormatError("LRS-4", msg) from None


register_image_codec("png", decode=exact_pixels(decode), encode=encode,
                     qualities=QUALITIES)

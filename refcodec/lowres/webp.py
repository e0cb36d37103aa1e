"""Image codec 2, ``webp``: one lossy VP8 key frame (spec/lowres.md §6).

The chunk stores the VP8 frame without its 10-byte uncompressed header: the first
partition's size as a varint, then the partitions. The frame tag, start code and
dimensions, and the RIFF/WebP wrapper, follow from the header size and are rebuilt
(LRS-11).

The decoded image is the VP8 frame's Y, U, V planes (RFC 6386, bit-exact) converted by
LRS-5, which is libwebp's default conversion ("fancy" upsampling, 14-bit BT.601); the
reference decoder therefore takes libwebp's RGB output from Pillow. The test suite checks
this equality against the planes from libwebp's ``WebPDecodeYUV``.
"""

from __future__ import annotations

import io
import struct

from PIL import Image

from ..codecs import exact_pixels, pillow_feature, register_image_codec
from ..errors import BackendUnavailable, FormatError
from ..varint import decode_varint, encode_varint

__all__ = ["QUALITIES", "build_webp", "decode", "encode"]

QUALITIES = range(101)  # libwebp quality factor, searched by rate control
START_CODE = b"\x9d\x01\x2a"
MAX_FIRST_PARTITION = (1 << 19) - 1


def build_webp(data: bytes, width: int, height: int) -> bytes:
    """LRS-11: the simple-format lossy WebP file around the stored frame."""
    try:
        first_partition, start = decode_varint(data, 0)
    except FormatError:
        msg = "webp data ends inside the first-partition size"
        raise FormatError("LRS-11", msg) from None
    if first_partition > MAX_FIRST_PARTITION or first_partition > len(data) - start:
        msg = f"VP8 first partition of {first_partition} bytes does not fit the data"
        raise FormatError("LRS-11", msg)
    tag = 0x10 | (first_partition << 5)  # key frame, version 0, show_frame
    frame = struct.pack("<I", tag)[:3] + START_CODE + struct.pack("<HH", width, height)
    frame += data[start:]
    chunk = b"VP8 " + struct.pack("<I", len(frame)) + frame + b"\x00" * (len(frame) & 1)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def encode(image: Image.Image, quality: int) -> bytes:
    """The chunk data for an RGB image at one libwebp quality (informative encoder)."""
    buffer = io.BytesIO()
    try:
        image.save(buffer, "WEBP", quality=quality, method=6, lossless=False, exact=False)
    except (KeyError, OSError) as exc:
        msg = "WebP encoding needs Pillow built with libwebp"
        raise BackendUnavailable(msg) from exc
    file = buffer.getvalue()
    if file[12:16] != b"VP8 ":
        msg = "libwebp did not write a simple-format lossy file"
        raise RuntimeError(msg)
    (length,) = struct.unpack("<I", file[16:20])
    frame = file[20 : 20 + length]
    (tag,) = struct.unpack("<I", frame[:3] + b"\x00")
    if tag & 0x1F != 0x10 or frame[3:6] != START_CODE:
        msg = "libwebp wrote an unexpected VP8 frame header"
        raise RuntimeError(msg)
    return encode_varint(tag >> 5) + frame[10:]


def decode(data: bytes, width: int, height: int) -> bytes:
    """RGB8 pixels of the chunk data (LRS-5 on the planes of LRS-11)."""
    file = build_webp(data, width, height)
    try:
        with Image.open(io.BytesIO(file), formats=["WEBP"]) as image:
            image.load()
            rgb = image if image.mode == "RGB" else image.convert("RGB")  # no extra copy
            size, pixels = rgb.size, rgb.tobytes()
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
        if "not installed" in str(exc) or "unknown" in str(exc).lower():
            msg = "WebP decoding needs Pillow built with libwebp"
            raise BackendUnavailable(msg) from exc
        msg = f"the VP8 frame does not decode ({type(exc).__name__})"
        raise FormatError("LRS-11", msg) from None
    if size != (width, height):
        msg = f"the VP8 frame decodes to {size[0]}x{size[1]}, not {width}x{height}"
        raise FormatError("LRS-11", msg)
    return pixels


register_image_codec("webp", decode=exact_pixels(decode), encode=encode,
                     qualities=QUALITIES, available=pillow_feature("webp"))

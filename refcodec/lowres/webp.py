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
from . import system
from .rgb import yuv420_fancy_to_rgb

__all__ = ["QUALITIES", "build_webp", "decode", "encode"]

QUALITIES = range(101)  # libwebp quality factor, searched by rate control
START_CODE = b"\x9d\x01\x2a"
MAX_FIRST_PARTITION = (1 << 19) - 1


def build_webp(data: bytes, width: int, height: int) -> bytes:
    """LRS-11, LRS-16, LRS-17: the simple-format lossy WebP file around the stored frame."""
    try:
        first_partition, start = decode_varint(data, 0)
    except FormatError as exc:
        if exc.clause != "VINT-1":
            raise  # VINT-2, VINT-3 keep their clauses (§2.2)
        msg = "webp data ends inside the first-partition size"
        raise FormatError("LRS-11", msg) from None
    if first_partition > MAX_FIRST_PARTITION:
        msg = f"VP8 first partition size {first_partition} does not fit the 19-bit field"
        raise FormatError("LRS-16", msg)
    if first_partition > len(data) - start:
        msg = f"VP8 first partition of {first_partition} bytes does not fit the data"
        raise FormatError("LRS-11", msg)
    check_partitions(data[start:], first_partition)
    tag = 0x10 | (first_partition << 5)  # key frame, version 0, show_frame
    frame = struct.pack("<I", tag)[:3] + START_CODE + struct.pack("<HH", width, height)
    frame += data[start:]
    chunk = b"VP8 " + struct.pack("<I", len(frame)) + frame + b"\x00" * (len(frame) & 1)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


class _BoolDecoder:
    """RFC 6386 §7.3 boolean decoder; bytes past the end of the partition read as zero."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 2
        self.value = int.from_bytes(data[:2].ljust(2, b"\x00"), "big")
        self.range, self.bit_count = 255, 0

    def bool(self, probability: int) -> int:
        split = 1 + (((self.range - 1) * probability) >> 8)
        big_split = split << 8
        if self.value >= big_split:
            bit, self.range, self.value = 1, self.range - split, self.value - big_split
        else:
            bit, self.range = 0, split
        while self.range < 128:
            self.value, self.range = self.value << 1, self.range << 1
            self.bit_count += 1
            if self.bit_count == 8:
                self.bit_count = 0
                self.value |= self.data[self.pos] if self.pos < len(self.data) else 0
                self.pos += 1
        return bit

    def literal(self, bits: int) -> int:
        value = 0
        for _ in range(bits):
            value = (value << 1) | self.bool(128)
        return value

    def signed(self, bits: int) -> None:
        """An optional signed field: flag, magnitude, sign (the value is not needed)."""
        if self.literal(1):
            self.literal(bits + 1)


def dct_partitions(first_partition: bytes) -> int:
    """The number of DCT token partitions a key frame's header declares (RFC 6386 §9.2-9.5,
    §19.2): the header fields up to ``log2_nbr_of_dct_partitions``."""
    bits = _BoolDecoder(first_partition)
    bits.literal(2)  # color_space, clamping_type
    if bits.literal(1):  # segmentation_enabled
        update_map, update_data = bits.literal(1), bits.literal(1)
        if update_data:
            bits.literal(1)  # segment_feature_mode
            for _ in range(4):
                bits.signed(7)  # quantizer update
            for _ in range(4):
                bits.signed(6)  # loop filter update
        if update_map:
            for _ in range(3):
                if bits.literal(1):
                    bits.literal(8)  # segment_prob
    bits.literal(1 + 6 + 3)  # filter_type, loop_filter_level, sharpness_level
    if bits.literal(1) and bits.literal(1):  # loop_filter_adj_enable, mode_ref_lf_delta_update
        for _ in range(8):
            bits.signed(6)  # ref_frame and mb_mode deltas
    return 1 << bits.literal(2)


def check_partitions(partitions: bytes, first_partition: int) -> None:
    """LRS-17: after the first partition, the 3-byte sizes of all token partitions but the
    last, each partition within the data, and a last partition of at least one byte."""
    count = dct_partitions(partitions[:first_partition])
    pos = first_partition + 3 * (count - 1)
    if pos > len(partitions):
        msg = f"VP8 data ends inside the sizes of its {count} token partitions"
        raise FormatError("LRS-17", msg)
    for k in range(count - 1):
        size = int.from_bytes(partitions[first_partition + 3 * k : first_partition + 3 * k + 3],
                              "little")
        pos += size
    if pos >= len(partitions):
        msg = f"VP8 token partitions ({count}) do not fit the data, or the last is empty"
        raise FormatError("LRS-17", msg)


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
    """RGB8 pixels of the chunk data (LRS-5 on the planes of LRS-11).

    Pillow's libwebp output is LRS-5/LRS-6 exactly; with ``GPC_LOWRES_DECODER=system`` the
    planes come from the system's libwebp and the conversion is done here. Any decoder
    failure is IMG-3 (LRS-14)."""
    file = build_webp(data, width, height)
    if system.selected():
        try:
            w, h, y, u, v = system.webp_planes(file)
        except system.DecodeFailed as exc:
            raise FormatError("IMG-3", f"the VP8 frame does not decode: {exc}") from None
        if (w, h) != (width, height):
            msg = f"the VP8 frame decodes to {w}x{h}, not {width}x{height}"
            raise FormatError("IMG-3", msg)
        return yuv420_fancy_to_rgb(y, u, v, width, height)
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
        raise FormatError("IMG-3", msg) from None
    if size != (width, height):
        msg = f"the VP8 frame decodes to {size[0]}x{size[1]}, not {width}x{height}"
        raise FormatError("IMG-3", msg)
    return pixels


register_image_codec("webp", decode=exact_pixels(decode), encode=encode,
                     qualities=QUALITIES, available=pillow_feature("webp"))

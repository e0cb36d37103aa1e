"""The harnesses: one function per target, each taking the fuzzer's bytes.

A harness returns normally when the reader accepted or rejected the input as allowed
(``FormatError``; ``BackendUnavailable`` for an image codec this Pillow cannot decode)
and raises anything else; for accepted files it also checks the reader's invariants
(``build(parse(b)) == b`` and a generation request can be derived).

``to_input`` turns a whole ``.gpc`` file into this harness's input format (or None), so
every harness is seeded from the conformance cases.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import refcodec
from refcodec import textmodel
from refcodec.errors import BackendUnavailable, FormatError
from refcodec.lowres import CODECS, lowres_size
from refcodec.varint import encode_varint

from .framing import TAG_IMAGE, TAG_META, TAG_TEXT, chunk, chunks_of, container, size_header

__all__ = ["HARNESSES", "Harness"]

ALLOWED = (FormatError, BackendUnavailable)
SHORT_TEXT = chunk(TAG_TEXT, b"\x00\x00Image: a red door.")  # template 0, stored


def check_file(data: bytes) -> None:
    """Parse ``data``; for a valid file, check the round trip and derive the request."""
    try:
        gpc = refcodec.parse(data)
    except ALLOWED:
        return
    rebuilt = refcodec.build(gpc)
    if rebuilt != data:
        msg = f"build(parse(b)) != b for a valid file of {len(data)} bytes"
        raise AssertionError(msg)
    refcodec.derive_request(gpc).to_json()


# ------------------------------------------------------------------ raw bytes
def raw(data: bytes) -> None:
    """Any bytes, straight into refcodec.parse."""
    check_file(data)


def sealed(data: bytes) -> None:
    """Any bytes with their last four replaced by the CRC-32 of the rest (INT-1 passes),
    so mutations reach the header and chunk checks behind the CRC."""
    check_file(data[:-4] + struct.pack("<I", zlib.crc32(data[:-4])) if len(data) > 4 else data)


# --------------------------------------------------------------- text chunk
def _text_harness(codec: int) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        """Input: one byte (template = bit 0), for codecs 1-3 two bytes of declared
        length (little-endian, modulo 16,389; for gpc-ppm1 modulo the data's length + 65),
        then the codec's data; wrapped in a valid file."""
        if len(data) < (1 if codec == 0 else 3):
            return
        template = data[0] & 1
        payload = encode_varint(template) + encode_varint(codec)
        if codec == 0:
            payload += data[1:]
        else:
            declared = int.from_bytes(data[1:3], "little")
            # gpc-ppm1 decodes the declared length whatever the data (TXC-2), and slowly
            # under instrumentation: keep its outputs near the data's size.
            declared %= 16389 if codec != 3 else len(data) - 3 + 65
            payload += encode_varint(declared) + data[3:]
        check_file(container(chunk(TAG_TEXT, payload)))

    return run


def _text_input(codec: int) -> Callable[[bytes], bytes | None]:
    def convert(file: bytes) -> bytes | None:
        for tag, payload in chunks_of(file)[1]:
            if tag == TAG_TEXT and len(payload) >= 2 and payload[1] == codec:
                head = bytes([payload[0] & 1])
                if codec == 0:
                    return head + payload[2:]
                length, pos = _varint(payload, 2)
                return head + length.to_bytes(2, "little") + payload[pos:]
        return None

    return convert


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80 or shift > 14:
            return value, pos
        shift += 7


def ppm1_decoder(data: bytes) -> None:
    """gpc-ppm1's decoder alone: byte 0 sets the text length to len(stream) + 1 + (0-63),
    so the stream is always a model stream (TXC-4) and the output stays short."""
    if not data:
        return
    stream = data[1:]
    length = len(stream) + 1 + (data[0] & 63)
    try:
        text = textmodel.decode(stream, length)
    except FormatError:
        return
    if len(text) != length:
        msg = f"decoded {len(text)} bytes, declared {length}"
        raise AssertionError(msg)


def _ppm1_input(file: bytes) -> bytes | None:
    for tag, payload in chunks_of(file)[1]:
        if tag == TAG_TEXT and len(payload) >= 3 and payload[1] == 3:
            length, pos = _varint(payload, 2)
            stream = payload[pos:]
            if len(stream) < length:
                return bytes([min(length - len(stream) - 1, 63)]) + stream
    return None


# -------------------------------------------------------------- image chunk
#: Header sizes the image harnesses choose from (low-resolution size in brackets).
SIZES = ((1024, 1024), (99, 77), (64, 64), (8, 8), (1000, 700), (256, 256), (16, 24), (1, 1))
#: [128x128, 13x10, 8x8, 1x1, 125x88, 32x32, 2x3, 1x1]


def _image_harness(codec: int) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        """Input: one byte choosing the header size (low 3 bits; bit 3: keep the fuzzed
        check, else the CRC of the decoded pixels is filled in), 4 bytes of check, then the
        codec's data; wrapped with a text chunk in a valid file."""
        if len(data) < 5:
            return
        width, height = SIZES[data[0] & 7]
        check = int.from_bytes(data[1:5], "little")
        body = data[5:]
        if not data[0] & 8:
            try:
                check = zlib.crc32(CODECS[codec].decode(body, *lowres_size(width, height)))
            except ALLOWED:
                pass  # parse below rejects it again, as the reader must
        payload = encode_varint(codec) + check.to_bytes(4, "little") + body
        check_file(container(SHORT_TEXT, chunk(TAG_IMAGE, payload),
                             size=size_header(width, height)))

    return run


def _image_input(codec: int) -> Callable[[bytes], bytes | None]:
    def convert(file: bytes) -> bytes | None:
        (width, height), chunks = chunks_of(file)
        for tag, payload in chunks:
            if tag == TAG_IMAGE and len(payload) >= 5 and payload[0] == codec:
                choice = SIZES.index((width, height)) if (width, height) in SIZES else 0
                return bytes([choice]) + payload[1:]
        return None

    return convert


# --------------------------------------------------------------- meta chunk
def meta(data: bytes) -> None:
    """Input: the meta chunk payload, after a valid text chunk."""
    check_file(container(SHORT_TEXT, chunk(TAG_META, data), version=0x10))


def _meta_input(file: bytes) -> bytes | None:
    for tag, payload in chunks_of(file)[1]:
        if tag == TAG_META:
            return payload
    return None


# ----------------------------------------------------------------- registry
@dataclass(frozen=True)
class Harness:
    name: str
    target: Callable[[bytes], None]
    to_input: Callable[[bytes], bytes | None]
    max_len: int  # libFuzzer -max_len
    native: bool = False  # runs libwebp/libavif/dav1d: fuzzed under libFuzzer's fork mode
    description: str = ""


HARNESSES: dict[str, Harness] = {h.name: h for h in (
    Harness("raw", raw, lambda f: f, 4096, description="any bytes into refcodec.parse"),
    Harness("sealed", sealed, lambda f: f, 4096,
            description="any bytes with the CRC-32 recomputed, into refcodec.parse"),
    Harness("text-stored", _text_harness(0), _text_input(0), 2048,
            description="text chunk, codec stored"),
    Harness("text-deflate", _text_harness(1), _text_input(1), 2048,
            description="text chunk, codec deflate"),
    Harness("text-brotli", _text_harness(2), _text_input(2), 2048,
            description="text chunk, codec brotli"),
    Harness("text-ppm1", _text_harness(3), _text_input(3), 1024,
            description="text chunk, codec gpc-ppm1, through the container"),
    Harness("ppm1", ppm1_decoder, _ppm1_input, 256,
            description="gpc-ppm1 decoder alone, short outputs"),
    Harness("image-png", _image_harness(1), _image_input(1), 8192, native=True,
            description="image chunk, codec png (zlib, libpng via Pillow)"),
    Harness("image-webp", _image_harness(2), _image_input(2), 8192, native=True,
            description="image chunk, codec webp (libwebp via Pillow)"),
    Harness("image-avif", _image_harness(3), _image_input(3), 8192, native=True,
            description="image chunk, codec avif (libavif/dav1d via Pillow)"),
    Harness("meta", meta, _meta_input, 2048, description="meta chunk payload"),
)}

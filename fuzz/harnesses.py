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


def _file_harness(to_file: Callable[[bytes], bytes | None]) -> Callable[[bytes], None]:
    """The harness that parses the file ``to_file`` makes of its input."""
    def run(data: bytes) -> None:
        file = to_file(data)
        if file is not None:
            check_file(file)

    run.__doc__ = to_file.__doc__
    return run


# ------------------------------------------------------------------ raw bytes
def _raw_file(data: bytes) -> bytes | None:
    """Any bytes, straight into refcodec.parse."""
    return data


def _sealed_file(data: bytes) -> bytes | None:
    """Any bytes with their last four replaced by the CRC-32 of the rest (INT-1 passes),
    so mutations reach the header and chunk checks behind the CRC."""
    return data[:-4] + struct.pack("<I", zlib.crc32(data[:-4])) if len(data) > 4 else data


# --------------------------------------------------------------- text chunk
def _text_file(codec: int) -> Callable[[bytes], bytes | None]:
    def to_file(data: bytes) -> bytes | None:
        """Input: one byte (template = bit 0), for codecs 1-3 two bytes of declared
        length (little-endian, modulo 16,389; for gpc-ppm1 modulo the data's length + 65),
        then the codec's data; wrapped in a valid file."""
        if len(data) < (1 if codec == 0 else 3):
            return None
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
        return container(chunk(TAG_TEXT, payload))

    return to_file


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
    """gpc-ppm1's decoder alone: byte 0 sets the text length to len(stream) + 1 + (0-31),
    so the stream is always a model stream (TXC-4) and the output stays short (inputs of
    at most 96 bytes: ~1,000 executions a second under instrumentation; the text-ppm1
    harness covers longer texts through the container)."""
    if not data:
        return
    stream = data[1:]
    length = len(stream) + 1 + (data[0] & 31)
    try:
        text = textmodel.decode(stream, length)
    except FormatError:
        return
    if len(text) != length:
        msg = f"decoded {len(text)} bytes, declared {length}"
        raise AssertionError(msg)


def _ppm1_file(data: bytes) -> bytes | None:
    """The file whose text chunk holds what ppm1_decoder decodes (for the benchmark)."""
    if not data:
        return None
    stream = data[1:]
    length = len(stream) + 1 + (data[0] & 31)
    payload = b"\x00\x03" + encode_varint(length) + stream
    return container(chunk(TAG_TEXT, payload))


def _ppm1_input(file: bytes) -> bytes | None:
    for tag, payload in chunks_of(file)[1]:
        if tag == TAG_TEXT and len(payload) >= 3 and payload[1] == 3:
            length, pos = _varint(payload, 2)
            stream = payload[pos:]
            if len(stream) < length:
                return bytes([min(length - len(stream) - 1, 31)]) + stream
    return None


# -------------------------------------------------------------- image chunk
#: Header sizes the image harnesses choose from (low-resolution size in brackets).
SIZES = ((1024, 1024), (99, 77), (64, 64), (8, 8), (1000, 700), (256, 256), (16, 24), (1, 1))
#: [128x128, 13x10, 8x8, 1x1, 125x88, 32x32, 2x3, 1x1]


def _image_file(codec: int) -> Callable[[bytes], bytes | None]:
    def to_file(data: bytes) -> bytes | None:
        """Input: one byte choosing the header size (low 3 bits; bit 3: keep the fuzzed
        check, else the CRC of the decoded pixels is filled in), 4 bytes of check, then the
        codec's data; wrapped with a text chunk in a valid file."""
        if len(data) < 5:
            return None
        width, height = SIZES[data[0] & 7]
        check = int.from_bytes(data[1:5], "little")
        body = data[5:]
        if not data[0] & 8:
            try:
                check = zlib.crc32(CODECS[codec].decode(body, *lowres_size(width, height)).symbols)
            except ALLOWED:
                pass  # parse below rejects it again, as the reader must
        payload = encode_varint(codec) + check.to_bytes(4, "little") + body
        return container(SHORT_TEXT, chunk(TAG_IMAGE, payload), size=size_header(width, height))

    return to_file


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
def _meta_file(data: bytes) -> bytes | None:
    """Input: the meta chunk payload, after a valid text chunk."""
    return container(SHORT_TEXT, chunk(TAG_META, data), version=0x10)


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
    to_input: Callable[[bytes], bytes | None]  # a .gpc file -> a seed, if it has one
    to_file: Callable[[bytes], bytes | None]  # an input -> the .gpc file it amounts to
    max_len: int  # libFuzzer -max_len
    native: bool = False  # runs libwebp/libavif/dav1d: fuzzed under libFuzzer's fork mode
    description: str = ""


def _harness(name: str, to_file: Callable[[bytes], bytes | None],
             to_input: Callable[[bytes], bytes | None], max_len: int, description: str,
             native: bool = False) -> Harness:
    return Harness(name, _file_harness(to_file), to_input, to_file, max_len, native,
                   description)


HARNESSES: dict[str, Harness] = {h.name: h for h in (
    _harness("raw", _raw_file, _raw_file, 4096, "any bytes into refcodec.parse"),
    _harness("sealed", _sealed_file, _raw_file, 4096,
             "any bytes with the CRC-32 recomputed, into refcodec.parse"),
    _harness("text-stored", _text_file(0), _text_input(0), 2048, "text chunk, codec stored"),
    _harness("text-deflate", _text_file(1), _text_input(1), 2048, "text chunk, codec deflate"),
    _harness("text-brotli", _text_file(2), _text_input(2), 2048, "text chunk, codec brotli"),
    _harness("text-ppm1", _text_file(3), _text_input(3), 1024,
             "text chunk, codec gpc-ppm1, through the container"),
    Harness("ppm1", ppm1_decoder, _ppm1_input, _ppm1_file, 96,
            description="gpc-ppm1 decoder alone, short outputs"),
    _harness("image-png", _image_file(1), _image_input(1), 8192,
             "image chunk, codec png (zlib, libpng via Pillow)", native=True),
    _harness("image-webp", _image_file(2), _image_input(2), 8192,
             "image chunk, codec webp (libwebp via Pillow)", native=True),
    _harness("image-avif", _image_file(3), _image_input(3), 8192,
             "image chunk, codec avif (libavif/dav1d via Pillow)", native=True),
    _harness("meta", _meta_file, _meta_input, 2048, "meta chunk payload"),
)}

"""The GPC container in construct, read top-down like spec/gpc.md (§2-§7, §18).

Layout of a file (§3)::

    signature     4 bytes   89 47 50 43            §4   SIG-1
    version       u8        writer version          §5.1 VER-1
    read_version  u8        minimum reader version  §5.1 VER-2, VER-3
    size_preset   varint    §5.3 HDR-1
    [width]       varint    only if size_preset == 0, HDR-2
    [height]      varint    only if size_preset == 0, HDR-2
    chunk*        tag u8, length varint, payload     §6   CHK-1..CHK-8
    crc32         u32 LE    over every byte before it §7  INT-1

Every check raises :class:`~refcodec.errors.FormatError` naming its clause;
construct's own errors never escape (``parse_container`` maps them). The
checks run in the order of §18 (ORD-1), so every implementation that follows
the spec reports the same first clause for the same bad file.

The payload of each chunk type is its own module (:mod:`refcodec.chunks`). The chunk
walk stays explicit Python rather than one construct ``Switch``: ORD-1 puts the CRC
before any chunk, and each chunk's frame checks (CHK-1, CHK-2, CHK-5, CHK-6, LIM-4)
before its payload, checks that a declarative sequence would run in another order.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from construct import (
    Bytes,
    ConstructError,
    Container,
    If,
    Int8ub,
    Int32ul,
    Struct,
    this,
)

from . import registry
from .chunks import HANDLERS, Chunk, ChunkContext, UnknownChunk, payload_bytes, read_payload
from .chunks.base import KnownImages, tag_of
from .errors import FormatError
from .fields import Require, VarInt
from .limits import MAX_CHUNKS, MAX_DIMENSION, MAX_FILE_BYTES, MIN_FILE_BYTES
from .varint import decode_varint

__all__ = [
    "SIGNATURE",
    "ChunkFrame",
    "ImageSize",
    "Prefix",
    "build_container",
    "image_dimensions",
    "parse_container",
]

SIGNATURE = b"\x89GPC"
VERSION_MAJOR = registry.SPEC_VERSION[0]
VERSION_MINOR = registry.SPEC_VERSION[1]
TAG_TEXT = tag_of("text")
ANCILLARY_BIT = 0x80
RESERVED_TAG_BIT = 0x40


def _version_text(byte: int) -> str:
    return f"{byte >> 4}.{byte & 0x0F}"


# fmt: off
# ------------------------------------------------------- §4, §5.1 prefix
Prefix = Struct(
    "signature" / Bytes(4),
    Require("SIG-1", lambda c: c.signature == SIGNATURE,
            lambda c: f"not a GPC file: signature {c.signature.hex(' ')} is not 89 47 50 43"),
    "version" / Int8ub,
    Require("VER-1", lambda c: c.version >> 4 == VERSION_MAJOR,
            lambda c: f"unsupported major version {c.version >> 4} "
                      f"(this reader implements major version {VERSION_MAJOR})"),
    "read_version" / Int8ub,
    Require("VER-2", lambda c: c.read_version >> 4 == c.version >> 4
                               and c.read_version <= c.version,
            lambda c: f"read version {_version_text(c.read_version)} is inconsistent with "
                      f"version {_version_text(c.version)}"),
    Require("VER-3", lambda c: c.read_version & 0x0F <= VERSION_MINOR,
            lambda c: f"file needs a reader of version {_version_text(c.read_version)}; "
                      f"this reader implements {VERSION_MAJOR}.{VERSION_MINOR}"),
)

# ------------------------------------------------------------ §5.3 size
ImageSize = Struct(
    "size_preset" / VarInt,
    Require("HDR-1", lambda c: c.size_preset == 0
                               or registry.size_preset(c.size_preset) is not None,
            lambda c: f"unknown size preset {c.size_preset}"),
    "width" / If(this.size_preset == 0, VarInt),
    "height" / If(this.size_preset == 0, VarInt),
    Require("LIM-2", lambda c: c.size_preset != 0 or (1 <= c.width <= MAX_DIMENSION
                                                      and 1 <= c.height <= MAX_DIMENSION),
            lambda c: f"image size {c.width}x{c.height} outside 1..{MAX_DIMENSION}"),
    Require("HDR-2", lambda c: c.size_preset != 0
                               or registry.size_preset_for(c.width, c.height) == 0,
            lambda c: f"explicit size {c.width}x{c.height} must be written as preset "
                      f"{registry.size_preset_for(c.width, c.height)}"),
)

# ---------------------------------------------------------------- §6 chunks
ChunkFrame = Struct(
    "tag" / Int8ub,
    Require("CHK-1", lambda c: not c.tag & RESERVED_TAG_BIT,
            lambda c: f"chunk tag 0x{c.tag:02X} has the reserved bit 0x40 set"),
    "length" / VarInt,
)
# fmt: on


# ---------------------------------------------------------------- §6 chunks
def _parse_chunks(body: bytes, offset: int, context: ChunkContext) -> list[Chunk]:
    """Walk the chunk sequence from ``offset`` to the end of ``body`` (§6)."""
    chunks: list[Chunk] = []
    counts: dict[int, int] = {}
    previous_tag = 0
    while offset < len(body):
        if len(chunks) == MAX_CHUNKS:
            msg = f"more than {MAX_CHUNKS} chunks"
            raise FormatError("LIM-4", msg)
        tag = body[offset]
        if tag & RESERVED_TAG_BIT:
            msg = f"chunk tag 0x{tag:02X} has the reserved bit 0x40 set"
            raise FormatError("CHK-1", msg)
        try:
            length, start = decode_varint(body, offset + 1)
        except FormatError as exc:
            if exc.clause != "VINT-1":
                raise
            msg = f"chunk 0x{tag:02X} length field runs past the end of the chunk area"
            raise FormatError("CHK-2", msg) from None
        if start + length > len(body):
            msg = (f"chunk 0x{tag:02X} declares {length} payload bytes but only "
                   f"{len(body) - start} remain before the CRC")
            raise FormatError("CHK-2", msg)
        if tag < previous_tag:
            msg = f"chunk 0x{tag:02X} follows chunk 0x{previous_tag:02X} (tags must not decrease)"
            raise FormatError("CHK-5", msg)
        previous_tag = tag
        counts[tag] = counts.get(tag, 0) + 1
        handler = HANDLERS.get(tag)
        if handler is None:
            if not tag & ANCILLARY_BIT:
                msg = f"unknown critical chunk 0x{tag:02X}"
                raise FormatError("CHK-3", msg)
            chunks.append(UnknownChunk(tag, body[start : start + length]))  # CHK-4: kept
        else:
            known = handler.row
            if counts[tag] > known.max_count:
                msg = f"{known.name} chunk appears more than {known.max_count} time(s)"
                raise FormatError("CHK-6", msg)
            chunks.append(read_payload(tag, body[start : start + length], context))
        offset = start + length
    if counts.get(TAG_TEXT, 0) != 1:
        raise FormatError("CHK-7", "the file has no text chunk")
    return chunks


# ------------------------------------------------------------ §7, §18 file
def parse_container(
    data: bytes, model_dir: Path | None = None, known_images: KnownImages | None = None
) -> tuple[Container, Container, list[Chunk]]:
    """Check ``data`` in the order of §18 and return (prefix, size, chunks).

    ``model_dir``: where neural models load from (spec/neural.md); ``known_images``:
    image chunks already decoded from the same bytes, not decoded again.
    """
    if data[:4] != SIGNATURE:
        msg = f"not a GPC file: signature {data[:4].hex(' ') or '(empty)'} is not 89 47 50 43"
        raise FormatError("SIG-1", msg)
    if len(data) < 6:
        msg = f"file of {len(data)} bytes ends inside the header"
        raise FormatError("LIM-1", msg)
    prefix = Prefix.parse(data[:6])  # VER-1..3 come before anything a newer version may change
    if not MIN_FILE_BYTES <= len(data) <= MAX_FILE_BYTES:
        msg = f"file size {len(data)} outside {MIN_FILE_BYTES}..{MAX_FILE_BYTES} bytes"
        raise FormatError("LIM-1", msg)
    body, stored_crc = data[:-4], Int32ul.parse(data[-4:])
    computed = zlib.crc32(body)
    if stored_crc != computed:
        msg = f"CRC-32 mismatch: stored 0x{stored_crc:08X}, computed 0x{computed:08X}"
        raise FormatError("INT-1", msg)
    stream = io.BytesIO(body)
    stream.seek(6)
    try:
        size = ImageSize.parse_stream(stream)
    except FormatError:
        raise
    except ConstructError:
        raise FormatError("FILE-2", "the header runs past the end of the data") from None
    context = ChunkContext(*image_dimensions(size), model_dir, known_images or {},
                           prefix.read_version)
    return prefix, size, _parse_chunks(body, stream.tell(), context)


def image_dimensions(size: Container) -> tuple[int, int]:
    """Width and height from the parsed size fields (§5.3)."""
    if size.size_preset:
        preset = registry.size_preset(size.size_preset)
        assert preset is not None  # HDR-1 was checked
        return preset.width, preset.height
    return size.width, size.height


def build_container(
    prefix: dict[str, Any], size: dict[str, Any], chunks: Iterable[Chunk]
) -> bytes:
    """Serialise the prefix, size and chunks; append the CRC (§7)."""
    out = bytearray(Prefix.build(prefix) + ImageSize.build(size))
    for chunk in chunks:
        payload = payload_bytes(chunk)
        out += ChunkFrame.build({"tag": chunk.tag, "length": len(payload)}) + payload
    body = bytes(out)
    crc: bytes = Int32ul.build(zlib.crc32(body))
    return body + crc

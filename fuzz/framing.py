"""Byte helpers for the structure-aware harnesses: wrap a fuzzed payload in a valid
container (lengths and CRC recomputed) and pull payloads back out of existing files.

Kept free of refcodec's parser on purpose: it must split files that refcodec rejects.
"""

from __future__ import annotations

import struct
import zlib

from refcodec import registry
from refcodec.varint import encode_varint

__all__ = ["SIGNATURE", "chunk", "chunks_of", "container", "size_header"]

SIGNATURE = b"\x89GPC"
TAG_TEXT, TAG_IMAGE, TAG_META = 0x01, 0x02, 0x81


def chunk(tag: int, payload: bytes) -> bytes:
    """One chunk: tag, canonical varint length, payload (spec/gpc.md §6)."""
    return bytes([tag]) + encode_varint(len(payload)) + payload


def size_header(width: int, height: int) -> bytes:
    """The size field: the preset ID where one exists (HDR-2), else 0 and the size."""
    preset = registry.size_preset_for(width, height)
    if preset:
        return encode_varint(preset)
    return b"\x00" + encode_varint(width) + encode_varint(height)


def container(*chunks: bytes, version: int = 0x11, size: bytes = b"\x01") -> bytes:
    """A whole file: signature, version and read version, size, chunks, CRC-32."""
    body = SIGNATURE + bytes([version, version]) + size + b"".join(chunks)
    return body + struct.pack("<I", zlib.crc32(body))


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(4):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    msg = "varint too long"
    raise ValueError(msg)


def chunks_of(data: bytes) -> tuple[tuple[int, int], list[tuple[int, bytes]]]:
    """``((width, height), [(tag, payload), ...])`` of a file, leniently (no CRC check).

    Raises ValueError or IndexError on a file too broken to split; width and height are
    0 for an unknown size preset."""
    pos = 6
    preset, pos = _varint(data, pos)
    known = registry.size_preset(preset)
    size = (known.width, known.height) if known else (0, 0)
    if preset == 0:
        width, pos = _varint(data, pos)
        height, pos = _varint(data, pos)
        size = (width, height)
    out = []
    end = len(data) - 4
    while pos < end:
        tag = data[pos]
        length, pos = _varint(data, pos + 1)
        if pos + length > end:
            msg = "chunk runs past the end"
            raise ValueError(msg)
        out.append((tag, data[pos : pos + length]))
        pos += length
    return size, out

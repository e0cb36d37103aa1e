"""Helpers to craft GPC files byte by byte, valid or not (with a correct CRC unless asked).

Used by the conformance case definitions and by the tests."""

from __future__ import annotations

import struct
import zlib

from refcodec.varint import encode_varint

SIG = b"\x89GPC"
PAD_TAG = 0x90  # an unregistered ancillary chunk type
V10 = b"\x10\x10"


def seal(body: bytes) -> bytes:
    """Append the CRC-32 of ``body`` (INT-1)."""
    return body + struct.pack("<I", zlib.crc32(body))


def chunk(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + encode_varint(len(payload)) + payload


def text_payload(text: bytes = b"hello", template: int = 0, codec: int = 0,
                 length: int | None = None) -> bytes:
    out = encode_varint(template) + encode_varint(codec)
    if codec != 0:
        out += encode_varint(len(text) if length is None else length)
    return out + text


def file(*chunks: bytes, header: bytes = SIG + V10 + b"\x01") -> bytes:
    return seal(header + b"".join(chunks))


def minimal(text: bytes = b"hello") -> bytes:
    return file(chunk(0x01, text_payload(text)))

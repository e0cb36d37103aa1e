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


def ppm1_exhausted(prefix: bytes) -> bytes:
    """A gpc-ppm1 model stream (spec/text-codec.md) that codes ``prefix`` as the reference
    encoder does and then escapes from every order for one more byte, so that order -1 has
    no byte value left (TXC-16). No encoder writes this; only a crafted stream can."""
    from refcodec.textmodel import ppm
    from refcodec.textmodel.rangecoder import RangeEncoder
    from refcodec.textmodel.tablefile import load_table

    table, coder = load_table(), RangeEncoder()
    local: dict[int, dict[int, int]] = {}
    history = 0
    for symbol in [*prefix, -1]:  # -1: a byte no context holds, so every order escapes
        excluded: set[int] = set()
        for order, mask in ppm.ORDER_MASKS:
            counts = ppm._context(table, local, history, order, mask)
            items = [(s, c) for s, c in sorted((counts or {}).items()) if s not in excluded]
            if not items:
                continue
            total, cum = sum(c for _, c in items), 0
            for s, c in items:
                if s == symbol:
                    coder.encode(cum, c, total + len(items))
                    break
                cum += c
            else:
                coder.encode(total, len(items), total + len(items))
                excluded.update(counts or {})
                continue
            break
        else:
            if symbol >= 0:
                below = sum(1 for s in excluded if s < symbol)
                coder.encode(symbol - below, 1, 256 - len(excluded))
        if symbol >= 0:
            ppm._update(table, local, history, symbol)
            history = ((history << 8) | symbol) & ppm.HISTORY_MASK
    assert len(excluded) == 256, "the prefix must contain every byte the prior's order 0 lacks"
    return coder.finish()

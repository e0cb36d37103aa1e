"""Canonical unsigned LEB128 integers (spec/gpc.md §2.2, clauses VINT-1..VINT-3).

Seven value bits per byte, least significant group first, bit 7 set on every
byte but the last. Only the shortest form is valid and at most
``MAX_VARINT_BYTES`` bytes are read, so every value has exactly one encoding
and no input can make the reader loop or allocate.
"""

from __future__ import annotations

from typing import Any

from construct import Construct, SizeofError, stream_read, stream_write

from .errors import FormatError
from .limits import MAX_VARINT_BYTES

__all__ = ["VARINT_LIMIT", "CanonicalVarInt", "decode_varint", "encode_varint", "uleb128"]

#: One more than the largest encodable value.
VARINT_LIMIT = 1 << (7 * MAX_VARINT_BYTES)


def encode_varint(value: int) -> bytes:
    """Shortest ULEB128 form of ``value`` (VINT-1), within the three-byte limit (VINT-3)."""
    if not 0 <= value < VARINT_LIMIT:
        msg = f"varint value {value} outside 0..{VARINT_LIMIT - 1}"
        raise FormatError("VINT-3", msg)
    return uleb128(value)


def uleb128(value: int) -> bytes:
    """Shortest unsigned LEB128 form of any ``value`` >= 0 (also AV1's leb128())."""
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def decode_varint(data: bytes, offset: int) -> tuple[int, int]:
    """Read one canonical varint at ``offset``; return (value, next offset)."""
    value = 0
    for i in range(MAX_VARINT_BYTES):
        if offset + i >= len(data):
            raise FormatError("VINT-1", "variable-length integer runs past the end of its data")
        byte = data[offset + i]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i:
                msg = f"non-canonical variable-length integer (padded with {i} extra byte(s))"
                raise FormatError("VINT-2", msg)
            return value, offset + i + 1
    msg = f"variable-length integer longer than {MAX_VARINT_BYTES} bytes"
    raise FormatError("VINT-3", msg)


class CanonicalVarInt(Construct):  # type: ignore[misc]
    """construct field for a canonical, length-bounded ULEB128 (VINT-1..3)."""

    def _parse(self, stream: Any, context: Any, path: str) -> int:
        value = 0
        for i in range(MAX_VARINT_BYTES):
            byte: int = stream_read(stream, 1, path)[0]
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                if byte == 0 and i:
                    msg = f"non-canonical variable-length integer (padded with {i} extra byte(s))"
                    raise FormatError("VINT-2", msg)
                return value
        msg = f"variable-length integer longer than {MAX_VARINT_BYTES} bytes"
        raise FormatError("VINT-3", msg)

    def _build(self, obj: int, stream: Any, context: Any, path: str) -> int:
        data = encode_varint(obj)
        stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context: Any, path: str) -> int:
        raise SizeofError(path=path)

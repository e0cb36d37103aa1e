"""Canonical unsigned LEB128 integers (spec/gpc.md §2.2, clauses VINT-1..VINT-3).

Seven value bits per byte, least significant group first, bit 7 set on every
byte but the last. Only the shortest form is valid and at most
``MAX_VARINT_BYTES`` bytes are read, so every value has exactly one encoding
and no input can make the reader loop or allocate.

:func:`read_uleb128` is the package's one LEB128 reader: :func:`decode_varint` and
:class:`CanonicalVarInt` use it with these rules, and ``lowres/av1.py`` with AV1's own
(``leb128()``, AV1 §4.10.5: any form, at most 8 bytes) to split an encoder's OBUs.
"""

from __future__ import annotations

from typing import Any

from construct import Construct, SizeofError, stream_read, stream_write

from .errors import FormatError
from .limits import MAX_VARINT_BYTES

__all__ = [
    "VARINT_LIMIT",
    "CanonicalVarInt",
    "decode_varint",
    "encode_varint",
    "read_uleb128",
    "uleb128",
]

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


def read_uleb128(data: bytes, offset: int, max_bytes: int = MAX_VARINT_BYTES, *,
                 canonical: bool = True) -> tuple[int, int]:
    """Read one unsigned LEB128 integer at ``offset``; return (value, next offset).

    The one LEB128 reader of the package. It reads at most ``max_bytes`` bytes and, when
    ``canonical``, accepts only the shortest form. Errors name the varint clauses: VINT-1
    (runs past the end of ``data``), VINT-2 (not the shortest form), VINT-3 (too long).
    """
    value = 0
    for i in range(max_bytes):
        if offset + i >= len(data):
            raise FormatError("VINT-1", "variable-length integer runs past the end of its data")
        byte = data[offset + i]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if canonical and byte == 0 and i:
                msg = f"non-canonical variable-length integer (padded with {i} extra byte(s))"
                raise FormatError("VINT-2", msg)
            return value, offset + i + 1
    msg = f"variable-length integer longer than {max_bytes} bytes"
    raise FormatError("VINT-3", msg)


def decode_varint(data: bytes, offset: int) -> tuple[int, int]:
    """Read one canonical varint at ``offset`` (VINT-1..3); return (value, next offset)."""
    return read_uleb128(data, offset)


class CanonicalVarInt(Construct):  # type: ignore[misc]
    """construct field for a canonical, length-bounded ULEB128 (VINT-1..3)."""

    def _parse(self, stream: Any, context: Any, path: str) -> int:
        # Take the varint's bytes from the stream (a StreamError at its end, as before),
        # then let decode_varint read them.
        raw = bytearray()
        while len(raw) < MAX_VARINT_BYTES:
            raw += stream_read(stream, 1, path)
            if not raw[-1] & 0x80:
                break
        return decode_varint(bytes(raw), 0)[0]

    def _build(self, obj: int, stream: Any, context: Any, path: str) -> int:
        data = encode_varint(obj)
        stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context: Any, path: str) -> int:
        raise SizeofError(path=path)

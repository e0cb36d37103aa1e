"""The meta chunk (spec/gpc.md §10): descriptive key/value pairs, ancillary.

Payload::

    count    varint
    entries  count x (key: varint length + bytes, value: varint length + bytes)

META-2: keys are 1-32 bytes of [a-z0-9._-] in strictly ascending order; values are at
most 1024 bytes of valid UTF-8 without TXT-6's control characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from construct import Construct, SizeofError, Struct
from construct.core import stream_read_entire, stream_write

from .. import textcodecs
from ..errors import FormatError
from ..limits import MAX_META_KEY_BYTES, MAX_META_VALUE_BYTES
from ..varint import decode_varint, encode_varint
from .base import ChunkContext, register_chunk_type, tag_of

__all__ = ["MetaChunk", "MetaPayload"]

class MetaEntries(Construct):  # type: ignore[misc]
    """``count`` then ``count`` entries, to the end of the payload (META-1).

    Parsed by a direct walk rather than construct's ``PrefixedArray``, which builds a
    container per entry: a 1 MiB chunk of empty entries took 25 s. Same verdicts: the
    whole layout is checked (META-1, VINT-2/3) before any META-2 rule.
    """

    def _parse(self, stream: Any, context: Any, path: str) -> list[tuple[bytes, bytes]]:
        data = stream_read_entire(stream, path)
        count, offset = _varint(data, 0)
        entries: list[tuple[bytes, bytes]] = []
        for _ in range(count):
            fields = []
            for _ in range(2):
                length, offset = _varint(data, offset)
                if offset + length > len(data):
                    raise FormatError("META-1", "meta chunk payload is malformed (an entry "
                                                "runs past the end of the chunk)")
                fields.append(data[offset : offset + length])
                offset += length
            entries.append((fields[0], fields[1]))
        if offset != len(data):
            msg = f"meta chunk payload is malformed ({len(data) - offset} bytes after entries)"
            raise FormatError("META-1", msg)
        return entries

    def _build(self, obj: list[tuple[bytes, bytes]], stream: Any, context: Any,
               path: str) -> list[tuple[bytes, bytes]]:
        out = bytearray(encode_varint(len(obj)))
        for key, value in obj:
            out += encode_varint(len(key)) + key + encode_varint(len(value)) + value
        stream_write(stream, bytes(out), len(out), path)
        return obj

    def _sizeof(self, context: Any, path: str) -> int:
        raise SizeofError(path=path)


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """A canonical varint (§2.2); a cut one is a malformed payload (META-1)."""
    if offset < len(data) and data[offset] < 0x80:  # the common one-byte case
        return data[offset], offset + 1
    try:
        return decode_varint(data, offset)
    except FormatError as exc:
        if exc.clause != "VINT-1":
            raise
        raise FormatError("META-1", "meta chunk payload is malformed (cut varint)") from None


MetaPayload = Struct("entries" / MetaEntries())

_KEY_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789._-"


@dataclass(frozen=True)
class MetaChunk:
    """Descriptive metadata (§10): key/value pairs in ascending key order."""

    entries: tuple[tuple[str, str], ...]

    tag = tag_of("meta")


def check_entries(entries: list[tuple[bytes, bytes]]) -> None:
    """META-2, entry by entry."""
    previous = b""
    for key, value in entries:
        if not 1 <= len(key) <= MAX_META_KEY_BYTES or not all(b in _KEY_BYTES for b in key):
            msg = f"metadata key {key!r} is not 1-{MAX_META_KEY_BYTES} bytes of [a-z0-9._-]"
            raise FormatError("META-2", msg)
        if key <= previous:
            msg = f"metadata key {key.decode()!r} is out of order or repeated"
            raise FormatError("META-2", msg)
        previous = key
        if len(value) > MAX_META_VALUE_BYTES:
            msg = f"metadata value of {key.decode()!r} longer than {MAX_META_VALUE_BYTES} bytes"
            raise FormatError("META-2", msg)
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            msg = f"metadata value of {key.decode()!r} is not valid UTF-8"
            raise FormatError("META-2", msg) from exc
        if textcodecs.forbidden_control(text) is not None:
            msg = f"metadata value of {key.decode()!r} holds a control character (TXT-6 rule)"
            raise FormatError("META-2", msg)


def read(parsed: Any, context: ChunkContext) -> MetaChunk:
    del context
    entries: list[tuple[bytes, bytes]] = parsed.entries
    check_entries(entries)
    return MetaChunk(tuple((k.decode(), v.decode()) for k, v in entries))


def write(chunk: MetaChunk) -> dict[str, Any]:
    return {"entries": [(k.encode(), v.encode()) for k, v in chunk.entries]}


register_chunk_type("meta", payload=MetaPayload, layout_clause="META-1", value_class=MetaChunk,
                    read=read, write=write)

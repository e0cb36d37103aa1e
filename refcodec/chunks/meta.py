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

from construct import GreedyBytes, Prefixed, PrefixedArray, Struct, Terminated

from .. import textcodecs
from ..errors import FormatError
from ..fields import VarInt
from ..limits import MAX_META_KEY_BYTES, MAX_META_VALUE_BYTES
from .base import ChunkContext, register_chunk_type, tag_of

__all__ = ["MetaChunk", "MetaPayload"]

# fmt: off
MetaEntry = Struct(
    "key" / Prefixed(VarInt, GreedyBytes),
    "value" / Prefixed(VarInt, GreedyBytes),
)
MetaPayload = Struct(
    "entries" / PrefixedArray(VarInt, MetaEntry),
    Terminated,
)
# fmt: on

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
    entries = [(bytes(e.key), bytes(e.value)) for e in parsed.entries]
    check_entries(entries)
    return MetaChunk(tuple((k.decode(), v.decode()) for k, v in entries))


def write(chunk: MetaChunk) -> dict[str, Any]:
    return {"entries": [{"key": k.encode(), "value": v.encode()} for k, v in chunk.entries]}


register_chunk_type("meta", payload=MetaPayload, layout_clause="META-1", value_class=MetaChunk,
                    read=read, write=write)

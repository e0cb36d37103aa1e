"""What every chunk type module provides, and the table they register in (spec/gpc.md §6).

A chunk type is one module (fontTools' one-table-per-module shape): its construct
``payload`` layout, the clause a malformed payload breaks, its value class, ``read``
(the parsed payload, after the checks that belong to the chunk, to a value) and ``write``
(a value to what ``payload`` builds). Each module registers against the registry row
called by its name; the tag is written only in :mod:`refcodec.registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from construct import Construct, ConstructError

from .. import registry
from ..codecs import DecodedImage
from ..errors import FormatError

__all__ = [
    "HANDLERS",
    "ChunkContext",
    "ChunkHandler",
    "UnknownChunk",
    "read_payload",
    "register_chunk_type",
    "tag_of",
]

#: (codec, check, data) of an image chunk -> its decoded image, to reuse (decode once).
KnownImages = Mapping[tuple[int, int, bytes], DecodedImage]


@dataclass(frozen=True)
class ChunkContext:
    """What a chunk's checks need from the rest of the file: the header size (§5.3), the
    folder neural models load from, images already decoded from the same bytes, and the
    ``read_version`` byte (IMG-11 picks the reference image's size rule by it)."""

    width: int
    height: int
    model_dir: Path | None = None
    known_images: KnownImages = field(default_factory=dict)
    read_version: int = 0xFF


@dataclass(frozen=True)
class UnknownChunk:
    """An ancillary chunk this reader does not know, kept byte for byte (CHK-4)."""

    tag: int
    payload: bytes


@dataclass(frozen=True)
class ChunkHandler:
    """One registered chunk type."""

    row: registry.ChunkType
    payload: Construct
    layout_clause: str
    value_class: type
    read: Callable[[Any, ChunkContext], Any]
    write: Callable[[Any], dict[str, Any]]


#: Registered chunk types by tag.
HANDLERS: dict[int, ChunkHandler] = {}


def tag_of(name: str) -> int:
    """The tag of the chunk type called ``name`` (§17.1)."""
    return registry.named(registry.CHUNK_TYPES, name, "chunk type").tag


def register_chunk_type(name: str, *, payload: Construct, layout_clause: str,
                        value_class: type, read: Callable[[Any, ChunkContext], Any],
                        write: Callable[[Any], dict[str, Any]]) -> None:
    """Register the module of the chunk type row called ``name``."""
    row = registry.named(registry.CHUNK_TYPES, name, "chunk type")
    HANDLERS[row.tag] = ChunkHandler(row, payload, layout_clause, value_class, read, write)


def read_payload(tag: int, payload: bytes, context: ChunkContext) -> Any:
    """The value of a known chunk's payload; FormatError naming the clause it breaks."""
    handler = HANDLERS[tag]
    try:
        parsed = handler.payload.parse(payload)
    except FormatError:
        raise
    except ConstructError as exc:
        msg = f"{handler.row.name} chunk payload is malformed ({type(exc).__name__})"
        raise FormatError(handler.layout_clause, msg) from None
    return handler.read(parsed, context)

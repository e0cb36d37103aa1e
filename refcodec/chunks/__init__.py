"""The chunk types of spec/gpc.md §8-§10, one module each; importing this package
registers them (:mod:`refcodec.chunks.base` has the table).

Adding a chunk type: one module here ending with ``register_chunk_type("name", ...)``,
its import below, one row in ``registry.CHUNK_TYPES`` and its section in the spec.
"""

from __future__ import annotations

from .base import HANDLERS, ChunkContext, UnknownChunk, read_payload
from .image import ImageChunk
from .meta import MetaChunk
from .text import TextChunk

__all__ = [
    "HANDLERS",
    "Chunk",
    "ChunkContext",
    "ImageChunk",
    "MetaChunk",
    "TextChunk",
    "UnknownChunk",
    "payload_bytes",
    "read_payload",
]

Chunk = TextChunk | ImageChunk | MetaChunk | UnknownChunk


def payload_bytes(chunk: Chunk) -> bytes:
    """The exact payload bytes of a chunk, as written in the file (§6)."""
    if isinstance(chunk, UnknownChunk):
        return chunk.payload
    handler = HANDLERS[chunk.tag]
    data: bytes = handler.payload.build(handler.write(chunk))
    return data

"""The text chunk (spec/gpc.md §8): the description, its prompt template and its codec.

Payload::

    template     varint   §11  TPL-1
    codec        varint   §8.2 TXT-2
    [text_length] varint  codecs that declare it (not ``stored``), LIM-3
    data         bytes    the coded text, to the end of the payload

The text is decoded as part of the chunk's checks (TXT-3..TXT-6, ORD-1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from construct import GreedyBytes, If, Struct

from .. import registry, textcodecs
from ..errors import FormatError
from ..fields import Require, VarInt
from ..limits import MAX_TEXT_BYTES
from .base import ChunkContext, register_chunk_type, tag_of

__all__ = ["TextChunk", "TextPayload"]


def _declares_length(codec: int) -> bool:
    row = registry.text_codec(codec)
    return row is not None and row.declares_length


# fmt: off
TextPayload = Struct(
    "template" / VarInt,
    Require("TPL-1", lambda c: registry.template(c.template) is not None,
            lambda c: f"unknown prompt template {c.template}"),
    "codec" / VarInt,
    Require("TXT-2", lambda c: registry.text_codec(c.codec) is not None,
            lambda c: f"unknown text codec {c.codec}"),
    "text_length" / If(lambda c: _declares_length(c.codec), VarInt),
    Require("LIM-3", lambda c: not _declares_length(c.codec)
                               or 1 <= c.text_length <= MAX_TEXT_BYTES,
            lambda c: f"declared text length {c.text_length} outside 1..{MAX_TEXT_BYTES}"),
    "data" / GreedyBytes,
    Require("LIM-3", lambda c: _declares_length(c.codec) or 1 <= len(c.data) <= MAX_TEXT_BYTES,
            lambda c: f"stored text length {len(c.data)} outside 1..{MAX_TEXT_BYTES}"),
)
# fmt: on


@dataclass(frozen=True)
class TextChunk:
    """The description (§8): its template, codec, coded bytes and decoded text."""

    template: int
    codec: int
    data: bytes
    text: str

    tag = tag_of("text")

    @classmethod
    def encode(cls, text: str, template: int, codecs: tuple[int, ...] | None = None) -> TextChunk:
        """Code ``text`` with the codec that gives the smallest payload (TXT-7)."""
        if registry.template(template) is None:
            msg = f"unknown prompt template {template}"
            raise FormatError("TPL-1", msg)
        codec, data = textcodecs.encode_text(text, template, codecs)
        return cls(template, codec, data, text)

    @property
    def text_length(self) -> int:
        return len(self.text.encode("utf-8"))

    @property
    def payload_size(self) -> int:
        return textcodecs.payload_size(self.codec, self.text_length, self.data, self.template)


def read(parsed: Any, context: ChunkContext) -> TextChunk:
    """TXT-3..TXT-6: decode the text (§8.3)."""
    del context
    text = textcodecs.decode_text(parsed.codec, parsed.text_length, parsed.data)
    return TextChunk(parsed.template, parsed.codec, parsed.data, text)


def write(chunk: TextChunk) -> dict[str, Any]:
    length = chunk.text_length if _declares_length(chunk.codec) else None
    return {"template": chunk.template, "codec": chunk.codec, "text_length": length,
            "data": chunk.data}


register_chunk_type("text", payload=TextPayload, layout_clause="TXT-1", value_class=TextChunk,
                    read=read, write=write)

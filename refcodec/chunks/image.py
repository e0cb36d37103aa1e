"""The image chunk (spec/gpc.md §9): the low-resolution reference image.

Payload::

    codec   varint   §9, §17.5  IMG-2
    check   u32 LE   CRC-32 of the decoded symbols  IMG-3
    data    bytes    the codec's data (spec/lowres.md, spec/neural.md)

The image is decoded as part of the chunk's checks (IMG-3), once: a parsed chunk carries
its :class:`~refcodec.codecs.DecodedImage`, which ``build`` and the generation request
reuse. Pillow (and, for codec 16, torch) is imported only for files with an image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from construct import GreedyBytes, Int32ul, Struct

from .. import registry
from ..codecs import DecodedImage
from ..fields import Require, VarInt
from .base import ChunkContext, register_chunk_type, tag_of

__all__ = ["ImageChunk", "ImagePayload"]

# fmt: off
ImagePayload = Struct(
    "codec" / VarInt,
    Require("IMG-2", lambda c: registry.image_codec(c.codec) is not None,
            lambda c: f"unsupported image codec {c.codec}"),
    "check" / Int32ul,
    "data" / GreedyBytes,
)
# fmt: on


@dataclass(frozen=True)
class ImageChunk:
    """The low-resolution reference image (§9): codec, symbol check and payload.

    ``decoded`` holds the decoded image once known: a parsed chunk always has it, and so
    does one the encoder made; a chunk made by hand gets it on first use.
    """

    codec: int
    check: int
    data: bytes
    decoded: DecodedImage | None = field(default=None, compare=False, repr=False)

    tag = tag_of("image")

    @property
    def key(self) -> tuple[int, int, bytes]:
        return self.codec, self.check, self.data

    @property
    def pixels(self) -> bytes:
        """The decoded RGB8 pixels, or ``b""`` if the chunk has not been decoded."""
        return self.decoded.rgb if self.decoded is not None else b""

    def decode(self, width: int, height: int, model_dir: Path | None = None, *,
               read_version: int = 0xFF) -> DecodedImage:
        """The decoded image of this chunk in a ``width`` x ``height`` file (IMG-3) whose
        ``read_version`` byte selects the size rule (IMG-11; default: the current rule)."""
        if self.decoded is not None:
            return self.decoded
        from ..lowres import decode_image
        from ..lowres.downsample import bounded_rule

        decoded = decode_image(self.codec, self.check, self.data, width, height, model_dir,
                               bounded=bounded_rule(read_version))
        object.__setattr__(self, "decoded", decoded)
        return decoded


def read(parsed: Any, context: ChunkContext) -> ImageChunk:
    """IMG-3 and the codec's annex: decode the image and check its CRC."""
    chunk = ImageChunk(parsed.codec, parsed.check, bytes(parsed.data),
                       context.known_images.get((parsed.codec, parsed.check,
                                                 bytes(parsed.data))))
    chunk.decode(context.width, context.height, context.model_dir,
                 read_version=context.read_version)
    return chunk


def write(chunk: ImageChunk) -> dict[str, Any]:
    return {"codec": chunk.codec, "check": chunk.check, "data": chunk.data}


register_chunk_type("image", payload=ImagePayload, layout_clause="IMG-1",
                    value_class=ImageChunk, read=read, write=write)

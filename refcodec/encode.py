"""Encoder: an image plus its description becomes a GPC file (spec/gpc.md §3, §8).

The description comes from the caller (or, later, a captioning backend); the
image supplies only its size until a low-resolution codec is chosen.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .container import Chunk, GpcFile, MetaChunk, TextChunk
from .errors import FormatError, UsageError
from .limits import MAX_DIMENSION

__all__ = ["encode", "image_size"]


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Width and height of an image file, read from its header only."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        msg = f"cannot read image {os.fspath(path)!r}: {exc}"
        raise UsageError(msg) from None


def encode(
    description: str,
    *,
    size: tuple[int, int],
    template: int = 1,
    meta: Mapping[str, str] | None = None,
    text_codecs: tuple[int, ...] | None = None,
) -> GpcFile:
    """Build a text-only file for an image of ``size`` described by ``description``.

    ``text_codecs`` limits the codecs tried (default: all; the smallest wins).
    """
    width, height = size
    if not (1 <= width <= MAX_DIMENSION and 1 <= height <= MAX_DIMENSION):
        msg = f"image size {width}x{height} outside 1..{MAX_DIMENSION}"
        raise FormatError("LIM-2", msg)
    chunks: list[Chunk] = [TextChunk.encode(description, template, text_codecs)]
    if meta:
        chunks.append(MetaChunk(tuple(sorted(meta.items()))))
    return GpcFile(width, height, tuple(chunks))

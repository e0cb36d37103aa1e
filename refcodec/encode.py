"""Encoder: an image plus its description becomes a GPC file (spec/gpc.md §3, §8).

The description comes from the caller or a captioning backend; the image supplies its
size and, in multimodal mode, the low-resolution reference image (§9, spec/lowres.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .container import Chunk, GpcFile, ImageChunk, MetaChunk, TextChunk
from .errors import FormatError, UsageError
from .limits import MAX_DIMENSION

__all__ = ["encode", "image_size", "lowres_chunk"]


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Width and height of an image file, read from its header only."""
    from PIL import Image, UnidentifiedImageError

    from .safeio import require_regular

    require_regular(path)  # a FIFO or device would block Pillow
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        msg = f"cannot read image {os.fspath(path)!r}: {exc}"
        raise UsageError(msg) from None


def lowres_chunk(
    path: str | os.PathLike[str],
    codec: str,
    *,
    size: tuple[int, int] | None = None,
    psnr: float | None = None,
    max_bytes: int | None = None,
    model_dir: Path | None = None,
) -> ImageChunk:
    """The image chunk of an image file: reduced 8x and coded with ``codec`` to meet ``psnr``
    (dB, default 25) or ``max_bytes`` (spec §9, spec/lowres.md). The chunk carries the
    pixels it decodes to, so building the file does not decode it again."""
    from PIL import Image, UnidentifiedImageError

    from .lowres import encode_lowres
    from .safeio import require_regular

    require_regular(path)
    try:
        with Image.open(path) as image:
            coded = encode_lowres(image, codec, psnr=psnr, max_bytes=max_bytes, size=size,
                                  model_dir=model_dir)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        msg = f"cannot read image {os.fspath(path)!r}: {exc}"
        raise UsageError(msg) from None
    return ImageChunk(coded.codec, coded.check, coded.data, coded.decoded)


def encode(
    description: str,
    *,
    size: tuple[int, int],
    template: int = 1,
    meta: Mapping[str, str] | None = None,
    text_codecs: tuple[int, ...] | None = None,
    image: ImageChunk | None = None,
) -> GpcFile:
    """Build a file for an image of ``size`` described by ``description``, with the
    reference image chunk ``image`` if given (see :func:`lowres_chunk`).

    ``text_codecs`` limits the codecs tried (default: all; the smallest wins). The versions
    are the lowest VER-4 allows.
    """
    width, height = size
    if not (1 <= width <= MAX_DIMENSION and 1 <= height <= MAX_DIMENSION):
        msg = f"image size {width}x{height} outside 1..{MAX_DIMENSION}"
        raise FormatError("LIM-2", msg)
    chunks: list[Chunk] = [TextChunk.encode(description, template, text_codecs)]
    if image is not None:
        chunks.append(image)
    if meta:
        chunks.append(MetaChunk(tuple(sorted(meta.items()))))
    return GpcFile(width, height, tuple(chunks))

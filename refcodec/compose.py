"""Composing a file: an image plus its description becomes a GPC file (spec/gpc.md §3, §8).
(``refcodec.encode`` is this module's :func:`encode`; the module has its own name so that
importing it never hides that function. The rate-controlled path is :mod:`.encoder`.)

The description comes from the caller or a captioning backend; the image supplies its
size and, in multimodal mode, the low-resolution reference image (§9, spec/lowres.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .container import Chunk, GpcFile, ImageChunk, MetaChunk, TextChunk
from .errors import FormatError
from .limits import MAX_DIMENSION

if TYPE_CHECKING:
    from .ingest import Ingested

__all__ = ["encode", "image_chunk", "image_size", "lowres_chunk", "reference_input",
           "reference_source"]


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Width and height of an image file as displayed (EXIF orientation applied), read
    from its header only (:func:`refcodec.ingest.displayed_size`)."""
    from .ingest import displayed_size

    return displayed_size(path)


def lowres_chunk(
    path: str | os.PathLike[str],
    codec: str,
    *,
    size: tuple[int, int] | None = None,
    psnr: float | None = None,
    max_bytes: int | None = None,
    model_dir: Path | None = None,
) -> ImageChunk:
    """The image chunk of an image file: read by :mod:`refcodec.ingest` (orientation,
    bit depth, colour, transparency), reduced to the bounded size of IMG-10 and coded with
    ``codec`` to meet ``psnr`` (dB, default 25) or ``max_bytes`` (spec §9,
    spec/lowres.md). ``size`` is the header size (default: the displayed size). The chunk
    carries the pixels it decodes to, so building the file does not decode it again."""
    size = size or image_size(path)
    low = reference_input(reference_source(path, size).image, size)
    return image_chunk(low, codec, psnr=psnr, max_bytes=max_bytes, model_dir=model_dir)


def reference_source(path: str | os.PathLike[str] | bytes,
                     size: tuple[int, int] | None = None) -> Ingested:
    """The ingested picture of ``path`` (:func:`refcodec.ingest.load_image`), decoded no
    larger than the reference image of a file of header ``size`` needs (twice its size,
    for the Lanczos reduction)."""
    from .ingest import displayed_size, load_image
    from .lowres.downsample import lowres_size

    width, height = size or displayed_size(path)
    low = lowres_size(width, height)
    return load_image(path, fit=(2 * low[0], 2 * low[1]))


def reference_input(picture: Any, size: tuple[int, int] | None = None) -> Any:
    """The RGB image of the reference size (IMG-10) of a file of header ``size``."""
    from .lowres.downsample import reduce

    return reduce(picture, size)


def image_chunk(low: Any, codec: str, *, psnr: float | None = None,
                max_bytes: int | None = None, model_dir: Path | None = None) -> ImageChunk:
    """Code the reduced RGB image ``low`` as an image chunk (it carries its pixels)."""
    from .lowres import encode_lowres_image

    coded = encode_lowres_image(low, codec, psnr=psnr, max_bytes=max_bytes, model_dir=model_dir)
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

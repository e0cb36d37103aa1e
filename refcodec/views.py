"""Model-free views of a file (informative): what an archive shows without a generator.

- a file with a reference image: the decoded reference image upscaled to the header size
  (spec/lowres.md, LRS-13 note);
- a text-only file: a placeholder of the header size, a neutral grey card that shows the
  description itself, so the file's content is visible rather than an empty frame.

Used by ``gpc decode --renderer preview``, :func:`refcodec.preview`, the Pillow plugin
(:mod:`refcodec.pillow_plugin`) and ``gpc sheet``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

    from .container import GpcFile

__all__ = ["PLACEHOLDER_BACKGROUND", "placeholder", "preview", "reference_image"]

#: The placeholder's colours: a mid grey card with near-black text.
PLACEHOLDER_BACKGROUND = (200, 200, 196)
_INK = (24, 24, 24)


def reference_image(gpc: GpcFile, model_dir: Path | None = None) -> Image.Image | None:
    """The decoded reference image at its own size (LRS-1), or None for a text-only file."""
    from PIL import Image

    from .request import lowres_pixels

    decoded = lowres_pixels(gpc, model_dir)
    if decoded is None:
        return None
    rgb, width, height = decoded
    return Image.frombytes("RGB", (width, height), rgb)


def placeholder(text: str, size: tuple[int, int]) -> Image.Image:
    """A ``size`` card showing ``text`` (wrapped, as much as fits), for a text-only file."""
    from PIL import Image, ImageDraw, ImageFont

    card = Image.new("RGB", size, PLACEHOLDER_BACKGROUND)
    width, height = size
    font_size = max(8, min(width, height) // 40)
    try:
        font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.load_default(font_size)
    except (OSError, ValueError):
        font = ImageFont.load_default()
    margin = max(2, font_size)
    columns = max(8, int((width - 2 * margin) / (font_size * 0.6)))
    lines = ["[text-only GPC file: description]"]
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, columns) or [""]
    draw = ImageDraw.Draw(card)
    y = margin
    step = int(font_size * 1.3)
    for line in lines:
        if y + step > height - margin:
            break
        draw.text((margin, y), line, fill=_INK, font=font)
        y += step
    return card


def preview(gpc: GpcFile, model_dir: Path | None = None, *,
            capped: bool = False) -> Image.Image:
    """The model-free view of ``gpc`` at its header size (a PIL RGB image); with
    ``capped``, at most PREVIEW_MAX_SIDE on its longer side (``lowres.bounds``: a header
    may declare 16384 x 16384, a gigabyte of pixels nobody needs to see)."""
    from PIL import Image

    from .lowres.bounds import preview_size

    size = preview_size(gpc.width, gpc.height) if capped else (gpc.width, gpc.height)
    low = reference_image(gpc, model_dir)
    if low is None:
        return placeholder(gpc.text, size)
    return low.resize(size, Image.Resampling.LANCZOS)

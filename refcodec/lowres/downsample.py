"""The encoder's 8x reduction (spec/lowres.md §2, informative: no decoder depends on it)."""

from __future__ import annotations

from PIL import Image

from ..limits import BOUNDED_REFERENCE_SINCE, MAX_REFERENCE_SIDE

__all__ = ["BOUNDED_SINCE", "MAX_LONG_SIDE", "bounded_rule", "lowres_size", "reduce", "squash"]

FACTOR = 8
MAX_LONG_SIDE = MAX_REFERENCE_SIDE
BOUNDED_SINCE = BOUNDED_REFERENCE_SINCE


def bounded_rule(read_version: int) -> bool:
    """IMG-11: whether a file with this ``read_version`` byte uses the bounded rule."""
    return read_version >= BOUNDED_SINCE


def lowres_size(width: int, height: int, *, bounded: bool = True) -> tuple[int, int]:
    """IMG-3 / IMG-10: the reference image size of a ``width`` x ``height`` file.

    The 1.1 rule (``bounded=False``) is ceil(width / 8) x ceil(height / 8). The bounded
    rule (spec 1.2) divides by ``s = max(8, ceil(max(width, height) / 192))``, so the long
    side is at most 192 pixels; for sizes up to 1536 the two rules agree (``s = 8``).
    """
    factor = FACTOR
    if bounded:
        factor = max(FACTOR, -(-max(width, height) // MAX_LONG_SIDE))
    return -(-width // factor), -(-height // factor)


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def squash(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize to ``size`` ignoring the aspect ratio (the paper's 1024x1024 benchmark input)."""
    return _rgb(image).resize(size, Image.Resampling.LANCZOS)


def reduce(image: Image.Image, size: tuple[int, int] | None = None, *,
           bounded: bool = True) -> Image.Image:
    """The RGB low-resolution image for a file whose header size is ``size``.

    ``size`` defaults to the image's own size; transparency is flattened onto white.
    Lanczos (Pillow) straight to the bounded size of IMG-10.
    """
    width, height = size or image.size
    return _rgb(image).resize(lowres_size(width, height, bounded=bounded),
                              Image.Resampling.LANCZOS)

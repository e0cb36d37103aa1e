"""The encoder's 8x reduction (spec/lowres.md §2, informative: no decoder depends on it)."""

from __future__ import annotations

from PIL import Image

__all__ = ["lowres_size", "reduce", "squash"]

FACTOR = 8


def lowres_size(width: int, height: int) -> tuple[int, int]:
    """IMG-3: the low-resolution size, ceil(width / 8) x ceil(height / 8)."""
    return -(-width // FACTOR), -(-height // FACTOR)


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def squash(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize to ``size`` ignoring the aspect ratio (the paper's 1024x1024 benchmark input)."""
    return _rgb(image).resize(size, Image.Resampling.LANCZOS)


def reduce(image: Image.Image, size: tuple[int, int] | None = None) -> Image.Image:
    """The RGB low-resolution image for a file whose header size is ``size``.

    ``size`` defaults to the image's own size; transparency is flattened onto white.
    Lanczos (Pillow) straight to ceil(w/8) x ceil(h/8).
    """
    width, height = size or image.size
    return _rgb(image).resize(lowres_size(width, height), Image.Resampling.LANCZOS)

"""Ingestion: a photo file as the user has it becomes an 8-bit sRGB image the right way up.

One function for every reader of source images — the header size and reference image of
the encode path (:mod:`refcodec.encoder`) and the captioner's input
(``prepare_caption_image``) — so they cannot disagree about what the picture is:

- **orientation**: the EXIF ``Orientation`` tag (1-8) is applied; the size is the displayed
  size (a portrait photo stored sideways is portrait in the header);
- **sample formats**: 16-bit and 32-bit integer (``I;16*``, ``I``) and float (``F``) images
  are scaled to 8 bits by their range, not clipped; gray, palette and bilevel images become
  RGB;
- **colour**: an embedded ICC profile (RGB, gray, CMYK; CMYK and YCCK JPEGs included) is
  converted to sRGB with Little CMS (``PIL.ImageCms``), perceptual intent; CMYK without
  a profile is converted naively;
- **transparency**: composited on :data:`BACKGROUND` (white), the background a page
  shows through;
- **animation**: the first frame is used, and a note says so once;
- **size**: JPEGs are decoded reduced (``Image.draft``: DCT scaling by 1/2, 1/4, 1/8) when
  only a smaller image is needed, so memory follows the output size, not the source's;
- **errors**: an unreadable, truncated or corrupt file, or one over Pillow's decompression
  bomb limit, is one :class:`~refcodec.errors.UsageError` line naming the file.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field
from typing import IO, Any

from PIL import Image, UnidentifiedImageError

from .errors import UsageError

__all__ = ["BACKGROUND", "Ingested", "displayed_size", "load_image"]

#: Transparent pixels are composited on this colour (sRGB white).
BACKGROUND = (255, 255, 255)

_SWAPS = frozenset({5, 6, 7, 8})  # EXIF orientations that transpose the image
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
Source = str | os.PathLike[str] | bytes | IO[bytes]


@dataclass(frozen=True)
class Ingested:
    """The picture as displayed: 8-bit RGB pixels, the full displayed ``size`` (which the
    pixels may be smaller than, when a reduced image was asked for), and notes for the
    user (animation, missing colour conversion)."""

    image: Image.Image
    size: tuple[int, int]
    notes: tuple[str, ...] = field(default=())


def _name(source: Source) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return "image"


def _open(source: Source) -> Image.Image:
    """``Image.open`` with every failure as one UsageError line; a path must name a
    regular file (a FIFO or a device would block Pillow)."""
    name = _name(source)
    if isinstance(source, str | os.PathLike):
        from .safeio import require_regular

        require_regular(source)
    try:
        with warnings.catch_warnings():
            # Large photos are expected; the bomb *error* (twice the limit) still applies.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Image.DecompressionBombError as exc:
        msg = f"cannot read image {name!r}: too large ({exc})"
        raise UsageError(msg) from None
    except FileNotFoundError:
        msg = f"cannot read image {name!r}: no such file"
        raise UsageError(msg) from None
    except UnidentifiedImageError:
        msg = f"cannot read image {name!r}: not an image file Pillow can identify"
        raise UsageError(msg) from None
    except OSError as exc:
        msg = f"cannot read image {name!r}: {exc.strerror or exc}"
        raise UsageError(msg) from None


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block is ignored, like every viewer does
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def displayed_size(source: Source) -> tuple[int, int]:
    """Width and height as displayed (EXIF orientation applied), from the header only."""
    with _open(source) as image:
        width, height = image.size
        if _orientation(image) in _SWAPS:
            width, height = height, width
    return width, height


def _to_8bit(image: Image.Image) -> Image.Image:
    """``I;16*``, ``I`` and ``F`` to ``L`` by their range (never clipped to white)."""
    if image.mode.startswith("I;16"):
        image = image.convert("I")
    extrema: Any = image.getextrema()
    low, high = extrema
    if image.mode == "F" and high <= 1.0 and low >= 0.0:
        scale, offset = 255.0, 0.0
    elif low >= 0 and high <= 255:
        scale, offset = 1.0, 0.0
    elif low >= 0 and high <= 65535:
        scale, offset = 1 / 257, 0.0
    else:  # an arbitrary range: stretch it
        span = float(high - low) or 1.0
        scale, offset = 255 / span, -float(low) * 255 / span
    image = image.convert("F").point(lambda v: v * scale + offset)
    return image.convert("L")  # rounds and clips to 0..255


def _flatten(image: Image.Image) -> Image.Image:
    """Any mode to RGB or RGBA (8-bit)."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return _to_8bit(image).convert("RGB")
    if image.mode == "P" or image.mode == "PA":
        return image.convert("RGBA")
    if image.mode in ("LA", "La", "RGBa", "RGBA"):
        return image.convert("RGBA")
    if "transparency" in image.info and image.mode in ("L", "RGB", "1"):
        return image.convert("RGBA")
    return image.convert("RGB")


def _icc_to_srgb(image: Image.Image, notes: list[str]) -> Image.Image:
    """Convert with the embedded ICC profile (if any) to sRGB; result RGB or RGBA."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "L", "CMYK"):
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        alpha = image.getchannel("A") if image.mode == "RGBA" else None
        base = image.convert("RGB") if image.mode == "RGBA" else image
        converted = ImageCms.profileToProfile(base, source, srgb, outputMode="RGB",
                                              renderingIntent=ImageCms.Intent.PERCEPTUAL)
    except Exception as exc:  # a broken or unsupported profile: keep the samples as they are
        notes.append(f"ICC profile not applied ({type(exc).__name__}); samples taken as sRGB")
        return image
    assert converted is not None
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def load_image(source: Source, *, fit: tuple[int, int] | None = None) -> Ingested:
    """The picture of ``source`` as 8-bit sRGB RGB, displayed orientation, transparency
    composited on :data:`BACKGROUND`.

    ``fit``: the smallest size (displayed orientation) the caller will reduce to; a JPEG is
    then decoded at the smallest DCT scale that stays at or above it, and other formats
    are reduced by an integer factor right after decoding.
    """
    name = _name(source)
    notes: list[str] = []
    image = _open(source)
    try:
        with image:
            frames = getattr(image, "n_frames", 1)
            if getattr(image, "is_animated", False) and frames > 1:
                notes.append(f"animated image: the first of its {frames} frames is used")
                image.seek(0)
            orientation = _orientation(image)
            stored = image.size
            full = (stored[1], stored[0]) if orientation in _SWAPS else stored
            if fit is not None:
                want = (fit[1], fit[0]) if orientation in _SWAPS else fit
                want = (max(1, min(want[0], stored[0])), max(1, min(want[1], stored[1])))
                if image.format == "JPEG":
                    image.draft(None, want)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                image.load()
            icc = image.info.get("icc_profile")
            loaded = image.copy() if image.mode == "CMYK" or icc else image
            loaded.info = dict(image.info)
    except UsageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        msg = f"cannot read image {name!r}: {exc} (a corrupt or truncated file?)"
        raise UsageError(msg) from None
    try:
        pixels = _decode(loaded, notes, fit, orientation)
    except (OSError, ValueError) as exc:
        msg = f"cannot read image {name!r}: {exc}"
        raise UsageError(msg) from None
    return Ingested(pixels, full, tuple(notes))


def _decode(image: Image.Image, notes: list[str], fit: tuple[int, int] | None,
            orientation: int) -> Image.Image:
    if image.mode == "CMYK":
        converted = _icc_to_srgb(image, notes)
        image = converted if converted.mode != "CMYK" else image.convert("RGB")
    else:
        image = _flatten(image) if image.mode not in ("RGB", "RGBA", "L") else image
        if image.mode == "L" and "transparency" in image.info:
            image = image.convert("RGBA")
        image = _icc_to_srgb(image, notes)
        image = _flatten(image)
    if fit is not None:
        stored_fit = (fit[1], fit[0]) if orientation in _SWAPS else fit
        factor = min(image.size[0] // max(stored_fit[0], 1),
                     image.size[1] // max(stored_fit[1], 1)) // 2
        if factor >= 2:
            image = image.reduce(factor)
    image = _transpose(image, orientation)
    if image.mode == "RGBA":
        background = Image.new("RGBA", image.size, (*BACKGROUND, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def _transpose(image: Image.Image, orientation: int) -> Image.Image:
    """Apply EXIF ``Orientation`` (the table of ``PIL.ImageOps.exif_transpose``)."""
    method = _TRANSPOSE.get(orientation)
    return image if method is None else image.transpose(method)

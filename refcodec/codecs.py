"""Codec implementations, registered against their registry rows by name (spec/gpc.md §17).

Each codec is one module that ends with a single ``register_*`` call naming its row in
:mod:`refcodec.registry`, the way Pillow's format plugins register themselves; the
integer ID is written only in the registry. The text codecs live in
:mod:`refcodec.textcodecs`, the image codecs in :mod:`refcodec.lowres`; importing either
package registers its codecs. ``tests/test_registry.py`` fails when a registry row has no
implementation or an implementation names no row.

Adding an image codec: one module in ``refcodec/lowres/`` ending with
``register_image_codec("name", ...)``, its import in ``refcodec/lowres/__init__.py``, one
row in ``registry.IMAGE_CODECS`` and its annex in ``spec/``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from . import registry

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "IMAGE",
    "TEXT",
    "DecodedImage",
    "ImageCodecImpl",
    "ImageDecoder",
    "TextCodecImpl",
    "exact_pixels",
    "pillow_feature",
    "register_image_codec",
    "register_text_codec",
]


@dataclass(frozen=True)
class TextCodecImpl:
    """A text codec (§8.2): ``encode(raw) -> data`` and ``decode(data, limit) -> raw``.

    ``decode`` stops once it has more than ``limit`` bytes; the caller checks the length.
    """

    row: registry.TextCodec
    encode: Callable[[bytes], bytes]
    decode: Callable[[bytes, int], bytes]


@dataclass(frozen=True)
class DecodedImage:
    """A decoded reference image: RGB8 pixels at the low-resolution size, and the
    *symbols* the chunk's ``check`` covers (the pixels themselves for the exact codecs of
    spec/lowres.md, the latents for codec 16, spec/neural.md NRL-9)."""

    rgb: bytes = field(repr=False)
    width: int
    height: int
    symbols: bytes = field(repr=False)
    exact_pixels: bool = True

    @property
    def request_member(self) -> dict[str, object]:
        """``reference_image`` of the generation request: LRS-12, or NRL-11 when the
        pixels are not integer-exact and the symbols are named instead."""
        if self.exact_pixels:
            return {"width": self.width, "height": self.height,
                    "pixels_sha256": hashlib.sha256(self.rgb).hexdigest()}
        return {"width": self.width, "height": self.height,
                "symbols_sha256": hashlib.sha256(self.symbols).hexdigest()}


class ImageDecoder(Protocol):
    """``decode(data, width, height, check=..., model_dir=...)`` of an image codec."""

    def __call__(self, data: bytes, width: int, height: int, *, check: int | None = None,
                 model_dir: Path | None = None) -> DecodedImage: ...


@dataclass(frozen=True)
class ImageCodecImpl:
    """An image codec (§9). ``decode(data, width, height, check=, model_dir=)`` gives the
    :class:`DecodedImage` of a ``width`` x ``height`` low-resolution image or raises
    FormatError (a codec may verify ``check`` early, before costly work; the caller
    verifies it in any case); ``encode(image, quality)`` gives chunk data for one of ``qualities``
    (empty for codecs without a quality knob, such as the neural codec, whose encoder
    takes a model instead); ``available()`` says whether this installation can encode."""

    row: registry.ImageCodec
    decode: ImageDecoder
    encode: Callable[[Image.Image, int], bytes] | None = None
    qualities: range = range(0)
    available: Callable[[], bool] = lambda: True

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def lossless(self) -> bool:
        return len(self.qualities) == 1


#: Registered implementations by registry ID.
TEXT: dict[int, TextCodecImpl] = {}
IMAGE: dict[int, ImageCodecImpl] = {}


def register_text_codec(name: str, *, encode: Callable[[bytes], bytes],
                        decode: Callable[[bytes, int], bytes]) -> None:
    """Register the implementation of the text codec row called ``name``."""
    row = registry.named(registry.TEXT_CODECS, name, "text codec")
    TEXT[row.id] = TextCodecImpl(row, encode, decode)


def register_image_codec(
    name: str,
    *,
    decode: ImageDecoder,
    encode: Callable[[Image.Image, int], bytes] | None = None,
    qualities: range = range(0),
    available: Callable[[], bool] = lambda: True,
) -> None:
    """Register the implementation of the image codec row called ``name``."""
    row = registry.named(registry.IMAGE_CODECS, name, "image codec")
    IMAGE[row.id] = ImageCodecImpl(row, decode, encode, qualities, available)


def exact_pixels(decode: Callable[[bytes, int, int], bytes]) -> ImageDecoder:
    """The ``decode`` of a codec whose RGB8 pixels are its exact symbols (LRS-1)."""

    def decoded(data: bytes, width: int, height: int, *, check: int | None = None,
                model_dir: Path | None = None) -> DecodedImage:
        del check, model_dir
        rgb = decode(data, width, height)
        return DecodedImage(rgb, width, height, rgb)

    return decoded


def pillow_feature(name: str) -> Callable[[], bool]:
    """``available`` for a codec that needs Pillow built with ``name`` (webp, avif)."""

    def check() -> bool:
        from PIL import features

        return bool(features.check(name))

    return check

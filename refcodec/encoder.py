"""The encode path: an image file and its description become the bytes of a ``.gpc`` file.

One implementation for every caller: ``gpc encode`` on one file, folder mode
(:mod:`refcodec.batch`), the captioner path and the demo all call :func:`encode_image`
(or :func:`encode_image_async`) with an :class:`EncodeOptions` built once. The
description comes from ``describe(word_budget)``: a fixed text, or a captioner asked for
about that many words. Rate control (:mod:`refcodec.ratecontrol`) measures the whole file,
reference image included, against ``max_bytes`` / ``target_bpp``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .container import ImageChunk
from .encode import image_size, lowres_chunk
from .errors import FormatError, UsageError
from .limits import MAX_TEXT_BYTES
from .ratecontrol import FitResult, budget_from_bpp, fit_description, fit_description_async
from .safeio import read_regular

__all__ = [
    "EncodeOptions",
    "EncodeResult",
    "encode_image",
    "encode_image_async",
    "fixed_text",
    "read_description",
]


@dataclass(frozen=True)
class EncodeOptions:
    """Every choice of the encoder (spec/gpc.md §8, §9; the CLI flags of ``gpc encode``).

    ``lowres``: the reference image codec (png, webp, avif) or MS-ILLM model name, None for
    a text-only file; ``lowres_psnr`` / ``lowres_bytes`` steer its quality. ``max_bytes`` or
    ``target_bpp`` bound the whole file; ``word_budget`` is what a captioner is asked for
    first. ``model_dir``: where neural models load from.
    """

    template: int = 1
    meta: Mapping[str, str] = field(default_factory=dict)
    text_codecs: tuple[int, ...] | None = None
    lowres: str | None = None
    lowres_psnr: float | None = None
    lowres_bytes: int | None = None
    max_bytes: int | None = None
    target_bpp: float | None = None
    word_budget: int | None = None
    model_dir: Path | None = None

    def budget_for(self, size: tuple[int, int]) -> int | None:
        """The byte budget of a file of ``size`` (``target_bpp`` or ``max_bytes``)."""
        if self.target_bpp is not None:
            return budget_from_bpp(self.target_bpp, size)
        return self.max_bytes


@dataclass(frozen=True)
class EncodeResult:
    """A coded file: its bytes, the image size, the reference image and how the
    description was fitted."""

    data: bytes
    size: tuple[int, int]
    image: ImageChunk | None
    fit: FitResult

    @property
    def bpp(self) -> float:
        return len(self.data) * 8 / (self.size[0] * self.size[1])

    def summary(self, output: str | os.PathLike[str]) -> str:
        """The one-line result ``gpc encode`` prints."""
        lowres = f", low-res {len(self.image.data)} bytes" if self.image else ""
        trimmed = " (description trimmed to fit)" if self.fit.trimmed else ""
        return (f"{os.fspath(output)}: {len(self.data)} bytes, {self.size[0]}x{self.size[1]}, "
                f"{self.bpp:.6f} bpp{lowres}{trimmed}")


def fixed_text(text: str) -> Callable[[int], str]:
    """``describe`` for a description given by the user (the word budget is ignored)."""
    return lambda _words: text


def read_description(path: str | os.PathLike[str]) -> str:
    """A description file: UTF-8, CR LF as LF, one final newline dropped, at most LIM-3."""
    raw = read_regular(path, MAX_TEXT_BYTES + 3)  # room for a final CR LF
    if len(raw) > MAX_TEXT_BYTES + 2:
        msg = f"{os.fspath(path)} is longer than the {MAX_TEXT_BYTES}-byte text limit"
        raise FormatError("LIM-3", msg)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        msg = f"{os.fspath(path)} is not UTF-8 text"
        raise UsageError(msg) from None
    return text.replace("\r\n", "\n").removesuffix("\n")


def _reference(source: Path, size: tuple[int, int], options: EncodeOptions) -> ImageChunk | None:
    if options.lowres is None:
        return None
    return lowres_chunk(source, options.lowres, size=size, psnr=options.lowres_psnr,
                        max_bytes=options.lowres_bytes, model_dir=options.model_dir)


def encode_image(source: str | os.PathLike[str], describe: Callable[[int], str],
                 options: EncodeOptions) -> EncodeResult:
    """Encode the image file ``source`` with the description ``describe`` gives."""
    path = Path(source)
    size = image_size(path)
    image = _reference(path, size, options)
    fit = fit_description(describe, size=size, max_bytes=options.budget_for(size),
                          template=options.template, meta=options.meta,
                          text_codecs=options.text_codecs, word_budget=options.word_budget,
                          image=image)
    return EncodeResult(fit.data, size, image, fit)


async def encode_image_async(source: str | os.PathLike[str],
                             describe: Callable[[int], Awaitable[str]],
                             options: EncodeOptions) -> EncodeResult:
    """The ``async`` form of :func:`encode_image`: image work runs in a thread."""
    import asyncio

    path = Path(source)
    size = await asyncio.to_thread(image_size, path)
    image = await asyncio.to_thread(_reference, path, size, options)
    fit = await fit_description_async(describe, size=size, max_bytes=options.budget_for(size),
                                      template=options.template, meta=options.meta,
                                      text_codecs=options.text_codecs,
                                      word_budget=options.word_budget, image=image)
    return EncodeResult(fit.data, size, image, fit)

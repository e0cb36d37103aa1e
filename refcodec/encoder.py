"""The encode path: an image file and its description become the bytes of a ``.gpc`` file.

One implementation for every caller: ``gpc encode`` on one file, folder mode
(:mod:`refcodec.batch`), the captioner path and the demo all call :func:`encode_image`
(or :func:`encode_image_async`) with an :class:`EncodeOptions` built once. The
description comes from ``describe(word_budget)``: a fixed text, or a captioner asked for
about that many words. Rate control (:mod:`refcodec.ratecontrol`) measures the whole file,
reference image included, against ``max_bytes`` / ``target_bpp``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compose import image_size
from .container import ImageChunk
from .errors import FormatError, UsageError
from .limits import MAX_TEXT_BYTES
from .ratecontrol import (
    FitResult,
    RateError,
    budget_from_bpp,
    fit_description,
    fit_description_async,
)

__all__ = [
    "EncodeOptions",
    "EncodeResult",
    "Reference",
    "encode_image",
    "encode_image_async",
    "first_word_budget",
    "fixed_text",
    "prepare_reference",
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
    notes: tuple[str, ...] = ()

    @property
    def bpp(self) -> float:
        return len(self.data) * 8 / (self.size[0] * self.size[1])

    @property
    def split(self) -> dict[str, int]:
        """Where the bytes went: the text chunk's payload, the reference image's codec
        data, and everything else (header, chunk headers, codec fields, meta, CRC)."""
        from .container import payload_bytes

        text = len(payload_bytes(self.fit.gpc.text_chunk))
        image = len(self.image.data) if self.image else 0
        return {"text": text, "reference": image, "other": len(self.data) - text - image}

    def summary(self, output: str | os.PathLike[str]) -> str:
        """The one-line result ``gpc encode`` prints."""
        split = self.split
        lowres = f", reference {split['reference']} bytes" if self.image else ""
        trimmed = " (description trimmed to fit)" if self.fit.trimmed else ""
        return (f"{os.fspath(output)}: {len(self.data)} bytes, {self.size[0]}x{self.size[1]}, "
                f"{self.bpp:.6f} bpp (text {split['text']} bytes{lowres}, other "
                f"{split['other']}){trimmed}")


def fixed_text(text: str) -> Callable[[int], str]:
    """``describe`` for a description given by the user (the word budget is ignored)."""
    return lambda _words: text


def read_description(path: str | os.PathLike[str]) -> str:
    """A description file: UTF-8, CR LF as LF, one final newline dropped, at most LIM-3."""
    from .safeio import read_regular

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


#: Budget policy (spec/lowres.md L.2, informative). With a whole-file budget, the reference
#: image may take up to this share of the bytes left after the fixed overhead (header,
#: chunk headers, CRC, meta); the description gets the rest, and whatever the image leaves.
REFERENCE_SHARE = 0.5
#: Bytes kept for the shortest useful description when the reference image is shrunk.
MIN_TEXT_BYTES = 24
_IMAGE_CHUNK_OVERHEAD = 8  # tag, length varint, codec varint, check
#: Shrinking the reference image: its size is fixed by the spec (IMG-10), so it is made
#: smaller by removing detail: reduced by these factors and enlarged back (bicubic), then
#: coded at the codec's lowest quality.
SMOOTHING = (1, 2, 4, 8, 16)


def _fixed_bytes(size: tuple[int, int], options: EncodeOptions) -> int:
    """The bytes of a file of ``size`` that are neither text nor reference image."""
    from .compose import encode
    from .container import build

    data = build(encode("x", size=size, template=options.template, meta=options.meta,
                        text_codecs=(0,)))
    return len(data) - 1


def _shares(size: tuple[int, int], options: EncodeOptions,
            budget: int | None) -> tuple[int | None, int | None]:
    """(the reference image's first byte budget, the most it may ever take)."""
    if budget is None:
        return options.lowres_bytes, options.lowres_bytes
    room = budget - _fixed_bytes(size, options) - _IMAGE_CHUNK_OVERHEAD
    share = int(room * REFERENCE_SHARE)
    most = room - MIN_TEXT_BYTES
    if options.lowres_bytes is not None:
        share, most = min(share, options.lowres_bytes), min(most, options.lowres_bytes)
    return share, most


def _reference(low: Any, size: tuple[int, int], options: EncodeOptions,
               budget: int | None, smallest: bool = False) -> tuple[ImageChunk | None, bool]:
    """The image chunk and whether it is the smallest one the encoder makes.

    Without a whole-file budget: the PSNR target (or ``lowres_bytes``). With one: the PSNR
    target capped at REFERENCE_SHARE of the room; if even the codec's lowest quality is over
    that, the least smoothed (SMOOTHING) lowest-quality image within the share, else the
    smallest of them, provided MIN_TEXT_BYTES still fit beside it; else RateError."""
    from .compose import image_chunk

    if options.lowres is None or low is None:
        return None, True
    share, most = _shares(size, options, budget)
    make = functools.partial(image_chunk, low, options.lowres, model_dir=options.model_dir)
    if not smallest:
        if share is None or share >= 1:
            try:
                return make(psnr=options.lowres_psnr, max_bytes=share), False
            except UsageError:
                if budget is None:
                    raise
    ladder = SMOOTHING[-1:] if smallest else SMOOTHING
    tried: list[ImageChunk] = []
    for factor in ladder:  # the least smoothing that fits the share
        chunk = _lowest(_smoothed(low, factor), options)
        if share is None or len(chunk.data) <= share:
            return chunk, factor == SMOOTHING[-1]
        tried.append(chunk)
    chunk = min(tried, key=lambda c: len(c.data))  # else the smallest: most room for text
    if most is None or len(chunk.data) <= most:
        return chunk, True
    total = budget if budget is not None else most
    msg = (f"the smallest {options.lowres} reference image is {len(chunk.data)} bytes; "
           f"with the shortest description ({MIN_TEXT_BYTES} bytes) it cannot fit in "
           f"{total} bytes: raise --max-bytes / --target-bpp or use --lowres none")
    raise RateError(msg)


def _smoothed(low: Any, factor: int) -> Any:
    """``low`` with its detail above 1/``factor`` of its resolution removed (same size)."""
    if factor == 1:
        return low
    from PIL import Image

    small = low.resize((max(1, low.width // factor), max(1, low.height // factor)),
                       Image.Resampling.BOX)
    return small.resize(low.size, Image.Resampling.BICUBIC)


def _lowest(low: Any, options: EncodeOptions) -> ImageChunk:
    """``low`` at the codec's lowest quality (a neural model has one rate)."""
    from .compose import image_chunk

    assert options.lowres is not None
    if options.lowres.startswith("msillm-"):
        return image_chunk(low, options.lowres, model_dir=options.model_dir)
    return image_chunk(low, options.lowres, psnr=0.0, model_dir=options.model_dir)


def _ingest(source: Path, size: tuple[int, int],
            options: EncodeOptions) -> tuple[Any, tuple[str, ...]]:
    if options.lowres is None:
        return None, ()
    from .compose import reference_input, reference_source

    picture = reference_source(source, size)
    return reference_input(picture.image, size), picture.notes


@dataclass(frozen=True)
class Reference:
    """What :func:`encode_image` derives from the picture before any text: its header size,
    the reference image chunk, whether that is the smallest one the encoder makes, and the
    ingestion notes. :meth:`compact` drops the decoded pixels (a few hundred bytes are
    left), for callers that keep many (the Batch API between its two phases)."""

    size: tuple[int, int]
    image: ImageChunk | None
    smallest: bool
    notes: tuple[str, ...]

    def compact(self) -> Reference:
        if self.image is None:
            return self
        return dataclasses.replace(self, image=ImageChunk(self.image.codec, self.image.check,
                                                          self.image.data))


def prepare_reference(source: str | os.PathLike[str], options: EncodeOptions) -> Reference:
    """The picture's part of :func:`encode_image` (ingestion, reference image, budget share)."""
    return _prepare(Path(source), options)[0]


def _prepare(path: Path, options: EncodeOptions) -> tuple[Reference, Any]:
    size = image_size(path)
    low, notes = _ingest(path, size, options)
    image, smallest = _reference(low, size, options, options.budget_for(size))
    return Reference(size, image, smallest, notes), low


def first_word_budget(reference: Reference, options: EncodeOptions) -> int:
    """The word budget :func:`encode_image` asks the captioner for first, with this
    reference (for requests prepared ahead, as the Batch API's)."""
    from .ratecontrol import _plan

    return next(_plan(reference.size, options.budget_for(reference.size), options.template,
                      options.meta, options.text_codecs, options.word_budget, reference.image))


def encode_image(source: str | os.PathLike[str], describe: Callable[[int], str],
                 options: EncodeOptions, reference: Reference | None = None) -> EncodeResult:
    """Encode the image file ``source`` with the description ``describe`` gives
    (``reference``: its :func:`prepare_reference`, if already made).

    With a budget, the reference image and the description share it (REFERENCE_SHARE); if
    no description fits beside the reference, the reference is shrunk to its smallest and
    the last description trimmed again (no new captioner call) before giving up."""
    path = Path(source)
    ref, low = (reference, None) if reference is not None else _prepare(path, options)
    size, image = ref.size, ref.image
    budget = options.budget_for(size)
    texts: list[str] = []

    def remembered(words: int) -> str:
        texts.append(describe(words))
        return texts[-1]

    try:
        fit = _fit(remembered, size, options, budget, image)
    except RateError:
        if ref.smallest or not texts:
            raise
        if low is None:  # a reference prepared earlier: the picture is read again
            low, _ = _ingest(path, size, options)
        image, _ = _reference(low, size, options, budget, smallest=True)
        fit = _fit(fixed_text(min(texts, key=len)), size, options, budget, image)
    return EncodeResult(fit.data, size, image, fit, ref.notes)


def _fit(describe: Callable[[int], str], size: tuple[int, int], options: EncodeOptions,
         budget: int | None, image: ImageChunk | None) -> FitResult:
    return fit_description(describe, size=size, max_bytes=budget, template=options.template,
                           meta=options.meta, text_codecs=options.text_codecs,
                           word_budget=options.word_budget, image=image)


async def encode_image_async(source: str | os.PathLike[str],
                             describe: Callable[[int], Awaitable[str]],
                             options: EncodeOptions) -> EncodeResult:
    """The ``async`` form of :func:`encode_image`: image work runs in a thread."""
    import asyncio

    path = Path(source)
    size = await asyncio.to_thread(image_size, path)
    budget = options.budget_for(size)
    low, notes = await asyncio.to_thread(_ingest, path, size, options)
    image, smallest = await asyncio.to_thread(_reference, low, size, options, budget)
    texts: list[str] = []

    async def remembered(words: int) -> str:
        texts.append(await describe(words))
        return texts[-1]

    async def fit_async(image: ImageChunk | None) -> FitResult:
        return await fit_description_async(
            remembered, size=size, max_bytes=budget, template=options.template,
            meta=options.meta, text_codecs=options.text_codecs,
            word_budget=options.word_budget, image=image)

    try:
        fit = await fit_async(image)
    except RateError:
        if smallest or not texts:
            raise
        image, _ = await asyncio.to_thread(_reference, low, size, options, budget, True)
        fit = await asyncio.to_thread(_fit, fixed_text(min(texts, key=len)), size, options,
                                      budget, image)
    return EncodeResult(fit.data, size, image, fit, notes)

"""Rate control: fit a generated description into a byte budget (whole file).

1. Ask the captioner for a description with a word budget estimated from the byte budget.
2. Measure the coded size exactly (``build(encode(...))``: codec choice, header, meta, CRC).
3. If it is over, ask once more with the word budget scaled down by the overshoot.
4. As a last resort trim at phrase boundaries: drop the last ``;`` phrase of the line that
   has most phrases (keeping each line's first phrase), then whole lines from the end of
   the band lines; never cut inside a phrase.

The written file never exceeds the budget: if even the first phrase of the first line does
not fit, :class:`RateError` says so. How the budget is shared with the reference image
(at most half to the image, shrunk before failing) is the encoder's policy:
:data:`refcodec.encoder.REFERENCE_SHARE`, :data:`~refcodec.encoder.SMOOTHING`.
One planning generator drives both the blocking and
the ``async`` form, so they cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field

from .compose import encode
from .container import GpcFile, ImageChunk, build
from .errors import FormatError, GpcError, UsageError

__all__ = [
    "DEFAULT_WORD_BUDGET",
    "FitResult",
    "RateError",
    "budget_from_bpp",
    "fit_description",
    "fit_description_async",
    "initial_word_budget",
    "trim_to_budget",
]

#: word budget when no byte budget is given (about a "detailed" description)
DEFAULT_WORD_BUDGET = 200
#: fixed bytes of a text-only file (signature, versions, size, chunk header, CRC), about
_OVERHEAD = 16
#: compressed bytes per word of a raster-scan description, measured on the description
#: corpus (2.7 for 200 words, about 4 for 50 words): a deliberately pessimistic middle
_BYTES_PER_WORD = 3.8
#: when re-asking, aim this far under the budget (models do not count words exactly)
_SAFETY = 0.85
_MIN_WORDS = 8
_MAX_WORDS = 2000
#: lines that are trimmed last (global structure)
_KEEP_LAST = ("Image", "Layout")


class RateError(GpcError):
    """The budget is too small for any description."""


@dataclass
class FitResult:
    """A description that fits, its file and how it was reached."""

    text: str
    gpc: GpcFile
    data: bytes
    word_budgets: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    trimmed: bool = False


def budget_from_bpp(target_bpp: float, size: tuple[int, int]) -> int:
    """Whole-file byte budget for ``target_bpp`` bits per pixel of the header size."""
    if not target_bpp > 0:
        msg = f"--target-bpp must be positive, not {target_bpp}"
        raise UsageError(msg)
    return math.floor(target_bpp * size[0] * size[1] / 8)


def initial_word_budget(max_bytes: int | None) -> int:
    """Word budget to ask for first."""
    if max_bytes is None:
        return DEFAULT_WORD_BUDGET
    words = int((max_bytes - _OVERHEAD) / _BYTES_PER_WORD)
    return max(_MIN_WORDS, min(_MAX_WORDS, words))


def _phrases(text: str) -> list[tuple[str, list[str]]]:
    """``[(label, [phrase, ...]), ...]``; a line without ``Label:`` has label ``""``."""
    lines = []
    for line in text.split("\n"):
        label, sep, body = line.partition(": ")
        if not sep or len(label) > 24:
            label, body = "", line
        parts = [p.strip() for p in body.rstrip(".").split(";")]
        lines.append((label, [p for p in parts if p] or [body]))
    return lines


def _join(lines: list[tuple[str, list[str]]]) -> str:
    return "\n".join((f"{label}: " if label else "") + "; ".join(parts) + "."
                     for label, parts in lines)


def _trim_candidates(text: str) -> Generator[str, None, None]:
    """Ever shorter versions of ``text``, cut only at phrase and line boundaries."""
    lines = _phrases(text)
    while True:
        longest = max(range(len(lines)), key=lambda i: (len(lines[i][1]), i))
        if len(lines[longest][1]) > 1:
            lines[longest][1].pop()
        elif len(lines) > 1:
            droppable = [i for i, (label, _) in enumerate(lines) if label not in _KEEP_LAST]
            lines.pop(droppable[-1] if droppable else -1)
        else:
            return
        yield _join(lines)


def trim_to_budget(
    text: str, fits: Callable[[str], GpcFile | None]
) -> tuple[str, GpcFile] | None:
    """The longest phrase-boundary trim of ``text`` for which ``fits`` returns a file.

    Coded size falls (almost) monotonically along the trims, so a binary search finds the
    first fitting one in a few ``fits`` calls; a linear scan onward covers the rare
    non-monotone step. Every returned file was measured, so the budget holds regardless.
    """
    candidates = list(_trim_candidates(text))
    low, high = 0, len(candidates)
    while low < high:
        middle = (low + high) // 2
        if fits(candidates[middle]) is not None:
            high = middle
        else:
            low = middle + 1
    for candidate in candidates[low:]:
        gpc = fits(candidate)
        if gpc is not None:
            return candidate, gpc
    return None


def _plan(
    size: tuple[int, int],
    max_bytes: int | None,
    template: int,
    meta: Mapping[str, str] | None,
    text_codecs: tuple[int, ...] | None,
    word_budget: int | None,
    image: ImageChunk | None,
) -> Generator[int, str, FitResult]:
    """Yields word budgets, receives descriptions, returns the result."""
    max_bytes_for_words: int | None = max_bytes
    if max_bytes is not None and image is not None:
        empty = len(build(encode("x", size=size, template=template, meta=meta, image=image)))
        if empty > max_bytes:
            msg = (f"the reference image alone makes a {empty}-byte file, over the "
                   f"{max_bytes}-byte budget; lower --lowres-bytes or use --lowres none")
            raise RateError(msg)
        max_bytes_for_words = max_bytes - (empty - _OVERHEAD)
    budget = word_budget or initial_word_budget(max_bytes_for_words)
    word_budgets: list[int] = []
    sizes: list[int] = []
    best: list[tuple[str, GpcFile, bytes]] = []

    def measure(text: str) -> GpcFile | None:
        try:
            gpc = encode(text, size=size, template=template, meta=meta, text_codecs=text_codecs,
                         image=image)
        except FormatError as exc:
            if exc.clause != "LIM-3" or max_bytes is None:
                raise
            sizes.append(len(text.encode()))  # longer than any file may hold
            return None
        data = build(gpc)
        sizes.append(len(data))
        if max_bytes is not None and len(data) > max_bytes:
            return None
        best.append((text, gpc, data))
        return gpc

    def done(trimmed: bool = False) -> FitResult:
        text, gpc, data = best[-1]
        return FitResult(text, gpc, data, word_budgets, sizes, trimmed)

    word_budgets.append(budget)
    first = yield budget
    if measure(first) is not None or max_bytes is None:
        return done()
    over = sizes[-1]
    assert max_bytes_for_words is not None
    fixed = max_bytes - max_bytes_for_words + _OVERHEAD  # header, image and meta bytes
    scale = (max_bytes - fixed) / max(over - fixed, 1)
    second_budget = max(_MIN_WORDS, min(budget - 1, int(budget * scale * _SAFETY)))
    word_budgets.append(second_budget)
    second = yield second_budget
    if measure(second) is not None:
        return done()
    shorter = min((first, second), key=len)
    trimmed = trim_to_budget(shorter, measure)
    if trimmed is None:
        msg = (f"no description fits in {max_bytes} bytes (even its first phrase needs "
               f"{sizes[-1]} bytes); raise --max-bytes / --target-bpp")
        raise RateError(msg)
    return done(trimmed=True)


def fit_description(
    describe: Callable[[int], str],
    *,
    size: tuple[int, int],
    max_bytes: int | None = None,
    template: int = 1,
    meta: Mapping[str, str] | None = None,
    text_codecs: tuple[int, ...] | None = None,
    word_budget: int | None = None,
    image: ImageChunk | None = None,
) -> FitResult:
    """Describe with ``describe(word_budget)`` until the file (with the reference image
    chunk ``image``, if any, and ``meta``) fits ``max_bytes``."""
    plan = _plan(size, max_bytes, template, meta, text_codecs, word_budget, image)
    budget = next(plan)
    while True:
        try:
            budget = plan.send(describe(budget))
        except StopIteration as stop:
            result: FitResult = stop.value
            return result


async def fit_description_async(
    describe: Callable[[int], Awaitable[str]],
    *,
    size: tuple[int, int],
    max_bytes: int | None = None,
    template: int = 1,
    meta: Mapping[str, str] | None = None,
    text_codecs: tuple[int, ...] | None = None,
    word_budget: int | None = None,
    image: ImageChunk | None = None,
) -> FitResult:
    """The ``async`` form of :func:`fit_description` (same plan)."""
    plan = _plan(size, max_bytes, template, meta, text_codecs, word_budget, image)
    budget = next(plan)
    while True:
        text = await describe(budget)
        try:
            budget = plan.send(text)
        except StopIteration as stop:
            result: FitResult = stop.value
            return result

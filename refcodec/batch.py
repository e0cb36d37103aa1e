"""Folders in, folders out: encode or decode many files concurrently.

``asyncio`` with ``openai.AsyncOpenAI``; at most ``settings.concurrency`` calls in flight
(``asyncio.Semaphore``). A failing item is recorded and the batch goes on; every output
is written atomically; ``resume=True`` skips items whose output exists and is valid. A
progress bar (tqdm) is drawn on a terminal; elsewhere one plain line per item is printed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .atomic import ensure_within, write_atomic
from .backends.errors import redact
from .backends.settings import BackendSettings
from .backends.usage import Usage
from .errors import GpcError
from .safeio import printable

if TYPE_CHECKING:
    from .encoder import EncodeOptions

__all__ = [
    "IMAGE_SUFFIXES",
    "BatchReport",
    "ItemResult",
    "decode_batch",
    "decode_batch_async",
    "encode_batch",
    "encode_batch_async",
    "list_inputs",
    "mirror_jobs",
    "not_inputs",
    "output_clashes",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".ppm",
                            ".gif", ".avif"})
#: Folder mode without a captioner: the description of ``photo.jpg`` is ``photo.txt``.
SIDECAR_SUFFIX = ".txt"
GPC_SUFFIXES = frozenset({".gpc"})


@dataclass
class ItemResult:
    """The outcome of one item: ``done``, ``skipped`` (resume) or ``failed``."""

    source: Path
    output: Path
    status: str
    file_bytes: int = 0
    pixels: int = 0
    message: str = ""


@dataclass
class BatchReport:
    """Every item's outcome, the API usage and the wall time."""

    operation: str
    settings: BackendSettings
    items: list[ItemResult] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    #: files under the input folder that are not inputs, with the reason (counted)
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    uses_api: bool = True

    def count(self, status: str) -> int:
        return sum(item.status == status for item in self.items)

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "failed"]

    def summary(self) -> str:
        """A plain-text summary table, failures first."""
        coded = [i for i in self.items if i.status != "failed" and i.pixels]
        total = sum(i.file_bytes for i in coded)
        pixels = sum(i.pixels for i in coded)
        bpp = total * 8 / pixels if pixels else 0.0  # total bits / total pixels
        lines = [printable(f"FAILED {i.source}: {i.message}") for i in self.failed]
        lines += [printable(f"note {i.source}: {i.message}") for i in self.items
                  if i.status != "failed" and i.message]
        reasons: dict[str, int] = {}
        for _, reason in self.ignored:
            reasons[reason] = reasons.get(reason, 0) + 1
        rows = [
            ("items", str(len(self.items))), ("done", str(self.count("done"))),
            ("skipped", str(self.count("skipped"))), ("failed", str(self.count("failed"))),
            *((f"ignored: {reason}", str(n)) for reason, n in sorted(reasons.items())),
            (".gpc bytes", str(total)), ("bpp (all bits / all pixels)", f"{bpp:.6f}"),
            ("API usage", self.usage.summary(self.settings) if self.uses_api else "none"),
            ("time", f"{self.seconds:.1f} s"),
        ]
        width = max(len(name) for name, _ in rows)
        lines += [f"{self.operation} summary"]
        lines += [f"  {name:<{width}}  {value}" for name, value in rows]
        return "\n".join(lines)


def list_inputs(source: Path, suffixes: frozenset[str]) -> list[Path]:
    """Files under ``source`` (recursively) with one of ``suffixes``, sorted; no hidden."""
    return sorted(
        path for path in source.rglob("*")
        if path.is_file() and path.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in path.relative_to(source).parts)
    )


def mirror_jobs(source: Path, target: Path, suffixes: frozenset[str],
                out_suffix: str) -> list[tuple[Path, Path]]:
    """``(input, output)`` pairs: each input file under ``source`` and the file of the same
    relative path under ``target``, with ``out_suffix``."""
    return [(p, target / p.relative_to(source).with_suffix(out_suffix))
            for p in list_inputs(source, suffixes)]


def output_clashes(jobs: Sequence[tuple[Path, Path]]) -> list[str]:
    """One line per output path that two or more inputs would write (``a.jpg`` and
    ``a.png`` both to ``a.gpc``), naming every source; empty when none clash."""
    by_output: dict[Path, list[Path]] = {}
    for source, output in jobs:
        by_output.setdefault(output, []).append(source)
    return [f"{output} would be written from " + " and ".join(str(s) for s in sources)
            for output, sources in sorted(by_output.items()) if len(sources) > 1]


def not_inputs(source: Path, suffixes: frozenset[str],
               companions: frozenset[str] = frozenset()) -> list[tuple[Path, str]]:
    """Files under ``source`` that folder mode does not take, each with its reason
    (hidden files, other suffixes); ``companions`` are suffixes that are read beside the
    inputs (sidecar descriptions) and are not reported."""
    ignored = []
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        parts = path.relative_to(source).parts
        if any(part.startswith(".") for part in parts):
            ignored.append((path, "hidden file"))
        elif path.suffix.lower() in companions:
            continue
        elif path.suffix.lower() not in suffixes:
            ignored.append((path, f"not an input ({path.suffix or 'no suffix'})"))
    return ignored


class _Progress:
    """tqdm on a terminal; one plain line per item elsewhere; nothing when disabled."""

    def __init__(self, total: int, label: str, enabled: bool | None, stream: TextIO) -> None:
        self.total, self.seen, self.stream = total, 0, stream
        tty = stream.isatty()
        self.plain = enabled is not False and not tty
        self.bar: Any = None
        if tty and enabled is not False:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="file", file=stream)

    def update(self, item: ItemResult) -> None:
        self.seen += 1
        if self.bar is not None:
            self.bar.update(1)
            if item.status == "failed":
                self.bar.write(printable(f"failed {item.source}: {item.message}"),
                               file=self.stream)
        elif self.plain:
            detail = item.message if item.status == "failed" else f"{item.file_bytes} bytes"
            print(printable(f"[{self.seen}/{self.total}] {item.status} {item.source}: {detail}"),
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


async def _run(
    report: BatchReport,
    jobs: Sequence[tuple[Path, Path]],
    work: Callable[[Path, Path], Awaitable[ItemResult]],
    valid: Callable[[Path, Path], ItemResult | None],
    resume: bool,
    progress: bool | None,
    stream: TextIO | None,
    within: Path | None = None,
) -> BatchReport:
    started = time.perf_counter()
    semaphore = asyncio.Semaphore(report.settings.concurrency)
    # sys.stderr looked up now, not when the module was imported (it may be replaced)
    bar = _Progress(len(jobs), report.operation, progress, stream or sys.stderr)
    secrets = report.settings.secrets()

    async def one(source: Path, output: Path) -> ItemResult:
        async with semaphore:
            if resume:
                skipped = await asyncio.to_thread(valid, source, output)
                if skipped is not None:
                    return skipped
            try:
                if within is not None:
                    ensure_within(output, within)
                output.parent.mkdir(parents=True, exist_ok=True)
                return await work(source, output)
            except Exception as exc:  # one item's failure never stops the batch
                message = str(exc) if isinstance(exc, GpcError) else f"{type(exc).__name__}: {exc}"
                return ItemResult(source, output, "failed", message=redact(message, secrets))

    async def tracked(source: Path, output: Path) -> ItemResult:
        item = await one(source, output)
        bar.update(item)
        return item

    try:
        report.items = list(await asyncio.gather(*(tracked(s, o) for s, o in jobs)))
    finally:
        bar.close()
        report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------------- encode
async def encode_batch_async(
    inputs: Sequence[tuple[Path, Path]],
    settings: BackendSettings,
    options: EncodeOptions,
    *,
    resume: bool = False,
    progress: bool | None = None,
    stream: TextIO | None = None,
    within: Path | None = None,
    sidecars: bool = False,
) -> BatchReport:
    """Describe and encode each ``(image, output.gpc)`` pair with the captioner of
    ``settings``, through the one encode path (:func:`refcodec.encoder.encode_image_async`).
    With ``sidecars=True`` no captioner is used: each image's description is read from
    ``NAME.txt`` beside it, and an image without one fails with that reason."""
    from .backends.openai_backend import AsyncCaptioner, prepare_caption_image
    from .compose import image_size
    from .container import read
    from .encoder import encode_image_async, read_description

    report = BatchReport("encode", settings, uses_api=not sidecars)

    def valid(source: Path, output: Path) -> ItemResult | None:
        try:
            gpc = read(output, model_dir=options.model_dir)
            size = image_size(source)
        except (GpcError, OSError):
            return None
        data_size = output.stat().st_size
        budget = options.budget_for(size)
        if (gpc.width, gpc.height) != size or (budget is not None and data_size > budget):
            return None
        return ItemResult(source, output, "skipped", data_size, size[0] * size[1])

    def finished(source: Path, output: Path, result: Any) -> ItemResult:
        return ItemResult(source, output, "done", len(result.data),
                          result.size[0] * result.size[1], "; ".join(result.notes))

    async def encode_one(source: Path, output: Path,
                         describe: Callable[[int], Awaitable[str]]) -> ItemResult:
        result = await encode_image_async(source, describe, options)
        await asyncio.to_thread(write_atomic, output, result.data, (source,), within)
        return finished(source, output, result)

    if sidecars:

        async def offline(source: Path, output: Path) -> ItemResult:
            sidecar = source.with_suffix(SIDECAR_SUFFIX)
            if not sidecar.is_file():
                msg = f"no description: {sidecar.name} is missing (or use --describe openai)"
                raise GpcError(msg)
            text = await asyncio.to_thread(read_description, sidecar)

            async def given(words: int) -> str:
                return text

            return await encode_one(source, output, given)

        return await _run(report, inputs, offline, valid, resume, progress, stream, within)

    async with AsyncCaptioner(settings, report.usage) as captioner:

        async def work(source: Path, output: Path) -> ItemResult:
            png = await asyncio.to_thread(prepare_caption_image, source,
                                          settings.caption_max_side)

            async def describe(words: int) -> str:
                return await captioner.describe(png, words)

            return await encode_one(source, output, describe)

        return await _run(report, inputs, work, valid, resume, progress, stream, within)


def encode_batch(
    input_dir: str | os.PathLike[str], output_dir: str | os.PathLike[str],
    settings: BackendSettings, *, resume: bool = False, progress: bool | None = None,
    stream: TextIO | None = None, **options: Any,
) -> BatchReport:
    """Encode every image under ``input_dir`` to ``output_dir/<same path>.gpc``;
    ``options`` are the fields of :class:`~refcodec.encoder.EncodeOptions`."""
    from .encoder import EncodeOptions

    jobs = mirror_jobs(Path(input_dir), Path(output_dir), IMAGE_SUFFIXES, ".gpc")
    return asyncio.run(encode_batch_async(jobs, settings, EncodeOptions(**options),
                                          resume=resume, progress=progress, stream=stream,
                                          within=Path(output_dir)))


# ---------------------------------------------------------------------- decode
async def decode_batch_async(
    inputs: Sequence[tuple[Path, Path]],
    settings: BackendSettings,
    *,
    resume: bool = False,
    progress: bool | None = None,
    stream: TextIO | None = None,
    model_dir: Path | None = None,
    within: Path | None = None,
) -> BatchReport:
    """Render each ``(file.gpc, output.png)`` pair."""
    from .backends.openai_backend import AsyncRenderer
    from .container import read

    report = BatchReport("decode", settings)

    def valid(source: Path, output: Path) -> ItemResult | None:
        from PIL import Image

        try:
            gpc = read(source, model_dir=model_dir)
            with Image.open(output) as image:
                image.load()
                ok = image.size == (gpc.width, gpc.height)
        except (GpcError, OSError, Image.DecompressionBombError):
            return None
        if not ok:
            return None
        return ItemResult(source, output, "skipped", source.stat().st_size,
                          gpc.width * gpc.height)

    async with AsyncRenderer(settings, report.usage) as renderer:

        async def work(source: Path, output: Path) -> ItemResult:
            gpc = await asyncio.to_thread(read, source, model_dir=model_dir)
            png = await renderer.render(gpc)
            await asyncio.to_thread(write_atomic, output, png, (source,), within)
            return ItemResult(source, output, "done", source.stat().st_size,
                              gpc.width * gpc.height)

        return await _run(report, inputs, work, valid, resume, progress, stream, within)


def decode_batch(
    input_dir: str | os.PathLike[str], output_dir: str | os.PathLike[str],
    settings: BackendSettings, **options: Any,
) -> BatchReport:
    """Render every ``.gpc`` under ``input_dir`` to ``output_dir/<same path>.png``."""
    jobs = mirror_jobs(Path(input_dir), Path(output_dir), GPC_SUFFIXES, ".png")
    return asyncio.run(decode_batch_async(jobs, settings, within=Path(output_dir), **options))

"""``gpc eval``: encode, render and measure each image in every mode, like a batch job.

Per image, one JSON file under ``REPORT_DIR/items/`` is written atomically once the image
is done, so a killed run continues with ``--resume`` where it stopped (an item counts as
done only when its JSON exists and was made with the same settings). ``--concurrency``
images are worked on at once, ``--limit`` stops after so many images, ``--shard K/N``
takes one stable part of the collection. The report (``index.html``, plots, tables) is
built from all item files at the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from PIL import Image

from ..atomic import write_atomic
from ..errors import GpcError, UsageError
from . import metrics as m
from .defaults import DEFAULT_LEARNED
from .modes import Mode, baseline_encode, baseline_modes, descriptions_for, gpc_modes

__all__ = ["EvalSettings", "collect_images", "run_eval", "run_eval_async"]



@dataclass
class EvalSettings:
    """Everything that decides the numbers (recorded in results.json)."""

    renderer: str = "preview"  # "preview" or "openai"
    describe: str = "corpus"  # "corpus" (corpus, sidecar, --text) or "openai"
    text: str | None = None
    max_bytes: int | None = None
    target_bpp: float | None = None
    texts: tuple[str, ...] = ("detailed", "concise")
    lowres: tuple[str, ...] | None = None  # None: every available codec
    baselines: bool = True
    learned: tuple[str, ...] = DEFAULT_LEARNED
    concurrency: int = 2
    resume: bool = False
    limit: int | None = None
    shard: tuple[int, int] | None = None
    max_cost: float | None = None

    def fingerprint(self) -> str:
        keys = ("renderer", "describe", "text", "max_bytes", "target_bpp", "texts", "lowres",
                "baselines", "learned")
        blob = json.dumps({k: getattr(self, k) for k in keys}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Item:
    source: Path
    relative: str
    key: str


@dataclass
class Context:
    out: Path
    settings: EvalSettings
    modes: list[Mode]
    learned: dict[str, Any] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    backend: Any = None  # BackendSettings for --renderer/--describe openai
    renderer: Any = None
    captioner: Any = None


def collect_images(paths: list[Path]) -> list[Item]:
    """Image files named or found (recursively) under the folders named, sorted by their
    relative path; folders give paths relative to themselves, files their name."""
    from ..batch import IMAGE_SUFFIXES, list_inputs

    found: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            for file in list_inputs(path, IMAGE_SUFFIXES):
                found.setdefault(file.relative_to(path).as_posix(), file)
        elif path.is_file():
            found.setdefault(path.name, path)
        else:
            msg = f"no such file or folder: {path}"
            raise UsageError(msg)
    items = []
    for rel in sorted(found):
        digest = hashlib.sha256(rel.encode()).hexdigest()[:8]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in rel)
        items.append(Item(found[rel], rel, f"{safe}-{digest}"))
    return items


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _measure(ctx: Context, original: Image.Image, test: Image.Image | None,
             reason: str) -> dict[str, Any]:
    """Every per-image metric of ``test`` against ``original``: a number, or a string
    saying why not."""
    if test is None:
        names = ("psnr", "ms_ssim", "lpips", "dists", "clip_similarity", "clip_iqa")
        return dict.fromkeys(names, f"not available: {reason}")
    out: dict[str, Any] = {}
    out["psnr"], out["psnr_capped"] = m.psnr(original, test)
    try:
        out["ms_ssim"] = m.ms_ssim(original, test)
    except m.Unavailable as exc:
        out["ms_ssim"] = f"not available: {exc}"
    with ctx.lock:  # one learned model at a time: bounded memory on small machines
        for name in ("lpips", "dists", "clip_similarity"):
            if name in ctx.learned:
                out[name] = ctx.learned[name](original, test)
            elif name in ctx.unavailable:
                out[name] = f"not available: {ctx.unavailable[name]}"
        if "clip_iqa" in ctx.learned:
            out["clip_iqa"] = ctx.learned["clip_iqa"](test)
        elif "clip_iqa" in ctx.unavailable:
            out["clip_iqa"] = f"not available: {ctx.unavailable['clip_iqa']}"
        if "inception_features" in ctx.learned:
            out["_features"] = ctx.learned["inception_features"](test)
    return out


def _encode_gpc(ctx: Context, item: Item, mode: Mode, texts: dict[str, str],
                size: tuple[int, int]) -> tuple[bytes, Any, bool]:
    from ..container import parse
    from ..encoder import EncodeOptions, encode_image, fixed_text

    s = ctx.settings
    assert mode.text is not None
    options = EncodeOptions(lowres=mode.lowres, max_bytes=s.max_bytes, target_bpp=s.target_bpp)
    result = encode_image(item.source, fixed_text(texts[mode.text]), options)  # the one path
    return result.data, parse(result.data), result.fit.trimmed


async def _render(ctx: Context, gpc: Any) -> tuple[Image.Image | None, str]:
    """The rendered image, or ``None`` and why there is none."""
    from ..request import lowres_pixels

    if ctx.settings.renderer == "openai":
        png = await ctx.renderer.render(gpc)
        with Image.open(io.BytesIO(png)) as image:
            return image.convert("RGB"), ""
    decoded = lowres_pixels(gpc)
    if decoded is None:
        return None, "the preview renderer draws only files with a reference image"
    from ..lowres import preview

    return preview(*decoded, gpc.width, gpc.height).convert("RGB"), ""


async def _texts(ctx: Context, item: Item) -> tuple[dict[str, str], str]:
    if ctx.settings.describe == "openai":
        from ..backends.openai_backend import prepare_caption_image

        png = await asyncio.to_thread(prepare_caption_image, item.source,
                                      ctx.backend.caption_max_side)
        words = {"detailed": 150, "concise": 50}
        texts = {kind: await ctx.captioner.describe(png, words[kind])
                 for kind in ctx.settings.texts}
        return texts, f"captioned by {ctx.backend.caption_model}"
    return descriptions_for(item.source, ctx.settings.text)


async def _evaluate_item(ctx: Context, item: Item) -> dict[str, Any]:
    from ..container import payload_bytes

    with Image.open(item.source) as opened:
        opened.load()
        original = opened.convert("RGB")
    size = original.size
    pixels = size[0] * size[1]
    texts, text_source = await _texts(ctx, item)
    files = ctx.out / "files" / item.key
    files.mkdir(parents=True, exist_ok=True)
    thumb = original.copy()
    thumb.thumbnail((320, 320), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=85)
    write_atomic(files / "original.jpg", buffer.getvalue())
    record: dict[str, Any] = {
        "image": item.relative, "key": item.key, "width": size[0], "height": size[1],
        "pixels": pixels, "source_bytes": item.source.stat().st_size,
        "description_source": text_source, "fingerprint": ctx.settings.fingerprint(),
        "descriptions": texts, "modes": {},
    }
    record["original_metrics"] = {}
    if "clip_iqa" in ctx.learned:
        with ctx.lock:
            record["original_metrics"]["clip_iqa"] = ctx.learned["clip_iqa"](original)
    if "inception_features" in ctx.learned:
        with ctx.lock:
            record["original_metrics"]["_features"] = \
                ctx.learned["inception_features"](original)
    for mode in ctx.modes:
        row: dict[str, Any] = {"family": mode.family}
        try:
            if mode.family == "gpc":
                if not texts.get(mode.text or ""):
                    row["status"] = ("skipped: no description (none in the corpus; give "
                                     "--text or IMAGE.txt, or use --describe openai)")
                    record["modes"][mode.name] = row
                    continue
                data, gpc, trimmed = await asyncio.to_thread(_encode_gpc, ctx, item, mode,
                                                             texts, size)
                path = files / f"{mode.name}.gpc"
                text_bytes = len(payload_bytes(gpc.text_chunk))
                ref_bytes = len(payload_bytes(gpc.image_chunk)) if gpc.image_chunk else 0
                render, reason = await _render(ctx, gpc)
                row.update(trimmed=trimmed, text_payload_bytes=text_bytes,
                           reference_payload_bytes=ref_bytes,
                           container_bytes=len(data) - text_bytes - ref_bytes,
                           text=gpc.text_chunk.text)
                if gpc.image_chunk is not None:
                    from ..request import lowres_pixels

                    decoded = lowres_pixels(gpc)
                    assert decoded is not None
                    low = Image.frombytes("RGB", decoded[1:3], decoded[0])
                    write_atomic(files / f"{mode.name}.reference.png", _png(low))
            else:
                data, render = await asyncio.to_thread(baseline_encode, original, mode)
                reason = ""
                path = files / f"{mode.name}.{(mode.codec or 'bin').lower()}"
            write_atomic(path, data)
            row.update(status="done", file=str(path.relative_to(ctx.out)),
                       file_bytes=len(data), bpp=len(data) * 8 / pixels)
            if mode.family == "gpc":
                row["bpp_text"] = row["text_payload_bytes"] * 8 / pixels
                row["bpp_reference"] = row["reference_payload_bytes"] * 8 / pixels
            if render is not None:
                render_path = files / f"{mode.name}.render.png"
                write_atomic(render_path, _png(render))
                row["render"] = str(render_path.relative_to(ctx.out))
            row["metrics"] = await asyncio.to_thread(_measure, ctx, original, render, reason)
        except (GpcError, OSError, ValueError) as exc:
            row = {"family": mode.family, "status": f"failed: {exc}"}
        record["modes"][mode.name] = row
    return record


def _estimate(ctx: Context, items: list[Item]) -> str:
    """A cost estimate before any paid call: calls times the price table's rate."""
    from ..backends.usage import Usage

    s, backend = ctx.settings, ctx.backend
    usage = Usage()
    gpc_modes_n = sum(1 for mode in ctx.modes if mode.family == "gpc")
    if s.describe == "openai":
        usage.caption_requests = len(items) * len(s.texts)
        usage.caption_input_tokens = 1000 * usage.caption_requests
        usage.caption_output_tokens = 250 * usage.caption_requests
    if s.renderer == "openai":
        usage.images = len(items) * gpc_modes_n
        usage.image_text_input_tokens = 300 * usage.images
        usage.image_output_tokens = 4160 * usage.images  # ~1024x1024 at high quality
    cost = usage.estimated_cost(backend)
    text = "n/a (no price for the model)" if cost is None else f"~${cost:.2f}"
    calls = f"{usage.caption_requests} caption call(s), {usage.images} image call(s)"
    if cost is not None and s.max_cost is not None and cost > s.max_cost:
        msg = f"estimated cost {text} for {calls} is over --max-cost {s.max_cost}"
        raise UsageError(msg)
    return f"cost estimate before starting: {calls}, {text} (estimate from the price table)"


async def run_eval_async(inputs: list[Path], out: Path, settings: EvalSettings, *,
                         backend: Any = None, stream: TextIO | None = None
                         ) -> dict[str, Any]:
    """Evaluate, write the item files and the report; return results.json's object."""
    stream = stream or sys.stderr
    from .report import write_report

    items = collect_images(inputs)
    if settings.shard is not None:
        from ..shard import select

        items = select(items, [i.relative for i in items], settings.shard)
    if settings.limit is not None:
        items = items[: settings.limit]
    if not items:
        msg = "no images to evaluate"
        raise UsageError(msg)
    modes = gpc_modes(settings.texts, settings.lowres)
    if settings.baselines:
        modes += baseline_modes()
    ctx = Context(out, settings, modes, backend=backend)
    (out / "items").mkdir(parents=True, exist_ok=True)
    if settings.renderer == "openai" or settings.describe == "openai":
        print(_estimate(ctx, items), file=stream, flush=True)
    started = time.perf_counter()
    ctx.learned, ctx.unavailable = await asyncio.to_thread(m.load_learned, settings.learned)
    for name, reason in ctx.unavailable.items():
        print(f"metric {name}: not available: {reason}", file=stream)
    done = 0
    semaphore = asyncio.Semaphore(settings.concurrency)

    async def one(item: Item) -> str:
        nonlocal done
        path = out / "items" / f"{item.key}.json"
        async with semaphore:
            status = "done"
            if settings.resume and path.is_file():
                try:
                    old = json.loads(path.read_text("utf-8"))
                except ValueError:
                    old = {}
                if old.get("fingerprint") == settings.fingerprint():
                    status = "skipped (resume)"
            if status == "done":
                try:
                    record = await _evaluate_item(ctx, item)
                    write_atomic(path, json.dumps(record, indent=1).encode())
                except (GpcError, OSError) as exc:
                    status = f"failed: {exc}"
            done += 1
            print(f"[{done}/{len(items)}] {status} {item.relative}", file=stream, flush=True)
            return status

    try:
        if settings.renderer == "openai" or settings.describe == "openai":
            from ..backends.openai_backend import AsyncCaptioner, AsyncRenderer

            if settings.renderer == "openai":
                ctx.renderer = AsyncRenderer(backend)
            if settings.describe == "openai":
                ctx.captioner = AsyncCaptioner(backend)
        statuses = await asyncio.gather(*(one(item) for item in items))
    finally:
        for client in (ctx.renderer, ctx.captioner):
            if client is not None:
                await client.close()
    records = []
    for item in items:
        path = out / "items" / f"{item.key}.json"
        if path.is_file():
            records.append(json.loads(path.read_text("utf-8")))
    run = {
        "settings": {**asdict(settings), "fingerprint": settings.fingerprint()},
        "modes": [asdict(mode) for mode in modes],
        "models": _models(ctx),
        "metrics_unavailable": ctx.unavailable,
        "seconds": time.perf_counter() - started,
        "failed": [f"{i.relative}: {s}" for i, s in zip(items, statuses, strict=True)
                   if s.startswith("failed")],
    }
    results = await asyncio.to_thread(write_report, out, records, run)
    return results


def _models(ctx: Context) -> dict[str, str]:
    models = {"renderer": ctx.settings.renderer, "describe": ctx.settings.describe}
    if ctx.backend is not None:
        if ctx.settings.renderer == "openai":
            models["image_model"] = ctx.backend.image_model
        if ctx.settings.describe == "openai":
            models["caption_model"] = ctx.backend.caption_model
    for metric in m.LEARNED:
        if metric.name in ctx.learned:
            models[metric.name] = ", ".join(str(f.path()) for f in metric.files)
    return models


def run_eval(inputs: list[Path], out: Path, settings: EvalSettings, **kwargs: Any
             ) -> dict[str, Any]:
    return asyncio.run(run_eval_async(inputs, out, settings, **kwargs))

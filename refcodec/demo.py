"""``gpc demo``: the main job on the bundled samples, offline (no API key, no network).

Encodes each bundled photograph with its bundled raster-scan descriptions: a
detailed and a concise text-only file, and a multimodal file (concise text plus
a low-resolution reference image, spec §9). Validates every file by reading it
back, writes the normative generation requests and, for multimodal files, the
model-free preview render, and prints a table of sizes and bpp.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import registry
from .atomic import write_atomic
from .container import build, parse, payload_bytes
from .encoder import EncodeOptions, encode_image, fixed_text
from .errors import FormatError
from .request import derive_request, lowres_pixels

__all__ = ["Sample", "load_samples", "run_demo"]


@dataclass(frozen=True)
class Sample:
    """A bundled photograph and its descriptions (refcodec/data/samples/samples.json)."""

    name: str
    image: Path
    descriptions: dict[str, str]  # kind ("detailed", "concise") -> text
    licence: str


def load_samples() -> list[Sample]:
    base = resources.files("refcodec").joinpath("data/samples")
    index = json.loads(base.joinpath("samples.json").read_text("utf-8"))
    return [Sample(row["name"], Path(str(base.joinpath(row["image"]))), row["descriptions"],
                   row["licence"]) for row in index["samples"]]


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in
                       enumerate(zip(r, widths, strict=True))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _jobs(sample: Sample) -> list[tuple[str, str, bool]]:
    """(file stem, description, with reference image) for one sample."""
    jobs = [(f"{sample.name}-{kind}", text, False) for kind, text in sample.descriptions.items()]
    jobs.append((f"{sample.name}-concise-lowres", sample.descriptions["concise"], True))
    return jobs


def run_demo(output: Path, live: bool = False) -> int:
    """Run the demo into ``output``; with ``live``, also caption and render through the
    configured OpenAI-compatible backend. Return the exit status."""
    from .lowres import best_codec, preview

    output.mkdir(parents=True, exist_ok=True)
    codec_name = best_codec()
    rows = [["file", "size", "chars", "text codec", "low-res", "bytes", "bpp", "overhead",
             "text/zlib-9"]]
    requests, previews = [], []
    for sample in load_samples():
        for stem, text, multimodal in _jobs(sample):
            path = output / f"{stem}.gpc"
            result = encode_image(sample.image, fixed_text(text),
                                  EncodeOptions(lowres=codec_name if multimodal else None))
            data, size = result.data, result.size
            write_atomic(path, data)
            gpc = parse(path.read_bytes())  # validate what is on disk
            if build(gpc) != data:
                msg = f"{path}: the file does not rebuild to the same bytes"
                raise FormatError("FILE-1", msg)
            request = derive_request(gpc).to_json()
            request_path = path.with_suffix(".request.json")
            write_atomic(request_path, request)
            requests.append((request_path, request))
            decoded = lowres_pixels(gpc)
            if decoded is not None:
                render = preview(*decoded, gpc.width, gpc.height)
                preview_path = path.with_suffix(".preview.png")
                buffer = io.BytesIO()
                render.save(buffer, "PNG")
                write_atomic(preview_path, buffer.getvalue())
                previews.append(preview_path)
            text_payload = len(payload_bytes(gpc.text_chunk))
            overhead = len(data) - sum(len(payload_bytes(c)) for c in gpc.chunks)
            codec = registry.text_codec(gpc.text_chunk.codec)
            assert codec is not None
            lowres = f"{codec_name} {len(gpc.image_chunk.data)} B" if gpc.image_chunk else "-"
            rows.append([path.name, f"{size[0]}x{size[1]}", str(len(text)), codec.name, lowres,
                         str(len(data)), f"{len(data) * 8 / (size[0] * size[1]):.5f}",
                         str(overhead),
                         f"{text_payload / len(zlib.compress(text.encode(), 9)):.2f}x"])
    print(f"GPC demo: {len(rows) - 1} files written to {output}/ and validated\n")
    print(_table(rows))
    print("\nPreview renders (the reference image upscaled, no model involved):")
    for path in previews:
        print(f"  {path}")
    print("\nGeneration requests (spec §12), as a decoder derives them:")
    for path, request in requests:
        print(f"\n{path}:\n{request.decode('utf-8')}")
    if not live:
        print("\nNo model was used: set OPENAI_API_KEY (and optionally OPENAI_BASE_URL for a "
              "compatible server) to caption and render for real.")
        return 0
    return _run_live(output, load_samples())


def _run_live(output: Path, samples: list[Sample]) -> int:
    """Caption each sample with a vision model, encode it, and render every file: the
    paper's system end to end. One line per failure."""
    from .backends.openai_backend import Captioner, Renderer, prepare_caption_image
    from .backends.settings import resolve_settings
    from .errors import GpcError

    settings = resolve_settings()
    failures = 0
    print(f"\nLive run: captions by {settings.caption_model}, images by {settings.image_model}")
    with Captioner(settings) as captioner, Renderer(settings, captioner.usage) as renderer:
        for sample in samples:
            try:
                png = prepare_caption_image(sample.image, settings.caption_max_side)

                def describe(words: int, png: bytes = png) -> str:
                    return captioner.describe(png, words)

                result = encode_image(sample.image, describe, EncodeOptions(word_budget=120))
                data, size = result.data, result.size
                path = output / f"{sample.name}-captioned.gpc"
                write_atomic(path, data)
                render = output / f"{sample.name}-captioned.render.png"
                write_atomic(render, renderer.render(parse(data)))
            except GpcError as exc:
                failures += 1
                print(f"  {sample.name}: failed: {exc}")
                continue
            bpp = len(data) * 8 / (size[0] * size[1])
            print(f"  {path.name}: {len(data)} bytes, {bpp:.5f} bpp; rendered to {render.name}")
    print(f"  API usage: {captioner.usage.summary(settings)}")
    return 1 if failures else 0

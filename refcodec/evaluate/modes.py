"""What ``gpc eval`` measures for each image: the GPC modes and the classic baselines.

GPC modes: text-only with the detailed and with the concise description, and multimodal
(concise description plus a reference image) with each available reference codec, all under
the same ``max_bytes`` / ``target_bpp`` budget (the description is trimmed to fit, as
``gpc encode`` does). Baselines: JPEG, WebP and AVIF through Pillow at their smallest
setting (quality 1, 0 and 0), the least a classic codec can spend on the whole image.

Descriptions, without a captioning model: the project's description corpus where it has one
for the image (``refcodec/data/samples/samples.json``, then ``descriptions/*.jsonl`` by file
name), else ``IMAGE.detailed.txt`` / ``IMAGE.concise.txt`` / ``IMAGE.txt`` beside the image,
else ``--text``.
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

__all__ = ["BASELINES", "Mode", "baseline_encode", "corpus_descriptions", "descriptions_for",
           "gpc_modes"]


@dataclass(frozen=True)
class Mode:
    """One way of coding an image. ``text`` is "detailed" or "concise" (GPC modes);
    ``lowres`` the reference image codec (None: text-only); ``codec`` the baseline format."""

    name: str
    family: str  # "gpc" or "baseline"
    text: str | None = None
    lowres: str | None = None
    codec: str | None = None
    quality: int | None = None


#: (Pillow format, smallest quality) of each baseline; AVIF/WebP only where Pillow has them.
BASELINES = (("JPEG", 1), ("WEBP", 0), ("AVIF", 0))


def gpc_modes(texts: tuple[str, ...] = ("detailed", "concise"),
              lowres: tuple[str, ...] | None = None) -> list[Mode]:
    """Text-only modes for each kind of description, then multimodal modes (concise text)
    with each reference codec (default: every one this Pillow build can encode)."""
    from ..lowres import available_codecs

    codecs = available_codecs() if lowres is None else list(lowres)
    modes = [Mode(f"gpc-{kind}", "gpc", text=kind) for kind in texts]
    kind = "concise" if "concise" in texts else texts[0]
    modes += [Mode(f"gpc-{kind}+{codec}", "gpc", text=kind, lowres=codec) for codec in codecs]
    return modes


def baseline_modes() -> list[Mode]:
    from PIL import features

    modes = []
    for fmt, quality in BASELINES:
        if fmt == "JPEG" or features.check(fmt.lower()):
            modes.append(Mode(f"{fmt.lower()}-q{quality}", "baseline", codec=fmt,
                              quality=quality))
    return modes


def baseline_encode(image: Image.Image, mode: Mode) -> tuple[bytes, Image.Image]:
    """The coded bytes and the decoded image of a baseline mode."""
    assert mode.codec is not None
    assert mode.quality is not None
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, mode.codec, quality=mode.quality)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as decoded:
        decoded.load()
        return data, decoded.convert("RGB")


@functools.cache
def corpus_descriptions() -> dict[str, dict[str, str]]:
    """Image stem -> {kind: text} from the bundled samples and the description corpus."""
    from importlib import resources

    found: dict[str, dict[str, str]] = {}
    corpus = Path(__file__).resolve().parents[2] / "descriptions"
    if corpus.is_dir():
        for path in sorted(corpus.glob("*.jsonl")):
            for line in path.read_text("utf-8").splitlines():
                if not line.strip():
                    continue
                row = json.loads(line)
                stem = Path(str(row.get("source", ""))).stem
                if stem and row.get("kind") and row.get("text"):
                    found.setdefault(stem, {})[str(row["kind"])] = str(row["text"])
    base = resources.files("refcodec").joinpath("data/samples")
    index = json.loads(base.joinpath("samples.json").read_text("utf-8"))
    for row in index["samples"]:
        found.setdefault(Path(row["image"]).stem, {}).update(row["descriptions"])
    return found


def _sidecar(path: Path) -> str | None:
    if path.is_file():
        return path.read_text("utf-8").replace("\r\n", "\n").strip()
    return None


def descriptions_for(image: Path, text: str | None = None) -> tuple[dict[str, str], str]:
    """``({kind: description}, source)`` for an image, without any model."""
    corpus = corpus_descriptions().get(image.stem)
    if corpus:
        return dict(corpus), "description corpus"
    found = {}
    for kind in ("detailed", "concise"):
        side = _sidecar(image.with_name(f"{image.stem}.{kind}.txt"))
        if side:
            found[kind] = side
    plain = _sidecar(image.with_suffix(".txt"))
    if plain:
        for kind in ("detailed", "concise"):
            found.setdefault(kind, plain)
    if found:
        return found, "sidecar .txt"
    if text:
        return {"detailed": text, "concise": text}, "--text"
    return {}, "none"

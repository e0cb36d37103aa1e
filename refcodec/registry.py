"""Registries of every identifier written on disk (spec/gpc.md §17).

This module is the single source of truth for on-disk IDs. Each row carries an
explicit integer that is never reused or renumbered; construct checks, CLI
choices, the spec's registry tables (``python -m refcodec.spectext spec/gpc.md``) and
the loaders are all derived from these tuples. Implementations register against a row
by its *name* (:mod:`refcodec.codecs`, :mod:`refcodec.chunks`), so no other module
writes an ID; ``tests/test_registry.py`` fails if ``spec/gpc.md`` or the registered
implementations disagree with these rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Literal, TypeVar

from .errors import UsageError

__all__ = [
    "CHUNK_TYPES",
    "FIRST_VERSION",
    "IMAGE_CODECS",
    "MODELS",
    "Architecture",
    "SIZE_PRESETS",
    "SPEC_VERSION",
    "TEMPLATES",
    "TEXT_CODECS",
    "ChunkType",
    "ImageCodec",
    "Model",
    "SizePreset",
    "Template",
    "TextCodec",
    "chunk_type",
    "image_codec",
    "markdown_tables",
    "model",
    "model_by_name",
    "named",
    "size_preset_for",
    "template",
    "template_text",
    "version_byte",
    "text_codec",
]

#: Version of spec/gpc.md implemented here, as (major, minor).
SPEC_VERSION: tuple[int, int] = (1, 2)
#: The first version of the format: every file is at least this (§5.1).
FIRST_VERSION: tuple[int, int] = (1, 0)

Status = Literal["standard", "test-only", "reserved"]
_Row = TypeVar("_Row")


@dataclass(frozen=True)
class ChunkType:
    """A chunk type (§6.1). Bit 7 of the tag is the ancillary bit."""

    tag: int
    name: str
    max_count: int
    since: tuple[int, int]
    summary: str

    @property
    def critical(self) -> bool:
        return not self.tag & 0x80


@dataclass(frozen=True)
class TextCodec:
    """A text-chunk codec (§8.2). ``declares_length``: the payload carries ``text_length``."""

    id: int
    name: str
    since: tuple[int, int]
    summary: str
    declares_length: bool = True


@dataclass(frozen=True)
class Template:
    """A prompt template (§11): how the decoded text becomes a generation prompt.

    File names are relative to ``refcodec/data/templates`` (``spec/templates``);
    ``sha256`` pins the exact bytes of each file.
    """

    id: int
    name: str
    since: tuple[int, int]
    summary: str
    files: tuple[tuple[str, str], ...] = ()  # (role, file name)
    sha256: tuple[tuple[str, str], ...] = ()  # (role, hex digest)

    def file_for(self, role: str) -> str | None:
        return dict(self.files).get(role)


@dataclass(frozen=True)
class SizePreset:
    """An image-size preset (§5.3); preset 0 means explicit width and height."""

    id: int
    width: int
    height: int


@dataclass(frozen=True)
class ImageCodec:
    """A low-resolution image codec (§9)."""

    id: int
    name: str
    since: tuple[int, int]
    status: Status
    summary: str


@dataclass(frozen=True)
class Architecture:
    """Hyperparameters of one HiFiC autoencoder with a mean-scale hyperprior (neural.md NRL-3)."""

    latent_channels: int = 220
    hyper_channels: int = 320
    encoder_channels: tuple[int, ...] = (60, 120, 240, 480, 960)
    generator_channels: tuple[int, ...] = (960, 480, 240, 120, 60)
    residual_blocks: int = 9
    weight_bits: int = 14  # NRL-6: integer weights are round(w * 2**weight_bits)
    activation_bits: int = 12  # NRL-6: integer activations carry 2**activation_bits


@dataclass(frozen=True)
class Model:
    """A neural model whose weights an image codec needs (§9, spec/neural.md NRL-2).

    ``sha256`` pins the weights file and ``tables_sha256`` its integer CDF tables (NRL-7);
    None means nobody has verified them for this registry, and the loader says so.
    The file name is the last part of ``url``, or ``file`` for models without one.
    """

    id: int
    name: str
    codec: str
    status: Status
    sha256: str | None
    url: str | None
    licence: str
    nominal_bpp: float | None = None
    tables_sha256: str | None = None
    arch: Architecture = Architecture()
    file: str | None = None

    @property
    def filename(self) -> str:
        if self.file is not None:
            return self.file
        assert self.url is not None, f"model {self.name} has neither a URL nor a file name"
        return self.url.rsplit("/", 1)[1]

    @property
    def verified(self) -> bool:
        """Both digests recorded (weights and tables): the only rows a writer may use and
        a reader may decode (spec/neural.md NRL-12)."""
        return self.sha256 is not None and self.tables_sha256 is not None

    @property
    def test_only(self) -> bool:
        return self.status == "test-only"


# fmt: off
CHUNK_TYPES: tuple[ChunkType, ...] = (
    ChunkType(0x01, "text",  1, (1, 0), "the description and its prompt template (§8)"),
    ChunkType(0x02, "image", 1, (1, 0), "the low-resolution reference image (§9)"),
    ChunkType(0x81, "meta",  1, (1, 0), "descriptive metadata: key/value pairs (§10)"),
)

TEXT_CODECS: tuple[TextCodec, ...] = (
    TextCodec(0, "stored",  (1, 0), "UTF-8 bytes as they are", declares_length=False),
    TextCodec(1, "deflate", (1, 0), "raw DEFLATE stream (RFC 1951), no zlib or gzip wrapper"),
    TextCodec(2, "brotli",  (1, 0), "Brotli stream (RFC 7932)"),
    TextCodec(3, "gpc-ppm1", (1, 1),
              "order-4 PPM with the pinned prior ppm1.bin and a range coder "
              "(text-codec.md); the text itself when not shorter"),
)

TEMPLATES: tuple[Template, ...] = (
    Template(0, "verbatim", (1, 0), "the text is the generation prompt as it is"),
    Template(
        1, "raster-scan-v1", (1, 0),
        "structured raster-scan description (top to bottom, left to right)",
        files=(
            ("describe", "raster-scan-v1/describe.txt"),
            ("generate", "raster-scan-v1/generate.txt"),
            ("generate-with-reference", "raster-scan-v1/generate-with-reference.txt"),
        ),
        sha256=(
            ("describe", "231efb50f50b4776bf10de839720802a5c12771604ed5288d39c71ba76c3dcee"),
            ("generate", "f56cec41ec57cd06956cd002c6afabb3ced9ef8bedfcf338ee1913d9d1082343"),
            ("generate-with-reference",
             "b845d2bb15ebbcbba0b499d7341096ff52450505b84480698cfac5938aff36dd"),
        ),
    ),
)

SIZE_PRESETS: tuple[SizePreset, ...] = (
    SizePreset(1, 1024, 1024),
    SizePreset(2, 1536, 1024),
    SizePreset(3, 1024, 1536),
    SizePreset(4, 512, 512),
    SizePreset(5, 768, 512),
    SizePreset(6, 512, 768),
    SizePreset(7, 2048, 2048),
    SizePreset(8, 256, 256),
)

#: Low-resolution image codecs; IDs 1-63 public, 64-127 experimental/private.
IMAGE_CODECS: tuple[ImageCodec, ...] = (
    ImageCodec(1, "png",  (1, 1), "standard",
               "lossless: raw DEFLATE of 8-bit RGB PNG scanlines (lowres.md §L.4)"),
    ImageCodec(2, "webp", (1, 1), "standard",
               "lossy VP8 key frame, 4:2:0 (lowres.md §L.6)"),
    ImageCodec(3, "avif", (1, 1), "standard",
               "lossy AV1 still frame, 8-bit 4:4:4 full range (lowres.md §L.5)"),
    ImageCodec(16, "msillm", (1, 1), "standard",
               "MS-ILLM latents: model ID varint + rANS stream (neural.md)"),
)

_MSILLM = "https://dl.fbaipublicfiles.com/NeuralCompression/2023-muckley-msillm/msillm_target_"
_MSILLM_LICENCE = "CC-BY-NC-4.0 (weights, non-commercial)"
#: The small architecture of the project's test model (tools/train_msillm_test_model.py).
_TEST_ARCH = Architecture(latent_channels=24, hyper_channels=24,
                          encoder_channels=(8, 16, 24, 32, 64),
                          generator_channels=(48, 32, 24, 16, 8), residual_blocks=2)

#: Neural models; IDs 1-63 public, 64-127 test-only or private. sha256 None: unverified.
MODELS: tuple[Model, ...] = (
    Model(1, "msillm-q1", "msillm", "standard", None, _MSILLM + "0.035bpp.ckpt",
          _MSILLM_LICENCE, 0.035),
    Model(2, "msillm-q2", "msillm", "standard", None, _MSILLM + "0.07bpp.ckpt",
          _MSILLM_LICENCE, 0.07),
    Model(3, "msillm-q3", "msillm", "standard", None, _MSILLM + "0.14bpp.ckpt",
          _MSILLM_LICENCE, 0.14),
    Model(4, "msillm-q4", "msillm", "standard", None, _MSILLM + "0.3bpp.ckpt",
          _MSILLM_LICENCE, 0.3),
    Model(5, "msillm-q5", "msillm", "standard", None, _MSILLM + "0.45bpp.ckpt",
          _MSILLM_LICENCE, 0.45),
    Model(6, "msillm-q6", "msillm", "standard", None, _MSILLM + "0.9bpp.ckpt",
          _MSILLM_LICENCE, 0.9),
    Model(7, "msillm-vlo1", "msillm", "standard", None, _MSILLM + "0.00218bpp.ckpt",
          _MSILLM_LICENCE, 0.00218),
    Model(8, "msillm-vlo2", "msillm", "standard", None, _MSILLM + "0.00438bpp.ckpt",
          _MSILLM_LICENCE, 0.00438),
    Model(64, "msillm-test", "msillm", "test-only",
          "bfca40d17ab40456634523398d337f6ab945cd16b561f363e50a804d33ef8e15", None,
          "CC0-1.0 (trained by this project for conformance; not for real use)",
          tables_sha256="53b58ff048d2ec8cf1bdd4f8de1436ed27bfa77c0f36d31fbb950b818b9b40cc",
          arch=_TEST_ARCH, file="msillm-test.safetensors"),
)
# fmt: on


def _index(rows: tuple[_Row, ...], key: str) -> dict[int, _Row]:
    table: dict[int, _Row] = {}
    for row in rows:
        ident = getattr(row, key)
        if ident in table:
            msg = f"duplicate registry ID {ident} in {type(row).__name__}"
            raise AssertionError(msg)
        table[ident] = row
    return table


_CHUNKS = _index(CHUNK_TYPES, "tag")
_TEXT_CODECS = _index(TEXT_CODECS, "id")
_TEMPLATES = _index(TEMPLATES, "id")
_SIZES = _index(SIZE_PRESETS, "id")
_IMAGE_CODECS = _index(IMAGE_CODECS, "id")
_MODELS = _index(MODELS, "id")
_SIZE_BY_DIMS = {(p.width, p.height): p.id for p in SIZE_PRESETS}


def chunk_type(tag: int) -> ChunkType | None:
    return _CHUNKS.get(tag)


def text_codec(ident: int) -> TextCodec | None:
    return _TEXT_CODECS.get(ident)


def template(ident: int) -> Template | None:
    return _TEMPLATES.get(ident)


def image_codec(ident: int) -> ImageCodec | None:
    return _IMAGE_CODECS.get(ident)


def model(ident: int) -> Model | None:
    return _MODELS.get(ident)


def model_by_name(name: str) -> Model:
    """The model called ``name``; UsageError naming the known ones otherwise."""
    row = by_name(MODELS, name)
    if row is None:
        known = ", ".join(m.name for m in MODELS)
        msg = f"unknown neural model {name!r} (known: {known})"
        raise UsageError(msg)
    return row


def size_preset(ident: int) -> SizePreset | None:
    return _SIZES.get(ident)


def size_preset_for(width: int, height: int) -> int:
    """The preset ID a writer must use for these dimensions, 0 if none (§5.3)."""
    return _SIZE_BY_DIMS.get((width, height), 0)


def named(rows: tuple[_Row, ...], name: str, kind: str) -> _Row:
    """The row called ``name`` of a table that must have it; LookupError naming ``kind``
    otherwise (an implementation or a row naming something the registry lacks)."""
    row = by_name(rows, name)
    if row is None:
        msg = f"{kind} {name!r} is not in refcodec.registry"
        raise LookupError(msg)
    return row


def by_name(rows: tuple[_Row, ...], name: str) -> _Row | None:
    return next((row for row in rows if getattr(row, "name", None) == name), None)


_template_cache: dict[tuple[int, str], str] = {}


def template_text(ident: int, role: str) -> str:
    """The exact text of a template file, verified against its pinned SHA-256."""
    cached = _template_cache.get((ident, role))
    if cached is not None:
        return cached
    row = _TEMPLATES[ident]
    name = row.file_for(role)
    if name is None:
        msg = f"template {row.name} has no {role!r} text"
        raise KeyError(msg)
    data = resources.files("refcodec").joinpath("data/templates", name).read_bytes()
    if hashlib.sha256(data).hexdigest() != dict(row.sha256)[role]:
        msg = f"template file {name} does not match its pinned SHA-256 (spec §11)"
        raise AssertionError(msg)
    text = data.decode("utf-8")
    _template_cache[(ident, role)] = text
    return text


def version_byte(version: tuple[int, int]) -> int:
    """A (major, minor) version as the header byte of §5.1."""
    return (version[0] << 4) | version[1]


def _version(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def markdown_tables() -> dict[str, str]:
    """The registry tables exactly as printed in spec/gpc.md §17."""

    def table(head: list[str], rows: list[list[str]]) -> str:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)

    none = [["—", "(none registered in this version)", "", "", ""]]
    return {
        "chunk-types": table(
            ["tag", "name", "class", "max count", "since", "meaning"],
            [[f"0x{c.tag:02X}", f"`{c.name}`", "critical" if c.critical else "ancillary",
              str(c.max_count), _version(c.since), c.summary] for c in CHUNK_TYPES],
        ),
        "text-codecs": table(
            ["id", "name", "since", "meaning"],
            [[str(c.id), f"`{c.name}`", _version(c.since), c.summary] for c in TEXT_CODECS],
        ),
        "templates": table(
            ["id", "name", "since", "meaning", "files (SHA-256)"],
            [[str(t.id), f"`{t.name}`", _version(t.since), t.summary,
              "<br>".join(f"`{f}` `{h}`" for (_, f), (_, h) in zip(t.files, t.sha256, strict=True))
              or "—"] for t in TEMPLATES],
        ),
        "size-presets": table(
            ["id", "width", "height"],
            [["0", "explicit", "explicit"]]
            + [[str(p.id), str(p.width), str(p.height)] for p in SIZE_PRESETS],
        ),
        "image-codecs": table(
            ["id", "name", "since", "status", "meaning"],
            [[str(c.id), f"`{c.name}`", _version(c.since), c.status, c.summary]
             for c in IMAGE_CODECS] or none,
        ),
        "models": table(
            ["id", "name", "codec", "status", "SHA-256", "licence"],
            [[str(m.id), f"`{m.name}`", str(named(IMAGE_CODECS, m.codec, "image codec").id),
              m.status, m.sha256 or "unverified", m.licence] for m in MODELS]
            or [["—", "(none registered in this version)", "", "", "", ""]],
        ),
    }


"""The flags of ``gpc encode`` and ``gpc decode`` and the typed options built from them once.

:func:`add_encode_options` / :func:`add_decode_options` add the flags;
:func:`encode_options` turns parsed flags into an :class:`~refcodec.encoder.EncodeOptions`
and :func:`settings_from_args` into :class:`~refcodec.backends.settings.BackendSettings`.
Nothing below the command line sees an ``argparse.Namespace``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from . import registry
from .errors import UsageError

if TYPE_CHECKING:
    from .backends.settings import BackendSettings
    from .encoder import EncodeOptions

__all__ = [
    "add_decode_options",
    "add_encode_options",
    "encode_options",
    "meta_pair",
    "model_dir",
    "settings_from_args",
    "template_id",
]


def template_id(value: str) -> int:
    """``--template``: a template by name or ID (§11)."""
    row = registry.by_name(registry.TEMPLATES, value)
    if row is None and value.isdigit():
        row = registry.template(int(value))
    if row is None:
        names = ", ".join(t.name for t in registry.TEMPLATES)
        msg = f"unknown template {value!r} (choose from {names})"
        raise argparse.ArgumentTypeError(msg)
    return row.id


def meta_pair(value: str) -> tuple[str, str]:
    """``--meta KEY=VALUE``."""
    key, sep, val = value.partition("=")
    if not sep:
        msg = f"expected KEY=VALUE, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return key, val


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        msg = f"expected a positive integer, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return number


def _non_negative_int(value: str) -> int:
    if not value.isdigit():
        msg = f"expected 0 or a positive integer, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(value)


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        msg = f"expected a positive number, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return number


def _add_backend_options(parser: argparse.ArgumentParser, *, image: bool) -> None:
    group = parser.add_argument_group(
        "backend", "settings: these flags > environment > config file > defaults")
    group.add_argument("--concurrency", type=_positive_int, metavar="N",
                       help="calls in flight when a folder is given (default 4)")
    group.add_argument("--resume", action="store_true",
                       help="folder mode: skip items whose output exists and is valid")
    group.add_argument("--caption-model", metavar="NAME",
                       help="vision model for descriptions (env GPC_CAPTION_MODEL)")
    group.add_argument("--image-model", metavar="NAME",
                       help="image model (env GPC_IMAGE_MODEL)")
    group.add_argument("--base-url", metavar="URL",
                       help="OpenAI-compatible server, e.g. http://localhost:8000/v1 "
                            "(env OPENAI_BASE_URL)")
    group.add_argument("--api-key-env", metavar="VAR",
                       help="environment variable holding the API key "
                            "(default OPENAI_API_KEY; AZURE_OPENAI_API_KEY for Azure)")
    group.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                       help="per-request timeout (default 120 for captions, 300 for images)")
    group.add_argument("--max-retries", type=_non_negative_int, metavar="N",
                       help="SDK retries on 429/5xx/timeouts (default 2 captions, 1 images)")
    group.add_argument("--config", metavar="FILE",
                       help="TOML settings file (default $GPC_CONFIG or "
                            "~/.config/gpc/config.toml)")
    if image:
        group.add_argument("--response-format", choices=["b64_json", "url"],
                           help="send response_format (only for servers that need it; "
                                "GPT image models reject it)")


def add_encode_options(enc: argparse.ArgumentParser) -> None:
    """Every flag of ``gpc encode``."""
    enc.add_argument("image", help="the source image, or a folder of images (its displayed "
                                   "size is recorded). In folder mode each image's "
                                   "description is the UTF-8 file NAME.txt beside it "
                                   "(photo.jpg: photo.txt) unless --describe openai")
    enc.add_argument("-o", "--output", required=True, help="the .gpc file (or folder) to write")
    source = enc.add_mutually_exclusive_group()
    source.add_argument("--text", help="the description")
    source.add_argument("--text-file", help="a UTF-8 file holding the description")
    enc.add_argument("--describe", choices=["none", "openai"], default="none",
                     help="write the description with a vision model (default: none, "
                          "use --text/--text-file)")
    enc.add_argument("--template", type=template_id, default=1,
                     help="prompt template, by name or ID: "
                          + ", ".join(f"{t.name} ({t.id})" for t in registry.TEMPLATES)
                          + " (default: raster-scan-v1)")
    enc.add_argument("--text-codec", default="auto",
                     choices=["auto", "portable", *(c.name for c in registry.TEXT_CODECS)],
                     help="text codec (default: auto, the smallest; portable: the smallest "
                          "of stored, deflate and brotli, readable without gpc-ppm1's "
                          "model file, spec §15)")
    models = [m.name for m in registry.MODELS]
    enc.add_argument("--lowres", default="auto",
                     choices=["auto", "none", *(c.name for c in registry.IMAGE_CODECS
                                                if c.name != "msillm"), *models],
                     metavar="CODEC",
                     help="reference image codec: auto (default: the best available of avif, "
                          "webp, png), none (a text-only file), png, webp, avif, or an "
                          "MS-ILLM model (" + ", ".join(models) + "; needs the neural extra)")
    enc.add_argument("--model-dir", metavar="DIR",
                     help="folder of neural model files (default: $GPC_MODEL_DIR, then "
                          "~/.cache/gpc/models)")
    quality = enc.add_mutually_exclusive_group()
    quality.add_argument("--lowres-psnr", type=float, metavar="DB",
                         help="target PSNR of the decoded reference image (default 25)")
    quality.add_argument("--lowres-bytes", type=int, metavar="N",
                         help="largest reference image payload, in bytes (with "
                              "--max-bytes the file's budget is shared: the reference "
                              "takes at most half of it, and is shrunk before failing)")
    enc.add_argument("--meta", type=meta_pair, action="append", metavar="KEY=VALUE",
                     help="add a metadata entry (repeatable)")
    budget = enc.add_mutually_exclusive_group()
    budget.add_argument("--max-bytes", type=_positive_int, metavar="N",
                        help="the whole file never exceeds N bytes")
    budget.add_argument("--target-bpp", type=_positive_float, metavar="X",
                        help="byte budget = X bits per pixel of the image size")
    enc.add_argument("--word-budget", type=_positive_int, metavar="N",
                     help="words to ask the captioner for first (default: from the budget)")
    _add_backend_options(enc, image=False)
    _add_batch_options(enc)


def add_decode_options(dec: argparse.ArgumentParser) -> None:
    """Every flag of ``gpc decode``."""
    dec.add_argument("file", help="a .gpc file, or a folder of them (with --renderer openai)")
    dec.add_argument("-o", "--output", required=True, help="output path, or - for stdout")
    mode = dec.add_mutually_exclusive_group(required=True)
    mode.add_argument("--request-only", action="store_true",
                      help="write the normative generation request (canonical JSON)")
    mode.add_argument("--lowres-only", action="store_true",
                      help="write the decoded reference image at its own size (PNG)")
    mode.add_argument("--renderer", choices=["preview", "openai"],
                      help="preview: the reference image upscaled to the file's size, at "
                           "most 2048 px on the longer side (PNG); openai: render with an "
                           "image model (OpenAI or compatible)")
    dec.add_argument("--model-dir", metavar="DIR", help="folder of neural model files")
    _add_backend_options(dec, image=True)
    _add_batch_options(dec)


def _add_batch_options(parser: argparse.ArgumentParser) -> None:
    """``--batch-api`` and ``--shard K/N`` (refcodec/backends/batch_cli.py, refcodec/shard.py).
    Defined here, not beside the Batch API client, so that building the parser imports
    nothing of the backends."""
    from .shard import add_shard_option

    group = parser.add_argument_group("Batch API (folders)")
    group.add_argument("--batch-api", action="store_true",
                       help="send a folder through the OpenAI Batch API (cheaper, within "
                            "24 h); re-running the command continues a stopped job")
    group.add_argument("--batch-poll", type=float, default=30.0, metavar="SECONDS",
                       help="seconds between status checks (default 30)")
    group.add_argument("--batch-max-requests", type=_positive_int, metavar="N",
                       help="requests per batch (default: the Batch API's limit)")
    add_shard_option(parser)


def settings_from_args(args: argparse.Namespace) -> BackendSettings:
    """Resolve :class:`~refcodec.backends.settings.BackendSettings` from the flags."""
    from .backends.settings import resolve_settings

    explicit = {
        "caption_model": args.caption_model, "image_model": args.image_model,
        "base_url": args.base_url, "api_key_env": args.api_key_env,
        "timeout": args.timeout, "image_timeout": args.timeout,
        "max_retries": args.max_retries, "image_max_retries": args.max_retries,
        "concurrency": args.concurrency,
        "response_format": getattr(args, "response_format", None),
    }
    return resolve_settings(explicit, config_file=args.config)


def model_dir(args: argparse.Namespace) -> Path | None:
    """``--model-dir``, where the command has it."""
    folder = getattr(args, "model_dir", None)
    return Path(folder) if folder else None


def encode_options(args: argparse.Namespace) -> EncodeOptions:
    """The :class:`~refcodec.encoder.EncodeOptions` of ``gpc encode``'s flags."""
    from .encoder import EncodeOptions

    codecs = None
    if args.text_codec == "portable":  # spec §15: only the published 1.0 codecs
        codecs = tuple(c.id for c in registry.TEXT_CODECS if c.since == (1, 0))
    elif args.text_codec != "auto":
        row = registry.by_name(registry.TEXT_CODECS, args.text_codec)
        assert row is not None  # argparse choices come from the registry
        codecs = (row.id,)
    lowres: str | None = args.lowres
    if lowres == "none":
        given = "--lowres-bytes" if args.lowres_bytes is not None else (
            "--lowres-psnr" if args.lowres_psnr is not None else None)
        if given:
            msg = f"{given} sets the reference image, which --lowres none leaves out"
            raise UsageError(msg)
        lowres = None
    elif lowres == "auto":
        from .lowres import best_codec

        lowres = best_codec()
    return EncodeOptions(
        template=args.template, meta=dict(args.meta or []), text_codecs=codecs,
        lowres=lowres, lowres_psnr=args.lowres_psnr if lowres else None,
        lowres_bytes=args.lowres_bytes if lowres else None, max_bytes=args.max_bytes,
        target_bpp=args.target_bpp, word_budget=args.word_budget, model_dir=model_dir(args))

"""CLI glue for the generative pipeline: ``gpc encode --describe openai``, ``gpc decode
--renderer openai``, single files or whole folders (batch).

``refcodec/cli.py`` adds these flags with :func:`add_encode_options` /
:func:`add_decode_options` and hands over to :func:`run_encode` / :func:`run_decode` when
:func:`wants_encode_pipeline` / :func:`wants_decode_pipeline` say so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .errors import UsageError

__all__ = [
    "add_decode_options",
    "add_encode_options",
    "run_decode",
    "run_encode",
    "settings_from_args",
    "wants_decode_pipeline",
    "wants_encode_pipeline",
]

EXIT_OK, EXIT_FAILED = 0, 1


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


def add_encode_options(parser: argparse.ArgumentParser) -> None:
    """Flags of ``gpc encode`` for generated descriptions and rate control."""
    parser.add_argument("--describe", choices=["none", "openai"], default="none",
                        help="write the description with a vision model (default: none, "
                             "use --text/--text-file)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--max-bytes", type=_positive_int, metavar="N",
                        help="the whole file never exceeds N bytes")
    budget.add_argument("--target-bpp", type=_positive_float, metavar="X",
                        help="byte budget = X bits per pixel of the image size")
    parser.add_argument("--word-budget", type=_positive_int, metavar="N",
                        help="words to ask the captioner for first (default: from the budget)")
    _add_backend_options(parser, image=False)
    _add_batch_hook(parser)


def add_decode_options(parser: argparse.ArgumentParser, *, renderer: bool = False) -> None:
    """Flags of ``gpc decode`` for rendering images. ``gpc`` already has ``--renderer``
    (add "openai" to its choices); ``renderer=True`` adds one for parsers that lack it."""
    if renderer:
        parser.add_argument("--renderer", choices=["openai"],
                            help="render the image with an image-generation model")
    _add_backend_options(parser, image=True)
    _add_batch_hook(parser)


# ---- hook: --batch-api and --shard (refcodec/backends/batch_cli.py, refcodec/shard.py)
def _add_batch_hook(parser: argparse.ArgumentParser) -> None:
    from .backends.batch_cli import add_batch_options

    add_batch_options(parser)


def _shard_jobs(args: argparse.Namespace, jobs: list[tuple[Path, Path]], source: Path
                ) -> list[tuple[Path, Path]]:
    from .shard import select

    return select(jobs, [s.relative_to(source) for s, _ in jobs], getattr(args, "shard", None))
# ---- end of hook


def wants_encode_pipeline(args: argparse.Namespace) -> bool:
    return bool(args.describe != "none" or args.max_bytes or args.target_bpp
                or Path(args.image).is_dir())


def wants_decode_pipeline(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "renderer", None) == "openai" or Path(args.file).is_dir())


def settings_from_args(args: argparse.Namespace) -> Any:
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


def _codecs(args: argparse.Namespace) -> tuple[int, ...] | None:
    from . import registry

    name = getattr(args, "text_codec", "auto")
    if name == "auto":
        return None
    row = registry.by_name(registry.TEXT_CODECS, name)
    assert row is not None  # argparse choices come from the registry
    return (row.id,)


def _lowres(args: argparse.Namespace) -> tuple[str | None, float | None, int | None]:
    """(codec name or None, PSNR target, byte budget) of the reference image flags."""
    name = getattr(args, "lowres", "none")
    if name == "none":
        return None, None, None
    if name == "auto":
        from .lowres import best_codec

        name = best_codec()
    return name, getattr(args, "lowres_psnr", None), getattr(args, "lowres_bytes", None)


def _finish_batch(report: Any) -> int:
    print(report.summary())
    return EXIT_FAILED if report.failed else EXIT_OK


def run_encode(args: argparse.Namespace) -> int:
    """``gpc encode`` with a generated description, a byte budget, or a folder."""
    from .ratecontrol import budget_from_bpp, fit_description

    has_text = args.text is not None or args.text_file is not None
    if args.describe != "none" and has_text:
        msg = "--describe openai writes the description: drop --text/--text-file"
        raise UsageError(msg)
    if args.describe == "none" and not has_text:
        msg = "give the description with --text/--text-file, or use --describe openai"
        raise UsageError(msg)
    meta = dict(args.meta or [])
    codec, psnr, lowres_bytes = _lowres(args)
    source = Path(args.image)
    if source.is_dir():
        if args.describe == "none":
            msg = f"{source} is a folder: folders need --describe openai"
            raise UsageError(msg)
        from .batch import IMAGE_SUFFIXES, encode_batch_async, mirror_jobs

        jobs = mirror_jobs(source, Path(args.output), IMAGE_SUFFIXES, ".gpc")
        if not jobs:
            msg = f"no images under {source}"
            raise UsageError(msg)
        jobs = _shard_jobs(args, jobs, source)  # hook: --shard
        if getattr(args, "batch_api", False):  # hook: --batch-api
            from .backends.batch_cli import run_encode_batch_api

            return run_encode_batch_api(args, jobs, source, Path(args.output),
                                        settings_from_args(args), codec=codec,
                                        psnr=psnr, lowres_bytes=lowres_bytes,
                                        text_codecs=_codecs(args), meta=meta)
        import asyncio

        report = asyncio.run(encode_batch_async(
            jobs, settings_from_args(args), max_bytes=args.max_bytes,
            target_bpp=args.target_bpp, word_budget=args.word_budget, template=args.template,
            meta=meta, text_codecs=_codecs(args), lowres=codec, lowres_psnr=psnr,
            lowres_bytes=lowres_bytes, resume=args.resume))
        return _finish_batch(report)

    from .atomic import write_atomic
    from .encode import image_size, lowres_chunk

    size = image_size(source)
    image = (lowres_chunk(source, codec, size=size, psnr=psnr, max_bytes=lowres_bytes)
             if codec is not None else None)
    max_bytes = (budget_from_bpp(args.target_bpp, size) if args.target_bpp is not None
                 else args.max_bytes)
    usage_line = ""
    if args.describe == "openai":
        from .backends.openai_backend import Captioner, prepare_caption_image

        settings = settings_from_args(args)
        png = prepare_caption_image(source, settings.caption_max_side)
        with Captioner(settings) as captioner:
            fit = fit_description(lambda words: captioner.describe(png, words), size=size,
                                  max_bytes=max_bytes, template=args.template, meta=meta,
                                  text_codecs=_codecs(args), word_budget=args.word_budget,
                                  image=image)
            usage_line = captioner.usage.summary(settings)
    else:
        from .cli import _read_text

        text = _read_text(args)
        fit = fit_description(lambda _words: text, size=size, max_bytes=max_bytes,
                              template=args.template, meta=meta, text_codecs=_codecs(args),
                              image=image)
    write_atomic(args.output, fit.data)
    bpp = len(fit.data) * 8 / (size[0] * size[1])
    lowres = f", low-res {len(image.data)} bytes" if image else ""
    trimmed = " (description trimmed to fit)" if fit.trimmed else ""
    print(f"{args.output}: {len(fit.data)} bytes, {size[0]}x{size[1]}, {bpp:.6f} bpp{lowres}"
          f"{trimmed}")
    if usage_line:
        print(f"API usage: {usage_line}", file=sys.stderr)
    return EXIT_OK


def run_decode(args: argparse.Namespace) -> int:
    """``gpc decode --renderer openai``: a file to a PNG, or a folder to a folder."""
    if getattr(args, "renderer", None) != "openai":
        msg = "decoding a folder needs --renderer openai"
        raise UsageError(msg)
    if getattr(args, "request_only", False):
        msg = "--request-only and --renderer exclude each other"
        raise UsageError(msg)
    settings = settings_from_args(args)
    source = Path(args.file)
    if source.is_dir():
        import asyncio

        from .batch import GPC_SUFFIXES, decode_batch_async, mirror_jobs

        jobs = mirror_jobs(source, Path(args.output), GPC_SUFFIXES, ".png")
        if not jobs:
            msg = f"no .gpc files under {source}"
            raise UsageError(msg)
        jobs = _shard_jobs(args, jobs, source)  # hook: --shard
        if getattr(args, "batch_api", False):  # hook: --batch-api
            from .backends.batch_cli import run_decode_batch_api

            return run_decode_batch_api(args, jobs, source, Path(args.output), settings)
        report = asyncio.run(decode_batch_async(jobs, settings, resume=args.resume))
        return _finish_batch(report)
    if args.output == "-":
        msg = "--renderer writes a PNG file: give -o FILE.png"
        raise UsageError(msg)
    from .atomic import write_atomic
    from .backends.openai_backend import Renderer
    from .container import read

    gpc = read(source)
    with Renderer(settings) as renderer:
        png = renderer.render(gpc)
        usage_line = renderer.usage.summary(settings)
    write_atomic(args.output, png)
    print(f"{args.output}: {gpc.width}x{gpc.height} PNG rendered by {settings.image_model}")
    print(f"API usage: {usage_line}", file=sys.stderr)
    return EXIT_OK

"""``gpc eval``: the command-line front of :mod:`refcodec.evaluate`.

``refcodec/cli.py`` calls :func:`add_eval_parser` once with its subparsers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_eval_parser", "cmd_eval"]


def add_eval_parser(sub: Any) -> None:
    from ..cli_options import _positive_float, _positive_int
    from ..shard import add_shard_option
    from .defaults import DEFAULT_LEARNED

    ev = sub.add_parser("eval", help="encode, render and measure images; write an HTML report",
                        description="Encode each image in every mode (GPC text-only detailed "
                                    "and concise, multimodal with each reference codec, and "
                                    "JPEG/WebP/AVIF baselines), render, measure, and write "
                                    "REPORT_DIR/index.html, results.json/.csv and plots.")
    ev.add_argument("images", nargs="+", metavar="IMAGE", help="image files or folders")
    ev.add_argument("-o", "--output", required=True, metavar="REPORT_DIR")
    ev.add_argument("--renderer", choices=["preview", "openai"], default="preview",
                    help="preview: the reference image upscaled, no model (default); "
                         "openai: an image model (OpenAI or compatible)")
    ev.add_argument("--describe", choices=["corpus", "openai"], default="corpus",
                    help="corpus: the bundled description corpus, IMAGE.txt sidecars or "
                         "--text (default); openai: caption with a vision model")
    ev.add_argument("--text", help="the description for images with no other")
    budget = ev.add_mutually_exclusive_group()
    budget.add_argument("--max-bytes", type=_positive_int, metavar="N",
                        help="no GPC file exceeds N bytes (descriptions are trimmed)")
    budget.add_argument("--target-bpp", type=_positive_float, metavar="X",
                        help="GPC byte budget = X bits per pixel")
    ev.add_argument("--lowres", nargs="+", metavar="CODEC",
                    help="reference codecs of the multimodal modes (default: every one "
                         "available: avif, webp, png)")
    ev.add_argument("--no-baselines", action="store_true",
                    help="skip the JPEG/WebP/AVIF baselines")
    ev.add_argument("--metrics", nargs="*", choices=list(DEFAULT_LEARNED),
                    default=list(DEFAULT_LEARNED), metavar="NAME",
                    help="learned metrics to try (default: all: " + ", ".join(DEFAULT_LEARNED)
                         + "); each needs its weights in the local cache")
    ev.add_argument("--concurrency", type=_positive_int, default=2, metavar="N",
                    help="images worked on at once (default 2)")
    ev.add_argument("--resume", action="store_true",
                    help="keep the images already measured with the same settings")
    ev.add_argument("--limit", type=_positive_int, metavar="N", help="only the first N images")
    ev.add_argument("--max-cost", type=_positive_float, metavar="USD",
                    help="stop before starting if the cost estimate is higher")
    add_shard_option(ev)
    for flag, help_text in (("--caption-model", "vision model (env GPC_CAPTION_MODEL)"),
                            ("--image-model", "image model (env GPC_IMAGE_MODEL)"),
                            ("--base-url", "OpenAI-compatible server (env OPENAI_BASE_URL)"),
                            ("--api-key-env", "variable holding the API key"),
                            ("--config", "TOML settings file")):
        ev.add_argument(flag, help=help_text)
    ev.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    from .report import summary_table
    from .runner import EvalSettings, run_eval

    settings = EvalSettings(
        renderer=args.renderer, describe=args.describe, text=args.text,
        max_bytes=args.max_bytes, target_bpp=args.target_bpp,
        lowres=tuple(args.lowres) if args.lowres else None, baselines=not args.no_baselines,
        learned=tuple(args.metrics), concurrency=args.concurrency, resume=args.resume,
        limit=args.limit, shard=args.shard, max_cost=args.max_cost)
    backend = None
    if args.renderer == "openai" or args.describe == "openai":
        from ..backends.settings import resolve_settings

        explicit = {"caption_model": args.caption_model, "image_model": args.image_model,
                    "base_url": args.base_url, "api_key_env": args.api_key_env,
                    "concurrency": args.concurrency}
        backend = resolve_settings(explicit, config_file=args.config)
    out = Path(args.output)
    results = run_eval([Path(p) for p in args.images], out, settings, backend=backend)
    print(summary_table(results))
    print(f"\nreport: {out / 'index.html'} (results.json, results.csv, rd-*.png/.svg)")
    for line in results["failed"]:
        print(f"FAILED {line}", file=sys.stderr)
    return 1 if results["failed"] else 0

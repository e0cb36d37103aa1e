"""What the ``gpc`` commands read and write: ``.gpc`` inputs, the checks of ``-o``, the
model-free outputs of ``gpc decode``, folder mode of ``gpc encode`` and ``gpc decode``,
and rendering with an image model. :mod:`refcodec.cli` holds the parser and the
one-file commands.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .errors import GpcError, UsageError
from .limits import MAX_FILE_BYTES
from .safeio import printable, read_regular

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_UNDECIDED",
    "EXIT_USAGE",
    "check_output_file",
    "check_output_folder",
    "decode_folder",
    "encode_folder",
    "model_free",
    "png",
    "read_gpc_file",
    "render",
    "shard",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_UNDECIDED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def check_output_file(output: str) -> None:
    """``-o`` of a one-file command: not a folder, and its folder must exist."""
    if output == "-":
        return
    target = Path(output)
    if target.is_dir():
        msg = f"-o {output} is a folder: give the output file's name"
        raise UsageError(msg)
    if not target.parent.is_dir():
        msg = f"-o {output}: the folder {target.parent} does not exist"
        raise UsageError(msg)


def check_output_folder(output: str, expected_suffix: str) -> Path:
    """``-o`` of a folder command: a folder (made if missing), never a file name."""
    target = Path(output)
    if target.exists() and not target.is_dir():
        msg = f"-o {output} is a file: folder input needs an output folder"
        raise UsageError(msg)
    if not target.exists() and target.suffix.lower() == expected_suffix:
        msg = (f"-o {output} looks like a file name, but the input is a folder: "
               "give an output folder")
        raise UsageError(msg)
    return target


def encode_folder(args: argparse.Namespace, source: Path, options: Any) -> int:
    """Folder mode: every input encoded, skipped with a reason or failed with a reason;
    clashing outputs are refused before any work."""
    import asyncio

    from .batch import (
        IMAGE_SUFFIXES,
        SIDECAR_SUFFIX,
        encode_batch_async,
        mirror_jobs,
        not_inputs,
        output_clashes,
    )
    from .cli_options import settings_from_args

    target = check_output_folder(args.output, ".gpc")
    jobs = mirror_jobs(source, target, IMAGE_SUFFIXES, ".gpc")
    sidecars = args.describe == "none"
    ignored = not_inputs(source, IMAGE_SUFFIXES,
                         frozenset({SIDECAR_SUFFIX}) if sidecars else frozenset())
    if not jobs:
        msg = f"no images under {source} ({len(ignored)} other file(s))"
        raise UsageError(msg)
    clashes = output_clashes(jobs)
    if clashes:
        msg = ("two inputs would write the same output (nothing was written): "
               + "; ".join(clashes) + "; rename one of them")
        raise UsageError(msg)
    jobs = shard(args, jobs, source)
    if args.batch_api:
        if sidecars:
            msg = "--batch-api captions with a vision model: add --describe openai"
            raise UsageError(msg)
        from .backends.batch_cli import run_encode_batch_api

        return run_encode_batch_api(args, jobs, source, target, settings_from_args(args),
                                    options)
    report = asyncio.run(encode_batch_async(jobs, settings_from_args(args), options,
                                            resume=args.resume, sidecars=sidecars,
                                            within=target))
    report.ignored = ignored
    print(report.summary())
    return EXIT_INVALID if report.failed else EXIT_OK


def model_free(gpc: Any, args: argparse.Namespace, name: str) -> bytes:
    """The bytes of ``--request-only`` (JSON), ``--lowres-only`` (the reference image,
    PNG) or ``--renderer preview`` (PNG; a placeholder card for a text-only file)."""
    from .request import derive_request, lowres_pixels
    from .views import preview

    if args.request_only:
        return derive_request(gpc).to_json()
    if args.lowres_only:
        from .lowres import reference_png

        decoded = lowres_pixels(gpc)
        if decoded is None:
            msg = f"{name} has no reference image (a text-only file)"
            raise UsageError(msg)
        return reference_png(*decoded)
    return png(preview(gpc, capped=True))  # the 2048-pixel cap of --renderer preview


def decode_folder(args: argparse.Namespace, folder: Path | None) -> int:
    """A folder of .gpc files without a model: requests, reference images or previews,
    mirrored into the output folder; each file done, skipped or failed with a reason."""
    from .atomic import ensure_within, write_atomic
    from .batch import GPC_SUFFIXES, mirror_jobs, not_inputs
    from .container import parse

    source = Path(args.file)
    target = check_output_folder(args.output, ".png")
    suffix = ".json" if args.request_only else ".png"
    jobs = mirror_jobs(source, target, GPC_SUFFIXES, suffix)
    ignored = not_inputs(source, GPC_SUFFIXES)
    if not jobs:
        msg = f"no .gpc files under {source} ({len(ignored)} other file(s))"
        raise UsageError(msg)
    counts = {"done": 0, "skipped": 0, "failed": 0}
    for gpc_path, output in jobs:
        try:
            gpc = parse(read_gpc_file(gpc_path), model_dir=folder)
            if args.lowres_only and gpc.image_chunk is None:
                print(printable(f"skipped {gpc_path}: text-only file, no reference image"))
                counts["skipped"] += 1
                continue
            data = model_free(gpc, args, str(gpc_path))
            ensure_within(output, target)
            output.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(output, data, (gpc_path,), target)
        except GpcError as exc:
            print(printable(f"failed {gpc_path}: {exc}"))
            counts["failed"] += 1
            continue
        print(printable(f"done {gpc_path} -> {output}"))
        counts["done"] += 1
    print(f"decode summary: {len(jobs)} file(s): {counts['done']} done, {counts['skipped']} "
          f"skipped, {counts['failed']} failed; {len(ignored)} other file(s) ignored")
    return EXIT_INVALID if counts["failed"] else EXIT_OK


def render(args: argparse.Namespace, folder: Path | None) -> int:
    """``gpc decode --renderer openai``: a file to a PNG, or a folder to a folder."""
    from .cli_options import settings_from_args

    if args.renderer != "openai":
        msg = "decoding a folder needs --renderer openai"
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
        jobs = shard(args, jobs, source)
        if args.batch_api:
            from .backends.batch_cli import run_decode_batch_api

            return run_decode_batch_api(args, jobs, source, Path(args.output), settings)
        report = asyncio.run(decode_batch_async(jobs, settings, resume=args.resume,
                                                model_dir=folder, within=Path(args.output)))
        print(report.summary())
        return EXIT_INVALID if report.failed else EXIT_OK
    if args.output == "-":
        msg = "--renderer writes a PNG file: give -o FILE.png"
        raise UsageError(msg)
    from .atomic import write_atomic
    from .backends.openai_backend import Renderer
    from .container import parse

    gpc = parse(read_gpc_file(source), model_dir=folder)
    with Renderer(settings) as renderer:
        png = renderer.render(gpc)
        usage_line = renderer.usage.summary(settings)
    write_atomic(args.output, png, inputs=[source])
    print(printable(f"{args.output}: {gpc.width}x{gpc.height} PNG rendered by "
                    f"{settings.image_model}"))
    print(f"API usage: {usage_line}", file=sys.stderr)
    return EXIT_OK


def shard(args: argparse.Namespace, jobs: list[tuple[Path, Path]], source: Path
           ) -> list[tuple[Path, Path]]:
    """``--shard K/N``: this shard's part of a folder's jobs (stable, no overlap)."""
    from .shard import select

    return select(jobs, [s.relative_to(source) for s, _ in jobs], args.shard)


def png(image: Any) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def read_gpc_file(path: str | os.PathLike[str]) -> bytes:
    """A .gpc file, read only if it is a regular file and never past the format's limit."""
    return read_regular(path, MAX_FILE_BYTES + 1)

"""The ``gpc`` command line.

Every failure is one line on stderr and a non-zero exit status: 1 when a file
is invalid (its clause in square brackets) or an operation fails, 2 for usage
errors, 3 when ``decode`` or ``validate`` cannot decide whether a file is valid
(a codec or model this installation cannot check: "undecided", never valid),
130 on Ctrl-C. Outputs are written atomically.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import registry
from .cli_io import (
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNDECIDED,
    EXIT_USAGE,
    check_output_file,
    decode_folder,
    encode_folder,
    model_free,
    read_gpc_file,
    render,
)
from .errors import BackendUnavailable, FormatError, GpcError, UsageError
from .safeio import printable

__all__ = ["main"]


# ------------------------------------------------------------------ encode
def cmd_encode(args: argparse.Namespace) -> int:
    """``gpc encode``: one image (given text or a captioner), or a folder (captioner)."""
    from .cli_options import encode_options, settings_from_args
    from .encoder import encode_image, fixed_text, read_description

    has_text = args.text is not None or args.text_file is not None
    if args.describe != "none" and has_text:
        msg = "--describe openai writes the description: drop --text/--text-file"
        raise UsageError(msg)
    source = Path(args.image)
    folder = source.is_dir()
    if folder and has_text:
        msg = (f"{source} is a folder: one --text/--text-file cannot describe every image; "
               "put NAME.txt beside each image, or use --describe openai")
        raise UsageError(msg)
    if args.describe == "none" and not has_text and not folder:
        msg = "give the description with --text/--text-file, or use --describe openai"
        raise UsageError(msg)
    options = encode_options(args)
    if folder:
        return encode_folder(args, source, options)
    check_output_file(args.output)

    from .atomic import write_atomic
    from .safeio import require_regular

    require_regular(source)
    usage_line = ""
    if args.describe == "openai":
        from .backends.openai_backend import Captioner, prepare_caption_image

        settings = settings_from_args(args)
        png = prepare_caption_image(source, settings.caption_max_side)
        with Captioner(settings) as captioner:
            result = encode_image(source, lambda words: captioner.describe(png, words),
                                  options)
            usage_line = captioner.usage.summary(settings)
    else:
        text = args.text if args.text is not None else read_description(args.text_file)
        result = encode_image(source, fixed_text(text), options)
    write_atomic(args.output, result.data, inputs=[source, *([args.text_file] if args.text_file
                                                             else [])])
    for note in result.notes:
        print(printable(f"gpc: note: {args.image}: {note}"), file=sys.stderr)
    print(printable(result.summary(args.output)))
    if usage_line:
        print(f"API usage: {usage_line}", file=sys.stderr)
    return EXIT_OK


# -------------------------------------------------------------------- info
def describe(path: str | os.PathLike[str], data: bytes) -> dict[str, Any]:
    """The ``gpc info --json`` object of one file."""
    from .container import UnknownChunk, parse, payload_bytes

    gpc = parse(data)
    chunks: list[dict[str, Any]] = []
    for chunk in gpc.chunks:
        if isinstance(chunk, UnknownChunk):
            tag, name, size = chunk.tag, f"unknown-0x{chunk.tag:02X}", len(chunk.payload)
        else:
            row = registry.chunk_type(chunk.tag)
            assert row is not None
            tag, name = chunk.tag, row.name
            size = len(payload_bytes(chunk))
        chunks.append({"type": name, "tag": tag, "critical": not tag & 0x80,
                       "payload_size": size})
    template = registry.template(gpc.template)
    codec = registry.text_codec(gpc.text_chunk.codec)
    assert template is not None
    assert codec is not None
    info: dict[str, Any] = {
        "path": os.fspath(path),
        "spec_version": f"{gpc.version >> 4}.{gpc.version & 15}",
        "read_version": f"{gpc.read_version >> 4}.{gpc.read_version & 15}",
        "width": gpc.width,
        "height": gpc.height,
        "file_size": len(data),
        "bpp": len(data) * 8 / (gpc.width * gpc.height),
        "template_id": gpc.template,
        "template": template.name,
        "text_codec": codec.name,
        "text_length": gpc.text_chunk.text_length,
        "chunks": chunks,
        "container_overhead_bytes": len(data) - sum(c["payload_size"] for c in chunks),
        "text": gpc.text,
        "meta": gpc.meta,
    }
    image = gpc.image_chunk
    text_payload = len(payload_bytes(gpc.text_chunk))
    if image is not None:
        codec_row = registry.image_codec(image.codec)
        decoded = image.decode(gpc.width, gpc.height, read_version=gpc.read_version)
        info["reference_image"] = {"codec": codec_row.name if codec_row else str(image.codec),
                                   "codec_id": image.codec, "data_bytes": len(image.data),
                                   "width": decoded.width, "height": decoded.height}
    info["split"] = {"text_payload": text_payload,
                     "reference_data": len(image.data) if image is not None else 0}
    info["split"]["other"] = len(data) - sum(info["split"].values())
    return info


def cmd_info(args: argparse.Namespace) -> int:
    """``gpc info``: files and folders of them; one block (or JSON object) per file."""
    paths = list(_iter_paths(args.paths))
    if not paths:
        raise UsageError(f"no .gpc files in {', '.join(args.paths)}")
    failed = 0
    results = []
    for path in paths:
        try:
            info = describe(path, read_gpc_file(path))
        except GpcError as exc:
            failed += 1
            clause = exc.clause if isinstance(exc, FormatError) else None
            if args.json:
                results.append({"path": path, "error": str(exc), "clause": clause})
            else:
                print(f"gpc: error: {exc}", file=sys.stderr)
            continue
        if args.json:
            results.append(info)
        else:
            _print_info(info)
    if args.json:
        document: Any = results[0] if len(args.paths) == 1 and len(results) == 1 and \
            not os.path.isdir(args.paths[0]) else results
        print(json.dumps(document, ensure_ascii=False, indent=2))
    return EXIT_INVALID if failed else EXIT_OK


def _print_info(info: dict[str, Any]) -> None:
    print(f"{info['path']}: GPC {info['spec_version']} (reader {info['read_version']}), "
          f"{info['width']}x{info['height']}, {info['file_size']} bytes, "
          f"{info['bpp']:.6f} bpp")
    print(f"  template {info['template_id']} ({info['template']}), text codec "
          f"{info['text_codec']}, {info['text_length']} text bytes, container overhead "
          f"{info['container_overhead_bytes']} bytes")
    for chunk in info["chunks"]:
        kind = "critical" if chunk["critical"] else "ancillary"
        print(f"  chunk 0x{chunk['tag']:02X} {chunk['type']} ({kind}): "
              f"{chunk['payload_size']} bytes")
    reference = info.get("reference_image")
    if reference:
        print(f"  reference image: {reference['codec']} (codec {reference['codec_id']}), "
              f"{reference['width']}x{reference['height']}, {reference['data_bytes']} bytes")
    else:
        print("  reference image: none (text-only file)")
    split = info["split"]
    print(f"  split: text {split['text_payload']} bytes, reference {split['reference_data']} "
          f"bytes, other {split['other']} bytes")
    for key, value in info["meta"].items():
        print(f"  meta {key} = {value}")
    print("  text:")
    for line in info["text"].splitlines():
        print(f"    {line}")


# ---------------------------------------------------------------- validate
def _iter_paths(paths: Sequence[str], skipped: list[str] | None = None) -> Iterator[str]:
    """Files named directly, and the regular ``*.gpc`` files under named folders, sorted;
    anything else named ``*.gpc`` in a folder (a FIFO, a device) goes to ``skipped``.
    Folders are read with ``os.scandir`` (file types without a ``stat`` per entry); links
    to folders are not followed, unreadable folders are passed over (as ``os.walk`` does)."""
    for name in paths:
        if os.path.isdir(name):
            yield from _walk_gpc(name, skipped)
        else:
            yield name


def _walk_gpc(folder: str, skipped: list[str] | None) -> Iterator[str]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    subfolders = []
    for entry in entries:
        try:
            if entry.is_dir():
                if not entry.is_symlink():
                    subfolders.append(entry.path)
            elif entry.name.endswith(".gpc"):
                if entry.is_file():
                    yield entry.path
                elif skipped is not None:
                    skipped.append(entry.path)
        except OSError:
            continue
    for sub in subfolders:
        yield from _walk_gpc(sub, skipped)


def cmd_validate(args: argparse.Namespace) -> int:
    # parse_container makes every check of the spec (the file object is not needed here);
    # it is imported only for a file libgpc does not call valid.
    from . import native
    from .cli_options import model_dir

    invalid = unchecked = 0
    out = sys.stdout
    skipped: list[str] = []
    paths = list(_iter_paths(args.paths, skipped))
    if not paths:
        msg = f"no .gpc files found in {', '.join(args.paths)}"
        raise UsageError(msg)
    for path in paths:
        clause: str | None = None
        message = ""
        try:
            data = read_gpc_file(path)
            if not native.validate(data):  # the fast path only ever says "valid"
                from .schema import parse_container

                parse_container(data, model_dir(args))
        except FormatError as exc:
            clause, message = exc.clause, exc.message
        except UsageError as exc:
            message = str(exc)
        except BackendUnavailable as exc:  # IMG-3: undecidable here, so never called valid
            message = f"cannot check: {exc}"
            clause = "UNCHECKED"
        valid = not message
        unchecked += clause == "UNCHECKED"
        invalid += not valid and clause != "UNCHECKED"
        if args.json:
            result: dict[str, Any] = {"path": path, "valid": valid}
            if clause == "UNCHECKED":
                result.update(valid=None, clause=None, message=message)
            elif not valid:
                result.update(clause=clause, message=message)
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        elif clause == "UNCHECKED":
            out.write(printable(f"{path}: UNCHECKED {message}") + "\n")
        elif not valid:
            label = f"[{clause}] " if clause else ""
            out.write(printable(f"{path}: INVALID {label}{message}") + "\n")
        elif not args.quiet:
            out.write(printable(f"{path}: ok") + "\n")
    for path in skipped:
        print(printable(f"gpc: skipped {path}: not a regular file"), file=sys.stderr)
    if skipped:
        print(f"gpc: skipped {len(skipped)} *.gpc entries that are not regular files",
              file=sys.stderr)
    summary = (f"{len(paths)} file(s): {len(paths) - invalid - unchecked} valid, "
               f"{invalid} invalid, {unchecked} unchecked")
    if args.json:
        sys.stderr.write(f"gpc validate: {summary}\n")
    else:
        out.write(f"{summary}\n")
    return EXIT_INVALID if invalid else EXIT_UNDECIDED if unchecked else EXIT_OK


# ------------------------------------------------------------------- sheet
def cmd_sheet(args: argparse.Namespace) -> int:
    """``gpc sheet``: an offline HTML contact sheet of .gpc files and folders."""
    from .atomic import write_atomic
    from .cli_options import model_dir
    from .sheet import card, render_sheet

    paths = list(_iter_paths(args.paths))
    if not paths:
        msg = f"no .gpc files found in {', '.join(args.paths)}"
        raise UsageError(msg)
    check_output_file(args.output)
    cards = [card(path, model_dir(args)) for path in paths]
    base = args.paths[0] if len(args.paths) == 1 and os.path.isdir(args.paths[0]) else None
    if base is not None:  # names relative to the folder: shorter cards
        cards = [dataclasses.replace(c, path=os.path.relpath(c.path, base)) for c in cards]
    write_atomic(args.output, render_sheet(cards, args.title or ", ".join(args.paths))
                 .encode("utf-8"))
    valid = sum(c.clause is None for c in cards)
    print(f"{args.output}: {len(cards)} file(s), {valid} valid, {len(cards) - valid} not")
    return EXIT_OK


# ------------------------------------------------------------------ decode
def cmd_decode(args: argparse.Namespace) -> int:
    """``gpc decode``: the request, the reference image, a preview, or a rendering."""
    from .atomic import write_atomic
    from .cli_options import model_dir

    folder = model_dir(args)
    if args.renderer == "openai":
        return render(args, folder)
    if Path(args.file).is_dir():
        return decode_folder(args, folder)
    from .container import parse

    gpc = parse(read_gpc_file(args.file), model_dir=folder)
    if args.request_only and args.output == "-":
        from .request import derive_request

        sys.stdout.buffer.write(derive_request(gpc).to_json() + b"\n")
        return EXIT_OK
    if args.output == "-":
        raise UsageError("images are not written to stdout: give -o FILE.png")
    check_output_file(args.output)
    write_atomic(args.output, model_free(gpc, args, args.file), inputs=[args.file])
    return EXIT_OK


# ------------------------------------------------------------- conformance
def cmd_conformance_run(args: argparse.Namespace) -> int:
    from . import conformance

    results = conformance.run_suite(Path(args.suite), args.decoder, args.cases, args.profile,
                                    args.timeout, args.strict_clauses)
    print(conformance.to_json(results) if args.json else conformance.report(results))
    return conformance.exit_status(results)


def cmd_conformance_sweep(args: argparse.Namespace) -> int:
    from .container import parse
    from .sweep import sweep

    total = accepted = 0
    for case in sorted((Path(args.suite) / "cases").glob("v-*/input.gpc")):
        data = case.read_bytes()
        if len(data) > 100_000:  # 9 corruptions per byte, each a full parse: too slow
            print(f"{case.parent.name:48s} skipped ({len(data)} bytes, over 100 kB)")
            continue
        counts = sweep(data, parse)
        total += counts.tried
        accepted += counts.accepted
        print(f"{case.parent.name:48s} {counts.tried:8d} corruptions, "
              f"{counts.accepted} accepted")
    print(f"\n{total - accepted} of {total} single-bit flips and truncations rejected "
          f"({100 * (total - accepted) / max(total, 1):.4f}%)")
    return EXIT_OK if accepted == 0 else EXIT_INVALID


# ------------------------------------------------------------------ models
def cmd_models(args: argparse.Namespace) -> int:
    """``gpc models list|path|verify|install|download`` (spec/neural.md NRL-2)."""
    import warnings

    from .neural import manage

    model_dir = Path(args.model_dir) if args.model_dir else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.models_command == "list":
            lines = manage.list_models(model_dir)
        elif args.models_command == "path":
            lines = manage.model_path(args.name, model_dir)
        elif args.models_command == "verify":
            lines = manage.verify(args.name, Path(args.file) if args.file else None, model_dir)
        elif args.models_command == "install":
            lines = manage.install(args.name, Path(args.file), model_dir)
        else:
            lines = manage.fetch(args.name, model_dir, args.url)
    for warning in caught:
        print(f"gpc: warning: {warning.message}", file=sys.stderr)
    print("\n".join(lines))
    return EXIT_OK


def _add_models_parser(sub: Any) -> None:
    models = sub.add_parser("models", help="neural models: list, locate, verify, install")
    actions = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    names = [m.name for m in registry.MODELS]
    for action, text in (("list", "every registered model and where its file is"),
                         ("path", "the file a model loads from"),
                         ("verify", "check a model file against its pinned SHA-256"),
                         ("install", "copy a checkpoint obtained elsewhere into the model folder"),
                         ("download", "fetch a model's official checkpoint (connected machines)")):
        parser = actions.add_parser(action, help=text)
        if action != "list":
            parser.add_argument("name", choices=names, metavar="NAME",
                                help="a model: " + ", ".join(names))
        if action in ("verify", "install"):
            parser.add_argument("file", nargs="?" if action == "verify" else None,
                                help="the model file")
        if action == "download":
            parser.add_argument("--url", help="another address for the checkpoint")
        parser.add_argument("--model-dir", help="model folder (default: $GPC_MODEL_DIR or "
                                                "~/.cache/gpc/models)")
        parser.set_defaults(func=cmd_models)


# -------------------------------------------------------------------- demo
def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    live = not args.offline and bool(os.environ.get("OPENAI_API_KEY"))
    return int(run_demo(Path(args.output), live=live))


def build_parser() -> argparse.ArgumentParser:
    from .cli_options import add_decode_options, add_encode_options

    parser = argparse.ArgumentParser(prog="gpc", description=__doc__.splitlines()[0] if __doc__
                                     else None)
    parser.add_argument("--version", action="version",
                        version=f"gpc {_package_version()} (GPC spec "
                                f"{registry.SPEC_VERSION[0]}.{registry.SPEC_VERSION[1]})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    enc = sub.add_parser("encode", help="encode an image and its description into a .gpc file")
    add_encode_options(enc)
    enc.set_defaults(func=cmd_encode)

    info = sub.add_parser("info", help="show the fields of .gpc files (and folders of them)")
    info.add_argument("paths", nargs="+", metavar="PATH")
    info.add_argument("--json", action="store_true",
                      help="print JSON: one object for one file, else a list; a file that "
                           "cannot be read is an object with \"error\" and \"clause\"")
    info.set_defaults(func=cmd_info)

    val = sub.add_parser("validate", help="check .gpc files (and folders of them)")
    val.add_argument("paths", nargs="+", metavar="PATH")
    val.add_argument("--json", action="store_true", help="print JSON Lines, one per file")
    val.add_argument("-q", "--quiet", action="store_true", help="print only invalid files")
    val.add_argument("--model-dir", metavar="DIR", help="folder of neural model files")
    val.set_defaults(func=cmd_validate)

    sheet = sub.add_parser("sheet", help="an offline HTML contact sheet of .gpc files")
    sheet.add_argument("paths", nargs="+", metavar="PATH", help=".gpc files and folders")
    sheet.add_argument("-o", "--output", required=True, help="the .html file to write")
    sheet.add_argument("--title", help="the page title (default: the paths)")
    sheet.add_argument("--model-dir", metavar="DIR", help="folder of neural model files")
    sheet.set_defaults(func=cmd_sheet)

    dec = sub.add_parser("decode", help="derive the generation request or images of a file")
    add_decode_options(dec)
    dec.set_defaults(func=cmd_decode)

    conf = sub.add_parser("conformance", help="check an implementation against the suite")
    conf_sub = conf.add_subparsers(dest="conformance_command", required=True, metavar="ACTION")
    run = conf_sub.add_parser("run", help="run a decoder command on every case")
    run.add_argument("--decoder", required=True, metavar="CMD",
                     help='command template with {in} and {out}, e.g. '
                          '"gpc decode {in} --request-only -o {out}"')
    run.add_argument("--suite", default="conformance", help="suite folder (default: conformance)")
    run.add_argument("--cases", nargs="+", metavar="ID", help="case IDs (wildcards: x-txt-*)")
    run.add_argument("--profile", help="a profile of the suite (profiles/NAME.txt)")
    run.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    run.add_argument("--strict-clauses", action="store_true",
                     help="fail a must-reject case when the decoder names another clause")
    run.add_argument("--json", action="store_true", help="print JSON results")
    run.set_defaults(func=cmd_conformance_run)
    sweep = conf_sub.add_parser("sweep", help="flip every bit and cut every byte of the valid "
                                              "cases; all must be rejected")
    sweep.add_argument("--suite", default="conformance", help="suite folder")
    sweep.set_defaults(func=cmd_conformance_sweep)

    _add_models_parser(sub)

    # hook: gpc eval (refcodec/evaluate/cli.py)
    from .evaluate.cli import add_eval_parser

    add_eval_parser(sub)

    demo = sub.add_parser("demo", help="encode the bundled sample photographs and report")
    demo.add_argument("-o", "--output", default="demo-out", help="output folder")
    demo.add_argument("--offline", action="store_true",
                      help="never call a model, even when OPENAI_API_KEY is set")
    demo.set_defaults(func=cmd_demo)
    return parser


def _error(exc: GpcError, as_json: bool) -> None:
    """One line on stderr; with ``--json`` also a JSON object on stdout."""
    print(printable(f"gpc: error: {exc}"), file=sys.stderr)
    if as_json:
        clause = exc.clause if isinstance(exc, FormatError) else None
        print(json.dumps({"error": str(exc), "clause": clause}, ensure_ascii=False))


def _package_version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        return int(args.func(args))
    except UsageError as exc:
        _error(exc, as_json)
        return EXIT_USAGE
    except BackendUnavailable as exc:
        if args.command in ("decode", "validate"):  # cannot decide: never valid, never invalid
            print(printable(f"gpc: undecided: {exc}"), file=sys.stderr)
            return EXIT_UNDECIDED
        _error(exc, as_json)
        return EXIT_INVALID
    except GpcError as exc:
        _error(exc, as_json)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("gpc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_INVALID
    except OSError as exc:
        print(printable(f"gpc: error: {exc.filename or ''}: {exc.strerror}"), file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())

"""The ``gpc`` command line.

Every failure is one line on stderr and a non-zero exit status: 1 when a file
is invalid or an operation fails, 2 for usage errors, 130 on Ctrl-C. Outputs
are written atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import registry
from .errors import BackendUnavailable, FormatError, GpcError, UsageError

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _template_id(value: str) -> int:
    row = registry.by_name(registry.TEMPLATES, value)
    if row is None and value.isdigit():
        row = registry.template(int(value))
    if row is None:
        names = ", ".join(t.name for t in registry.TEMPLATES)
        msg = f"unknown template {value!r} (choose from {names})"
        raise argparse.ArgumentTypeError(msg)
    return row.id


def _meta_pair(value: str) -> tuple[str, str]:
    key, sep, val = value.partition("=")
    if not sep:
        msg = f"expected KEY=VALUE, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return key, val


def _read_text(args: argparse.Namespace) -> str:
    if args.text is not None:
        return str(args.text)
    from .limits import MAX_TEXT_BYTES

    try:
        with open(args.text_file, "rb") as handle:
            raw = handle.read(MAX_TEXT_BYTES + 3)  # room for a final CR LF
    except OSError as exc:
        msg = f"cannot read {args.text_file}: {exc.strerror}"
        raise UsageError(msg) from None
    if len(raw) > MAX_TEXT_BYTES + 2:
        msg = f"{args.text_file} is longer than the {MAX_TEXT_BYTES}-byte text limit"
        raise FormatError("LIM-3", msg)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        msg = f"{args.text_file} is not UTF-8 text"
        raise UsageError(msg) from None
    return text.replace("\r\n", "\n").removesuffix("\n")


# ------------------------------------------------------------------ encode
def cmd_encode(args: argparse.Namespace) -> int:
    from .container import write
    from .encode import encode, image_size, lowres_chunk
    from .pipeline_cli import run_encode, wants_encode_pipeline

    if wants_encode_pipeline(args):
        return run_encode(args)
    if args.text is None and args.text_file is None:
        msg = "give the description with --text/--text-file, or use --describe openai"
        raise UsageError(msg)
    text = _read_text(args)
    size = image_size(args.image)
    codecs = None
    if args.text_codec != "auto":
        row = registry.by_name(registry.TEXT_CODECS, args.text_codec)
        assert row is not None  # argparse choices come from the registry
        codecs = (row.id,)
    image = None
    if args.lowres != "none":
        from .lowres import best_codec

        codec = best_codec() if args.lowres == "auto" else args.lowres
        image = lowres_chunk(args.image, codec, size=size, psnr=args.lowres_psnr,
                             max_bytes=args.lowres_bytes)
    gpc = encode(text, size=size, template=args.template, meta=dict(args.meta or []),
                 text_codecs=codecs, image=image)
    written = write(args.output, gpc)
    bpp = written * 8 / (size[0] * size[1])
    lowres = f", low-res {len(image.data)} bytes" if image else ""
    print(f"{args.output}: {written} bytes, {size[0]}x{size[1]}, {bpp:.6f} bpp{lowres}")
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
    return info


def cmd_info(args: argparse.Namespace) -> int:
    data = _read_file(args.file)
    info = describe(args.file, data)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return EXIT_OK
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
    for key, value in info["meta"].items():
        print(f"  meta {key} = {value}")
    print("  text:")
    for line in info["text"].splitlines():
        print(f"    {line}")
    return EXIT_OK


# ---------------------------------------------------------------- validate
def _iter_paths(paths: Sequence[str]) -> Iterator[str]:
    """Files named directly, and the ``*.gpc`` files under named folders, sorted."""
    for name in paths:
        if os.path.isdir(name):
            for root, dirs, files in os.walk(name):
                dirs.sort()
                for file in sorted(files):
                    if file.endswith(".gpc"):
                        yield os.path.join(root, file)
        else:
            yield name


def cmd_validate(args: argparse.Namespace) -> int:
    # parse_container makes every check of the spec (the file object is not needed here).
    from .schema import parse_container

    invalid = 0
    out = sys.stdout
    for path in _iter_paths(args.paths):
        clause: str | None = None
        message = ""
        try:
            parse_container(_read_file(path))
        except FormatError as exc:
            clause, message = exc.clause, exc.message
        except UsageError as exc:
            message = str(exc)
        except BackendUnavailable as exc:  # IMG-3: undecidable here, so never called valid
            message = f"cannot check: {exc}"
            clause = "UNCHECKED"
        valid = not message
        invalid += not valid
        if args.json:
            result: dict[str, Any] = {"path": path, "valid": valid}
            if clause == "UNCHECKED":
                result.update(valid=None, clause=None, message=message)
            elif not valid:
                result.update(clause=clause, message=message)
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        elif clause == "UNCHECKED":
            out.write(f"{path}: UNCHECKED {message}\n")
        elif not valid:
            label = f"[{clause}] " if clause else ""
            out.write(f"{path}: INVALID {label}{message}\n")
        elif not args.quiet:
            out.write(f"{path}: ok\n")
    return EXIT_INVALID if invalid else EXIT_OK


# ------------------------------------------------------------------ decode
def cmd_decode(args: argparse.Namespace) -> int:
    from .atomic import write_atomic
    from .container import parse
    from .pipeline_cli import run_decode, wants_decode_pipeline
    from .request import derive_request

    if wants_decode_pipeline(args):
        return run_decode(args)

    gpc = parse(_read_file(args.file))
    if args.request_only:
        request = derive_request(gpc).to_json()
        if args.output == "-":
            sys.stdout.buffer.write(request + b"\n")
        else:
            write_atomic(args.output, request)
        return EXIT_OK
    if args.output == "-":
        raise UsageError("images are not written to stdout: give -o FILE.png")
    from .lowres import preview, reference_png
    from .request import lowres_pixels

    decoded = lowres_pixels(gpc)
    if decoded is None:
        msg = f"{args.file} has no reference image (a text-only file): use --request-only"
        raise UsageError(msg)
    if args.lowres_only:
        write_atomic(args.output, reference_png(*decoded))
    else:  # --renderer preview: the offline, model-free view of a multimodal file
        write_atomic(args.output, _png(preview(*decoded, gpc.width, gpc.height)))
    return EXIT_OK


def _png(image: Any) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# ------------------------------------------------------------- conformance
def cmd_conformance_run(args: argparse.Namespace) -> int:
    from . import conformance

    results = conformance.run_suite(Path(args.suite), args.decoder, args.cases, args.profile,
                                    args.timeout, args.strict_clauses)
    print(conformance.to_json(results) if args.json else conformance.report(results))
    return EXIT_OK if all(r.passed for r in results) else EXIT_INVALID


def cmd_conformance_sweep(args: argparse.Namespace) -> int:
    from .container import parse
    from .sweep import sweep

    total = accepted = 0
    for case in sorted((Path(args.suite) / "cases").glob("v-*/input.gpc")):
        counts = sweep(case.read_bytes(), parse)
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


def _read_file(path: str | os.PathLike[str]) -> bytes:
    from .limits import MAX_FILE_BYTES

    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        msg = f"{os.fspath(path)} is a directory"
        raise UsageError(msg) from None
    except OSError as exc:
        msg = f"cannot read {os.fspath(path)}: {exc.strerror}"
        raise UsageError(msg) from None


def build_parser() -> argparse.ArgumentParser:
    from .pipeline_cli import add_decode_options, add_encode_options

    parser = argparse.ArgumentParser(prog="gpc", description=__doc__.splitlines()[0] if __doc__
                                     else None)
    parser.add_argument("--version", action="version",
                        version=f"gpc {_package_version()} (GPC spec "
                                f"{registry.SPEC_VERSION[0]}.{registry.SPEC_VERSION[1]})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    enc = sub.add_parser("encode", help="encode an image and its description into a .gpc file")
    enc.add_argument("image", help="the source image (its size is recorded)")
    enc.add_argument("-o", "--output", required=True, help="the .gpc file to write")
    source = enc.add_mutually_exclusive_group()
    source.add_argument("--text", help="the description")
    source.add_argument("--text-file", help="a UTF-8 file holding the description")
    enc.add_argument("--template", type=_template_id, default=1,
                     help="prompt template, by name or ID: "
                          + ", ".join(f"{t.name} ({t.id})" for t in registry.TEMPLATES)
                          + " (default: raster-scan-v1)")
    enc.add_argument("--text-codec", default="auto",
                     choices=["auto", *(c.name for c in registry.TEXT_CODECS)],
                     help="text codec (default: auto, the smallest)")
    neural = [m.name for m in registry.MODELS]
    enc.add_argument("--lowres", default="auto",
                     choices=["auto", "none", *(c.name for c in registry.IMAGE_CODECS
                                                if c.name != "msillm"), *neural],
                     metavar="CODEC",
                     help="reference image codec: auto (default: the best available of avif, "
                          "webp, png), none (a text-only file), png, webp, avif, or an "
                          "MS-ILLM model (" + ", ".join(neural) + "; needs the neural extra)")
    enc.add_argument("--model-dir", metavar="DIR",
                     help="folder of neural model files (default: $GPC_MODEL_DIR, then "
                          "~/.cache/gpc/models)")
    budget = enc.add_mutually_exclusive_group()
    budget.add_argument("--lowres-psnr", type=float, metavar="DB",
                        help="target PSNR of the decoded reference image (default 25)")
    budget.add_argument("--lowres-bytes", type=int, metavar="N",
                        help="largest reference image payload, in bytes")
    enc.add_argument("--meta", type=_meta_pair, action="append", metavar="KEY=VALUE",
                     help="add a metadata entry (repeatable)")
    add_encode_options(enc)
    enc.set_defaults(func=cmd_encode)

    info = sub.add_parser("info", help="show the fields of a .gpc file")
    info.add_argument("file")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=cmd_info)

    val = sub.add_parser("validate", help="check .gpc files (and folders of them)")
    val.add_argument("paths", nargs="+", metavar="PATH")
    val.add_argument("--json", action="store_true", help="print JSON Lines, one per file")
    val.add_argument("-q", "--quiet", action="store_true", help="print only invalid files")
    val.add_argument("--model-dir", metavar="DIR", help="folder of neural model files")
    val.set_defaults(func=cmd_validate)

    dec = sub.add_parser("decode", help="derive the generation request or images of a file")
    dec.add_argument("file")
    dec.add_argument("-o", "--output", required=True, help="output path, or - for stdout")
    mode = dec.add_mutually_exclusive_group(required=True)
    mode.add_argument("--request-only", action="store_true",
                      help="write the normative generation request (canonical JSON)")
    dec.add_argument("--model-dir", metavar="DIR", help="folder of neural model files")
    mode.add_argument("--lowres-only", action="store_true",
                      help="write the decoded reference image at its own size (PNG)")
    mode.add_argument("--renderer", choices=["preview", "openai"],
                      help="preview: the reference image upscaled to the file's size (PNG); "
                           "openai: render with an image model (OpenAI or compatible)")
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


def _package_version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "model_dir", None) and args.command in ("encode", "decode", "validate"):
        os.environ["GPC_MODEL_DIR"] = args.model_dir  # where neural models load from
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"gpc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GpcError as exc:
        print(f"gpc: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("gpc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_INVALID
    except OSError as exc:
        print(f"gpc: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())

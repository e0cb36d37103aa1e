"""``gpc encode DIR --describe openai --batch-api`` and ``gpc decode DIR --renderer openai
--batch-api``: folder jobs through :class:`~refcodec.backends.batch_api.BatchJob`.

``refcodec/cli_options.py`` adds the flags (``--batch-api``, ``--batch-poll``,
``--batch-max-requests``);
``refcodec/cli.py`` hands a folder's jobs over to :func:`run_encode_batch_api` /
:func:`run_decode_batch_api`.
Captions: one chat completion per image at the rate controller's first word budget; an
answer over the byte budget is trimmed to fit (no second round trip). Renders: text-only
files go through ``/v1/images/generations`` batches; files with a reference image need
``images.edit`` with the PNG upload and are rendered by direct calls (the batch form of
edits does not take it).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_atomic
from ..errors import GpcError
from .batch_api import MAX_REQUESTS, BatchJob, JobReport
from .usage import Usage

if TYPE_CHECKING:
    from ..encoder import EncodeOptions

__all__ = ["custom_id", "run_decode_batch_api", "run_encode_batch_api"]

STATE_DIRS = {"encode": ".gpc-batch-encode", "decode": ".gpc-batch-decode"}


def custom_id(relative: str) -> str:
    """A stable request ID for an item: the same for the same relative path, every run."""
    return "gpc-" + hashlib.sha256(relative.encode("utf-8")).hexdigest()[:24]


def _job(settings: Any, state: Path, endpoint: str, args: argparse.Namespace) -> BatchJob:
    shard = getattr(args, "shard", None)
    if shard is not None:  # shards writing into one folder keep separate job states
        state = state.with_name(f"{state.name}-shard-{shard[0]}-of-{shard[1]}")
    return BatchJob(settings, state, endpoint,
                    max_requests=args.batch_max_requests or MAX_REQUESTS,
                    poll_interval=args.batch_poll)


def _summary(operation: str, total: int, skipped: int, report: JobReport, usage: Usage,
             settings: Any, extra: str = "") -> int:
    for cid, message in sorted(report.failed.items()):
        print(f"FAILED {cid}: {message}")
    rows = [("items", total), ("outputs already present", skipped),
            ("written now", report.written), ("answers found done", report.already_done),
            ("failed (re-run to retry)", len(report.failed)),
            ("batches created", report.batches_created),
            ("batches found again", report.batches_adopted)]
    print(f"{operation} --batch-api summary")
    for name, value in rows:
        print(f"  {name:<26} {value}")
    print(f"  {'API usage':<26} {usage.summary(settings)} (Batch API: about half that)")
    if extra:
        print(f"  {extra}")
    return 1 if report.failed else 0


def run_encode_batch_api(args: argparse.Namespace, jobs: list[tuple[Path, Path]], root: Path,
                         out_root: Path, settings: Any, options: EncodeOptions) -> int:
    """Captions through the Batch API, then the one encode path
    (:func:`refcodec.encoder.encode_image`) with each caption as a fixed text."""
    from openai.types.chat import ChatCompletion

    from ..compose import image_size
    from ..container import read
    from ..encoder import (
        Reference,
        encode_image,
        first_word_budget,
        fixed_text,
        prepare_reference,
    )
    from .openai_backend import _caption_kwargs, _caption_text, prepare_caption_image

    usage = Usage()
    by_id = {custom_id(src.relative_to(root).as_posix()): (src, dst) for src, dst in jobs}
    prepared: dict[str, Reference] = {}  # reference images made for the requests

    def present(src: Path, dst: Path) -> bool:
        try:
            gpc = read(dst)
            return (gpc.width, gpc.height) == image_size(src)
        except (GpcError, OSError):
            return False

    skipped = sum(1 for src, dst in jobs if present(src, dst))

    def requests(skip: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        for cid, (src, dst) in by_id.items():
            if cid in skip or present(src, dst):
                continue
            reference = prepare_reference(src, options)
            prepared[cid] = reference.compact()  # a few hundred bytes, reused by handle()
            words = first_word_budget(reference, options)
            png = prepare_caption_image(src, settings.caption_max_side)
            yield cid, _caption_kwargs(settings, png, words)

    def handle(cid: str, body: dict[str, Any]) -> None:
        if cid not in by_id:
            return
        src, dst = by_id[cid]
        if present(src, dst):
            return
        response = ChatCompletion.model_validate(body)
        usage.add_chat(response.usage)
        result = encode_image(src, fixed_text(_caption_text(response)), options,
                              prepared.pop(cid, None))  # None after a restart: made again
        dst.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(dst, result.data, (src,), out_root)

    job = _job(settings, out_root / STATE_DIRS["encode"], "/v1/chat/completions", args)
    report = job.run(requests, handle)
    return _summary("encode", len(jobs), skipped, report, usage, settings)


def run_decode_batch_api(args: argparse.Namespace, jobs: list[tuple[Path, Path]], root: Path,
                         out_root: Path, settings: Any) -> int:
    import asyncio

    from openai.types import ImagesResponse
    from PIL import Image

    from ..batch import decode_batch_async
    from ..container import read
    from ..request import derive_request
    from .openai_backend import _image_source, finish_image, image_call

    usage = Usage()
    text_only: list[tuple[Path, Path]] = []
    multimodal: list[tuple[Path, Path]] = []
    for src, dst in jobs:
        (multimodal if read(src).image_chunk is not None else text_only).append((src, dst))
    by_id = {custom_id(src.relative_to(root).as_posix()): (src, dst) for src, dst in text_only}

    def present(src: Path, dst: Path) -> bool:
        try:
            gpc = read(src)
            with Image.open(dst) as image:
                return bool(image.size == (gpc.width, gpc.height))
        except (GpcError, OSError):
            return False

    skipped = sum(1 for src, dst in text_only if present(src, dst))

    def requests(skip: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        for cid, (src, dst) in by_id.items():
            if cid in skip or present(src, dst):
                continue
            _, kwargs = image_call(settings, derive_request(read(src)), None)
            extra = kwargs.pop("extra_body", None) or {}
            yield cid, {**kwargs, **extra}

    def handle(cid: str, body: dict[str, Any]) -> None:
        if cid not in by_id:
            return
        src, dst = by_id[cid]
        gpc = read(src)
        response = ImagesResponse.model_validate(body)
        usage.add_images(response.usage, 1)
        data, url = _image_source(response)
        if data is None:
            import httpx2

            assert url is not None
            data = httpx2.get(url, timeout=settings.image_timeout).raise_for_status().content
        dst.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(dst, finish_image(data, gpc.width, gpc.height), (src,), out_root)

    status = 0
    if by_id:
        job = _job(settings, out_root / STATE_DIRS["decode"], "/v1/images/generations", args)
        report = job.run(requests, handle)
        note = (f"{len(multimodal)} file(s) with a reference image: rendered by direct calls "
                "(the Batch API's image edits do not take the normative PNG upload)"
                if multimodal else "")
        status = _summary("decode", len(text_only), skipped, report, usage, settings, note)
    if multimodal:
        print(f"{len(multimodal)} file(s) with a reference image go to images.edit by direct "
              "calls: the Batch API's /v1/images/edits takes JSON with image URLs or file "
              "IDs, not the multipart PNG upload of the normative request", file=sys.stderr)
        direct = asyncio.run(decode_batch_async(multimodal, settings, resume=True))
        print(direct.summary())
        status = status or (1 if direct.failed else 0)
    return status

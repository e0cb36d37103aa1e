"""``--batch-api``: folders through the OpenAI Batch API, resumable after the process dies.

A job writes its requests as JSONL files of at most ``max_requests`` lines (and under the
200 MB input limit), uploads each (``/v1/files``, purpose "batch"), creates a batch
(``/v1/batches``, 24 h window), polls until every batch has ended, streams the output and
error files to disk and hands each answer to the caller by ``custom_id``.

Everything needed to continue is kept beside the outputs, in ``STATE_DIR``:
``state.json`` (rewritten atomically after every step: chunk files, file IDs, batch IDs,
statuses, failures), ``chunk-R-NNNN.jsonl`` (the requests), the downloaded output and
error files, and ``done.log`` (custom IDs whose output was written). Killed at any point,
the same command continues: a chunk already uploaded is not uploaded again; a batch created
but not yet recorded is found again by its metadata (``gpc_job``, ``gpc_chunk``) instead of
being created twice; an answer whose output exists is not written again.

Requests the batch did not reach (an expired or cancelled batch) go into a new round
automatically. Failed requests (error file, non-200 answers, a batch that failed
validation) are reported and retried the next time the command runs.

What the Batch API is not given: image edits. Its ``/v1/images/edits`` lines are JSON and
take the reference image as a URL or an uploaded file ID, not the multipart upload of the
normative request (spec §12, images.edit with one PNG), so multimodal files are rendered
by direct calls, and the command says so.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..atomic import write_atomic
from ..errors import GpcError
from .settings import BackendSettings

__all__ = ["BatchJob", "JobReport", "MAX_INPUT_BYTES", "MAX_REQUESTS"]

#: Limits of one batch input file (OpenAI: 50,000 requests, 200 MB); a margin is kept.
MAX_REQUESTS = 50_000
MAX_INPUT_BYTES = 190 * 1024 * 1024
TERMINAL = ("completed", "expired", "cancelled", "failed")
MAX_ROUNDS = 5


@dataclass
class JobReport:
    """What one run did: answers written now, found done before, failures."""

    written: int = 0
    already_done: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    batches_created: int = 0
    batches_adopted: int = 0
    rounds: int = 0


class BatchJob:
    """One resumable Batch API job for ``endpoint`` with its state in ``state_dir``.

    ``run(requests, handle)``: ``requests`` yields ``(custom_id, body)`` for every item
    (bodies are built lazily, one at a time); ``handle(custom_id, body)`` receives each
    successful answer's JSON body and writes the item's output. ``is_done(custom_id)`` lets
    the caller skip items whose output already exists.
    """

    def __init__(self, settings: BackendSettings, state_dir: Path, endpoint: str, *,
                 max_requests: int = MAX_REQUESTS, poll_interval: float = 30.0,
                 stream: TextIO | None = None, client: Any = None) -> None:
        self.settings = settings
        self.dir = state_dir
        self.endpoint = endpoint
        self.max_requests = max_requests
        self.poll_interval = poll_interval
        self.stream = stream
        self._client = client
        self._http: Any = None
        self.state: dict[str, Any] = {}

    # -------------------------------------------------------------- plumbing
    @property
    def client(self) -> Any:
        if self._client is None:
            from .openai_backend import make_client

            self._client, self._http = make_client(self.settings, image=False,
                                                   asynchronous=False)
        return self._client

    def close(self) -> None:
        if self._client is not None and self._http is not None:
            self._client.close()
            self._http.close()
            self._client = self._http = None

    def _say(self, text: str) -> None:
        print(f"batch-api: {text}", file=self.stream or sys.stderr, flush=True)

    def _save(self) -> None:
        write_atomic(self.dir / "state.json", json.dumps(self.state, indent=1).encode())

    def _call(self, what: str, function: Callable[[], Any]) -> Any:
        from .openai_backend import translated

        with translated(self.settings, what):
            return function()

    def _done_ids(self) -> set[str]:
        path = self.dir / "done.log"
        if not path.is_file():
            return set()
        return {line for line in path.read_text("utf-8").splitlines() if line}

    # -------------------------------------------------------------- phases
    def _write_chunks(self, round_no: int, requests: Iterable[tuple[str, dict[str, Any]]]
                      ) -> list[dict[str, Any]]:
        """Stream the requests into chunk files; return their state entries."""
        chunks: list[dict[str, Any]] = []
        handle: Any = None
        count = size = 0

        def close() -> None:
            nonlocal handle
            if handle is not None:
                handle.close()
                part = self.dir / (chunks[-1]["input"] + ".part")
                os.replace(part, self.dir / chunks[-1]["input"])
                handle = None

        try:
            for custom_id, body in requests:
                line = json.dumps({"custom_id": custom_id, "method": "POST",
                                   "url": self.endpoint, "body": body},
                                  separators=(",", ":")).encode() + b"\n"
                if handle is None or count >= self.max_requests or \
                        size + len(line) > MAX_INPUT_BYTES:
                    close()
                    name = f"chunk-{round_no}-{len(chunks) + 1:04d}.jsonl"
                    chunks.append({"name": f"{round_no}-{len(chunks) + 1}", "input": name,
                                   "count": 0, "file_id": None, "batch_id": None,
                                   "status": "written", "processed": False})
                    handle = open(self.dir / (name + ".part"), "wb")
                    count = size = 0
                handle.write(line)
                count += 1
                size += len(line)
                chunks[-1]["count"] = count
        finally:
            close()
        return chunks

    def _submit(self, chunk: dict[str, Any], existing: dict[str, Any]) -> None:
        job = self.state["job"]
        if chunk["batch_id"] is None and chunk["name"] in existing:
            chunk["batch_id"] = existing[chunk["name"]]
            chunk["status"] = "submitted"
            self.report.batches_adopted += 1
            self._save()
            return
        if chunk["file_id"] is None:
            path = self.dir / chunk["input"]
            with open(path, "rb") as data:
                uploaded = self._call("uploading a batch file", lambda: self.client.files.create(
                    file=(chunk["input"], data, "application/jsonl"), purpose="batch"))
            chunk["file_id"] = uploaded.id
            self._save()
        created = self._call("creating a batch", lambda: self.client.batches.create(
            input_file_id=chunk["file_id"], endpoint=self.endpoint, completion_window="24h",
            metadata={"gpc_job": job, "gpc_chunk": chunk["name"]}))
        chunk["batch_id"] = created.id
        chunk["status"] = created.status
        self.report.batches_created += 1
        self._save()
        self._say(f"chunk {chunk['name']}: {chunk['count']} request(s) in {created.id}")

    def _existing_batches(self) -> dict[str, str]:
        """Chunk name -> batch ID of this job's batches already on the server (found by
        metadata), so that a batch created just before a crash is not created again."""
        found: dict[str, str] = {}
        job = self.state["job"]
        oldest = self.state.get("created_at", 0) - 3600
        for batch in self._call("listing batches", lambda: self.client.batches.list(limit=100)):
            if (batch.created_at or 0) < oldest:
                break
            meta = batch.metadata or {}
            if meta.get("gpc_job") == job and meta.get("gpc_chunk"):
                found.setdefault(str(meta["gpc_chunk"]), batch.id)
        return found

    def _download(self, file_id: str | None, target: Path) -> Path | None:
        if file_id is None:
            return None
        if not target.is_file():
            part = target.with_suffix(target.suffix + ".part")

            def fetch() -> None:
                with self.client.files.with_streaming_response.content(file_id) as response, \
                        open(part, "wb") as out:
                    for block in response.iter_bytes():
                        out.write(block)

            self._call("downloading batch results", fetch)
            os.replace(part, target)
        return target

    @staticmethod
    def _lines(path: Path | None) -> Iterator[dict[str, Any]]:
        if path is None:
            return
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def _process(self, chunk: dict[str, Any], batch: Any,
                 handle: Callable[[str, dict[str, Any]], None]) -> list[str]:
        """Hand every answer over; return the custom IDs the batch never reached."""
        stem = chunk["input"].removesuffix(".jsonl")
        output = self._download(batch.output_file_id, self.dir / f"{stem}.output.jsonl")
        errors = self._download(batch.error_file_id, self.dir / f"{stem}.errors.jsonl")
        done = self._done_ids()
        failed = self.state["failed"]
        answered: set[str] = set()
        with open(self.dir / "done.log", "a", encoding="utf-8") as log:
            for entry in self._lines(output):
                custom_id = str(entry.get("custom_id"))
                answered.add(custom_id)
                response = entry.get("response") or {}
                if response.get("status_code") != 200:
                    failed[custom_id] = _message(entry)
                    continue
                if custom_id in done:
                    self.report.already_done += 1
                    continue
                try:
                    handle(custom_id, response.get("body") or {})
                except (GpcError, OSError, ValueError) as exc:
                    failed[custom_id] = str(exc)
                    continue
                failed.pop(custom_id, None)
                log.write(custom_id + "\n")
                log.flush()
                done.add(custom_id)
                self.report.written += 1
        for entry in self._lines(errors):
            custom_id = str(entry.get("custom_id"))
            answered.add(custom_id)
            failed[custom_id] = _message(entry)
        missing = []
        for entry in self._lines(self.dir / chunk["input"]):
            custom_id = str(entry["custom_id"])
            if custom_id not in answered:
                if batch.status == "failed":
                    errors_text = "; ".join(e.message or "" for e in
                                            (batch.errors.data if batch.errors else []) or [])
                    failed[custom_id] = f"the batch failed validation: {errors_text}"
                else:
                    missing.append(custom_id)
        return missing

    # -------------------------------------------------------------- run
    def run(self, requests: Callable[[set[str]], Iterable[tuple[str, dict[str, Any]]]],
            handle: Callable[[str, dict[str, Any]], None]) -> JobReport:
        """``requests(skip)`` yields ``(custom_id, body)`` for the items to send, leaving
        out the custom IDs in ``skip``; ``handle`` writes one answer's output."""
        try:
            return self._run(requests, handle)
        finally:
            self.close()

    def _run(self, requests: Callable[[set[str]], Iterable[tuple[str, dict[str, Any]]]],
             handle: Callable[[str, dict[str, Any]], None]) -> JobReport:
        self.report = JobReport()
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / "state.json"
        if path.is_file():
            self.state = json.loads(path.read_text("utf-8"))
            self._say(f"resuming job {self.state['job']} from {self.dir}")
        else:
            self.state = {"job": uuid.uuid4().hex[:16], "endpoint": self.endpoint,
                          "created_at": int(time.time()), "round": 1, "chunks": [],
                          "failed": {}}
            self.state["chunks"] = self._write_chunks(1, requests(set()))
            self._save()
        pending_chunks = [c for c in self.state["chunks"] if not c["processed"]]
        if not pending_chunks and self.state["failed"]:
            retry = set(self.state["failed"])
            self._say(f"retrying {len(retry)} failed request(s)")
            self._new_round(requests, retry)
        existing: dict[str, str] | None = None
        for round_count in range(MAX_ROUNDS):
            self.report.rounds = round_count + 1
            chunks = [c for c in self.state["chunks"] if not c["processed"]]
            if not chunks:
                break
            for chunk in chunks:
                if chunk["batch_id"] is None:
                    if existing is None:
                        existing = self._existing_batches()
                    self._submit(chunk, existing)
            missing = self._poll_and_process(chunks, handle)
            if not missing:
                break
            self._say(f"{len(missing)} request(s) not reached (batch expired or cancelled): "
                      "sending them again")
            self._new_round(requests, set(missing))
        self.report.failed = dict(self.state["failed"])
        return self.report

    def _new_round(self, requests: Callable[[set[str]], Iterable[tuple[str, dict[str, Any]]]],
                   only: set[str]) -> None:
        self.state["round"] += 1
        everything = self._every_id()
        skip = everything - only
        chunks = self._write_chunks(self.state["round"], requests(skip))
        for custom_id in only:
            self.state["failed"].pop(custom_id, None)
        self.state["chunks"] += chunks
        self._save()

    def _every_id(self) -> set[str]:
        ids: set[str] = set()
        for chunk in self.state["chunks"]:
            ids.update(str(e["custom_id"]) for e in self._lines(self.dir / chunk["input"]))
        return ids

    def _poll_and_process(self, chunks: list[dict[str, Any]],
                          handle: Callable[[str, dict[str, Any]], None]) -> list[str]:
        missing: list[str] = []
        waiting = list(chunks)
        while waiting:
            for chunk in list(waiting):
                batch = self._call("checking a batch", functools.partial(
                    self.client.batches.retrieve, str(chunk["batch_id"])))
                if batch.status != chunk["status"]:
                    counts = batch.request_counts
                    done = f" ({counts.completed}/{counts.total} done, {counts.failed} failed)" \
                        if counts is not None else ""
                    self._say(f"{batch.id}: {batch.status}{done}")
                    chunk["status"] = batch.status
                    self._save()
                if batch.status in TERMINAL:
                    missing += self._process(chunk, batch, handle)
                    chunk["processed"] = True
                    self._save()
                    waiting.remove(chunk)
            if waiting:
                time.sleep(self.poll_interval)
        return missing


def _message(entry: dict[str, Any]) -> str:
    response = entry.get("response") or {}
    body = response.get("body") or {}
    error = body.get("error") if isinstance(body, dict) else None
    error = error or entry.get("error") or {}
    text = error.get("message") if isinstance(error, dict) else str(error)
    return f"HTTP {response.get('status_code', '?')}: {text or 'no message'}"

"""An OpenAI-compatible test server: real HTTP on 127.0.0.1, standard library + Pillow.

Endpoints: ``POST /v1/chat/completions`` (vision: the data-URL image must decode; the
answer is a raster-scan description computed from the pixels, whose length follows the
requested word budget times a per-image "verbosity" between 0.7 and 2.0, so some answers
overshoot), ``POST /v1/images/generations`` (JSON) and ``POST /v1/images/edits``
(multipart), which return real PNGs of the requested size as ``b64_json`` (or as a ``url``
served by ``GET /files/...``).

Batch API: ``POST /v1/files`` (multipart, purpose "batch"), ``GET /v1/files/ID`` and
``/v1/files/ID/content``, ``POST /v1/batches``, ``GET /v1/batches/ID``, ``GET /v1/batches``
(cursor pages), ``POST /v1/batches/ID/cancel``; a batch answers each request line in a
background thread with the same code as the direct endpoints, and can be made to expire
half-done, fail partly or fail validation (:attr:`StubServer.batch_plan`).

Fault injection (:meth:`StubServer.inject`, or ``fault_rate`` for random 429/500),
latency, a GPT-like rejection of ``response_format``, key checking (401s echo the key so
redaction can be tested), and a record of every request for assertions.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import random
import re
import sys
import threading
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageStat

__all__ = ["TEST_KEY", "Fault", "Recorded", "StubServer", "settings_for"]

TEST_KEY = "sk-test-SECRET-0123456789abcdef"

BANDS = ("Top", "Upper middle", "Middle", "Lower middle", "Bottom")
COLUMNS = ("far left", "left", "centre-left", "centre", "centre-right", "right", "far right")
PALETTE = {
    "black": (15, 15, 15), "charcoal": (55, 55, 60), "grey": (128, 128, 128),
    "silver": (190, 190, 195), "white": (245, 245, 245), "cream": (240, 230, 200),
    "beige": (210, 190, 150), "tan": (180, 140, 100), "brown": (110, 70, 40),
    "dark brown": (60, 40, 25), "brick red": (160, 50, 40), "crimson": (200, 20, 50),
    "orange": (235, 130, 40), "ochre": (200, 150, 50), "yellow": (235, 220, 60),
    "olive": (110, 110, 40), "moss green": (80, 110, 50), "leaf green": (60, 150, 60),
    "dark green": (25, 70, 35), "teal": (30, 120, 120), "sky blue": (130, 180, 230),
    "steel blue": (70, 110, 150), "navy": (25, 35, 90), "violet": (120, 70, 160),
    "pink": (230, 150, 170), "magenta": (190, 50, 150),
}
TEXTURES = ("smooth", "soft", "grainy", "mottled", "textured", "busy", "detailed")
SHAPES = ("patch", "area", "band", "shape", "mass", "region", "strip")


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    json: dict[str, Any] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    #: multipart files: field name -> (filename, content type, bytes)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    field_names: list[str] = field(default_factory=list)
    raw: bytes = b""


@dataclass
class Fault:
    """What to do instead of (or before) answering normally."""

    kind: str  # "429", "500", "503", "401", "moderation", "malformed", "slow", "empty"
    path: str = ""  # only requests whose path contains this
    times: int = 1
    delay: float = 0.0  # "slow": seconds before answering normally


def _nearest_colour(rgb: tuple[float, ...]) -> str:
    return min(PALETTE, key=lambda n: sum((a - b) ** 2 for a, b in zip(PALETTE[n], rgb,
                                                                       strict=False)))


def describe_pixels(image: Image.Image, word_budget: int, verbosity: float) -> str:
    """A raster-scan description of ``image`` of about ``word_budget * verbosity`` words."""
    small = image.convert("RGB").resize((len(COLUMNS) * 2, len(BANDS) * 2))
    pixels = small.load()
    assert pixels is not None
    target = max(12, int(word_budget * verbosity))
    mean = tuple(ImageStat.Stat(small).mean)
    orientation = "landscape" if image.width >= image.height else "portrait"
    lines = {
        "Image": [f"colour photograph of a {_nearest_colour(mean)} scene", orientation],
        "Layout": ["horizontal bands from top to bottom", "main mass near the centre"],
        **{band: [] for band in BANDS},
        "Colours": [], "Light": ["soft daylight from the upper left", "moderate contrast"],
    }
    phrases: list[tuple[str, str]] = []
    for variant in range(4):
        for c, column in enumerate(COLUMNS):
            for b, band in enumerate(BANDS):
                x, y = c * 2 + variant % 2, b * 2 + variant // 2
                px = pixels[x, y]
                assert isinstance(px, tuple)
                spread = sum(abs(int(p) - int(q)) for p, q in zip(px, mean, strict=False))
                texture = TEXTURES[(spread // 40 + variant) % len(TEXTURES)]
                shape = SHAPES[(x * 3 + y + variant) % len(SHAPES)]
                near = "near" if (b + c + variant) % 3 else "far"
                phrases.append((band, (f"{column} {near}: {texture} {_nearest_colour(px)} "
                                      f"{shape}")))
    colours = sorted({p.split(": ")[1].split(" ", 1)[1].rsplit(" ", 1)[0] for _, p in phrases})
    lines["Colours"] = colours[:6]
    words = sum(len(" ".join(v).split()) + 1 for v in lines.values())
    for band, phrase in phrases:
        if words >= target:
            break
        lines[band].append(phrase)
        words += len(phrase.split())
    return "\n".join(f"{label}: {'; '.join(items)}." for label, items in lines.items() if items)


def make_png(width: int, height: int, seed: int) -> bytes:
    """A real PNG of the requested size: a gradient coloured by ``seed``."""
    rng = random.Random(seed)
    base = Image.linear_gradient("L").resize((width, height))
    tint = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    image = Image.merge("RGB", (base, base, base))
    out = io.BytesIO()
    Image.blend(image, tint, 0.5).save(out, format="PNG", compress_level=1)
    return out.getvalue()


class StubServer:
    """Start with ``with StubServer() as server:``; point clients at ``server.base_url``."""

    def __init__(self, *, api_key: str | None = "test-key", latency: float = 0.0,
                 image_response: str = "b64_json", reject_response_format: bool = True,
                 verbosity: Callable[[bytes], float] | float | None = None,
                 fault_rate: float = 0.0, seed: int = 0, retry_after_ms: int = 5) -> None:
        self.api_key = api_key
        self.latency = latency
        self.image_response = image_response
        self.reject_response_format = reject_response_format
        self.verbosity = verbosity
        self.fault_rate = fault_rate
        self.retry_after_ms = retry_after_ms
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.faults: list[Fault] = []
        self.files: dict[str, bytes] = {}
        #: Batch API: uploaded files (id -> object, content), batches (id -> object)
        self.uploads: dict[str, tuple[dict[str, Any], bytes]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        #: what happens to the next batches created, one entry each: "ok", "expire" (half
        #: the requests done, then expired), "partial" (every third request fails),
        #: "fail" (the batch fails validation); then "ok"
        self.batch_plan: list[str] = []
        #: seconds a batch stays "in_progress" before its requests are answered
        self.batch_delay = 0.0
        #: every custom_id of every request line the server answered in a batch
        self.batch_answered: list[str] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.handle_error = _quiet_handle_error  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def root(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.root + "/v1"

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, kind: str, *, path: str = "", times: int = 1, delay: float = 0.0) -> None:
        """Make the next ``times`` matching requests fail with ``kind``."""
        with self._lock:
            self.faults.append(Fault(kind, path, times, delay))

    def calls(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if path in r.path]

    # ---------------------------------------------------------------- internals
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path in path and fault.times > 0:
                    fault.times -= 1
                    return fault
            if self.fault_rate and path.startswith("/v1/"):
                if self._rng.random() < self.fault_rate:
                    return Fault(self._rng.choice(("429", "500")))
        return None

    def _verbosity(self, png: bytes) -> float:
        if isinstance(self.verbosity, float | int):
            return float(self.verbosity)
        if callable(self.verbosity):
            return self.verbosity(png)
        return 0.7 + 1.3 * (zlib.crc32(png) % 1000) / 1000


def _quiet_handle_error(request: Any, address: Any) -> None:
    """Ignore clients that hang up first (timeouts); show real handler bugs."""
    error = sys.exc_info()[1]
    if not isinstance(error, ConnectionError):
        traceback.print_exc()


def _error(message: str, *, code: str | None = None, type_: str = "invalid_request_error",
           **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code, **extra}}


def _handler_for(server: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: bytes, content_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(obj).encode(), headers=headers)

        def do_GET(self) -> None:
            if self.path.startswith("/v1/"):
                _batch_get(server, self)
                return
            name = self.path.rsplit("/", 1)[-1]
            with server._lock:
                data = server.files.get(name)
            if data is None:
                self._json(404, _error("no such file"))
            else:
                self._send(200, data, "image/png")

        def do_POST(self) -> None:
            with server._lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                self._post()
            finally:
                with server._lock:
                    server.in_flight -= 1

        def _post(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            record = Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()},
                              raw=raw)
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("multipart/"):
                _parse_multipart(record, content_type, raw)
            else:
                try:
                    record.json = json.loads(raw)
                except ValueError:
                    record.json = None
            with server._lock:
                server.requests.append(record)
            if server.latency:
                time.sleep(server.latency)
            if server.api_key is not None:
                given = (self.headers.get("Authorization", "").removeprefix("Bearer ")
                         or self.headers.get("api-key", ""))
                if given != server.api_key:
                    msg = f"Incorrect API key provided: {given}."
                    self._json(401, _error(msg, code="invalid_api_key"))
                    return
            fault = server._take_fault(self.path)
            if fault is not None and self._fault(fault):
                return
            path = self.path.split("?", 1)[0]
            if path.endswith("/chat/completions"):
                self._chat(record)
            elif path.endswith(("/images/generations", "/images/edits")):
                self._images(record, edit=path.endswith("/edits"))
            elif path.startswith(("/v1/files", "/v1/batches")):
                _batch_post(server, self, record)
            else:
                self._json(404, _error(f"unknown path {self.path}"))

        def _fault(self, fault: Fault) -> bool:
            """Answer with the fault; ``False`` when the request should then proceed."""
            retry = {"retry-after-ms": str(server.retry_after_ms)}
            if fault.kind == "slow":
                time.sleep(fault.delay)
                return False
            if fault.kind == "429":
                self._json(429, _error("Rate limit reached", code="rate_limit_exceeded",
                                       type_="requests"), retry)
            elif fault.kind in ("500", "503"):
                self._json(int(fault.kind), _error("The server had an error", type_="server"),
                           retry)
            elif fault.kind == "401":
                self._json(401, _error("Invalid authentication", code="invalid_api_key"))
            elif fault.kind == "moderation":
                self._json(400, _error(
                    "Your request was rejected by the safety system.",
                    code="moderation_blocked", type_="image_generation_user_error",
                    moderation_details={"moderation_stage": "output", "categories": ["x"]}))
            elif fault.kind == "malformed":
                self._send(200, b'{"choices": [ this is not json')
            elif fault.kind == "empty":
                self._json(200, {"created": 0, "data": [], "choices": []})
            else:
                msg = f"unknown fault {fault.kind}"
                raise ValueError(msg)
            return True

        def _chat(self, record: Recorded) -> None:
            self._json(*chat_result(server, record.json or {}))

        def _images(self, record: Recorded, *, edit: bool) -> None:
            params: dict[str, Any] = dict(record.fields) if edit else dict(record.json or {})
            if edit:
                image = record.files.get("image")
                try:
                    assert image is not None
                    Image.open(io.BytesIO(image[2])).load()
                except (AssertionError, OSError):
                    if not (server.reject_response_format and "response_format" in params):
                        self._json(400, _error("expected one PNG in the field 'image'",
                                               code="invalid_image_file"))
                        return
            self._json(*image_result(server, params, edit=edit))

    return Handler


def chat_result(server: StubServer, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``(status, JSON body)`` of a chat completion (used directly and by batches)."""
    try:
        parts = body["messages"][0]["content"]
        text = next(p["text"] for p in parts if p["type"] == "text")
        url = next(p["image_url"]["url"] for p in parts if p["type"] == "image_url")
        png = base64.b64decode(url.removeprefix("data:image/png;base64,"), validate=True)
        image = Image.open(io.BytesIO(png))
        image.load()
    except (KeyError, IndexError, StopIteration, TypeError, binascii.Error, OSError):
        return 400, _error("expected a text part and a PNG data-URL image part")
    match = re.search(r"at most (\d+) words", text)
    budget = int(match.group(1)) if match else 100
    content = describe_pixels(image, budget, server._verbosity(png))
    words = len(content.split())
    return 200, {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": 0,
        "model": body.get("model", ""),
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 800, "completion_tokens": int(words * 1.3),
                  "total_tokens": 800 + int(words * 1.3)},
    }


def image_result(server: StubServer, params: dict[str, Any], *, edit: bool = False
                 ) -> tuple[int, dict[str, Any]]:
    """``(status, JSON body)`` of an image generation (used directly and by batches)."""
    if server.reject_response_format and "response_format" in params:
        return 400, _error("Unknown parameter: 'response_format'.", code="unknown_parameter")
    match = re.fullmatch(r"(\d+)x(\d+)", str(params.get("size", "1024x1024")))
    if not params.get("prompt") or match is None:
        return 400, _error("prompt and size WxH are required")
    width, height = int(match.group(1)), int(match.group(2))
    png = make_png(width, height, zlib.crc32(str(params["prompt"]).encode()))
    wants_url = params.get("response_format", server.image_response) == "url"
    if wants_url:
        name = f"img{len(server.files)}-{zlib.crc32(png):08x}.png"
        with server._lock:
            server.files[name] = png
        item = {"url": f"{server.root}/files/{name}"}
    else:
        item = {"b64_json": base64.b64encode(png).decode()}
    return 200, {
        "created": 0, "data": [item], "size": f"{width}x{height}",
        "usage": {"input_tokens": 50 + 300 * edit, "output_tokens": 1056,
                  "total_tokens": 1106 + 300 * edit,
                  "input_tokens_details": {"text_tokens": 50, "image_tokens": 300 * edit}},
    }


def _parse_multipart(record: Recorded, content_type: str, raw: bytes) -> None:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        record.field_names.append(name)
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            record.files[name] = (filename, part.get_content_type(), payload)
        else:
            record.fields[name] = payload.decode()


def settings_for(server: StubServer, **overrides: Any) -> Any:
    """Backend settings that talk to ``server`` only: no environment, no config file,
    short timeouts, no proxy."""
    from refcodec.backends.settings import BackendSettings

    values: dict[str, Any] = {
        "base_url": server.base_url, "api_key": server.api_key or TEST_KEY,
        "max_retries": 2, "image_max_retries": 2, "timeout": 10.0, "image_timeout": 10.0,
        "trust_env": False, **overrides,
    }
    return BackendSettings(**values)


# ---------------------------------------------------------------- Batch API
def _batch_get(server: StubServer, handler: Any) -> None:
    path, _, query = handler.path.partition("?")
    parts = path.strip("/").split("/")  # v1, files|batches, [id], [content]
    if server.api_key is not None:
        given = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        if given != server.api_key:
            handler._json(401, _error("Incorrect API key provided", code="invalid_api_key"))
            return
    with server._lock:
        if parts[1] == "files" and len(parts) >= 3 and parts[2] in server.uploads:
            obj, content = server.uploads[parts[2]]
            if len(parts) == 4 and parts[3] == "content":
                handler._send(200, content, "application/octet-stream")
            else:
                handler._json(200, obj)
            return
        if parts[1] == "batches" and len(parts) == 3 and parts[2] in server.batches:
            handler._json(200, dict(server.batches[parts[2]]))
            return
        if parts[1] == "batches" and len(parts) == 2:
            args = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            limit = int(args.get("limit", 20))
            ordered = sorted(server.batches.values(), key=lambda b: b["seq"], reverse=True)
            if "after" in args:
                ids = [b["id"] for b in ordered]
                start = ids.index(args["after"]) + 1 if args["after"] in ids else len(ids)
                ordered = ordered[start:]
            page = [dict(b) for b in ordered[:limit]]
            handler._json(200, {"object": "list", "data": page,
                                "first_id": page[0]["id"] if page else None,
                                "last_id": page[-1]["id"] if page else None,
                                "has_more": len(ordered) > limit})
            return
    handler._json(404, _error(f"unknown path {handler.path}"))


def _batch_post(server: StubServer, handler: Any, record: Recorded) -> None:
    path = handler.path.split("?", 1)[0]
    now = int(time.time())
    if path == "/v1/files":
        upload = record.files.get("file")
        if upload is None or record.fields.get("purpose") != "batch":
            handler._json(400, _error("expected a file and purpose=batch"))
            return
        with server._lock:
            file_id = f"file-{len(server.uploads) + 1:06d}"
            obj = {"id": file_id, "object": "file", "bytes": len(upload[2]), "created_at": now,
                   "filename": upload[0], "purpose": "batch", "status": "processed"}
            server.uploads[file_id] = (obj, upload[2])
        handler._json(200, obj)
        return
    if path == "/v1/batches":
        body = record.json or {}
        with server._lock:
            if body.get("input_file_id") not in server.uploads:
                handler._json(400, _error("input_file_id not found"))
                return
            seq = len(server.batches) + 1
            batch = {"id": f"batch_{seq:06d}", "object": "batch", "seq": seq,
                     "endpoint": body.get("endpoint"), "errors": None,
                     "input_file_id": body["input_file_id"],
                     "completion_window": body.get("completion_window", "24h"),
                     "status": "validating", "output_file_id": None, "error_file_id": None,
                     "created_at": now, "metadata": body.get("metadata"),
                     "request_counts": {"total": 0, "completed": 0, "failed": 0}}
            server.batches[batch["id"]] = batch
            plan = server.batch_plan.pop(0) if server.batch_plan else "ok"
        threading.Thread(target=_run_batch, args=(server, batch["id"], plan),
                         daemon=True).start()
        handler._json(200, dict(batch))
        return
    if path.startswith("/v1/batches/") and path.endswith("/cancel"):
        batch_id = path.split("/")[3]
        with server._lock:
            batch = server.batches.get(batch_id)
            if batch is not None and batch["status"] in ("validating", "in_progress"):
                batch["status"] = "cancelling"
        if batch is None:
            handler._json(404, _error("no such batch"))
        else:
            handler._json(200, dict(batch))
        return
    handler._json(404, _error(f"unknown path {handler.path}"))


def _run_batch(server: StubServer, batch_id: str, plan: str) -> None:
    """Answer a batch's request lines; write its output and error files."""
    with server._lock:
        batch = server.batches[batch_id]
        content = server.uploads[batch["input_file_id"]][1]
    lines = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
    with server._lock:
        batch["request_counts"]["total"] = len(lines)
        if plan == "fail":
            batch["status"] = "failed"
            batch["errors"] = {"object": "list", "data": [
                {"code": "invalid_request", "message": "injected validation failure",
                 "line": 1, "param": None}]}
            return
        batch["status"] = "in_progress"
    time.sleep(server.batch_delay)
    output, errors = [], []
    done = len(lines) // 2 if plan == "expire" else len(lines)
    for index, line in enumerate(lines[:done]):
        with server._lock:
            cancelled = batch["status"] == "cancelling"
        if cancelled:
            break
        body, url = line.get("body", {}), line.get("url", "")
        if plan == "partial" and index % 3 == 1:
            status, answer = 500, _error("injected failure", type_="server")
        elif url == "/v1/chat/completions":
            status, answer = chat_result(server, body)
        elif url == "/v1/images/generations":
            status, answer = image_result(server, body)
        else:
            status, answer = 400, _error(f"endpoint {url} is not supported in batches")
        entry = {"id": f"batch_req_{index}", "custom_id": line.get("custom_id"),
                 "response": {"status_code": status, "request_id": f"req_{index}",
                              "body": answer}, "error": None}
        (output if status == 200 else errors).append(json.dumps(entry))
        with server._lock:
            server.batch_answered.append(str(line.get("custom_id")))
            batch["request_counts"]["completed" if status == 200 else "failed"] += 1
    with server._lock:
        for kind, rows in (("output_file_id", output), ("error_file_id", errors)):
            if rows:
                file_id = f"file-{len(server.uploads) + 1:06d}"
                data = ("\n".join(rows) + "\n").encode()
                server.uploads[file_id] = ({"id": file_id, "object": "file",
                                            "bytes": len(data), "purpose": "batch_output",
                                            "filename": f"{batch_id}_{kind}.jsonl",
                                            "created_at": int(time.time()),
                                            "status": "processed"}, data)
                batch[kind] = file_id
        batch["status"] = {"expire": "expired"}.get(plan, "cancelled" if batch["status"]
                                                    == "cancelling" else "completed")

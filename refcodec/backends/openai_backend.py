"""Captioning and image generation through OpenAI or any OpenAI-compatible server.

* The captioner sends the image (PNG data URL) with template 1's ``describe`` text
  (``{word_budget}`` filled in) to ``chat.completions.create``.
* The renderer sends exactly the normative request of :func:`refcodec.derive_request`
  (spec/gpc.md §12): ``images.generate`` for "generate", ``images.edit`` with one
  ``(filename, bytes, mime)`` tuple for "edit"; never ``response_format`` unless the
  settings ask for it; accepts ``b64_json`` or ``url``; resizes the result to the header
  size (Lanczos) and returns PNG bytes.

Each class has a blocking and an ``Async`` form sharing the request builders and response
parsers; ``openai`` is imported lazily (an optional extra).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from .. import registry
from ..container import GpcFile
from ..errors import BackendUnavailable, UsageError
from ..request import GenerationRequest, derive_request, lowres_pixels
from .errors import BackendError, MalformedResponse, ModerationBlocked, translate_error
from .settings import BackendSettings
from .usage import Usage

__all__ = [
    "AsyncCaptioner",
    "AsyncRenderer",
    "Captioner",
    "Renderer",
    "caption_messages",
    "normalise_description",
    "prepare_caption_image",
]

_FORBIDDEN = dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F], " ")


def _openai() -> Any:
    try:
        import openai
    except ImportError:
        msg = "the OpenAI backend needs the openai package: pip install 'gpc-refcodec[openai]'"
        raise BackendUnavailable(msg) from None
    return openai


def server_name(settings: BackendSettings) -> str:
    """The server, for messages: scheme, host and path, never credentials or query."""
    url = settings.azure_endpoint or settings.base_url or "https://api.openai.com/v1"
    parts = urlsplit(url)
    host = parts.hostname or url
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else host


def make_client(settings: BackendSettings, *, image: bool, asynchronous: bool) -> tuple[Any, Any]:
    """``(client, http)``: an ``OpenAI``/``AzureOpenAI`` client (or the async form) and the
    httpx2 client under it, which also fetches ``url`` results (same proxy and trust
    settings, same timeouts)."""
    openai = _openai()
    if not settings.api_key:
        msg = (f"no API key: set {settings.api_key_env} (or --api-key-env NAME); "
               "self-hosted servers accept any non-empty value")
        raise BackendUnavailable(msg)
    timeout = openai.Timeout(settings.image_timeout if image else settings.timeout,
                             connect=settings.connect_timeout)
    http_class = openai.DefaultAsyncHttpx2Client if asynchronous else openai.DefaultHttpx2Client
    http = http_class(timeout=timeout, trust_env=settings.trust_env)
    common: dict[str, Any] = {
        "api_key": settings.api_key,
        "timeout": timeout,
        "max_retries": settings.image_max_retries if image else settings.max_retries,
        "http_client": http,
    }
    if settings.is_azure:
        cls = openai.AsyncAzureOpenAI if asynchronous else openai.AzureOpenAI
        client = cls(azure_endpoint=settings.azure_endpoint, api_version=settings.api_version,
                     azure_deployment=settings.azure_deployment, **common)
    else:
        cls = openai.AsyncOpenAI if asynchronous else openai.OpenAI
        client = cls(base_url=settings.base_url, **common)
    return client, http


@contextlib.contextmanager
def translated(settings: BackendSettings, what: str) -> Iterator[None]:
    """Turn SDK exceptions into one-line, key-free :class:`BackendError` s."""
    openai = _openai()
    import httpx2

    try:
        yield
    except BackendError:
        raise
    except (openai.OpenAIError, httpx2.HTTPError, ValueError, KeyError) as exc:
        raise translate_error(exc, what=what, where=server_name(settings),
                              secrets=settings.secrets()) from None


# ------------------------------------------------------------------ captioning
def prepare_caption_image(source: str | os.PathLike[str] | bytes, max_side: int) -> bytes:
    """PNG bytes of the image as displayed (:mod:`refcodec.ingest`: orientation, bit
    depth, sRGB, transparency on white), downscaled so its longest side is ``max_side``."""
    from PIL import Image

    from ..ingest import displayed_size, load_image

    width, height = displayed_size(source)
    scale = min(1.0, max_side / max(width, height))
    fit = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = load_image(source, fit=fit).image
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def caption_instructions(word_budget: int, template: int = 1) -> str:
    return registry.template_text(template, "describe").replace("{word_budget}",
                                                                str(word_budget))


def caption_messages(png: bytes, word_budget: int, detail: str) -> list[dict[str, Any]]:
    """The one user message: instructions plus the image as a data URL (notes §2.1)."""
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return [{"role": "user", "content": [
        {"type": "text", "text": caption_instructions(word_budget)},
        {"type": "image_url", "image_url": {"url": url, "detail": detail}},
    ]}]


def _caption_kwargs(settings: BackendSettings, png: bytes, word_budget: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": settings.caption_model,
        "messages": caption_messages(png, word_budget, settings.caption_detail),
        settings.max_tokens_param: settings.caption_max_tokens,
    }
    return kwargs


def normalise_description(text: str) -> str:
    """LF line endings, no code fence, no blank or padded lines, no final newline,
    no forbidden control characters (TXT-6)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_FORBIDDEN)
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line and not line.startswith("```")]
    return "\n".join(lines)


def _caption_text(response: Any) -> str:
    choices = getattr(response, "choices", None)
    if not choices:
        msg = "the caption response has no choices"
        raise MalformedResponse(msg)
    choice = choices[0]
    if choice.finish_reason == "content_filter":
        msg = "the captioner's content filter refused to describe this image"
        raise ModerationBlocked(msg)
    content = getattr(choice.message, "content", None)
    text = normalise_description(content) if isinstance(content, str) else ""
    if not text:
        hint = (" (it ran out of tokens: raise caption_max_tokens)"
                if choice.finish_reason == "length" else "")
        msg = f"the captioner returned no text{hint}"
        raise MalformedResponse(msg)
    return text


class _CaptionerBase:
    def __init__(self, settings: BackendSettings, usage: Usage | None = None) -> None:
        self.settings = settings
        self.usage = usage if usage is not None else Usage()
        self.what = f"captioning with {settings.caption_model}"


class Captioner(_CaptionerBase):
    """Blocking captioner: ``describe(png_bytes, word_budget) -> description``."""

    def __init__(self, settings: BackendSettings, usage: Usage | None = None) -> None:
        super().__init__(settings, usage)
        self.client, self.http = make_client(settings, image=False, asynchronous=False)

    def describe(self, png: bytes, word_budget: int) -> str:
        with translated(self.settings, self.what):
            response = self.client.chat.completions.create(
                **_caption_kwargs(self.settings, png, word_budget))
            self.usage.add_chat(getattr(response, "usage", None))
            return _caption_text(response)

    def close(self) -> None:
        self.client.close()
        self.http.close()

    def __enter__(self) -> Captioner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncCaptioner(_CaptionerBase):
    """``await describe(png_bytes, word_budget)``, on ``AsyncOpenAI``."""

    def __init__(self, settings: BackendSettings, usage: Usage | None = None) -> None:
        super().__init__(settings, usage)
        self.client, self.http = make_client(settings, image=False, asynchronous=True)

    async def describe(self, png: bytes, word_budget: int) -> str:
        with translated(self.settings, self.what):
            response = await self.client.chat.completions.create(
                **_caption_kwargs(self.settings, png, word_budget))
            self.usage.add_chat(getattr(response, "usage", None))
            return _caption_text(response)

    async def close(self) -> None:
        await self.client.close()
        await self.http.aclose()

    async def __aenter__(self) -> AsyncCaptioner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


# ------------------------------------------------------------------ generation
def image_call(
    settings: BackendSettings, request: GenerationRequest, reference_png: bytes | None
) -> tuple[str, dict[str, Any]]:
    """``("generate" | "edit", kwargs)`` for the normative request (spec §12): its prompt
    unchanged, its generator size, one image; nothing else unless the settings say so."""
    kwargs: dict[str, Any] = {
        "prompt": request.prompt,
        "model": settings.image_model,
        "size": f"{request.generator_width}x{request.generator_height}",
        "n": 1,
    }
    if settings.response_format is not None:
        kwargs["response_format"] = settings.response_format
    if settings.image_quality is not None:
        kwargs["quality"] = settings.image_quality
    if settings.extra_body:
        kwargs["extra_body"] = dict(settings.extra_body)
    if request.operation == "edit":
        if reference_png is None:
            msg = "this file has a reference image: its decoded PNG is needed for the edit call"
            raise UsageError(msg)
        kwargs["image"] = ("reference.png", reference_png, "image/png")
    return request.operation, kwargs


def _image_source(response: Any) -> tuple[bytes | None, str | None]:
    data = getattr(response, "data", None)
    if not data:
        msg = "the image response holds no image"
        raise MalformedResponse(msg)
    first = data[0]
    if first.b64_json:
        try:
            return base64.b64decode(first.b64_json, validate=True), None
        except (binascii.Error, ValueError):
            msg = "the image response's b64_json is not valid base64"
            raise MalformedResponse(msg) from None
    if first.url:
        return None, str(first.url)
    msg = "the image response has neither b64_json nor url"
    raise MalformedResponse(msg)


def finish_image(data: bytes, width: int, height: int) -> bytes:
    """Decode the generated image, resize it to the header size (Lanczos), PNG-encode."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            image = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        msg = f"the generated image cannot be decoded ({exc})"
        raise MalformedResponse(msg) from None
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _absolute(url: str, client: Any) -> str:
    return urljoin(str(client.base_url), url)


class _RendererBase:
    def __init__(self, settings: BackendSettings, usage: Usage | None = None) -> None:
        self.settings = settings
        self.usage = usage if usage is not None else Usage()
        self.what = f"image generation with {settings.image_model}"

    @staticmethod
    def prepare(gpc: GpcFile, reference_png: bytes | None) -> tuple[GenerationRequest,
                                                                     bytes | None]:
        """The normative request (§12) and, for "edit", the reference PNG (decoded from
        the file unless given)."""
        request = derive_request(gpc)
        if request.operation == "edit" and reference_png is None:
            reference_png = reference_png_for(gpc)
        return request, reference_png


class Renderer(_RendererBase):
    """Blocking renderer: ``render(gpc) -> PNG bytes`` of the header size."""

    def __init__(self, settings: BackendSettings, usage: Usage | None = None) -> None:
        super().__init__(settings, usage)
        self.client, self.http = make_client(settings, image=True, asynchronous=False)

    def render(self, gpc: GpcFile, reference_png: bytes | None = None) -> bytes:
        request, reference_png = self.prepare(gpc, reference_png)
        operation, kwargs = image_call(self.settings, request, reference_png)
        with translated(self.settings, self.what):
            call = self.client.images.edit if operation == "edit" else self.client.images.generate
            response = call(**kwargs)
            self.usage.add_images(getattr(response, "usage", None), 1)
            data, url = _image_source(response)
            if data is None:
                assert url is not None
                fetched = self.http.get(_absolute(url, self.client))
                fetched.raise_for_status()
                data = fetched.content
        return finish_image(data, request.width, request.height)

    def close(self) -> None:
        self.client.close()
        self.http.close()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncRenderer(_RendererBase):
    """``await render(gpc)``, on ``AsyncOpenAI``; CPU work runs in a worker thread."""

    def __init__(self, settings: BackendSettings, usage: Usage | None = None) -> None:
        super().__init__(settings, usage)
        self.client, self.http = make_client(settings, image=True, asynchronous=True)

    async def render(self, gpc: GpcFile, reference_png: bytes | None = None) -> bytes:
        import asyncio

        request, reference_png = await asyncio.to_thread(self.prepare, gpc, reference_png)
        operation, kwargs = image_call(self.settings, request, reference_png)
        with translated(self.settings, self.what):
            images = self.client.images
            call = images.edit if operation == "edit" else images.generate
            response = await call(**kwargs)
            self.usage.add_images(getattr(response, "usage", None), 1)
            data, url = _image_source(response)
            if data is None:
                assert url is not None
                fetched = await self.http.get(_absolute(url, self.client))
                fetched.raise_for_status()
                data = fetched.content
        return await asyncio.to_thread(finish_image, data, request.width, request.height)

    async def close(self) -> None:
        await self.client.close()
        await self.http.aclose()

    async def __aenter__(self) -> AsyncRenderer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def reference_png_for(gpc: GpcFile) -> bytes | None:
    """The decoded low-resolution image as the PNG a renderer sends (spec/lowres.md
    LRS-13), or ``None`` for a text-only file."""
    decoded = lowres_pixels(gpc)
    if decoded is None:
        return None
    from ..lowres import reference_png

    return reference_png(*decoded)

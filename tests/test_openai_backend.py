"""The OpenAI backend against a real HTTP server (tests/openai_server.py) with the real SDK."""

from __future__ import annotations

import asyncio
import base64
import io
import socket
import sys
from types import SimpleNamespace

import pytest
from PIL import Image

import refcodec
from refcodec import registry
from refcodec.backends.errors import BackendError, MalformedResponse, ModerationBlocked
from refcodec.backends.openai_backend import (
    AsyncCaptioner,
    AsyncRenderer,
    Captioner,
    Renderer,
    _caption_text,
    make_client,
    normalise_description,
    prepare_caption_image,
)
from refcodec.backends.settings import BackendSettings
from refcodec.container import GpcFile, ImageChunk, TextChunk
from refcodec.errors import BackendUnavailable, UsageError
from refcodec.lowres import encode_lowres, reference_png
from refcodec.request import lowres_pixels
from tests.openai_server import TEST_KEY, StubServer, settings_for

pytest_plugins = ["tests.openai_fixtures"]
pytest.importorskip("openai", reason="the openai extra is not installed")

DESCRIPTION = "Image: test card; landscape.\nTop: blue sky; white cloud at right.\nLight: noon."


def _png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def _size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


# ------------------------------------------------------------------ captioning
def test_caption_request_shape(stub_server: StubServer, stub_settings: BackendSettings) -> None:
    png = _png()
    with Captioner(stub_settings) as captioner:
        text = captioner.describe(png, 42)
    (call,) = stub_server.calls("/chat/completions")
    assert call.json is not None
    assert call.json["model"] == "gpt-5.4-mini"
    assert call.json["max_completion_tokens"] == stub_settings.caption_max_tokens
    assert "max_tokens" not in call.json
    text_part, image_part = call.json["messages"][0]["content"]
    expected = registry.template_text(1, "describe").replace("{word_budget}", "42")
    assert text_part == {"type": "text", "text": expected}
    assert image_part["image_url"]["detail"] == "high"
    url = image_part["image_url"]["url"]
    assert base64.b64decode(url.removeprefix("data:image/png;base64,")) == png
    assert text.startswith("Image: ")
    assert not text.endswith("\n")
    assert "\r" not in text
    assert call.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert captioner.usage.caption_requests == 1
    assert captioner.usage.caption_output_tokens > 0


def test_caption_max_tokens_for_self_hosted(stub_server: StubServer) -> None:
    settings = settings_for(stub_server, max_tokens_param="max_tokens", caption_model="llava")
    with Captioner(settings) as captioner:
        captioner.describe(_png(), 30)
    (call,) = stub_server.calls("/chat/completions")
    assert call.json is not None
    assert call.json["max_tokens"] == settings.caption_max_tokens
    assert "max_completion_tokens" not in call.json
    assert call.json["model"] == "llava"


def test_normalise_description() -> None:
    raw = "```\r\nImage: a\x00b;  c \r\n\r\nTop: d\x1b\x7f.\rLight: e\n```\n"
    assert normalise_description(raw) == "Image: a b;  c\nTop: d  .\nLight: e"


def test_caption_content_filter_and_empty_answer() -> None:
    def response(content: str | None, reason: str) -> SimpleNamespace:
        message = SimpleNamespace(content=content)
        return SimpleNamespace(choices=[SimpleNamespace(message=message, finish_reason=reason)])

    with pytest.raises(ModerationBlocked, match="content filter"):
        _caption_text(response("", "content_filter"))
    with pytest.raises(MalformedResponse, match="ran out of tokens"):
        _caption_text(response(None, "length"))
    with pytest.raises(MalformedResponse, match="no choices"):
        _caption_text(SimpleNamespace(choices=[]))


def test_prepare_caption_image_downscales(tmp_path: pytest.TempPathFactory) -> None:
    png = prepare_caption_image(_png(3000, 1000), 1536)
    assert _size(png) == (1536, 512)
    assert _size(prepare_caption_image(_png(100, 50), 1536)) == (100, 50)
    with pytest.raises(UsageError, match="cannot read image"):
        prepare_caption_image(b"not an image", 1536)


# ------------------------------------------------------------------ generation
def test_generate_sends_the_normative_request(
    stub_server: StubServer, stub_settings: BackendSettings
) -> None:
    gpc = refcodec.encode(DESCRIPTION, size=(768, 512))
    with Renderer(stub_settings) as renderer:
        png = renderer.render(gpc)
    (call,) = stub_server.calls("/images/generations")
    request = refcodec.derive_request(gpc)
    assert call.json == {"prompt": request.prompt, "model": "gpt-image-2",
                         "size": "1536x1024", "n": 1}
    assert "response_format" not in call.raw.decode()
    assert _size(png) == (768, 512)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert renderer.usage.images == 1
    assert renderer.usage.image_output_tokens == 1056


def _file_with_reference(size: tuple[int, int] = (300, 500)) -> refcodec.GpcFile:
    picture = Image.radial_gradient("L").convert("RGB").resize(size)
    codec, check, data, _ = encode_lowres(picture)
    gpc = GpcFile(*size, (TextChunk.encode(DESCRIPTION, 1), ImageChunk(codec, check, data)))
    return refcodec.parse(refcodec.build(gpc))


def test_edit_sends_one_tuple_file(stub_server: StubServer, stub_settings: BackendSettings) -> None:
    gpc = _file_with_reference()
    request = refcodec.derive_request(gpc)
    assert request.operation == "edit"
    with Renderer(stub_settings) as renderer:
        png = renderer.render(gpc)
    (call,) = stub_server.calls("/images/edits")
    assert call.field_names.count("image") == 1
    assert "image[]" not in call.field_names
    filename, mime, sent = call.files["image"]
    assert (filename, mime) == ("reference.png", "image/png")
    decoded = lowres_pixels(gpc)
    assert decoded is not None
    assert sent == reference_png(*decoded)
    assert call.fields == {"prompt": request.prompt, "model": "gpt-image-2",
                           "size": "1024x1536", "n": "1"}
    assert "input_fidelity" not in call.fields
    assert _size(png) == (300, 500)


def test_edit_with_a_given_reference_png(
    stub_server: StubServer, stub_settings: BackendSettings
) -> None:
    reference = _png(24, 40)
    with Renderer(stub_settings) as renderer:
        renderer.render(_file_with_reference(), reference)
    (call,) = stub_server.calls("/images/edits")
    assert call.files["image"][2] == reference


def test_url_results_are_fetched() -> None:
    with StubServer(api_key=TEST_KEY, image_response="url") as server:
        with Renderer(settings_for(server)) as renderer:
            png = renderer.render(refcodec.encode(DESCRIPTION, size=(100, 100)))
        assert _size(png) == (100, 100)
        assert server.files  # the image really came from a URL


def test_response_format_only_when_configured() -> None:
    with StubServer(api_key=TEST_KEY, reject_response_format=False) as server:
        settings = settings_for(server, response_format="url")
        with Renderer(settings) as renderer:
            png = renderer.render(refcodec.encode(DESCRIPTION, size=(64, 64)))
        (call,) = server.calls("/images/generations")
        assert call.json is not None
        assert call.json["response_format"] == "url"
        assert _size(png) == (64, 64)


def test_gpt_like_server_rejects_response_format(stub_server: StubServer) -> None:
    settings = settings_for(stub_server, response_format="b64_json")
    with Renderer(settings) as renderer, pytest.raises(BackendError, match="response_format"):
        renderer.render(refcodec.encode(DESCRIPTION, size=(64, 64)))


def test_async_caption_and_render(stub_server: StubServer, stub_settings: BackendSettings) -> None:
    gpc = refcodec.encode(DESCRIPTION, size=(640, 480))

    async def both() -> tuple[str, bytes]:
        async with AsyncCaptioner(stub_settings) as captioner, \
                AsyncRenderer(stub_settings) as renderer:
            return await asyncio.gather(captioner.describe(_png(), 20), renderer.render(gpc))

    text, png = asyncio.run(both())
    assert text.startswith("Image: ")
    assert _size(png) == (640, 480)


def test_azure_client_against_the_stub(stub_server: StubServer) -> None:
    settings = BackendSettings(azure_endpoint=stub_server.root, api_version="2026-01-01",
                               api_key=TEST_KEY, caption_model="my-vision-deployment",
                               trust_env=False)
    with Captioner(settings) as captioner:
        captioner.describe(_png(), 20)
    (call,) = stub_server.calls("/chat/completions")
    assert call.path.startswith("/openai/deployments/my-vision-deployment/chat/completions")
    assert "api-version=2026-01-01" in call.path
    assert call.headers["api-key"] == TEST_KEY


# ------------------------------------------------------------------ errors
def _render_error(server: StubServer, **overrides: object) -> BackendError:
    settings = settings_for(server, **overrides)
    with Renderer(settings) as renderer, pytest.raises(BackendError) as info:
        renderer.render(refcodec.encode(DESCRIPTION, size=(64, 64)))
    message = str(info.value)
    assert "\n" not in message
    assert TEST_KEY not in message
    return info.value


def test_429_is_retried_with_retry_after(stub_server: StubServer) -> None:
    stub_server.inject("429", times=1)
    stub_server.inject("500", times=1)
    with Renderer(settings_for(stub_server, image_max_retries=2)) as renderer:
        renderer.render(refcodec.encode(DESCRIPTION, size=(64, 64)))
    calls = stub_server.calls("/images/generations")
    assert [c.headers.get("x-stainless-retry-count") for c in calls] == ["0", "1", "2"]


def test_rate_limit_reported_after_retries(stub_server: StubServer) -> None:
    stub_server.inject("429", times=5)
    error = _render_error(stub_server, image_max_retries=2)
    assert "rate limited" in str(error)
    assert len(stub_server.calls("/images")) == 3


def test_server_error_reported_after_retries(stub_server: StubServer) -> None:
    stub_server.inject("500", times=5)
    assert "server error" in str(_render_error(stub_server, image_max_retries=1))
    assert len(stub_server.calls("/images")) == 2


def test_moderation_block_is_never_retried(stub_server: StubServer) -> None:
    stub_server.inject("moderation")
    error = _render_error(stub_server, image_max_retries=3)
    assert isinstance(error, ModerationBlocked)
    assert "safety system" in str(error)
    assert "stage output" in str(error)
    assert len(stub_server.calls("/images")) == 1


def test_authentication_error(stub_server: StubServer) -> None:
    error = _render_error(stub_server, api_key="sk-wrong-key-0000000000")
    assert "authentication failed" in str(error)
    assert "sk-wrong-key" not in str(error)  # the server echoed it; it is redacted


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = BackendSettings(base_url=f"http://127.0.0.1:{port}/v1", api_key=TEST_KEY,
                               max_retries=0, trust_env=False)
    with Captioner(settings) as captioner, pytest.raises(BackendError, match="cannot connect"):
        captioner.describe(_png(), 10)


def test_timeout(stub_server: StubServer) -> None:
    stub_server.inject("slow", delay=1.0, times=2)
    error = _render_error(stub_server, image_timeout=0.2, image_max_retries=1)
    assert "timed out" in str(error)


def test_malformed_and_empty_responses(stub_server: StubServer) -> None:
    stub_server.inject("malformed")
    assert isinstance(_render_error(stub_server), MalformedResponse)
    stub_server.inject("empty")
    assert isinstance(_render_error(stub_server), MalformedResponse)


def test_no_api_key() -> None:
    with pytest.raises(BackendUnavailable, match="OPENAI_API_KEY"):
        make_client(BackendSettings(api_key=None), image=False, asynchronous=False)


def test_missing_openai_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'gpc-refcodec\[openai\]'"):
        make_client(BackendSettings(api_key=TEST_KEY), image=False, asynchronous=False)

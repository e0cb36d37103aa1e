"""The API key never appears in an output file, a log record, a message or a summary."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from PIL import Image

import refcodec
from refcodec.backends.errors import BackendError, redact
from refcodec.backends.openai_backend import Captioner, Renderer
from refcodec.backends.settings import resolve_settings
from refcodec.batch import decode_batch, encode_batch
from refcodec.cli import build_parser, cmd_encode
from tests.openai_server import TEST_KEY, StubServer, settings_for

pytest_plugins = ["tests.openai_fixtures"]
pytest.importorskip("openai", reason="the openai extra is not installed")

WRONG_KEY = "sk-proj-WRONGwrongWRONG-42424242"


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_redact() -> None:
    assert redact(f"key {TEST_KEY}!", [TEST_KEY]) == "key <redacted>!"
    assert redact("Incorrect API key provided: sk-abc123***xyz9", []) == (
        "Incorrect API key provided: <redacted>")
    assert redact("no secret here", [None, ""]) == "no secret here"


def test_settings_repr_hides_the_key() -> None:
    settings = resolve_settings(env={"OPENAI_API_KEY": TEST_KEY, "GPC_CONFIG": "/dev/null"})
    assert settings.api_key == TEST_KEY
    assert TEST_KEY not in repr(settings)
    assert TEST_KEY not in str(settings)


def test_no_key_in_outputs_logs_or_summaries(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = tmp_path / "in"
    source.mkdir()
    for i in range(3):
        Image.new("RGB", (64, 48), (60 * i, 100, 50)).save(source / f"{i}.png")
    stream = io.StringIO()
    with StubServer(api_key=TEST_KEY, image_response="url") as server:
        server.inject("moderation", path="/images")
        settings = settings_for(server)
        encoded = encode_batch(source, tmp_path / "gpc", settings, max_bytes=250, stream=stream)
        decoded = decode_batch(tmp_path / "gpc", tmp_path / "png", settings, stream=stream)
    assert decoded.count("failed") == 1
    texts = [stream.getvalue(), encoded.summary(), decoded.summary(), caplog.text,
             *(r.getMessage() for r in caplog.records), *(str(r.args) for r in caplog.records)]
    for text in texts:
        assert TEST_KEY not in text
    assert TEST_KEY.encode() not in _all_bytes(tmp_path)
    assert caplog.records  # the SDK really logged at DEBUG level


def test_no_key_in_error_messages_even_when_the_server_echoes_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with StubServer(api_key=TEST_KEY) as server:
        settings = settings_for(server, api_key=WRONG_KEY)
        with Captioner(settings) as captioner, pytest.raises(BackendError) as caption_error:
            captioner.describe(b"\x89PNG not really", 10)
        with Renderer(settings) as renderer, pytest.raises(BackendError) as render_error:
            renderer.render(refcodec.encode("Image: x.", size=(32, 32)))
        assert WRONG_KEY in server.calls("/images")[0].headers["authorization"]
    for error in (caption_error.value, render_error.value):
        assert "authentication failed" in str(error)
        assert WRONG_KEY not in str(error)
        assert WRONG_KEY not in repr(error.args)
    assert WRONG_KEY not in caplog.text


def test_no_key_in_cli_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    image = tmp_path / "a.png"
    Image.new("RGB", (40, 30)).save(image)
    with StubServer(api_key=TEST_KEY) as server:
        monkeypatch.setenv("MY_KEY", WRONG_KEY)
        monkeypatch.setenv("GPC_CONFIG", str(tmp_path / "none.toml"))
        (tmp_path / "none.toml").write_text("trust_env = false\n")
        args = build_parser().parse_args([
            "encode", str(image), "-o", str(tmp_path / "a.gpc"), "--describe", "openai",
            "--base-url", server.base_url, "--api-key-env", "MY_KEY", "--max-retries", "0"])
        with pytest.raises(BackendError) as info:
            cmd_encode(args)
    assert WRONG_KEY not in str(info.value)
    captured = capsys.readouterr()
    assert WRONG_KEY not in captured.out + captured.err
    assert not (tmp_path / "a.gpc").exists()

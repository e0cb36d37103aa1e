"""Batch encode/decode: bounded concurrency, failures collected, atomic outputs, resume."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

import refcodec
from refcodec.batch import decode_batch, encode_batch, list_inputs
from tests.openai_server import TEST_KEY, StubServer, settings_for

pytest_plugins = ["tests.openai_fixtures"]
pytest.importorskip("openai", reason="the openai extra is not installed")


def _images(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        size = (64 + 16 * i, 48 + 8 * (i % 3))
        Image.new("RGB", size, (40 * i % 256, 90, 200 - 10 * i)).save(folder / f"im{i:02d}.png")
    (folder / "notes.txt").write_text("not an image")
    return folder


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".part")]


def test_encode_then_decode_a_folder(tmp_path: Path) -> None:
    source = _images(tmp_path / "in", 6)
    with StubServer(api_key=TEST_KEY, latency=0.05) as server:
        settings = settings_for(server, concurrency=3)
        stream = io.StringIO()
        report = encode_batch(source, tmp_path / "gpc", settings, max_bytes=300, stream=stream)
        assert (report.count("done"), report.count("failed")) == (6, 0)
        assert 1 < server.max_in_flight <= 3
        for item in report.items:
            gpc = refcodec.read(item.output)
            with Image.open(item.source) as image:
                assert (gpc.width, gpc.height) == image.size
            assert item.output.stat().st_size <= 300
        assert stream.getvalue().count("done") == 6  # plain lines: not a terminal

        decoded = decode_batch(tmp_path / "gpc", tmp_path / "png", settings, progress=False)
        assert decoded.count("done") == 6, decoded.summary()
        for item in decoded.items:
            gpc = refcodec.read(item.source)
            with Image.open(item.output) as image:
                assert image.size == (gpc.width, gpc.height)
        summary = decoded.summary()
        for label in ("items", "done", "skipped", "failed", "bpp (all bits", "API usage", "cost"):
            assert label in summary
        assert decoded.usage.images == 6


def test_failures_are_collected_and_the_batch_goes_on(tmp_path: Path) -> None:
    source = _images(tmp_path / "in", 5)
    with StubServer(api_key=TEST_KEY) as server:
        server.inject("moderation", path="/chat", times=1)
        server.inject("500", path="/chat", times=4)  # two items, two attempts each
        settings = settings_for(server, concurrency=1, max_retries=1)
        report = encode_batch(source, tmp_path / "gpc", settings, progress=False)
    assert (report.count("failed"), report.count("done")) == (3, 2)
    for item in report.failed:
        assert not item.output.exists()
        assert "\n" not in item.message
    assert any("safety system" in i.message for i in report.failed)
    assert "FAILED" in report.summary()
    assert _leftovers(tmp_path) == []


def test_resume_skips_valid_outputs_and_redoes_broken_ones(tmp_path: Path) -> None:
    source = _images(tmp_path / "in", 4)
    out = tmp_path / "gpc"
    with StubServer(api_key=TEST_KEY) as server:
        settings = settings_for(server)
        encode_batch(source, out, settings, progress=False)
        (out / "im01.gpc").write_bytes(b"GPC broken")
        (out / "im02.gpc").unlink()
        before = len(server.calls("/chat"))
        report = encode_batch(source, out, settings, progress=False, resume=True)
        assert len(server.calls("/chat")) - before == 2
    assert (report.count("skipped"), report.count("done")) == (2, 2)
    assert refcodec.read(out / "im01.gpc").width == 80


def test_resume_redoes_outputs_over_the_new_budget(tmp_path: Path) -> None:
    source = _images(tmp_path / "in", 2)
    with StubServer(api_key=TEST_KEY) as server:
        settings = settings_for(server)
        first = encode_batch(source, tmp_path / "gpc", settings, progress=False,
                             word_budget=300)
        budget = min(i.file_bytes for i in first.items) - 1
        report = encode_batch(source, tmp_path / "gpc", settings, progress=False,
                              resume=True, max_bytes=budget)
    assert report.count("done") == 2
    assert all(i.file_bytes <= budget for i in report.items)


def test_list_inputs_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b/z.png", "a.JPG", ".hidden/x.png", "c.txt"):
        (tmp_path / name).write_bytes(b"")
    found = list_inputs(tmp_path, frozenset({".png", ".jpg"}))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.JPG", "b/z.png"]


def test_no_api_key_fails_before_any_item(tmp_path: Path) -> None:
    source = _images(tmp_path / "in", 1)
    with StubServer(api_key=TEST_KEY) as server:
        settings = settings_for(server, api_key=None)
        with pytest.raises(refcodec.BackendUnavailable, match="API key"):
            encode_batch(source, tmp_path / "gpc", settings, progress=False)

"""``gpc encode`` / ``gpc decode`` with a captioner, a renderer, a byte budget or folders:
the command functions on the real parser, against the local OpenAI-compatible server."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from PIL import Image

import refcodec
from refcodec.cli import build_parser, cmd_decode, cmd_encode
from refcodec.errors import UsageError
from refcodec.ratecontrol import RateError
from tests.openai_server import StubServer

pytest.importorskip("openai", reason="the openai extra is not installed")


def _parser() -> argparse.ArgumentParser:
    return build_parser()


run_encode, run_decode = cmd_encode, cmd_decode


pytest_plugins = ["tests.openai_fixtures"]


@pytest.fixture
def server(env_server: StubServer) -> StubServer:
    return env_server


def _image(path: Path, size: tuple[int, int] = (96, 64)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.linear_gradient("L").convert("RGB").resize(size).save(path)
    return path


def test_encode_describe_with_budget_then_decode(
    server: StubServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = _image(tmp_path / "a.png")
    args = _parser().parse_args([
        "encode", "--lowres=none", str(image), "-o", str(tmp_path / "a.gpc"),
        "--describe", "openai", "--max-bytes", "220",
        "--caption-model", "my-vlm", "--meta", "source=a.png"])
    assert run_encode(args) == 0
    data = (tmp_path / "a.gpc").read_bytes()
    assert len(data) <= 220
    assert refcodec.parse(data).meta == {"source": "a.png"}
    assert server.calls("/chat")[0].json["model"] == "my-vlm"  # type: ignore[index]
    assert "bytes, 96x64" in capsys.readouterr().out

    args = _parser().parse_args(["decode", str(tmp_path / "a.gpc"), "-o",
                                 str(tmp_path / "a.png.out"), "--renderer", "openai",
                                 "--image-model", "my-diffusion"])
    assert run_decode(args) == 0
    with Image.open(tmp_path / "a.png.out") as out:
        assert out.size == (96, 64)
    assert server.calls("/images")[0].json["model"] == "my-diffusion"  # type: ignore[index]


def test_reference_image_counts_against_the_budget(server: StubServer, tmp_path: Path) -> None:
    image = _image(tmp_path / "a.png", (320, 240))
    parser = _parser()
    args = parser.parse_args(["encode", str(image), "-o", str(tmp_path / "a.gpc"),
                              "--describe", "openai", "--max-bytes", "300", "--lowres", "auto",
                              "--lowres-bytes", "80"])
    assert run_encode(args) == 0
    gpc = refcodec.read(tmp_path / "a.gpc")
    assert gpc.image_chunk is not None
    assert (tmp_path / "a.gpc").stat().st_size <= 300
    args = parser.parse_args(["decode", str(tmp_path / "a.gpc"), "-o", str(tmp_path / "o.png"),
                              "--renderer", "openai"])
    assert run_decode(args) == 0
    (call,) = server.calls("/images/edits")
    assert call.fields["prompt"] == refcodec.derive_request(gpc).prompt
    args = parser.parse_args(["encode", str(image), "-o", str(tmp_path / "b.gpc"),
                              "--text", "Image: x.", "--max-bytes", "40", "--lowres", "auto",
                              "--lowres-bytes", "80"])
    with pytest.raises(RateError, match="cannot fit in 40 bytes"):
        run_encode(args)


def test_given_text_is_trimmed_to_target_bpp(server: StubServer, tmp_path: Path) -> None:
    image = _image(tmp_path / "a.png", (400, 300))
    text = "Image: photo; landscape.\nTop: " + "; ".join(f"item {i} blue" for i in range(80))
    args = _parser().parse_args([
        "encode", "--lowres=none", str(image), "-o", str(tmp_path / "a.gpc"),
        "--text", text, "--target-bpp", "0.01"])
    assert run_encode(args) == 0
    gpc = refcodec.read(tmp_path / "a.gpc")
    assert (tmp_path / "a.gpc").stat().st_size <= 150  # 0.01 * 400 * 300 / 8
    assert text.startswith(gpc.text.rstrip("."))
    assert server.requests == []


def test_folders(server: StubServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("x/1.png", "x/sub/2.png"):
        _image(tmp_path / name)
    parser = _parser()
    args = parser.parse_args([
        "encode", "--lowres=none", str(tmp_path / "x"), "-o", str(tmp_path / "g"),
        "--describe", "openai", "--concurrency", "2"])
    assert run_encode(args) == 0
    assert sorted(p.relative_to(tmp_path / "g").as_posix()
                  for p in (tmp_path / "g").rglob("*.gpc")) == ["1.gpc", "sub/2.gpc"]
    args = parser.parse_args(["decode", str(tmp_path / "g"), "-o", str(tmp_path / "p"),
                              "--renderer", "openai", "--resume"])
    assert run_decode(args) == 0
    assert (tmp_path / "p" / "sub" / "2.png").is_file()
    server.inject("moderation", path="/images")
    (tmp_path / "p" / "1.png").unlink()
    assert run_decode(args) == 1  # one failure: exit status 1, the other item skipped
    out = capsys.readouterr().out
    assert "FAILED" in out
    assert re.search(r"skipped +1\n", out)


@pytest.mark.parametrize(("argv", "match"), [
    (["encode", "IMG", "-o", "o.gpc"], "--describe openai"),
    (["encode", "IMG", "-o", "o.gpc", "--describe", "openai", "--text", "x"], "drop --text"),
    (["encode", "DIR", "-o", "out", "--text", "x"], "put NAME.txt beside each image"),
    (["decode", "DIR", "-o", "out", "--request-only"], "no .gpc files under"),
])
def test_usage_errors(tmp_path: Path, argv: list[str], match: str,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("RGB", (8, 8)).save(tmp_path / "IMG", format="PNG")
    (tmp_path / "DIR").mkdir()
    monkeypatch.chdir(tmp_path)
    args = _parser().parse_args(argv)
    run = run_encode if argv[0] == "encode" else run_decode
    with pytest.raises(UsageError, match=match):
        run(args)


def test_bad_flag_values() -> None:
    with pytest.raises(SystemExit):  # argparse: the decode modes exclude each other
        _parser().parse_args(["decode", "F.gpc", "-o", "out", "--renderer", "openai",
                              "--request-only"])
    with pytest.raises(SystemExit):
        _parser().parse_args([
        "encode", "--lowres=none", "a", "-o", "b", "--max-bytes", "0"])
    with pytest.raises(SystemExit):
        _parser().parse_args([
        "encode", "--lowres=none", "a", "-o", "b", "--max-bytes", "9", "--target-bpp",
        "0.1"])

"""The gpc command, run as a subprocess exactly as users run it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import refcodec
from tests import samples


def gpc(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "refcodec", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, check=False, timeout=120)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.new("RGB", (768, 512), (200, 30, 30)).save(path)
    return path


def test_encode_portable_text_codec(tmp_path: Path, photo: Path) -> None:
    """Spec §15: --text-codec portable keeps to the 1.0 codecs (no ppm1.bin to read it)."""
    out = tmp_path / "p.gpc"
    run = gpc("encode", photo, "-o", out, "--text", samples.DETAILED, "--lowres", "none",
              "--text-codec", "portable")
    assert run.returncode == 0, run.stderr
    info = json.loads(gpc("info", out, "--json").stdout)
    assert info["spec_version"] == "1.0"
    assert info["text_codec"] in ("stored", "deflate", "brotli")


def test_encode_info_validate_decode(tmp_path: Path, photo: Path) -> None:
    text = tmp_path / "d.txt"
    text.write_text(samples.DETAILED + "\n", encoding="utf-8")
    out = tmp_path / "a.gpc"
    run = gpc("encode", photo, "-o", out, "--text-file", text, "--lowres", "none")
    assert run.returncode == 0, run.stderr
    assert f"{out}: {out.stat().st_size} bytes, 768x512" in run.stdout

    info = json.loads(gpc("info", out, "--json").stdout)
    assert info["spec_version"] == "1.1"  # the text model codec is a 1.1 feature (VER-4)
    assert (info["width"], info["height"], info["template_id"]) == (768, 512, 1)
    assert info["file_size"] == out.stat().st_size
    assert info["text"] == samples.DETAILED  # the final newline of the file is dropped
    assert [c["type"] for c in info["chunks"]] == ["text"]
    assert info["container_overhead_bytes"] == info["file_size"] - info["chunks"][0]["payload_size"]
    assert info["container_overhead_bytes"] == 13  # the coded text is under 128 bytes

    human = gpc("info", out)
    assert human.returncode == 0
    assert "raster-scan-v1" in human.stdout

    assert gpc("validate", out).returncode == 0

    request = tmp_path / "r.json"
    run = gpc("decode", out, "--request-only", "-o", request)
    assert run.returncode == 0, run.stderr
    expected = refcodec.derive_request(refcodec.read(out)).to_json()
    assert request.read_bytes() == expected


def test_encode_text_template_codec_and_meta(tmp_path: Path, photo: Path) -> None:
    out = tmp_path / "b.gpc"
    run = gpc("encode", photo, "-o", out, "--text", "a red square", "--template", "verbatim",
              "--text-codec", "brotli", "--meta", "encoder=test", "--meta", "created=2026",
              "--lowres", "none")
    assert run.returncode == 0, run.stderr
    gpc_file = refcodec.read(out)
    assert gpc_file.template == 0
    assert gpc_file.text_chunk.codec == 2
    assert gpc_file.meta == {"created": "2026", "encoder": "test"}


def test_validate_many_files_and_folders_json(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.gpc").write_bytes(samples.text_only())
    (folder / "sub" / "bad.gpc").write_bytes(samples.text_only()[:-1])
    (folder / "ignored.txt").write_text("not looked at")
    extra = tmp_path / "extra.gpc"
    extra.write_bytes(samples.explicit_size())
    run = gpc("validate", "--json", folder, extra)
    assert run.returncode == 1
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(Path(r["path"]).name, r["valid"]) for r in lines] == [
        ("good.gpc", True), ("bad.gpc", False), ("extra.gpc", True)]
    assert lines[1]["clause"] == "INT-1"
    assert "CRC-32 mismatch" in lines[1]["message"]
    assert gpc("validate", folder / "good.gpc", extra).returncode == 0


def test_validate_reports_clause_in_plain_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gpc"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    run = gpc("validate", bad)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{bad}: INVALID [SIG-1] not a GPC file: signature 89 50 4e 47 is not 89 47 50 43",
        "1 file(s): 0 valid, 1 invalid, 0 unchecked"]


@pytest.mark.parametrize("args", [
    ("validate",), ("encode", "x.png"), ("info",), ("bogus",),
    ("encode", "x.png", "-o", "y", "--text", "t", "--lowres", "avif"),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    run = gpc(*args)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("make_args", [
    lambda p, d: ("info", d / "missing.gpc"),
    lambda p, d: ("info", d),
    lambda p, d: ("decode", d / "missing.gpc", "--request-only", "-o", d / "r.json"),
    lambda p, d: ("encode", d / "missing.png", "-o", d / "o.gpc", "--text", "t"),
    lambda p, d: ("encode", p, "-o", d / "o.gpc", "--text-file", d / "missing.txt"),
    lambda p, d: ("encode", p, "-o", d, "--text", "t"),
    lambda p, d: ("encode", p, "-o", d / "o.gpc", "--text", "bad\x07char"),
    lambda p, d: ("encode", p, "-o", d / "o.gpc", "--text", "t", "--meta", "BAD=x"),
])
def test_failures_are_one_line_without_traceback(tmp_path: Path, photo: Path, make_args) -> None:  # type: ignore[no-untyped-def]
    run = gpc(*make_args(photo, tmp_path))
    assert run.returncode in (1, 2)
    assert run.stderr.startswith("gpc: error: "), run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert not (tmp_path / "o.gpc").exists()


def test_info_of_invalid_file_names_clause(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gpc"
    bad.write_bytes(samples.text_only()[:-3])
    run = gpc("info", bad)
    assert run.returncode == 1
    assert "[INT-1]" in run.stderr


def test_decode_request_to_stdout(tmp_path: Path) -> None:
    path = tmp_path / "a.gpc"
    path.write_bytes(samples.explicit_size())
    run = gpc("decode", path, "--request-only", "-o", "-")
    assert run.returncode == 0
    assert json.loads(run.stdout)["prompt"] == samples.CONCISE


SAMPLE = Path(refcodec.__file__).parent / "data" / "samples" / "kodim23.png"


@pytest.mark.parametrize("codec", ["avif", "webp", "png"])
def test_multimodal_encode_and_lowres_outputs(tmp_path: Path, codec: str) -> None:
    out = tmp_path / "m.gpc"
    run = gpc("encode", SAMPLE, "-o", out, "--text", "Image: two macaws.", "--lowres", codec,
              "--lowres-psnr", "24")
    assert run.returncode == 0, run.stderr
    gpc_file = refcodec.read(out)
    assert gpc_file.image_chunk is not None
    assert (gpc_file.version, gpc_file.read_version) == (0x11, 0x11)  # VER-4
    low, full = tmp_path / "low.png", tmp_path / "full.png"
    assert gpc("decode", out, "--lowres-only", "-o", low).returncode == 0
    assert gpc("decode", out, "--renderer", "preview", "-o", full).returncode == 0
    with Image.open(low) as image:
        assert image.size == (96, 64)
        pixels = image.convert("RGB").tobytes()
    with Image.open(full) as image:
        assert image.size == (768, 512)
    request = json.loads(gpc("decode", out, "--request-only", "-o", "-").stdout)
    assert request["operation"] == "edit"
    assert request["reference_image"]["pixels_sha256"] == hashlib.sha256(pixels).hexdigest()


def test_lowres_byte_budget_and_default_codec(tmp_path: Path) -> None:
    out = tmp_path / "m.gpc"
    run = gpc("encode", SAMPLE, "-o", out, "--text", "x", "--lowres-bytes", "300")
    assert run.returncode == 0, run.stderr
    chunk = refcodec.read(out).image_chunk
    assert chunk is not None
    assert len(chunk.data) <= 300
    assert chunk.codec == 3  # avif, the best codec this Pillow has


def test_lowres_modes_need_an_image_chunk(tmp_path: Path) -> None:
    path = tmp_path / "t.gpc"
    path.write_bytes(samples.text_only())
    run = gpc("decode", path, "--lowres-only", "-o", tmp_path / "low.png")
    assert run.returncode == 2
    assert "no reference image" in run.stderr
    assert not (tmp_path / "low.png").exists()


WITHOUT_NEURAL = """
import sys
class Block:
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "compressai"):
            raise ImportError(name)
sys.meta_path.insert(0, Block())
from refcodec.cli import main
sys.exit(main(sys.argv[1:]))
"""
CONFORMANCE = Path(__file__).resolve().parent.parent / "conformance" / "cases"


def test_files_of_other_codecs_need_no_neural_extra(tmp_path: Path) -> None:
    neural = CONFORMANCE / "v-lowres-msillm-test-1024" / "input.gpc"
    avif = CONFORMANCE / "v-lowres-avif-1024" / "input.gpc"
    run = subprocess.run([sys.executable, "-c", WITHOUT_NEURAL, "validate", str(avif),
                          str(neural)], capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 3  # undecided: neither valid nor invalid
    lines = run.stdout.splitlines()
    assert lines[0] == f"{avif}: ok"
    assert lines[1].startswith(f"{neural}: UNCHECKED cannot check: ")
    assert "pip install 'gpc-refcodec[neural]'" in lines[1]
    request = tmp_path / "request.json"
    run = subprocess.run([sys.executable, "-c", WITHOUT_NEURAL, "decode", str(neural),
                          "--request-only", "-o", str(request)], capture_output=True, text=True,
                         check=False, timeout=120)
    assert run.returncode == 3, run.stderr
    assert run.stderr.startswith("gpc: undecided: ")
    assert not request.exists()
    low = tmp_path / "low.png"
    run = subprocess.run([sys.executable, "-c", WITHOUT_NEURAL, "decode", str(avif),
                          "--lowres-only", "-o", str(low)], capture_output=True, text=True,
                         check=False, timeout=120)
    assert run.returncode == 0, run.stderr
    assert low.exists()


def test_version_flag() -> None:
    run = gpc("--version")
    assert run.returncode == 0
    assert "GPC spec 1.2" in run.stdout


def test_preview_of_a_huge_header_is_capped(tmp_path: Path) -> None:
    """``--renderer preview`` of a 16384 x 16384 header draws at most 2048 px on the longer
    side (a full-size card is a gigabyte of pixels), keeping the aspect ratio."""
    case = Path(__file__).resolve().parent.parent / "conformance/cases/v-max-dimensions-16384"
    out = tmp_path / "view.png"
    run = gpc("decode", case / "input.gpc", "--renderer", "preview", "-o", out)
    assert run.returncode == 0, run.stderr
    with Image.open(out) as image:
        assert image.size == (2048, 2048)


def test_folder_listing_is_sorted_depth_first_and_skips_what_is_not_a_file(
        tmp_path: Path) -> None:
    """``gpc validate DIR`` lists with os.scandir: the order os.walk gave (a folder's files,
    sorted, then its subfolders, sorted), links to files followed, links to folders not,
    FIFOs and dangling links set aside."""
    import os

    from refcodec.cli import _iter_paths

    data = refcodec.build(refcodec.encode("Image: a cat.", size=(64, 64)))
    for rel in ("z.gpc", "a/1.gpc", "b/c/2.gpc", "b/0.gpc", "d.gpc/in.gpc", "a/notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "link").symlink_to(tmp_path / "b")
    (tmp_path / "l.gpc").symlink_to(tmp_path / "z.gpc")
    (tmp_path / "broken.gpc").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "f.gpc")
    skipped: list[str] = []
    found = list(_iter_paths([str(tmp_path), "named.gpc"], skipped))
    assert [os.path.relpath(p, tmp_path) for p in found[:-1]] == [
        "l.gpc", "z.gpc", "a/1.gpc", "b/0.gpc", "b/c/2.gpc", "d.gpc/in.gpc"]
    assert found[-1] == "named.gpc"
    assert sorted(os.path.basename(p) for p in skipped) == ["broken.gpc", "f.gpc"]

"""Photo collections as users have them: folder mode that never loses or hides anything,
viewing without a model (folder decode, Pillow plugin, contact sheet) and the reading
tools (validate, info, parse/read)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image

import refcodec
from refcodec.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "conformance" / "cases"
PHOTO = resources.files("refcodec").joinpath("data/samples/kodim23.png")


def _photos(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(str(PHOTO)) as image:
        small = image.convert("RGB").resize((96, 64))
    for name in names:
        small.save(folder / name)


def test_clashing_outputs_are_refused_before_any_work(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in"
    _photos(source, ["a.jpg", "a.png", "b.png"])
    for name in ("a", "b"):
        (source / f"{name}.txt").write_text("Image: a macaw.")
    out = tmp_path / "out"
    assert main(["encode", str(source), "-o", str(out), "--lowres", "none"]) == 2
    err = capsys.readouterr().err
    assert "a.jpg" in err and "a.png" in err  # noqa: PT018 - one message names both
    assert not out.exists() or not any(out.iterdir())


def test_folder_mode_offline_with_sidecars_counts_everything(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in"
    _photos(source, ["a.png", "b.jpg", "c.png"])
    (source / "a.txt").write_text("Image: a macaw.")
    (source / "b.txt").write_text("Image: another macaw.")
    (source / "notes.md").write_text("not an image")
    (source / ".hidden.png").write_bytes(b"")
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        code = main(["encode", str(source), "-o", str(out), "--lowres", "png"])
    finally:
        os.umask(old)
    report = capsys.readouterr()
    assert code == 1  # c.png has no description
    assert "c.txt is missing" in report.out
    assert re.search(r"ignored: hidden file +1\n", report.out)
    assert re.search(r"ignored: not an input \(\.md\) +1\n", report.out)
    assert sorted(p.name for p in out.iterdir()) == ["a.gpc", "b.gpc"]
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        assert refcodec.read(path).text.startswith("Image:")


def test_output_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _photos(tmp_path / "in", ["a.png"])
    (tmp_path / "in" / "a.txt").write_text("Image: x.")
    assert main(["encode", str(tmp_path / "in"), "-o", str(tmp_path / "x.gpc")]) == 2
    assert "looks like a file name" in capsys.readouterr().err
    assert not (tmp_path / "x.gpc").exists()
    assert main(["encode", str(tmp_path / "in" / "a.png"), "-o",
                 str(tmp_path / "missing" / "a.gpc"), "--text", "Image: x."]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert ".part" not in err
    assert main(["encode", str(tmp_path / "in"), "-o", str(tmp_path / "o"),
                 "--text", "Image: x."]) == 2
    assert "NAME.txt" in capsys.readouterr().err
    assert main(["encode", str(tmp_path / "in" / "a.png"), "-o", str(tmp_path / "a.gpc"),
                 "--text", "Image: x.", "--lowres", "none", "--lowres-bytes", "100"]) == 2
    assert "--lowres-bytes" in capsys.readouterr().err


def test_single_file_output_is_0644(tmp_path: Path) -> None:
    _photos(tmp_path, ["a.png"])
    old = os.umask(0o022)
    try:
        assert main(["encode", str(tmp_path / "a.png"), "-o", str(tmp_path / "a.gpc"),
                     "--text", "Image: x.", "--lowres", "none"]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.gpc").stat().st_mode) == 0o644


def _suite_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "gpc"
    folder.mkdir()
    for name in ("v-lowres-avif-1024", "v-raster-stored-768x512", "v-prompt-injection-text",
                 "v-unicode-text", "x-img-3-png-check-mismatch"):
        shutil.copy(CASES / name / "input.gpc", folder / f"{name}.gpc")
    return folder


@pytest.mark.parametrize("mode", ["--request-only", "--lowres-only", "preview"])
def test_decode_folder_without_a_model(mode: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = _suite_copy(tmp_path)
    flags = ["--renderer", "preview"] if mode == "preview" else [mode]
    code = main(["decode", str(folder), "-o", str(tmp_path / "out"), *flags])
    out = capsys.readouterr().out
    assert code == 1  # the must-reject case fails, with its clause
    assert "[IMG-3]" in out
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    if mode == "--lowres-only":
        assert written == ["v-lowres-avif-1024.png"]
        assert "3 skipped" in out
    else:
        assert len(written) == 4
    if mode == "preview":
        with Image.open(tmp_path / "out" / "v-raster-stored-768x512.png") as image:
            assert image.size == (768, 512)  # the placeholder card


def test_pillow_plugin_opens_every_valid_case(monkeypatch: pytest.MonkeyPatch) -> None:
    import refcodec.pillow_plugin

    for path in sorted(CASES.glob("v-*/input.gpc")):
        gpc = refcodec.read(path)
        if gpc.width * gpc.height > Image.MAX_IMAGE_PIXELS:  # type: ignore[operator]
            monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
            with Image.open(path) as image:  # header and description only: 805 MB to load
                assert image.size == (gpc.width, gpc.height)
            monkeypatch.undo()
            continue
        with Image.open(path) as image:
            assert image.format == "GPC"
            assert image.size == (gpc.width, gpc.height)
            assert image.info["description"] == gpc.text
            image.load()
            assert image.mode == "RGB"
            assert image.tobytes() == refcodec.preview(gpc).tobytes()  # type: ignore[attr-defined]


def test_validate_and_info_of_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["validate", str(tmp_path / "empty")]) == 2
    assert "no .gpc files" in capsys.readouterr().err
    folder = _suite_copy(tmp_path)
    assert main(["validate", str(folder)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "5 file(s): 4 valid, 1 invalid, 0 unchecked"
    assert main(["info", str(folder / "v-lowres-avif-1024.gpc"),
                 str(folder / "v-raster-stored-768x512.gpc")]) == 0
    out = capsys.readouterr().out
    assert "reference image: avif (codec 3), 128x128" in out
    assert "reference image: none" in out
    assert main(["info", str(folder), "--json"]) == 1
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 5
    assert items[0]["reference_image"]["codec"] == "avif"
    assert items[-1]["clause"] == "IMG-3"
    assert main(["info", str(tmp_path / "nothing.gpc"), "--json"]) == 1
    assert "cannot read" in json.loads(capsys.readouterr().out)["error"]


def test_parse_takes_bytes_and_read_takes_paths_and_files() -> None:
    path = CASES / "v-lowres-avif-1024" / "input.gpc"
    with pytest.raises(TypeError, match=r"use refcodec\.read"):
        refcodec.parse(path)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes-like"):
        refcodec.parse("input.gpc")  # type: ignore[arg-type]
    with path.open("rb") as handle:
        assert refcodec.read(handle) == refcodec.read(path)
    with pytest.raises(TypeError, match="binary mode"), path.open() as text:
        refcodec.read(text)  # type: ignore[arg-type]
    assert refcodec.parse(memoryview(path.read_bytes())) == refcodec.read(path)
    assert callable(refcodec.lowres_chunk)


def test_batch_bpp_is_total_bits_over_total_pixels() -> None:
    from refcodec.backends.settings import BackendSettings
    from refcodec.batch import BatchReport, ItemResult

    report = BatchReport("encode", BackendSettings(), uses_api=False)
    report.items = [ItemResult(Path("a"), Path("a.gpc"), "done", 100, 100),
                    ItemResult(Path("b"), Path("b.gpc"), "done", 100, 10000)]
    assert "0.158416" in report.summary()  # 1600 bits / 10100 pixels, not mean(8, 0.08)


def test_contact_sheet_in_headless_chromium(tmp_path: Path) -> None:
    folder = _suite_copy(tmp_path)
    sheet = tmp_path / "sheet.html"
    assert main(["sheet", str(folder), "-o", str(sheet), "--title", "suite"]) == 0
    page = sheet.read_text("utf-8")
    assert "data:image/png;base64," in page
    assert "http://" not in page.replace("http-equiv", "")
    assert "&lt;U+202E&gt;" in page or "&lt;U+200B&gt;" in page  # controls made visible
    assert "[IMG-3]" in page
    assert "<script" not in page
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium is absent: the screenshot check needs it")
    shot = tmp_path / "sheet.png"
    profile = tmp_path / "profile"
    subprocess.run([str(chromium), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", f"--screenshot={shot}",
                    "--window-size=1280,900", sheet.as_uri()],
                   check=True, capture_output=True, timeout=120)
    with Image.open(shot) as image:
        assert image.size == (1280, 900)
        colours = image.convert("RGB").getcolors(1 << 20)
        assert colours is not None
        assert len(colours) > 200  # photos and text, not a blank page
    if os.environ.get("GPC_KEEP_SHEET"):
        shutil.copy(shot, os.environ["GPC_KEEP_SHEET"])

"""``gpc eval`` (refcodec/evaluate/): modes, numbers, report files, resume, shards, the
learned metrics through piq's real loading code on tiny stand-in weights, and the report
page opened in headless Chromium."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from refcodec.cli import main
from refcodec.evaluate import metrics as m
from refcodec.evaluate.report import visible
from tests.openai_server import StubServer

pytest_plugins = ["tests.openai_fixtures"]

SAMPLES = Path(__file__).resolve().parent.parent / "refcodec" / "data" / "samples"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def empty_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No weights anywhere: TORCH_HOME and HOME point at empty folders."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    return home


def _photos(folder: Path, count: int, size: tuple[int, int] = (64, 48)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"p{i}.png"
        image = Image.effect_mandelbrot(size, (-2 + i * 0.1, -1.2, 1, 1.2), 40 + i)
        Image.merge("RGB", (image, image.rotate(90 * i), image.transpose(0))).save(path)
        path.with_suffix(".txt").write_text(f"Image: fractal number {i}.\nTop: dark.\n")
        paths.append(path)
    return paths


def _results(report: Path) -> dict:
    return json.loads((report / "results.json").read_text("utf-8"))


def test_psnr_of_an_image_against_itself_is_capped_as_documented() -> None:
    image = Image.new("RGB", (8, 8), (10, 200, 30))
    assert m.psnr(image, image) == (m.PSNR_CAP_DB, True)
    other = image.copy()
    other.putpixel((0, 0), (11, 200, 30))
    value, capped = m.psnr(image, other)
    assert not capped
    assert 60 < value < m.PSNR_CAP_DB


def test_frechet_distance_matches_piq_fid() -> None:
    piq = pytest.importorskip("piq", reason="the eval extra (piq) is not installed")
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(40, 12, generator=generator, dtype=torch.float64)
    y = torch.randn(30, 12, generator=generator, dtype=torch.float64) * 1.5 + 0.3
    assert m.frechet_distance(x, y) == pytest.approx(float(piq.FID()(x, y)), rel=1e-3)
    few = torch.randn(3, 2048, generator=generator, dtype=torch.float64)
    assert m.frechet_distance(few, few) == pytest.approx(0.0, abs=1e-6)


def test_descriptions_show_control_and_bidi_characters_escaped() -> None:
    shown = visible("a <b>&\u202eevil\u200b\x07\nline")
    assert "&lt;b&gt;&amp;" in shown
    assert "&lt;U+202E&gt;" in shown
    assert "&lt;U+200B&gt;" in shown
    assert "&lt;U+0007&gt;" in shown
    assert "\u202e" not in shown
    assert "\nline" in shown


def test_eval_samples_offline_writes_report_and_exact_bpp(
        tmp_path: Path, empty_caches: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report"
    assert main(["eval", str(SAMPLES), "--renderer", "preview", "-o", str(report),
                 "--limit", "1"]) == 0
    out = capsys.readouterr()
    assert "gpc-concise+avif" in out.out
    assert "not available" in out.err
    has_piq = importlib.util.find_spec("piq") is not None  # MS-SSIM and learned metrics
    for name in ("index.html", "results.json", "results.csv", "rd-psnr.png", "rd-psnr.svg",
                 *(("rd-ms_ssim.png", "rd-ms_ssim.svg") if has_piq else ())):
        assert (report / name).stat().st_size > 0, name
    results = _results(report)
    item = results["items"][0]
    assert item["description_source"] == "description corpus"
    modes = item["modes"]
    assert {"gpc-detailed", "gpc-concise", "jpeg-q1"} <= set(modes)
    for row in modes.values():
        assert row["status"] == "done"
        size = (report / row["file"]).stat().st_size
        assert row["file_bytes"] == size
        assert row["bpp"] == size * 8 / item["pixels"]
        if row["family"] == "gpc":
            assert row["text_payload_bytes"] + row["reference_payload_bytes"] + \
                row["container_bytes"] == size
    assert modes["gpc-detailed"]["metrics"]["psnr"].startswith("not available")
    assert isinstance(modes["gpc-concise+avif"]["metrics"]["psnr"], float)
    for name in ("lpips", "dists", "clip_similarity", "clip_iqa", "inception_features"):
        reason = results["metrics_unavailable"][name]
        assert ("weights absent" if has_piq else "needs piq") in reason
    assert results["set_metrics"]["jpeg-q1"]["fid"].startswith("not available")
    assert results["library_versions"]["pillow"] != "not installed"
    with (report / "results.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(modes)
    assert all(float(r["bpp"]) > 0 for r in rows)
    page = (report / "index.html").read_text("utf-8")
    assert page.count("data:image/") >= len(modes) + 1
    assert "<script" not in page


def test_eval_resume_skips_finished_images_and_redoes_the_missing(
        tmp_path: Path, empty_caches: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _photos(tmp_path / "in", 3)
    report = tmp_path / "r"
    args = ["eval", str(tmp_path / "in"), "-o", str(report), "--lowres", "png",
            "--no-baselines", "--metrics", "--concurrency", "2"]
    assert main(args) == 0
    items = sorted((report / "items").glob("*.json"))
    assert len(items) == 3
    stamps = {p.name: p.stat().st_mtime_ns for p in items}
    items[1].unlink()  # as if killed before this image was finished
    capsys.readouterr()
    assert main([*args, "--resume"]) == 0
    err = capsys.readouterr().err
    assert err.count("skipped (resume)") == 2
    assert err.count("] done ") == 1
    after = {p.name: p.stat().st_mtime_ns for p in sorted((report / "items").glob("*.json"))}
    assert len(after) == 3
    assert sum(after[k] == v for k, v in stamps.items() if k in after) == 2
    assert len(_results(report)["items"]) == 3
    # other settings: nothing is reused
    capsys.readouterr()
    assert main([*args, "--resume", "--max-bytes", "200"]) == 0
    assert "skipped" not in capsys.readouterr().err


def test_eval_shards_partition_the_images(tmp_path: Path, empty_caches: Path) -> None:
    _photos(tmp_path / "in", 5)
    seen = []
    for k in range(2):
        report = tmp_path / f"r{k}"
        assert main(["eval", str(tmp_path / "in"), "-o", str(report), "--shard", f"{k}/2",
                     "--lowres", "png", "--no-baselines", "--metrics"]) in (0, 2)
        if (report / "results.json").is_file():
            seen += [i["image"] for i in _results(report)["items"]]
    assert sorted(seen) == [f"p{i}.png" for i in range(5)]


def test_eval_renders_with_openai_and_estimates_cost_first(
        tmp_path: Path, empty_caches: Path, env_server: StubServer,
        capsys: pytest.CaptureFixture[str]) -> None:
    server = env_server
    _photos(tmp_path / "in", 2)
    assert main(["eval", str(tmp_path / "in"), "-o", str(tmp_path / "r"),
                 "--renderer", "openai", "--lowres", "png", "--no-baselines",
                 "--metrics"]) == 0
    err = capsys.readouterr().err
    assert "cost estimate before starting: 0 caption call(s), 6 image call(s)" in err
    assert len(server.calls("/images/generations")) == 4
    assert len(server.calls("/images/edits")) == 2
    assert main(["eval", str(tmp_path / "in"), "-o", str(tmp_path / "r2"),
                 "--renderer", "openai", "--max-cost", "0.001", "--metrics"]) == 2
    assert len(server.calls("/images/")) == 6  # nothing spent over the limit
    results = _results(tmp_path / "r")
    for item in results["items"]:
        for row in item["modes"].values():
            assert isinstance(row["metrics"]["psnr"], float)
    assert results["models"]["image_model"]


@pytest.mark.slow
def test_learned_metrics_load_through_piq_from_the_local_cache(
        tmp_path: Path, empty_caches: Path) -> None:
    """Tiny stand-in weights in piq's formats and places: every learned metric loads
    through piq's own code and gives a number; FID and KID come out over the set."""
    pytest.importorskip("piq", reason="the eval extra (piq) is not installed")
    from tests.tiny_metric_weights import write_tiny_weights

    write_tiny_weights(tmp_path / "torch", empty_caches)
    _photos(tmp_path / "in", 2, size=(40, 32))
    report = tmp_path / "r"
    assert main(["eval", str(tmp_path / "in"), "-o", str(report), "--lowres", "png",
                 "--no-baselines", "--concurrency", "1"]) == 0
    results = _results(report)
    assert results["metrics_unavailable"] == {}
    row = results["items"][0]["modes"]["gpc-concise+png"]["metrics"]
    for name in ("lpips", "dists", "clip_similarity", "clip_iqa"):
        assert isinstance(row[name], float), name
    assert row["ms_ssim"].startswith("not available: image smaller")
    sets = results["set_metrics"]["gpc-concise+png"]
    assert isinstance(sets["fid"], float)
    assert isinstance(sets["kid"], float)
    assert "RN50.pt" in results["models"]["clip_similarity"]
    assert (report / "rd-lpips.svg").is_file()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(not CHROMIUM.is_file(), reason="/usr/bin/chromium is not installed "
                    "(apt-get install chromium) to open the report page")
def test_report_page_renders_in_headless_chromium(tmp_path: Path, empty_caches: Path) -> None:
    _photos(tmp_path / "in", 2, size=(96, 64))
    report = tmp_path / "r"
    assert main(["eval", str(tmp_path / "in"), "-o", str(report), "--lowres", "png",
                 "--metrics"]) == 0
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
               f"--screenshot={shot}", "--window-size=1200,1600", "--hide-scrollbars",
               (report / "index.html").as_uri()]
    subprocess.run(command, check=True, timeout=120, capture_output=True)
    data = shot.read_bytes()
    assert _png_size(data) == (1200, 1600)
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 50  # text, tables, plots and thumbnails: not a blank page
    keep = os.environ.get("GPC_SCREENSHOT_DIR")  # to look at it; never kept in git
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "eval-report.png")


@pytest.mark.skipif(shutil.which("parallel") is None,
                    reason="GNU parallel is not installed (apt-get install parallel)")
def test_readme_gnu_parallel_shard_recipe(tmp_path: Path, empty_caches: Path) -> None:
    """The README's recipe: N shards of one collection in parallel, one report each,
    together covering every image once."""
    import sys

    _photos(tmp_path / "in", 4)
    gpc = f"{sys.executable} -m refcodec"
    command = (f"parallel --halt now,fail=1 {gpc} eval {tmp_path / 'in'} -o "
               f"{tmp_path}/report-{{}} --shard {{}}/2 --resume --no-baselines --lowres png "
               "--metrics ::: 0 1")
    root = Path(__file__).resolve().parent.parent
    subprocess.run(command, shell=True, check=True, timeout=600, cwd=root,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(root)})
    seen = sorted(i["image"] for k in range(2)
                  for i in _results(tmp_path / f"report-{k}")["items"])
    assert seen == [f"p{i}.png" for i in range(4)]

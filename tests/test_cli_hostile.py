"""A command line that cannot be turned against its user: every case runs the real ``gpc``
command."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import refcodec
from tests.openai_server import TEST_KEY, StubServer


def gpc(*args: str | Path, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "refcodec", *map(str, args)],
                          capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    path = tmp_path / "a.gpc"
    refcodec.write(path, refcodec.encode("a red ball", size=(64, 64)))
    return path


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.new("RGB", (64, 48), (20, 120, 30)).save(path)
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def test_fifos_are_refused_at_once_not_waited_on(tmp_path: Path, valid: Path,
                                                 photo: Path) -> None:
    fifo = _fifo(tmp_path / "b.gpc")
    run = gpc("validate", tmp_path)  # a folder: the FIFO is skipped and counted
    assert run.returncode == 0, run.stderr
    assert f"{valid}: ok" in run.stdout
    assert "skipped 1 *.gpc entries that are not regular files" in run.stderr
    for args in (("validate", fifo), ("info", fifo),
                 ("encode", _fifo(tmp_path / "p.png"), "-o", tmp_path / "o.gpc", "--text", "x"),
                 ("encode", photo, "-o", tmp_path / "o.gpc", "--text-file",
                  _fifo(tmp_path / "t.txt"))):
        run = gpc(*args)  # the 60 s timeout of gpc() fails the test if anything blocks
        assert run.returncode != 0
        assert "is a FIFO, not a regular file" in run.stdout + run.stderr


def test_an_output_that_is_the_input_is_refused(tmp_path: Path, valid: Path,
                                                photo: Path) -> None:
    before = valid.read_bytes()
    run = gpc("decode", valid, "--request-only", "-o", valid)
    assert run.returncode == 2
    assert "is the input" in run.stderr
    assert valid.read_bytes() == before
    image = photo.read_bytes()
    run = gpc("encode", photo, "-o", photo, "--text", "x", "--lowres", "none")
    assert run.returncode == 2
    assert "is the input" in run.stderr
    assert photo.read_bytes() == image
    link = tmp_path / "link.gpc"
    link.symlink_to(valid)  # the same file by another name
    assert gpc("decode", valid, "--request-only", "-o", link).returncode == 2
    assert valid.read_bytes() == before


def test_device_nodes_fifos_folders_and_read_only_files_are_never_replaced(
        tmp_path: Path, valid: Path) -> None:
    fifo = _fifo(tmp_path / "out.json")
    run = gpc("decode", valid, "--request-only", "-o", fifo)
    assert run.returncode == 2
    assert "is a FIFO: refusing to replace it" in run.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    if os.path.exists("/dev/full"):
        run = gpc("decode", valid, "--request-only", "-o", "/dev/full")
        assert run.returncode == 2
        assert "is a character device: refusing to replace it" in run.stderr
        assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    frozen = tmp_path / "frozen.json"
    frozen.write_text("keep")
    frozen.chmod(0o444)
    run = gpc("decode", valid, "--request-only", "-o", frozen)
    assert run.returncode == 2
    assert "is read-only" in run.stderr
    assert frozen.read_text() == "keep"


def test_a_symlink_as_output_is_written_through(tmp_path: Path, valid: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    run = gpc("decode", valid, "--request-only", "-o", link)
    assert run.returncode == 0, run.stderr
    assert link.is_symlink()
    assert target.read_bytes() == refcodec.derive_request(refcodec.read(valid)).to_json()


def test_folder_mode_never_follows_a_link_out_of_the_output_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "photos"
    (source / "sub").mkdir(parents=True)
    Image.new("RGB", (40, 30)).save(source / "sub" / "a.png")
    Image.new("RGB", (40, 30)).save(source / "b.png")
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(outside)  # planted inside the output folder
    config = tmp_path / "gpc.toml"
    config.write_text("trust_env = false\nmax_retries = 0\n")
    with StubServer(api_key=TEST_KEY) as server:
        run = gpc("encode", source, "-o", out, "--describe", "openai", "--lowres", "none",
                  env={"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url,
                       "GPC_CONFIG": str(config)})
    assert run.returncode == 1  # one item failed, the other was written
    assert "outside" in run.stdout + run.stderr
    assert list(outside.iterdir()) == []
    assert (out / "b.gpc").is_file()


def test_a_temp_file_stranded_by_a_killed_writer_is_removed_next_time(
        tmp_path: Path, valid: Path) -> None:
    out = tmp_path / "r.json"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stranded = tmp_path / f".r.json.{dead}-0badcafe.part"
    stranded.write_bytes(b"complete but never renamed")
    other = tmp_path / ".other.json.1-00000000.part"  # another target's: not ours to touch
    other.write_bytes(b"x")
    assert gpc("decode", valid, "--request-only", "-o", out).returncode == 0
    assert not stranded.exists()
    assert other.exists()
    assert [p.name for p in tmp_path.glob(".r.json.*")] == []


def test_errors_name_the_users_path_not_a_temp_file(tmp_path: Path, valid: Path) -> None:
    run = gpc("decode", valid, "--request-only", "-o", tmp_path / "missing" / "r.json")
    assert run.returncode == 2
    assert "missing/r.json" in run.stderr
    assert ".part" not in run.stderr


def test_control_characters_in_names_cannot_fake_output_lines(tmp_path: Path) -> None:
    name = tmp_path / "x\nfake.gpc: ok \x1b[2J\u202e.gpc"
    name.write_bytes(b"not a gpc file at all")
    run = gpc("validate", tmp_path)
    assert run.returncode == 1
    assert "\x1b" not in run.stdout
    assert "\u202e" not in run.stdout
    lines = run.stdout.splitlines()
    assert len(lines) == 2  # one file, one line, then the summary
    assert lines[1] == "1 file(s): 0 valid, 1 invalid, 0 unchecked"
    assert "\\x0a" in run.stdout
    assert "\\x1b" in run.stdout
    assert "\\u202e" in run.stdout


def test_offline_folder_mode_never_follows_a_link_out_either(tmp_path: Path) -> None:
    """The same guard when descriptions come from NAME.txt sidecars (no captioner)."""
    source = tmp_path / "photos"
    (source / "sub").mkdir(parents=True)
    for name in ("sub/a", "b"):
        Image.new("RGB", (40, 30)).save(source / f"{name}.png")
        (source / f"{name}.txt").write_text("Image: a black frame.")
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(outside)
    run = gpc("encode", source, "-o", out, "--lowres", "none")
    assert run.returncode == 1  # one item failed, the other was written
    assert "outside" in run.stdout + run.stderr
    assert list(outside.iterdir()) == []
    assert (out / "b.gpc").is_file()

"""Model table, lookup, SHA-256 verification and download (spec/neural.md NRL-2)."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from refcodec.errors import BackendUnavailable, UsageError
from refcodec.neural.loader import (
    BUNDLED_DIR,
    UnverifiedModelWarning,
    download,
    file_sha256,
    find_model_file,
    verify_file,
)
from refcodec.registry import MODELS, model_by_name
from refcodec.registry import model as model_by_id

TEST_ROW = model_by_name("msillm-test")


def test_table_has_every_published_variant() -> None:
    names = {row.name for row in MODELS}
    assert {f"msillm-q{q}" for q in range(1, 7)} | {"msillm-vlo1", "msillm-vlo2"} < names
    assert len({row.id for row in MODELS}) == len(MODELS)
    for row in MODELS:
        if not row.test_only:
            assert row.sha256 is None  # nobody could verify the upstream files here
            assert "CC-BY-NC" in row.licence
            assert row.url is not None
            assert row.url.endswith(row.filename)
    assert model_by_id(64) is TEST_ROW
    assert model_by_id(3) is model_by_name("msillm-q3")
    assert model_by_id(9) is None
    with pytest.raises(UsageError, match="unknown neural model"):
        model_by_name("msillm-q9")


def test_the_test_model_is_shipped_and_verified() -> None:
    path = find_model_file(TEST_ROW)
    assert path.parent == BUNDLED_DIR
    assert path.stat().st_size < 2_500_000
    assert verify_file(TEST_ROW, path).startswith("msillm-test: verified")


def test_a_wrong_hash_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / TEST_ROW.filename
    bad.write_bytes(b"not the weights")
    with pytest.raises(UsageError, match="refusing"):
        verify_file(TEST_ROW, bad)


def test_an_unverified_row_says_so(tmp_path: Path) -> None:
    file = tmp_path / "x.ckpt"
    file.write_bytes(b"weights")
    verdict = verify_file(model_by_name("msillm-q3"), file)
    assert "UNVERIFIED" in verdict
    assert hashlib.sha256(b"weights").hexdigest() in verdict


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row = model_by_name("msillm-q1")
    monkeypatch.delenv("GPC_MODEL_DIR", raising=False)
    with pytest.raises(BackendUnavailable, match="gpc models download msillm-q1"):
        find_model_file(row)
    env, arg = tmp_path / "env", tmp_path / "arg"
    env.mkdir()
    arg.mkdir()
    (env / row.filename).write_bytes(b"e")
    monkeypatch.setenv("GPC_MODEL_DIR", str(env))
    assert find_model_file(row) == env / row.filename
    (arg / row.filename).write_bytes(b"a")
    assert find_model_file(row, model_dir=arg) == arg / row.filename
    with pytest.raises(UsageError, match="does not exist"):
        find_model_file(row, path=tmp_path / "missing.ckpt")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "served"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_download_verifies_and_is_atomic(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    payload = b"weights" * 1000
    (root / "w.safetensors").write_bytes(payload)
    row = dataclasses.replace(TEST_ROW, sha256=hashlib.sha256(payload).hexdigest())
    dest = tmp_path / "models"
    path = download(row, dest, url=base + "w.safetensors")
    assert path == dest / row.filename
    assert file_sha256(path) == row.sha256
    bad = dataclasses.replace(row, sha256="0" * 64)
    path.unlink()
    with pytest.raises(UsageError, match="the registry says"):
        download(bad, dest, url=base + "w.safetensors")
    assert list(dest.iterdir()) == []
    with pytest.raises(BackendUnavailable, match="cannot download"):
        download(row, dest, url=base + "missing")
    assert list(dest.iterdir()) == []


def test_unverified_download_keeps_the_file(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    (root / "q1.ckpt").write_bytes(b"x")
    path = download("msillm-q1", tmp_path, url=base + "q1.ckpt")
    assert path.read_bytes() == b"x"


def test_loading_an_unverified_file_warns_and_bad_weights_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("compressai")
    from refcodec.neural.loader import load_model

    bogus = tmp_path / "bogus.safetensors"
    safetensors_torch = pytest.importorskip("safetensors.torch")
    import torch

    safetensors_torch.save_file({"a": torch.zeros(1)}, str(bogus))
    row = dataclasses.replace(TEST_ROW, sha256=None, tables_sha256=None)
    with pytest.warns(UnverifiedModelWarning), pytest.raises(UsageError, match="does not hold"):
        load_model(row, path=bogus)


def test_without_torch_the_codec_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from refcodec.neural import _deps

    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> object:
        if name.split(".")[0] in {"torch", "compressai"}:
            raise ImportError(name=name.split(".")[0])
        return real(name, package)

    monkeypatch.setattr(_deps.importlib, "import_module", fake)
    with pytest.raises(BackendUnavailable, match=r"pip install 'gpc-refcodec\[neural\]'"):
        _deps.require("torch")
    from refcodec.neural.loader import load_model

    with pytest.raises(BackendUnavailable, match="neural"):
        load_model(dataclasses.replace(TEST_ROW, sha256=None))


def test_model_management_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   server: tuple[str, Path]) -> None:
    from refcodec.neural import manage

    monkeypatch.setenv("GPC_MODEL_DIR", str(tmp_path / "models"))
    lines = manage.list_models()
    assert len(lines) == len(MODELS)
    assert any("msillm-test" in line and "verified test-only" in line for line in lines)
    assert any("msillm-q3" in line and "UNVERIFIED" in line and "not installed" in line
               for line in lines)
    assert manage.model_path("msillm-test") == [str(BUNDLED_DIR / TEST_ROW.filename)]
    assert "verified" in manage.verify("msillm-test")[0]
    source = tmp_path / "downloaded.ckpt"
    source.write_bytes(b"upstream")
    out = manage.install("msillm-q3", source)
    assert "UNVERIFIED" in out[0]
    installed = tmp_path / "models" / "msillm_target_0.14bpp.ckpt"
    assert installed.read_bytes() == b"upstream"
    assert installed.stat().st_mode & 0o777 == source.stat().st_mode & 0o777  # not 0600
    assert sorted(p.name for p in installed.parent.iterdir()) == [installed.name]
    base, root = server
    (root / "f").write_bytes(b"v")
    assert "downloaded" in manage.fetch("msillm-vlo1", url=base + "f")[1]
    with pytest.raises(UsageError, match="refusing"):
        manage.install("msillm-test", source)


def test_missing_weights_are_found_before_torch_is_imported(tmp_path: Path) -> None:
    """A file whose model weights are absent is undecided at once (no torch import)."""
    import subprocess
    import sys

    case = Path(__file__).resolve().parent.parent / "conformance/cases"
    file = case / "v-lowres-msillm-test-1024/input.gpc"
    script = ("import sys, pathlib, refcodec\n"
              "import refcodec.neural.loader as loader\n"
              f"loader.BUNDLED_DIR = pathlib.Path({str(tmp_path)!r})  # weights gone\n"
              "from refcodec.errors import BackendUnavailable\n"
              f"try:\n    refcodec.read({str(file)!r})\n"
              "except BackendUnavailable as exc:\n    print('undecided', exc)\n"
              "print('torch' in sys.modules)\n")
    env = {"PATH": "/usr/bin:/bin", "GPC_MODEL_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, check=True, timeout=120).stdout
    assert out.startswith("undecided weights for msillm-test")
    assert out.rstrip().endswith("False")

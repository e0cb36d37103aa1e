"""Atomic output (refcodec.atomic): all or nothing, with the permissions open() would give."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from refcodec import atomic


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask_022")
def test_new_file_gets_the_mode_open_would_give(tmp_path: Path) -> None:
    atomic.write_atomic(tmp_path / "a.gpc", b"data")
    (tmp_path / "plain.gpc").write_bytes(b"data")
    assert mode(tmp_path / "a.gpc") == mode(tmp_path / "plain.gpc") == 0o644
    assert sorted(os.listdir(tmp_path)) == ["a.gpc", "plain.gpc"]


@pytest.mark.usefixtures("umask_022")
def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.gpc"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o640


def test_atomic_output_streams_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "w.bin"
    target.write_bytes(b"old")
    with atomic.atomic_output(target) as out:
        out.write(b"new ")
        out.write(b"weights")
        assert target.read_bytes() == b"old"  # nothing visible before the end
    assert target.read_bytes() == b"new weights"
    assert os.listdir(tmp_path) == ["w.bin"]


def test_atomic_output_failure_leaves_the_target_alone(tmp_path: Path) -> None:
    target = tmp_path / "w.bin"
    target.write_bytes(b"old")

    def write_then_fail() -> None:
        with atomic.atomic_output(target) as out:
            out.write(b"half")
            msg = "checksum mismatch"
            raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="checksum"):
        write_then_fail()
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["w.bin"]

"""The file object API (spec §3-§10): read, write, build, parse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import refcodec
from refcodec import FormatError, GpcFile, MetaChunk, TextChunk, UnknownChunk, UsageError
from refcodec.container import payload_bytes
from refcodec.limits import MAX_FILE_BYTES
from tests import samples


@pytest.mark.parametrize(("codecs", "overhead"), [((3,), 13), ((2,), 14)])
def test_text_only_1024_overhead(codecs: tuple[int, ...], overhead: int) -> None:
    # signature 4, versions 2, preset 1, tag 1, length 1 (payload < 128) or 2, CRC 4
    data = refcodec.build(refcodec.encode(samples.DETAILED, size=(1024, 1024),
                                          text_codecs=codecs))
    gpc = refcodec.parse(data)
    payloads = sum(len(payload_bytes(c)) for c in gpc.chunks)
    assert len(data) - payloads == overhead


def test_unknown_ancillary_chunks_survive_a_round_trip() -> None:
    data = samples.with_meta_and_unknown()
    gpc = refcodec.parse(data)
    assert [c.tag for c in gpc.chunks] == [0x01, 0x81, 0x90, 0x90]
    assert gpc.chunks[2] == UnknownChunk(0x90, b"\x00\x01future")
    assert gpc.meta == {"encoder": "gpc-refcodec test"}
    assert refcodec.build(gpc) == data


def test_newer_minor_version_is_read_and_kept() -> None:
    data = samples.newer_minor_version()
    gpc = refcodec.parse(data)
    assert (gpc.version, gpc.read_version) == (0x13, 0x10)
    assert refcodec.build(gpc) == data


def test_build_refuses_an_invalid_file() -> None:
    gpc = GpcFile(10, 10, (TextChunk.encode("x", 0), UnknownChunk(0x05, b"")))
    with pytest.raises(FormatError, match="CHK-3"):
        refcodec.build(gpc)
    with pytest.raises(FormatError, match="CHK-7"):
        GpcFile(10, 10, (MetaChunk(()),))


def test_build_refuses_out_of_order_chunks() -> None:
    gpc = GpcFile(10, 10, (MetaChunk(()), TextChunk.encode("x", 0)))
    with pytest.raises(FormatError, match="CHK-5"):
        refcodec.build(gpc)


def test_write_then_read(tmp_path: Path) -> None:
    gpc = refcodec.parse(samples.text_only())
    target = tmp_path / "a.gpc"
    size = refcodec.write(target, gpc)
    assert size == target.stat().st_size
    assert refcodec.read(target) == gpc
    assert [p.name for p in tmp_path.iterdir()] == ["a.gpc"]  # no temporary left behind


def test_write_failure_leaves_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.gpc"
    target.write_bytes(b"old")
    bad = GpcFile(10, 10, (TextChunk.encode("x", 0), UnknownChunk(0x05, b"")))
    with pytest.raises(FormatError):
        refcodec.write(target, bad)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.gpc"]


def test_write_atomic_interrupted_keeps_old_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from refcodec import atomic

    target = tmp_path / "a.gpc"
    target.write_bytes(b"old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.gpc"]


def test_write_to_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        refcodec.write(tmp_path, refcodec.parse(samples.text_only()))


def test_read_never_loads_more_than_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.gpc"
    with open(big, "wb") as handle:
        handle.write(samples.text_only())
        handle.seek(50 * MAX_FILE_BYTES)
        handle.write(b"\0")
    with pytest.raises(FormatError, match="LIM-1"):
        refcodec.read(big)


def test_encode_limits_size() -> None:
    with pytest.raises(FormatError, match="LIM-2"):
        refcodec.encode("x", size=(16385, 10))


def test_encode_sorts_meta() -> None:
    gpc = refcodec.encode("x", size=(10, 10), meta={"source": "a", "encoder": "b"})
    assert refcodec.parse(refcodec.build(gpc)).meta == {"encoder": "b", "source": "a"}

"""``--batch-api`` (refcodec/backends/batch_api.py, batch_cli.py) and ``--shard``, against
the Batch API of the local test server: files, batches, polling, results by custom_id,
expired and partly failed batches, resumption after the client dies, no duplicates."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import refcodec
from refcodec.backends import batch_api
from refcodec.cli import main
from refcodec.shard import parse_shard, select, shard_of
from tests.openai_server import StubServer

pytest.importorskip("openai", reason="the openai extra is not installed")


pytest_plugins = ["tests.openai_fixtures"]


@pytest.fixture
def server(env_server: StubServer) -> StubServer:
    return env_server


def _images(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = folder / f"sub{i % 2}" / f"img{i:03d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (48 + i, 32), ((i * 40) % 256, (i * 90) % 256, 128)).save(path)
        paths.append(path)
    return paths


def _size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def _encode(src: Path, out: Path, *extra: str) -> int:
    return main(["encode", str(src), "-o", str(out), "--describe", "openai", "--lowres", "none",
                 "--max-bytes", "400", "--batch-api", "--batch-poll", "0.02", *extra])


def _answered(server: StubServer) -> collections.Counter[str]:
    return collections.Counter(server.batch_answered)


def test_encode_batch_api_chunks_and_maps_results_back(server: StubServer,
                                                        tmp_path: Path) -> None:
    images = _images(tmp_path / "in", 7)
    assert _encode(tmp_path / "in", tmp_path / "out", "--batch-max-requests", "3") == 0
    outputs = sorted((tmp_path / "out").rglob("*.gpc"))
    assert len(outputs) == 7
    for image in images:
        gpc = refcodec.read(tmp_path / "out" / image.relative_to(tmp_path / "in")
                            .with_suffix(".gpc"))
        assert (gpc.width, gpc.height) == _size(image)
    assert len(server.batches) == 3  # 3 + 3 + 1 requests
    assert all(n == 1 for n in _answered(server).values())
    assert len(_answered(server)) == 7
    assert {b["endpoint"] for b in server.batches.values()} == {"/v1/chat/completions"}
    assert not server.calls("/chat/completions")  # no direct caption call
    # running again finds everything done and sends nothing
    assert _encode(tmp_path / "in", tmp_path / "out") == 0
    assert len(server.batches) == 3


def test_encode_batch_api_makes_each_reference_image_once(
        server: StubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference image made to plan a caption request is the one the encode uses."""
    from refcodec import encoder

    made: list[tuple[int, int]] = []
    real = encoder._reference

    def counting(low: Any, size: tuple[int, int], *args: Any, **kwargs: Any) -> Any:
        made.append(size)
        return real(low, size, *args, **kwargs)

    monkeypatch.setattr(encoder, "_reference", counting)
    _images(tmp_path / "in", 4)
    code = main(["encode", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--describe",
                 "openai", "--lowres", "webp", "--max-bytes", "600", "--batch-api",
                 "--batch-poll", "0.02"])
    assert code == 0
    assert len(sorted((tmp_path / "out").rglob("*.gpc"))) == 4
    assert len(made) == 4
    for path in (tmp_path / "out").rglob("*.gpc"):
        assert refcodec.read(path).image_chunk is not None


def test_expired_batch_sends_the_rest_again(server: StubServer, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _images(tmp_path / "in", 6)
    server.batch_plan = ["expire"]
    assert _encode(tmp_path / "in", tmp_path / "out") == 0
    assert "not reached" in capsys.readouterr().err
    assert len(list((tmp_path / "out").rglob("*.gpc"))) == 6
    statuses = sorted(b["status"] for b in server.batches.values())
    assert statuses == ["completed", "expired"]
    assert all(n == 1 for n in _answered(server).values())
    assert len(_answered(server)) == 6


def test_partly_failed_batch_is_reported_then_retried(server: StubServer, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    _images(tmp_path / "in", 6)
    server.batch_plan = ["partial"]
    assert _encode(tmp_path / "in", tmp_path / "out") == 1
    out = capsys.readouterr().out
    assert out.count("FAILED gpc-") == 2
    assert "injected failure" in out
    assert len(list((tmp_path / "out").rglob("*.gpc"))) == 4
    assert _encode(tmp_path / "in", tmp_path / "out") == 0  # the retry
    assert len(list((tmp_path / "out").rglob("*.gpc"))) == 6
    counts = _answered(server)
    assert sorted(counts.values()) == [1, 1, 1, 1, 2, 2]  # the two failures, asked twice


def test_batch_that_fails_validation_is_retryable(server: StubServer, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _images(tmp_path / "in", 3)
    server.batch_plan = ["fail"]
    assert _encode(tmp_path / "in", tmp_path / "out") == 1
    assert "failed validation: injected validation failure" in capsys.readouterr().out
    assert _encode(tmp_path / "in", tmp_path / "out") == 0
    assert len(list((tmp_path / "out").rglob("*.gpc"))) == 3


class _Died(BaseException):
    """Stands for the process being killed."""


def test_death_after_creating_a_batch_does_not_create_it_twice(
        server: StubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _images(tmp_path / "in", 5)
    real_save = batch_api.BatchJob._save

    def save_then_die(self: batch_api.BatchJob) -> None:
        if any(c.get("batch_id") for c in self.state["chunks"]):
            raise _Died  # the batch exists on the server, the state file never heard of it
        real_save(self)

    monkeypatch.setattr(batch_api.BatchJob, "_save", save_then_die)
    with pytest.raises(_Died):
        _encode(tmp_path / "in", tmp_path / "out", "--batch-max-requests", "2")
    monkeypatch.setattr(batch_api.BatchJob, "_save", real_save)
    assert len(server.batches) == 1
    assert _encode(tmp_path / "in", tmp_path / "out", "--batch-max-requests", "2") == 0
    assert len(server.batches) == 3  # the first one was found again by its metadata
    assert all(n == 1 for n in _answered(server).values())
    assert len(_answered(server)) == 5
    state = json.loads((tmp_path / "out" / ".gpc-batch-encode" / "state.json").read_text())
    assert all(c["processed"] for c in state["chunks"])


def test_death_while_writing_outputs_loses_and_repeats_nothing(
        server: StubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _images(tmp_path / "in", 6)
    from refcodec.backends import batch_cli

    writes: list[Path] = []
    real = batch_cli.write_atomic

    def counting(path: Any, data: bytes, *guards: Any) -> None:
        if len(writes) == 3 and not hasattr(counting, "died"):
            counting.died = True  # type: ignore[attr-defined]
            raise _Died
        writes.append(Path(path))
        real(path, data, *guards)

    monkeypatch.setattr(batch_cli, "write_atomic", counting)
    with pytest.raises(_Died):
        _encode(tmp_path / "in", tmp_path / "out")
    assert _encode(tmp_path / "in", tmp_path / "out") == 0
    assert len(writes) == 6
    assert len(set(writes)) == 6
    assert len(server.batches) == 1


def test_decode_batch_api_text_only_in_batches_multimodal_direct(
        server: StubServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "gpc"
    src.mkdir()
    for i in range(3):
        refcodec.write(src / f"t{i}.gpc", refcodec.encode(f"Image: scene {i}.", size=(64, 48)))
    photo = tmp_path / "p.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo)
    from refcodec.compose import lowres_chunk

    refcodec.write(src / "m.gpc", refcodec.encode("Image: red.", size=(64, 48),
                                                  image=lowres_chunk(photo, "png")))
    code = main(["decode", str(src), "-o", str(tmp_path / "png"), "--renderer", "openai",
                 "--batch-api", "--batch-poll", "0.02"])
    assert code == 0
    assert "direct calls" in capsys.readouterr().err
    for name in ("t0", "t1", "t2", "m"):
        assert _size(tmp_path / "png" / f"{name}.png") == (64, 48)
    assert [b["endpoint"] for b in server.batches.values()] == ["/v1/images/generations"]
    assert len(server.batch_answered) == 3
    assert len(server.calls("/images/edits")) == 1
    assert not list(server.calls("/images/generations"))


def test_shard_split_is_a_stable_partition() -> None:
    names = [f"d{i % 7}/f{i}.png" for i in range(500)]
    parts = [select(names, names, (k, 4)) for k in range(4)]
    assert sorted(sum(parts, [])) == sorted(names)
    assert all(80 < len(p) < 170 for p in parts)
    assert [shard_of("a/b.png", 4)] * 2 == [shard_of("a/b.png", 4), shard_of(Path("a/b.png"), 4)]
    assert parse_shard("3/4") == (3, 4)
    for bad in ("4/4", "1", "-1/2", "a/b"):
        with pytest.raises(Exception, match="K/N"):
            parse_shard(bad)


def test_shards_of_an_encode_cover_the_folder_once(server: StubServer, tmp_path: Path) -> None:
    _images(tmp_path / "in", 9)
    for k in range(3):  # one output folder, as a job array would share
        assert _encode(tmp_path / "in", tmp_path / "out", "--shard", f"{k}/3") == 0
    found = [p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*.gpc")]
    assert len(found) == 9
    assert len(set(found)) == 9

"""Batch throughput and fault tolerance against the local OpenAI-compatible test server.

`python -m benchmarks.bench_batch` (no network, no key):

1. 40 small images, 1 s server latency per request: ``encode_batch`` at concurrency 8 vs
   concurrency 1, printed as a speed-up ratio (target >= 5x).
2. Fault injection: 30 % of requests answer 429 or 500 (SDK retries: 1): every item ends
   done or reported failed, no partial file exists, every written file is valid, and a
   ``resume`` run finishes the rest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

import refcodec
from refcodec.batch import BatchReport, encode_batch
from tests.openai_server import TEST_KEY, StubServer, settings_for


def make_images(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        colour = (i * 6 % 256, 120, 255 - i * 5)
        Image.new("RGB", (96 + i, 64), colour).save(folder / f"{i:03d}.png")
    return folder


def timed_batch(source: Path, output: Path, latency: float, concurrency: int) -> float:
    with StubServer(api_key=TEST_KEY, latency=latency) as server:
        settings = settings_for(server, concurrency=concurrency)
        started = time.perf_counter()
        report = encode_batch(source, output, settings, progress=False)
        seconds = time.perf_counter() - started
    assert report.count("done") == len(report.items), report.summary()
    print(f"  concurrency {concurrency}: {seconds:6.2f} s for {len(report.items)} items "
          f"(server saw at most {server.max_in_flight} in flight)")
    return seconds


def check_outputs(report: BatchReport, output: Path) -> tuple[int, int]:
    """(valid files, partial files); every done/skipped item must have a valid file."""
    partial = [p for p in output.rglob("*") if p.name.endswith(".part")]
    valid = 0
    for item in report.items:
        if item.status == "failed":
            assert not item.output.exists() or refcodec.read(item.output)
        else:
            refcodec.read(item.output)
            valid += 1
    return valid, len(partial)


def fault_run(source: Path, output: Path, rate: float) -> None:
    with StubServer(api_key=TEST_KEY, fault_rate=rate, seed=7) as server:
        settings = settings_for(server, concurrency=8, max_retries=1)
        first = encode_batch(source, output, settings, progress=False, max_bytes=300)
        valid, partial = check_outputs(first, output)
        print(f"  run 1 ({rate:.0%} of requests 429/500, 1 retry): {first.count('done')} done, "
              f"{first.count('failed')} failed and reported, {partial} partial files, "
              f"{valid} valid outputs; {len(server.requests)} requests")
        for item in first.failed[:3]:
            print(f"    e.g. {item.source.name}: {item.message}")
        second = encode_batch(source, output, settings, progress=False, max_bytes=300,
                              resume=True)
        valid, partial = check_outputs(second, output)
        rounds = 2
        while second.failed and rounds < 6:
            second = encode_batch(source, output, settings, progress=False, max_bytes=300,
                                  resume=True)
            rounds += 1
        valid, partial = check_outputs(second, output)
        print(f"  resume ({rounds - 1} run(s)): {second.count('skipped')} skipped, "
              f"{second.count('done')} done, {second.count('failed')} failed; "
              f"{valid}/{len(second.items)} valid outputs, {partial} partial files")
        assert partial == 0
        assert valid == len(second.items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = make_images(root / "in", args.items)
        print(f"batch encode, {args.items} images, {args.latency:.1f} s latency per request")
        serial = timed_batch(source, root / "c1", args.latency, 1)
        parallel = timed_batch(source, root / "c8", args.latency, 8)
        print(f"  speed-up concurrency 8 vs 1: {serial / parallel:.2f}x (target >= 5x)")
        print("fault injection")
        fault_run(source, root / "faults", args.fault_rate)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""A 10,000-image captioning job through ``gpc encode --batch-api`` against the local test
server, with the client killed (SIGKILL) twice and resumed: prints the client's peak memory
and proves that no image is lost or encoded twice.

    PYTHONPATH=.:tests python benchmarks/bench_batch_api.py [--images 10000]

The server runs in this process (tests/openai_server.py, on 127.0.0.1); the client is
``python -m refcodec encode`` in a subprocess, sampled with psutil and measured with
getrusage (peak RSS of the children, killed ones included). Kills: (1) as soon as the
state file records a batch (submission phase), (2) once half the outputs are written.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from PIL import Image

import refcodec
from tests.openai_server import TEST_KEY, StubServer

ROOT = Path(__file__).resolve().parent.parent


def make_images(folder: Path, count: int) -> None:
    rng = random.Random(7)
    for i in range(count):
        path = folder / f"d{i % 20:02d}" / f"img{i:05d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (24, 16), tuple(rng.randrange(256) for _ in range(3)))
        image.putpixel((rng.randrange(24), rng.randrange(16)), (255, 255, 255))
        image.save(path, compress_level=1)


def run_client(cmd: list[str], env: dict[str, str], kill_when: object | None
               ) -> tuple[int, float, bool]:
    """Run the client; SIGKILL it when ``kill_when()`` is true. (exit code, peak RSS MB
    sampled, killed)."""
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=ROOT)
    handle = psutil.Process(process.pid)
    peak = 0.0
    killed = False
    while process.poll() is None:
        try:
            peak = max(peak, handle.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            break
        if kill_when is not None and callable(kill_when) and kill_when():
            process.send_signal(signal.SIGKILL)
            killed = True
            process.wait()
            break
        time.sleep(0.05)
    return process.wait(), peak, killed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--per-batch", type=int, default=2_500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, StubServer(api_key=TEST_KEY) as server:
        base = Path(tmp)
        src, out = base / "in", base / "out"
        started = time.perf_counter()
        make_images(src, args.images)
        print(f"{args.images} images made in {time.perf_counter() - started:.1f} s")
        server.batch_delay = 1.0
        config = base / "gpc.toml"
        config.write_text("trust_env = false\n")
        env = {**os.environ, "OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url,
               "GPC_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "refcodec", "encode", str(src), "-o", str(out),
               "--describe", "openai", "--lowres", "none", "--max-bytes", "300",
               "--batch-api", "--batch-poll", "0.2", "--batch-max-requests",
               str(args.per_batch)]
        state = out / ".gpc-batch-encode" / "state.json"

        def submitted() -> bool:
            return state.is_file() and '"batch_' in state.read_text()

        def half_written() -> bool:
            log = out / ".gpc-batch-encode" / "done.log"
            return log.is_file() and log.stat().st_size > (args.images // 2) * 29

        peaks, kills = [], 0
        for name, condition in (("run 1 (killed when submitting)", submitted),
                                ("run 2 (killed half-way through the results)", half_written),
                                ("run 3 (to the end)", None)):
            t0 = time.perf_counter()
            code, peak, killed = run_client(cmd, env, condition)
            kills += killed
            peaks.append(peak)
            print(f"{name}: exit {code}{' (SIGKILL)' if killed else ''}, "
                  f"{time.perf_counter() - t0:.1f} s, peak RSS sampled {peak:.0f} MB")
        rusage_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        outputs = sorted(out.rglob("*.gpc"))
        valid = 0
        for path in outputs:
            refcodec.read(path)
            valid += 1
        answered = collections.Counter(server.batch_answered)
        done_log = (out / ".gpc-batch-encode" / "done.log").read_text().split()
        duplicates = sum(n - 1 for n in answered.values() if n > 1)
        print(f"client peak memory: {rusage_mb:.0f} MB (getrusage, largest client run; "
              f"sampled max {max(peaks):.0f} MB)")
        print(f"SIGKILLs: {kills}; batches created on the server: {len(server.batches)}")
        print(f"outputs: {len(outputs)} files, {valid} valid, expected {args.images}")
        print(f"requests answered by the server: {sum(answered.values())} for "
              f"{len(answered)} distinct images; duplicates: {duplicates}")
        print(f"done.log: {len(done_log)} entries, {len(set(done_log))} distinct")
        ok = (len(outputs) == valid == args.images and len(answered) == args.images
              and duplicates == 0 and len(done_log) == len(set(done_log))
              and rusage_mb < 300)
        print("RESULT:", "PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

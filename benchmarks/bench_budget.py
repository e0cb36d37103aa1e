"""One byte budget: ``--max-bytes 300 --lowres avif`` with the captioner on every corpus
photo (Kodak, Wikimedia), against the local OpenAI-compatible test server
(tests/openai_server.py). Prints each file's bytes and its split (text payload, reference
image data, the rest) and fails if any file is over the budget or any photo fails.
Run: python benchmarks/bench_budget.py [--max-bytes 300] [--limit N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

from corpus import PHOTOS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    from openai_server import TEST_KEY, StubServer

    import refcodec
    from refcodec.cli import main as gpc
    from refcodec.container import payload_bytes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-bytes", type=int, default=300)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    photos = sorted(PHOTOS.glob("kodak/*.png")) + sorted(PHOTOS.glob("wikimedia/*.*"))
    photos = [p for p in photos if p.suffix.lower() in (".png", ".jpg", ".jpeg")][:args.limit]
    failures = over = 0
    sizes: list[int] = []
    with tempfile.TemporaryDirectory() as folder, StubServer(api_key=TEST_KEY) as server:
        config = Path(folder) / "gpc.toml"
        config.write_text("trust_env = false\nmax_retries = 0\n")
        os.environ.update(GPC_CONFIG=str(config), OPENAI_API_KEY=TEST_KEY,
                          OPENAI_BASE_URL=server.base_url)
        for photo in photos:
            out = Path(folder) / f"{photo.stem}.gpc"
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = gpc(["encode", str(photo), "-o", str(out), "--describe", "openai",
                            "--max-bytes", str(args.max_bytes), "--lowres", "avif"])
            if code != 0:
                failures += 1
                print(f"{photo.name}: FAILED {stderr.getvalue().strip()}")
                continue
            data = out.read_bytes()
            gpc_file = refcodec.parse(data)
            image = gpc_file.image_chunk
            text = len(payload_bytes(gpc_file.text_chunk))
            ref = len(image.data) if image else 0
            sizes.append(len(data))
            over += len(data) > args.max_bytes
            print(f"{photo.parent.name}/{photo.name}: {len(data)} bytes "
                  f"({gpc_file.width}x{gpc_file.height}): text {text}, reference {ref}, "
                  f"other {len(data) - text - ref}")
    print(f"{len(photos)} photos: {len(sizes)} encoded, {failures} failed, {over} over "
          f"{args.max_bytes} bytes; largest {max(sizes, default=0)} bytes")
    return 1 if failures or over else 0


if __name__ == "__main__":
    sys.exit(main())

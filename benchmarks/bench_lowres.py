"""Low-resolution image chunk: bytes and PSNR per codec against standalone files.

Each corpus photograph (../shared/corpus/{kodak,wikimedia}, or GPC_CORPUS) is squashed
to 1024x1024 and reduced 8x (Lanczos) to 128x128, as in the paper. For each codec the
chunk (codec varint + check u32 + data) is coded to reach --psnr against that low-res
image; the baseline is the smallest standalone file reaching the same PSNR: AVIF at the
same libaom speed, the smaller of 4:2:0 and 4:4:4 per image; WebP with method 6.
Run: python -m benchmarks.bench_lowres [--psnr 25] [--speed 2] [--limit N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from benchmarks.corpus import PHOTOS
from refcodec.lowres import CODECS, avif, encode_lowres_image, psnr
from refcodec.lowres.downsample import reduce, squash

CORPUS = PHOTOS


def corpus_images(limit: int | None) -> list[Path]:
    paths = sorted(CORPUS.glob("kodak/*.png")) + sorted(CORPUS.glob("wikimedia/*.png"))
    return paths[:limit] if limit else paths


def smallest_file(low: Image.Image, fmt: str, target: float, **options: object) -> int:
    """Bytes of the smallest standalone ``fmt`` file (quality searched) reaching ``target``."""
    reference = low.tobytes()

    def attempt(quality: int) -> tuple[int, float]:
        buffer = io.BytesIO()
        low.save(buffer, fmt, quality=quality, **options)
        decoded = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB").tobytes()
        return len(buffer.getvalue()), psnr(reference, decoded, low.size)

    lo, hi, best = 0, 100, attempt(100)[0]
    while lo <= hi:
        mid = (lo + hi) // 2
        size, quality_db = attempt(mid)
        if quality_db >= target:
            best, hi = size, mid - 1
        else:
            lo = mid + 1
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--psnr", type=float, default=25.0)
    parser.add_argument("--speed", type=int, default=avif.SPEED, help="libaom speed, 0-10")
    parser.add_argument("--limit", type=int, default=None, help="first N images only")
    args = parser.parse_args()
    avif.SPEED = args.speed
    paths = corpus_images(args.limit)
    if not paths:
        print(f"no corpus images under {CORPUS}; skipped")
        return 0
    chunk_bytes: dict[str, list[int]] = {c.name: [] for c in CODECS.values()}
    chunk_psnr: dict[str, list[float]] = {c.name: [] for c in CODECS.values()}
    baselines: dict[str, Callable[[Image.Image], int]] = {
        "avif file": lambda low: min(
            smallest_file(low, "AVIF", args.psnr, speed=args.speed, subsampling=subsampling)
            for subsampling in ("4:2:0", "4:4:4")),
        "webp file": lambda low: smallest_file(low, "WEBP", args.psnr, method=6),
    }
    baseline_bytes: dict[str, list[int]] = {name: [] for name in baselines}
    for path in paths:
        with Image.open(path) as source:
            low = reduce(squash(source, (1024, 1024)))
        reference = low.tobytes()
        for codec in CODECS.values():
            codec_id, _, data, _ = encode_lowres_image(low, codec.name, psnr=args.psnr)
            header = len(bytes([codec_id])) + 4
            chunk_bytes[codec.name].append(header + len(data))
            decoded = codec.decode(data, *low.size)
            chunk_psnr[codec.name].append(min(psnr(reference, decoded, low.size), 99.0))
        for name, measure in baselines.items():
            baseline_bytes[name].append(measure(low))
    avif_file = statistics.mean(baseline_bytes["avif file"])
    print(f"{len(paths)} images, 1024x1024 -> 128x128, target PSNR {args.psnr} dB, "
          f"libaom speed {args.speed}")
    print(f"{'':14}{'mean bytes':>11}{'mean PSNR':>11}{'vs AVIF file':>14}")
    for name, sizes in chunk_bytes.items():
        mean = statistics.mean(sizes)
        print(f"{name + ' chunk':14}{mean:11.1f}{statistics.mean(chunk_psnr[name]):11.2f}"
              f"{mean / avif_file:14.3f}")
    for name, sizes in baseline_bytes.items():
        mean = statistics.mean(sizes)
        print(f"{name:14}{mean:11.1f}{'>= target':>11}{mean / avif_file:14.3f}")
    lossy = {n: statistics.mean(s) for n, s in chunk_bytes.items() if n != "png"}
    best = min(lossy, key=lossy.__getitem__)
    ratio = lossy[best] / avif_file
    verdict = "meets" if ratio <= 0.75 else "misses"
    print(f"smallest lossy chunk: {best} ({ratio:.3f}x the AVIF file; {verdict} the 0.75 target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

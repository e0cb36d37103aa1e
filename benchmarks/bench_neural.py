"""MS-ILLM test model on the CPU: speed, bytes, PSNR, index spread and determinism.

    python -m benchmarks.bench_neural [--corpus DIR] [--no-avif]

``--corpus`` defaults to ``benchmarks.corpus.PHOTOS`` ($GPC_CORPUS, else ../shared/corpus
beside the checkout).

Per 128x128 reduction (1024x1024 squash, then 8x, as spec/lowres.md L.9) of every
kodak/wikimedia image: encode and decode time (1 thread), chunk bytes (codec varint +
check + data), PSNR against the uncompressed reduction, and the project's ``avif`` codec at
the same byte budget. Then the determinism measurement of spec/neural.md: images whose CDF
indexes differ between 1 and 2 threads for a float32, a float64 and the integer
hyper-synthesis, and how often the float32 index equals the integer one.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from benchmarks.corpus import PHOTOS
from refcodec.lowres import decode_lowres as decode_avif
from refcodec.lowres import encode_lowres_image, psnr
from refcodec.neural import codec, get_model
from refcodec.neural.model import NeuralModel


def _reduction(path: Path) -> Image.Image:
    image = Image.open(path).convert("RGB").resize((1024, 1024), Image.Resampling.LANCZOS)
    return image.resize((128, 128), Image.Resampling.LANCZOS)


def _float_indexes(model: NeuralModel, z: np.ndarray, dtype: torch.dtype,
                   threads: int) -> np.ndarray:
    torch.set_num_threads(threads)
    branch = model.net.hyper_synthesis_scale.to(dtype)
    medians = model.net.hyper_bottleneck.quantiles[:, 0, 1].detach().to(dtype)
    z_hat = torch.from_numpy(z).to(dtype) + medians[:, None, None]
    with torch.no_grad():
        scales = branch(z_hat[None])[0]
    table = model.net.latent_bottleneck.scale_table.to(dtype)
    result = (scales[None] > table[:-1, None, None, None]).sum(0).numpy()
    model.net.hyper_synthesis_scale.float()
    return result


FRESH = """
import hashlib, sys, torch
torch.set_num_threads(2)
from refcodec.neural import decode
for line in open(sys.argv[1]):
    check, data = line.split()
    rgb, lat = decode(bytes.fromhex(data), 128, 128, check=int(check))
    print(hashlib.sha256(rgb + lat).hexdigest())
"""


def _same_elsewhere(model: NeuralModel, chunks: list[tuple[int, bytes, str]]) -> dict[str, int]:
    """Decode every chunk again: 2 threads, flush-denormal, and a fresh 2-thread process."""
    def count() -> int:
        return sum(hashlib.sha256(b"".join(codec.decode(d, 128, 128, model, c))).hexdigest()
                   == h for c, d, h in chunks)

    same = {}
    torch.set_num_threads(2)
    same["2 threads"] = count()
    torch.set_flush_denormal(True)
    same["2 threads + flush-denormal"] = count()
    torch.set_flush_denormal(False)
    torch.set_num_threads(1)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.writelines(f"{c} {d.hex()}\n" for c, d, _ in chunks)
        listing.flush()
        out = subprocess.run([sys.executable, "-c", FRESH, listing.name], check=True,
                             capture_output=True, text=True).stdout.split()
    same["fresh process, 2 threads"] = sum(a == h for a, (_, _, h) in zip(out, chunks,
                                                                          strict=True))
    return same


def _float_decoder_fails(model: NeuralModel, data: bytes, check: int) -> int:
    """1 if a decoder using float32 hyper-synthesis indexes is stopped by NRL-8/NRL-9."""
    from refcodec.errors import FormatError

    exact = codec._hyper

    def float_hyper(m: NeuralModel, symbols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, means = exact(m, symbols)
        return _float_indexes(m, symbols, torch.float32, 1) + m.z_tables, means

    codec._hyper = float_hyper  # type: ignore[assignment]
    try:
        codec.decode(data, 128, 128, model, check)
    except FormatError:
        return 1
    finally:
        codec._hyper = exact  # type: ignore[assignment]
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=PHOTOS)
    parser.add_argument("--no-avif", action="store_true")
    args = parser.parse_args()
    paths = sorted(args.corpus.glob("kodak/*.png")) + sorted(args.corpus.glob("wikimedia/*.png"))
    model = get_model("msillm-test")
    torch.set_num_threads(1)
    enc_t, dec_t, sizes, psnrs, avif_psnrs, avif_sizes = [], [], [], [], [], []
    histogram: Counter[int] = Counter()
    mismatch = {"float32": 0, "float64": 0, "integer": 0}
    agree = total = float_desync = caught = 0
    chunks: list[tuple[int, bytes, str]] = []
    for path in paths:
        low = _reduction(path)
        start = time.perf_counter()
        check, data = codec.encode(low, model)
        enc_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        rgb, latents = codec.decode(data, 128, 128, model, check)
        dec_t.append(time.perf_counter() - start)
        assert zlib.crc32(latents) == check
        chunks.append((check, data, hashlib.sha256(rgb + latents).hexdigest()))
        size = 1 + 4 + len(data)
        sizes.append(size)
        psnrs.append(psnr(low.tobytes(), rgb, low.size))
        if not args.no_avif:
            try:
                cid, acheck, adata, _ = encode_lowres_image(low, "avif", max_bytes=size - 5)
                arg, _, _ = decode_avif(cid, acheck, adata, 1024, 1024)
                avif_psnrs.append(psnr(low.tobytes(), arg, low.size))
                avif_sizes.append(5 + len(adata))
            except Exception as exc:
                print(f"{path.name}: avif failed: {exc}")
        z_shape, _ = codec.latent_shapes(model, 128, 128)
        z = np.frombuffer(latents[:2 * math.prod(z_shape)], "<i2").astype(np.int64)
        z = z.reshape(z_shape)
        exact, _ = codec._hyper(model, z)
        exact -= model.z_tables
        histogram.update(exact.ravel().tolist())
        torch.set_num_threads(2)
        again, _ = codec._hyper(model, z)
        mismatch["integer"] += int(not np.array_equal(again - model.z_tables, exact))
        for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
            one = _float_indexes(model, z, dtype, 1)
            two = _float_indexes(model, z, dtype, 2)
            mismatch[name] += int(not np.array_equal(one, two))
            if dtype == torch.float32:
                agree += int((one == exact).sum())
                total += exact.size
                if not np.array_equal(one, exact):
                    float_desync += 1
                    caught += _float_decoder_fails(model, data, check)
        torch.set_num_threads(1)
    n = len(paths)
    same = _same_elsewhere(model, chunks)
    print(f"{n} images, test model {model.row.name}, torch {torch.__version__}, 1 thread")
    print(f"encode {statistics.mean(enc_t) * 1e3:.1f} ms  decode "
          f"{statistics.mean(dec_t) * 1e3:.1f} ms (mean per 128x128 image)")
    print(f"msillm-test chunk: {statistics.mean(sizes):.1f} B mean, "
          f"PSNR {statistics.mean(psnrs):.2f} dB mean")
    if avif_psnrs:
        print(f"avif at the same budget: {statistics.mean(avif_sizes):.1f} B mean, PSNR "
              f"{statistics.mean(avif_psnrs):.2f} dB mean ({len(avif_psnrs)} images); "
              f"bytes ratio msillm/avif {statistics.mean(sizes) / statistics.mean(avif_sizes):.3f}")
    print("images with an index mismatch between 1 and 2 threads: "
          + ", ".join(f"{k} {v}/{n}" for k, v in mismatch.items()))
    print("decoded pixels and symbols identical to the 1-thread decode: "
          + ", ".join(f"{k} {v}/{n}" for k, v in same.items()))
    print(f"float32 index == integer index for {agree}/{total} latents "
          f"({100 * agree / total:.2f} %); a float32 hyper-synthesis decoder would "
          f"desynchronise on {float_desync}/{n} images; FormatError raised on "
          f"{caught}/{float_desync}")
    print("index histogram (index: latents): "
          + " ".join(f"{k}:{v}" for k, v in sorted(histogram.items())))
    print(f"distinct indexes used: {len(histogram)} of {len(model.thresholds)}")


if __name__ == "__main__":
    main()

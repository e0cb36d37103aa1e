"""Container benchmarks.

1. Container overhead of a text-only 1024x1024 file next to the framing PNG, QOI and
   RIFF/WebP would need around the same payload (each frame built here byte by byte from
   its format's definition, then measured).
2. Text-chunk payload next to zlib level 9 of the same text (the paper's choice) on the
   project's raster-scan descriptions.
3. `gpc validate` throughput on 10,000 files in one call, whole process, next to a
   baseline process that only reads the same files.
"""

from __future__ import annotations

import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import refcodec
from benchmarks import corpus
from refcodec.container import payload_bytes


def png_frame(payload: bytes, width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"gpCt", payload)
            + chunk(b"IEND", b""))


def qoi_frame(payload: bytes, width: int, height: int) -> bytes:
    return b"qoif" + struct.pack(">IIBB", width, height, 3, 0) + payload + b"\0" * 7 + b"\1"


def webp_frame(payload: bytes, width: int, height: int) -> bytes:
    # RIFF header, then the payload as one chunk (padded to even) after a VP8X-like header.
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0" * 4 + (width - 1).to_bytes(3, "little") + (
        height - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + b"GPCT" + struct.pack("<I", len(payload)) + payload + (
        b"\0" if len(payload) % 2 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + body


def overhead() -> None:
    text = corpus.load("detailed")[0]["text"]  # any ~1,200-character description
    data = refcodec.build(refcodec.encode(text, size=(1024, 1024)))
    gpc = refcodec.parse(data)
    payload = payload_bytes(gpc.text_chunk)
    ours = len(data) - len(payload)
    print("1. Container overhead, text-only 1024x1024 file (bytes beyond the payload)")
    print(f"   {'GPC (integrity check included)':40s} {ours:4d}   1.00x")
    for name, frame in (("PNG (signature, IHDR, chunk, IEND)", png_frame),
                        ("QOI (header, end marker; no checksum)", qoi_frame),
                        ("RIFF/WebP (RIFF, VP8X, chunk; no CRC)", webp_frame)):
        size = len(frame(payload, 1024, 1024)) - len(payload)
        print(f"   {name:40s} {size:4d}   {size / ours:.2f}x")
    print("   target: GPC <= 14 bytes")


V10_CODECS = (0, 1, 2)  # stored, DEFLATE, Brotli: the codecs of spec version 1.0


def text_chunk() -> None:
    print("\n2. Text-chunk payload / zlib.compress(text, 9), on the whole description corpus")
    for kind, codecs, label in (("detailed", V10_CODECS, "1.0 codecs"),
                                ("concise", V10_CODECS, "1.0 codecs"),
                                ("detailed", None, "all codecs"),
                                ("concise", None, "all codecs")):
        rows = corpus.load(kind)
        ratios, ours, zl = [], [], []
        for row in rows:
            raw = row["text"].encode()
            chunk = refcodec.TextChunk.encode(row["text"], 1, codecs)
            z = len(zlib.compress(raw, 9))
            ratios.append(chunk.payload_size / z)
            ours.append(chunk.payload_size)
            zl.append(z)
        chars = statistics.mean(len(r["text"]) for r in rows)
        print(f"   {kind:8s} {label}: n={len(rows):3d} mean {chars:5.0f} chars: "
              f"zlib-9 {statistics.mean(zl):6.1f} B, text chunk {statistics.mean(ours):6.1f} B, "
              f"mean ratio {statistics.mean(ratios):.3f}x")
    print("   target: <= 0.88x on detailed descriptions; gpc-ppm1 is trained "
          "on part of this corpus, see bench_text.py for the held-out split")


def validate_throughput(count: int = 10_000, codecs: tuple[int, ...] | None = V10_CODECS,
                        label: str = "stored/DEFLATE/Brotli text") -> None:
    print(f"\n3. `gpc validate` on {count} files ({label}), one process, start-up included")
    texts = [r["text"] for r in corpus.load("concise")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(count):
            text = f"{texts[i % len(texts)]} Variant {i}."
            (folder / f"{i:05d}.gpc").write_bytes(
                refcodec.build(refcodec.encode(text, size=(1024, 1024), text_codecs=codecs)))
        read_only = ("import os,sys\nfor r,_,fs in os.walk(sys.argv[1]):\n for f in sorted(fs):\n"
                     "  open(os.path.join(r,f),'rb').read()")
        timings = {}
        for name, cmd in (("baseline: python reading the files", [sys.executable, "-c",
                                                                   read_only, tmp]),
                          ("gpc validate -q", [sys.executable, "-m", "refcodec", "validate",
                                               "-q", tmp])):
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                subprocess.run(cmd, check=True)
                best = min(best, time.perf_counter() - start)
            timings[name] = best
        base = timings["baseline: python reading the files"]
        for name, seconds in timings.items():
            print(f"   {name:38s} {seconds:6.3f} s  {count / seconds:9.0f} files/s  "
                  f"{seconds / base:5.2f}x baseline time")
        print("   target: >= 10,000 files/s")


if __name__ == "__main__":
    overhead()
    text_chunk()
    validate_throughput()
    # The default writer codes descriptions with gpc-ppm1, whose pure-Python decoder
    # (about 1.4 ms for a 300-character text) bounds validation speed for such files.
    validate_throughput(1_000, None, "gpc-ppm1 text, the default")

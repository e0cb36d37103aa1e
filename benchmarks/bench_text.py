"""Text-codec benchmark (spec/text-codec.md): `python -m benchmarks.bench_text`.

For each split (train, eval) and kind (detailed, concise) of the description
corpus: mean coded bytes, bits per character and ratio against zlib level 9
(``len(zlib.compress(text, 9))``, the target's reference) of

- zlib-9 (zlib wrapper, the reference), raw DEFLATE (registry codec 1), Brotli-11 (codec 2),
- zstd level 19 with a dictionary trained on the train split (``zstandard``; content size,
  checksum and dictionary ID switched off in the frame),
- raw DEFLATE with a 32 KiB preset dictionary built from the train split (zlib ``zdict``),
- gpc-ppm1 (this project's text model, trained on the train split only),

where every codec but zlib-9 is counted as a whole text-chunk payload
(``textcodecs.payload_size``: template, codec and text-length varints plus data). Also the
mean encode and decode time per description of gpc-ppm1, one core, pure Python, table
already loaded. Figures on the train split are optimistic for the dictionary codecs and
gpc-ppm1 (they saw those texts); the eval split is the honest one.
"""

from __future__ import annotations

import statistics
import time
import zlib
from collections.abc import Callable

import brotli

from benchmarks import corpus
from refcodec import textmodel
from refcodec.textcodecs import payload_size
from refcodec.textmodel.tablefile import load_table

TEMPLATE = 1
PPM_CODEC = 3  # proposed registry ID of gpc-ppm1
ZDICT_BYTES = 32768
ZSTD_DICT_BYTES = 16384


def training_bytes() -> list[bytes]:
    rows = sorted(corpus.load(split="train"), key=lambda row: row["id"])
    return [row["text"].encode("utf-8") for row in rows]


def deflate_dictionary(texts: list[bytes]) -> bytes:
    """The last 32 KiB of the training texts, newline-joined (DEFLATE's window)."""
    return b"\n".join(texts)[-ZDICT_BYTES:]


def zstd_codec(texts: list[bytes]) -> tuple[str, Callable[[bytes], bytes] | None]:
    try:
        import zstandard
    except ImportError:
        return "zstd-19+dict (zstandard not installed)", None
    samples: list[bytes | bytearray | memoryview] = list(texts)
    try:
        zdict = zstandard.train_dictionary(ZSTD_DICT_BYTES, samples)
        label = "zstd-19+trained dict"
    except zstandard.ZstdError:
        zdict = zstandard.ZstdCompressionDict(
            b"\n".join(texts)[-ZSTD_DICT_BYTES:], dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        label = "zstd-19+raw dict (training failed)"
    compressor = zstandard.ZstdCompressor(
        level=19, dict_data=zdict, write_checksum=False, write_content_size=False,
        write_dict_id=False)
    return label, compressor.compress


def main() -> None:
    texts = training_bytes()
    zdict = deflate_dictionary(texts)

    def deflate_dict(raw: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=zdict)
        return compressor.compress(raw) + compressor.flush()

    def deflate(raw: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
        return compressor.compress(raw) + compressor.flush()

    zstd_label, zstd = zstd_codec(texts)
    codecs: list[tuple[str, int, Callable[[bytes], bytes]]] = [
        ("raw DEFLATE (codec 1)", 1, deflate),
        ("Brotli-11 (codec 2)", 2, lambda raw: brotli.compress(raw, quality=11)),
    ]
    if zstd is not None:
        codecs.append((zstd_label, 9, zstd))
    codecs += [("DEFLATE+32K preset dict", 9, deflate_dict),
               ("gpc-ppm1 (codec 3)", PPM_CODEC, textmodel.encode)]
    load_table()
    print(f"train texts: {len(texts)}, {sum(map(len, texts))} bytes; table loaded")
    for split in ("train", "eval"):
        for kind in ("detailed", "concise"):
            raws = [row["text"].encode("utf-8") for row in corpus.load(kind, split)]
            if not raws:
                continue
            chars = statistics.mean(len(raw.decode("utf-8")) for raw in raws)
            zlib9 = statistics.mean(len(zlib.compress(raw, 9)) for raw in raws)
            print(f"\n{split} / {kind}: {len(raws)} texts, mean {chars:.0f} characters")
            print(f"  {'codec':36s} {'bytes':>7s} {'bits/char':>9s} {'vs zlib-9':>9s}")
            print(f"  {'zlib-9 (reference)':36s} {zlib9:7.1f} {8 * zlib9 / chars:9.2f} {1:9.3f}")
            for name, codec_id, compress in codecs:
                size = statistics.mean(
                    payload_size(codec_id, len(raw), compress(raw), TEMPLATE) for raw in raws)
                print(f"  {name:36s} {size:7.1f} {8 * size / chars:9.2f} {size / zlib9:9.3f}")
            encode_ms, decode_ms = [], []
            for raw in raws:
                start = time.perf_counter()
                data = textmodel.encode(raw)
                middle = time.perf_counter()
                assert textmodel.decode(data, len(raw)) == raw, "gpc-ppm1 round trip failed"
                decode_ms.append(1000 * (time.perf_counter() - middle))
                encode_ms.append(1000 * (middle - start))
            print(f"  gpc-ppm1 time per text: encode {statistics.mean(encode_ms):.1f} ms,"
                  f" decode {statistics.mean(decode_ms):.1f} ms (max {max(decode_ms):.1f})")
    longest = max((row["text"].encode("utf-8") for row in corpus.load()), key=len)
    data = textmodel.encode(longest)
    start = time.perf_counter()
    textmodel.decode(data, len(longest))
    print(f"\nlongest description ({len(longest)} bytes): gpc-ppm1 decode"
          f" {1000 * (time.perf_counter() - start):.1f} ms")


if __name__ == "__main__":
    main()

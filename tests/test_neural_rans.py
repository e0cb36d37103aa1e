"""An independent pure-Python reading of NRL-8's rANS stream, checked against compressai.

It pins the algorithm the annex describes (spec/neural.md N.4) independently of the C++
extension: for every chunk, both decoders give the same symbols.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("torch")
np = pytest.importorskip("numpy")
pytest.importorskip("compressai")

from refcodec.neural import codec, get_model  # noqa: E402
from refcodec.neural.model import NeuralModel  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "refcodec" / "data" / "samples"
LOW = 1 << 31  # renormalisation bound of the 64-bit state
PRECISION = 16
BYPASS = 4


class Reader:
    """NRL-8 decoding: Rans64 state, 32-bit little-endian words, escapes in 4-bit digits."""

    def __init__(self, data: bytes) -> None:
        self.words = [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]
        self.state = self.words[0] | self.words[1] << 32
        self.position = 2

    def _renormalise(self) -> None:
        if self.state < LOW:
            self.state = (self.state << 32) | self.words[self.position]
            self.position += 1

    def _bits(self, count: int) -> int:
        value = self.state & ((1 << count) - 1)
        self.state >>= count
        self._renormalise()
        return value

    def symbol(self, cdf: list[int], offset: int) -> int:
        slot = self.state & ((1 << PRECISION) - 1)
        s = max(i for i in range(len(cdf) - 1) if cdf[i] <= slot)
        self.state = (cdf[s + 1] - cdf[s]) * (self.state >> PRECISION) + slot - cdf[s]
        self._renormalise()
        value, escape = s, len(cdf) - 2
        if value == escape:
            digit = count = self._bits(BYPASS)
            while digit == (1 << BYPASS) - 1:
                digit = self._bits(BYPASS)
                count += digit
            raw = sum(self._bits(BYPASS) << (BYPASS * j) for j in range(count))
            value = -(raw >> 1) - 1 if raw & 1 else (raw >> 1) + escape
        return value + offset


def _decode(model: NeuralModel, data: bytes, width: int, height: int) -> tuple[list[int],
                                                                                 list[int]]:
    z_shape, y_shape = codec.latent_shapes(model, width, height)
    reader = Reader(data[1:])
    z = [reader.symbol(model.cdfs[c], model.offsets[c])
         for c in range(z_shape[0]) for _ in range(z_shape[1] * z_shape[2])]
    indexes, _ = codec._hyper(model, np.array(z, dtype=np.int64).reshape(z_shape))
    y = [reader.symbol(model.cdfs[i], model.offsets[i]) for i in indexes.ravel().tolist()]
    assert len(y) == int(np.prod(y_shape))
    assert reader.state == LOW  # a canonical stream ends in the encoder's initial state
    assert reader.position == len(reader.words)
    return z, y


def test_independent_reader_matches_compressai() -> None:
    model = get_model("msillm-test")
    for path in sorted(SAMPLES.glob("*.png")):
        image = Image.open(path).convert("RGB")
        for size in ((128, 128), (40, 24)):
            low = image.resize(size, Image.Resampling.LANCZOS)
            _, data = codec.encode(low, model)
            z, y = _decode(model, data, *size)
            ref_z, ref_y, _ = codec._decode_symbols(model, data[1:], *size)
            assert z == ref_z.ravel().tolist()
            assert y == ref_y.ravel().tolist()


def test_escapes_decode_like_compressai() -> None:
    """Symbols far outside every table go through the bypass digits (NRL-8)."""
    model = get_model("msillm-test")
    from compressai import ans

    rng = np.random.default_rng(0)
    symbols = [int(v) for v in rng.integers(-40000, 40000, 300)] + [0, -1, 5000, -32768]
    indexes = [int(v) for v in rng.integers(0, len(model.cdfs), len(symbols))]
    encoder = ans.BufferedRansEncoder()
    encoder.encode_with_indexes(symbols, indexes, model.cdfs, model.lengths, model.offsets)
    data = encoder.flush()
    reader = Reader(data)
    decoded = [reader.symbol(model.cdfs[i], model.offsets[i]) for i in indexes]
    assert decoded == symbols
    assert reader.state == LOW

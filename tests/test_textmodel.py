"""The gpc-ppm1 text model (spec/text-codec.md): round trips, bounded decoding, golden bytes."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refcodec import FormatError
from refcodec.textmodel import decode, encode, tablefile
from refcodec.textmodel.rangecoder import RangeDecoder, RangeEncoder
from tests.support import ALLOWED_CHARS

ROOT = Path(__file__).resolve().parent.parent

#: Pinned outputs of the reference encoder (spec/text-codec.md §8). Change only with a new
#: table, i.e. a new codec ID.
GOLDEN = [
    (("Image: colour photograph, a red door in a stone wall; landscape.\nTop: pale blue sky.\n"
      "Bottom: grey cobbles."), "4544d7e6f863da4620894d15ad07"),
    ("Light: soft overcast daylight; low contrast.", "fe108ede039c3f"),
    ("Hello, 世界 🌍", "48656c6c6f2c20e4b896e7958c20f09f8c8d"),
    ("a", "61"),
]


def corpus_texts() -> list[bytes]:
    return [
        json.loads(line)["text"].encode("utf-8")
        for path in sorted((ROOT / "descriptions").glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


@pytest.mark.parametrize(("text", "hex_data"), GOLDEN)
def test_golden_vectors(text: str, hex_data: str) -> None:
    raw = text.encode("utf-8")
    assert encode(raw).hex() == hex_data
    assert decode(bytes.fromhex(hex_data), len(raw)) == raw


def test_range_coder_golden_vector() -> None:
    coder = RangeEncoder()
    for symbol in b"GPC":
        coder.encode(symbol, 1, 256)
    coder.encode(0, 3, 5)
    coder.encode(4, 1, 5)
    data = coder.finish()
    assert data.hex() == "47504334"
    decoder = RangeDecoder(data)
    for cum, freq, total in ((71, 1, 256), (80, 1, 256), (67, 1, 256), (0, 3, 5), (4, 1, 5)):
        assert cum <= decoder.target(total) < cum + freq
        decoder.consume(cum, freq)
    decoder.check_end()


@given(st.lists(st.tuples(st.integers(1, 65535), st.integers(0, 10**9), st.integers(1, 10**9)),
                max_size=200))
def test_range_coder_round_trips(symbols: list[tuple[int, int, int]]) -> None:
    intervals = []
    for total, a, b in symbols:
        cum = a % total
        freq = 1 + b % (total - cum)
        intervals.append((cum, freq, total))
    coder = RangeEncoder()
    for cum, freq, total in intervals:
        coder.encode(cum, freq, total)
    data = coder.finish()
    decoder = RangeDecoder(data)
    for cum, freq, total in intervals:
        assert cum <= decoder.target(total) < cum + freq
        decoder.consume(cum, freq)
    decoder.check_end()


def test_corpus_round_trips_and_compresses() -> None:
    texts = corpus_texts()
    assert texts
    for raw in texts:
        data = encode(raw)
        assert decode(data, len(raw)) == raw
        assert len(data) < len(raw) // 2


@given(st.text(ALLOWED_CHARS, max_size=600))
def test_any_allowed_text_round_trips_and_never_grows(text: str) -> None:
    raw = text.encode("utf-8")
    data = encode(raw)
    assert len(data) <= len(raw)
    assert decode(data, len(raw)) == raw


@pytest.mark.parametrize("unit", ["界", "🌍", "é", "ab\t\n", "Top: red door. "])
def test_longest_texts_round_trip(unit: str) -> None:
    raw = (unit * 16384).encode("utf-8")[: 16384 - 16384 % len(unit.encode())]
    data = encode(raw)
    assert len(data) <= len(raw)
    assert decode(data, len(raw)) == raw


def _decodes_or_rejects(data: bytes, length: int) -> None:
    try:
        out = decode(data, length)
    except FormatError as exc:
        clause = exc.clause
    else:
        clause = "decoded"
        assert len(out) == length
    assert clause in {"TXT-3", "decoded"}


@given(st.binary(max_size=300), st.integers(0, 2000))
def test_arbitrary_data_decodes_to_the_declared_length_or_is_rejected(
    data: bytes, length: int
) -> None:
    _decodes_or_rejects(data, length)


@given(st.sampled_from(corpus_texts()[:12]), st.integers(0, 10**6), st.integers(0, 7))
def test_corrupted_data_decodes_to_the_declared_length_or_is_rejected(
    raw: bytes, where: int, bit: int
) -> None:
    data = encode(raw)
    flipped = bytearray(data)
    flipped[where % len(data)] ^= 1 << bit
    _decodes_or_rejects(bytes(flipped), len(raw))
    _decodes_or_rejects(data[: where % len(data)], len(raw))
    _decodes_or_rejects(data, where % (len(raw) + 1))


def test_trailing_bytes_and_final_zero_are_rejected() -> None:
    raw = corpus_texts()[0]
    data = encode(raw)
    with pytest.raises(FormatError, match="follow the end"):
        decode(data + b"\x01" * 8, len(raw))
    with pytest.raises(FormatError, match="zero byte"):
        decode(data + b"\0", len(raw))


def test_data_longer_than_the_text_is_rejected() -> None:
    with pytest.raises(FormatError) as info:
        decode(b"abcd", 3)
    assert info.value.clause == "TXT-3"


def test_declared_length_beyond_the_limit_is_rejected() -> None:
    with pytest.raises(FormatError):
        decode(b"\x01", 16385)


def test_table_hash_mismatch_is_an_assertion(monkeypatch: pytest.MonkeyPatch) -> None:
    tablefile.load_table.cache_clear()
    monkeypatch.setattr(tablefile, "TABLE_SHA256", "0" * 64)
    with pytest.raises(AssertionError, match="SHA-256"):
        tablefile.load_table()
    monkeypatch.undo()
    tablefile.load_table.cache_clear()
    assert tablefile.load_table()


def test_table_file_is_pinned_and_parses_back() -> None:
    data = tablefile.TABLE_PATH.read_bytes()
    assert hashlib.sha256(data).hexdigest() == tablefile.TABLE_SHA256
    assert tablefile.serialize(tablefile.parse(data)) == data


def test_training_script_rebuilds_the_pinned_table() -> None:
    spec = importlib.util.spec_from_file_location("train", ROOT / "tools" / "train_text_model.py")
    assert spec is not None
    assert spec.loader is not None
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    assert train.build() == tablefile.TABLE_PATH.read_bytes()


def test_output_is_identical_across_processes() -> None:
    script = ("import sys; from refcodec.textmodel import encode; "
              "sys.stdout.write(encode('Top: 界 red door; Bottom: grey.'.encode() * 3).hex())")
    outputs = {
        subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                       text=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1
    assert outputs == {encode("Top: 界 red door; Bottom: grey.".encode() * 3).hex()}

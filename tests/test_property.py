"""Property tests: round trips, and nothing but FormatError on any other input.

The reference reader is compared with ``independent_reader`` (written from the
spec alone) on valid, random and mutated files: same verdict, same clause.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import refcodec
from conformance.craft import seal
from refcodec import GpcFile, MetaChunk, TextChunk, UnknownChunk
from tests import independent_reader, samples
from tests.support import ALLOWED_CHARS, ALLOWED_TEXT, verdict

META_KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=32)
SIZES = st.one_of(
    st.sampled_from([(1024, 1024), (768, 512), (512, 768), (2048, 2048)]),
    st.tuples(st.integers(1, 16384), st.integers(1, 16384)),
)


@st.composite
def gpc_files(draw: st.DrawFn) -> GpcFile:
    text = draw(ALLOWED_TEXT)
    chunks: list[TextChunk | MetaChunk | UnknownChunk] = [
        TextChunk.encode(text, draw(st.sampled_from([0, 1])))
    ]
    meta = draw(st.dictionaries(META_KEY, st.text(ALLOWED_CHARS, max_size=40), max_size=3))
    if meta:
        chunks.append(MetaChunk(tuple(sorted(meta.items()))))
    tags = sorted(draw(st.lists(st.integers(0x82, 0xBF), max_size=3)))
    chunks += [UnknownChunk(tag, draw(st.binary(max_size=20))) for tag in tags]
    width, height = draw(SIZES)
    minor = draw(st.integers(0, 15))
    return GpcFile(width, height, tuple(chunks), version=0x10 | minor, read_version=0x10)


def independent_verdict(data: bytes) -> str:
    try:
        independent_reader.read(data)
    except independent_reader.Reject as exc:
        return exc.clause
    return "valid"


@given(gpc_files())
def test_build_then_parse_round_trips(gpc: GpcFile) -> None:
    data = refcodec.build(gpc)
    parsed = refcodec.parse(data)
    assert parsed == gpc
    assert refcodec.build(parsed) == data
    other = independent_reader.read(data)
    assert (other["width"], other["height"], other["text"]) == (gpc.width, gpc.height, gpc.text)


@given(st.binary(max_size=300))
def test_random_bytes_raise_only_format_errors(data: bytes) -> None:
    assert verdict(data) == independent_verdict(data)


@given(st.binary(max_size=200))
def test_random_bodies_with_valid_signature_and_crc(body: bytes) -> None:
    data = seal(b"\x89GPC\x10\x10" + body)
    assert verdict(data) == independent_verdict(data)


@given(st.sampled_from(sorted(samples.ALL)), st.data())
def test_mutated_files_agree_with_independent_reader(name: str, data: st.DataObject) -> None:
    original = bytearray(samples.ALL[name]()[:-4])
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(original) - 1))
        original[pos] = data.draw(st.integers(0, 255))
    mutated = seal(bytes(original))  # re-sealed, so the checks behind the CRC are reached
    assert verdict(mutated) == independent_verdict(mutated)


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_every_truncation_and_bit_flip_is_rejected(name: str) -> None:
    data = samples.ALL[name]()
    assert verdict(data) == "valid"
    for end in range(len(data)):
        assert verdict(data[:end]) != "valid", end
    flips = 0
    for pos in range(len(data)):
        for bit in range(8):
            damaged = bytearray(data)
            damaged[pos] ^= 1 << bit
            assert verdict(bytes(damaged)) != "valid", (pos, bit)
            flips += 1
    assert flips == 8 * len(data)

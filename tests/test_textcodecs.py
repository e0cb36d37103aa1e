"""Text codecs (spec §8): exact round trips, smallest choice, bounded decoding."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refcodec import FormatError
from refcodec.textcodecs import (
    codec_id,
    decode_text,
    encode_text,
    payload_size,
)
from tests import samples
from tests.support import ALLOWED_TEXT

STORED, DEFLATE, BROTLI, GPC_PPM1 = (
    codec_id(name) for name in ("stored", "deflate", "brotli", "gpc-ppm1"))


@given(ALLOWED_TEXT, st.sampled_from([STORED, DEFLATE, BROTLI, GPC_PPM1]))
def test_every_codec_round_trips(text: str, codec: int) -> None:
    chosen, data = encode_text(text, 1, (codec,))
    assert chosen == codec
    length = None if codec == STORED else len(text.encode())
    assert decode_text(codec, length, data) == text


@given(ALLOWED_TEXT)
def test_encoder_keeps_the_smallest_payload(text: str) -> None:
    raw_length = len(text.encode())
    codec, data = encode_text(text, 1)
    best = payload_size(codec, raw_length, data, 1)
    for other in (STORED, DEFLATE, BROTLI, GPC_PPM1):
        _, other_data = encode_text(text, 1, (other,))
        assert best <= payload_size(other, raw_length, other_data, 1)


def test_long_description_compresses_below_zlib() -> None:
    codec, data = encode_text(samples.DETAILED, 1)
    assert codec != STORED
    assert payload_size(codec, len(samples.DETAILED), data, 1) < len(
        zlib.compress(samples.DETAILED.encode(), 9))


def test_tiny_text_is_stored() -> None:
    # Every other codec adds a text_length field that two bytes of text cannot pay for.
    assert encode_text("Zq", 0) == (STORED, b"Zq")


def test_description_picks_the_text_model() -> None:
    codec, data = encode_text("Image: a red ball; square.", 1)
    assert codec == GPC_PPM1
    assert len(data) < 10


@pytest.mark.parametrize("text", ["line\r\n", "nul\x00", "bell\x07", "del\x7f"])
def test_encoder_rejects_forbidden_controls(text: str) -> None:
    with pytest.raises(FormatError, match="TXT-6"):
        encode_text(text, 0)


@pytest.mark.parametrize("text", ["", "x" * 16385])
def test_encoder_rejects_lengths_outside_limit(text: str) -> None:
    with pytest.raises(FormatError, match="LIM-3"):
        encode_text(text, 0)


def test_decoder_stops_one_byte_past_declared_length() -> None:
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = bomb.compress(b"a" * 1_000_000) + bomb.flush()
    with pytest.raises(FormatError) as info:
        decode_text(DEFLATE, 100, data)
    assert info.value.clause == "TXT-4"
    assert "101 bytes" in info.value.message  # decompression stopped at the bound

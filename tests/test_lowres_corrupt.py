"""Corrupt image-chunk data: decoding raises FormatError and nothing else (LRS-*, IMG-3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import AvifImagePlugin, Image

from refcodec.errors import FormatError
from refcodec.lowres import CODECS, decode_lowres, encode_lowres_image
from refcodec.varint import encode_varint


def _gradient(width: int, height: int) -> Image.Image:
    image = Image.new("RGB", (width, height))
    image.putdata([(x * 255 // width, y * 255 // height, (x * y) % 256)
                   for y in range(height) for x in range(width)])
    return image


VALID = {codec.id: encode_lowres_image(_gradient(12, 10), codec.name, psnr=30.0)
         for codec in CODECS.values()}
W, H = 96, 80


def _decodes_or_rejects(codec_id: int, check: int, data: bytes) -> None:
    """Either a FormatError naming an LRS or IMG clause, or pixels that pass the check."""
    clause = "accepted"
    try:
        rgb, lw, lh = decode_lowres(codec_id, check, data, W, H)
    except FormatError as error:
        clause = error.clause
    else:  # a mutation the codec tolerates must still reproduce the checked pixels
        assert (lw, lh, len(rgb)) == (12, 10, 360)
    assert clause == "accepted" or clause.startswith(("LRS-", "IMG-", "VINT-"))  # §2.2


@given(codec_id=st.sampled_from(sorted(VALID)), position=st.integers(0, 10_000),
       value=st.integers(0, 255))
def test_any_byte_change(codec_id: int, position: int, value: int) -> None:
    _, check, data, _ = VALID[codec_id]
    position %= len(data)
    mutated = data[:position] + bytes([value]) + data[position + 1 :]
    _decodes_or_rejects(codec_id, check, mutated)


@given(codec_id=st.sampled_from(sorted(VALID)), cut=st.integers(0, 10_000),
       tail=st.binary(max_size=8))
def test_truncation_and_trailing_bytes(codec_id: int, cut: int, tail: bytes) -> None:
    _, check, data, _ = VALID[codec_id]
    _decodes_or_rejects(codec_id, check, data[: cut % (len(data) + 1)] + tail)


@given(codec_id=st.sampled_from(sorted(VALID)), data=st.binary(max_size=64))
def test_arbitrary_bytes(codec_id: int, data: bytes) -> None:
    _decodes_or_rejects(codec_id, 0, data)


def test_png_stream_must_end_at_the_chunk_end() -> None:
    _, check, data, _ = VALID[1]
    with pytest.raises(FormatError) as caught:
        decode_lowres(1, check, data + b"\x00", W, H)
    assert caught.value.clause == "LRS-4"


def test_avif_needs_a_profile_1_full_range_header_of_the_right_size() -> None:
    _, check, data, _ = VALID[3]
    header_length = data[0]
    wrong_profile = bytes([header_length, data[1] & 0x1F]) + data[2:]  # profile 0
    with pytest.raises(FormatError) as caught:
        decode_lowres(3, check, wrong_profile, W, H)
    assert caught.value.clause == "LRS-9"
    with pytest.raises(FormatError) as caught:
        decode_lowres(3, check, encode_varint(len(data)) + data, W, H)
    assert caught.value.clause == "LRS-8"


def test_webp_first_partition_must_fit() -> None:
    _, check, data, _ = VALID[2]
    with pytest.raises(FormatError) as caught:
        decode_lowres(2, check, encode_varint(len(data)) + data[1:], W, H)
    assert caught.value.clause == "LRS-11"


@pytest.mark.parametrize("threads", [1, 2])
def test_avif_decoding_does_not_depend_on_threads(
    threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AvifImagePlugin, "DEFAULT_MAX_THREADS", threads)
    codec_id, check, data, _ = VALID[3]  # check computed by the encoder with default threads
    rgb, _, _ = decode_lowres(codec_id, check, data, W, H)  # IMG-3 would fail on a change
    assert len(rgb) == 360

"""Canonical varints (spec §2.2): one encoding per value, at most three bytes; and the one
LEB128 reader they share with the AV1 OBU sizes (any form, at most eight bytes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refcodec import FormatError
from refcodec.lowres.av1 import OBU_FRAME, OBU_SEQUENCE_HEADER, obu, read_obus
from refcodec.varint import (
    VARINT_LIMIT,
    CanonicalVarInt,
    decode_varint,
    encode_varint,
    read_uleb128,
)

FIELD = CanonicalVarInt()


@pytest.mark.parametrize(("value", "hexbytes"), [
    (0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"),
    (16383, "ff7f"), (16384, "808001"), (VARINT_LIMIT - 1, "ffff7f"),
])
def test_encode_varint_spec_table(value: int, hexbytes: str) -> None:
    assert encode_varint(value).hex() == hexbytes
    assert FIELD.build(value).hex() == hexbytes
    assert FIELD.parse(bytes.fromhex(hexbytes)) == value


@given(st.integers(0, VARINT_LIMIT - 1))
def test_varint_round_trip(value: int) -> None:
    data = encode_varint(value)
    assert decode_varint(data, 0) == (value, len(data))
    assert FIELD.parse(data) == value


@pytest.mark.parametrize(("hexbytes", "clause"), [
    ("8000", "VINT-2"), ("808000", "VINT-2"), ("ff00", "VINT-2"),
    ("80808001", "VINT-3"), ("ffffff7f", "VINT-3"), ("80", "VINT-1"), ("", "VINT-1"),
])
def test_decode_varint_rejects(hexbytes: str, clause: str) -> None:
    with pytest.raises(FormatError) as info:
        decode_varint(bytes.fromhex(hexbytes), 0)
    assert info.value.clause == clause


@pytest.mark.parametrize("value", [-1, VARINT_LIMIT])
def test_encode_varint_rejects_out_of_range(value: int) -> None:
    with pytest.raises(FormatError, match="VINT-3"):
        encode_varint(value)


@pytest.mark.parametrize(("hexbytes", "clause"), [
    ("8000", "VINT-2"), ("808000", "VINT-2"), ("ff00", "VINT-2"),
    ("80808001", "VINT-3"), ("ffffff7f", "VINT-3"),
])
def test_varint_field_rejects_like_decode_varint(hexbytes: str, clause: str) -> None:
    with pytest.raises(FormatError) as info:
        FIELD.parse(bytes.fromhex(hexbytes))
    assert info.value.clause == clause


@pytest.mark.parametrize(("hexbytes", "value", "end"), [
    ("00", 0, 1), ("8000", 0, 2), ("ff8000", 127, 3), ("ac02", 300, 2),
    ("8080808080808000", 0, 8), ("ffffffff0f", (1 << 32) - 1, 5),
])
def test_read_uleb128_any_form_up_to_av1s_eight_bytes(hexbytes: str, value: int,
                                                       end: int) -> None:
    assert read_uleb128(bytes.fromhex(hexbytes) + b"rest", 0, 8, canonical=False) == (value, end)


def test_read_uleb128_longer_than_the_limit_is_vint3() -> None:
    with pytest.raises(FormatError) as info:
        read_uleb128(bytes.fromhex("808080808080808000"), 0, 8, canonical=False)
    assert info.value.clause == "VINT-3"


def test_av1_obus_split_with_any_size_form() -> None:
    padded = bytes([OBU_SEQUENCE_HEADER << 3 | 0x02]) + bytes.fromhex("8380808000") + b"abc"
    data = padded + obu(OBU_FRAME, b"frame")
    assert read_obus(data) == [(OBU_SEQUENCE_HEADER, b"abc"), (OBU_FRAME, b"frame")]
    with pytest.raises(ValueError, match="OBU size field"):
        read_obus(data[:3])

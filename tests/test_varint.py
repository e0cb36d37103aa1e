"""Canonical varints (spec §2.2): one encoding per value, at most three bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refcodec import FormatError
from refcodec.varint import VARINT_LIMIT, CanonicalVarInt, decode_varint, encode_varint

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

"""Container schema pieces (spec §2-§10). Whole-file verdicts for every clause are the
conformance cases (conformance/definitions.py, run by tests/test_conformance.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import refcodec
from conformance.craft import PAD_TAG, chunk, file, minimal, text_payload
from refcodec import FormatError, schema
from refcodec.limits import MAX_FILE_BYTES


def test_prefix_fields() -> None:
    prefix = schema.Prefix.parse(b"\x89GPC\x13\x10")
    assert (prefix.version, prefix.read_version) == (0x13, 0x10)
    assert schema.Prefix.build({"signature": schema.SIGNATURE, "version": 0x10,
                                "read_version": 0x10}) == b"\x89GPC\x10\x10"


@pytest.mark.parametrize(("size", "encoded"), [
    ((1024, 1024), "01"), ((768, 512), "05"), ((1000, 700), "00e807bc05"), ((1, 1), "000101"),
])
def test_image_size_encoding(size: tuple[int, int], encoded: str) -> None:
    from refcodec import registry

    preset = registry.size_preset_for(*size)
    fields = {"size_preset": preset, "width": None if preset else size[0],
              "height": None if preset else size[1]}
    assert schema.ImageSize.build(fields).hex() == encoded


def test_text_payload_fields() -> None:
    payload = schema.TextPayload.parse(bytes.fromhex("0102056162636465"))
    assert (payload.template, payload.codec, payload.text_length, payload.data) == (
        1, 2, 5, b"abcde")
    stored = schema.TextPayload.parse(b"\x00\x00abc")
    assert (stored.codec, stored.text_length, stored.data) == (0, None, b"abc")


def test_building_an_invalid_header_names_the_clause() -> None:
    with pytest.raises(FormatError, match=r"^\[VER-2\]"):
        schema.Prefix.build({"signature": schema.SIGNATURE, "version": 0x10,
                             "read_version": 0x11})


@given(st.binary(max_size=12))
def test_payload_schemas_raise_only_format_errors(payload: bytes) -> None:
    for tag in schema.PAYLOADS:
        try:
            schema._parse_payload(tag, payload, (64, 64))
        except FormatError as exc:
            assert exc.clause  # noqa: PT017 - every rejection names a clause


def test_file_size_limit_is_exact() -> None:
    pad = MAX_FILE_BYTES - len(minimal()) - 4  # one ancillary chunk: tag + 3-byte length
    data = file(chunk(0x01, text_payload()), chunk(PAD_TAG, b"\0" * pad))
    assert len(data) == MAX_FILE_BYTES
    assert refcodec.build(refcodec.parse(data)) == data

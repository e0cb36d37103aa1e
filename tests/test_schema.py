"""Container schema pieces (spec §2-§10). Whole-file verdicts for every clause are the
conformance cases (conformance/definitions.py, run by tests/test_conformance.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import refcodec
from conformance.craft import PAD_TAG, chunk, file, minimal, text_payload
from refcodec import FormatError, schema
from refcodec.chunks import HANDLERS, ChunkContext, read_payload
from refcodec.chunks.text import TextPayload
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
    payload = TextPayload.parse(bytes.fromhex("0102056162636465"))
    assert (payload.template, payload.codec, payload.text_length, payload.data) == (
        1, 2, 5, b"abcde")
    stored = TextPayload.parse(b"\x00\x00abc")
    assert (stored.codec, stored.text_length, stored.data) == (0, None, b"abc")


def test_building_an_invalid_header_names_the_clause() -> None:
    with pytest.raises(FormatError, match=r"^\[VER-2\]"):
        schema.Prefix.build({"signature": schema.SIGNATURE, "version": 0x10,
                             "read_version": 0x11})


@given(st.binary(max_size=12))
def test_payload_schemas_raise_only_format_errors(payload: bytes) -> None:
    for tag in HANDLERS:
        try:
            read_payload(tag, payload, ChunkContext(64, 64))
        except FormatError as exc:
            assert exc.clause  # noqa: PT017 - every rejection names a clause


def test_file_size_limit_is_exact() -> None:
    pad = MAX_FILE_BYTES - len(minimal()) - 4  # one ancillary chunk: tag + 3-byte length
    data = file(chunk(0x01, text_payload()), chunk(PAD_TAG, b"\0" * pad))
    assert len(data) == MAX_FILE_BYTES
    assert refcodec.build(refcodec.parse(data)) == data


def test_a_meta_chunk_of_many_empty_entries_is_rejected_by_its_first_rule() -> None:
    """Hundreds of thousands of empty entries: rejected (META-2) by a direct walk, without
    one construct container per entry (which took 25 s for this file; the cost itself is
    measured by benchmarks/, not here)."""
    import zlib

    from refcodec.varint import encode_varint

    count = 300_000
    payload = encode_varint(count) + b"\x00\x00" * count
    body = (b"\x89GPC\x10\x10\x01" + b"\x01\x03\x00\x00x"
            + b"\x81" + encode_varint(len(payload)) + payload)
    with pytest.raises(FormatError, match=r"^\[META-2\]"):
        refcodec.parse(body + zlib.crc32(body).to_bytes(4, "little"))

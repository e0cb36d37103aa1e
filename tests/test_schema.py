"""Container schema: every malformed construction is rejected with its clause (spec §2-§10)."""

from __future__ import annotations

import zlib

import brotli
import pytest
from craft import SIG, V10, chunk, file, minimal, seal, text_payload

import refcodec
from refcodec import FormatError
from refcodec.limits import MAX_FILE_BYTES, MAX_TEXT_BYTES


def deflate(raw: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush()


TEXT = chunk(0x01, text_payload())
PAD = chunk(0x90, b"padding")  # keeps tiny crafted files above the LIM-1 minimum

REJECTS = {
    # name: (bytes, clause)
    "empty": (b"", "SIG-1"),
    "png_signature": (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "SIG-1"),
    "signature_only": (SIG, "LIM-1"),
    "header_cut": (SIG + b"\x10", "LIM-1"),
    "major_2": (file(TEXT, header=SIG + b"\x20\x20\x01"), "VER-1"),
    "major_0": (file(TEXT, header=SIG + b"\x00\x00\x01"), "VER-1"),
    "read_gt_version": (file(TEXT, header=SIG + b"\x10\x11\x01"), "VER-2"),
    "read_other_major": (file(TEXT, header=SIG + b"\x12\x02\x01"), "VER-2"),
    "needs_newer_reader": (file(TEXT, header=SIG + b"\x12\x11\x01"), "VER-3"),
    "major_2_bad_crc": (SIG + b"\x20\x20" + b"\xff" * 20, "VER-1"),
    "too_short": (seal(SIG + V10 + b"\x01\x01"), "LIM-1"),
    "too_long": (seal(SIG + V10 + b"\x01" + b"\x81\x00" * (MAX_FILE_BYTES // 2)), "LIM-1"),
    "bad_crc": (minimal()[:-1] + bytes([minimal()[-1] ^ 1]), "INT-1"),
    "trailing_byte": (minimal() + b"\x00", "INT-1"),
    "unknown_preset": (file(TEXT, header=SIG + V10 + b"\x63"), "HDR-1"),
    "explicit_preset_size": (file(TEXT, header=SIG + V10 + b"\x00\x80\x08\x80\x08"), "HDR-2"),
    "zero_width": (file(TEXT, header=SIG + V10 + b"\x00\x00\x05"), "LIM-2"),
    "huge_height": (file(TEXT, header=SIG + V10 + b"\x00\x05\x81\x80\x01"), "LIM-2"),
    "noncanonical_preset": (file(TEXT, header=SIG + V10 + b"\x81\x00"), "VINT-2"),
    "noncanonical_width": (file(TEXT, header=SIG + V10 + b"\x00\x85\x00\x05"), "VINT-2"),
    "varint_4_bytes": (file(TEXT, header=SIG + V10 + b"\x00\x81\x80\x80\x00"), "VINT-3"),
    "header_runs_out": (seal(SIG + V10 + b"\x00\x85\x85\x85\x05\x05\x05\x05\x85"), "VINT-3"),
    "reserved_tag_bit": (file(chunk(0x41, text_payload())), "CHK-1"),
    "length_beyond_data": (file(b"\x01\x20" + text_payload()), "CHK-2"),
    "length_field_cut": (file(TEXT, b"\x90\x80"), "CHK-2"),
    "noncanonical_length": (file(b"\x01\x87\x00" + text_payload()), "VINT-2"),
    "unknown_critical": (file(TEXT, chunk(0x03, b"x")), "CHK-3"),
    "tag_zero": (file(chunk(0x00, b""), TEXT), "CHK-3"),
    "decreasing_tags": (file(TEXT, chunk(0x90, b""), chunk(0x81, b"\x00")), "CHK-5"),
    "meta_before_text": (file(chunk(0x81, b"\x00"), TEXT), "CHK-5"),
    "two_texts": (file(TEXT, TEXT), "CHK-6"),
    "two_metas": (file(TEXT, chunk(0x81, b"\x00"), chunk(0x81, b"\x00")), "CHK-6"),
    "no_text": (file(chunk(0x90, b"xyz")), "CHK-7"),
    "too_many_chunks": (file(TEXT, *[chunk(0x90, b"")] * 16), "LIM-4"),
    "text_payload_empty": (file(chunk(0x01, b""), PAD), "TXT-1"),
    "text_payload_cut_varint": (file(chunk(0x01, b"\x00\x80"), PAD), "TXT-1"),
    "unknown_template": (file(chunk(0x01, text_payload(template=9))), "TPL-1"),
    "unknown_text_codec": (file(chunk(0x01, text_payload(codec=9))), "TXT-2"),
    "stored_empty_text": (file(chunk(0x01, text_payload(b"")), PAD), "LIM-3"),
    "declared_length_zero": (file(chunk(0x01, text_payload(deflate(b"a"), codec=1, length=0))),
                             "LIM-3"),
    "deflate_bomb": (file(chunk(0x01, text_payload(deflate(b"a" * 100_000), codec=1,
                                                   length=MAX_TEXT_BYTES + 1))), "LIM-3"),
    "stored_too_long": (file(chunk(0x01, text_payload(b"a" * (MAX_TEXT_BYTES + 1)))), "LIM-3"),
    "deflate_garbage": (file(chunk(0x01, text_payload(b"\xff\xff\xff", codec=1, length=3))),
                        "TXT-3"),
    "deflate_truncated": (file(chunk(0x01, text_payload(deflate(b"hello world" * 9)[:-3],
                                                        codec=1, length=99))), "TXT-3"),
    "deflate_trailing": (file(chunk(0x01, text_payload(deflate(b"hello") + b"\x00", codec=1,
                                                       length=5))), "TXT-3"),
    "brotli_garbage": (file(chunk(0x01, text_payload(b"\xff\xff\xff\xff", codec=2, length=4))),
                       "TXT-3"),
    "brotli_trailing": (file(chunk(0x01, text_payload(brotli.compress(b"hello") + b"x",
                                                      codec=2, length=5))), "TXT-3"),
    "brotli_truncated": (file(chunk(0x01, text_payload(brotli.compress(b"hello " * 50)[:-2],
                                                       codec=2, length=300))), "TXT-3"),
    "deflate_longer_than_declared": (file(chunk(0x01, text_payload(deflate(b"hello!"), codec=1,
                                                                   length=5))), "TXT-4"),
    "deflate_shorter_than_declared": (file(chunk(0x01, text_payload(deflate(b"hello"), codec=1,
                                                                    length=6))), "TXT-4"),
    "brotli_bomb_declared_small": (file(chunk(0x01, text_payload(
        brotli.compress(b"\0" * 10_000_000, quality=5), codec=2, length=10))), "TXT-4"),
    "invalid_utf8": (minimal(b"caf\xc3"), "TXT-5"),
    "overlong_utf8": (minimal(b"\xc0\xaf"), "TXT-5"),
    "surrogate_utf8": (minimal(b"\xed\xa0\x80"), "TXT-5"),
    "carriage_return": (minimal(b"line\r\nnext"), "TXT-6"),
    "nul_character": (minimal(b"a\x00b"), "TXT-6"),
    "escape_character": (minimal(b"\x1b[31mred"), "TXT-6"),
    "image_chunk_unregistered_codec": (file(TEXT, chunk(0x02, b"\x01\0\0\0\0data")), "IMG-2"),
    "image_chunk_cut": (file(TEXT, chunk(0x02, b"")), "IMG-1"),
    "meta_trailing": (file(TEXT, chunk(0x81, b"\x00\x00")), "META-1"),
    "meta_cut": (file(TEXT, chunk(0x81, b"\x01\x03ke")), "META-1"),
    "meta_bad_key": (file(TEXT, chunk(0x81, b"\x01\x03Key\x00")), "META-2"),
    "meta_empty_key": (file(TEXT, chunk(0x81, b"\x01\x00\x00")), "META-2"),
    "meta_unsorted": (file(TEXT, chunk(0x81, b"\x02\x01b\x00\x01a\x00")), "META-2"),
    "meta_duplicate": (file(TEXT, chunk(0x81, b"\x02\x01a\x00\x01a\x00")), "META-2"),
    "meta_bad_utf8": (file(TEXT, chunk(0x81, b"\x01\x01a\x01\xff")), "META-2"),
    "meta_long_value": (file(TEXT, chunk(0x81, b"\x01\x01a\x81\x08" + b"v" * 1025)), "META-2"),
}


@pytest.mark.parametrize("name", sorted(REJECTS))
def test_parse_rejects_with_clause(name: str) -> None:
    data, clause = REJECTS[name]
    with pytest.raises(FormatError) as info:
        refcodec.parse(data)
    assert info.value.clause == clause, str(info.value)
    assert str(info.value).startswith(f"[{clause}] ")


ACCEPTS = {
    "minimal": minimal(),
    "tab_and_lf": minimal(b"a\tb\nc"),
    "bom_kept": minimal("\ufeffstart".encode()),
    "max_text": file(chunk(0x01, text_payload(b"a" * MAX_TEXT_BYTES))),
    "max_dimensions": file(TEXT, header=SIG + V10 + b"\x00\x80\x80\x01\x80\x80\x01"),
    "unknown_ancillary_repeated": file(TEXT, chunk(0x90, b"a"), chunk(0x90, b"b"),
                                       chunk(0xBF, b"")),
    "newer_minor_readable": file(TEXT, header=SIG + b"\x1f\x10\x01"),
    "deflate_declared_exact": file(chunk(0x01, text_payload(deflate(b"hello"), codec=1, length=5))),
    "meta_two_keys": file(TEXT, chunk(0x81, b"\x02\x01a\x01x\x01b\x00")),
}


@pytest.mark.parametrize("name", sorted(ACCEPTS))
def test_parse_accepts_and_rebuilds_identically(name: str) -> None:
    data = ACCEPTS[name]
    assert refcodec.build(refcodec.parse(data)) == data


def test_max_dimensions_are_read() -> None:
    gpc = refcodec.parse(ACCEPTS["max_dimensions"])
    assert (gpc.width, gpc.height) == (16384, 16384)


def test_file_size_limit_is_exact() -> None:
    pad = MAX_FILE_BYTES - len(minimal()) - 4  # one ancillary chunk: tag + 3-byte length
    data = file(chunk(0x01, text_payload()), chunk(0x90, b"\0" * pad))
    assert len(data) == MAX_FILE_BYTES
    assert refcodec.build(refcodec.parse(data)) == data

"""Golden bytes: the worked example of spec Appendix A, annotated field by field."""

from __future__ import annotations

import refcodec

# fmt: off
APPENDIX_A = bytes.fromhex(
    "89 47 50 43"               # 0  signature
    "10"                        # 4  version 1.0
    "10"                        # 5  read_version 1.0
    "05"                        # 6  size_preset 5 = 768x512
    "01"                        # 7  chunk tag 0x01: text, critical
    "1c"                        # 8  length 28
    "01"                        # 9  template 1: raster-scan-v1
    "00"                        # 10 codec 0: stored, no text_length
    "49 6d 61 67 65 3a 20 61"   # 11 "Image: a"
    "20 72 65 64 20 62 61 6c"   # 19 " red bal"
    "6c 3b 20 73 71 75 61 72"   # 27 "l; squar"
    "65 2e"                     # 35 "e."
    "c3 49 c0 48"               # 37 crc32 0x48C049C3, little-endian
)
# fmt: on


def test_appendix_a_is_what_the_encoder_writes() -> None:
    assert len(APPENDIX_A) == 41
    built = refcodec.build(refcodec.encode("Image: a red ball; square.", size=(768, 512),
                                           text_codecs=(0,)))
    assert built == APPENDIX_A


def test_appendix_a_with_the_default_codec() -> None:
    built = refcodec.build(refcodec.encode("Image: a red ball; square.", size=(768, 512)))
    assert built.hex(" ").upper() == (
        "89 47 50 43 11 11 05 01 09 01 03 1A C8 80 D5 8C 3B 9F 68 E6 CC DB")


def test_appendix_a_parses_to_its_fields() -> None:
    gpc = refcodec.parse(APPENDIX_A)
    assert (gpc.width, gpc.height, gpc.template, gpc.text) == (
        768, 512, 1, "Image: a red ball; square.")
    assert (gpc.version, gpc.read_version) == (0x10, 0x10)
    assert gpc.text_chunk.codec == 0


def test_appendix_a_bytes_are_printed_in_the_spec() -> None:
    from tests.test_registry import SPEC

    spec = SPEC.read_text("utf-8")
    assert "37      C3 49 C0 48" in spec
    assert "File size 41 bytes; container overhead (file size minus chunk payloads) 13" in spec

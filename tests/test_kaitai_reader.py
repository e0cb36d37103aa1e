"""The Kaitai Struct reader (conformance/kaitai, written from spec/gpc.md alone) against the
reference codec, used as a black box: same results on valid files, same verdict (the first
failing clause, §18) on random, mutated and hand-made invalid files."""

from __future__ import annotations

import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any

import brotli
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from kaitai.reader import Gpc, KaitaiReject, read

import refcodec
from refcodec import FormatError

KAITAI_DIR = Path(__file__).resolve().parent.parent / "conformance" / "kaitai"
SIGNATURE = b"\x89GPC"
PRESETS = [(1024, 1024), (1536, 1024), (1024, 1536), (512, 512), (768, 512), (512, 768),
           (2048, 2048), (256, 256)]


def reference_verdict(data: bytes) -> tuple[Any, ...] | str:
    try:
        gpc = refcodec.parse(data)
    except FormatError as error:
        return error.clause
    tags = [chunk.tag for chunk in gpc.chunks]
    return (gpc.width, gpc.height, gpc.text, gpc.template, tags)


def kaitai_verdict(data: bytes) -> tuple[Any, ...] | str:
    try:
        result = read(data)
    except KaitaiReject as error:
        return error.clause
    return (result["width"], result["height"], result["text"], result["template"],
            result["chunks"])


def reseal(data: bytes) -> bytes:
    """Give ``data`` a correct CRC-32 so that the checks after INT-1 are reached."""
    if len(data) < 10:
        return data
    return data[:-4] + zlib.crc32(data[:-4]).to_bytes(4, "little")


# --- (a) the generated parser is reproducible ------------------------------------------------

def test_recompiling_the_ksy_reproduces_the_generated_parser(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run conformance/kaitai/compile.mjs")
    if not (KAITAI_DIR / "node_modules" / "kaitai-struct-compiler").is_dir():
        pytest.skip("conformance/kaitai/node_modules is missing: run `npm ci` in that folder")
    subprocess.run([node, "compile.mjs", str(tmp_path)], cwd=KAITAI_DIR, check=True,
                   capture_output=True)
    fresh = (tmp_path / "gpc.py").read_bytes()
    assert fresh == (KAITAI_DIR / "generated" / "gpc.py").read_bytes(), (
        "spec/gpc.ksy changed: regenerate with `cd conformance/kaitai && node compile.mjs`")


def test_preset_registry_of_the_ksy_matches_the_spec_table() -> None:
    from kaitai.reader import PRESET_SIZES

    assert [PRESET_SIZES[preset] for preset in range(1, 9)] == PRESETS


# --- (b) valid files written by the reference writer ----------------------------------------

ALLOWED_TEXT = st.characters(
    codec="utf-8",  # no surrogates
    exclude_characters="".join(map(chr, [*range(0x09), *range(0x0B, 0x20), 0x7F])),
)
TEXTS = st.one_of(
    st.text(ALLOWED_TEXT, min_size=1, max_size=400),
    st.text(st.sampled_from("Image: red ball; Top: sky.\n\t"), min_size=1, max_size=3000),
)
SIZES = st.one_of(
    st.sampled_from(PRESETS),
    st.tuples(st.integers(1, 16_384), st.integers(1, 16_384)).filter(
        lambda size: size not in PRESETS),
)
META_KEYS = st.text(st.sampled_from("abcxyz019._-"), min_size=1, max_size=32)
METAS = st.one_of(st.none(), st.dictionaries(
    META_KEYS, st.text(ALLOWED_TEXT, max_size=40), min_size=1, max_size=4))
UNKNOWN_CHUNKS = st.lists(
    st.tuples(st.integers(0x82, 0xBF), st.binary(max_size=20)), max_size=3)


@given(text=TEXTS, size=SIZES, template=st.sampled_from([0, 1]), meta=METAS,
       unknown=UNKNOWN_CHUNKS, minor=st.integers(0, 15))
def test_valid_reference_files_read_the_same(
    text: str, size: tuple[int, int], template: int, meta: dict[str, str] | None,
    unknown: list[tuple[int, bytes]], minor: int,
) -> None:
    assume(len(text.encode()) <= 16_384)
    gpc = refcodec.encode(text, size=size, template=template, meta=meta)
    extra = tuple(refcodec.UnknownChunk(tag, payload) for tag, payload in sorted(unknown))
    # A newer writer version, never below what the chunks need (VER-2, VER-4).
    version = max(gpc.read_version, 0x10 + minor)
    gpc = refcodec.GpcFile(gpc.width, gpc.height, gpc.chunks + extra, version=version)
    data = refcodec.build(gpc)
    expected = (size[0], size[1], text, template, [chunk.tag for chunk in gpc.chunks])
    assert kaitai_verdict(data) == reference_verdict(data) == expected
    whole = Gpc.from_bytes(data)  # the plain generated parser reads every valid file
    assert whole.crc32 == zlib.crc32(data[:-4])


@pytest.mark.parametrize("codec", [0, 1, 2])
def test_every_text_codec_reads_the_same(codec: int) -> None:
    text = "Image: a red ball on grass; square.\nTop: pale sky. " * 20
    data = refcodec.build(refcodec.encode(text, size=(640, 480), text_codecs=(codec,)))
    assert read(data)["text"] == text
    assert kaitai_verdict(data) == reference_verdict(data)


# --- (c) invalid and random bytes: same verdict ---------------------------------------------

def sample_files() -> list[bytes]:
    long_text = "Image: a harbour at dusk; wide.\nTop: orange sky; thin clouds. " * 30
    return [
        refcodec.build(refcodec.encode("Image: a red ball; square.", size=(768, 512))),
        refcodec.build(refcodec.encode(long_text, size=(1, 16_384), text_codecs=(1,),
                                       meta={"encoder": "test"})),
        refcodec.build(refcodec.encode(long_text, size=(4000, 3000), template=0,
                                       text_codecs=(2,))),
    ]


def test_every_bit_flip_and_truncation_gets_the_same_verdict() -> None:
    compared, expected = 0, 0
    for base in sample_files():
        expected += 2 * 9 * len(base)
        variants = [base[:cut] for cut in range(len(base))]
        for index in range(len(base)):
            for bit in range(8):
                flipped = bytearray(base)
                flipped[index] ^= 1 << bit
                variants.append(bytes(flipped))
        for variant in variants:
            for candidate in (variant, reseal(variant)):
                assert kaitai_verdict(candidate) == reference_verdict(candidate), candidate.hex()
                compared += 1
    assert compared == expected


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(sample_files())))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["set", "insert", "delete"]))
        if action == "set" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=6))
        else:
            del data[position:position + draw(st.integers(1, 4))]
    return reseal(bytes(data)) if draw(st.booleans()) else bytes(data)


@given(mutated_files())
def test_mutated_files_get_the_same_verdict(data: bytes) -> None:
    assert kaitai_verdict(data) == reference_verdict(data)


@given(st.binary(max_size=64), st.sampled_from([b"\x10\x10", b"\x13\x10", b"\x10\x11", b""]))
def test_random_bytes_get_the_same_verdict(tail: bytes, versions: bytes) -> None:
    data = reseal(SIGNATURE + versions + tail)
    assert kaitai_verdict(data) == reference_verdict(data)


# --- hand-made edge cases where the spec needed reading closely -----------------------------

def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes([*out, value])


def chunk(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + varint(len(payload)) + payload


def sealed(body: bytes, versions: bytes = b"\x10\x10") -> bytes:
    return reseal(SIGNATURE + versions + body + b"\0\0\0\0")


TEXT = chunk(0x01, b"\x01\x00hello world!")
HELLO_DEFLATE = zlib.compress(b"hello world!")[2:-4]
HELLO_BROTLI = brotli.compress(b"hello world!")
EDGE_CASES = {
    "valid-appendix-a": (sealed(b"\x05" + chunk(1, b"\x01\x00Image: a red ball; square.")),
                         None),
    "four-bytes-signature-only": (SIGNATURE, "LIM-1"),
    "newer-minor-read-version": (sealed(b"\x05" + TEXT, b"\x13\x13"), "VER-3"),
    "read-version-above-version": (sealed(b"\x05" + TEXT, b"\x10\x11"), "VER-2"),
    "header-fills-file-no-chunks": (sealed(b"\x00\x80\x80\x01\xe8\x07"), "CHK-7"),
    "height-varint-cut-by-crc": (sealed(b"\x00\x80\x80\x01\x80\x80"), "FILE-2"),
    "height-varint-4-bytes-at-crc": (sealed(b"\x00\x80\x80\x80\x80\x80"), "VINT-3"),
    "explicit-size-equals-preset": (sealed(b"\x00\x80\x08\x80\x08" + TEXT), "HDR-2"),
    "zero-width-before-hdr2": (sealed(b"\x00\x00\x05" + TEXT), "LIM-2"),
    "chunk-length-varint-cut": (sealed(b"\x05" + TEXT + b"\x90\x80"), "CHK-2"),
    "chunk-tag-is-last-byte": (sealed(b"\x05" + TEXT + b"\x90"), "CHK-2"),
    "tag-0x80-is-unknown-ancillary": (sealed(b"\x05" + TEXT + chunk(0x80, b"zz")), None),
    "tag-0x00-is-unknown-critical": (sealed(b"\x05" + chunk(0, b"") + TEXT), "CHK-3"),
    "reserved-bit-before-order": (sealed(b"\x05" + TEXT + chunk(0x41, b"")), "CHK-1"),
    "text-after-meta": (sealed(b"\x05" + chunk(0x81, b"\x00") + TEXT), "CHK-5"),
    "two-text-chunks": (sealed(b"\x05" + TEXT + TEXT), "CHK-6"),
    "seventeen-chunks": (sealed(b"\x05" + TEXT + chunk(0x90, b"") * 16), "LIM-4"),
    "template-checked-before-codec-layout": (sealed(b"\x05" + chunk(1, b"\x05") + b"\x90\x00"),
                                             "TPL-1"),
    "image-codec-checked-before-check-layout": (sealed(b"\x05" + TEXT + chunk(2, b"\x05")),
                                                "IMG-2"),
    "empty-image-payload": (sealed(b"\x05" + TEXT + chunk(2, b"")), "IMG-1"),
    "meta-count-zero": (sealed(b"\x05" + TEXT + chunk(0x81, b"\x00")), None),
    "meta-layout-before-key-rules": (sealed(b"\x05" + TEXT + chunk(0x81, b"\x01\x01A\x00\xff")),
                                     "META-1"),
    "meta-value-no-controls": (sealed(b"\x05" + TEXT + chunk(0x81, b"\x01\x01a\x01\x00")),
                               "META-2"),
    "stored-text-keeps-bom": (sealed(b"\x05" + chunk(1, b"\x01\x00\xef\xbb\xbfhello")), None),
    "stored-text-c1-control-allowed": (sealed(b"\x05" + chunk(1, b"\x01\x00a\xc2\x85bcdef")),
                                       None),
    "stored-text-cr": (sealed(b"\x05" + chunk(1, b"\x01\x00ab\rcdefgh")), "TXT-6"),
    "stored-text-surrogate": (sealed(b"\x05" + chunk(1, b"\x01\x00\xed\xa0\x80abcdef")),
                              "TXT-5"),
    "deflate-bytes-after-stream": (sealed(b"\x05" + chunk(1, b"\x01\x01\x0c" + HELLO_DEFLATE
                                                          + b"\x00")), "TXT-3"),
    "deflate-longer-than-declared": (sealed(b"\x05" + chunk(1, b"\x01\x01\x02" + HELLO_DEFLATE
                                                            + b"\xff")), "TXT-4"),
    "brotli-bytes-after-stream": (sealed(b"\x05" + chunk(1, b"\x01\x02\x0c" + HELLO_BROTLI
                                                         + b"\x00")), "TXT-3"),
    "brotli-truncated": (sealed(b"\x05" + chunk(1, b"\x01\x02\x0c" + HELLO_BROTLI[:-1])),
                         "TXT-3"),
    "brotli-bomb": (sealed(b"\x05" + chunk(1, b"\x01\x02\x0c"
                                           + brotli.compress(b"a" * 1_000_000))), "TXT-4"),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_case_verdicts(name: str) -> None:
    data, clause = EDGE_CASES[name]
    kaitai, reference = kaitai_verdict(data), reference_verdict(data)
    assert kaitai == reference
    if clause is None:
        assert isinstance(kaitai, tuple)
    else:
        assert kaitai == clause

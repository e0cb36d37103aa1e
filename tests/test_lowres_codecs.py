"""Low-resolution codecs (spec/lowres.md): round trips, golden vectors, rate control."""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path

import pytest
from PIL import Image

from refcodec.errors import FormatError, UsageError
from refcodec.lowres import (
    CODECS,
    codec_by_name,
    decode_lowres,
    encode_lowres,
    encode_lowres_image,
    preview,
    psnr,
    reference_image,
    reference_png,
)
from refcodec.lowres.avif import build_avif, split
from refcodec.lowres.downsample import lowres_size, reduce, squash
from refcodec.lowres.png import build_png
from refcodec.lowres.webp import build_webp
from tests.support import SAMPLE_PHOTOS

CORPUS_IMAGES = SAMPLE_PHOTOS[:2]  # real photographs shipped in the repository
NAMES = [codec.name for codec in CODECS.values()]

# Decoder conformance vectors: (codec, file size, check, data hex, SHA-256 of the RGB8
# pixels). Encoders may produce other bytes; every decoder must produce these pixels.
GOLDEN = [
    ("png", (24, 16), 0x255ACDA1, "636460d030e56630e5666011746710e49615e4960500",
     "90b7d164a98e784ebca3d85f0dd91474abe03616de915969cd410f554d89d48b"),
    ("webp", (40, 24), 0xF9546214,
     ("2300000025b00274ba01f801fa81fd029407e005c007f00bf00fd00de3306bfd40d40000feff69fffeb3f"
     "ffe267fffad3b85f6d99d7fe86fffccc47ffb7dc85abffe412e47f5a40ff7e4a003736e721fd183f77ff3"
     "dccd717fd09e9e62c3dfcfb5cffffca3cfff7b612bf7a905fe74973fc2ebf6c77f9be6c7fc1b04745f6bf"
     "3b90fff90580000"),
     "70e630a3a9d18a56a798475402372cde183f8e2f81bca252ddd6ebdff7d493b2"),
    ("avif", (32, 32), 0xC2B260BC,
     ("0838047da404341a401402632680c30c3f28000000f66f40aead04cf3121d44fb11cfc1b9325cf4385bf"
     "8a3776fe3fa8154dbd4be4e1add844f8a390"),
     "252d21d10933e02cfaba2d17eafb864b32e516c4e5015ff36f0fcd0e385680ef"),
]


def _smooth(width: int, height: int) -> Image.Image:
    """Gradients with a few edges: reaches 20-40 dB at ordinary rates."""
    image = Image.new("RGB", (width, height))
    image.putdata([(x * 255 // width, (y * 200 // height + 40 * (x > width // 2)) % 256,
                    (x + y) * 127 // (width + height) + 60 * ((x // 6 + y // 6) % 2))
                   for y in range(height) for x in range(width)])
    return image


def _tiny(width: int, height: int) -> Image.Image:
    image = Image.new("RGB", (width, height))
    image.putdata([((x * 53 + y * 17) % 256, (x * 11 + y * 71) % 256, (x * y * 29 + 40) % 256)
                   for y in range(height) for x in range(width)])
    return image


@pytest.mark.parametrize(("name", "size", "check", "data", "digest"), GOLDEN)
def test_golden_vectors_decode_to_pinned_pixels(
    name: str, size: tuple[int, int], check: int, data: str, digest: str
) -> None:
    rgb, lw, lh = decode_lowres(codec_by_name(name).id, check, bytes.fromhex(data), *size)
    assert (lw, lh) == lowres_size(*size)
    assert hashlib.sha256(rgb).hexdigest() == digest
    assert zlib.crc32(rgb) == check


def test_golden_wrappers_are_the_specified_bytes() -> None:
    """LRS-4, LRS-10, LRS-11: the rebuilt files, byte for byte (sizes 3x2, 5x3, 4x4)."""
    png = build_png(bytes.fromhex(GOLDEN[0][3]), 3, 2)
    assert png[:33].hex() == ("89504e470d0a1a0a0000000d49484452"
                              "000000030000000208020000001216f14d")
    assert hashlib.sha256(png).hexdigest() == (
        "c8b309148cebf8d4fe8516208a2823c5747b25dc03151559da7b339205816d84")
    webp = build_webp(bytes.fromhex(GOLDEN[1][3]), 5, 3)
    assert webp[:30].hex() == "524946469c0000005745425056503820900000007004009d012a05000300"
    assert hashlib.sha256(webp).hexdigest() == (
        "fc94d19ae30d63b4e613500e0c6abe79383b0438aa6c4e6b97a115331e0deb4f")
    avif = build_avif(*split(bytes.fromhex(GOLDEN[2][3]), 4, 4), 4, 4)
    assert avif[:28] == b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"
    assert hashlib.sha256(avif).hexdigest() == (
        "e1726dcf7df53bf02f41b6f14ce513084ed960d8453d15d9eab899a3c7f9e147")


@pytest.mark.parametrize("path", CORPUS_IMAGES, ids=lambda p: p.stem)
@pytest.mark.parametrize("name", NAMES)
def test_corpus_round_trip_at_128(path: Path, name: str) -> None:
    with Image.open(path) as source:
        big = squash(source, (1024, 1024))
    codec_id, check, data, _ = encode_lowres(big, name, psnr=26.0)
    rgb, lw, lh = decode_lowres(codec_id, check, data, 1024, 1024)
    assert (lw, lh) == (128, 128)
    quality = psnr(reduce(big).tobytes(), rgb, (lw, lh))
    assert quality >= 26.0
    if name == "png":
        assert rgb == reduce(big).tobytes()


@pytest.mark.parametrize("name", ["webp", "avif"])
def test_byte_budget_is_met(name: str) -> None:
    low = _smooth(48, 40)
    _, _, loose, _ = encode_lowres_image(low, name, psnr=40.0)
    budget = len(loose) * 2 // 3
    _, _, data, _ = encode_lowres_image(low, name, max_bytes=budget)
    assert len(data) <= budget


@pytest.mark.parametrize("name", ["webp", "avif"])
def test_higher_psnr_target_costs_more_bytes(name: str) -> None:
    low = _smooth(48, 40)
    reference = low.tobytes()
    codec = codec_by_name(name)
    low_quality = encode_lowres_image(low, name, psnr=24.0)[2]
    high_quality = encode_lowres_image(low, name, psnr=28.0)[2]
    assert len(high_quality) > len(low_quality)
    assert psnr(reference, codec.decode(high_quality, 48, 40).rgb, low.size) >= 28.0
    assert psnr(reference, codec.decode(low_quality, 48, 40).rgb, low.size) >= 24.0


def test_impossible_budget_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="cannot fit"):
        encode_lowres_image(_tiny(64, 64), "avif", max_bytes=5)
    with pytest.raises(UsageError, match="budget"):
        encode_lowres_image(_tiny(64, 64), "png", max_bytes=5)
    with pytest.raises(UsageError, match="unknown low-resolution codec"):
        codec_by_name("jpeg")


@pytest.mark.parametrize("name", NAMES)
def test_check_mismatch_is_img3(name: str) -> None:
    codec_id, check, data, _ = encode_lowres_image(_tiny(9, 7), name)
    with pytest.raises(FormatError) as caught:
        decode_lowres(codec_id, check ^ 1, data, 72, 56)
    assert caught.value.clause == "IMG-3"


@pytest.mark.parametrize("name", NAMES)
def test_wrong_header_size_is_rejected(name: str) -> None:
    codec_id, check, data, _ = encode_lowres_image(_tiny(9, 7), name)
    with pytest.raises(FormatError):
        decode_lowres(codec_id, check, data, 80, 56)


def test_unknown_codec_is_img2() -> None:
    with pytest.raises(FormatError) as caught:
        decode_lowres(99, 0, b"", 8, 8)
    assert caught.value.clause == "IMG-2"


def test_reference_image_object() -> None:
    rgb = bytes(range(12))
    assert reference_image(rgb, 2, 2) == {
        "width": 2, "height": 2, "pixels_sha256": hashlib.sha256(rgb).hexdigest()}


def test_sizes_round_up_and_alpha_flattens_to_white() -> None:
    assert lowres_size(1024, 1024) == (128, 128)
    assert lowres_size(1, 17) == (1, 3)
    clear = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    assert reduce(clear).getpixel((0, 0)) == (255, 255, 255)


def test_reference_png_carries_exactly_the_pixels() -> None:
    rgb = _tiny(5, 3).tobytes()
    png = reference_png(rgb, 5, 3)
    with Image.open(io.BytesIO(png)) as image:
        assert (image.mode, image.size, image.tobytes()) == ("RGB", (5, 3), rgb)
    chunk_types = []
    pos = 8
    while pos < len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        chunk_types.append(png[pos + 4 : pos + 8])
        pos += 12 + length
    assert chunk_types == [b"IHDR", b"IDAT", b"IEND"]


def test_preview_has_the_header_size() -> None:
    assert preview(_tiny(5, 3).tobytes(), 5, 3, 40, 17).size == (40, 17)

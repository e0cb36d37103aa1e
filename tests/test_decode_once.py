"""The reference image is decoded once per parse and once per encode attempt: ``build``
and the generation request reuse the pixels a chunk carries."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PIL import Image

import refcodec
from refcodec import codecs, registry
from refcodec.codecs import DecodedImage
from refcodec.compose import lowres_chunk
from refcodec.encoder import EncodeOptions, encode_image, fixed_text

PNG = registry.named(registry.IMAGE_CODECS, "png", "image codec").id


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the calls of the png codec's decoder (a counting codec in its registry slot)."""
    import refcodec.lowres  # noqa: F401  (registers the codecs)

    calls: list[int] = []
    real = codecs.IMAGE[PNG]

    def counting(data: bytes, width: int, height: int, *, check: int | None = None,
                 model_dir: Path | None = None) -> DecodedImage:
        calls.append(1)
        return real.decode(data, width, height, check=check, model_dir=model_dir)

    monkeypatch.setitem(codecs.IMAGE, PNG, dataclasses.replace(real, decode=counting))
    return calls


def _photo(path: Path) -> Path:
    Image.radial_gradient("L").convert("RGB").resize((80, 48)).save(path)
    return path


def test_one_decode_per_parse_and_none_for_build_or_request(decodes: list[int],
                                                           tmp_path: Path) -> None:
    chunk = lowres_chunk(_photo(tmp_path / "a.png"), "png")
    assert len(decodes) == 1  # the lossless codec has one encode attempt
    data = refcodec.build(refcodec.encode("a grey disc", size=(80, 48), image=chunk))
    assert len(decodes) == 1  # build re-parses, reusing the encoder's pixels
    decodes.clear()
    gpc = refcodec.parse(data)
    assert len(decodes) == 1
    assert refcodec.build(gpc) == data
    request = refcodec.derive_request(gpc)
    assert request.reference_image is not None
    assert len(decodes) == 1  # build and the request reuse the parse's pixels


def test_a_hand_made_chunk_is_decoded_once(decodes: list[int], tmp_path: Path) -> None:
    made = lowres_chunk(_photo(tmp_path / "a.png"), "png")
    bare = refcodec.ImageChunk(made.codec, made.check, made.data)  # no pixels attached
    decodes.clear()
    gpc = refcodec.encode("a grey disc", size=(80, 48), image=bare)
    refcodec.build(gpc)
    refcodec.derive_request(gpc)
    assert len(decodes) == 1


def test_a_rate_controlled_encode_decodes_once_per_attempt(decodes: list[int],
                                                           tmp_path: Path) -> None:
    text = "Image: a grey disc on black; soft edges; centred. " * 6
    result = encode_image(_photo(tmp_path / "a.png"), fixed_text(text),
                          EncodeOptions(lowres="png", max_bytes=3000))
    assert len(result.data) <= 3000
    assert len(decodes) == 1  # however many texts rate control measured


def test_reused_pixels_are_the_decoded_pixels(tmp_path: Path) -> None:
    chunk = lowres_chunk(_photo(tmp_path / "a.png"), "png")
    data = refcodec.build(refcodec.encode("a grey disc", size=(80, 48), image=chunk))
    fresh = refcodec.parse(data).image_chunk
    assert fresh is not None
    assert chunk.decoded is not None
    assert fresh.pixels == chunk.decoded.rgb

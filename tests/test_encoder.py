"""refcodec/encoder.py: the one encode path."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcodec import encoder

SAMPLE = Path(__file__).resolve().parent.parent / "refcodec" / "data" / "samples" / "kodim05.png"


@pytest.mark.parametrize("options", [
    encoder.EncodeOptions(),
    encoder.EncodeOptions(lowres="webp", max_bytes=300),
    encoder.EncodeOptions(lowres="png"),
    encoder.EncodeOptions(lowres="avif", target_bpp=0.002),
])
def test_first_word_budget_is_what_encode_image_asks_first(options: encoder.EncodeOptions
                                                           ) -> None:
    """Requests prepared ahead (the Batch API) ask for what the one encode path asks."""
    asked: list[int] = []

    def describe(words: int) -> str:
        asked.append(words)
        return "Image: a photograph of a house.\nTop: sky."

    encoder.encode_image(SAMPLE, describe, options)
    reference = encoder.prepare_reference(SAMPLE, options)
    assert asked[0] == encoder.first_word_budget(reference, options)
    # a prepared reference, without its pixels, gives the same file
    again = encoder.encode_image(SAMPLE, describe, options, reference.compact())
    assert again.data == encoder.encode_image(SAMPLE, describe, options).data

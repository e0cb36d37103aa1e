"""Rate control: the file never exceeds the budget; re-ask once, then trim at phrases."""

from __future__ import annotations

import asyncio
import random
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import refcodec
from refcodec.backends.openai_backend import Captioner, prepare_caption_image
from refcodec.ratecontrol import (
    DEFAULT_WORD_BUDGET,
    RateError,
    budget_from_bpp,
    fit_description,
    fit_description_async,
    initial_word_budget,
    trim_to_budget,
)
from tests.openai_server import StubServer, describe_pixels, settings_for
from tests.support import SAMPLE_PHOTOS

pytest_plugins = ["tests.openai_fixtures"]

SIZE = (768, 512)
PICTURE = Image.radial_gradient("L").convert("RGB").resize((140, 100))



def _phrases(text: str) -> set[str]:
    return {p.strip().rstrip(".") for line in text.split("\n") for p in line.split(";")}


@given(max_bytes=st.integers(16, 900), verbosity=st.floats(0.3, 3.0))
def test_never_over_budget(max_bytes: int, verbosity: float) -> None:
    calls: list[int] = []

    def describe(words: int) -> str:
        calls.append(words)
        return describe_pixels(PICTURE, words, verbosity)

    try:
        result = fit_description(describe, size=SIZE, max_bytes=max_bytes)
    except RateError:
        # only when even the first phrase of the first line cannot fit
        minimal = describe(calls[-1]).split(";")[0].split("\n")[0].rstrip(".") + "."
        assert len(refcodec.build(refcodec.encode(minimal, size=SIZE))) > max_bytes
        return
    assert len(result.data) <= max_bytes
    assert refcodec.build(refcodec.parse(result.data)) == result.data
    assert refcodec.parse(result.data).text == result.text
    assert len(calls) <= 2
    assert _phrases(result.text) <= _phrases(describe(calls[0])) | _phrases(
        describe(calls[-1]))


def test_fits_first_time_with_one_call() -> None:
    calls: list[int] = []
    result = fit_description(lambda w: calls.append(w) or describe_pixels(PICTURE, w, 0.8),
                             size=SIZE, max_bytes=600)
    assert calls == [initial_word_budget(600)]
    assert not result.trimmed
    assert result.sizes == [len(result.data)]


def _random_words(count: int, seed: int = 0) -> str:
    """Hard-to-compress text (any text codec needs about 3 bytes a word for it)."""
    rng = random.Random(seed)
    words = ("".join(rng.choices(string.ascii_lowercase, k=5)) for _ in range(count))
    return "Image: " + "; ".join(words) + "."


def test_overshoot_asks_again_with_a_smaller_budget() -> None:
    calls: list[int] = []

    def describe(words: int) -> str:  # first answer far too long, second short
        calls.append(words)
        return _random_words(words * 4) if len(calls) == 1 else "Image: a; b."

    result = fit_description(describe, size=SIZE, max_bytes=400)
    assert len(calls) == 2
    assert calls[1] < calls[0]
    assert not result.trimmed
    assert len(result.data) <= 400


def test_trims_at_phrase_boundaries_as_a_last_resort() -> None:
    long_text = _random_words(300).replace("; ", ";\nTop: ", 3)
    result = fit_description(lambda _w: long_text, size=SIZE, max_bytes=250)
    assert result.trimmed
    assert len(result.data) <= 250
    assert _phrases(result.text) <= _phrases(long_text)
    assert result.text.startswith("Image: ")


def test_minimal_description_that_cannot_fit() -> None:
    with pytest.raises(RateError, match="raise --max-bytes"):
        fit_description(lambda _w: "Image: a very long first phrase that cannot fit at all",
                        size=SIZE, max_bytes=20)


def test_trim_to_budget_returns_none_when_nothing_fits() -> None:
    assert trim_to_budget("Image: a; b", lambda _t: None) is None


def test_text_over_the_format_limit_counts_as_over_budget() -> None:
    huge = "Image: " + "; ".join(f"phrase {i}" for i in range(3000))
    result = fit_description(lambda _w: huge, size=SIZE, max_bytes=300)
    assert len(result.data) <= 300


def test_without_budget_one_call_with_the_default_word_budget() -> None:
    calls: list[int] = []
    result = fit_description(lambda w: calls.append(w) or "Image: x.", size=SIZE)
    assert calls == [DEFAULT_WORD_BUDGET]
    assert result.text == "Image: x."


def test_budget_from_bpp() -> None:
    assert budget_from_bpp(0.01, (768, 512)) == 491
    with pytest.raises(refcodec.UsageError):
        budget_from_bpp(0, (768, 512))


def test_async_form_follows_the_same_plan() -> None:
    async def describe(words: int) -> str:
        return _random_words(words * 4)

    result = asyncio.run(fit_description_async(describe, size=SIZE, max_bytes=300))
    assert len(result.data) <= 300
    assert len(result.word_budgets) == 2


@pytest.mark.parametrize("path", SAMPLE_PHOTOS, ids=lambda p: p.stem)
def test_corpus_images_through_the_stub_server(stub_server: StubServer, path: Path) -> None:
    pytest.importorskip("openai", reason="the openai extra is not installed")
    settings = settings_for(stub_server)
    png = prepare_caption_image(path, settings.caption_max_side)
    size = refcodec.image_size(path)
    with Captioner(settings) as captioner:
        for max_bytes in (180, 300, 600):
            result = fit_description(lambda w: captioner.describe(png, w), size=size,
                                     max_bytes=max_bytes)
            assert len(result.data) <= max_bytes

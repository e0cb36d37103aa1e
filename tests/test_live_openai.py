"""Live smoke test against the real OpenAI API. Opt-in twice, so a developer's key in the
environment never makes the ordinary suite touch the network or spend money:
``GPC_LIVE=1 OPENAI_API_KEY=... pytest -m live tests/test_live_openai.py``. Models come from
GPC_CAPTION_MODEL / GPC_IMAGE_MODEL or the defaults. Cost: one caption and one low-quality
image (a few cents)."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

import refcodec
from refcodec.backends.openai_backend import Captioner, Renderer, prepare_caption_image
from refcodec.backends.settings import resolve_settings
from refcodec.ratecontrol import fit_description

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("OPENAI_API_KEY"), reason="OPENAI_API_KEY not set"),
    pytest.mark.skipif(os.environ.get("GPC_LIVE") != "1", reason="set GPC_LIVE=1 to run"),
]


def test_caption_fit_and_render() -> None:
    settings = resolve_settings({"image_quality": "low"})
    picture = Image.linear_gradient("L").convert("RGB").resize((256, 192))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    png = prepare_caption_image(buffer.getvalue(), settings.caption_max_side)
    with Captioner(settings) as captioner:
        fit = fit_description(lambda w: captioner.describe(png, w), size=(256, 192),
                              max_bytes=250)
    assert len(fit.data) <= 250
    assert fit.text.startswith("Image:")
    with Renderer(settings) as renderer:
        out = renderer.render(refcodec.parse(fit.data))
    with Image.open(io.BytesIO(out)) as image:
        assert image.size == (256, 192)
    assert settings.api_key is not None
    assert settings.api_key not in fit.text

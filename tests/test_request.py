"""The normative generation request (spec §11, §12)."""

from __future__ import annotations

import json

import pytest

import refcodec
from refcodec import FormatError, GpcFile, ImageChunk, TextChunk, registry
from refcodec.request import derive_request, generator_size, prompt_for

GENERATE = registry.template_text(1, "generate")


def test_request_json_is_canonical_and_golden() -> None:
    gpc = refcodec.parse(refcodec.build(refcodec.encode("Ünïcode \"q\"\\\n\tend",
                                                        size=(768, 512), template=0)))
    expected = ('{"generator_size":"1536x1024","height":512,"operation":"generate",'
                '"prompt":"Ünïcode \\"q\\"\\\\\\n\\tend","reference_image":null,'
                '"request_version":1,"template":"verbatim","width":768}')
    assert derive_request(gpc).to_json() == expected.encode("utf-8")
    assert json.loads(expected)["prompt"] == gpc.text


def test_template_1_prompt_is_instructions_then_text() -> None:
    gpc = refcodec.encode("Image: a red ball; square.", size=(1024, 1024))
    request = derive_request(gpc)
    assert request.prompt == GENERATE + "Image: a red ball; square."
    assert request.prompt.endswith("Description:\nImage: a red ball; square.")
    assert request.operation == "generate"


def test_with_reference_uses_the_reference_template() -> None:
    assert prompt_for(1, "x", with_reference=True) == (
        registry.template_text(1, "generate-with-reference") + "x")
    assert prompt_for(0, "x", with_reference=True) == "x"


@pytest.mark.parametrize(("size", "expected"), [
    ((1024, 1024), (1024, 1024)), ((1250, 1000), (1024, 1024)), ((1251, 1000), (1536, 1024)),
    ((1000, 1250), (1024, 1024)), ((1000, 1251), (1024, 1536)), ((768, 512), (1536, 1024)),
    ((512, 768), (1024, 1536)), ((1, 16384), (1024, 1536)), ((16384, 1), (1536, 1024)),
])
def test_generator_size_rule(size: tuple[int, int], expected: tuple[int, int]) -> None:
    assert generator_size(*size) == expected


def test_file_with_an_undecodable_image_chunk_has_no_request() -> None:
    # Built in memory (no valid file can hold it): REQ-3 forbids a request without the image.
    gpc = GpcFile(64, 64, (TextChunk.encode("x", 0), ImageChunk(1, 0, b"")))
    with pytest.raises(FormatError):
        derive_request(gpc)

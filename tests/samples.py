"""Valid files used across the tests, built through the public API."""

from __future__ import annotations

import refcodec
from refcodec import GpcFile, MetaChunk, TextChunk, UnknownChunk

DETAILED = (
    "Image: colour photograph, red barn in a summer field; landscape.\n"
    "Layout: low horizon at one third height; barn centre-right; open sky above.\n"
    "Top: pale blue sky; a few thin white clouds left and centre.\n"
    "Middle: dark green tree line left; red wooden barn with white trim centre-right; "
    "grey metal roof.\n"
    "Bottom: yellow-green grass field with a dirt track curving from bottom left to the barn.\n"
    "Colours: barn red, grass green, sky blue, white.\n"
    "Light: late afternoon sun from the left; long soft shadows to the right."
)
CONCISE = "Image: photo, red barn in a field; landscape.\nLight: afternoon sun from left."


def text_only() -> bytes:
    return refcodec.build(refcodec.encode(DETAILED, size=(1024, 1024)))


def explicit_size() -> bytes:
    return refcodec.build(refcodec.encode(CONCISE, size=(1000, 700), template=0))


def with_meta_and_unknown() -> bytes:
    gpc = GpcFile(
        640, 480,
        (TextChunk.encode(CONCISE, 1), MetaChunk((("encoder", "gpc-refcodec test"),)),
         UnknownChunk(0x90, b"\x00\x01future"), UnknownChunk(0x90, b"")),
    )
    return refcodec.build(gpc)


def newer_minor_version() -> bytes:
    """Written as version 1.3 but readable by 1.0 readers (VER-3): only 1.0 text codecs."""
    text = TextChunk.encode(CONCISE, 1, codecs=(0, 1, 2))
    gpc = GpcFile(1024, 1024, (text,), version=0x13, read_version=0x10)
    return refcodec.build(gpc)


ALL = {
    "text_only": text_only,
    "explicit_size": explicit_size,
    "with_meta_and_unknown": with_meta_and_unknown,
    "newer_minor_version": newer_minor_version,
}

"""Text codec ``stored`` (spec/gpc.md §8.2): the UTF-8 bytes as they are, no length field."""

from __future__ import annotations

from ..codecs import register_text_codec


def _same(data: bytes, limit: int = 0) -> bytes:
    del limit
    return data


register_text_codec("stored", encode=_same, decode=_same)

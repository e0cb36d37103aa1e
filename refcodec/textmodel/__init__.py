"""The GPC text model codec ``gpc-ppm1`` (spec/text-codec.md).

``encode`` returns the text chunk data for codec gpc-ppm1; ``decode`` gets
it back given the declared text length. Data as long as the text is the text
itself (raw mode, [TXC-3]); shorter data is a range-coded PPM stream.
"""

from __future__ import annotations

from ..errors import FormatError
from ..limits import MAX_TEXT_BYTES
from . import ppm
from .tablefile import load_table

__all__ = ["decode", "encode"]


def encode(raw: bytes) -> bytes:
    """Shortest data for ``raw``: the model stream, or ``raw`` itself if not shorter."""
    coded = ppm.encode(raw, load_table())
    return coded if len(coded) < len(raw) else raw


def decode(data: bytes, text_length: int) -> bytes:
    """The ``text_length`` bytes that ``data`` encodes; FormatError TXT-3 if malformed."""
    if not 0 <= text_length <= MAX_TEXT_BYTES:
        msg = f"declared text length {text_length} outside 0..{MAX_TEXT_BYTES}"
        raise FormatError("TXT-3", msg)
    if len(data) == text_length:
        return data
    if len(data) > text_length:
        msg = f"text model data ({len(data)} bytes) is longer than the text ({text_length})"
        raise FormatError("TXT-3", msg)
    return ppm.decode(data, text_length, load_table())

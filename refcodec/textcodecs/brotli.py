"""Text codec ``brotli`` (spec/gpc.md §8.2, §8.3): one Brotli stream (RFC 7932).

Decoding stops one output block past the declared length; the stream must be complete and
end at the end of the data (TXT-3).
"""

from __future__ import annotations

import brotli

from ..codecs import register_text_codec
from ..errors import FormatError


def decode(data: bytes, limit: int) -> bytes:
    decoder = brotli.Decompressor()
    try:
        out = decoder.process(data, output_buffer_limit=limit + 1)
    except brotli.error:
        msg = "text is not a valid Brotli stream, or data follows its end"
        raise FormatError("TXT-3", msg) from None
    if len(out) <= limit and not decoder.is_finished():
        raise FormatError("TXT-3", "Brotli stream is truncated")
    return bytes(out)


def encode(raw: bytes) -> bytes:
    # The window size only changes the stream header; try each and keep the smallest.
    smallest: bytes = min(
        (brotli.compress(raw, quality=11, lgwin=lgwin, mode=brotli.MODE_TEXT)
         for lgwin in (10, 16, 18, 22)),
        key=len,
    )
    return smallest


register_text_codec("brotli", encode=encode, decode=decode)

"""Text codec ``deflate`` (spec/gpc.md §8.2, §8.3): one raw DEFLATE stream (RFC 1951).

Decoding stops one byte past the declared length (the caller then reports TXT-4) and the
stream must end exactly at the end of the data (TXT-3).
"""

from __future__ import annotations

import zlib

from ..codecs import register_text_codec
from ..errors import FormatError


def decode(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=-15)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        msg = f"text is not a valid raw DEFLATE stream ({exc})"
        raise FormatError("TXT-3", msg) from None
    if len(out) <= limit and not inflater.eof:
        raise FormatError("TXT-3", "DEFLATE stream is truncated")
    if inflater.unused_data:
        msg = f"{len(inflater.unused_data)} byte(s) follow the end of the DEFLATE stream"
        raise FormatError("TXT-3", msg)
    return out


def encode(raw: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return compressor.compress(raw) + compressor.flush()


register_text_codec("deflate", encode=encode, decode=decode)

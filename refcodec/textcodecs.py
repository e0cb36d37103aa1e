"""Text-chunk codecs (spec/gpc.md §8.2-§8.4; gpc-ppm1: spec/text-codec.md).

Decoders never trust the data: the declared length is bounded (LIM-3) before
anything is decompressed, decompression stops one byte past the declared
length, and the result must be exactly that long, end the stream exactly at
the end of the data, and be valid text (TXT-5, TXT-6). The encoder tries
every codec and keeps the smallest payload.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli

from . import registry, textmodel
from .errors import FormatError
from .limits import MAX_TEXT_BYTES
from .varint import encode_varint

__all__ = ["check_text", "decode_text", "encode_text", "forbidden_control", "payload_size"]

STORED, DEFLATE, BROTLI, GPC_PPM1 = 0, 1, 2, 3

# TXT-6: C0 controls other than TAB and LF, and DEL, are forbidden.
_FORBIDDEN = frozenset(range(0x20)) - {0x09, 0x0A} | {0x7F}
_FORBIDDEN_TABLE = dict.fromkeys(_FORBIDDEN)


def forbidden_control(text: str) -> str | None:
    """The first character of ``text`` that TXT-6 forbids, or None."""
    if len(text.translate(_FORBIDDEN_TABLE)) == len(text):
        return None
    return next(ch for ch in text if ord(ch) in _FORBIDDEN)


def check_text(text: str) -> None:
    """TXT-6: the text holds no forbidden control character."""
    bad = forbidden_control(text)
    if bad is not None:
        msg = f"text contains the forbidden control character U+{ord(bad):04X}"
        raise FormatError("TXT-6", msg)


def _inflate(data: bytes, limit: int) -> bytes:
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


def _unbrotli(data: bytes, limit: int) -> bytes:
    decoder = brotli.Decompressor()
    try:
        out = decoder.process(data, output_buffer_limit=limit + 1)
    except brotli.error:
        msg = "text is not a valid Brotli stream, or data follows its end"
        raise FormatError("TXT-3", msg) from None
    if len(out) <= limit and not decoder.is_finished():
        raise FormatError("TXT-3", "Brotli stream is truncated")
    return bytes(out)


def _deflate(raw: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return compressor.compress(raw) + compressor.flush()


def _brotli(raw: bytes) -> bytes:
    # The window size only changes the stream header; try each and keep the smallest.
    smallest: bytes = min(
        (brotli.compress(raw, quality=11, lgwin=lgwin, mode=brotli.MODE_TEXT)
         for lgwin in (10, 16, 18, 22)),
        key=len,
    )
    return smallest


_DECODERS: dict[int, Callable[[bytes, int], bytes]] = {
    DEFLATE: _inflate,
    BROTLI: _unbrotli,
    GPC_PPM1: textmodel.decode,
}
_ENCODERS: dict[int, Callable[[bytes], bytes]] = {
    STORED: lambda raw: raw,
    DEFLATE: _deflate,
    BROTLI: _brotli,
    GPC_PPM1: textmodel.encode,
}
assert set(_ENCODERS) == {c.id for c in registry.TEXT_CODECS}, "registry and codecs disagree"


def decode_text(codec: int, text_length: int | None, data: bytes) -> str:
    """Decode a text chunk's coded bytes to the text (§8.3)."""
    if codec == STORED:
        raw = data
    else:
        assert text_length is not None
        assert text_length <= MAX_TEXT_BYTES
        raw = _DECODERS[codec](data, text_length)
        if len(raw) != text_length:
            msg = f"text decodes to {len(raw)} bytes, the chunk declares {text_length}"
            raise FormatError("TXT-4", msg)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"text is not valid UTF-8 (byte {exc.start})"
        raise FormatError("TXT-5", msg) from None
    check_text(text)
    return text


def payload_size(codec: int, text_length: int, data: bytes, template: int) -> int:
    """Bytes of the whole text-chunk payload for this choice (§8.1)."""
    size = len(encode_varint(template)) + len(encode_varint(codec)) + len(data)
    return size if codec == STORED else size + len(encode_varint(text_length))


def encode_text(
    text: str, template: int, codecs: tuple[int, ...] | None = None
) -> tuple[int, bytes]:
    """Pick the codec giving the smallest payload (ties: lowest ID); return (codec, data)."""
    check_text(text)
    raw = text.encode("utf-8")
    if not 1 <= len(raw) <= MAX_TEXT_BYTES:
        msg = f"text of {len(raw)} UTF-8 bytes is outside 1..{MAX_TEXT_BYTES}"
        raise FormatError("LIM-3", msg)
    choices = []
    for codec in codecs if codecs is not None else sorted(_ENCODERS):
        data = _ENCODERS[codec](raw)
        choices.append((payload_size(codec, len(raw), data, template), codec, data))
    _, codec, data = min(choices, key=lambda c: (c[0], c[1]))
    return codec, data

"""A second reader written from spec/gpc.md alone, without construct or refcodec (except
the codecs of the annexes: gpc-ppm1 and the low-resolution image codecs, which it leaves
to refcodec.textmodel and refcodec.lowres).

It follows the check order of §18 and returns the clause of the first failure,
so the property tests can compare verdicts and clauses with the reference.
"""

from __future__ import annotations

import struct
import zlib

import brotli

PRESETS = {1: (1024, 1024), 2: (1536, 1024), 3: (1024, 1536), 4: (512, 512),
           5: (768, 512), 6: (512, 768), 7: (2048, 2048), 8: (256, 256)}
KNOWN_TAGS = {0x01: 1, 0x02: 1, 0x81: 1}  # tag: max count
FORBIDDEN = set(range(0x20)) - {9, 10} | {0x7F}


class Reject(Exception):
    def __init__(self, clause: str) -> None:
        super().__init__(clause)
        self.clause = clause


def varint(data: bytes, pos: int, cut_clause: str = "VINT-1") -> tuple[int, int]:
    value = 0
    for i in range(3):
        if pos + i >= len(data):
            raise Reject(cut_clause)
        b = data[pos + i]
        value |= (b & 0x7F) << (7 * i)
        if b < 0x80:
            if b == 0 and i > 0:
                raise Reject("VINT-2")
            return value, pos + i + 1
    raise Reject("VINT-3")


def ppm1_decode(data: bytes, length: int) -> bytes:
    from refcodec import textmodel
    from refcodec.errors import FormatError

    try:
        return textmodel.decode(data, length)
    except FormatError as exc:
        raise Reject(exc.clause) from None


def read_text(p: bytes) -> str:
    template, pos = varint(p, 0, "TXT-1")
    if template not in (0, 1):
        raise Reject("TPL-1")
    codec, pos = varint(p, pos, "TXT-1")
    if codec not in (0, 1, 2, 3):
        raise Reject("TXT-2")
    if codec == 0:
        raw = p[pos:]
        if not 1 <= len(raw) <= 16384:
            raise Reject("LIM-3")
    else:
        length, pos = varint(p, pos, "TXT-1")
        if not 1 <= length <= 16384:
            raise Reject("LIM-3")
        try:
            if codec == 3:  # gpc-ppm1 (spec/text-codec.md): left to refcodec.textmodel
                raw = ppm1_decode(p[pos:], length)
            elif codec == 1:
                d = zlib.decompressobj(-15)
                raw = d.decompress(p[pos:], length + 1)
                if d.unused_data or (len(raw) <= length and not d.eof):
                    raise Reject("TXT-3")
            else:
                b = brotli.Decompressor()
                raw = b.process(p[pos:], output_buffer_limit=length + 1)
                if len(raw) <= length and not b.is_finished():
                    raise Reject("TXT-3")
        except (zlib.error, brotli.error):
            raise Reject("TXT-3") from None
        if len(raw) != length:
            raise Reject("TXT-4")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Reject("TXT-5") from None
    if any(ord(c) in FORBIDDEN for c in text):
        raise Reject("TXT-6")
    return text


def read_image(p: bytes, width: int, height: int, read_version: int) -> None:
    """§9 in field order; the codecs' payloads (annex L) go to the reference decoder."""
    codec, pos = varint(p, 0, "IMG-1")
    if codec not in (1, 2, 3, 16):
        raise Reject("IMG-2")
    if len(p) < pos + 4:
        raise Reject("IMG-1")
    from refcodec.errors import FormatError
    from refcodec.lowres import decode_lowres

    try:
        decode_lowres(codec, struct.unpack("<I", p[pos:pos + 4])[0], p[pos + 4:], width, height,
                      bounded=read_version >= 0x12)  # IMG-11
    except FormatError as exc:
        raise Reject(exc.clause) from None


def read_meta(p: bytes) -> None:
    """META-1 (the whole layout) first, then META-2 on each entry (spec §18)."""
    count, pos = varint(p, 0, "META-1")
    entries = []
    for _ in range(count):
        fields = []
        for _field in ("key", "value"):
            n, pos = varint(p, pos, "META-1")
            if pos + n > len(p):
                raise Reject("META-1")
            fields.append(p[pos:pos + n])
            pos += n
        entries.append(fields)
    if pos != len(p):
        raise Reject("META-1")
    previous = b""
    allowed = b"abcdefghijklmnopqrstuvwxyz0123456789._-"
    for key, value in entries:
        if not 1 <= len(key) <= 32 or any(c not in allowed for c in key) or key <= previous:
            raise Reject("META-2")
        previous = key
        if len(value) > 1024:
            raise Reject("META-2")
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise Reject("META-2") from None
        if any(ord(c) in FORBIDDEN for c in text):
            raise Reject("META-2")


def read(data: bytes) -> dict[str, object]:
    """Return width, height, text and chunk tags, or raise Reject(clause)."""
    if data[:4] != b"\x89GPC":
        raise Reject("SIG-1")
    if len(data) < 6:
        raise Reject("LIM-1")
    version, read_version = data[4], data[5]
    if version >> 4 != 1:
        raise Reject("VER-1")
    if read_version >> 4 != 1 or read_version > version:
        raise Reject("VER-2")
    if read_version & 15 > 2:  # this reader implements version 1.2
        raise Reject("VER-3")
    if not 16 <= len(data) <= 1 << 20:
        raise Reject("LIM-1")
    body = data[:-4]
    if struct.unpack("<I", data[-4:])[0] != zlib.crc32(body):
        raise Reject("INT-1")
    preset, pos = varint(body, 6, "FILE-2")
    if preset:
        if preset not in PRESETS:
            raise Reject("HDR-1")
        width, height = PRESETS[preset]
    else:
        width, pos = varint(body, pos, "FILE-2")
        height, pos = varint(body, pos, "FILE-2")
        if not (1 <= width <= 16384 and 1 <= height <= 16384):
            raise Reject("LIM-2")
        if (width, height) in PRESETS.values():
            raise Reject("HDR-2")
    tags: list[int] = []
    text = None
    while pos < len(body):
        if len(tags) == 16:
            raise Reject("LIM-4")
        tag = body[pos]
        if tag & 0x40:
            raise Reject("CHK-1")
        length, start = varint(body, pos + 1, "CHK-2")
        if start + length > len(body):
            raise Reject("CHK-2")
        if tags and tag < tags[-1]:
            raise Reject("CHK-5")
        tags.append(tag)
        payload = body[start:start + length]
        if tag not in KNOWN_TAGS:
            if not tag & 0x80:
                raise Reject("CHK-3")
        elif tags.count(tag) > KNOWN_TAGS[tag]:
            raise Reject("CHK-6")
        elif tag == 0x01:
            text = read_text(payload)
        elif tag == 0x02:
            read_image(payload, width, height, read_version)
        else:
            read_meta(payload)
        pos = start + length
    if tags.count(0x01) != 1:
        raise Reject("CHK-7")
    return {"width": width, "height": height, "text": text, "tags": tags}

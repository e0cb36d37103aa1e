"""A second, independent GPC 1.2 reader: the Kaitai Struct parser generated from spec/gpc.ksy
plus the checks Kaitai Struct cannot express, run in the order of §18 (ORD-1).

Written from spec/gpc.md alone (it shares no code with refcodec). Where the prose leaves the
clause of a failure open, the choice made here is marked "Reading:" in a comment.
"""

from __future__ import annotations

import zlib
from collections import Counter
from typing import Any, Final

import brotli
from kaitaistruct import (
    BytesIO,
    KaitaiStream,
    ValidationExprError,
    ValidationGreaterThanError,
    ValidationLessThanError,
    ValidationNotEqualError,
)

from .generated import gpc as _generated

# The generated module is untyped: it starts with "# type: ignore", so mypy sees no names in it.
_generated_module: Any = _generated
Gpc: Final[Any] = _generated_module.Gpc

SIGNATURE: Final = b"\x89GPC"
READER_MINOR: Final = 2  # this reader implements version 1.2 (VER-3)
MIN_FILE_SIZE: Final = 16  # LIM-1
MAX_FILE_SIZE: Final = 1_048_576  # LIM-1
MAX_DIMENSION: Final = 16_384  # LIM-2
MAX_TEXT_BYTES: Final = 16_384  # LIM-3
MAX_CHUNKS: Final = 16  # LIM-4
MAX_COUNT: Final[dict[int, int]] = {int(tag): 1 for tag in Gpc.ChunkTypes}  # §17.1
TEMPLATE_IDS: Final = frozenset(int(t) for t in Gpc.Templates)  # §17.3
TEXT_CODEC_IDS: Final = frozenset(int(c) for c in Gpc.TextCodecs)  # §17.2
IMAGE_CODEC_IDS: Final = frozenset({1, 2, 3, 16})  # §17.5: png, webp, avif, msillm (1.1)
FORBIDDEN_CONTROLS: Final = frozenset([*range(0x09), *range(0x0B, 0x20), 0x7F])  # TXT-6
META_KEY_BYTES: Final = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789._-")  # META-2
MAX_META_KEY: Final = 32
MAX_META_VALUE: Final = 1024


class KaitaiReject(Exception):
    """The bytes are not a valid GPC 1.2 file; ``clause`` names the first failing check."""

    def __init__(self, clause: str, message: str) -> None:
        super().__init__(f"[{clause}] {message}")
        self.clause = clause
        self.message = message


def _preset_sizes() -> dict[int, tuple[int, int]]:
    """Registered size presets (§17.4), computed by the .ksy's own image_size instances."""
    sizes: dict[int, tuple[int, int]] = {}
    for preset in Gpc.SizePresets:
        if preset:
            parsed = Gpc.ImageSize(KaitaiStream(BytesIO(bytes([int(preset)]))))
            sizes[int(preset)] = (parsed.width_px, parsed.height_px)
    return sizes


PRESET_SIZES: Final = _preset_sizes()


def _reject(clause: str, message: str) -> KaitaiReject:
    return KaitaiReject(clause, message)


def _varint(io: Any, eof_clause: str, what: str) -> int:
    """Read one varint (§2.2) with the generated parser; map its failures to clauses."""
    start = io.pos()
    try:
        value: int = Gpc.Varint(io).value
    except EOFError as error:
        # Reading: a field that ends at (or starts at) the end of its data is reported by
        # the clause of the containing structure (FILE-2, CHK-2, TXT-1, IMG-1, META-1),
        # which each say so explicitly; VINT-1 is the general rule behind them.
        msg = f"{what} at offset {start} runs past the end of its data"
        raise _reject(eof_clause, msg) from error
    except ValidationLessThanError as error:
        msg = f"{what} at offset {start} is not in its shortest form"
        raise _reject("VINT-2", msg) from error
    except ValidationGreaterThanError as error:
        msg = f"{what} at offset {start} is longer than 3 bytes"
        raise _reject("VINT-3", msg) from error
    return value


def _check_prefix(data: bytes) -> None:
    """§18 steps 1-4: SIG-1, LIM-1, VER-1..3, LIM-1, INT-1 on fixed offsets."""
    if len(data) < len(SIGNATURE) or data[:4] != SIGNATURE:
        msg = "not a GPC file (signature 89 47 50 43 missing)"
        raise _reject("SIG-1", msg)
    if len(data) < 6:
        msg = f"file of {len(data)} bytes ends inside its header"
        raise _reject("LIM-1", msg)
    version, read_version = data[4], data[5]
    if version >> 4 != 1:
        msg = f"major version {version >> 4} is not 1"
        raise _reject("VER-1", msg)
    if read_version >> 4 != version >> 4 or read_version > version:
        msg = f"read_version 0x{read_version:02X} does not fit version 0x{version:02X}"
        raise _reject("VER-2", msg)
    if read_version & 0x0F > READER_MINOR:
        msg = f"read_version 0x{read_version:02X} needs a newer reader than 1.{READER_MINOR}"
        raise _reject("VER-3", msg)
    if not MIN_FILE_SIZE <= len(data) <= MAX_FILE_SIZE:
        msg = f"file size {len(data)} is outside {MIN_FILE_SIZE}..{MAX_FILE_SIZE}"
        raise _reject("LIM-1", msg)
    stored = int.from_bytes(data[-4:], "little")
    computed = zlib.crc32(data[:-4])
    if stored != computed:
        msg = f"CRC-32 mismatch: stored 0x{stored:08X}, computed 0x{computed:08X}"
        raise _reject("INT-1", msg)


def _header_varint(io: Any, what: str) -> int:
    # Reading: FILE-2 when the header ends inside or before a size field.
    return _varint(io, "FILE-2", what)


def _check_size(io: Any) -> tuple[int, int]:
    """§18 step 5: VINT-*, FILE-2, HDR-1, LIM-2, HDR-2."""
    preset = _header_varint(io, "size_preset")
    if preset != 0:
        if preset not in PRESET_SIZES:
            msg = f"size_preset {preset} is not registered"
            raise _reject("HDR-1", msg)
        return PRESET_SIZES[preset]
    width = _header_varint(io, "width")
    height = _header_varint(io, "height")
    for name, value in (("width", width), ("height", height)):
        if not 1 <= value <= MAX_DIMENSION:
            msg = f"{name} {value} is outside 1..{MAX_DIMENSION}"
            raise _reject("LIM-2", msg)
    if (width, height) in PRESET_SIZES.values():
        msg = f"explicit size {width}x{height} must use its size preset"
        raise _reject("HDR-2", msg)
    return width, height


def _decode_deflate(data: bytes, text_length: int) -> bytes:
    decoder = zlib.decompressobj(wbits=-15)
    try:
        out = decoder.decompress(data, text_length + 1)
    except zlib.error as error:
        msg = f"malformed DEFLATE stream: {error}"
        raise _reject("TXT-3", msg) from error
    if len(out) > text_length:
        msg = f"DEFLATE stream decodes to more than text_length {text_length} bytes"
        raise _reject("TXT-4", msg)
    if not decoder.eof:
        msg = "DEFLATE stream is truncated"
        raise _reject("TXT-3", msg)
    if decoder.unused_data:
        msg = f"{len(decoder.unused_data)} bytes follow the DEFLATE stream"
        raise _reject("TXT-3", msg)
    return out


def _decode_brotli(data: bytes, text_length: int) -> bytes:
    decoder = brotli.Decompressor()
    try:
        # The binding's limit is soft (it may return up to one 32 KiB buffer), so memory
        # stays bounded, but this cannot honour "at most text_length + 1 bytes" exactly.
        out: bytes = decoder.process(data, output_buffer_limit=text_length + 1)
    except brotli.error as error:
        msg = "malformed Brotli stream, or bytes after its end"
        raise _reject("TXT-3", msg) from error
    if len(out) > text_length or not decoder.can_accept_more_data():
        msg = f"Brotli stream decodes to more than text_length {text_length} bytes"
        raise _reject("TXT-4", msg)
    if not decoder.is_finished():
        msg = "Brotli stream is truncated"
        raise _reject("TXT-3", msg)
    return out


def _check_text_payload(payload: bytes) -> tuple[int, str]:
    """§8: fields in order (TXT-1, TPL-1, TXT-2, LIM-3), then TXT-3..TXT-6."""
    io = KaitaiStream(BytesIO(payload))
    template = _varint(io, "TXT-1", "text template")
    if template not in TEMPLATE_IDS:
        msg = f"template {template} is not registered"
        raise _reject("TPL-1", msg)
    codec = _varint(io, "TXT-1", "text codec")
    if codec not in TEXT_CODEC_IDS:
        msg = f"text codec {codec} is not registered"
        raise _reject("TXT-2", msg)
    text_length = 0
    if codec != 0:
        text_length = _varint(io, "TXT-1", "text_length")
        if not 1 <= text_length <= MAX_TEXT_BYTES:
            msg = f"text_length {text_length} is outside 1..{MAX_TEXT_BYTES}"
            raise _reject("LIM-3", msg)
    data: bytes = io.read_bytes_full()
    if codec == 0:
        if not 1 <= len(data) <= MAX_TEXT_BYTES:
            msg = f"stored text of {len(data)} bytes is outside 1..{MAX_TEXT_BYTES}"
            raise _reject("LIM-3", msg)
        raw = data
    else:
        decoders = {1: _decode_deflate, 2: _decode_brotli, 3: _decode_ppm1}
        raw = decoders[codec](data, text_length)
        if len(raw) != text_length:
            msg = f"text decodes to {len(raw)} bytes, text_length says {text_length}"
            raise _reject("TXT-4", msg)
    try:
        text = raw.decode("utf-8")  # strict: no overlongs, surrogates or > U+10FFFF
    except UnicodeDecodeError as error:
        msg = f"text is not valid UTF-8 at byte {error.start}"
        raise _reject("TXT-5", msg) from error
    for index, char in enumerate(text):
        if ord(char) in FORBIDDEN_CONTROLS:
            msg = f"text contains control character U+{ord(char):04X} at index {index}"
            raise _reject("TXT-6", msg)
    return template, text


def _decode_ppm1(data: bytes, text_length: int) -> bytes:
    """Codec 3, gpc-ppm1 (spec/text-codec.md): an annex, judged by its reference decoder."""
    from refcodec import textmodel
    from refcodec.errors import FormatError

    try:
        return textmodel.decode(data, text_length)
    except FormatError as error:
        raise _reject(error.clause, error.message) from error


def _check_image_payload(payload: bytes, width: int, height: int) -> None:
    """§9: codec (IMG-1 layout, IMG-2 registry) in field order, then the codec's payload.

    The codecs themselves (annexes L and N) are outside this container reader: their
    payload and check (LRS-*, NRL-*, IMG-3) are judged by the annexes' reference decoders.
    """
    io = KaitaiStream(BytesIO(payload))
    codec = _varint(io, "IMG-1", "image codec")
    # Reading: field order (§18, last paragraph) puts IMG-2 on the codec before the layout
    # of `check`.
    if codec not in IMAGE_CODEC_IDS:
        msg = f"image codec {codec} is not registered"
        raise _reject("IMG-2", msg)
    try:
        parsed = Gpc.ImagePayload(KaitaiStream(BytesIO(payload)))
    except EOFError as error:
        msg = "image payload ends inside its check field"
        raise _reject("IMG-1", msg) from error
    from refcodec.errors import FormatError
    from refcodec.lowres import decode_lowres

    try:
        decode_lowres(codec, parsed.check, parsed.data, width, height)
    except FormatError as error:
        raise _reject(error.clause, error.message) from error


def _check_meta_payload(payload: bytes) -> None:
    """§10: the whole layout (META-1) first, then every entry's rules (META-2)."""
    try:
        parsed = Gpc.MetaPayload(KaitaiStream(BytesIO(payload)))
    except EOFError as error:
        msg = "meta payload ends inside its entries"
        raise _reject("META-1", msg) from error
    except ValidationExprError as error:
        msg = "bytes follow the last meta entry"
        raise _reject("META-1", msg) from error
    except ValidationLessThanError as error:
        msg = "a meta varint is not in its shortest form"
        raise _reject("VINT-2", msg) from error
    except ValidationGreaterThanError as error:
        msg = "a meta varint is longer than 3 bytes"
        raise _reject("VINT-3", msg) from error
    previous = b""
    for index, entry in enumerate(parsed.entries):
        key: bytes = entry.key
        if not 1 <= len(key) <= MAX_META_KEY or not set(key) <= META_KEY_BYTES:
            msg = f"meta key {key!r} (entry {index}) is not 1-32 bytes of a-z 0-9 . _ -"
            raise _reject("META-2", msg)
        if index and key <= previous:
            msg = f"meta key {key!r} does not follow {previous!r} in ascending order"
            raise _reject("META-2", msg)
        previous = key
        if len(entry.value) > MAX_META_VALUE:
            msg = f"meta value of key {key!r} is longer than {MAX_META_VALUE} bytes"
            raise _reject("META-2", msg)
        try:
            value: str = entry.value_text  # the .ksy's lazy strict UTF-8 decoding
        except UnicodeDecodeError as error:
            msg = f"meta value of key {key!r} is not valid UTF-8"
            raise _reject("META-2", msg) from error
        if any(ord(char) in FORBIDDEN_CONTROLS for char in value):
            msg = f"meta value of key {key!r} contains a control character forbidden by TXT-6"
            raise _reject("META-2", msg)


def _check_chunks(io: Any, width: int, height: int) -> tuple[int, str]:
    """§18 steps 6-7. Returns the text chunk's template and text."""
    counts: Counter[int] = Counter()
    previous_tag = -1
    found: tuple[int, str] | None = None
    number = 0
    while not io.is_eof():
        number += 1
        start = io.pos() + 6
        if number > MAX_CHUNKS:
            msg = f"more than {MAX_CHUNKS} chunks"
            raise _reject("LIM-4", msg)
        try:
            tag: int = Gpc.ChunkTag(io).value
        except ValidationNotEqualError as error:
            msg = f"chunk {number} at offset {start}: reserved tag bit 6 is set"
            raise _reject("CHK-1", msg) from error
        length = _varint(io, "CHK-2", f"chunk {number} length")
        remaining: int = io.size() - io.pos()
        if length > remaining:
            msg = f"chunk {number} length {length} exceeds the {remaining} bytes before the CRC"
            raise _reject("CHK-2", msg)
        if tag < previous_tag:
            msg = f"chunk tag 0x{tag:02X} follows 0x{previous_tag:02X}"
            raise _reject("CHK-5", msg)
        previous_tag = tag
        if tag not in MAX_COUNT:
            if tag < 0x80:
                msg = f"unknown critical chunk tag 0x{tag:02X}"
                raise _reject("CHK-3", msg)
        else:
            counts[tag] += 1
            if counts[tag] > MAX_COUNT[tag]:
                msg = f"chunk tag 0x{tag:02X} appears more than {MAX_COUNT[tag]} time(s)"
                raise _reject("CHK-6", msg)
        payload: bytes = io.read_bytes(length)
        if tag == Gpc.ChunkTypes.text:
            found = _check_text_payload(payload)
        elif tag == Gpc.ChunkTypes.image:
            _check_image_payload(payload, width, height)
        elif tag == Gpc.ChunkTypes.meta:
            _check_meta_payload(payload)
    if found is None:
        msg = "the file has no text chunk"
        raise _reject("CHK-7", msg)
    return found


def read(data: bytes) -> dict[str, Any]:
    """Validate ``data`` as a GPC 1.2 file; return its size, text, template and chunk tags.

    Raises KaitaiReject naming the first failing clause in the order of §18.
    """
    _check_prefix(data)
    body = KaitaiStream(BytesIO(data[6:-4]))
    width, height = _check_size(body)
    template, text = _check_chunks(body, width, height)
    # Every check passed: the whole-file description must now parse, and agree.
    whole = Gpc.from_bytes(data)
    size = whole.body.image_size
    tags = [int(chunk.tag.value) for chunk in whole.body.chunks]
    if (size.width_px, size.height_px) != (width, height):
        msg = "internal error: the .ksy and the checks disagree on the image size"
        raise AssertionError(msg)
    return {"width": width, "height": height, "text": text, "template": template,
            "chunks": tags}

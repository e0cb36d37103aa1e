"""The GPC container in construct, read top-down like spec/gpc.md v1.0 (§2-§10).

Layout of a file (§3)::

    signature     4 bytes   89 47 50 43            §4   SIG-1
    version       u8        writer version          §5.1 VER-1
    read_version  u8        minimum reader version  §5.1 VER-2, VER-3
    size_preset   varint    §5.3 HDR-1
    [width]       varint    only if size_preset == 0, HDR-2
    [height]      varint    only if size_preset == 0, HDR-2
    chunk*        tag u8, length varint, payload     §6   CHK-1..CHK-8
    crc32         u32 LE    over every byte before it §7  INT-1

Every check raises :class:`~refcodec.errors.FormatError` naming its clause;
construct's own errors never escape (``parse_container`` maps them). The
checks run in the order of §18 (ORD-1), so every implementation that follows
the spec reports the same first clause for the same bad file.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from typing import Any

from construct import (
    Bytes,
    Construct,
    ConstructError,
    Container,
    GreedyBytes,
    If,
    Int8ub,
    Int32ul,
    Prefixed,
    PrefixedArray,
    Struct,
    Terminated,
    this,
)

from . import registry, textcodecs
from .errors import FormatError
from .limits import (
    MAX_CHUNKS,
    MAX_DIMENSION,
    MAX_FILE_BYTES,
    MAX_META_KEY_BYTES,
    MAX_META_VALUE_BYTES,
    MAX_TEXT_BYTES,
    MIN_FILE_BYTES,
)
from .varint import CanonicalVarInt, decode_varint

__all__ = [
    "SIGNATURE",
    "ChunkFrame",
    "ImageSize",
    "Prefix",
    "ImagePayload",
    "MetaPayload",
    "TextPayload",
    "build_container",
    "build_payload",
    "image_dimensions",
    "parse_container",
]

SIGNATURE = b"\x89GPC"
VERSION_MAJOR = registry.SPEC_VERSION[0]
VERSION_MINOR = registry.SPEC_VERSION[1]
STORED = 0  # text codec 0 (§8.2) carries no text_length field

TAG_TEXT = 0x01
TAG_IMAGE = 0x02
TAG_META = 0x81
ANCILLARY_BIT = 0x80
RESERVED_TAG_BIT = 0x40


class Require(Construct):  # type: ignore[misc]
    """A zero-width check, like construct's ``Check``, that names its spec clause."""

    def __init__(
        self, clause: str, predicate: Callable[[Any], bool], message: Callable[[Any], str]
    ) -> None:
        super().__init__()
        self.clause = clause
        self.predicate = predicate
        self.message = message
        self.flagbuildnone = True

    def _check(self, context: Any) -> None:
        if not self.predicate(context):
            raise FormatError(self.clause, self.message(context))

    def _parse(self, stream: Any, context: Any, path: str) -> None:
        self._check(context)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> None:
        self._check(context)

    def _sizeof(self, context: Any, path: str) -> int:
        return 0


def _version_text(byte: int) -> str:
    return f"{byte >> 4}.{byte & 0x0F}"


VarInt = CanonicalVarInt()

# fmt: off
# ------------------------------------------------------- §4, §5.1 prefix
Prefix = Struct(
    "signature" / Bytes(4),
    Require("SIG-1", lambda c: c.signature == SIGNATURE,
            lambda c: f"not a GPC file: signature {c.signature.hex(' ')} is not 89 47 50 43"),
    "version" / Int8ub,
    Require("VER-1", lambda c: c.version >> 4 == VERSION_MAJOR,
            lambda c: f"unsupported major version {c.version >> 4} "
                      f"(this reader implements major version {VERSION_MAJOR})"),
    "read_version" / Int8ub,
    Require("VER-2", lambda c: c.read_version >> 4 == c.version >> 4
                               and c.read_version <= c.version,
            lambda c: f"read version {_version_text(c.read_version)} is inconsistent with "
                      f"version {_version_text(c.version)}"),
    Require("VER-3", lambda c: c.read_version & 0x0F <= VERSION_MINOR,
            lambda c: f"file needs a reader of version {_version_text(c.read_version)}; "
                      f"this reader implements {VERSION_MAJOR}.{VERSION_MINOR}"),
)

# ------------------------------------------------------------ §5.3 size
ImageSize = Struct(
    "size_preset" / VarInt,
    Require("HDR-1", lambda c: c.size_preset == 0
                               or registry.size_preset(c.size_preset) is not None,
            lambda c: f"unknown size preset {c.size_preset}"),
    "width" / If(this.size_preset == 0, VarInt),
    "height" / If(this.size_preset == 0, VarInt),
    Require("LIM-2", lambda c: c.size_preset != 0 or (1 <= c.width <= MAX_DIMENSION
                                                      and 1 <= c.height <= MAX_DIMENSION),
            lambda c: f"image size {c.width}x{c.height} outside 1..{MAX_DIMENSION}"),
    Require("HDR-2", lambda c: c.size_preset != 0
                               or registry.size_preset_for(c.width, c.height) == 0,
            lambda c: f"explicit size {c.width}x{c.height} must be written as preset "
                      f"{registry.size_preset_for(c.width, c.height)}"),
)

# ------------------------------------------------------------------ §8 text
TextPayload = Struct(
    "template" / VarInt,
    Require("TPL-1", lambda c: registry.template(c.template) is not None,
            lambda c: f"unknown prompt template {c.template}"),
    "codec" / VarInt,
    Require("TXT-2", lambda c: registry.text_codec(c.codec) is not None,
            lambda c: f"unknown text codec {c.codec}"),
    "text_length" / If(this.codec != STORED, VarInt),
    Require("LIM-3", lambda c: c.codec == STORED or 1 <= c.text_length <= MAX_TEXT_BYTES,
            lambda c: f"declared text length {c.text_length} outside 1..{MAX_TEXT_BYTES}"),
    "data" / GreedyBytes,
    Require("LIM-3", lambda c: c.codec != STORED or 1 <= len(c.data) <= MAX_TEXT_BYTES,
            lambda c: f"stored text length {len(c.data)} outside 1..{MAX_TEXT_BYTES}"),
)

# ----------------------------------------------------------------- §9 image
ImagePayload = Struct(
    "codec" / VarInt,
    Require("IMG-2", lambda c: registry.image_codec(c.codec) is not None,
            lambda c: f"unsupported image codec {c.codec}"),
    "check" / Int32ul,
    "data" / GreedyBytes,
)

# ------------------------------------------------------------------ §10 meta
MetaEntry = Struct(
    "key" / Prefixed(VarInt, GreedyBytes),
    "value" / Prefixed(VarInt, GreedyBytes),
)
MetaPayload = Struct(
    "entries" / PrefixedArray(VarInt, MetaEntry),
    Terminated,
)

# ---------------------------------------------------------------- §6 chunks
ChunkFrame = Struct(
    "tag" / Int8ub,
    Require("CHK-1", lambda c: not c.tag & RESERVED_TAG_BIT,
            lambda c: f"chunk tag 0x{c.tag:02X} has the reserved bit 0x40 set"),
    "length" / VarInt,
)
# fmt: on


def _meta_rules(entries: list[tuple[bytes, bytes]]) -> None:
    """META-2: keys are 1-32 bytes of [a-z0-9._-] in strictly ascending order;
    values are at most 1024 bytes of valid UTF-8 without TXT-6's control characters."""
    previous = b""
    for key, value in entries:
        if not 1 <= len(key) <= MAX_META_KEY_BYTES or not all(
            b in b"abcdefghijklmnopqrstuvwxyz0123456789._-" for b in key
        ):
            msg = f"metadata key {key!r} is not 1-{MAX_META_KEY_BYTES} bytes of [a-z0-9._-]"
            raise FormatError("META-2", msg)
        if key <= previous:
            msg = f"metadata key {key.decode()!r} is out of order or repeated"
            raise FormatError("META-2", msg)
        previous = key
        if len(value) > MAX_META_VALUE_BYTES:
            msg = f"metadata value of {key.decode()!r} longer than {MAX_META_VALUE_BYTES} bytes"
            raise FormatError("META-2", msg)
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            msg = f"metadata value of {key.decode()!r} is not valid UTF-8"
            raise FormatError("META-2", msg) from exc
        if textcodecs.forbidden_control(text) is not None:
            msg = f"metadata value of {key.decode()!r} holds a control character (TXT-6 rule)"
            raise FormatError("META-2", msg)


#: Payload schemas of the known chunk types and the clause their layout is in.
PAYLOADS: dict[int, tuple[Struct, str]] = {
    TAG_TEXT: (TextPayload, "TXT-1"),
    TAG_IMAGE: (ImagePayload, "IMG-1"),
    TAG_META: (MetaPayload, "META-1"),
}


def _decode_image(value: Any, dimensions: tuple[int, int]) -> None:
    """IMG-3 and spec/lowres.md: decode the reference image and check its CRC."""
    from .lowres import decode_lowres  # Pillow is needed only for files with an image

    value.pixels = decode_lowres(value.codec, value.check, value.data, *dimensions)[0]


def _parse_payload(tag: int, payload: bytes, dimensions: tuple[int, int]) -> Any:
    schema, clause = PAYLOADS[tag]
    try:
        value = schema.parse(payload)
    except FormatError:
        raise
    except ConstructError as exc:
        name = registry.chunk_type(tag).name  # type: ignore[union-attr]
        msg = f"{name} chunk payload is malformed ({type(exc).__name__})"
        raise FormatError(clause, msg) from None
    if tag == TAG_TEXT:  # TXT-3..TXT-6 belong to this chunk's checks (ORD-1)
        value.text = textcodecs.decode_text(value.codec, value.text_length, value.data)
    elif tag == TAG_IMAGE:
        _decode_image(value, dimensions)
    elif tag == TAG_META:
        _meta_rules([(bytes(e.key), bytes(e.value)) for e in value.entries])
    return value


# ---------------------------------------------------------------- §6 chunks
def _parse_chunks(body: bytes, offset: int, dimensions: tuple[int, int]) -> list[tuple[int, Any]]:
    """Walk the chunk sequence from ``offset`` to the end of ``body`` (§6)."""
    chunks: list[tuple[int, Any]] = []
    counts: dict[int, int] = {}
    previous_tag = 0
    while offset < len(body):
        if len(chunks) == MAX_CHUNKS:
            msg = f"more than {MAX_CHUNKS} chunks"
            raise FormatError("LIM-4", msg)
        tag = body[offset]
        if tag & RESERVED_TAG_BIT:
            msg = f"chunk tag 0x{tag:02X} has the reserved bit 0x40 set"
            raise FormatError("CHK-1", msg)
        try:
            length, start = decode_varint(body, offset + 1)
        except FormatError as exc:
            if exc.clause != "VINT-1":
                raise
            msg = f"chunk 0x{tag:02X} length field runs past the end of the chunk area"
            raise FormatError("CHK-2", msg) from None
        if start + length > len(body):
            msg = (f"chunk 0x{tag:02X} declares {length} payload bytes but only "
                   f"{len(body) - start} remain before the CRC")
            raise FormatError("CHK-2", msg)
        if tag < previous_tag:
            msg = f"chunk 0x{tag:02X} follows chunk 0x{previous_tag:02X} (tags must not decrease)"
            raise FormatError("CHK-5", msg)
        previous_tag = tag
        counts[tag] = counts.get(tag, 0) + 1
        known = registry.chunk_type(tag)
        if known is None:
            if not tag & ANCILLARY_BIT:
                msg = f"unknown critical chunk 0x{tag:02X}"
                raise FormatError("CHK-3", msg)
            value: Any = body[start : start + length]  # CHK-4: kept, skipped
        else:
            if counts[tag] > known.max_count:
                msg = f"{known.name} chunk appears more than {known.max_count} time(s)"
                raise FormatError("CHK-6", msg)
            value = _parse_payload(tag, body[start : start + length], dimensions)
        chunks.append((tag, value))
        offset = start + length
    if counts.get(TAG_TEXT, 0) != 1:
        raise FormatError("CHK-7", "the file has no text chunk")
    return chunks


# ------------------------------------------------------------ §7, §18 file
def parse_container(data: bytes) -> tuple[Container, Container, list[tuple[int, Any]]]:
    """Check ``data`` in the order of §18 and return (prefix, size, chunks).

    Chunks are ``(tag, value)``: a construct ``Container`` for known types and
    the raw payload bytes for unknown ancillary ones.
    """
    if data[:4] != SIGNATURE:
        msg = f"not a GPC file: signature {data[:4].hex(' ') or '(empty)'} is not 89 47 50 43"
        raise FormatError("SIG-1", msg)
    if len(data) < 6:
        msg = f"file of {len(data)} bytes ends inside the header"
        raise FormatError("LIM-1", msg)
    prefix = Prefix.parse(data[:6])  # VER-1..3 come before anything a newer version may change
    if not MIN_FILE_BYTES <= len(data) <= MAX_FILE_BYTES:
        msg = f"file size {len(data)} outside {MIN_FILE_BYTES}..{MAX_FILE_BYTES} bytes"
        raise FormatError("LIM-1", msg)
    body, stored_crc = data[:-4], Int32ul.parse(data[-4:])
    computed = zlib.crc32(body)
    if stored_crc != computed:
        msg = f"CRC-32 mismatch: stored 0x{stored_crc:08X}, computed 0x{computed:08X}"
        raise FormatError("INT-1", msg)
    stream = io.BytesIO(body)
    stream.seek(6)
    try:
        size = ImageSize.parse_stream(stream)
    except FormatError:
        raise
    except ConstructError:
        raise FormatError("FILE-2", "the header runs past the end of the data") from None
    return prefix, size, _parse_chunks(body, stream.tell(), image_dimensions(size))


def image_dimensions(size: Container) -> tuple[int, int]:
    """Width and height from the parsed size fields (§5.3)."""
    if size.size_preset:
        preset = registry.size_preset(size.size_preset)
        assert preset is not None  # HDR-1 was checked
        return preset.width, preset.height
    return size.width, size.height


def build_payload(tag: int, value: Any) -> bytes:
    """The payload bytes of one chunk: built by its schema, or kept raw if unknown."""
    return PAYLOADS[tag][0].build(value) if tag in PAYLOADS else bytes(value)


def build_container(
    prefix: dict[str, Any], size: dict[str, Any], chunks: list[tuple[int, Any]]
) -> bytes:
    """Serialise the prefix, size and ``(tag, value)`` chunks; append the CRC (§7)."""
    out = bytearray(Prefix.build(prefix) + ImageSize.build(size))
    for tag, value in chunks:
        payload = build_payload(tag, value)
        out += ChunkFrame.build({"tag": tag, "length": len(payload)}) + payload
    body = bytes(out)
    crc: bytes = Int32ul.build(zlib.crc32(body))
    return body + crc

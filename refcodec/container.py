"""The file object: parse, build, read and write GPC files (spec/gpc.md §3-§10).

:func:`parse` accepts exactly the valid files and :func:`build` gives back the
same bytes for every one of them (unknown ancillary chunks included), so
``build(parse(b)) == b``. :func:`build` re-parses what it produced: the
reference writer cannot emit an invalid file.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from . import registry, schema
from .atomic import write_atomic
from .chunks import Chunk, ImageChunk, MetaChunk, TextChunk, UnknownChunk, payload_bytes
from .errors import FormatError, UsageError
from .limits import BOUNDED_REFERENCE_SINCE, MAX_FILE_BYTES, MAX_REFERENCE_SIDE

#: IMG-11: the version from which readers apply the bounded reference size rule.
BOUNDED_VERSION = (BOUNDED_REFERENCE_SINCE >> 4, BOUNDED_REFERENCE_SINCE & 15)

__all__ = [
    "Chunk",
    "GpcFile",
    "ImageChunk",
    "MetaChunk",
    "TextChunk",
    "UnknownChunk",
    "build",
    "parse",
    "payload_bytes",
    "read",
    "write",
]


def required_versions(chunks: tuple[Chunk, ...],
                      size: tuple[int, int] | None = None) -> tuple[int, int]:
    """VER-4: the (version, read_version) bytes a writer sets for these chunks.

    ``version`` is the newest "since" of every registry row the file uses; ``read_version``
    the newest among what a reader must understand (critical chunks and their codecs,
    templates, presets). Unknown ancillary chunks add nothing. An image chunk in a file of
    ``size`` over 1536 pixels on its long side uses the bounded size rule (IMG-10), which
    readers know since 1.2 (IMG-11).
    """
    used: list[tuple[tuple[int, int], bool]] = [(registry.FIRST_VERSION, True)]
    for chunk in chunks:
        row = registry.chunk_type(chunk.tag)
        if row is None:
            continue
        used.append((row.since, row.critical))
        if isinstance(chunk, TextChunk):
            rows = (registry.template(chunk.template), registry.text_codec(chunk.codec))
            used.extend((row.since, True) for row in rows if row is not None)
        elif isinstance(chunk, ImageChunk):
            codec = registry.image_codec(chunk.codec)
            if codec is not None:
                used.append((codec.since, True))
            if size is not None and max(size) > MAX_REFERENCE_SIDE * 8:
                used.append((BOUNDED_VERSION, True))
    version = max(since for since, _ in used)
    read_version = max(since for since, critical in used if critical)
    return registry.version_byte(version), registry.version_byte(read_version)


@dataclass(frozen=True)
class GpcFile:
    """A GPC file. ``version`` and ``read_version`` of 0 (the default) mean: the lowest
    values VER-4 allows for the chunks; a parsed file keeps the bytes it had."""

    width: int
    height: int
    chunks: tuple[Chunk, ...]
    version: int = 0
    read_version: int = 0
    _text: TextChunk = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        texts = [c for c in self.chunks if isinstance(c, TextChunk)]
        if len(texts) != 1:
            msg = f"a file holds exactly one text chunk, not {len(texts)}"
            raise FormatError("CHK-7", msg)
        object.__setattr__(self, "_text", texts[0])
        if not self.version or not self.read_version:
            version, read_version = required_versions(self.chunks, (self.width, self.height))
            object.__setattr__(self, "version", self.version or version)
            object.__setattr__(self, "read_version", self.read_version or read_version)

    @property
    def text_chunk(self) -> TextChunk:
        return self._text

    @property
    def text(self) -> str:
        return self._text.text

    @property
    def template(self) -> int:
        return self._text.template

    @property
    def image_chunk(self) -> ImageChunk | None:
        return next((c for c in self.chunks if isinstance(c, ImageChunk)), None)

    @property
    def meta(self) -> dict[str, str]:
        chunk = next((c for c in self.chunks if isinstance(c, MetaChunk)), None)
        return dict(chunk.entries) if chunk else {}


def parse(data: bytes, *, model_dir: Path | None = None) -> GpcFile:
    """Parse and fully validate a GPC file; raise FormatError naming the clause.

    ``model_dir``: the folder neural models load from (spec/neural.md; default: the
    loader's search path). ``data`` is bytes-like (bytes, bytearray, memoryview); to read
    a file by its path or from a binary file object use :func:`read`."""
    given: object = data  # checked at run time too: a path here is a common mistake
    if not isinstance(given, bytes | bytearray | memoryview):
        hint = (" (a path: use refcodec.read)" if isinstance(given, str | os.PathLike)
                else " (a file object: use refcodec.read)" if hasattr(given, "read") else "")
        msg = f"parse(data): data must be bytes-like, not {type(given).__name__}{hint}"
        raise TypeError(msg)
    prefix, size, chunks = schema.parse_container(bytes(data), model_dir)
    width, height = schema.image_dimensions(size)
    return GpcFile(width, height, tuple(chunks), prefix.version, prefix.read_version)


def build(gpc: GpcFile) -> bytes:
    """Serialise ``gpc``; the result is re-parsed, so it is always a valid file."""
    preset = registry.size_preset_for(gpc.width, gpc.height)
    prefix = {"signature": schema.SIGNATURE, "version": gpc.version,
              "read_version": gpc.read_version}
    size = {"size_preset": preset,
            "width": None if preset else gpc.width, "height": None if preset else gpc.height}
    data = schema.build_container(prefix, size, gpc.chunks)
    # Re-parse to prove validity; the image chunk's pixels are reused, not decoded again.
    known = {c.key: c.decode(gpc.width, gpc.height, read_version=gpc.read_version)
             for c in gpc.chunks
             if isinstance(c, ImageChunk)}
    _, _, chunks = schema.parse_container(data, known_images=known)
    if tuple(chunks) != gpc.chunks:
        raise FormatError("FILE-1", "the chunks do not describe a valid file (text mismatch)")
    return data


def read(source: str | os.PathLike[str] | BinaryIO, *,
         model_dir: Path | None = None) -> GpcFile:
    """Read and parse a file given by its path or as a binary file object, refusing to
    load more than the format's size limit."""
    given: object = source
    data: object
    if isinstance(given, str | os.PathLike):
        with open(given, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    elif hasattr(given, "read"):
        text_mode = isinstance(given, io.TextIOBase)
        data = b"" if text_mode else given.read(MAX_FILE_BYTES + 1)
        if text_mode or not isinstance(data, bytes):
            msg = "read(source): the file object must be opened in binary mode ('rb')"
            raise TypeError(msg)
    else:
        msg = (f"read(source): source must be a path or a binary file object, not "
               f"{type(given).__name__} (for bytes use refcodec.parse)")
        raise TypeError(msg)
    assert isinstance(data, bytes)
    return parse(data, model_dir=model_dir)


def write(path: str | os.PathLike[str], gpc: GpcFile) -> int:
    """Build ``gpc`` and write it atomically; return the number of bytes written."""
    target = Path(path)
    if target.is_dir():
        msg = f"{target} is a directory"
        raise UsageError(msg)
    data = build(gpc)
    write_atomic(target, data)
    return len(data)

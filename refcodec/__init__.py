"""GPC reference codec: read, write and validate ``.gpc`` files (spec/gpc.md, version
``SPEC_VERSION``).

The small public API::

    gpc = refcodec.encode("Image: ...", size=(1024, 1024))
    data = refcodec.build(gpc)
    assert refcodec.build(refcodec.parse(data)) == data
    request = refcodec.derive_request(refcodec.parse(data))
"""

from __future__ import annotations

from .container import (
    GpcFile,
    ImageChunk,
    MetaChunk,
    TextChunk,
    UnknownChunk,
    build,
    parse,
    read,
    write,
)
from .encode import encode, image_size
from .errors import BackendUnavailable, FormatError, GpcError, UsageError
from .registry import SPEC_VERSION
from .request import GenerationRequest, derive_request

__all__ = [
    "SPEC_VERSION",
    "BackendUnavailable",
    "FormatError",
    "GenerationRequest",
    "GpcError",
    "GpcFile",
    "ImageChunk",
    "MetaChunk",
    "TextChunk",
    "UnknownChunk",
    "UsageError",
    "build",
    "derive_request",
    "encode",
    "image_size",
    "parse",
    "read",
    "write",
]

__version__ = "0.1.0"

"""GPC reference codec: read, write and validate ``.gpc`` files (spec/gpc.md, version
``SPEC_VERSION``).

The small public API::

    gpc = refcodec.encode("Image: ...", size=(1024, 1024))
    data = refcodec.build(gpc)
    assert refcodec.build(refcodec.parse(data)) == data
    request = refcodec.derive_request(refcodec.parse(data))

The names load on first use (PEP 562), so ``gpc validate`` and other short commands do
not pay for the container schema, the encoder or the request until they need them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .errors import BackendUnavailable, FormatError, GpcError, UsageError
from .registry import SPEC_VERSION

if TYPE_CHECKING:
    from .compose import encode, image_size, lowres_chunk
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
    from .request import GenerationRequest, derive_request

_LAZY = {
    **dict.fromkeys(("GpcFile", "ImageChunk", "MetaChunk", "TextChunk", "UnknownChunk",
                     "build", "parse", "read", "write"), ".container"),
    **dict.fromkeys(("encode", "image_size", "lowres_chunk"), ".compose"),
    **dict.fromkeys(("GenerationRequest", "derive_request"), ".request"),
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def preview(gpc: GpcFile, model_dir: object = None) -> object:
    """The model-free view of ``gpc`` as a PIL RGB image of its header size: the reference
    image upscaled, or a placeholder card showing the description (text-only files).
    Imports Pillow on first use (:mod:`refcodec.views`)."""
    from .views import preview as view

    return view(gpc, model_dir)  # type: ignore[arg-type]


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
    "lowres_chunk",
    "parse",
    "preview",
    "read",
    "write",
]

__version__ = "0.1.0"

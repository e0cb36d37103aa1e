"""Text codec ``gpc-ppm1`` (spec/text-codec.md): the project's PPM text model.

The model itself is :mod:`refcodec.textmodel`; this module registers it. When libgpc is
built, its C decoder is used first (:mod:`refcodec.native`); a stream it rejects is
decoded again here, so the reference words every error.
"""

from __future__ import annotations

from .. import native, textmodel
from ..codecs import register_text_codec
from ..errors import FormatError


def decode(data: bytes, text_length: int) -> bytes:
    try:
        fast = native.ppm1_decode(data, text_length)
    except FormatError:
        fast = None
    return fast if fast is not None else textmodel.decode(data, text_length)


register_text_codec("gpc-ppm1", encode=textmodel.encode, decode=decode)

"""Text codec ``gpc-ppm1`` (spec/text-codec.md): the project's PPM text model.

The model itself is :mod:`refcodec.textmodel`; this module registers it.
"""

from __future__ import annotations

from .. import textmodel
from ..codecs import register_text_codec

register_text_codec("gpc-ppm1", encode=textmodel.encode, decode=textmodel.decode)

"""Image codec ``msillm``: MS-ILLM latents (spec/neural.md, annex N).

The codec itself is :mod:`refcodec.neural` (optional extra ``neural``: torch, compressai),
imported only when a file uses it. Its symbols are exact and named by the request
(NRL-11); its pixels are not integer-exact (NRL-10). Encoding takes a model, not a
quality: see :func:`refcodec.lowres.encode_lowres_image`.
"""

from __future__ import annotations

from pathlib import Path

from .. import registry
from ..codecs import DecodedImage, register_image_codec
from ..errors import FormatError
from ..varint import decode_varint


def decode(data: bytes, width: int, height: int, *, check: int | None = None,
           model_dir: Path | None = None) -> DecodedImage:
    from .. import neural
    from ..neural.loader import find_model_file

    # NRL-1 and the weights file first: a file naming an unknown model, or one whose
    # weights are missing, costs no torch import (BackendUnavailable: undecided).
    find_model_file(model_of(data), model_dir=model_dir)

    rgb, symbols = neural.decode(data, width, height, check=check, model_dir=model_dir)
    return DecodedImage(rgb, width, height, symbols, exact_pixels=False)


def model_of(data: bytes) -> registry.Model:
    """NRL-1, NRL-12: the registered, verified model the data names by its leading varint
    (checked without the neural extra)."""
    try:
        model_id, _ = decode_varint(data, 0)
    except FormatError as exc:
        if exc.clause != "VINT-1":
            raise  # VINT-2, VINT-3 keep their clauses (§2.2)
        msg = "msillm data ends inside the model ID"
        raise FormatError("NRL-1", msg) from None
    row = registry.model(model_id)
    if row is None:
        msg = f"unknown neural model ID {model_id}"
        raise FormatError("NRL-1", msg)
    if row.tables_sha256 is None:
        msg = f"model {row.name} is unverified: no digests to check its weights and tables"
        raise FormatError("NRL-12", msg)
    return row


def available() -> bool:
    """True when the optional dependencies of the neural codec are installed."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("torch", "compressai", "numpy"))


register_image_codec("msillm", decode=decode, available=available)

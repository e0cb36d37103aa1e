"""Image codec ``msillm``: MS-ILLM latents (spec/neural.md, annex N).

The codec itself is :mod:`refcodec.neural` (optional extra ``neural``: torch, compressai),
imported only when a file uses it. Its symbols are exact and named by the request
(NRL-11); its pixels are not integer-exact (NRL-10). Encoding takes a model, not a
quality: see :func:`refcodec.lowres.encode_lowres_image`.
"""

from __future__ import annotations

from pathlib import Path

from ..codecs import DecodedImage, register_image_codec


def decode(data: bytes, width: int, height: int, *, check: int | None = None,
           model_dir: Path | None = None) -> DecodedImage:
    from .. import neural
    from ..neural.loader import find_model_file
    from ..neural.models import verified_model

    # NRL-1 and the weights file first: a file naming an unknown model, or one whose
    # weights are missing, costs no torch import (BackendUnavailable: undecided).
    find_model_file(verified_model(data), model_dir=model_dir)

    rgb, symbols = neural.decode(data, width, height, check=check, model_dir=model_dir)
    return DecodedImage(rgb, width, height, symbols, exact_pixels=False)


def available() -> bool:
    """True when the optional dependencies of the neural codec are installed."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("torch", "compressai", "numpy"))


register_image_codec("msillm", decode=decode, available=available)

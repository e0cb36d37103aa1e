"""The neural low-resolution image codec: MS-ILLM on compressai (spec/neural.md, annex N).

Optional: torch, compressai, numpy and safetensors are imported only when a model is used;
without them every entry point raises :class:`refcodec.errors.BackendUnavailable`.
``encode``/``decode`` mirror the ``refcodec.lowres`` codec modules, with a model in place of
a quality. Decoding is exact for the symbols (NRL-6 to NRL-9); pixels see NRL-10.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..registry import Model, model_by_name

if TYPE_CHECKING:
    from PIL import Image

    from .model import NeuralModel

__all__ = ["decode", "encode", "get_model"]

_CACHE: dict[tuple[str, str | None, str | None], NeuralModel] = {}


def _require_backend() -> None:
    """BackendUnavailable unless the codec's optional dependencies are installed."""
    from ._deps import require

    for name in ("numpy", "torch", "compressai.ans"):
        require(name)


def get_model(row: Model | str, path: Path | None = None,
              model_dir: Path | None = None) -> NeuralModel:
    """The loaded, verified model (cached per process)."""
    from .loader import load_model

    if isinstance(row, str):
        row = model_by_name(row)
    key = (row.name, str(path) if path else None, str(model_dir) if model_dir else None)
    if key not in _CACHE:
        _CACHE[key] = load_model(row, path, model_dir)
    return _CACHE[key]


def _model(model: Model | str | NeuralModel, model_dir: Path | None = None) -> NeuralModel:
    from .model import NeuralModel

    return model if isinstance(model, NeuralModel) else get_model(model, model_dir=model_dir)


def encode(image: Image.Image, model: Model | str | NeuralModel) -> tuple[int, bytes]:
    """``(check, data)`` of the image chunk for an already reduced RGB image."""
    _require_backend()
    from . import codec

    return codec.encode(image, _model(model))


def decode(data: bytes, width: int, height: int,
           model: Model | str | NeuralModel | None = None,
           check: int | None = None, model_dir: Path | None = None) -> tuple[bytes, bytes]:
    """``(rgb, latents)`` for a ``width`` x ``height`` low-res image; FormatError if invalid.

    The model is the one ``data`` names (NRL-1); ``model``, if given, must be that one.
    """
    _require_backend()
    from . import codec

    row, _ = codec.split_model(data)
    return codec.decode(data, width, height,
                        _model(row if model is None else model, model_dir), check)


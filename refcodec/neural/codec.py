"""Encoding and exact decoding of the MS-ILLM image-chunk payload (spec/neural.md NRL-4..9).

``data`` is the model ID (varint) and one rANS stream (compressai's ``ans`` coder): the
hyper-latent symbols, then the latent symbols, whose CDF indexes come from the integer
hyper-synthesis of NRL-6.
``check`` is the CRC-32 of the symbols (NRL-9), so a desynchronised decoder fails loudly.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

from ..errors import FormatError, UsageError
from ..varint import encode_varint
from ._deps import require
from .intnet import SYMBOL_LIMIT, Int64Array, run_branch, scale_indexes
from .models import split_model

if TYPE_CHECKING:
    from PIL import Image

    from .model import NeuralModel

__all__ = [
    "decode",
    "encode",
    "latent_shapes",
    "split_model",
    "symbols_bytes",
    "symbols_check",
]

FACTOR = 64


def latent_shapes(model: NeuralModel, width: int, height: int) -> tuple[tuple[int, int, int],
                                                                          tuple[int, int, int]]:
    """NRL-4: (z shape, y shape) in C-H-W for a ``width`` x ``height`` low-res image."""
    zh, zw = -(-height // FACTOR), -(-width // FACTOR)
    arch = model.row.arch
    return (arch.hyper_channels, zh, zw), (arch.latent_channels, 4 * zh, 4 * zw)


def symbols_bytes(z: Int64Array, y: Int64Array) -> bytes:
    """NRL-9: z then y symbols as int16 little-endian, C-H-W order."""
    return z.astype("<i2").tobytes() + y.astype("<i2").tobytes()


def symbols_check(z: Int64Array, y: Int64Array) -> int:
    return zlib.crc32(symbols_bytes(z, y))


def _hyper(model: NeuralModel, z: Int64Array) -> tuple[Int64Array, Int64Array]:
    """NRL-6/7: (y CDF indexes, integer means at scale 2**A) from the z symbols."""
    activations = z * (1 << model.row.arch.activation_bits) + model.medians[:, None, None]
    means = run_branch(model.mean_branch, activations)
    indexes = scale_indexes(run_branch(model.scale_branch, activations), model.thresholds)
    return indexes + model.z_tables, means


def _z_indexes(shape: tuple[int, int, int]) -> list[int]:
    indexes: list[int] = np.repeat(np.arange(shape[0]), shape[1] * shape[2]).tolist()
    return indexes


def _rans_encode(model: NeuralModel, z: Int64Array, z_index: list[int],
                 y: Int64Array, y_index: Int64Array) -> bytes:
    ans = require("compressai.ans")
    encoder = ans.BufferedRansEncoder()
    for symbols, indexes in ((z.ravel().tolist(), z_index), (y.ravel().tolist(),
                                                              y_index.ravel().tolist())):
        encoder.encode_with_indexes(symbols, indexes, model.cdfs, model.lengths, model.offsets)
    stream: bytes = encoder.flush()
    return stream


def encode(image: Image.Image, model: NeuralModel) -> tuple[int, bytes]:
    """``(check, data)`` for an already reduced RGB image (the encoder is informative)."""
    torch = require("torch")
    rgb = image.convert("RGB")
    width, height = rgb.size
    z_shape, y_shape = latent_shapes(model, width, height)
    pixels = np.frombuffer(rgb.tobytes(), dtype=np.uint8).reshape(height, width, 3)
    x = torch.from_numpy(pixels.transpose(2, 0, 1).astype(np.float32) / 255)[None]
    pad = (0, y_shape[2] * 16 - width, 0, y_shape[1] * 16 - height)
    x = torch.nn.functional.pad(x, pad, mode="replicate")
    scale = float(1 << model.row.arch.activation_bits)
    with torch.no_grad():
        y_float = model.net.encoder(x)
        z_float = model.net.hyper_analysis(y_float)[0].double().numpy()
    limit = (-SYMBOL_LIMIT, SYMBOL_LIMIT - 1)
    z = np.clip(np.rint(z_float - model.medians[:, None, None] / scale), *limit).astype(np.int64)
    y_index, means = _hyper(model, z)
    y_residual = y_float[0].double().numpy() - means / scale
    y = np.clip(np.rint(y_residual), *limit).astype(np.int64)
    assert z.shape == z_shape
    assert y.shape == y_shape
    stream = _rans_encode(model, z, _z_indexes(z_shape), y, y_index)
    return symbols_check(z, y), encode_varint(model.row.id) + stream


def _decode_symbols(model: NeuralModel, stream: bytes, width: int,
                    height: int) -> tuple[Int64Array, Int64Array, Int64Array]:
    """NRL-4, NRL-5, NRL-8: the symbols and integer means; raises FormatError."""
    ans = require("compressai.ans")
    if len(stream) < 8 or len(stream) % 4:
        msg = f"rANS stream must be a whole number of 32-bit words, at least 2 ({len(stream)} B)"
        raise FormatError("NRL-4", msg)
    z_shape, y_shape = latent_shapes(model, width, height)
    count = int(np.prod(z_shape) + np.prod(y_shape))
    # compressai's decoder does not bound its reads: pad so that a corrupt stream reads
    # zeros, never foreign memory (bound derived in spec/neural.md NRL-8, informative note)
    padding = bytes(4 * (16 * (len(stream) // 4) + 35 * count + 16))
    decoder = ans.RansDecoder()
    decoder.set_stream(stream + padding)
    z_index = _z_indexes(z_shape)
    z = np.array(decoder.decode_stream(z_index, model.cdfs, model.lengths, model.offsets),
                 dtype=np.int64).reshape(z_shape)
    _check_range(z, "hyper-latent")
    y_index, means = _hyper(model, z)
    y = np.array(decoder.decode_stream(y_index.ravel().tolist(), model.cdfs, model.lengths,
                                       model.offsets), dtype=np.int64).reshape(y_shape)
    _check_range(y, "latent")
    if _rans_encode(model, z, z_index, y, y_index) != stream:
        msg = "data is not the rANS stream of the symbols it decodes to"
        raise FormatError("NRL-8", msg)
    return z, y, means


def _check_range(symbols: Int64Array, what: str) -> None:
    if symbols.size and (symbols.min() < -SYMBOL_LIMIT or symbols.max() >= SYMBOL_LIMIT):
        msg = f"a {what} symbol is outside the 16-bit range"
        raise FormatError("NRL-5", msg)


def decode(data: bytes, width: int, height: int, model: NeuralModel,
           check: int | None = None) -> tuple[bytes, bytes]:
    """``(rgb, latents)``: the RGB8 pixels (NRL-10) and the symbol bytes (NRL-9).

    With ``check`` the symbols' CRC-32 is verified before any pixel is computed (IMG-3).
    """
    torch = require("torch")
    row, stream = split_model(data)
    if row.id != model.row.id:
        msg = f"the data is coded with model {row.name}, not {model.row.name}"
        raise UsageError(msg)
    z, y, means = _decode_symbols(model, stream, width, height)
    latents = symbols_bytes(z, y)
    if check is not None and zlib.crc32(latents) != check:
        msg = (f"latent check mismatch: stored 0x{check:08X}, "
               f"decoded 0x{zlib.crc32(latents):08X}")
        raise FormatError("NRL-9", msg)
    y_hat = y + means / float(1 << model.row.arch.activation_bits)  # exact dyadic values
    with torch.no_grad():
        x = model.generator64(torch.from_numpy(y_hat)[None])[0, :, :height, :width]
    x = torch.round(torch.clamp(x, 0.0, 1.0) * 255.0).to(torch.uint8)
    return x.permute(1, 2, 0).contiguous().numpy().tobytes(), latents

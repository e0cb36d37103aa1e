"""Integer-exact hyper-synthesis and scale-index rule (spec/neural.md NRL-6, NRL-7).

The two hyper-synthesis branches are evaluated on integers only (numpy int64, no BLAS), so
the CDF indexes and the means are the same on every machine, thread count and library. The
integer weights are a fixed function of the float checkpoint (round half to even of
``w * 2**P``); the loader proves with :func:`accumulator_bound` that int64 cannot overflow.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "SYMBOL_LIMIT",
    "IntLayer",
    "IntegerBranch",
    "accumulator_bound",
    "run_branch",
    "scale_indexes",
    "tables_bytes",
    "tables_sha256",
]

Int64Array = npt.NDArray[np.int64]
SYMBOL_LIMIT = 1 << 15  # NRL-5: every symbol lies in [-2**15, 2**15 - 1]
INT64_SAFE = 1 << 62


@dataclass(frozen=True)
class IntLayer:
    """One convolution: ``weight`` [out, in, k, k] already flipped for transposed layers."""

    weight: Int64Array
    bias: Int64Array  # at scale 2**(P + A)
    transposed: bool  # 5x5, stride 2, padding 2, output padding 1 (NRL-6)
    relu: bool


@dataclass(frozen=True)
class IntegerBranch:
    layers: tuple[IntLayer, ...]
    weight_bits: int


def quantise(values: npt.NDArray[np.float64], bits: int) -> Int64Array:
    """NRL-6: round half to even of ``values * 2**bits`` (exact for float32 inputs)."""
    result: Int64Array = np.rint(np.ldexp(values.astype(np.float64), bits)).astype(np.int64)
    return result


def _correlate(x: Int64Array, weight: Int64Array, pad: tuple[int, int]) -> Int64Array:
    """Valid cross-correlation of ``x`` [C, H, W] padded by ``pad`` (before, after)."""
    k = weight.shape[2]
    xp = np.pad(x, ((0, 0), pad, pad))
    height, width = xp.shape[1] - k + 1, xp.shape[2] - k + 1
    out = np.zeros((weight.shape[0], height, width), dtype=np.int64)
    for ky in range(k):
        for kx in range(k):
            window = xp[:, ky:ky + height, kx:kx + width].reshape(x.shape[0], -1)
            out += (weight[:, :, ky, kx] @ window).reshape(out.shape)
    return out


def _apply(layer: IntLayer, x: Int64Array, weight_bits: int) -> Int64Array:
    if layer.transposed:
        channels, height, width = x.shape
        dilated = np.zeros((channels, 2 * height - 1, 2 * width - 1), dtype=np.int64)
        dilated[:, ::2, ::2] = x
        # 5x5 kernel, padding 2, output padding 1: pad 2 before and 3 after -> size 2n
        xp = np.pad(dilated, ((0, 0), (0, 1), (0, 1)))
        acc = _correlate(xp, layer.weight, (2, 2))
    else:
        k = layer.weight.shape[2]
        acc = _correlate(x, layer.weight, (k // 2, k // 2))
    acc += layer.bias[:, None, None]
    out = (acc + (1 << (weight_bits - 1))) >> weight_bits
    return np.maximum(out, 0) if layer.relu else out


def run_branch(branch: IntegerBranch, activations: Int64Array) -> Int64Array:
    """NRL-6: the branch on integer activations at scale 2**A; output at scale 2**A."""
    x = activations
    for layer in branch.layers:
        x = _apply(layer, x, branch.weight_bits)
    return x


def accumulator_bound(branch: IntegerBranch, input_bound: int) -> int:
    """Largest |accumulator| any input with |a| <= input_bound can produce (NRL-6)."""
    bound, largest = input_bound, 0
    for layer in branch.layers:
        per_output = np.abs(layer.weight).reshape(layer.weight.shape[0], -1).sum(axis=1)
        acc = max(int(s) * bound + abs(int(b)) for s, b in zip(per_output, layer.bias,
                                                                strict=True))
        largest = max(largest, acc)
        bound = (acc >> branch.weight_bits) + 1
    return largest


def scale_indexes(values: Int64Array, thresholds: Int64Array) -> Int64Array:
    """NRL-7: index = number of thresholds T_i (i = 0 .. N-2) with T_i < v."""
    return np.searchsorted(thresholds[:-1], values, side="left").astype(np.int64)


def tables_bytes(cdfs: list[list[int]], offsets: list[int]) -> bytes:
    """NRL-8: the canonical bytes of a table set (count, then per table offset, length, CDF)."""
    out = [struct.pack("<I", len(cdfs))]
    for cdf, offset in zip(cdfs, offsets, strict=True):
        out.append(struct.pack(f"<iI{len(cdf)}I", offset, len(cdf), *cdf))
    return b"".join(out)


def tables_sha256(cdfs: list[list[int]], offsets: list[int], thresholds: list[int]) -> str:
    """NRL-8: SHA-256 of the table set followed by the thresholds (i64le each)."""
    data = tables_bytes(cdfs, offsets) + struct.pack(f"<{len(thresholds)}q", *thresholds)
    return hashlib.sha256(data).hexdigest()

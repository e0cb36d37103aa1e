"""A loaded neural model ready for exact coding (spec/neural.md NRL-6 to NRL-8).

Built once from the float network: the integer hyper-synthesis branches, the integer
medians and scale thresholds, and the rANS tables (z tables first, then y tables) exactly
as the checkpoint's compressai buffers hold them (never recomputed).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UsageError
from ..registry import Model as ModelRow
from .intnet import (
    INT64_SAFE,
    SYMBOL_LIMIT,
    Int64Array,
    IntegerBranch,
    IntLayer,
    accumulator_bound,
    quantise,
    tables_sha256,
)

if TYPE_CHECKING:
    from torch import nn

    from .arch import MsIllm

__all__ = ["NeuralModel", "build_model"]


@dataclass(frozen=True)
class NeuralModel:
    row: ModelRow
    net: MsIllm
    mean_branch: IntegerBranch
    scale_branch: IntegerBranch
    medians: Int64Array  # NRL-6: M_c = round(median_c * 2**A)
    thresholds: Int64Array  # NRL-7: T_i = round(scale_table_i * 2**A)
    cdfs: list[list[int]]  # z tables (one per hyper channel), then y tables
    offsets: list[int]
    lengths: list[int]
    tables_sha256: str
    generator64: nn.Module  # NRL-10: the generator in float64

    @property
    def z_tables(self) -> int:
        return self.row.arch.hyper_channels


def _branch(sequential: nn.Sequential, weight_bits: int, activation_bits: int) -> IntegerBranch:
    import torch

    layers = []
    convs = [m for m in sequential if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)]
    for position, conv in enumerate(convs):
        weight = conv.weight.detach().double().numpy()
        transposed = isinstance(conv, torch.nn.ConvTranspose2d)
        if transposed:  # [in, out, k, k] -> correlation kernel [out, in, k, k], flipped
            weight = np.flip(weight.transpose(1, 0, 2, 3), (2, 3))
        bias = conv.bias.detach().double().numpy() if conv.bias is not None else np.zeros(
            weight.shape[0])
        layers.append(IntLayer(np.ascontiguousarray(quantise(weight, weight_bits)),
                               quantise(bias, weight_bits + activation_bits), transposed,
                               relu=position < len(convs) - 1))
    return IntegerBranch(tuple(layers), weight_bits)


def _rows(cdf: list[list[int]], lengths: list[int]) -> list[list[int]]:
    return [row[:length] for row, length in zip(cdf, lengths, strict=True)]


def _check_tables(cdfs: list[list[int]], name: str) -> None:
    for cdf in cdfs:
        if (len(cdf) < 3 or cdf[0] != 0 or cdf[-1] != 1 << 16
                or any(b <= a for a, b in zip(cdf, cdf[1:], strict=False))):
            msg = f"model {name}: invalid CDF table in the checkpoint (NRL-8)"
            raise UsageError(msg)


def build_model(row: ModelRow, net: MsIllm) -> NeuralModel:
    """The integer side of ``net`` (NRL-6 to NRL-8); refuses models int64 cannot run."""
    arch = row.arch
    wb, ab = arch.weight_bits, arch.activation_bits
    eb, gc = net.hyper_bottleneck, net.latent_bottleneck
    if eb._offset.numel() == 0 or gc._offset.numel() == 0:
        msg = f"model {row.name}: the checkpoint has no CDF tables (run compressai update())"
        raise UsageError(msg)
    z_lengths = eb._cdf_length.tolist()
    y_lengths = gc._cdf_length.tolist()
    cdfs = (_rows(eb._quantized_cdf.tolist(), z_lengths)
            + _rows(gc._quantized_cdf.tolist(), y_lengths))
    _check_tables(cdfs, row.name)
    offsets = eb._offset.tolist() + gc._offset.tolist()
    medians = quantise(eb.quantiles.detach()[:, 0, 1].double().numpy(), ab)
    thresholds = quantise(gc.scale_table.detach().double().numpy(), ab)
    mean = _branch(net.hyper_synthesis_mean, wb, ab)
    scale = _branch(net.hyper_synthesis_scale, wb, ab)
    input_bound = SYMBOL_LIMIT * (1 << ab) + int(np.abs(medians).max())
    for branch in (mean, scale):
        if accumulator_bound(branch, input_bound) >= INT64_SAFE:
            msg = f"model {row.name}: integer hyper-synthesis may overflow int64 (NRL-6)"
            raise UsageError(msg)
    digest = tables_sha256(cdfs, offsets, thresholds.tolist())
    if row.tables_sha256 is not None and digest != row.tables_sha256:
        msg = (f"model {row.name}: CDF tables have SHA-256 {digest}, the registry says "
               f"{row.tables_sha256} (NRL-8)")
        raise UsageError(msg)
    generator64 = copy.deepcopy(net.decoder).double().eval()
    return NeuralModel(row, net, mean, scale, medians, thresholds, cdfs, offsets,
                       z_lengths + y_lengths, digest, generator64)

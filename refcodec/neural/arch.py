"""The HiFiC / MS-ILLM autoencoder (spec/neural.md NRL-3), on compressai building blocks.

Module names and ``nn.Sequential`` layouts are NeuralCompression's (``HiFiCAutoencoder``),
so that its published state dicts load unchanged. Imports torch: import this module only
after ``_deps.require("torch")``.
"""

from __future__ import annotations

import torch
from compressai.entropy_models import (
    EntropyBottleneck,
    GaussianConditional,
)
from compressai.models import CompressionModel
from torch import Tensor, nn

from ..registry import Architecture

__all__ = ["FACTOR", "ChannelNorm2D", "HificEncoder", "HificGenerator", "MsIllm"]

FACTOR = 64  # total downsampling of the hyper-latent; images are padded to a multiple


class ChannelNorm2D(nn.Module):
    """Per-pixel normalisation across channels with the *unbiased* variance (HiFiC)."""

    def __init__(self, channels: int, epsilon: float = 1e-3) -> None:
        super().__init__()
        self.epsilon = epsilon
        self.gamma = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        mean = torch.mean(x, dim=1, keepdim=True)
        variance = torch.var(x, dim=1, keepdim=True)
        return self.gamma * (x - mean) * torch.rsqrt(variance + self.epsilon) + self.beta


class HificEncoder(nn.Module):
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        cin = 3
        for index, cout in enumerate(arch.encoder_channels):
            conv = (nn.Conv2d(cin, cout, 7, padding=3) if index == 0
                    else nn.Conv2d(cin, cout, 3, stride=2, padding=1))
            blocks.append(nn.Sequential(conv, ChannelNorm2D(cout), nn.ReLU()))
            cin = cout
        blocks.append(nn.Conv2d(cin, arch.latent_channels, 3, padding=1))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        result: Tensor = self.blocks(x)
        return result


class _ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.sequence = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), ChannelNorm2D(channels), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), ChannelNorm2D(channels),
        )

    def forward(self, x: Tensor) -> Tensor:
        result: Tensor = x + self.sequence(x)
        return result


class HificGenerator(nn.Module):
    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        filters = arch.generator_channels
        self.block_0 = nn.Sequential(
            ChannelNorm2D(arch.latent_channels),
            nn.Conv2d(arch.latent_channels, filters[0], 3, padding=1),
            ChannelNorm2D(filters[0]),
        )
        self.resid_blocks = nn.Sequential(
            *(_ResidualBlock(filters[0]) for _ in range(arch.residual_blocks)))
        blocks: list[nn.Module] = [
            nn.Sequential(
                nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1),
                ChannelNorm2D(cout), nn.ReLU())
            for cin, cout in zip(filters[:-1], filters[1:], strict=True)
        ]
        blocks.append(nn.Conv2d(filters[-1], 3, 7, padding=3))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        x = self.block_0(x)
        x = x + self.resid_blocks(x)
        result: Tensor = self.blocks(x)
        return result


def _conv(cin: int, cout: int, kernel: int = 5, stride: int = 2) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2)


def _deconv(cin: int, cout: int) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, 5, stride=2, padding=2, output_padding=1)


def _hyper_synthesis(arch: Architecture) -> nn.Sequential:
    h = arch.hyper_channels
    return nn.Sequential(_deconv(h, h), nn.ReLU(), _deconv(h, h), nn.ReLU(),
                         _conv(h, arch.latent_channels, 3, 1))


class MsIllm(CompressionModel):  # type: ignore[misc]
    """HiFiC autoencoder + factorised hyper-prior (z) + Gaussian mean-scale prior (y)."""

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        h = arch.hyper_channels
        self.arch = arch
        self.encoder = HificEncoder(arch)
        self.decoder = HificGenerator(arch)
        self.hyper_analysis = nn.Sequential(
            _conv(arch.latent_channels, h, 3, 1), nn.ReLU(), _conv(h, h), nn.ReLU(),
            _conv(h, h))
        self.hyper_synthesis_mean = _hyper_synthesis(arch)
        self.hyper_synthesis_scale = _hyper_synthesis(arch)
        self.hyper_bottleneck = EntropyBottleneck(h)
        self.latent_bottleneck = GaussianConditional(None)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        """Training pass (additive uniform noise for y and z): reconstruction, likelihoods."""
        y = self.encoder(x)
        z = self.hyper_analysis(y)
        z_hat, z_likelihoods = self.hyper_bottleneck(z)
        means = self.hyper_synthesis_mean(z_hat)
        scales = self.hyper_synthesis_scale(z_hat)
        y_hat, y_likelihoods = self.latent_bottleneck(y, scales, means=means)
        return {"x_hat": self.decoder(y_hat), "y": y_likelihoods, "z": z_likelihoods}

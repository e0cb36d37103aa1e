"""The MS-ILLM model table (spec/neural.md NRL-2): architectures, weights, licences.

Pure data: importing this module never imports torch. Each row is one model of the
HiFiC / MS-ILLM family (Muckley et al., ICML 2023) with the hyperparameters that build it,
where its weights come from and the SHA-256 that pins them. ``sha256 is None`` means that
nobody has verified the file for this registry: the loader then says so plainly.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import registry
from ..errors import UsageError

__all__ = ["CODEC_ID", "MODELS", "Architecture", "ModelRow", "model_by_id", "model_by_name"]

CODEC_ID = 16  # image codec "msillm" (§17.5); its data starts with the model ID (NRL-1)


@dataclass(frozen=True)
class Architecture:
    """Hyperparameters of one HiFiC autoencoder with a mean-scale hyperprior (NRL-3)."""

    latent_channels: int = 220
    hyper_channels: int = 320
    encoder_channels: tuple[int, ...] = (60, 120, 240, 480, 960)
    generator_channels: tuple[int, ...] = (960, 480, 240, 120, 60)
    residual_blocks: int = 9
    weight_bits: int = 14  # NRL-6: integer weights are round(w * 2**weight_bits)
    activation_bits: int = 12  # NRL-6: integer activations carry 2**activation_bits


@dataclass(frozen=True)
class ModelRow:
    """One registered model; ``model_id`` is its proposed ID in the model registry."""

    name: str
    model_id: int
    nominal_bpp: float | None
    filename: str
    url: str | None
    licence: str
    sha256: str | None  # of the weights file, or None: unverified
    tables_sha256: str | None  # NRL-7: of the integer CDF tables, or None: unverified
    arch: Architecture
    test_only: bool = False

    @property
    def verified(self) -> bool:
        return self.sha256 is not None


TEST_ARCH = Architecture(
    latent_channels=24,
    hyper_channels=24,
    encoder_channels=(8, 16, 24, 32, 64),
    generator_channels=(48, 32, 24, 16, 8),
    residual_blocks=2,
)

#: Per-model details beside the on-disk rows of refcodec.registry.MODELS (the one source of
#: IDs, names, hashes, URLs and licences): nominal bpp, file name, table hash, architecture.
_DETAILS: dict[str, tuple[float | None, str, str | None, Architecture]] = {
    "msillm-q1": (0.035, "msillm_target_0.035bpp.ckpt", None, Architecture()),
    "msillm-q2": (0.07, "msillm_target_0.07bpp.ckpt", None, Architecture()),
    "msillm-q3": (0.14, "msillm_target_0.14bpp.ckpt", None, Architecture()),
    "msillm-q4": (0.3, "msillm_target_0.3bpp.ckpt", None, Architecture()),
    "msillm-q5": (0.45, "msillm_target_0.45bpp.ckpt", None, Architecture()),
    "msillm-q6": (0.9, "msillm_target_0.9bpp.ckpt", None, Architecture()),
    "msillm-vlo1": (0.00218, "msillm_target_0.00218bpp.ckpt", None, Architecture()),
    "msillm-vlo2": (0.00438, "msillm_target_0.00438bpp.ckpt", None, Architecture()),
    "msillm-test": (None, "msillm-test.safetensors",
                    "53b58ff048d2ec8cf1bdd4f8de1436ed27bfa77c0f36d31fbb950b818b9b40cc", TEST_ARCH),
}

MODELS: tuple[ModelRow, ...] = tuple(
    ModelRow(row.name, row.id, _DETAILS[row.name][0], _DETAILS[row.name][1], row.url,
             row.licence, row.sha256, _DETAILS[row.name][2], _DETAILS[row.name][3],
             test_only=row.status == "test-only")
    for row in registry.MODELS if row.codec == CODEC_ID
)


def model_by_name(name: str) -> ModelRow:
    for row in MODELS:
        if row.name == name:
            return row
    known = ", ".join(row.name for row in MODELS)
    msg = f"unknown neural model {name!r} (known: {known})"
    raise UsageError(msg)


def model_by_id(model_id: int) -> ModelRow | None:
    return next((row for row in MODELS if row.model_id == model_id), None)

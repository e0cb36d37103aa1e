"""Image quality metrics for ``gpc eval``: PSNR and MS-SSIM, learned metrics (LPIPS, DISTS,
CLIP image-image similarity, CLIP-IQA) and set metrics (FID, KID).

The learned and set metrics come from **piq** (PyTorch Image Quality, 0.8): a pure-PyTorch
library whose only dependency is torchvision, which imports without fetching anything and
holds all of them behind one API. (pyiqa pulls in transformers, timm, opencv, pandas,
bitsandbytes and more; torchmetrics needs torch-fidelity for FID/KID and transformers plus
a Hugging Face download for CLIP-IQA.)

piq downloads weights on first use. ``gpc eval`` never lets it: before a metric is built,
every file it loads must already be in the place piq reads it from (the torch hub cache,
``$TORCH_HOME/hub/checkpoints``, and ``~/.cache/clip``); otherwise the metric is reported
"not available" with the files to fetch and where to put them. Nothing is ever faked.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

__all__ = [
    "LEARNED",
    "PSNR_CAP_DB",
    "SET_METRICS",
    "LearnedMetric",
    "Unavailable",
    "clip_dir",
    "hub_checkpoints",
    "library_versions",
    "ms_ssim",
    "psnr",
]

#: PSNR of identical images (MSE 0) is reported as this value, with ``psnr_capped`` true.
PSNR_CAP_DB = 100.0
#: The smallest short side MS-SSIM accepts (11-pixel window, 5 scales): (11 - 1) * 2**4 + 1.
MS_SSIM_MIN_SIDE = 161


class Unavailable(Exception):
    """A metric that cannot be computed here; the message says how to make it available."""


def psnr(reference: Image.Image, test: Image.Image) -> tuple[float, bool]:
    """PSNR in dB over the RGB 8-bit pixels, and whether it was capped (MSE 0)."""
    import numpy as np

    a = np.asarray(reference.convert("RGB"), dtype=np.float64)
    b = np.asarray(test.convert("RGB"), dtype=np.float64)
    if a.shape != b.shape:
        msg = f"size mismatch {a.shape} vs {b.shape}"
        raise ValueError(msg)
    mse = float(np.mean((a - b) ** 2))
    if mse == 0.0:
        return PSNR_CAP_DB, True
    return min(PSNR_CAP_DB, 10.0 * math.log10(255.0**2 / mse)), False


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        msg = "needs torch: pip install 'gpc-refcodec[eval,neural]'"
        raise Unavailable(msg) from None
    return torch


def _piq() -> Any:
    _torch()
    try:
        import piq
    except ImportError:
        msg = "needs piq: pip install 'gpc-refcodec[eval]'"
        raise Unavailable(msg) from None
    return piq


def to_tensor(image: Image.Image) -> Any:
    """``(1, 3, H, W)`` float tensor in [0, 1]."""
    import numpy as np

    torch = _torch()
    array = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0)


def ms_ssim(reference: Image.Image, test: Image.Image) -> float:
    """MS-SSIM (piq, 5 scales, 11-pixel Gaussian window) on RGB in [0, 1]."""
    piq = _piq()
    if min(reference.size) < MS_SSIM_MIN_SIDE:
        msg = f"image smaller than {MS_SSIM_MIN_SIDE} px on its short side"
        raise Unavailable(msg)
    torch = _torch()
    with torch.no_grad():
        return float(piq.multi_scale_ssim(to_tensor(reference), to_tensor(test),
                                          data_range=1.0))


# ------------------------------------------------------------------ weights
def hub_checkpoints() -> Path:
    """Where torch hub (and so piq and torchvision) keeps downloaded weights."""
    torch = _torch()
    return Path(torch.hub.get_dir()) / "checkpoints"


def clip_dir() -> Path:
    """Where piq keeps its CLIP files (fixed by piq: ``~/.cache/clip``)."""
    return Path(os.path.expanduser("~/.cache/clip"))


@dataclass(frozen=True)
class WeightFile:
    where: str  # "hub" or "clip"
    name: str
    url: str

    def path(self) -> Path:
        return (hub_checkpoints() if self.where == "hub" else clip_dir()) / self.name


_GH = "https://github.com/photosynthesis-team"
VGG16 = WeightFile("hub", "vgg16-397923af.pth",
                   "https://download.pytorch.org/models/vgg16-397923af.pth")
LPIPS_LIN = WeightFile("hub", "lpips_weights.pt",
                       f"{_GH}/photosynthesis.metrics/releases/download/v0.4.0/lpips_weights.pt")
DISTS_W = WeightFile("hub", "dists_weights.pt",
                     f"{_GH}/piq/releases/download/v0.4.1/dists_weights.pt")
INCEPTION = WeightFile("hub", "pt_inception-2015-12-05-6726825d.pth",
                       "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
                       "pt_inception-2015-12-05-6726825d.pth")
CLIP_RN50 = WeightFile("clip", "RN50.pt", f"{_GH}/piq/releases/download/v0.7.1/RN50.pt")
CLIP_TOKENS = WeightFile("clip", "clipiqa_tokens.pt",
                         f"{_GH}/piq/releases/download/v0.7.1/clipiqa_tokens.pt")


def _require(files: tuple[WeightFile, ...]) -> None:
    _piq()
    missing = [f for f in files if not f.path().is_file()]
    if missing:
        how = "; ".join(f"{f.url} -> {f.path()}" for f in missing)
        msg = (f"weights absent (never downloaded by gpc eval): fetch on a connected machine "
               f"and copy: {how}")
        raise Unavailable(msg)


# ------------------------------------------------------------------ learned metrics
@dataclass(frozen=True)
class LearnedMetric:
    """A learned metric: ``kind`` is "full-reference" (original, render), "no-reference"
    (render) or "set" (features pooled over all images, see :data:`SET_METRICS`)."""

    name: str
    kind: str
    better: str  # "higher" or "lower"
    files: tuple[WeightFile, ...]
    build: Callable[[], Any]


def _quiet(factory: Callable[[], Any]) -> Any:
    # torchvision warns that piq passes the deprecated ``pretrained=True``
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return factory()


def _build_lpips() -> Any:
    piq = _piq()
    model = _quiet(lambda: piq.LPIPS(reduction="none")).eval()
    return lambda ref, test: float(model(to_tensor(ref), to_tensor(test)).item())


def _build_dists() -> Any:
    piq = _piq()
    model = _quiet(lambda: piq.DISTS(reduction="none")).eval()
    return lambda ref, test: float(model(to_tensor(ref), to_tensor(test)).item())


def _load_clip() -> Any:
    _piq()
    from piq.feature_extractors import clip

    return _quiet(clip.load).eval()


def _build_clip_similarity() -> Any:
    torch = _torch()
    model = _load_clip()
    side = int(model.visual.input_resolution)
    mean = torch.tensor((0.48145466, 0.4578275, 0.40821073)).view(1, 3, 1, 1)
    std = torch.tensor((0.26862954, 0.26130258, 0.27577711)).view(1, 3, 1, 1)

    def embed(image: Image.Image) -> Any:
        square = image.convert("RGB").resize((side, side), Image.Resampling.BICUBIC)
        features = model.encode_image((to_tensor(square) - mean) / std, pos_embedding=True)
        return features.float() / features.float().norm(dim=-1, keepdim=True)

    def similarity(ref: Image.Image, test: Image.Image) -> float:
        with torch.no_grad():
            return float((embed(ref) * embed(test)).sum().item())

    return similarity


def _build_clip_iqa() -> Any:
    piq = _piq()
    model = _quiet(lambda: piq.CLIPIQA(data_range=1.0)).eval()
    return lambda image: float(model(to_tensor(image)).item())


def _build_inception() -> Any:
    torch = _torch()
    _piq()
    from piq.feature_extractors import InceptionV3

    model = _quiet(InceptionV3).eval()

    def features(image: Image.Image) -> list[float]:
        with torch.no_grad():
            out = model(to_tensor(image))[0]
        return [float(v) for v in out.flatten()]

    return features


LEARNED: tuple[LearnedMetric, ...] = (
    LearnedMetric("lpips", "full-reference", "lower", (VGG16, LPIPS_LIN), _build_lpips),
    LearnedMetric("dists", "full-reference", "lower", (VGG16, DISTS_W), _build_dists),
    LearnedMetric("clip_similarity", "full-reference", "higher", (CLIP_RN50,),
                  _build_clip_similarity),
    LearnedMetric("clip_iqa", "no-reference", "higher", (CLIP_RN50, CLIP_TOKENS),
                  _build_clip_iqa),
    LearnedMetric("inception_features", "set", "lower", (INCEPTION,), _build_inception),
)

#: Set metrics computed from the pooled Inception features: name -> better.
SET_METRICS = {"fid": "lower", "kid": "lower"}


def load_learned(names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """``(ready, unavailable)``: the built metrics, and a reason for each that cannot be."""
    ready: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for metric in LEARNED:
        if metric.name not in names:
            continue
        try:
            _require(metric.files)
            ready[metric.name] = metric.build()
        except Unavailable as exc:
            missing[metric.name] = str(exc)
        except Exception as exc:  # a corrupt or foreign file: say so, never guess
            missing[metric.name] = f"the weights failed to load ({type(exc).__name__}: {exc})"
    return ready, missing


def set_metrics(reference: list[list[float]], test: list[list[float]]) -> dict[str, Any]:
    """FID and KID (piq) between two sets of Inception features: value or reason."""
    out: dict[str, Any] = {}
    n = min(len(reference), len(test))
    if n < 2:
        reason = "not available: needs at least 2 rendered images in the set"
        return {"fid": reason, "kid": reason}
    torch = _torch()
    piq = _piq()
    x = torch.tensor(reference, dtype=torch.float64)
    y = torch.tensor(test, dtype=torch.float64)
    out["fid"] = frechet_distance(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["kid"] = float(piq.KID(subset_size=n, n_subsets=10)(x, y))
    return out


def frechet_distance(x: Any, y: Any) -> float:
    """FID between feature sets ``x`` (n, d) and ``y`` (m, d), exactly:
    ``|mu_x - mu_y|^2 + tr(S_x) + tr(S_y) - 2 tr((S_x S_y)^1/2)``.

    With ``A`` and ``B`` the centred features, ``S_x = A'A/(n-1)`` and ``S_y = B'B/(m-1)``,
    the eigenvalues of ``S_x S_y`` are the squared singular values of
    ``A B' / sqrt((n-1)(m-1))``, so the trace term is the sum of those singular values:
    an (n, m) problem instead of piq's 100 Newton-Schulz iterations on a 2048 x 2048
    matrix (minutes on a small CPU). The test suite checks it against piq.FID."""
    torch = _torch()
    a = x - x.mean(dim=0)
    b = y - y.mean(dim=0)
    scale = ((x.shape[0] - 1) * (y.shape[0] - 1)) ** 0.5
    cross = torch.linalg.svdvals(a @ b.T / scale).sum()
    mean = ((x.mean(dim=0) - y.mean(dim=0)) ** 2).sum()
    trace = (a**2).sum() / (x.shape[0] - 1) + (b**2).sum() / (y.shape[0] - 1)
    return float(mean + trace - 2 * cross)


def library_versions() -> dict[str, str]:
    """Versions of the libraries behind the numbers."""
    from importlib import metadata

    versions = {}
    for name in ("gpc-refcodec", "pillow", "numpy", "torch", "torchvision", "piq",
                 "matplotlib", "openai"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    if versions["piq"] == "not installed":
        try:
            import piq

            versions["piq"] = str(piq.__version__)
        except ImportError:
            pass
    return versions

"""Small stand-in weights for the learned metrics of ``gpc eval``, in the exact formats and
places piq loads them from, so the tests run the real loading code without any download.

* VGG16 (LPIPS, DISTS) and the FID InceptionV3: every key and shape of the real state dict,
  each weight a random per-output-channel value broadcast (a stride-0 view: the file holds
  one number per output channel, ~100 KB instead of 528 MB / 95 MB);
* LPIPS linear weights (five ``(1, C, 1, 1)`` tensors) and DISTS ``alpha``/``beta``;
* CLIP: a tiny randomly initialised ModifiedResNet CLIP (embedding 16, 32 px input) saved as
  TorchScript like OpenAI's ``RN50.pt``, and CLIP-IQA's prompt tokens.

The numbers these give mean nothing; they prove the loading and computing paths.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any


def _broadcast_state(module: Any, seed: int) -> dict[str, Any]:
    import torch

    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, value in module.state_dict().items():
        shape = value.shape
        if key.endswith("num_batches_tracked"):
            state[key] = torch.zeros((), dtype=torch.long)
        elif key.endswith("running_var"):
            state[key] = torch.ones(shape)
        elif len(shape) <= 1:
            state[key] = torch.randn(shape, generator=generator) * 0.01
        else:
            fan_in = 1
            for size in shape[1:]:
                fan_in *= size
            column = torch.randn(shape[0], generator=generator) / fan_in**0.5
            state[key] = column.view(-1, *[1] * (len(shape) - 1)).expand(shape)
    return state


def write_tiny_weights(torch_home: Path, home: Path) -> None:
    """Write every file under ``torch_home/hub/checkpoints`` and ``home/.cache/clip``."""
    import torch
    from piq.feature_extractors import clip, fid_inception
    from torchvision import models

    hub = torch_home / "hub" / "checkpoints"
    hub.mkdir(parents=True, exist_ok=True)
    with torch.device("meta"):
        vgg = models.vgg16()
    torch.save(_broadcast_state(vgg, 1), hub / "vgg16-397923af.pth")
    generator = torch.Generator().manual_seed(2)
    channels = [64, 128, 256, 512, 512]
    torch.save([torch.rand(1, c, 1, 1, generator=generator) for c in channels],
               hub / "lpips_weights.pt")
    total = sum([3, *channels])
    torch.save({"alpha": torch.rand(1, total, 1, 1, generator=generator),
                "beta": torch.rand(1, total, 1, 1, generator=generator)},
               hub / "dists_weights.pt")
    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inception = models.inception_v3(num_classes=1008, aux_logits=False, weights=None,
                                         init_weights=False)
        inception.Mixed_5b = fid_inception.FIDInceptionA(192, pool_features=32)
        inception.Mixed_5c = fid_inception.FIDInceptionA(256, pool_features=64)
        inception.Mixed_5d = fid_inception.FIDInceptionA(288, pool_features=64)
        inception.Mixed_6b = fid_inception.FIDInceptionC(768, channels_7x7=128)
        inception.Mixed_6c = fid_inception.FIDInceptionC(768, channels_7x7=160)
        inception.Mixed_6d = fid_inception.FIDInceptionC(768, channels_7x7=160)
        inception.Mixed_6e = fid_inception.FIDInceptionC(768, channels_7x7=192)
        inception.Mixed_7b = fid_inception.FIDInceptionE1(1280)
        inception.Mixed_7c = fid_inception.FIDInceptionE2(2048)
    torch.save(_broadcast_state(inception, 3), hub / "pt_inception-2015-12-05-6726825d.pth")

    clip_dir = home / ".cache" / "clip"
    clip_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tiny = clip.CLIP(16, 32, (1, 1, 1, 1), 8, None, 8, 50, 64, 1, 1)

    class Holder(torch.nn.Module):  # TorchScript needs a forward; OpenAI's file has one
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    holder = Holder()
    for name, child in tiny.named_children():
        holder.add_module(name, child)
    for name, parameter in tiny.named_parameters(recurse=False):
        holder.register_parameter(name, parameter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # traced (piq's CLIP does not script); every submodule and weight is kept
        torch.jit.trace(holder, torch.zeros(1)).save(str(clip_dir / "RN50.pt"))
    torch.save(torch.randint(1, 49, (2, 8), generator=generator),
               clip_dir / "clipiqa_tokens.pt")

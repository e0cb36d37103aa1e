"""Train the small MS-ILLM-family conformance model ``msillm-test`` (spec/neural.md NRL-10).

Briefly (minutes, CPU) on corpus photographs read in place, with the rate-distortion loss
``bpp + lambda * 255**2 * MSE`` (the No-GAN objective without LPIPS), so that its predicted
scales spread over the scale table and determinism tests exercise many CDF indexes. Writes
``refcodec/data/models/msillm-test.safetensors`` with the CDF buffers computed once here.

    python -m tools.train_msillm_test_model [--steps 3000] [--out PATH]   (from the repository root)
"""

from __future__ import annotations

import argparse
import math
import random
import time
from pathlib import Path

import torch
from PIL import Image
from safetensors.torch import save_file

from refcodec.neural._deps import require
from refcodec.registry import model_by_name

CORPUS = Path("/work/shared/corpus")
OUT = Path(__file__).resolve().parents[1] / "refcodec/data/models/msillm-test.safetensors"
CROP = 128


def _views(path: Path) -> list[torch.Tensor]:
    """The image squashed to 1024x1024 and reduced 8x, plus larger reductions to crop."""
    image = Image.open(path).convert("RGB")
    views = [image.resize((1024, 1024), Image.Resampling.LANCZOS).resize((CROP, CROP),
                                                                          Image.Resampling.LANCZOS)]
    for short in (160, 224, 320):
        scale = short / min(image.size)
        size = (max(CROP, round(image.width * scale)), max(CROP, round(image.height * scale)))
        views.append(image.resize(size, Image.Resampling.LANCZOS))
    return [torch.frombuffer(bytearray(v.tobytes()), dtype=torch.uint8)
            .reshape(v.height, v.width, 3).permute(2, 0, 1).float() / 255 for v in views]


def _batch(views: list[torch.Tensor], size: int, rng: random.Random) -> torch.Tensor:
    crops = []
    for _ in range(size):
        view = rng.choice(views)
        top = rng.randrange(view.shape[1] - CROP + 1)
        left = rng.randrange(view.shape[2] - CROP + 1)
        crop = view[:, top:top + CROP, left:left + CROP]
        crops.append(crop.flip(2) if rng.random() < 0.5 else crop)
    return torch.stack(crops)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--lmbda", type=float, default=0.02)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    require("compressai")
    from refcodec.neural.arch import MsIllm

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    rng = random.Random(0)
    paths = sorted(CORPUS.glob("*/*.png"))
    views = [v for p in paths for v in _views(p)]
    print(f"{len(paths)} images, {len(views)} views")
    model = MsIllm(model_by_name("msillm-test").arch)
    params = [p for n, p in model.named_parameters() if not n.endswith(".quantiles")]
    aux = [p for n, p in model.named_parameters() if n.endswith(".quantiles")]
    optimiser = torch.optim.Adam(params, lr=1e-3)
    aux_optimiser = torch.optim.Adam(aux, lr=1e-3)
    start = time.monotonic()
    for step in range(args.steps):
        elapsed = time.monotonic() - start
        for group in optimiser.param_groups:
            group["lr"] = args.lr if step < 0.8 * args.steps else args.lr / 10
        x = _batch(views, args.batch, rng)
        out = model(x)
        pixels = x.shape[0] * x.shape[2] * x.shape[3]
        bpp = sum(torch.log(out[k]).sum() for k in ("y", "z")) / (-math.log(2) * pixels)
        mse = torch.mean((out["x_hat"] - x) ** 2)
        loss = bpp + args.lmbda * 255**2 * mse
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        aux_optimiser.zero_grad()
        model.aux_loss().backward()
        aux_optimiser.step()
        if step % 100 == 0:
            psnr = 10 * math.log10(1 / max(mse.item(), 1e-10))
            print(f"step {step} {elapsed:.0f}s bpp {bpp.item():.3f} psnr {psnr:.2f}", flush=True)
    model.eval()
    model.update(force=True)
    state = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(args.out), metadata={"model": "msillm-test", "steps": str(args.steps)})
    print(f"wrote {args.out} after {args.steps} steps in {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main()

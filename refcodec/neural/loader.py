"""Finding, verifying, loading and downloading model weights (spec/neural.md NRL-2).

Search order: an explicit file, then ``model_dir``, then ``$GPC_MODEL_DIR``, then the
models shipped in ``refcodec/data/models``. Nothing here touches the network except
:func:`download`, which only runs when asked to.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import atomic_output
from ..errors import BackendUnavailable, UsageError
from ..registry import Model as ModelRow
from ..registry import model_by_name
from ._deps import require

if TYPE_CHECKING:
    from .model import NeuralModel

__all__ = [
    "BUNDLED_DIR",
    "UnverifiedModelWarning",
    "download",
    "file_sha256",
    "find_model_file",
    "load_model",
    "verify_file",
]

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "data" / "models"
ENV_DIR = "GPC_MODEL_DIR"
CHUNK = 1 << 20


class UnverifiedModelWarning(UserWarning):
    """The registry records no SHA-256 for this model: the file could be anything."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify_file(row: ModelRow, path: Path) -> str:
    """Check ``path`` against the row's SHA-256; return a one-line verdict.

    Raises UsageError on a mismatch; for an unverified row the verdict says so plainly.
    """
    actual = file_sha256(path)
    if row.sha256 is None:
        return (f"{row.name}: UNVERIFIED (no SHA-256 recorded in the registry); "
                f"{path.name} has SHA-256 {actual}")
    if actual != row.sha256:
        msg = (f"{row.name}: {path} has SHA-256 {actual}, the registry says {row.sha256}; "
               "refusing to use it")
        raise UsageError(msg)
    return f"{row.name}: verified ({actual})"


def find_model_file(row: ModelRow, path: Path | None = None,
                    model_dir: Path | None = None) -> Path:
    if path is not None:
        if not path.is_file():
            msg = f"model file {path} does not exist"
            raise UsageError(msg)
        return path
    folders = [model_dir] if model_dir is not None else []
    if os.environ.get(ENV_DIR):
        folders.append(Path(os.environ[ENV_DIR]))
    folders.append(BUNDLED_DIR)
    for folder in folders:
        candidate = folder / row.filename
        if candidate.is_file():
            return candidate
    where = ", ".join(str(f) for f in folders)
    msg = (f"weights for {row.name} ({row.filename}) not found in {where}; set ${ENV_DIR} "
           f"or run `gpc models download {row.name}` (licence: {row.licence})")
    raise BackendUnavailable(msg)


def _state_dict(path: Path) -> dict[str, object]:
    torch = require("torch")
    if path.suffix == ".safetensors":
        safetensors_torch = require("safetensors.torch")
        state: dict[str, object] = safetensors_torch.load_file(str(path))
        return state
    loaded = torch.load(str(path), map_location="cpu", weights_only=True)
    if isinstance(loaded, dict) and "state_dict" in loaded:
        loaded = loaded["state_dict"]
    if not isinstance(loaded, dict):
        msg = f"{path} is not a state dict"
        raise UsageError(msg)
    return loaded


def load_model(row: ModelRow | str, path: Path | None = None,
               model_dir: Path | None = None) -> NeuralModel:
    """Load, verify (NRL-2) and integerise (NRL-6) one model. Needs torch and compressai."""
    if isinstance(row, str):
        row = model_by_name(row)
    require("numpy")
    torch = require("torch")
    require("compressai")
    from .arch import MsIllm
    from .model import build_model

    file = find_model_file(row, path, model_dir)
    verdict = verify_file(row, file)
    if row.sha256 is None:
        warnings.warn(verdict, UnverifiedModelWarning, stacklevel=2)
    net = MsIllm(row.arch)
    try:
        net.load_state_dict(_state_dict(file))
    except (RuntimeError, KeyError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        msg = f"{file} does not hold {row.name} weights: {first}"
        raise UsageError(msg) from None
    if net.hyper_bottleneck._offset.numel() == 0 and row.tables_sha256 is None:
        with torch.no_grad():  # unverified upstream checkpoint without tables
            net.update(force=True)
    net.eval()
    return build_model(row, net)


def download(row: ModelRow | str, dest_dir: Path, url: str | None = None,
             timeout: float = 60.0) -> Path:
    """Fetch the row's weights into ``dest_dir`` (atomically), verifying the SHA-256.

    Only for connected machines; nothing in the codec calls it implicitly.
    """
    if isinstance(row, str):
        row = model_by_name(row)
    source = url or row.url
    if source is None:
        msg = f"{row.name} has no download address"
        raise UsageError(msg)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / row.filename
    digest = hashlib.sha256()
    try:
        with atomic_output(target) as out, urllib.request.urlopen(
                source, timeout=timeout) as response:
            while block := response.read(CHUNK):
                digest.update(block)
                out.write(block)
            if row.sha256 is not None and digest.hexdigest() != row.sha256:
                msg = (f"download of {row.name} from {source} has SHA-256 "
                       f"{digest.hexdigest()}, the registry says {row.sha256}")
                raise UsageError(msg)  # inside the block: the target is never replaced
    except OSError as exc:
        msg = f"cannot download {row.name} from {source}: {exc}"
        raise BackendUnavailable(msg) from None
    return target

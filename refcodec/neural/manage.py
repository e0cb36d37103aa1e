"""What ``gpc models list|path|verify|install|download`` do (spec/neural.md NRL-1, NRL-2).

Each function returns the lines to print; none imports torch.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..atomic import atomic_output
from ..errors import BackendUnavailable, UsageError
from ..registry import MODELS, model_by_name
from .loader import BUNDLED_DIR, ENV_DIR, download, find_model_file, verify_file

__all__ = ["default_dir", "fetch", "install", "list_models", "model_path", "verify"]


def default_dir() -> Path:
    """Where ``install`` and ``download`` put files: ``$GPC_MODEL_DIR`` or the user cache."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "gpc" / "models"


def list_models(model_dir: Path | None = None) -> list[str]:
    lines = []
    for row in MODELS:
        try:
            where = str(find_model_file(row, model_dir=model_dir or default_dir()))
        except BackendUnavailable:
            where = "not installed"
        state = "verified" if row.verified else "UNVERIFIED"
        kind = " test-only" if row.test_only else ""
        lines.append(f"{row.id:3d} {row.name:12s} {state}{kind}  {row.licence}  {where}")
    return lines


def model_path(name: str, model_dir: Path | None = None) -> list[str]:
    return [str(find_model_file(model_by_name(name), model_dir=model_dir or default_dir()))]


def verify(name: str, path: Path | None = None, model_dir: Path | None = None) -> list[str]:
    row = model_by_name(name)
    return [verify_file(row, find_model_file(row, path, model_dir or default_dir()))]


def install(name: str, file: Path, model_dir: Path | None = None) -> list[str]:
    """Copy a checkpoint obtained elsewhere into the model folder after checking its hash."""
    row = model_by_name(name)
    if not file.is_file():
        msg = f"{file} does not exist"
        raise UsageError(msg)
    verdict = verify_file(row, file)
    target_dir = model_dir or default_dir()
    if target_dir.resolve() == BUNDLED_DIR.resolve():
        msg = "refusing to install into the package's own data folder"
        raise UsageError(msg)
    target_dir.mkdir(parents=True, exist_ok=True)
    with file.open("rb") as source, atomic_output(target_dir / row.filename) as out:
        shutil.copyfileobj(source, out)
    return [verdict, f"installed {target_dir / row.filename}"]


def fetch(name: str, model_dir: Path | None = None, url: str | None = None) -> list[str]:
    row = model_by_name(name)
    path = download(row, model_dir or default_dir(), url=url)
    return [verify_file(row, path), f"downloaded {path} (licence: {row.licence})"]

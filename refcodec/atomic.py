"""Atomic file output: a reader never sees a half-written ``.gpc`` or ``.png``.

Data goes to a temporary file in the target's folder, is flushed to disk and
then renamed over the target, so a crash or Ctrl-C leaves either the old file
or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def _umask() -> int:
    """The process umask (read by setting it and back: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (same-directory temp file + rename)."""
    target = Path(path)
    if not target.parent.is_dir():
        msg = f"cannot write {target}: the folder {target.parent} does not exist"
        raise FileNotFoundError(2, msg, os.fspath(target))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

"""Atomic file output: a reader never sees a half-written ``.gpc``, ``.png`` or model file.

Data goes to a temporary file in the target's folder, is flushed to disk and then renamed
over the target, so a crash or Ctrl-C leaves either the old file or the new one, never a
mix. The result has the permissions a plain ``open(path, "wb")`` would give it: an
existing target keeps its mode, a new file gets ``0o666`` less the umask.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_output", "write_atomic"]

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _create_temp(target: Path) -> tuple[int, Path]:
    """A new, empty ``.<name>.<random>.part`` file beside ``target``, opened for writing.

    Created with mode ``0o666`` so that the umask applies as for ``open()`` (``mkstemp``
    would create it ``0o600``).
    """
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        with contextlib.suppress(FileExistsError):
            return os.open(temp, _CREATE, 0o666), temp
    msg = f"no free temporary file name beside {target}"
    raise FileExistsError(msg)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Write ``path`` atomically through the binary file this yields.

    When the ``with`` block ends normally the data is flushed to disk and the file renamed
    over ``path``; if it raises, the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    fd, temp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            mode = os.stat(target).st_mode
            if stat.S_ISREG(mode):
                os.chmod(temp, stat.S_IMODE(mode))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (same-folder temporary file, then rename)."""
    with atomic_output(path) as handle:
        handle.write(data)

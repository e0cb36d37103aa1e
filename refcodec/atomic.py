"""Atomic file output: a reader never sees a half-written ``.gpc``, ``.png`` or model file.

Data goes to a temporary file in the target's folder, is flushed to disk and then renamed
over the target, so a crash or Ctrl-C leaves either the old file or the new one, never a
mix. The result has the permissions a plain ``open(path, "wb")`` would give it: an
existing target keeps its mode, a new file gets ``0o666`` less the umask.

What is never replaced: a target that is not a regular file (device node, FIFO, socket,
folder), a read-only file, or a file that is one of the command's inputs; each is refused
with a :class:`~refcodec.errors.UsageError` naming the user's path. A symbolic link is
written *through*: its target file is replaced and the link stays. With ``within``
(folder mode) the file must lie inside that folder after links are resolved, and a link
in its place is refused. Temporary files are named ``.<name>.<pid>-<random>.part``; one
left behind by a process that was killed is removed the next time its target is written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import UsageError
from .safeio import file_kind, printable

__all__ = ["atomic_output", "ensure_within", "resolve_target", "write_atomic"]

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stranded(target: Path) -> None:
    """Remove ``.<name>.<pid>-*.part`` files of ``target`` whose process is gone."""
    with contextlib.suppress(OSError):
        for temp in target.parent.glob(f".{target.name}.*-*.part"):
            pid = temp.name[len(target.name) + 2 :].partition("-")[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    temp.unlink()


def _create_temp(target: Path) -> tuple[int, Path]:
    """A new, empty ``.<name>.<pid>-<random>.part`` file beside ``target``, opened for
    writing, with mode ``0o666`` so that the umask applies as for ``open()``."""
    _remove_stranded(target)
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
        with contextlib.suppress(FileExistsError):
            return os.open(temp, _CREATE, 0o666), temp
    msg = f"no free temporary file name beside {target}"
    raise FileExistsError(msg)


def ensure_within(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> None:
    """UsageError unless ``path`` lies inside the folder ``root`` once links are resolved
    (a link inside an output folder must not carry files out of it)."""
    real_root = os.path.realpath(root)
    real_parent = os.path.realpath(Path(path).parent)
    if os.path.commonpath([real_root, real_parent]) != real_root:
        msg = (f"{printable(os.fspath(path))} would be written outside "
               f"{printable(os.fspath(root))} (through a symbolic link): refused")
        raise UsageError(msg)


def resolve_target(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (),
                   within: str | os.PathLike[str] | None = None) -> Path:
    """The file an atomic write of ``path`` replaces, after the checks above."""
    shown = printable(os.fspath(path))
    target = Path(path)
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISLNK(os.lstat(target).st_mode):
            if within is not None:
                msg = f"{shown} is a symbolic link inside the output folder: not followed"
                raise UsageError(msg)
            target = Path(os.path.realpath(target))
    if within is not None:
        ensure_within(target, within)
    if not target.parent.is_dir():
        msg = f"cannot write {shown}: folder {printable(os.fspath(target.parent))} does not exist"
        raise UsageError(msg)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(info.st_mode):
        msg = f"{shown} is {file_kind(info.st_mode)}: refusing to replace it"
        raise UsageError(msg)
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        msg = f"{shown} is read-only: refusing to replace it"
        raise UsageError(msg)
    for source in inputs:
        with contextlib.suppress(OSError):
            if os.path.samefile(source, target):
                msg = f"{shown} is the input {printable(os.fspath(source))}: not overwritten"
                raise UsageError(msg)
    return target


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (),
                  within: str | os.PathLike[str] | None = None) -> Iterator[BinaryIO]:
    """Write ``path`` atomically through the binary file this yields.

    When the ``with`` block ends normally the data is flushed to disk and the file renamed
    over ``path``; if it raises, the temporary file is removed and ``path`` is untouched.
    ``inputs``: files this write must not replace; ``within``: the output folder of a
    folder-mode command. OSErrors name ``path``, never the temporary file.
    """
    target = resolve_target(path, inputs, within)
    try:
        fd, temp = _create_temp(target)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
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
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(exc, OSError):  # name the user's path, not the temporary file
            raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
        raise


def write_atomic(path: str | os.PathLike[str], data: bytes,
                 inputs: Iterable[str | os.PathLike[str]] = (),
                 within: str | os.PathLike[str] | None = None) -> None:
    """Write ``data`` to ``path`` atomically (same-folder temporary file, then rename)."""
    with atomic_output(path, inputs, within) as handle:
        handle.write(data)

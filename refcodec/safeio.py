"""Reading inputs and naming paths so that a command cannot be turned against its user.

* Inputs are read only from regular files, opened without blocking (a FIFO named
  ``x.gpc`` is refused at once instead of hanging), and never beyond a stated bound.
* :func:`printable` escapes control and bidirectional-formatting characters, so a file
  name or description cannot print fake result lines or terminal escape sequences.
"""

from __future__ import annotations

import os
import stat
import unicodedata

from .errors import UsageError

__all__ = ["file_kind", "printable", "read_regular", "require_regular"]

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def file_kind(mode: int) -> str:
    """``a regular file``, ``a directory``, ``a FIFO``, … for an ``st_mode``."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _open_regular(path: str | os.PathLike[str]) -> int:
    name = printable(os.fspath(path))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        msg = f"{name} is a directory"
        raise UsageError(msg) from None
    except OSError as exc:
        msg = f"cannot read {name}: {exc.strerror}"
        raise UsageError(msg) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        msg = f"{name} is {file_kind(mode)}, not a regular file: not read"
        raise UsageError(msg)
    return fd


def require_regular(path: str | os.PathLike[str]) -> None:
    """UsageError unless ``path`` names a readable regular file (checked without blocking)."""
    os.close(_open_regular(path))


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file ``path``."""
    fd = _open_regular(path)
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            return handle.read(limit)
    except OSError as exc:
        msg = f"cannot read {printable(os.fspath(path))}: {exc.strerror}"
        raise UsageError(msg) from None


def _visible(char: str) -> str:
    code = ord(char)
    if char == "\t":
        return char
    if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
        return f"\\x{code:02x}"
    if unicodedata.category(char) in ("Cf", "Cs"):  # bidi controls, zero-width, undecodable
        return f"\\u{code:04x}"
    return char


def printable(text: str) -> str:
    """``text`` with C0/C1 controls, DEL and format characters (bidi overrides,
    zero-width joiners) written as escapes, for one line of plain output."""
    if text.isprintable():
        return text
    return "".join(_visible(char) for char in text)

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


def _open_regular(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``(fd, size)`` of ``path`` opened for reading, if it is a regular file."""
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
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        msg = f"{name} is {file_kind(status.st_mode)}, not a regular file: not read"
        raise UsageError(msg)
    return fd, status.st_size


def require_regular(path: str | os.PathLike[str]) -> None:
    """UsageError unless ``path`` names a readable regular file (checked without blocking)."""
    os.close(_open_regular(path)[0])


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file ``path``. Reads what its size says
    (plus one byte, to see a file that grew), so a small file costs a small buffer."""
    fd, size = _open_regular(path)
    try:
        parts: list[bytes] = []
        left, want = limit, size + 1
        while left > 0:
            ask = min(left, want)
            part = os.read(fd, ask)
            parts.append(part)
            left -= len(part)
            if len(part) < ask:  # a short read of a regular file is its end
                break
            want = 1 << 16
        return parts[0] if len(parts) == 1 else b"".join(parts)
    except OSError as exc:
        msg = f"cannot read {printable(os.fspath(path))}: {exc.strerror}"
        raise UsageError(msg) from None
    finally:
        os.close(fd)


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

"""refcodec/safeio.py: bounded reads of regular files only, and printable names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcodec.errors import UsageError
from refcodec.safeio import printable, read_regular


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 200_000), limit=st.integers(0, 250_000))
def test_read_regular_returns_the_first_limit_bytes(tmp_path_factory: pytest.TempPathFactory,
                                                    size: int, limit: int) -> None:
    path = tmp_path_factory.mktemp("r") / "f.bin"
    data = os.urandom(size)
    path.write_bytes(data)
    assert read_regular(path, limit) == data[:limit]


def test_read_regular_sees_bytes_beyond_the_size_it_was_opened_with(tmp_path: Path) -> None:
    # the size from fstat is only a first guess: a file that is longer is still read to the limit
    path = tmp_path / "g.bin"
    path.write_bytes(b"x" * 10)
    assert read_regular(path, 5) == b"x" * 5
    assert read_regular(path, 11) == b"x" * 10


def test_read_regular_refuses_a_folder_and_a_fifo(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        read_regular(tmp_path, 10)
    fifo = tmp_path / "x.gpc"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="a FIFO, not a regular file"):
        read_regular(fifo, 10)


def test_printable_escapes_controls_and_bidi() -> None:
    assert printable("a\x1b[2Jb\u202ec\u200d") == "a\\x1b[2Jb\\u202ec\\u200d"
    assert printable("plain name.gpc") == "plain name.gpc"

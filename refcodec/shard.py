"""``--shard K/N``: split a collection between independent jobs without overlap.

An item belongs to shard ``int(sha256(relative path)[:16], 16) % N``: the assignment
depends only on the item's path relative to the input folder (POSIX form), so it is the
same on every machine, for every ``K``, and does not move when other files are added or
removed. Every item falls in exactly one of the ``N`` shards. ``K`` counts from 0.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

__all__ = ["Shard", "add_shard_option", "parse_shard", "shard_of", "select"]

T = TypeVar("T")

Shard = tuple[int, int]


def parse_shard(value: str) -> Shard:
    """``"K/N"`` with ``0 <= K < N``."""
    k, sep, n = value.partition("/")
    if not (sep and k.isdigit() and n.isdigit()) or not 0 <= int(k) < int(n):
        msg = f"expected K/N with 0 <= K < N (e.g. 0/4), got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(k), int(n)


def shard_of(relative: str | Path, count: int) -> int:
    """The shard (0 .. count-1) of an item with this relative path."""
    key = Path(relative).as_posix().encode("utf-8")
    return int(hashlib.sha256(key).hexdigest()[:16], 16) % count


def select(items: Sequence[T], relative: Sequence[str | Path], shard: Shard | None) -> list[T]:
    """The items of shard ``shard`` (all of them for ``None``); ``relative[i]`` is the
    relative path of ``items[i]``."""
    if shard is None:
        return list(items)
    k, n = shard
    return [item for item, rel in zip(items, relative, strict=True) if shard_of(rel, n) == k]


def add_shard_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shard", type=parse_shard, metavar="K/N",
                        help="process only shard K (0-based) of N: a stable split by the hash "
                             "of each input's relative path, for job arrays")

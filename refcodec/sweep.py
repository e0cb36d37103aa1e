"""Corruption sweep: every single-bit flip and every truncation of a valid file.

Each corrupted copy must be rejected (spec §7: the CRC-32 catches every
single-bit error and, with the length rules, every truncation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .errors import FormatError

__all__ = ["SweepCounts", "corruptions", "sweep"]


@dataclass(frozen=True)
class SweepCounts:
    tried: int
    accepted: int


def corruptions(data: bytes) -> Iterator[bytes]:
    """Every proper prefix of ``data``, then every copy with one bit flipped."""
    for end in range(len(data)):
        yield data[:end]
    damaged = bytearray(data)
    for pos in range(len(data)):
        for bit in range(8):
            damaged[pos] ^= 1 << bit
            yield bytes(damaged)
            damaged[pos] ^= 1 << bit


def sweep(data: bytes, reader: Callable[[bytes], object]) -> SweepCounts:
    """Count the corruptions of ``data`` that ``reader`` accepts (should be 0)."""
    accepted = 0
    tried = 0
    for damaged in corruptions(data):
        tried += 1
        try:
            reader(damaged)
        except FormatError:
            continue
        accepted += 1
    return SweepCounts(tried, accepted)

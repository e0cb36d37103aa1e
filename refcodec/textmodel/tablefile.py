"""The pinned prior of the text model: file layout, SHA-256 check, loading (spec §6).

Layout ([TXC-12]): the 8-byte magic ``GPCPPM1\\n``, then for each order k = 0 ..
MAX_ORDER a varint count of contexts followed by the contexts in ascending
order of their k history bytes; a context is its k bytes (oldest first), a
varint (number of symbols - 1), then per symbol in ascending byte order the
symbol byte and a varint count (>= 1). Varints are canonical unsigned LEB128.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from .ppm import MAX_ORDER, ORDER_SHIFT

__all__ = ["TABLE_PATH", "TABLE_SHA256", "load_table", "parse", "serialize"]

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "textmodels" / "ppm1.bin"
#: [TXC-13] SHA-256 of the pinned table file.
TABLE_SHA256 = "a141d6ff3219be570bd5491630ecce1f1a7497ebd6aa85fbf4b2fa4f040d1a7f"
MAGIC = b"GPCPPM1\n"


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def serialize(table: dict[int, dict[int, int]]) -> bytes:
    """The file bytes of ``table`` (keys as built by ``ppm.context_key``)."""
    out = bytearray(MAGIC)
    for order in range(MAX_ORDER + 1):
        keys = sorted(k for k in table if k >> ORDER_SHIFT == order)
        out += _varint(len(keys))
        for key in keys:
            counts = table[key]
            out += (key & ((1 << ORDER_SHIFT) - 1)).to_bytes(order, "big")
            out += _varint(len(counts) - 1)
            for symbol in sorted(counts):
                out.append(symbol)
                out += _varint(counts[symbol])
    return bytes(out)


def parse(data: bytes) -> dict[int, dict[int, int]]:
    """Inverse of :func:`serialize` (trusted input: the file's hash was checked)."""
    assert data[:8] == MAGIC, "text model table: bad magic"
    pos = 8

    def varint() -> int:
        nonlocal pos
        value = shift = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    table: dict[int, dict[int, int]] = {}
    for order in range(MAX_ORDER + 1):
        for _ in range(varint()):
            history = int.from_bytes(data[pos:pos + order], "big")
            pos += order
            counts = {}
            for _ in range(varint() + 1):
                symbol = data[pos]
                pos += 1
                counts[symbol] = varint()
            table[(order << ORDER_SHIFT) | history] = counts
    assert pos == len(data), "text model table: trailing bytes"
    return table


@lru_cache(maxsize=1)
def load_table() -> dict[int, dict[int, int]]:
    """The pinned table, after checking its SHA-256 ([TXC-13])."""
    data = TABLE_PATH.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != TABLE_SHA256:
        msg = (f"text model table {TABLE_PATH} has SHA-256 {digest}, expected {TABLE_SHA256};"
               " rebuild it with tools/train_text_model.py or restore the pinned file")
        raise AssertionError(msg)
    return parse(data)

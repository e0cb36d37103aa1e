"""PPM byte model with a pinned prior, driven by the range coder (spec/text-codec.md §5).

Orders ``MAX_ORDER`` down to 0, then a uniform order -1. Escape method C
(escape frequency = number of distinct symbols), full exclusion, full update
of every order after each symbol, counts halved when a context's total passes
``COUNT_LIMIT``. The prior (``Table``) is shared and never modified: each text
works on copies of the contexts it updates.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import FormatError
from .rangecoder import RangeDecoder, RangeEncoder

__all__ = ["COUNT_LIMIT", "MAX_ORDER", "TEXT_INCREMENT", "Table", "context_key", "decode", "encode"]

#: [TXC-8] Highest context order (bytes of history).
MAX_ORDER = 4
#: [TXC-10] Count added to a symbol in each context after it is coded.
TEXT_INCREMENT = 4
#: [TXC-10] A context whose total count exceeds this is halved.
COUNT_LIMIT = 8192

ORDER_SHIFT = 8 * MAX_ORDER
HISTORY_MASK = (1 << ORDER_SHIFT) - 1
#: key of order k = (k << ORDER_SHIFT) | last k bytes as a big-endian integer.
ORDER_MASKS = tuple((k, (1 << (8 * k)) - 1) for k in range(MAX_ORDER, -1, -1))

Table = Mapping[int, dict[int, int]]


def context_key(order: int, history: int) -> int:
    """Key of the order-``order`` context whose last bytes are ``history`` ([TXC-8])."""
    return (order << ORDER_SHIFT) | (history & ((1 << (8 * order)) - 1))


def _update(table: Table, local: dict[int, dict[int, int]], history: int, symbol: int) -> None:
    """[TXC-10]: add TEXT_INCREMENT to ``symbol`` in every order; halve overfull contexts."""
    for order, mask in ORDER_MASKS:
        key = (order << ORDER_SHIFT) | (history & mask)
        counts = local.get(key)
        if counts is None:
            prior = table.get(key)
            counts = dict(prior) if prior is not None else {}
            local[key] = counts
        counts[symbol] = counts.get(symbol, 0) + TEXT_INCREMENT
        if sum(counts.values()) > COUNT_LIMIT:
            for sym, count in counts.items():
                counts[sym] = (count + 1) >> 1


def _context(table: Table, local: dict[int, dict[int, int]], history: int, order: int,
             mask: int) -> dict[int, int] | None:
    """The counts of the order-``order`` context ([TXC-8]): the text's own if it has any,
    else the prior's, else None."""
    key = (order << ORDER_SHIFT) | (history & mask)
    counts = local.get(key)
    return counts if counts is not None else table.get(key)


def encode(raw: bytes, table: Table, coder: RangeEncoder | None = None) -> bytes:
    """Range-coded data of ``raw`` under the model ([TXC-9]); ``coder`` may record calls."""
    coder = coder if coder is not None else RangeEncoder()
    local: dict[int, dict[int, int]] = {}
    history = 0
    for symbol in raw:
        excluded: set[int] = set()
        for order, mask in ORDER_MASKS:
            counts = _context(table, local, history, order, mask)
            if counts is None:
                continue
            cum = total = distinct = 0
            freq = 0
            for sym, count in sorted(counts.items()):
                if sym in excluded:
                    continue
                if sym == symbol:
                    cum, freq = total, count
                total += count
                distinct += 1
            if distinct == 0:
                continue
            if freq:
                coder.encode(cum, freq, total + distinct)
                break
            coder.encode(total, distinct, total + distinct)
            excluded.update(counts)
        else:
            below = sum(1 for sym in excluded if sym < symbol)
            coder.encode(symbol - below, 1, 256 - len(excluded))
        _update(table, local, history, symbol)
        history = ((history << 8) | symbol) & HISTORY_MASK
    return coder.finish()


def decode(data: bytes, length: int, table: Table) -> bytes:
    """Exactly ``length`` bytes decoded from ``data`` ([TXC-9], [TXC-7])."""
    coder = RangeDecoder(data)
    local: dict[int, dict[int, int]] = {}
    history = 0
    out = bytearray()
    for _ in range(length):
        excluded: set[int] = set()
        symbol = -1
        for order, mask in ORDER_MASKS:
            counts = _context(table, local, history, order, mask)
            if counts is None:
                continue
            items = [(s, c) for s, c in sorted(counts.items()) if s not in excluded]
            if not items:
                continue
            total = sum(c for _, c in items)
            distinct = len(items)
            target = coder.target(total + distinct)
            if target >= total:
                coder.consume(total, distinct)
                excluded.update(counts)
                continue
            cum = 0
            for sym, count in items:
                if target < cum + count:
                    coder.consume(cum, count)
                    symbol = sym
                    break
                cum += count
            break
        if symbol < 0:
            allowed = [s for s in range(256) if s not in excluded]
            if not allowed:  # [TXC-16]: an escape out of order 0 with nothing left
                msg = "text model stream escapes to an empty order -1 (every byte excluded)"
                raise FormatError("TXT-3", msg)
            index = coder.target(len(allowed))
            coder.consume(index, 1)
            symbol = allowed[index]
        out.append(symbol)
        _update(table, local, history, symbol)
        history = ((history << 8) | symbol) & HISTORY_MASK
    coder.check_end()
    if len(out) != length:
        msg = "text model decoded the wrong number of bytes"
        raise FormatError("TXT-3", msg)
    return bytes(out)

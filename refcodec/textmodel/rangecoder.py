"""Integer range coder of the GPC text model (spec/text-codec.md §4).

Thirty-two-bit range, byte-wise renormalisation below 2**24, frequencies
with totals below 2**16. The encoder keeps ``low`` as one unbounded integer,
so carries need no special handling; the flush picks the value with the most
trailing zero bytes inside the final interval and drops those bytes, because
the decoder reads missing bytes as zero ([TXC-6], [TXC-14]).
"""

from __future__ import annotations

from ..errors import FormatError

__all__ = ["RangeDecoder", "RangeEncoder"]

TOP = 1 << 24
INITIAL_RANGE = 0xFFFFFFFF
MAX_TOTAL = 1 << 16


class RangeEncoder:
    """Encodes (cum, freq, total) triples; ``finish`` returns the data bytes."""

    __slots__ = ("low", "range", "shifts")

    def __init__(self) -> None:
        self.low = 0
        self.range = INITIAL_RANGE
        self.shifts = 0

    def encode(self, cum: int, freq: int, total: int) -> None:
        """Narrow the interval to [cum, cum + freq) out of ``total`` ([TXC-14])."""
        assert 0 <= cum < cum + freq <= total < MAX_TOTAL
        r = self.range // total
        self.low += r * cum
        self.range = r * freq
        while self.range < TOP:
            self.low <<= 8
            self.range <<= 8
            self.shifts += 1

    def finish(self) -> bytes:
        """Shortest canonical data: the value with most trailing zero bytes ([TXC-14])."""
        width = 4 + self.shifts
        low, high = self.low, self.low + self.range
        value = low
        for zeros in range(width, -1, -1):
            unit = 1 << (8 * zeros)
            candidate = -(-low // unit) * unit
            if candidate < high:
                value = candidate
                break
        data = value.to_bytes(width, "big")
        return data.rstrip(b"\0")


class RangeDecoder:
    """Mirror of :class:`RangeEncoder`; bytes past the end of the data read as zero."""

    __slots__ = ("code", "data", "pos", "range", "step")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.code = int.from_bytes(data[:4].ljust(4, b"\0"), "big")
        self.pos = 4
        self.range = INITIAL_RANGE
        self.step = 1

    def target(self, total: int) -> int:
        """The cumulative frequency the next symbol covers ([TXC-6])."""
        self.step = step = self.range // total
        value = self.code // step
        if value >= total:
            msg = "text model data is not a valid range-coder stream"
            raise FormatError("TXT-3", msg)
        return value

    def consume(self, cum: int, freq: int) -> None:
        """Remove the symbol [cum, cum + freq) found after :meth:`target`."""
        step = self.step
        self.code -= step * cum
        self.range = step * freq
        while self.range < TOP:
            pos = self.pos
            byte = self.data[pos] if pos < len(self.data) else 0
            self.code = (self.code << 8) | byte
            self.range <<= 8
            self.pos = pos + 1

    def check_end(self) -> None:
        """Reject unread trailing bytes and a final zero byte ([TXC-7])."""
        if len(self.data) > self.pos:
            msg = f"{len(self.data) - self.pos} byte(s) follow the end of the text model stream"
            raise FormatError("TXT-3", msg)
        if self.data and self.data[-1] == 0:
            raise FormatError("TXT-3", "text model stream ends with a zero byte")

"""The AV1 pieces the ``avif`` low-resolution codec needs (spec/lowres.md §5).

Only what is required to rebuild an AVIF file around a stored sequence header and frame:
reading the few leading fields of a reduced still-picture sequence header (AV1 §5.5) and
writing and splitting low-overhead OBUs (AV1 §5.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FormatError
from ..varint import read_uleb128, uleb128

__all__ = ["OBU_FRAME", "OBU_SEQUENCE_HEADER", "OBU_TEMPORAL_DELIMITER", "SequenceInfo", "obu",
           "read_obus", "sequence_info"]

OBU_SEQUENCE_HEADER = 1
OBU_TEMPORAL_DELIMITER = 2
OBU_FRAME = 6
LEB128_MAX_BYTES = 8  # AV1 §4.10.5: leb128() reads at most 8 bytes, in any form


@dataclass(frozen=True)
class SequenceInfo:
    """Fields of a sequence header that the AVIF wrapper repeats (av1C, ispe)."""

    profile: int
    level: int
    width: int
    height: int
    high_bitdepth: bool
    full_range: bool
    film_grain: bool = False  # film_grain_params_present (LRS-15: must be 0)
    complete: bool = False  # the payload ends with trailing_bits() and nothing after (LRS-15)


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def read(self, count: int) -> int:
        value = 0
        for _ in range(count):
            byte = self.pos >> 3
            if byte >= len(self.data):
                msg = "AV1 sequence header ends early"
                raise FormatError("LRS-9", msg)
            value = (value << 1) | ((self.data[byte] >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value


def sequence_info(payload: bytes) -> SequenceInfo:
    """Parse a reduced still-picture sequence header up to ``color_range`` (LRS-9).

    ``full_range`` is only meaningful for profile 1 (the only profile LRS-9 accepts).
    """
    bits = _Bits(payload)
    profile = bits.read(3)
    still_picture, reduced = bits.read(1), bits.read(1)
    if not (still_picture and reduced):
        msg = "AV1 sequence header is not a reduced still-picture header"
        raise FormatError("LRS-9", msg)
    level = bits.read(5)
    width_bits, height_bits = bits.read(4) + 1, bits.read(4) + 1
    width, height = bits.read(width_bits) + 1, bits.read(height_bits) + 1
    bits.read(6)  # superblock size, filter intra, intra edge, superres, cdef, restoration
    high_bitdepth = bool(bits.read(1))
    full_range = True
    film_grain = complete = False
    if profile == 1:  # no mono_chrome bit; 4:4:4 (AV1 §5.5.2 color_config)
        primaries = transfer = matrix = 2
        if bits.read(1):  # color_description_present_flag
            primaries, transfer, matrix = bits.read(8), bits.read(8), bits.read(8)
        if (primaries, transfer, matrix) != (1, 13, 0):
            full_range = bool(bits.read(1))
        # LRS-15: the rest of the header, then trailing_bits() (AV1 §5.3.4) ending the payload
        if bits.pos + 2 <= 8 * len(payload):  # else cut short: LRS-15, not LRS-9
            bits.read(1)  # separate_uv_delta_q
            film_grain = bool(bits.read(1))
            complete = _trailing_bits(bits)
    return SequenceInfo(profile, level, width, height, high_bitdepth, full_range, film_grain,
                        complete)


def _trailing_bits(bits: _Bits) -> bool:
    """AV1 §5.3.4: a one bit, zero bits up to the byte boundary, and no byte after them."""
    if bits.pos >= 8 * len(bits.data) or not bits.read(1):
        return False
    while bits.pos & 7:
        if bits.read(1):
            return False
    return bits.pos == 8 * len(bits.data)


def obu(kind: int, payload: bytes) -> bytes:
    """An OBU with ``obu_has_size_field`` = 1 and no extension header (LRS-10: the size in
    shortest form)."""
    return bytes([(kind << 3) | 0x02]) + uleb128(len(payload)) + payload


def read_obus(data: bytes) -> list[tuple[int, bytes]]:
    """Split a low-overhead OBU sequence into (type, payload); encoder side only."""
    obus: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        header = data[pos]
        if not header & 0x02 or header & 0x04:
            msg = "OBU without a size field or with an extension header"
            raise ValueError(msg)
        try:
            size, pos = read_uleb128(data, pos + 1, LEB128_MAX_BYTES, canonical=False)
        except FormatError as exc:
            msg = f"bad OBU size field: {exc.message}"
            raise ValueError(msg) from None
        obus.append(((header >> 3) & 0x0F, data[pos : pos + size]))
        pos += size
    return obus

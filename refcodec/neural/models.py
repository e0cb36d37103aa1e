"""The model a codec-16 payload names (spec/neural.md NRL-1, NRL-12), read without the
neural extra: no torch, numpy or compressai is imported here."""

from __future__ import annotations

from .. import registry
from ..errors import FormatError
from ..varint import decode_varint

__all__ = ["split_model", "verified_model"]


def split_model(data: bytes) -> tuple[registry.Model, bytes]:
    """NRL-1: the registered model named by the leading varint, and the rANS stream after
    it. A varint cut short is NRL-1; VINT-2 and VINT-3 keep their clauses (§2.2)."""
    try:
        model_id, offset = decode_varint(data, 0)
    except FormatError as exc:
        if exc.clause != "VINT-1":
            raise
        msg = "msillm data ends inside the model ID"
        raise FormatError("NRL-1", msg) from None
    row = registry.model(model_id)
    if row is None:
        msg = f"unknown neural model ID {model_id}"
        raise FormatError("NRL-1", msg)
    return row, data[offset:]


def verified_model(data: bytes) -> registry.Model:
    """NRL-1 and NRL-12: the named model, which must have recorded digests."""
    row, _ = split_model(data)
    if not row.verified:
        msg = f"model {row.name} is unverified: no digests to check its weights and tables"
        raise FormatError("NRL-12", msg)
    return row

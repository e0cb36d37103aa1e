"""Shared test helpers: the reference verdict of a file and a strategy for valid texts."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

import refcodec
from refcodec import FormatError

#: Characters the format allows in text and meta values (TXT-5, TXT-6).
ALLOWED_CHARS = st.characters(
    blacklist_categories=["Cs"],
    blacklist_characters=[chr(c) for c in (*range(9), *range(11, 32), 127)],
)
#: Texts the format allows (also LIM-3).
ALLOWED_TEXT = st.text(ALLOWED_CHARS, min_size=1, max_size=400)


#: Photographs shipped in the repository (Kodak, unrestricted usage; see their SOURCES.md).
SAMPLES = Path(refcodec.__file__).resolve().parent / "data" / "samples"
SAMPLE_PHOTOS = sorted(SAMPLES.glob("kodim*.png"))


def verdict(data: bytes) -> str:
    """``"valid"`` or the clause of the first failing check (spec §18)."""
    try:
        refcodec.parse(data)
    except FormatError as exc:
        return exc.clause
    return "valid"

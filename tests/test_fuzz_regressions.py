"""Every input a fuzz harness once failed on (tests/data/fuzz/HARNESS/*) now passes it.

A harness passes when the reader accepts the input or rejects it with FormatError
(fuzz/harnesses.py). Add a file here for each finding, named after what it broke.

Findings so far:

* ``raw/ppm1-empty-order-minus-1.gpc``, ``ppm1/empty-order-minus-1.bin``: a gpc-ppm1
  stream escaping into an empty order -1 made the range decoder divide by zero
  (ZeroDivisionError out of refcodec.parse); spec/text-codec.md TXC-16, conformance case
  x-txt-3-ppm1-empty-order-minus-1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.harnesses import HARNESSES

DATA = Path(__file__).resolve().parent / "data" / "fuzz"
INPUTS = sorted(p for p in DATA.glob("*/*") if p.is_file())


def test_every_regression_names_a_harness() -> None:
    assert INPUTS
    assert {p.parent.name for p in INPUTS} <= set(HARNESSES)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_regression_input_passes_its_harness(path: Path) -> None:
    HARNESSES[path.parent.name].target(path.read_bytes())


def test_empty_order_minus_1_is_a_format_error() -> None:
    import refcodec

    data = (DATA / "raw" / "ppm1-empty-order-minus-1.gpc").read_bytes()
    with pytest.raises(refcodec.FormatError, match="empty order -1") as info:
        refcodec.parse(data)
    assert info.value.clause == "TXT-3"

"""libgpc (the C reader written from the spec) and the Python reference agree: verdict,
clause, request bytes and reference pixels on every conformance case, and verdict and
clause on hypothesis-made and mutated files. Skipped when libgpc is not built
(``make -C libgpc``); CI builds it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import refcodec
from refcodec import native
from refcodec.errors import BackendUnavailable, FormatError

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "conformance" / "cases").glob("*/case.json"))

LIB = native.library()
pytestmark = pytest.mark.skipif(
    LIB is None, reason="libgpc is not built or not for this spec version (make -C libgpc)")


def _reference(data: bytes) -> tuple[str, str]:
    """("valid" | "invalid" | "undecided", clause) by the Python reference."""
    try:
        refcodec.parse(data)
    except FormatError as exc:
        return "invalid", exc.clause
    except BackendUnavailable:
        return "undecided", ""
    return "valid", ""


def _native(data: bytes) -> tuple[str, str]:
    assert LIB is not None
    result, clause, _ = LIB.validate(data)
    return {0: "valid", 1: "invalid", 2: "undecided"}[result], clause


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.parent.name)
def test_every_conformance_case(case: Path) -> None:
    assert LIB is not None
    record = json.loads(case.read_text("utf-8"))
    data = (case.parent / "input.gpc").read_bytes()
    verdict, clause = _native(data)
    if "msillm" in record["features"] or "codec-16" in " ".join(record["features"]):
        assert verdict in ("undecided", "invalid")
        if verdict == "invalid":
            assert clause == record["clause"]
        return
    if record["result"] == "reject":
        assert (verdict, clause) == ("invalid", record["clause"])
        return
    assert verdict == "valid"
    _, _, request = LIB.request_json(data)
    assert request == (case.parent / "request.json").read_bytes()
    ppm = case.parent / "lowres.ppm"
    if ppm.exists():
        _, rgb, width, height = LIB.lowres(data)
        header = f"P6\n{width} {height}\n255\n".encode()
        assert header + (rgb or b"") == ppm.read_bytes()


def _valid_files() -> list[bytes]:
    return [(c.parent / "input.gpc").read_bytes() for c in CASES
            if json.loads(c.read_text("utf-8"))["result"] == "valid"
            and "msillm" not in str(c)]


@settings(max_examples=int(os.environ.get("GPC_NATIVE_EXAMPLES", "300")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_files_get_the_same_verdict_and_clause(data: st.DataObject) -> None:
    import zlib

    base = bytearray(data.draw(st.sampled_from(_valid_files())))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(base) - 1))
        base[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):  # reach past the CRC: reseal the body
        base[-4:] = zlib.crc32(bytes(base[:-4])).to_bytes(4, "little")
    mutated = bytes(base)
    reference = _reference(mutated)
    if reference[0] == "undecided":
        return
    assert _native(mutated) == reference


@given(st.binary(max_size=64))
def test_random_bytes_get_the_same_verdict_and_clause(raw: bytes) -> None:
    assert _native(raw) == _reference(raw)


@given(st.text(min_size=1, max_size=300).filter(lambda t: "\r" not in t))
def test_ppm1_fast_path_equals_the_reference(text: str) -> None:
    from refcodec import textmodel

    if refcodec.textcodecs.forbidden_control(text) is not None:
        return
    raw = text.encode()
    if len(raw) > 16384:
        return
    coded = textmodel.encode(raw)
    assert LIB is not None
    assert LIB.ppm1_decode(coded, len(raw)) == raw

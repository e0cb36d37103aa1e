"""The conformance suite is frozen, covers every MUST clause, and the runner works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import refcodec
from conformance import generate
from conformance.definitions import CASES, UNTESTABLE, Case
from refcodec.errors import BackendUnavailable
from refcodec.neural import _require_backend as require_neural
from refcodec.sweep import sweep
from tests.support import verdict

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "conformance"
SPEC = ROOT / "spec" / "gpc.md"
SPEC_FILES = ("gpc.md", "lowres.md", "text-codec.md", "neural.md")  # the spec and its annexes
REFERENCE = f"{sys.executable} -m refcodec decode {{in}} --request-only -o {{out}}"


try:
    require_neural()  # the neural extra: the cases of codec 16 need it
    NEURAL = True
except BackendUnavailable:
    NEURAL = False
PROFILE = "full" if NEURAL else "weight-free"
needs_neural = pytest.mark.skipif(not NEURAL, reason="the neural extra is not installed")


def runnable(cases: list[Case]) -> list[object]:
    """The cases, those of codec 16 marked to skip without the neural extra."""
    return [pytest.param(c, id=c.id, marks=[needs_neural] if "msillm" in c.features else [])
            for c in cases]


@pytest.mark.parametrize("case", runnable(CASES))
def test_reference_reaches_the_expected_verdict(case: Case) -> None:
    assert verdict(case.data) == (case.clause or "valid")
    if case.clause is None:
        assert refcodec.build(refcodec.parse(case.data)) == case.data  # roundtrip: true


@needs_neural
def test_committed_suite_is_exactly_what_the_definitions_generate() -> None:
    expected = generate.suite_files()
    committed = {str(p.relative_to(SUITE)): p.read_bytes()
                 for p in sorted(SUITE.glob("cases/**/*")) if p.is_file()}
    committed |= {rel: (SUITE / rel).read_bytes()
                  for rel in ("manifest.json", "profiles/full.txt", "profiles/core.txt",
                              "profiles/weight-free.txt")}
    assert sorted(committed) == sorted(expected), "run: python -m conformance.generate"
    changed = [rel for rel, data in expected.items() if committed[rel] != data]
    assert not changed, f"the reference now writes different bytes: {changed}"


def test_reference_encoder_cases_are_marked() -> None:
    assert sum(c.reference_encoder for c in CASES) >= 10
    assert all(c.clause is None for c in CASES if c.reference_encoder)


def test_suite_size_and_balance() -> None:
    rejects = [c for c in CASES if c.clause is not None]
    assert len(CASES) >= 40
    assert len(rejects) >= len(CASES) / 2
    assert all(c.id.startswith("x-") == (c.clause is not None) for c in CASES)


def must_clauses() -> set[str]:
    """Clause IDs of the spec and its annex whose own text contains MUST."""
    text = "".join((SPEC.parent / name).read_text("utf-8") for name in SPEC_FILES)
    found = set()
    for match in re.finditer(r"\*\*\[([A-Z]+-\d+)\]\*\*", text):
        end = text.find("**[", match.end())
        body = text[match.end(): end if end != -1 else len(text)]
        body = re.split(r"\n#+ |\n\n", body, maxsplit=1)[0]
        if "MUST" in body and "BCP 14" not in body:  # not the clause defining the words
            found.add(match[1])
    return found


def test_every_must_clause_has_a_case() -> None:
    clauses = must_clauses()
    assert {"SIG-1", "INT-1", "TXT-3", "LIM-3", "CHK-3"} <= clauses  # the scan works
    covered = set().union(*(set(c.covers) | {c.clause} for c in CASES)) - {None}
    missing = clauses - covered - set(UNTESTABLE)
    assert not missing, f"MUST clauses without a conformance case: {sorted(missing)}"
    assert set(UNTESTABLE) <= clauses
    assert not set(UNTESTABLE) & {c.clause for c in CASES}


def test_every_rejected_clause_is_a_spec_clause() -> None:
    text = "".join((SPEC.parent / name).read_text("utf-8") for name in SPEC_FILES)
    for case in CASES:
        if case.clause:
            assert f"**[{case.clause}]**" in text, case.id


def test_runner_passes_the_reference_through_the_command_line(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "refcodec", "conformance", "run", "--suite", str(SUITE),
         "--decoder", REFERENCE, "--strict-clauses", "--json", "--profile", PROFILE],
        capture_output=True, text=True, check=False, timeout=600)
    results.write_text(run.stdout)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    data = json.loads(run.stdout)
    assert data["failed"] == 0
    assert data["passed"] == len((SUITE / "profiles" / f"{PROFILE}.txt").read_text().split())
    assert data["passed"] == len(CASES) or not NEURAL


def test_runner_catches_a_decoder_that_accepts_everything(tmp_path: Path) -> None:
    fake = tmp_path / "fake.py"
    fake.write_text("import sys\nopen(sys.argv[2], 'w').write('{}')\n")
    run = subprocess.run(
        [sys.executable, "-m", "refcodec", "conformance", "run", "--suite", str(SUITE),
         "--decoder", f"{sys.executable} {fake} {{in}} {{out}}", "--profile", "core"],
        capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == len(Path(SUITE / "profiles" / "core.txt").read_text().split())
    assert any("generation request differs" in line for line in failed)
    assert any("accepted a file that must be rejected by [INT-1]" in line for line in failed)
    assert lines[-1].startswith("0 passed,")


def test_runner_selects_cases_and_reports_clause_mismatch(tmp_path: Path) -> None:
    fake = tmp_path / "wrong_clause.py"
    fake.write_text("import sys\nprint('[TXT-9] nope', file=sys.stderr)\nsys.exit(1)\n")
    base = [sys.executable, "-m", "refcodec", "conformance", "run", "--suite", str(SUITE),
            "--decoder", f"{sys.executable} {fake} {{in}} {{out}}", "--cases", "x-int-1-*"]
    lax = subprocess.run(base, capture_output=True, text=True, check=False, timeout=120)
    assert lax.returncode == 0, lax.stdout
    assert "reported [TXT-9], expected [INT-1]" in lax.stdout
    strict = subprocess.run([*base, "--strict-clauses"], capture_output=True, text=True,
                            check=False, timeout=120)
    assert strict.returncode == 1


def _run_fake(tmp_path: Path, body: str, *options: str) -> dict[str, object]:
    fake = tmp_path / "fake.py"
    fake.write_text(f"import sys\n{body}\n")
    run = subprocess.run(
        [sys.executable, "-m", "refcodec", "conformance", "run", "--suite", str(SUITE),
         "--decoder", f"{sys.executable} {fake} {{in}} {{out}}", "--profile", "core", "--json",
         *options], capture_output=True, text=True, check=False, timeout=600)
    data: dict[str, object] = json.loads(run.stdout)
    data["returncode"] = run.returncode
    return data


def test_strict_runner_fails_a_decoder_that_names_no_clause(tmp_path: Path) -> None:
    data = _run_fake(tmp_path, "sys.exit(1)", "--strict-clauses")
    cases = data["cases"]
    assert isinstance(cases, list)
    rejects = [c for c in cases if c["expected"] != "valid"]
    assert rejects
    assert not any(c["passed"] for c in rejects)
    assert data["passed"] == 0
    assert data["returncode"] == 1
    assert all("named no clause" in c["message"] for c in rejects)


def test_runner_counts_undecided_apart_and_never_as_passed(tmp_path: Path) -> None:
    data = _run_fake(tmp_path, "print('cannot decide', file=sys.stderr)\nsys.exit(3)")
    cases = data["cases"]
    assert isinstance(cases, list)
    assert data["passed"] == 0
    assert data["failed"] == 0
    assert data["undecided"] == len(cases)
    assert all(c["outcome"] == "undecided" for c in cases)
    assert data["returncode"] == 3


def test_runner_counts_other_exit_statuses_as_failures(tmp_path: Path) -> None:
    data = _run_fake(tmp_path, "sys.exit(2)")
    assert data["passed"] == 0
    assert data["undecided"] == 0
    assert data["returncode"] == 1


@pytest.mark.parametrize("args", [["--decoder", "cat {in}"], ["--decoder", REFERENCE,
                                                              "--cases", "no-such-case"],
                                  ["--decoder", REFERENCE, "--profile", "nope"]])
def test_runner_usage_errors(args: list[str]) -> None:
    run = subprocess.run([sys.executable, "-m", "refcodec", "conformance", "run", "--suite",
                          str(SUITE), *args], capture_output=True, text=True, check=False,
                         timeout=120)
    assert run.returncode == 2
    assert run.stderr.startswith("gpc: error: ")


@pytest.mark.parametrize("case", runnable([c for c in CASES if c.clause is None
                                            and len(c.data) <= generate.LARGE]))
def test_every_bit_flip_and_truncation_of_valid_cases_is_rejected(case: Case) -> None:
    counts = sweep(case.data, refcodec.parse)
    assert counts.tried == 9 * len(case.data)
    assert counts.accepted == 0


def _system_libraries() -> bool:
    from refcodec.lowres import system

    try:
        system._library("webp", "libwebp.so.7")
        system._library("dav1d", "libdav1d.so.6")
    except BackendUnavailable:
        return False
    return True


@pytest.mark.skipif(not _system_libraries(), reason="no system libwebp.so.7 / libdav1d.so.6")
def test_verdicts_and_requests_do_not_depend_on_the_decoder_library(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """LRS-14: the whole suite through the system's libwebp and libdav1d (ctypes) gives the
    verdicts, clauses and requests it gives through Pillow's bundled libraries."""
    monkeypatch.setenv("GPC_LOWRES_DECODER", "system")
    cases = [c for c in CASES if NEURAL or "msillm" not in c.features]
    differ = []
    for case in cases:
        got = verdict(case.data)
        if got == "valid" and case.clause is None:
            request = refcodec.derive_request(refcodec.parse(case.data)).to_json()
            if request != (SUITE / "cases" / case.id / "request.json").read_bytes():
                got = "other request"
        if got != (case.clause or "valid"):
            differ.append((case.id, got))
    assert not differ
    assert sum("avif" in c.id or "webp" in c.id for c in cases) >= 20

"""Conformance runner: checks any implementation against the suite in conformance/.

The implementation under test is a command template, e.g.
``--decoder "mydecoder {in} {out}"``. For each case the runner substitutes the
case's ``input.gpc`` for ``{in}`` and a fresh path for ``{out}`` and runs it.
The contract (conformance/README.md): exit 0 with exactly the canonical generation
request written to ``{out}`` for a valid file; exit 1 with nothing written, and the
clause ID in square brackets on stderr (``[INT-1]``), for an invalid one; exit 3
with nothing written when the decoder cannot decide (``undecided``: a registered
codec it does not implement, an unverified model). Any other exit status is an
error. A valid case passes on exit 0 with the case's ``request.json``; a must-reject
case on exit 1 with nothing written, and with ``strict_clauses`` only when the first
clause on stderr is the expected one (a missing clause fails too); an undecided case
on exit 3. An undecided answer to any other case is its own outcome, never a pass.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .cli_io import EXIT_INVALID, EXIT_UNDECIDED
from .cli_io import EXIT_OK as EXIT_VALID
from .errors import UsageError

__all__ = ["CaseResult", "exit_status", "load_cases", "run_suite", "summary"]

_CLAUSE = re.compile(r"\[([A-Z]+-\d+)\]")
# The decoder-command contract (exit 0, 1, 3) is the one gpc decode follows: cli_io.


@dataclass
class CaseResult:
    """The outcome of one case; ``checks`` holds each comparison made."""

    id: str
    expected: str  # "valid", "undecided" or the expected clause
    passed: bool
    message: str
    outcome: str = "fail"  # "pass", "fail" or "undecided" (the decoder could not decide)
    reported_clause: str | None = None
    exit_code: int | None = None
    seconds: float = 0.0
    checks: dict[str, bool] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def load_cases(suite: Path, ids: list[str] | None = None,
               profile: str | None = None) -> list[dict[str, Any]]:
    """The case records (case.json) selected by ``ids`` or ``profile`` (default: all)."""
    cases_dir = suite / "cases"
    if not cases_dir.is_dir():
        msg = f"{suite} holds no conformance suite (no cases/ folder)"
        raise UsageError(msg)
    available = sorted(p.name for p in cases_dir.iterdir() if (p / "case.json").is_file())
    selected = available
    if profile is not None:
        profile_path = suite / "profiles" / f"{profile}.txt"
        if not profile_path.is_file():
            names = sorted(p.stem for p in (suite / "profiles").glob("*.txt"))
            msg = f"unknown profile {profile!r} (available: {', '.join(names)})"
            raise UsageError(msg)
        selected = profile_path.read_text("utf-8").split()
    if ids:
        selected = [i for i in selected if any(i == w or re.fullmatch(w.replace("*", ".*"), i)
                                               for w in ids)]
    missing = sorted(set(selected) - set(available))
    if missing:
        msg = f"unknown case(s): {', '.join(missing)}"
        raise UsageError(msg)
    if not selected:
        raise UsageError("no case matches the selection")
    return [json.loads((cases_dir / i / "case.json").read_text("utf-8")) for i in selected]


def _command(template: str, inp: Path, out: Path) -> list[str]:
    words = shlex.split(template)
    if not any("{in}" in w for w in words) or not any("{out}" in w for w in words):
        msg = "the decoder command must contain {in} and {out}"
        raise UsageError(msg)
    return [w.replace("{in}", str(inp)).replace("{out}", str(out)) for w in words]


def run_case(suite: Path, case: dict[str, Any], decoder: str, timeout: float,
             strict_clauses: bool = False) -> CaseResult:
    """Run the decoder on one case and compare what it did with the expectations."""
    folder = suite / "cases" / case["id"]
    kind = case["result"]  # "valid", "reject" or "undecided"
    expected = {"valid": "valid", "undecided": "undecided"}.get(kind) or case["clause"]
    result = CaseResult(case["id"], expected, False, "")
    with tempfile.TemporaryDirectory(prefix="gpc-conformance-") as tmp:
        out = Path(tmp) / "out.json"
        start = time.perf_counter()
        try:
            run = subprocess.run(_command(decoder, folder / "input.gpc", out),
                                 capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            result.message = f"timed out after {timeout:g} s"
            return result
        except OSError as exc:
            result.message = f"cannot run the decoder: {exc.strerror}"
            return result
        result.seconds = time.perf_counter() - start
        result.exit_code = run.returncode
        stderr = run.stderr.decode("utf-8", "replace")
        clause = _CLAUSE.search(stderr)
        result.reported_clause = clause[1] if clause else None
        wrote = out.read_bytes() if out.exists() else None
    code = run.returncode
    if code not in (EXIT_VALID, EXIT_INVALID, EXIT_UNDECIDED):
        result.message = f"exit status {code} is none of 0, 1, 3: {stderr.strip()[-300:]}"
    elif kind == "undecided":
        result.checks = {"undecided": code == EXIT_UNDECIDED, "nothing_written": wrote is None}
        if code != EXIT_UNDECIDED:
            result.message = (f"decided a file no reader can decide (exit {code}); "
                              f"expected exit {EXIT_UNDECIDED}")
        elif wrote is not None:
            result.message = "undecided, but left an output file behind"
    elif code == EXIT_UNDECIDED:
        result.outcome = "undecided"
        result.checks = {"decided": False}
        result.message = f"undecided (exit 3): {stderr.strip()[-300:]}"
    elif kind == "valid":
        expected_request = (folder / "request.json").read_bytes()
        result.checks = {"accepted": code == EXIT_VALID, "request": wrote == expected_request}
        if not result.checks["accepted"]:
            result.message = f"rejected a valid file (exit {code}): {stderr.strip()}"
        elif wrote is None:
            result.message = "accepted, but wrote no request"
        elif not result.checks["request"]:
            result.message = "generation request differs from request.json"
    else:
        result.checks = {"rejected": code == EXIT_INVALID, "nothing_written": wrote is None}
        if result.reported_clause != case["clause"]:
            result.checks["clause"] = False
            result.warnings.append(
                f"reported [{result.reported_clause}], expected [{case['clause']}]"
                if result.reported_clause else f"named no clause, expected [{case['clause']}]")
        if not result.checks["rejected"]:
            result.message = f"accepted a file that must be rejected by [{case['clause']}]"
        elif not result.checks["nothing_written"]:
            result.message = "rejected, but left an output file behind"
        elif strict_clauses and result.checks.get("clause") is False:
            result.message = result.warnings[0]
    result.passed = not result.message
    if result.passed:
        result.outcome = "pass"
    return result


def run_suite(suite: Path, decoder: str, ids: list[str] | None = None,
              profile: str | None = None, timeout: float = 60.0,
              strict_clauses: bool = False) -> list[CaseResult]:
    return [run_case(suite, case, decoder, timeout, strict_clauses)
            for case in load_cases(suite, ids, profile)]


def summary(results: list[CaseResult]) -> dict[str, int]:
    """Counts of each outcome; ``undecided`` cases are neither passed nor failed."""
    return {outcome: sum(r.outcome == outcome for r in results)
            for outcome in ("pass", "fail", "undecided")}


def exit_status(results: list[CaseResult]) -> int:
    """0 when every case passed, 1 when any failed, else 3 (some were undecided)."""
    counts = summary(results)
    return 1 if counts["fail"] else EXIT_UNDECIDED if counts["undecided"] else 0


def report(results: list[CaseResult]) -> str:
    """A readable report: one line per case, then totals."""
    lines = []
    for r in results:
        status = {"pass": "PASS", "fail": "FAIL", "undecided": "UNDECIDED"}[r.outcome]
        detail = r.message or "; ".join(r.warnings)
        lines.append(f"{status:9s} {r.id:48s} {detail}".rstrip())
    counts = summary(results)
    warned = sum(bool(r.warnings) for r in results)
    lines.append(f"\n{counts['pass']} passed, {counts['fail']} failed, "
                 f"{counts['undecided']} undecided"
                 + (f" ({warned} with a different or no clause reported)" if warned else ""))
    return "\n".join(lines)


def to_json(results: list[CaseResult]) -> str:
    counts = summary(results)
    return json.dumps({"passed": counts["pass"], "failed": counts["fail"],
                       "undecided": counts["undecided"],
                       "cases": [asdict(r) for r in results]}, indent=2)

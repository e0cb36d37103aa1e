"""``python -m fuzz``: run the atheris harnesses (see fuzz/README.md).

    python -m fuzz list
    python -m fuzz run HARNESS --seconds N [--runs N] [--no-fork] [-- libFuzzer args]
    python -m fuzz ci [--seconds S]        every harness, S seconds in all (default 170)
    python -m fuzz minimize HARNESS        shrink fuzz/corpus/HARNESS with -merge=1
    python -m fuzz seeds                   only write the seeds from the conformance cases

Each harness runs in its own child process (``fuzz.worker``), so a native crash in
libwebp, libavif or dav1d ends that child, not this command. ``run`` also puts the
image harnesses under libFuzzer's fork mode (``-fork=1 -ignore_crashes=1``): the crash
is saved and fuzzing goes on. Findings go to fuzz/crashes/HARNESS/ (crash-*, timeout-*,
oom-*); new corpus entries to fuzz/corpus/HARNESS/; the seeds to fuzz/work/seeds/.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "fuzz"
CASES = ROOT / "conformance" / "cases"
CORPUS = HERE / "corpus"
CRASHES = HERE / "crashes"
SEEDS = HERE / "work" / "seeds"
#: libFuzzer limits: a unit slower than this many seconds or above this RSS is a finding.
TIMEOUT_S = 10
RSS_LIMIT_MB = 2048
CI_SECONDS = 170  # wall-clock budget of `ci`, start-up of every harness included
STARTUP_S = 8  # a harness's start-up (imports, instrumentation, seeds) on a loaded 2-core VM


def write_seeds(name: str, seeds: Path = SEEDS) -> Path:
    """fuzz/work/seeds/NAME/: every conformance input in the harness's input format."""
    from fuzz.harnesses import HARNESSES

    harness = HARNESSES[name]
    out = seeds / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for case in sorted(CASES.glob("*/input.gpc")):
        try:
            unit = harness.to_input(case.read_bytes())
        except (ValueError, IndexError):
            continue  # too broken to split: the raw harness still gets it
        if unit is not None and len(unit) <= harness.max_len:
            (out / hashlib.sha1(unit).hexdigest()).write_bytes(unit)
    return out


def artifacts(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@dataclass
class Result:
    name: str
    execs: int
    seconds: float
    rc: int
    findings: list[str]

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.findings

    def line(self) -> str:
        rate = self.execs / self.seconds if self.seconds else 0.0
        verdict = "ok" if self.ok else f"FAILED (rc {self.rc}, findings: {self.findings})"
        return (f"{self.name:13} {self.execs:>9} execs in {self.seconds:6.1f} s "
                f"({rate:7.0f} exec/s)  {verdict}")


def executions(log: str) -> int:
    """Executions libFuzzer reports (final stats, else the last status line)."""
    stats = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    if stats:
        return sum(int(n) for n in stats)
    done = re.findall(r"Done (\d+) runs", log)
    if done:
        return int(done[-1])
    status = re.findall(r"^#(\d+)", log, re.MULTILINE)
    return max((int(n) for n in status), default=0)


def run(name: str, seconds: int | None = None, runs: int | None = None, fork: bool = True,
        extra: list[str] | None = None, quiet: bool = False, work: Path | None = None
        ) -> Result:
    """Fuzz one harness in a child process; the result counts executions and findings.

    ``work``: a folder for the corpus, findings, seeds and log instead of fuzz/ (tests)."""
    from fuzz.harnesses import HARNESSES

    harness = HARNESSES[name]
    if work is None:
        corpus, crashes, log_dir = CORPUS / name, CRASHES / name, HERE / "work"
        seeds = write_seeds(name)
    else:
        corpus, crashes, log_dir = work / "corpus" / name, work / "crashes" / name, work
        seeds = write_seeds(name, work / "seeds")
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    before = artifacts(crashes)
    log_dir.mkdir(parents=True, exist_ok=True)
    wrapper = log_dir / "worker.sh"  # what libFuzzer's fork mode re-executes
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m fuzz.worker "$@"\n')
    wrapper.chmod(0o755)
    args = [str(wrapper), str(corpus), str(seeds),
            f"-max_len={harness.max_len}", f"-timeout={TIMEOUT_S}",
            f"-rss_limit_mb={RSS_LIMIT_MB}", f"-artifact_prefix={crashes}/",
            "-print_final_stats=1"]
    if seconds is not None:
        args.append(f"-max_total_time={seconds}")
    if runs is not None:
        args.append(f"-runs={runs}")
    if fork and harness.native and runs is None:
        args += ["-fork=1", "-ignore_crashes=1", "-ignore_timeouts=1", "-ignore_ooms=1"]
    args += extra or []
    env = {**os.environ, "GPC_FUZZ_HARNESS": name, "GPC_FUZZ_EXE": str(wrapper),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    log_path = log_dir / f"{name}.log"  # written as the run goes: tail -f it
    start = time.monotonic()
    with log_path.open("wb") as log_file:
        proc = subprocess.run(args, cwd=ROOT, env=env, stdout=log_file,
                              stderr=subprocess.STDOUT, check=False)
    elapsed = time.monotonic() - start
    log = log_path.read_text(errors="replace")
    findings = sorted(artifacts(crashes) - before)
    result = Result(name, executions(log), elapsed, proc.returncode, findings)
    if not quiet:
        print(result.line(), flush=True)
        if not result.ok:
            print(log[-3000:], file=sys.stderr)
    return result


def minimize(name: str) -> None:
    """Replace fuzz/corpus/NAME by the smallest subset with the same coverage."""
    from fuzz.harnesses import HARNESSES

    corpus = CORPUS / name
    seeds = write_seeds(name)
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-m", "fuzz.worker", "-merge=1", tmp, str(corpus),
                str(seeds), f"-max_len={HARNESSES[name].max_len}", f"-timeout={TIMEOUT_S}"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "GPC_FUZZ_HARNESS": name}
        subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
        seeded = {p.name for p in seeds.iterdir()}
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.mkdir(parents=True)
        kept = [p for p in Path(tmp).iterdir() if p.name not in seeded]
        for path in kept:
            shutil.copy(path, corpus / path.name)
    print(f"{name}: {len(kept)} corpus files besides the seeds")


def main(argv: list[str] | None = None) -> int:
    from fuzz.harnesses import HARNESSES

    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the harnesses")
    one = sub.add_parser("run", help="fuzz one harness")
    one.add_argument("harness", choices=sorted(HARNESSES))
    one.add_argument("--seconds", type=int, default=60)
    one.add_argument("--runs", type=int, help="stop after this many executions")
    one.add_argument("--no-fork", action="store_true",
                     help="no libFuzzer fork mode for the image harnesses")
    one.add_argument("--work", type=Path, help="corpus, findings, seeds and log go here, "
                     "not under fuzz/")
    one.add_argument("libfuzzer", nargs="*", help="extra libFuzzer flags (after --)")
    ci = sub.add_parser("ci", help="every harness, bounded; non-zero exit on any finding")
    ci.add_argument("--seconds", type=int, default=CI_SECONDS,
                    help="wall-clock budget, start-up included")
    mini = sub.add_parser("minimize", help="shrink a harness's corpus (libFuzzer -merge=1)")
    mini.add_argument("harness", choices=sorted(HARNESSES))
    sub.add_parser("seeds", help="write fuzz/work/seeds/* from the conformance cases")
    args = parser.parse_args(argv)

    if args.command == "list":
        for harness in HARNESSES.values():
            mode = " (native: fork mode)" if harness.native else ""
            print(f"{harness.name:13} {harness.description}{mode}")
        return 0
    if args.command == "seeds":
        for name in HARNESSES:
            print(f"{name}: {len(list(write_seeds(name).iterdir()))} seeds")
        return 0
    if args.command == "minimize":
        minimize(args.harness)
        return 0
    if args.command == "run":
        return 0 if run(args.harness, args.seconds, args.runs, not args.no_fork,
                        args.libfuzzer, work=args.work).ok else 1
    start, results = time.monotonic(), []
    for index, name in enumerate(HARNESSES):
        left = args.seconds - (time.monotonic() - start)
        each = max(2, int(left / (len(HARNESSES) - index)) - STARTUP_S)
        results.append(run(name, seconds=each, fork=False))
    failed = [r.name for r in results if not r.ok]
    total = sum(r.seconds for r in results)
    print(f"{len(results)} harnesses, {sum(r.execs for r in results)} executions in "
          f"{total:.0f} s; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

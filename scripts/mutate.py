#!/usr/bin/env python3
"""Source-level mutation testing of the model (docs/mutation.md).

Applies each mutant of scripts/mutation/catalogue.json to a scratch copy of
the tree (build/mutation/src), builds only the test programs, runs them with a
time limit and prints a killed/survived table naming the tests that killed
each mutant. The model's rule tests run first; the conformance, trace,
property and fuzz tests run only if they did not kill it (--all-killers: all). Exits 1 if a mutant survived, 2 on bad input or a broken
baseline.

  scripts/mutate.py                 every mutant (the full run)
  scripts/mutate.py --fast          the mutants marked "fast"
  scripts/mutate.py --only ID,ID    the named mutants
  scripts/mutate.py --check [DIR]   only check that every snippet occurs
                                    exactly once in DIR (default: this tree)

No maintained mutation tool fits: Mull and Dextool are not packaged in
Debian 12 and need a matching LLVM plugin build; the catalogue is data so
each mutant stays a reviewed, realistic bug rather than a generated one.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "scripts" / "mutation" / "catalogue.json"
FIELDS = ("id", "file", "rule", "why", "original", "replacement")

# The test programs a model bug can reach, in stages: each stage builds its
# targets, then runs its programs directly (one process each, far faster than
# one ctest process per test case) and, in the last stage, the trace replays
# (ctest label `trace`: the portpool program on every trace file). The model's
# own rule tests come first: they kill most mutants at the cost of one link.
STAGES = [
    ["model/model_tests"],
    ["conformance/conformance_tests", "traces/traces_tests",
     "conformance/conformance_property_tests", "conformance/conformance_mutation_tests",
     "conformance/windows/conformance_windows_mutation_tests",
     "fuzz/fuzz_tests", "ctest:^trace$"],
]
# Fixed rapidcheck seed, no shrinking: a killed mutant needs no minimal case.
RC_PARAMS = "seed=20261202 noshrink=1"


def fail(message, code=2):
    print(f"mutate.py: {message}", file=sys.stderr)
    sys.exit(code)


def load_catalogue(path):
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        fail(f"{path}: cannot read the catalogue: {error}")
    mutants = data.get("mutants")
    if not isinstance(mutants, list) or not mutants:
        fail(f"{path}: no \"mutants\" list")
    seen = set()
    for index, m in enumerate(mutants):
        missing = [f for f in FIELDS if not isinstance(m.get(f), str)]
        if missing:
            fail(f"{path}: mutant #{index + 1} lacks {', '.join(missing)}")
        if m["id"] in seen:
            fail(f"{path}: mutant id {m['id']} appears twice")
        if not m["original"] or m["original"] == m["replacement"]:
            fail(f"{path}: mutant {m['id']}: empty or unchanged snippet")
        seen.add(m["id"])
    return mutants


def check_snippets(mutants, tree):
    """Every snippet occurs exactly once in its file under `tree`."""
    problems = []
    for m in mutants:
        path = Path(tree) / m["file"]
        if not path.is_file():
            problems.append(f"{m['id']}: {m['file']} does not exist")
            continue
        count = path.read_text().count(m["original"])
        if count != 1:
            problems.append(f"{m['id']}: the snippet occurs {count} times in {m['file']}, not once")
    return problems


def tracked_files():
    out = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True, capture_output=True).stdout
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


def sync_tree(copy):
    """Copies the tree to `copy`, writing only files that differ (so an
    unchanged file keeps its time stamp and ninja does not rebuild it)."""
    for name in tracked_files():
        source, target = ROOT / name, copy / name
        data = source.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        shutil.copymode(source, target)


def run(command, timeout, cwd=None, env=None):
    """(exit code or None on timeout, combined output)."""
    try:
        done = subprocess.run(command, cwd=cwd, env=env, timeout=timeout, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return done.returncode, done.stdout
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or ""
        return None, output if isinstance(output, str) else output.decode(errors="replace")


def configure(copy, build, jobs):
    env = dict(os.environ, CMAKE_CXX_COMPILER_LAUNCHER="ccache")
    if not (build / "build.ninja").is_file():
        code, out = run(["cmake", "--preset", "ci-debug", "-DPORTPOOL_BUILD_BENCHMARKS=OFF"],
                        timeout=900, cwd=copy, env=env)
        if code != 0:
            fail(f"configuring the scratch copy failed:\n{out[-3000:]}")


def targets_of(stage):
    return [Path(p).name if not p.startswith("ctest:") else "portpool" for p in stage]


def build_targets(build, jobs, timeout, stages=STAGES):
    targets = [t for stage in stages for t in targets_of(stage)]
    return run(["cmake", "--build", str(build), "-j", str(jobs), "--target", *targets], timeout)


def run_programs(build, programs, jobs, timeout):
    """Runs `programs` (paths under `build`, or ctest:LABEL); returns the
    names of the tests that failed (or a program's name and exit code)."""
    env = dict(os.environ, RC_PARAMS=RC_PARAMS, GTEST_COLOR="no")
    killers = []

    def one(program):
        if program.startswith("ctest:"):
            command = ["ctest", "--test-dir", str(build), "-L", program[6:], "-j", str(jobs),
                       "--timeout", str(timeout)]
        else:
            command = [str(build / program), "--gtest_brief=1"]
        code, out = run(command, timeout * 3, env=env)
        return Path(program).name, code, out

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for name, code, out in pool.map(one, programs):
            if code is None:
                killers.append(f"{name} (timed out)")
                continue
            if code == 0:
                continue
            found = re.findall(r"^\[  FAILED  \] ([\w/.]+)", out, re.M)
            found += re.findall(r"^\s*\d+ - (\S+) \((?:Failed|Timeout|SEGFAULT|Subprocess aborted|"
                                r"Exception|Child aborted|Not Run)", out, re.M)
            unique = list(dict.fromkeys(found))
            killers.extend(unique if unique else [f"{name} (exit {code})"])
    return killers


def run_stages(build, jobs, timeout, all_killers):
    """Builds and runs stage by stage; stops after the first stage that
    kills unless `all_killers`. Returns (status, killers)."""
    killers = []
    for stage in STAGES:
        code, out = build_targets(build, jobs, timeout * 4, [stage])
        if code != 0:
            last = out.strip().splitlines()[-1] if out.strip() else ""
            return "BROKEN", [f"does not build: {last}"]
        killers += run_programs(build, stage, jobs, timeout)
        if killers and not all_killers:
            break
    return ("killed" if killers else "SURVIVED"), killers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--catalogue", default=str(CATALOGUE))
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--fast", action="store_true", help="only the mutants marked fast")
    parser.add_argument("--check", nargs="?", const=str(ROOT), metavar="DIR",
                        help="only check the snippets against the sources in DIR")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("PORTPOOL_JOBS", "2")))
    parser.add_argument("--timeout", type=int, default=300,
                        help="seconds per test (the build gets 4x, a program 3x)")
    parser.add_argument("--work", default=str(ROOT / "build" / "mutation"),
                        help="scratch directory (a copy of the tree and its build)")
    parser.add_argument("--all-killers", action="store_true",
                        help="run every stage for every mutant (default: stop at the first "
                             "stage that kills it)")
    parser.add_argument("--report", help="also write the table as Markdown to this file")
    args = parser.parse_args()

    mutants = load_catalogue(args.catalogue)
    if args.check:
        problems = check_snippets(mutants, args.check)
        for p in problems:
            print(f"mutate.py: {p}", file=sys.stderr)
        if problems:
            return 2
        print(f"mutate.py: all {len(mutants)} snippets occur exactly once")
        return 0
    if args.only:
        wanted = args.only.split(",")
        unknown = [w for w in wanted if w not in {m["id"] for m in mutants}]
        if unknown:
            fail(f"unknown mutant id(s): {', '.join(unknown)}")
        mutants = [m for m in mutants if m["id"] in wanted]
    if args.fast:
        mutants = [m for m in mutants if m.get("fast")]
    problems = check_snippets(mutants, ROOT)
    if problems:
        fail("; ".join(problems))

    work = Path(args.work)
    copy, started = work / "src", time.monotonic()
    build = copy / "build" / "ci-debug"
    sync_tree(copy)
    configure(copy, build, args.jobs)
    print(f"mutate.py: baseline build and tests in {build}", flush=True)
    status, killers = run_stages(build, args.jobs, args.timeout, all_killers=True)
    if status != "SURVIVED":
        fail(f"the unmutated copy does not pass: {', '.join(killers[:10])}")
    print(f"mutate.py: baseline passed after {time.monotonic() - started:.0f} s", flush=True)

    rows = []
    for m in mutants:
        path = copy / m["file"]
        pristine = path.read_text()
        begin = time.monotonic()
        path.write_text(pristine.replace(m["original"], m["replacement"], 1))
        try:
            status, killers = run_stages(build, args.jobs, args.timeout, args.all_killers)
        finally:
            path.write_text(pristine)
        seconds = time.monotonic() - begin
        rows.append((m, status, killers, seconds))
        shown = ", ".join(killers[:3]) + (f" (+{len(killers) - 3} more)" if len(killers) > 3 else "")
        print(f"{m['id']:<45} {status:<9} {seconds:6.1f}s  {shown}", flush=True)
    # Leave the copy's build matching the unmutated sources.
    build_targets(build, args.jobs, args.timeout * 4)

    total = time.monotonic() - started
    survived = [r for r in rows if r[1] != "killed"]
    lines = ["| mutant | rule | status | killed by (tests that failed, first stage that failed) | time |",
             "| --- | --- | --- | --- | --- |"]
    for m, status, killers, seconds in rows:
        shown = ", ".join(f"`{k}`" for k in killers[:4])
        if len(killers) > 4:
            shown += f" and {len(killers) - 4} more"
        lines.append(f"| {m['id']} | {m['rule']} | {status} | {shown} | {seconds:.0f} s |")
    lines.append("")
    lines.append(f"{len(rows) - len(survived)} of {len(rows)} killed; whole run {total:.0f} s "
                 f"(baseline build and tests included), jobs={args.jobs}.")
    print("\n" + "\n".join(lines))
    if args.report:
        Path(args.report).write_text("\n".join(lines) + "\n")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())

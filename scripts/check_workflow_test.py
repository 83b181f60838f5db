#!/usr/bin/env python3
"""The checks of check_workflow.py bite: each mutation of the real workflow
below (a retired image back in the matrix, PORTPOOL_REQUIRE_REAL gone, one
combined cache step, a probe step that ends with replay's exit code, ...)
must make check_workflow.py fail, naming the check it breaks. ctest test
`workflow_checks_bite` (label `workflow`).

  check_workflow_test.py WORKFLOW.yml README.md VCPKG.json
"""
import contextlib
import copy
import io
import os
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_workflow  # noqa: E402


def windows_job(workflow):
    return workflow["jobs"]["windows"]


def step_running(job, text):
    return next(s for s in job["steps"] if text in str(s.get("run", "")))


def step_using(job, action):
    return next(s for s in job["steps"] if str(s.get("uses", "")).startswith(action))


def retired_image(w):
    windows_job(w)["strategy"]["matrix"]["os"] = ["windows-2019", "windows-2022", "windows-2025"]


def no_require_real(w):
    del windows_job(w)["env"]["PORTPOOL_REQUIRE_REAL"]


def combined_cache(w):
    job = windows_job(w)
    restore = step_using(job, "actions/cache/restore")
    restore["uses"] = "actions/cache@v4"
    job["steps"].remove(step_using(job, "actions/cache/save"))


def save_only_when_green(w):
    del step_using(windows_job(w), "actions/cache/save")["if"]


def no_junit(w):
    step = step_running(windows_job(w), "ctest --preset windows")
    step["run"] = step["run"].split("--output-junit")[0]


def probe_step_ends_with_replay(w):
    step = step_running(windows_job(w), "traces\\probes")
    step["run"] = step["run"].rsplit("exit 0", 1)[0] + "& $env:PORTPOOL_EXE replay recorded\\*.trace\n"


def no_campaign(w):
    job = windows_job(w)
    job["steps"].remove(step_running(job, "campaign --backend windows"))


def no_matrix_job(w):
    del w["jobs"]["matrix"]


def no_preset(w):
    step = step_running(windows_job(w), "cmake --preset windows")
    step["run"] = "cmake -S . -B build -A x64"


MUTATIONS = [
    (retired_image, "matrix.os is exactly windows-2022, windows-2025"),
    (no_require_real, "sets PORTPOOL_REQUIRE_REAL=1"),
    (combined_cache, "no combined actions/cache step"),
    (save_only_when_green, "saves the dependency cache also when red"),
    (no_junit, "ctest writes JUnit results"),
    (probe_step_ends_with_replay, "the probe step decides explicitly"),
    (no_campaign, "runs portpool campaign --backend windows"),
    (no_matrix_job, "runs portpool matrix"),
    (no_preset, "runs 'cmake --preset windows'"),
]


def run_check(workflow, readme, vcpkg):
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False, encoding="utf-8") as f:
        yaml.safe_dump(workflow, f, sort_keys=False)
        path = f.name
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = check_workflow.main(["check_workflow.py", path, readme, vcpkg])
    finally:
        os.unlink(path)
    return code, out.getvalue()


def main(argv):
    if len(argv) != 4:
        print("usage: check_workflow_test.py WORKFLOW.yml README.md VCPKG.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    failed = 0
    code, out = run_check(workflow, argv[2], argv[3])
    if code != 0:
        print("FAILED  the workflow itself does not pass:\n" + out)
        return 1
    print("ok      the workflow passes as it is")
    for mutate, check in MUTATIONS:
        mutant = copy.deepcopy(workflow)
        mutate(mutant)
        code, out = run_check(mutant, argv[2], argv[3])
        caught = code == 1 and any(line.startswith("FAILED") and check in line
                                   for line in out.splitlines())
        print(("ok      " if caught else "FAILED  ") + f"{mutate.__name__}: caught by '{check}'")
        if not caught:
            failed += 1
            print(out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

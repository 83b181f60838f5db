#!/usr/bin/env python3
"""Checks the GitHub Actions workflow against what issues 6 and 15 ask of it
(ctest test `workflow`, label `workflow`):

  - the file parses as YAML and has jobs;
  - a Linux job runs the README's test command (the `scripts/test.sh` line
    of its "Two commands" block) and uploads the tests' JUnit XML;
  - a Windows job runs on the images that exist, windows-2022 and
    windows-2025 (runs-on taken from the matrix), configures, builds and
    tests through the `windows` preset (MSVC with the vcpkg toolchain, so
    the manifest vcpkg.json, which lists gtest, rapidcheck, abseil, cli11
    and nlohmann-json, is used), and sets PORTPOOL_REQUIRE_REAL=1, so a missing API or a shell
    that is not elevated fails instead of skipping;
  - its dependency cache is restored and saved in two steps
    (actions/cache/restore, actions/cache/save), the save with
    `if: always()`, so a red job still keeps the dependency build;
  - it runs ctest without leaving out windows-real, writes JUnit results
    (--output-junit), summarises them in the job summary in a step that
    always runs, and uploads them;
  - it records the probe traces with `portpool record` in a step that
    decides explicitly: it reads each record's exit code, reports in the job
    summary, and ends with its own exit (not with the last command's);
  - it runs `portpool campaign --backend windows` and uploads its report;
  - its cleanup step (`portpool cleanup --journal`) runs with `if: always()`,
    and so does the upload;
  - a final job, after the Windows job, runs `portpool matrix` over the
    legs' artifacts and publishes it as its job summary.

  check_workflow.py WORKFLOW.yml README.md VCPKG.json

Prints one line per check; exits 1 naming every check that failed, 2 when a
file is missing or does not parse (or PyYAML is missing: CMake defines the
test only where `import yaml` works).
"""
import json
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    print("check_workflow.py: python3-yaml is missing (apt-get install python3-yaml)",
          file=sys.stderr)
    sys.exit(2)

WINDOWS_IMAGES = ["windows-2022", "windows-2025"]
REPORT_DIR = "windows-real-report"


def load(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return yaml.safe_load(text) if what == "yaml" else (
            json.loads(text) if what == "json" else text)
    except OSError as e:
        print(f"check_workflow.py: {path}: cannot read: {e.strerror}", file=sys.stderr)
    except yaml.YAMLError as e:
        print(f"check_workflow.py: {path}: not valid YAML: {e}", file=sys.stderr)
    except json.JSONDecodeError as e:
        print(f"check_workflow.py: {path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}",
              file=sys.stderr)
    sys.exit(2)


def readme_test_command(readme):
    """The README's test command: in the first sh block after '## Two
    commands', the line that runs scripts/test.sh (without its comment)."""
    section = readme.split("## Two commands", 1)
    if len(section) < 2:
        return None
    block = re.search(r"```sh\n(.*?)```", section[1], re.S)
    if not block:
        return None
    for line in block.group(1).splitlines():
        command = line.split("#", 1)[0].strip()
        if "scripts/test.sh" in command:
            return command
    return None


def steps_of(job):
    return [s for s in (job.get("steps") or []) if isinstance(s, dict)]


def runs(job):
    return "\n".join(str(s.get("run", "")) for s in steps_of(job))


def condition(step):
    return str(step.get("if", "")).replace(" ", "")


def always(step):
    return "always()" in condition(step)


def runs_even_when_red(step):
    """always(), or !cancelled(): the step runs after a failed one."""
    return always(step) or "!cancelled()" in condition(step)


def uses(step, action):
    return str(step.get("uses", "")).split("@", 1)[0] == action


def upload_paths(job):
    return "\n".join(str((s.get("with") or {}).get("path", ""))
                     for s in steps_of(job) if uses(s, "actions/upload-artifact"))


def last_statement(script):
    lines = [line.strip() for line in str(script).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main(argv):
    if len(argv) != 4:
        print("usage: check_workflow.py WORKFLOW.yml README.md VCPKG.json", file=sys.stderr)
        return 2
    workflow = load(argv[1], "yaml")
    readme = load(argv[2], "text")
    vcpkg = load(argv[3], "json")
    failures = []

    def check(ok, what):
        print(("ok      " if ok else "FAILED  ") + what)
        if not ok:
            failures.append(what)

    jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
    check(isinstance(jobs, dict) and bool(jobs), f"{argv[1]} parses and has jobs")
    if not isinstance(jobs, dict):
        return 1

    command = readme_test_command(readme)
    check(command is not None, f"{argv[2]} names a test command (scripts/test.sh)")
    linux = {n: j for n, j in jobs.items()
             if isinstance(j, dict) and "ubuntu" in str(j.get("runs-on", ""))}
    check(bool(linux), "there is a Linux job (runs-on: ubuntu-*)")
    if command:
        script = command.split()[0]
        pattern = re.compile(r"(^|\s|bash\s+)(\./)?" + re.escape(script) + r"(\s|$)", re.M)
        check(any(pattern.search(runs(j)) for j in linux.values()),
              f"a Linux job runs the README's test command '{command}'")
    check(any(always(s) and "ctest-junit.xml" in str((s.get("with") or {}).get("path", ""))
              for j in linux.values() for s in steps_of(j)
              if str(s.get("uses", "")).startswith("actions/upload-artifact")),
          "a Linux job uploads the tests' JUnit XML (ctest-junit.xml), always")

    windows = None
    for name, job in jobs.items():
        if not isinstance(job, dict):
            continue
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        if any(isinstance(v, list) and any(str(x).startswith("windows-") for x in v)
               for v in matrix.values()):
            windows = (name, job, matrix)
    check(windows is not None, "there is a Windows job with a matrix of runner images")
    if windows:
        check_windows_job(*windows, check)
        check_matrix_job(jobs, windows[0], check)

    dependencies = sorted(d if isinstance(d, str) else d.get("name", "")
                          for d in (vcpkg.get("dependencies") or []))
    check(dependencies == ["abseil", "cli11", "gtest", "nlohmann-json", "rapidcheck"],
          f"{argv[3]} lists abseil, cli11, gtest, nlohmann-json and rapidcheck")

    if failures:
        print(f"check_workflow.py: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


def check_windows_job(name, job, matrix, check):
    key = next(k for k, v in matrix.items()
               if isinstance(v, list) and any(str(x).startswith("windows-") for x in v))
    check(sorted(map(str, matrix[key])) == WINDOWS_IMAGES,
          f"job {name}: matrix.{key} is exactly {', '.join(WINDOWS_IMAGES)}, the images "
          "that exist")
    check(str(job.get("runs-on", "")).replace(" ", "") == "${{matrix.%s}}" % key,
          f"job {name}: runs-on is the matrix's image")
    text = runs(job)
    for command in ("cmake --preset windows", "cmake --build --preset windows",
                    "ctest --preset windows"):
        check(command in text, f"job {name}: runs '{command}' (MSVC and the vcpkg toolchain, "
              "from CMakePresets.json)")
    env = job.get("env") or {}
    check(str(env.get("PORTPOOL_REQUIRE_REAL", "")) == "1",
          f"job {name}: sets PORTPOOL_REQUIRE_REAL=1 (a run that checked no real answer fails)")

    steps = steps_of(job)
    check(not any(uses(s, "actions/cache") for s in steps),
          f"job {name}: no combined actions/cache step (it saves nothing when the job is red)")
    restores = [s for s in steps if uses(s, "actions/cache/restore")]
    saves = [s for s in steps if uses(s, "actions/cache/save")]
    check(bool(restores) and bool(saves),
          f"job {name}: restores and saves its dependency cache apart "
          "(actions/cache/restore, actions/cache/save)")
    check(bool(saves) and all(always(s) for s in saves),
          f"job {name}: saves the dependency cache also when red (if: always())")

    ctest = [line for line in text.splitlines() if re.search(r"\bctest\b", line)]
    ctest_text = " ".join(text.replace(">\n", " ").splitlines())
    check(bool(ctest) and not any("windows-real" in line and "-LE" in line for line in ctest),
          f"job {name}: runs ctest without leaving out windows-real")
    junit = re.search(r"--output-junit\s+\"?([^\s\"]+)", ctest_text)
    check(junit is not None, f"job {name}: ctest writes JUnit results (--output-junit)")
    summaries = [s for s in steps if "junit" in str(s.get("run", "")).lower()
                 and "GITHUB_STEP_SUMMARY" in str(s.get("run", ""))]
    check(bool(summaries) and all(always(s) for s in summaries),
          f"job {name}: summarises the JUnit results in the job summary, always")
    if junit:
        # "$env:PORTPOOL_REPORT_DIR\ctest-junit.xml": the job's variables spelled out.
        folder = re.sub(r"\$env:(\w+)", lambda m: str(env.get(m.group(1), m.group(0))),
                        junit.group(1)).replace("\\", "/")
        check(REPORT_DIR in folder and REPORT_DIR in upload_paths(job),
              f"job {name}: uploads the JUnit results ({REPORT_DIR})")

    probes = [s for s in steps if re.search(r"portpool[^\n]*\brecord\b", str(s.get("run", "")))
              or ("PORTPOOL_EXE" in str(s.get("run", "")) and " record " in str(s.get("run", "")))]
    probe_text = "\n".join(str(s.get("run", "")) for s in probes)
    check(bool(probes) and "traces/probes" in probe_text.replace("\\", "/"),
          f"job {name}: records the probe traces (portpool record, traces/probes)")
    check(bool(probes) and all("$LASTEXITCODE" in str(s.get("run", ""))
                               and "GITHUB_STEP_SUMMARY" in str(s.get("run", ""))
                               and re.match(r"exit\s+0$", last_statement(s.get("run", "")))
                               for s in probes),
          f"job {name}: the probe step decides explicitly (reads each exit code, reports in "
          "the job summary, ends with its own exit: an answer the model does not allow is "
          "reported, a harness error fails)")
    check(bool(probes) and all(runs_even_when_red(s) for s in probes),
          f"job {name}: the probe step runs after a red test step")

    campaigns = [s for s in steps
                 if re.search(r"\bcampaign\b[^\n]*--backend windows", str(s.get("run", "")))]
    check(bool(campaigns), f"job {name}: runs portpool campaign --backend windows")
    check(bool(campaigns) and REPORT_DIR in upload_paths(job)
          and all(REPORT_DIR in str(s.get("run", "")).replace("PORTPOOL_REPORT_DIR", REPORT_DIR)
                  for s in campaigns),
          f"job {name}: uploads the campaign's report (in {REPORT_DIR})")

    cleanup = [s for s in steps if "cleanup --journal" in str(s.get("run", ""))]
    check(bool(cleanup), f"job {name}: has a cleanup step (portpool cleanup --journal)")
    check(bool(cleanup) and all(always(s) for s in cleanup),
          f"job {name}: the cleanup step runs always (if: always())")
    uploads = [s for s in steps if uses(s, "actions/upload-artifact")]
    check(bool(uploads) and all(always(s) for s in uploads),
          f"job {name}: uploads its report and traces as artifacts, always")


def check_matrix_job(jobs, windows_name, check):
    finals = [(n, j) for n, j in jobs.items() if isinstance(j, dict)
              and windows_name in ([j.get("needs")] if isinstance(j.get("needs"), str)
                                   else (j.get("needs") or []))
              and re.search(r"\bmatrix\b", runs(j))]
    check(bool(finals), f"a final job (needs: {windows_name}) runs portpool matrix")
    for name, job in finals:
        steps = steps_of(job)
        check(runs_even_when_red(job),
              f"job {name}: runs after a red Windows leg too (if: !cancelled() or always())")
        check(any(uses(s, "actions/download-artifact") for s in steps),
              f"job {name}: downloads the legs' artifacts")
        check(any("matrix" in str(s.get("run", "")) and "GITHUB_STEP_SUMMARY" in str(s.get("run", ""))
                  for s in steps),
              f"job {name}: publishes the behaviour table as its job summary")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

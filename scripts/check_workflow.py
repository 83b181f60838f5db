#!/usr/bin/env python3
"""Checks the GitHub Actions workflow against what issue 6 asks of it
(ctest test `workflow`, label `workflow`):

  - the file parses as YAML and has jobs;
  - a Linux job runs the README's test command (the `scripts/test.sh` line
    of its "Two commands" block) and uploads the tests' JUnit XML;
  - a Windows job runs on the matrix windows-2019, windows-2022,
    windows-2025 (runs-on taken from the matrix), configures with the vcpkg
    toolchain (so the manifest vcpkg.json, which lists gtest, rapidcheck,
    abseil, cli11 and nlohmann-json, is used), runs ctest without leaving
    out windows-real, records the probe traces with `portpool record`, and
    uploads artifacts;
  - its cleanup step (`portpool cleanup --journal`) runs with `if: always()`,
    and so does the upload.

  check_workflow.py WORKFLOW.yml README.md VCPKG.json

Prints one line per check; exits 1 naming every check that failed, 2 when a
file is missing or does not parse.
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

WINDOWS_IMAGES = ["windows-2019", "windows-2022", "windows-2025"]


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


def always(step):
    return "always()" in str(step.get("if", "")).replace(" ", "")


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
        name, job, matrix = windows
        key = next(k for k, v in matrix.items()
                   if isinstance(v, list) and any(str(x).startswith("windows-") for x in v))
        check(sorted(map(str, matrix[key])) == WINDOWS_IMAGES,
              f"job {name}: matrix.{key} is exactly {', '.join(WINDOWS_IMAGES)}")
        check(str(job.get("runs-on", "")).replace(" ", "") == "${{matrix.%s}}" % key,
              f"job {name}: runs-on is the matrix's image")
        text = runs(job)
        check("vcpkg.cmake" in text and ("-A x64" in text or "Visual Studio" in text),
              f"job {name}: configures for MSVC (Visual Studio generator, -A x64) with the "
              "vcpkg toolchain, which installs the manifest's dependencies")
        ctest = [line for line in text.splitlines() if re.search(r"\bctest\b", line)]
        check(bool(ctest) and not any("windows-real" in line and "-LE" in line for line in ctest),
              f"job {name}: runs ctest without leaving out windows-real")
        check(re.search(r"portpool[^\n]*\brecord\b", text) is not None
              and "traces/probes" in text.replace("\\", "/"),
              f"job {name}: records the probe traces (portpool record, traces/probes)")
        cleanup = [s for s in steps_of(job) if "cleanup --journal" in str(s.get("run", ""))]
        check(bool(cleanup), f"job {name}: has a cleanup step (portpool cleanup --journal)")
        check(bool(cleanup) and all(always(s) for s in cleanup),
              f"job {name}: the cleanup step runs always (if: always())")
        uploads = [s for s in steps_of(job)
                   if str(s.get("uses", "")).startswith("actions/upload-artifact")]
        check(bool(uploads) and all(always(s) for s in uploads),
              f"job {name}: uploads its report and traces as artifacts, always")

    dependencies = sorted(d if isinstance(d, str) else d.get("name", "")
                          for d in (vcpkg.get("dependencies") or []))
    check(dependencies == ["abseil", "cli11", "gtest", "nlohmann-json", "rapidcheck"],
          f"{argv[3]} lists abseil, cli11, gtest, nlohmann-json and rapidcheck")

    if failures:
        print(f"check_workflow.py: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""The test results of `ctest --output-junit FILE` as Markdown, for a CI job
summary ($GITHUB_STEP_SUMMARY): the counts, then every failed and every
skipped test with the lines that say why (a gtest skip's reason, a failure's
first lines).

  junit_summary.py JUNIT.xml [--title TITLE] [-o OUT.md]

Writes to OUT.md (or standard output). Exits 2 when the file is missing or
is not ctest's JUnit XML; the counts never change the exit code (ctest's own
step decides pass or fail).
"""
import argparse
import sys
import xml.etree.ElementTree as ElementTree

MAX_ROWS = 60
MAX_TEXT = 300


def cell(text):
    text = " ".join(text.split())
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT - 3] + "..."
    return text.replace("|", "\\|")


def output_of(case):
    element = case.find("system-out")
    if element is None:
        return ""
    return element.text or ""


def skip_reason(case):
    """The gtest reason ("FILE:LINE: Skipped" then the message), else ctest's."""
    lines = output_of(case).splitlines()
    for i, line in enumerate(lines):
        if line.rstrip().endswith("Skipped") and i + 1 < len(lines):
            return lines[i + 1]
    skipped = case.find("skipped")
    return skipped.get("message", "") if skipped is not None else ""


def failure_reason(case):
    failure = case.find("failure")
    if failure is not None and failure.get("message"):
        return failure.get("message")
    lines = [line for line in output_of(case).splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if "Failure" in line or "FAILED" in line or "error" in line.lower():
            return " / ".join(lines[i:i + 3])
    return " / ".join(lines[-3:])


def table(title, rows, what):
    if not rows:
        return []
    out = [f"**{title}**", "", f"| test | {what} |", "| --- | --- |"]
    for name, text in rows[:MAX_ROWS]:
        out.append(f"| `{cell(name)}` | {cell(text)} |")
    if len(rows) > MAX_ROWS:
        out.append(f"| ... | and {len(rows) - MAX_ROWS} more |")
    out.append("")
    return out


def summarise(root, title):
    cases = list(root.iter("testcase"))
    failed, skipped, passed = [], [], 0
    for case in cases:
        status = case.get("status", "run")
        name = case.get("name", "?")
        if status == "fail" or case.find("failure") is not None:
            failed.append((name, failure_reason(case)))
        elif status in ("notrun", "disabled") or case.find("skipped") is not None:
            skipped.append((name, skip_reason(case)))
        else:
            passed += 1
    seconds = sum(float(case.get("time", "0") or 0) for case in cases)
    lines = [f"### {title}: {len(cases)} tests, {passed} passed, {len(failed)} failed, "
             f"{len(skipped)} skipped ({seconds:.0f} s of test time)", ""]
    lines += table("Failed", failed, "why")
    lines += table("Skipped (not run: neither passed nor failed)", skipped, "why")
    return "\n".join(lines) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit")
    parser.add_argument("--title", default="ctest")
    parser.add_argument("-o", "--output")
    args = parser.parse_args(argv[1:])
    try:
        root = ElementTree.parse(args.junit).getroot()
    except OSError as e:
        print(f"junit_summary.py: {args.junit}: cannot read: {e.strerror}", file=sys.stderr)
        return 2
    except ElementTree.ParseError as e:
        print(f"junit_summary.py: {args.junit}: not XML: {e}", file=sys.stderr)
        return 2
    if root.tag != "testsuite":
        print(f"junit_summary.py: {args.junit}: not ctest's JUnit XML (root <{root.tag}>)",
              file=sys.stderr)
        return 2
    text = summarise(root, args.title)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

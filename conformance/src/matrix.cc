#include "portpool/conformance/matrix.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "portpool/conformance/report.h"
#include "portpool/conformance/trace_ports.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"

namespace portpool::conformance {
namespace {

// An error code no call is ever allowed to answer (no rule names it).
constexpr Error kNeverAllowed = static_cast<Error>(0xfffffff0u);

// What the model allows at step `index` of `trace`: the replay is asked to
// judge an answer it can never allow there, and its divergence lists the
// allowed ones. Empty if the replay stops earlier.
std::string AllowedAt(const traces::Trace& trace, size_t index) {
  traces::Trace prefix = trace;
  prefix.steps.resize(index + 1);
  prefix.steps[index].outcome = Outcome{};
  prefix.steps[index].outcome.error = kNeverAllowed;
  prefix.steps[index].outcome_token_name.reset();
  const traces::ReplayResult replay = traces::Replay(prefix);
  if (!replay.divergence || replay.divergence->step != index) return "";
  return replay.divergence->allowed;
}

// "ERROR_NOT_FOUND" from "p1 lookup tcp 20000 4 -> ERROR_NOT_FOUND".
std::string AnswerOf(const traces::Step& step) {
  const std::string line = traces::PrintStep(step);
  const size_t arrow = line.find(" -> ");
  return arrow == std::string::npos ? line : line.substr(arrow + 4);
}

// The value after "KEY=" in a provenance line ("22631" for "build"), if any.
std::optional<std::string> Field(absl::string_view line, absl::string_view key) {
  for (absl::string_view word : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&word, key) && absl::ConsumePrefix(&word, "=")) {
      return std::string(word);
    }
  }
  return std::nullopt;
}

// "ports 20000-20255 of the input moved to 30000-30255" (portpool record):
// the window the recording's ports lie in.
std::optional<PortRange> MovedTo(const traces::Trace& trace) {
  for (absl::string_view line : trace.provenance) {
    if (!absl::ConsumePrefix(&line, "ports ")) continue;
    const size_t to = line.find(" moved to ");
    if (to == absl::string_view::npos) continue;
    const std::vector<absl::string_view> ends = absl::StrSplit(line.substr(to + 10), '-');
    uint32_t first = 0;
    uint32_t last = 0;
    if (ends.size() == 2 && absl::SimpleAtoi(ends[0], &first) && absl::SimpleAtoi(ends[1], &last) &&
        first <= last && last <= kMaxPort) {
      return PortRange{static_cast<uint16_t>(first), static_cast<uint16_t>(last - first + 1)};
    }
  }
  return std::nullopt;
}

// The probe's name: the file it was recorded from, without ".trace".
std::string ProbeName(const traces::Trace& trace, const std::string& fallback) {
  for (absl::string_view line : trace.provenance) {
    if (absl::ConsumePrefix(&line, "recorded from ")) {
      return std::filesystem::path(std::string(line)).stem().string();
    }
  }
  return fallback;
}

// "U1" and the question from "input: probe U1 (docs/...): QUESTION", or the
// name's own "U1-" (or "C1-", "M1-") prefix.
std::pair<std::string, std::string> UnknownOf(const traces::Trace& trace, const std::string& name) {
  for (absl::string_view line : trace.provenance) {
    if (!absl::ConsumePrefix(&line, "input: probe ")) continue;
    const std::string unknown(line.substr(0, line.find_first_of(" :(")));
    const size_t colon = line.find("): ");
    return {unknown, colon == absl::string_view::npos ? "" : std::string(line.substr(colon + 3))};
  }
  const size_t dash = name.find('-');
  if (name.size() > 1 && absl::string_view("UCM").find(name[0]) != absl::string_view::npos &&
      dash != std::string::npos)
    return {name.substr(0, dash), ""};
  return {"", ""};
}

// As docs/semantics.md lists the unknowns: the research notes' U1..Un,
// then C1..Cn, then the model's M1..Mn, each by number (U2 before U10);
// probes without an unknown last.
std::tuple<size_t, int, std::string> SortKey(const MatrixProbe& probe) {
  constexpr absl::string_view kKinds = "UCM";
  size_t kind = kKinds.size();
  int n = 1 << 30;
  if (!probe.unknown.empty()) {
    kind = std::min(kKinds.find(probe.unknown[0]), kKinds.size());
    (void)absl::SimpleAtoi(probe.unknown.substr(1), &n);
  }
  return {kind, n, probe.name};
}

std::string Cell(absl::string_view text) { return absl::StrReplaceAll(text, {{"|", "\\|"}}); }

std::string RunTitle(const MatrixRun& run) {
  std::string title = run.build;
  if (!run.elevation.empty()) absl::StrAppend(&title, " ", run.elevation);
  return absl::StrCat(title, " (", run.dir, ")");
}

std::string CellText(const MatrixCell& cell) {
  if (!cell.ran) return "not recorded";
  if (!cell.judged) return absl::StrCat(cell.answer, " (not judged: after a divergence)");
  if (!cell.allowed) return absl::StrCat(cell.answer, " NOT ALLOWED");
  return absl::StrCat(cell.answer, " [", cell.rule, "]");
}

std::string Finding(const MatrixRow& row) {
  if (std::any_of(row.cells.begin(), row.cells.end(),
                  [](const MatrixCell& c) { return c.judged && !c.allowed; })) {
    return "an answer the model does not allow";
  }
  if (!row.open) return "";
  if (row.agreed) return absl::StrCat("every build: ", *row.agreed);
  if (std::any_of(row.cells.begin(), row.cells.end(), [](const MatrixCell& c) { return !c.ran; })) {
    return "not every build recorded it";
  }
  return "builds differ";
}

struct ProbeCounts {
  int open = 0;
  int agreed = 0;
  int not_allowed = 0;
};

ProbeCounts CountRows(const MatrixProbe& probe) {
  ProbeCounts n;
  for (const MatrixRow& row : probe.rows) {
    if (row.open) ++n.open;
    if (row.open && row.agreed) ++n.agreed;
    for (const MatrixCell& cell : row.cells) {
      if (cell.judged && !cell.allowed) ++n.not_allowed;
    }
  }
  return n;
}

std::string Summary(const Matrix& m) {
  return absl::StrCat(m.runs.size(), m.runs.size() == 1 ? " run, " : " runs, ", m.probes.size(),
                      m.probes.size() == 1 ? " probe. " : " probes. ",
                      "Steps the model leaves open: ", m.agreed, " answered alike by every build, ",
                      m.differing, " answered differently or not by every build. ", m.not_allowed,
                      m.not_allowed == 1 ? " answer" : " answers", " the model does not allow.");
}

}  // namespace

Matrix BuildMatrix(std::vector<MatrixRun> runs,
                   const std::vector<std::vector<traces::Trace>>& traces) {
  Matrix matrix;
  matrix.runs = std::move(runs);
  const size_t n = matrix.runs.size();
  // Probe name -> the run's recording, ports moved back where needed.
  std::map<std::string, std::vector<std::optional<traces::Trace>>> by_name;
  std::map<std::string, MatrixProbe> probes;
  for (size_t r = 0; r < n && r < traces.size(); ++r) {
    for (size_t t = 0; t < traces[r].size(); ++t) {
      traces::Trace trace = traces[r][t];
      const std::string name = ProbeName(trace, absl::StrCat("trace-", t + 1));
      if (const std::optional<PortRange> window = MovedTo(trace)) {
        if (auto back = RelocatePorts(trace, *window, kTraceWindow.start, MoveAnswers::kYes);
            back.ok()) {
          trace = *std::move(back);
        }
      }
      auto& slot = by_name[name];
      slot.resize(n);
      MatrixProbe& probe = probes[name];
      probe.name = name;
      if (probe.unknown.empty()) std::tie(probe.unknown, probe.question) = UnknownOf(trace, name);
      if (probe.comments.empty()) {
        for (const std::string& comment : trace.comments) {
          // The lines portpool record adds are about the run, not the probe.
          if (!absl::StartsWith(comment, "recording stopped") &&
              !absl::StartsWith(comment, "warning")) {
            probe.comments.push_back(comment);
          }
        }
      }
      slot[r] = std::move(trace);
    }
  }
  for (auto& [name, recordings] : by_name) {
    MatrixProbe& probe = probes[name];
    probe.notes.assign(n, "");
    size_t steps = 0;
    std::vector<traces::ReplayResult> replays(n);
    for (size_t r = 0; r < n; ++r) {
      if (!recordings[r]) {
        probe.notes[r] = "not recorded";
        continue;
      }
      steps = std::max(steps, recordings[r]->steps.size());
      replays[r] = traces::Replay(*recordings[r]);
      for (const std::string& comment : recordings[r]->trailing_comments) {
        if (absl::StartsWith(comment, "recording stopped")) probe.notes[r] = comment;
      }
      if (replays[r].error) {
        probe.notes[r] = absl::StrCat("bad input at step ", replays[r].error->step + 1, ": ",
                                      replays[r].error->message);
      }
    }
    for (size_t i = 0; i < steps; ++i) {
      MatrixRow row;
      row.step = i;
      row.cells.resize(n);
      for (size_t r = 0; r < n; ++r) {
        if (!recordings[r] || i >= recordings[r]->steps.size()) continue;
        const traces::Step& step = recordings[r]->steps[i];
        MatrixCell& cell = row.cells[r];
        cell.ran = true;
        cell.answer = AnswerOf(step);
        const auto& verdicts = replays[r].verdicts;
        cell.judged = i < verdicts.size();
        cell.allowed = cell.judged && verdicts[i].conforms;
        if (cell.allowed) cell.rule = std::string(verdicts[i].rule);
        if (row.call.empty()) {
          row.call = traces::PrintCall(step);
          row.allowed = AllowedAt(*recordings[r], i);
        } else if (traces::PrintCall(step) != row.call) {
          absl::StrAppend(&cell.answer, " (to a different call: ", traces::PrintCall(step), ")");
        }
      }
      row.open = absl::StrContains(row.allowed, " | ");
      const bool all_ran_allowed =
          std::all_of(row.cells.begin(), row.cells.end(),
                      [](const MatrixCell& c) { return c.ran && c.allowed; });
      if (all_ran_allowed &&
          std::all_of(row.cells.begin(), row.cells.end(),
                      [&](const MatrixCell& c) { return c.key() == row.cells.front().key(); })) {
        row.agreed = row.cells.front().key();
      }
      for (const MatrixCell& cell : row.cells) {
        if (cell.judged && !cell.allowed) ++matrix.not_allowed;
      }
      if (row.open) ++(row.agreed ? matrix.agreed : matrix.differing);
      probe.rows.push_back(std::move(row));
    }
    matrix.probes.push_back(std::move(probe));
  }
  std::sort(matrix.probes.begin(), matrix.probes.end(),
            [](const MatrixProbe& a, const MatrixProbe& b) { return SortKey(a) < SortKey(b); });
  return matrix;
}

absl::StatusOr<Matrix> ReadMatrix(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return absl::InvalidArgumentError("no folders of recorded traces given");
  std::vector<MatrixRun> runs;
  std::vector<std::vector<traces::Trace>> recordings;
  for (const std::string& dir : dirs) {
    std::error_code error;
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      if (entry.path().extension() == ".trace") paths.push_back(entry.path().string());
    }
    if (error) return absl::NotFoundError(absl::StrCat(dir, ": cannot list: ", error.message()));
    if (paths.empty()) return absl::NotFoundError(absl::StrCat(dir, ": no *.trace files"));
    std::sort(paths.begin(), paths.end());
    MatrixRun run;
    run.dir = dir;
    std::string first_path;
    std::vector<traces::Trace> traces;
    for (const std::string& path : paths) {
      absl::StatusOr<traces::Trace> trace = traces::ParseFile(path);
      if (!trace.ok()) return trace.status();
      std::string build;
      std::string elevation;
      for (const std::string& line : trace->provenance) {
        if (auto number = Field(line, "build"); number && absl::StartsWith(line, "windows ")) {
          build = absl::StrCat("build ", *number);
          if (auto elevated = Field(line, "elevated"))
            elevation = absl::StrCat("elevated=", *elevated);
          break;
        }
      }
      if (build.empty()) build = trace->provenance.empty() ? "unknown" : trace->provenance.front();
      if (first_path.empty()) {
        run.build = build;
        run.elevation = elevation;
        first_path = path;
      } else if (build != run.build) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": recorded on ", build, ", but ", first_path, " on ", run.build,
                         ": give each run's traces a folder of their own"));
      }
      traces.push_back(*std::move(trace));
    }
    runs.push_back(std::move(run));
    recordings.push_back(std::move(traces));
  }
  return BuildMatrix(std::move(runs), recordings);
}

std::string MatrixMarkdown(const Matrix& m) {
  std::string md = "# portpool behaviour table: the probes across Windows builds\n\n";
  absl::StrAppend(&md, Summary(m), "\n\n| run | build |\n| --- | --- |\n");
  for (const MatrixRun& run : m.runs) {
    absl::StrAppend(&md, "| ", Cell(run.dir), " | ", Cell(run.build),
                    run.elevation.empty() ? "" : absl::StrCat(" ", run.elevation), " |\n");
  }
  absl::StrAppend(&md,
                  "\n| unknown | probe | open steps | every build alike | builds differ or not "
                  "all recorded | not allowed |\n| --- | --- | ---: | ---: | ---: | ---: |\n");
  for (const MatrixProbe& probe : m.probes) {
    const ProbeCounts n = CountRows(probe);
    absl::StrAppend(&md, "| ", probe.unknown.empty() ? "-" : probe.unknown, " | ", Cell(probe.name),
                    " | ", n.open, " | ", n.agreed, " | ", n.open - n.agreed, " | ", n.not_allowed,
                    " |\n");
  }
  std::string unknown = "\n";
  for (const MatrixProbe& probe : m.probes) {
    if (probe.unknown != unknown) {
      unknown = probe.unknown;
      absl::StrAppend(&md, "\n## ", unknown.empty() ? "Other traces" : unknown, "\n");
    }
    absl::StrAppend(&md, "\n### ", probe.name, "\n\n");
    if (!probe.question.empty()) absl::StrAppend(&md, "**", probe.question, "**\n\n");
    if (!probe.comments.empty()) absl::StrAppend(&md, absl::StrJoin(probe.comments, " "), "\n\n");
    for (size_t r = 0; r < m.runs.size(); ++r) {
      if (!probe.notes[r].empty()) {
        absl::StrAppend(&md, "- ", Cell(m.runs[r].build), ": ", probe.notes[r], "\n");
      }
    }
    absl::StrAppend(&md, "\n| # | call | the model allows |");
    for (const MatrixRun& run : m.runs) absl::StrAppend(&md, " ", Cell(RunTitle(run)), " |");
    absl::StrAppend(&md, " finding |\n| ---: | --- | --- |");
    for (size_t r = 0; r < m.runs.size(); ++r) absl::StrAppend(&md, " --- |");
    absl::StrAppend(&md, " --- |\n");
    for (const MatrixRow& row : probe.rows) {
      absl::StrAppend(&md, "| ", row.step + 1, " | `", Cell(row.call), "` | ",
                      row.open ? "**open:** " : "", Cell(row.allowed), " |");
      for (const MatrixCell& cell : row.cells)
        absl::StrAppend(&md, " ", Cell(CellText(cell)), " |");
      absl::StrAppend(&md, " ", Cell(Finding(row)), " |\n");
    }
  }
  return md;
}

std::string MatrixHtml(const Matrix& m) {
  const std::string verdict =
      m.not_allowed > 0 ? "DIVERGES" : (m.differing > 0 ? "ERRORS" : "CONFORMS");
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>portpool behaviour table</title>\n<style>",
      ReportStyleSheet(),
      "td.open { font-weight: 600; }\ntd.agree { color: var(--ok); font-weight: 600; }\n"
      "td.differ { color: var(--warn); font-weight: 600; }\ntd.bad { color: var(--bad); "
      "font-weight: 700; }\n</style>\n</head>\n<body>\n<main>\n");
  absl::StrAppend(&html,
                  "<div class=\"title\"><h1>portpool behaviour table: the probes across Windows "
                  "builds</h1></div>\n<div class=\"verdict ",
                  verdict, "\"><div class=\"word\">", m.agreed, " / ", m.agreed + m.differing,
                  "</div><div class=\"what\">", HtmlEscape(Summary(m)), "</div></div>\n");
  absl::StrAppend(&html, "<section><h2>Runs</h2><table class=\"run\">\n");
  for (const MatrixRun& run : m.runs) {
    absl::StrAppend(&html, "<tr><td>", HtmlEscape(run.build), "</td><td>",
                    HtmlEscape(run.elevation), " <code>", HtmlEscape(run.dir),
                    "</code></td></tr>\n");
  }
  absl::StrAppend(&html, "</table></section>\n");
  std::string unknown = "\n";
  for (const MatrixProbe& probe : m.probes) {
    if (probe.unknown != unknown) {
      if (unknown != "\n") absl::StrAppend(&html, "</section>\n");
      unknown = probe.unknown;
      absl::StrAppend(&html, "<section><h2>",
                      unknown.empty() ? "Other traces" : HtmlEscape(unknown), "</h2>\n");
    }
    absl::StrAppend(&html, "<h3>", HtmlEscape(probe.name), "</h3>\n");
    if (!probe.question.empty()) {
      absl::StrAppend(&html, "<p><b>", HtmlEscape(probe.question), "</b></p>\n");
    }
    if (!probe.comments.empty()) {
      absl::StrAppend(&html, "<p class=\"muted\">", HtmlEscape(absl::StrJoin(probe.comments, " ")),
                      "</p>\n");
    }
    for (size_t r = 0; r < m.runs.size(); ++r) {
      if (!probe.notes[r].empty()) {
        absl::StrAppend(&html, "<p class=\"muted\">", HtmlEscape(m.runs[r].build), ": ",
                        HtmlEscape(probe.notes[r]), "</p>\n");
      }
    }
    absl::StrAppend(&html,
                    "<table><tr><th class=\"num\">#</th><th>call</th><th>the model allows</th>");
    for (const MatrixRun& run : m.runs)
      absl::StrAppend(&html, "<th>", HtmlEscape(RunTitle(run)), "</th>");
    absl::StrAppend(&html, "<th>finding</th></tr>\n");
    for (const MatrixRow& row : probe.rows) {
      const std::string finding = Finding(row);
      const char* finding_class = row.agreed && row.open                         ? "agree"
                                  : absl::StrContains(finding, "does not allow") ? "bad"
                                  : row.open                                     ? "differ"
                                                                                 : "";
      absl::StrAppend(&html, "<tr><td class=\"num\">", row.step + 1, "</td><td><code>",
                      HtmlEscape(row.call), "</code></td><td", row.open ? " class=\"open\"" : "",
                      ">", HtmlEscape(row.allowed), "</td>");
      for (const MatrixCell& cell : row.cells) {
        absl::StrAppend(&html, "<td", cell.judged && !cell.allowed ? " class=\"bad\"" : "", ">",
                        HtmlEscape(CellText(cell)), "</td>");
      }
      absl::StrAppend(&html, "<td class=\"", finding_class, "\">", HtmlEscape(finding),
                      "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  if (unknown != "\n") absl::StrAppend(&html, "</section>\n");
  absl::StrAppend(&html, "</main>\n</body>\n</html>\n");
  return html;
}

absl::StatusOr<MatrixFiles> WriteMatrix(const Matrix& matrix, const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("cannot create ", directory, ": ", error.message()));
  }
  MatrixFiles files;
  files.markdown = (std::filesystem::path(directory) / "matrix.md").string();
  files.html = (std::filesystem::path(directory) / "matrix.html").string();
  for (const auto& [path, text] : {std::pair{files.markdown, MatrixMarkdown(matrix)},
                                   std::pair{files.html, MatrixHtml(matrix)}}) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return files;
}

}  // namespace portpool::conformance

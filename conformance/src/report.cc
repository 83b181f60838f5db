#include "portpool/conformance/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "portpool/netsh_listing.h"
#include "portpool/traces/print.h"

namespace portpool::conformance {
namespace {

// --- Text helpers ------------------------------------------------------------

// 17412 -> "17,412".
std::string Thousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Plural(int64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(Thousands(n), " ", n == 1 ? one : many);
}

std::string Html(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Markdown table cells must not hold '|'.
std::string Cell(absl::string_view text) { return absl::StrReplaceAll(text, {{"|", "\\|"}}); }

std::string Seconds(double s) { return absl::StrFormat("%.2f s", s); }

std::string PortSpan(uint32_t first, uint32_t last) {
  return first == last ? absl::StrCat(first) : absl::StrCat(first, "\u2013", last);
}

// --- What the report says ------------------------------------------------------

std::string BackendLine(const CampaignResult& r) {
  return absl::StrCat(r.backend_name, " (first sequence: ", r.backend_description, ")");
}

std::string SequencesLine(const CampaignResult& r) {
  if (r.sequences == 0) return "none ran";
  return absl::StrCat(Plural(static_cast<int64_t>(r.sequences), "sequence", "sequences"),
                      ", seeds ", r.first_seed, " to ", r.first_seed + r.sequences - 1, ", ",
                      r.length, " generated steps each");
}

std::string StopLine(const CampaignResult& r) {
  switch (r.stop) {
    case CampaignResult::Stop::kCompleted:
      return r.seeds ? absl::StrCat("after ", Thousands(static_cast<int64_t>(*r.seeds)),
                                    " sequences, as asked")
                     : "completed";
    case CampaignResult::Stop::kTimeBudget:
      return absl::StrFormat("by the time budget of %g s", r.time_budget_seconds.value_or(0));
    case CampaignResult::Stop::kInterrupted:
      return absl::StrCat("INTERRUPTED after ",
                          Plural(static_cast<int64_t>(r.sequences), "sequence", "sequences"),
                          ": this report is partial");
  }
  return "";
}

std::string Summary(const CampaignResult& r) {
  if (r.unavailable) {
    return absl::StrCat("Nothing was checked: the ", r.backend_name,
                        " backend is not available here (", *r.unavailable, ").");
  }
  const std::string what =
      absl::StrCat(Plural(static_cast<int64_t>(r.sequences), "sequence", "sequences"), ", ",
                   Plural(r.documented_cases, "documented case", "documented cases"), " and ",
                   Plural(r.corpus_traces, "corpus trace", "corpus traces"));
  const std::string calls = Plural(r.calls_checked(), "call", "calls");
  if (r.divergence_count > 0) {
    return absl::StrCat(
        Plural(r.divergence_count, "run", "runs"), " diverged from the model (",
        Plural(static_cast<int64_t>(r.divergences.size()), "distinct cause", "distinct causes"),
        ", each shrunk to a minimal trace below). Checked: ", what, ", ", calls, ".");
  }
  if (!r.errors.empty()) {
    return absl::StrCat("No answer diverged, but the harness failed ",
                        Plural(static_cast<int64_t>(r.errors.size()), "time", "times"),
                        " (see Errors). Checked: ", what, ", ", calls, ".");
  }
  if (r.stop == CampaignResult::Stop::kInterrupted) {
    return absl::StrCat("Stopped early; every answer so far was one the model allows. Checked: ",
                        what, ", ", calls, ".");
  }
  return absl::StrCat("Every answer of the ", r.backend_name,
                      " was one the model allows. Checked: ", what, ", ", calls, ".");
}

int RulesChecked(const CampaignResult& r) {
  return static_cast<int>(RuleCatalogue().size() - r.coverage.Unchecked().size());
}

std::string DivergenceTitle(const CampaignDivergence& d) {
  return d.divergence.rules.empty() ? std::string("(no rule)") : d.divergence.rules.front().id;
}

std::string FoundLine(const CampaignDivergence& d) {
  std::string text = absl::StrCat("Found by ", d.found_by);
  if (d.origin == CampaignDivergence::Origin::kSequence) {
    absl::StrAppend(&text, " (", d.backend, ")");
  }
  absl::StrAppend(&text, ", at call ", d.original.steps.size(), "; ");
  if (d.shrunk) {
    absl::StrAppend(&text, "shrunk to ",
                    Plural(static_cast<int64_t>(d.minimal.steps.size()), "step", "steps"), ".");
  } else {
    absl::StrAppend(&text, "not shrunk (", d.shrink_note, ").");
  }
  return text;
}

std::string AlsoLine(const CampaignDivergence& d) {
  if (d.also_found_by.empty()) return "";
  constexpr size_t kShown = 8;
  std::vector<std::string> shown(
      d.also_found_by.begin(),
      d.also_found_by.begin() + static_cast<long>(std::min(kShown, d.also_found_by.size())));
  std::string text = absl::StrCat("The same divergence (same call, same rules) was also found by ",
                                  absl::StrJoin(shown, "; "));
  if (d.also_found_by.size() > kShown) {
    absl::StrAppend(&text, " and ", d.also_found_by.size() - kShown, " more");
  }
  return text + ".";
}

std::string RuleLine(const traces::RuleCitation& rule) {
  if (rule.evidence.empty()) return absl::StrCat(rule.id, " (not in the rule catalogue)");
  return absl::StrCat(rule.id, " (", rule.evidence, "; source: ", rule.source, ")");
}

// The sockets bound in `machine`'s pool of `protocol`, one line each.
std::vector<std::string> BoundPortLines(const Machine& machine, Protocol protocol) {
  std::vector<std::string> lines;
  for (const auto& [port, binding] : machine.pool(protocol).bindings()) {
    for (Family family : {Family::kIpv4, Family::kIpv6}) {
      const std::optional<SocketId>& socket = binding.of(family);
      if (!socket) continue;
      const SocketState* state = machine.socket(*socket);
      lines.push_back(absl::StrFormat(
          "%10d  %-6s  s%d%s", port, std::string(FamilyName(family)), socket->value,
          state != nullptr ? absl::StrCat(" (p", state->owner.value, ")") : std::string()));
    }
  }
  return lines;
}

std::string StateText(const Machine& machine) {
  std::string text;
  for (Protocol protocol : kAllProtocols) {
    absl::StrAppend(&text, FormatExcludedPortRanges(machine, protocol),
                    FormatDynamicPortRange(machine, protocol));
    absl::StrAppend(&text, "\nProtocol ", ProtocolName(protocol), " Bound Ports\n\n",
                    "      Port  Family  Socket (process)\n");
    const std::vector<std::string> bound = BoundPortLines(machine, protocol);
    if (bound.empty()) absl::StrAppend(&text, "  (none)\n");
    for (const std::string& line : bound) absl::StrAppend(&text, line, "\n");
  }
  return text;
}

std::string SampleLine(const CampaignResult& r) {
  return absl::StrCat("The model's state at the end of the first sequence (seed ", r.sample_seed,
                      ", ",
                      Plural(static_cast<int64_t>(r.sample_trace->steps.size()), "call", "calls"),
                      ", written to sample.trace)",
                      r.sample_diverged ? ", just before its divergent call" : "", ".");
}

// --- Markdown ------------------------------------------------------------------

std::string MarkdownTrace(const traces::Trace& trace) {
  return absl::StrCat("```\n", traces::Print(trace), "```\n");
}

}  // namespace

std::string VerdictWord(const CampaignResult& r) {
  if (r.unavailable) return "UNSUPPORTED";
  if (r.divergence_count > 0) return "DIVERGES";
  if (!r.errors.empty()) return "ERRORS";
  if (r.stop == CampaignResult::Stop::kInterrupted) return "INTERRUPTED";
  return "CONFORMS";
}

std::string ReproduceCommand(const CampaignResult& r) {
  std::string command =
      absl::StrCat("portpool campaign --backend ", r.backend_name, " --seed ", r.first_seed,
                   " --seeds ", std::max<uint64_t>(r.sequences, 1), " --length ", r.length);
  if (r.corpus_dir.empty()) {
    absl::StrAppend(&command, " --no-corpus");
  } else {
    absl::StrAppend(&command, " --corpus ", r.corpus_dir);
  }
  return command;
}

std::string DivergenceFileName(size_t index) {
  return absl::StrCat("divergence-", index + 1, ".trace");
}

std::string ReportMarkdown(const CampaignResult& r) {
  std::string md = "# portpool conformance report\n\n";
  absl::StrAppend(&md, "## Verdict: ", VerdictWord(r), "\n\n", Summary(r), "\n\n");
  absl::StrAppend(&md, "| run | |\n| --- | --- |\n");
  absl::StrAppend(&md, "| backend | ", Cell(BackendLine(r)), " |\n");
  absl::StrAppend(&md, "| sequences | ", Cell(SequencesLine(r)), " |\n");
  absl::StrAppend(&md, "| stopped | ", Cell(StopLine(r)), " |\n");
  absl::StrAppend(&md, "| corpus | ", r.corpus_dir.empty() ? "none" : Cell(r.corpus_dir), " |\n");
  absl::StrAppend(&md, "| run again | `", Cell(ReproduceCommand(r)), "` |\n\n");

  absl::StrAppend(&md, "## Figures\n\n| figure | value |\n| --- | ---: |\n");
  absl::StrAppend(&md, "| sequences run | ", Thousands(static_cast<int64_t>(r.sequences)), " |\n");
  absl::StrAppend(&md, "| calls checked | ", Thousands(r.calls_checked()), " |\n");
  absl::StrAppend(&md, "| &nbsp;&nbsp;in sequences | ", Thousands(r.sequence_calls), " |\n");
  absl::StrAppend(&md, "| &nbsp;&nbsp;in documented cases run on the backend | ",
                  Thousands(r.documented_case_calls), " |\n");
  absl::StrAppend(&md, "| &nbsp;&nbsp;recorded corpus steps replayed | ", Thousands(r.corpus_steps),
                  " |\n");
  absl::StrAppend(&md, "| corpus traces replayed | ", Thousands(r.corpus_traces), " (",
                  Thousands(r.corpus_conforming), " conform) |\n");
  absl::StrAppend(&md, "| documented cases run on the backend | ", Thousands(r.documented_cases),
                  r.documented_cases_unsupported > 0
                      ? absl::StrCat(" (", r.documented_cases_unsupported,
                                     " stopped at a call the backend cannot make)")
                      : "",
                  " |\n");
  absl::StrAppend(&md, "| surface cases (W32-*) | ", r.surface_cases, " (",
                  r.surface_cases - r.surface_cases_failed, " hold) |\n");
  absl::StrAppend(&md, "| divergences | ", Thousands(r.divergence_count),
                  r.divergence_count > 0
                      ? absl::StrCat(" (", r.divergences.size(), " distinct, kept below)")
                      : "",
                  " |\n");
  absl::StrAppend(&md, "| harness errors | ", r.errors.size(), " |\n");
  absl::StrAppend(&md, "| rules checked | ", RulesChecked(r), " of ", RuleCatalogue().size(),
                  " |\n\n");
  absl::StrAppend(&md, kTimingLinePrefix, ", differs between runs): ", Seconds(r.timing.seconds),
                  ", ", Thousands(std::llround(r.timing.calls_per_second)), " calls/s.\n\n");

  absl::StrAppend(&md, "## Divergences\n\n");
  if (r.divergences.empty()) {
    absl::StrAppend(&md, r.divergence_count == 0 ? "None.\n\n"
                                                 : "None kept (the limit of kept divergences "
                                                   "was reached).\n\n");
  }
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    const CampaignDivergence& d = r.divergences[i];
    absl::StrAppend(&md, "### Divergence ", i + 1, ": ", DivergenceTitle(d), "\n\n", FoundLine(d),
                    " Minimal trace: `", DivergenceFileName(i), "`.");
    if (const std::string also = AlsoLine(d); !also.empty()) absl::StrAppend(&md, " ", also);
    absl::StrAppend(&md, "\n\n| | |\n| --- | --- |\n");
    absl::StrAppend(&md, "| call | `", Cell(d.divergence.call), "` (step ", d.divergence.step + 1,
                    ") |\n");
    absl::StrAppend(&md, "| recorded | `", Cell(d.divergence.recorded), "` |\n");
    absl::StrAppend(&md, "| allowed | `", Cell(d.divergence.allowed), "` |\n\n");
    absl::StrAppend(&md, "Rules:\n\n");
    for (const traces::RuleCitation& rule : d.divergence.rules) {
      absl::StrAppend(&md, "- **", RuleLine(rule), "**", rule.summary.empty() ? "" : ": ",
                      rule.summary, "\n");
    }
    absl::StrAppend(&md, "\n", MarkdownTrace(d.minimal), "\n");
    absl::StrAppend(&md, "Check it: `portpool replay ", DivergenceFileName(i),
                    "`; the state before it: `portpool show ", DivergenceFileName(i), "`.\n\n");
  }

  if (!r.errors.empty()) {
    absl::StrAppend(&md,
                    "## Errors\n\nThe harness could not run these; they are not "
                    "divergences, but the campaign is incomplete.\n\n");
    for (const std::string& error : r.errors) absl::StrAppend(&md, "- ", error, "\n");
    absl::StrAppend(&md, "\n");
  }

  absl::StrAppend(&md, "## Rule coverage\n\n", RulesChecked(r), " of ", RuleCatalogue().size(),
                  " catalogue rules were checked (part of some call's expectation); \"decided\" "
                  "counts the answers a rule allowed. Rules never checked are marked "
                  "**never checked**.\n\n");
  absl::StrAppend(&md,
                  "| rule | evidence | checked | decided | |\n| --- | --- | ---: | ---: | --- |\n");
  for (const Rule& rule : RuleCatalogue()) {
    const RuleCoverage::Count count = r.coverage.Get(rule.id);
    absl::StrAppend(&md, "| ", rule.id, " | ", EvidenceName(rule.evidence), " | ",
                    Thousands(count.checked), " | ", Thousands(count.decided), " | ",
                    count.checked == 0 ? "**never checked**" : "", " |\n");
  }
  absl::StrAppend(&md, "\n## Sample: the first sequence\n\n");
  if (r.sample_state && r.sample_trace) {
    absl::StrAppend(&md, SampleLine(r),
                    " report.html draws it as a map of the port space.\n\n```\n",
                    StateText(*r.sample_state), "```\n\n");
  } else {
    absl::StrAppend(&md, "No sequence ran.\n\n");
  }
  absl::StrAppend(&md, "## Files\n\n- `report.md`, `report.html`: this report\n");
  if (r.sample_trace) absl::StrAppend(&md, "- `sample.trace`: the first sequence\n");
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    absl::StrAppend(&md, "- `", DivergenceFileName(i), "`: divergence ", i + 1,
                    ", minimal; `divergence-", i + 1, "-full.trace`: as found\n");
  }
  return md;
}

// --- The port map ------------------------------------------------------------------

namespace {

constexpr double kMapLeft = 48;
constexpr double kMapWidth = 1104;
constexpr double kViewWidth = 1200;
constexpr double kMinBlockWidth = 3;

const char kPersistentColour[] = "#1d4ed8";
const char kRuntimeColour[] = "#ea580c";
const char kBoundColour[] = "#111827";
const char kDynamicColour[] = "#99f6e4";
const char kDynamicLineColour[] = "#0f766e";

// A thing drawn on the map, over ports [first, last].
struct Feature {
  uint32_t first = 0;
  uint32_t last = 0;
  enum class Kind { kPersistent, kRuntime, kBound } kind = Kind::kPersistent;
  std::string tooltip;
};

std::vector<Feature> Features(const Machine& machine, Protocol protocol) {
  std::vector<Feature> features;
  for (const auto& [start, block] : machine.pool(protocol).blocks()) {
    Feature f;
    f.first = start;
    f.last = uint32_t{start} + block.count - 1;
    const std::string ports =
        absl::StrCat(PortSpan(f.first, f.last), " (", Plural(block.count, "port", "ports"), ")");
    if (block.kind == BlockKind::kPersistent) {
      f.kind = Feature::Kind::kPersistent;
      f.tooltip = absl::StrCat("persistent block ", ports);
    } else {
      f.kind = Feature::Kind::kRuntime;
      f.tooltip = absl::StrCat("runtime block ", ports, ", acquired by p", block.owner.value,
                               " on s", block.socket.value, " (", FamilyName(block.family), ")");
    }
    features.push_back(std::move(f));
  }
  for (const auto& [port, binding] : machine.pool(protocol).bindings()) {
    std::vector<std::string> by;
    for (Family family : {Family::kIpv4, Family::kIpv6}) {
      if (const auto& socket = binding.of(family)) {
        const SocketState* state = machine.socket(*socket);
        by.push_back(absl::StrCat("s", socket->value,
                                  state ? absl::StrCat(" of p", state->owner.value) : "", " (",
                                  FamilyName(family), ")"));
      }
    }
    features.push_back(Feature{port, port, Feature::Kind::kBound,
                               absl::StrCat("port ", port, " bound by ", absl::StrJoin(by, ", "))});
  }
  std::sort(features.begin(), features.end(),
            [](const Feature& a, const Feature& b) { return a.first < b.first; });
  return features;
}

// A horizontal scale from ports [first, last] onto [x, x + width].
struct Scale {
  uint32_t first = 0, last = kMaxPort;
  double x = kMapLeft, width = kMapWidth;
  double At(double port) const { return x + (port - first) * width / (last - first + 1); }
  // The x range a span of ports covers, at least `min_width` wide.
  std::pair<double, double> Span(uint32_t a, uint32_t b, double min_width) const {
    double left = At(a), right = At(double{1} * b + 1);
    left = std::max(left, x);
    right = std::min(right, x + width);
    if (right - left < min_width) {
      const double mid = (left + right) / 2;
      left = std::clamp(mid - min_width / 2, x, x + width - min_width);
      right = left + min_width;
    }
    return {left, right};
  }
};

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

// Draws `features` and the dynamic range on a bar at [top, top + height].
std::string DrawBar(const Scale& scale, double top, double height,
                    const std::vector<Feature>& features, const PortRange& dynamic,
                    bool label_blocks) {
  std::string svg;
  absl::StrAppend(&svg, "<rect x=\"", Num(scale.x), "\" y=\"", Num(top), "\" width=\"",
                  Num(scale.width), "\" height=\"", Num(height),
                  "\" fill=\"#f1f5f9\" stroke=\"#94a3b8\" stroke-width=\"1\"/>\n");
  // The dynamic range, as a band behind the blocks.
  const uint32_t dyn_first = std::max<uint32_t>(dynamic.start, scale.first);
  const uint32_t dyn_last = std::min<uint32_t>(dynamic.last(), scale.last);
  if (dynamic.count > 0 && dyn_first <= dyn_last) {
    const auto [left, right] = scale.Span(dyn_first, dyn_last, 1);
    absl::StrAppend(&svg, "<rect x=\"", Num(left), "\" y=\"", Num(top + 1), "\" width=\"",
                    Num(right - left), "\" height=\"", Num(height - 2), "\" fill=\"",
                    kDynamicColour, "\"><title>dynamic range ",
                    PortSpan(dynamic.start, dynamic.last()), "</title></rect>\n");
  }
  for (const Feature& f : features) {
    if (f.kind == Feature::Kind::kBound) continue;
    if (f.last < scale.first || f.first > scale.last) continue;
    const auto [left, right] = scale.Span(std::max<uint32_t>(f.first, scale.first),
                                          std::min<uint32_t>(f.last, scale.last), kMinBlockWidth);
    const char* colour = f.kind == Feature::Kind::kPersistent ? kPersistentColour : kRuntimeColour;
    absl::StrAppend(&svg, "<rect x=\"", Num(left), "\" y=\"", Num(top + 4), "\" width=\"",
                    Num(right - left), "\" height=\"", Num(height - 8), "\" fill=\"", colour,
                    "\" stroke=\"#fff\" stroke-width=\"0.5\"><title>", Html(f.tooltip),
                    "</title></rect>\n");
    const std::string label = PortSpan(f.first, f.last);
    if (label_blocks && right - left > 7.0 * static_cast<double>(label.size()) + 6) {
      absl::StrAppend(
          &svg, "<text x=\"", Num((left + right) / 2), "\" y=\"", Num(top + height / 2 + 4),
          "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#fff\">", Html(label), "</text>\n");
    }
  }
  for (const Feature& f : features) {
    if (f.kind != Feature::Kind::kBound) continue;
    if (f.first < scale.first || f.first > scale.last) continue;
    const double x = (scale.At(f.first) + scale.At(double{1} * f.first + 1)) / 2;
    absl::StrAppend(&svg, "<g><title>", Html(f.tooltip), "</title><line x1=\"", Num(x), "\" y1=\"",
                    Num(top), "\" x2=\"", Num(x), "\" y2=\"", Num(top + height), "\" stroke=\"",
                    kBoundColour, "\" stroke-width=\"1.5\"/><path d=\"M", Num(x - 5), " ",
                    Num(top - 9), " L", Num(x + 5), " ", Num(top - 9), " L", Num(x), " ",
                    Num(top - 1), " Z\" fill=\"", kBoundColour, "\"/></g>\n");
  }
  return svg;
}

// Stretches of the port space where features crowd (closer than ~12 pixels
// on the full map), worth a close-up: at most `max` of them, the most
// crowded, in port order.
std::vector<std::pair<uint32_t, uint32_t>> Crowds(const std::vector<Feature>& features,
                                                  size_t max) {
  const uint32_t gap = static_cast<uint32_t>(12 * (kMaxPort + 1) / kMapWidth);
  struct Crowd {
    uint32_t first, last;
    int count;
    bool small;
  };
  std::vector<Crowd> crowds;
  for (const Feature& f : features) {
    const bool small = (f.last - f.first + 1) * kMapWidth / (kMaxPort + 1) < 8;
    if (!crowds.empty() && f.first <= crowds.back().last + gap) {
      crowds.back().last = std::max(crowds.back().last, f.last);
      ++crowds.back().count;
      crowds.back().small = crowds.back().small || small;
    } else {
      crowds.push_back({f.first, f.last, 1, small});
    }
  }
  std::erase_if(crowds, [](const Crowd& c) { return c.count < 2 && !c.small; });
  std::stable_sort(crowds.begin(), crowds.end(),
                   [](const Crowd& a, const Crowd& b) { return a.count > b.count; });
  if (crowds.size() > max) crowds.resize(max);
  std::sort(crowds.begin(), crowds.end(),
            [](const Crowd& a, const Crowd& b) { return a.first < b.first; });
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (const Crowd& c : crowds) {
    // Some room on both sides, and at least 24 ports in view.
    const uint32_t span = c.last - c.first + 1;
    uint32_t pad = std::max<uint32_t>(2, span / 12);
    if (span + 2 * pad < 24) pad = (24 - span + 1) / 2;
    const uint32_t first = c.first > pad ? c.first - pad : 0;
    const uint32_t last = std::min<uint32_t>(kMaxPort, c.last + pad);
    spans.emplace_back(first, last);
  }
  return spans;
}

// The port labels under a close-up: its two ends, then the first port of
// each block too narrow to hold its own label, where there is room.
std::string CloseUpLabels(const Scale& zoom, double y, const std::vector<Feature>& features) {
  constexpr double kCharWidth = 6.8;                // at font-size 11-12, roughly
  std::vector<std::pair<double, double>> taken[2];  // two rows of labels
  std::string svg;
  auto place = [&](double x, const std::string& text, const char* anchor, const char* colour) {
    const double width = kCharWidth * static_cast<double>(text.size());
    const double left = anchor == std::string("start") ? x
                        : anchor == std::string("end") ? x - width
                                                       : x - width / 2;
    if (left < zoom.x - 1 || left + width > zoom.x + zoom.width + 1) return false;
    for (int row = 0; row < 2; ++row) {
      bool free = true;
      for (const auto& [a, b] : taken[row]) free = free && !(left < b + 6 && a < left + width + 6);
      if (!free) continue;
      taken[row].emplace_back(left, left + width);
      absl::StrAppend(&svg, "<text x=\"", Num(x), "\" y=\"", Num(y + 14 * row),
                      "\" font-size=\"12\" fill=\"", colour, "\" text-anchor=\"", anchor, "\">",
                      Html(text), "</text>\n");
      return true;
    }
    return false;
  };
  place(zoom.x, absl::StrCat(static_cast<uint32_t>(zoom.first)), "start", "#94a3b8");
  place(zoom.x + zoom.width, absl::StrCat(static_cast<uint32_t>(zoom.last)), "end", "#94a3b8");
  for (const Feature& f : features) {
    if (f.kind == Feature::Kind::kBound || f.first < zoom.first || f.last > zoom.last) continue;
    const auto [left, right] = zoom.Span(f.first, f.last, kMinBlockWidth);
    const std::string span = PortSpan(f.first, f.last);
    if (right - left > 7.0 * static_cast<double>(span.size()) + 6) continue;  // labelled inside
    const char* colour = f.kind == Feature::Kind::kPersistent ? kPersistentColour : kRuntimeColour;
    if (!place((left + right) / 2, span, "middle", colour)) {
      place((left + right) / 2, absl::StrCat(f.first), "middle", colour);
    }
  }
  return svg;
}

}  // namespace

std::string PortMapSvg(const Machine& machine, Protocol protocol) {
  const PortPool& pool = machine.pool(protocol);
  const std::vector<Feature> features = Features(machine, protocol);
  const std::vector<std::pair<uint32_t, uint32_t>> crowds = Crowds(features, 4);
  const PortRange dynamic = pool.dynamic_range();

  const double bar_top = 44, bar_height = 34;
  const double axis_y = bar_top + bar_height;
  const double zoom_top = axis_y + 64;  // top of the close-up bars
  const double zoom_height = 26;
  const double height = crowds.empty() ? axis_y + 30 : zoom_top + zoom_height + 40;

  std::string svg =
      absl::StrCat("<svg viewBox=\"0 0 ", Num(kViewWidth), " ", Num(height),
                   "\" width=\"100%\" role=\"img\" aria-label=\"", ProtocolName(protocol),
                   " port map\" font-family=\"system-ui, 'DejaVu Sans', sans-serif\">\n");
  const Scale full;
  // The dynamic range, as a bracket above the bar with its ports.
  {
    const auto [left, right] = full.Span(dynamic.start, dynamic.last(), 2);
    const double y = 16;
    absl::StrAppend(&svg, "<path d=\"M", Num(left), " ", Num(y + 8), " V", Num(y), " H", Num(right),
                    " V", Num(y + 8), "\" fill=\"none\" stroke=\"", kDynamicLineColour,
                    "\" stroke-width=\"1.5\"/>\n");
    const bool near_right = right > kMapLeft + kMapWidth - 160;
    absl::StrAppend(&svg, "<text x=\"", Num(near_right ? right : left), "\" y=\"", Num(y - 4),
                    "\" font-size=\"12\" fill=\"", kDynamicLineColour, "\" text-anchor=\"",
                    near_right ? "end" : "start", "\">dynamic range ",
                    PortSpan(dynamic.start, dynamic.last()), "</text>\n");
  }
  absl::StrAppend(&svg, DrawBar(full, bar_top, bar_height, features, dynamic, false));
  // The axis: every 8192 ports, and the top port.
  for (uint32_t port = 0; port <= kMaxPort + 1; port += 8192) {
    const uint32_t shown = std::min<uint32_t>(port, kMaxPort);
    const double x = port > kMaxPort ? kMapLeft + kMapWidth : full.At(port);
    absl::StrAppend(&svg, "<line x1=\"", Num(x), "\" y1=\"", Num(axis_y), "\" x2=\"", Num(x),
                    "\" y2=\"", Num(axis_y + 6), "\" stroke=\"#475569\"/>\n");
    absl::StrAppend(&svg, "<text x=\"", Num(x), "\" y=\"", Num(axis_y + 19),
                    "\" font-size=\"12\" fill=\"#475569\" text-anchor=\"",
                    port == 0         ? "start"
                    : port > kMaxPort ? "end"
                                      : "middle",
                    "\">", shown, "</text>\n");
  }
  absl::StrAppend(&svg, "<text x=\"", Num(kMapLeft - 8), "\" y=\"", Num(axis_y + 19),
                  "\" font-size=\"12\" fill=\"#64748b\" text-anchor=\"end\">port</text>\n");
  absl::StrAppend(&svg, "<text x=\"", Num(kMapLeft - 8), "\" y=\"", Num(bar_top + 22),
                  "\" font-size=\"15\" font-weight=\"700\" text-anchor=\"end\" fill=\"#0f172a\">",
                  absl::AsciiStrToUpper(ProtocolName(protocol)), "</text>\n");

  // Close-ups of crowded stretches, side by side, each tied to its place on
  // the full bar by a shaded wedge.
  const double gap = 28;
  const double each = crowds.empty() ? 0
                                     : (kMapWidth - gap * static_cast<double>(crowds.size() - 1)) /
                                           static_cast<double>(crowds.size());
  for (size_t i = 0; i < crowds.size(); ++i) {
    const auto [first, last] = crowds[i];
    Scale zoom;
    zoom.first = first;
    zoom.last = last;
    zoom.x = kMapLeft + static_cast<double>(i) * (each + gap);
    zoom.width = each;
    const auto [from_left, from_right] = full.Span(first, last, 2);
    absl::StrAppend(&svg, "<path d=\"M", Num(from_left), " ", Num(bar_top + bar_height), " L",
                    Num(from_right), " ", Num(bar_top + bar_height), " L", Num(zoom.x + zoom.width),
                    " ", Num(zoom_top - 16), " L", Num(zoom.x), " ", Num(zoom_top - 16),
                    " Z\" fill=\"#cbd5e1\" fill-opacity=\"0.35\" stroke=\"#94a3b8\" "
                    "stroke-width=\"0.75\" stroke-dasharray=\"3 2\"/>\n");
    absl::StrAppend(&svg, DrawBar(zoom, zoom_top, zoom_height, features, dynamic, true));
    absl::StrAppend(&svg, CloseUpLabels(zoom, zoom_top + zoom_height + 16, features));
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

// --- HTML ----------------------------------------------------------------------------

namespace {

const char kCss[] = R"css(
:root { --ok: #15803d; --bad: #b91c1c; --warn: #b45309; --ink: #0f172a; --muted: #64748b;
        --line: #e2e8f0; --paper: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; background: #f1f5f9; color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 28px 48px; }
.title { display: flex; justify-content: space-between; align-items: baseline; margin-bottom: 10px; }
.title h1 { font-size: 18px; margin: 0; color: var(--muted); font-weight: 600; }
.title .cmd { font-size: 12px; color: var(--muted); }
.verdict { display: flex; align-items: center; gap: 28px; padding: 22px 30px; border-radius: 14px;
           color: #fff; }
.verdict .word { font-size: 60px; font-weight: 800; letter-spacing: 0.02em; line-height: 1; }
.verdict .what { font-size: 17px; max-width: 760px; }
.verdict.CONFORMS { background: var(--ok); }
.verdict.DIVERGES { background: var(--bad); }
.verdict.ERRORS { background: var(--warn); }
.verdict.INTERRUPTED { background: var(--warn); }
.verdict.UNSUPPORTED { background: var(--warn); }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 16px 0; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
        padding: 10px 16px; }
.card .n { font-size: 28px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .l { font-size: 13px; color: var(--muted); }
.card.bad .n { color: var(--bad); }
.card.good .n { color: var(--ok); }
.card.clock { background: #f8fafc; border-style: dashed; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
          padding: 16px 24px; margin: 16px 0; }
h2 { font-size: 20px; margin: 0 0 8px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
p { margin: 6px 0; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.run td:first-child { width: 140px; color: var(--muted); }
td.rule { white-space: nowrap; }
tr.never td { background: #fef3c7; font-weight: 600; }
td.zero { color: #94a3b8; }
.tag { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px;
       font-weight: 700; background: var(--warn); color: #fff; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code { font-size: 13px; background: #f1f5f9; padding: 1px 5px; border-radius: 4px; }
pre { background: #0f172a; color: #e2e8f0; padding: 12px 16px; border-radius: 8px;
      font-size: 13px; line-height: 1.45; overflow-x: auto; }
pre .hit { background: #7f1d1d; color: #fff; display: inline-block; width: 100%; }
.div { border-left: 5px solid var(--bad); padding-left: 16px; margin: 14px 0 22px; }
.div table td:first-child { width: 90px; color: var(--muted); }
ul.rules { margin: 6px 0; padding-left: 20px; }
.legend { display: flex; gap: 22px; flex-wrap: wrap; font-size: 13px; margin: 6px 0 4px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.sw { width: 22px; height: 12px; display: inline-block; border-radius: 2px; }
.map { margin: 10px 0 6px; }
.cols { columns: 3; column-gap: 28px; }
details summary { cursor: pointer; color: var(--muted); }
)css";

std::string Card(const std::string& number, const std::string& label,
                 const std::string& css_class = "") {
  return absl::StrCat("<div class=\"card ", css_class, "\"><div class=\"n\">", Html(number),
                      "</div><div class=\"l\">", Html(label), "</div></div>\n");
}

std::string TraceHtml(const traces::Trace& trace, size_t divergent_step) {
  std::string hit;
  if (divergent_step < trace.steps.size()) hit = traces::PrintStep(trace.steps[divergent_step]);
  std::vector<std::string> lines = absl::StrSplit(traces::Print(trace), '\n');
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  // The divergent step is the last line that prints as it does.
  size_t hit_line = lines.size();
  for (size_t i = lines.size(); i-- > 0;) {
    if (!hit.empty() && lines[i] == hit) {
      hit_line = i;
      break;
    }
  }
  std::string html = "<pre>";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i == hit_line) {
      absl::StrAppend(&html, "<span class=\"hit\">", Html(lines[i]), "   \u2190 diverges</span>\n");
    } else {
      absl::StrAppend(&html, Html(lines[i]), "\n");
    }
  }
  return html + "</pre>\n";
}

std::string LegendHtml() {
  return absl::StrCat(
      "<div class=\"legend\">", "<span><i class=\"sw\" style=\"background:", kPersistentColour,
      "\"></i>persistent block (CreatePersistent\u2026)</span>",
      "<span><i class=\"sw\" style=\"background:", kRuntimeColour,
      "\"></i>runtime block (SIO_ACQUIRE_PORT_RESERVATION)</span>",
      "<span><svg width=\"14\" height=\"14\" viewBox=\"0 0 14 14\"><path d=\"M2 1 L12 1 L7 9 Z\" "
      "fill=\"",
      kBoundColour, "\"/><line x1=\"7\" y1=\"9\" x2=\"7\" y2=\"14\" stroke=\"", kBoundColour,
      "\" stroke-width=\"1.5\"/></svg>bound port</span>",
      "<span><i class=\"sw\" style=\"background:", kDynamicColour,
      "\"></i>dynamic (ephemeral) port range</span>", "</div>\n",
      "<p class=\"muted\" style=\"font-size:13px\">Blocks are drawn at least ", kMinBlockWidth,
      " pixels wide, so even a one-port block shows; shaded wedges lead to close-ups of crowded "
      "stretches. Hover over a block or port for its details.</p>\n");
}

std::string PoolSummary(const Machine& machine, Protocol protocol) {
  int persistent = 0, runtime = 0, bound = 0;
  for (const auto& [start, block] : machine.pool(protocol).blocks()) {
    (block.kind == BlockKind::kPersistent ? persistent : runtime) += 1;
  }
  for (const auto& [port, binding] : machine.pool(protocol).bindings()) {
    bound += (binding.ipv4 ? 1 : 0) + (binding.ipv6 ? 1 : 0);
  }
  const PortRange dynamic = machine.pool(protocol).dynamic_range();
  return absl::StrCat(absl::AsciiStrToUpper(ProtocolName(protocol)), ": ",
                      Plural(persistent, "persistent block", "persistent blocks"), ", ",
                      Plural(runtime, "runtime block", "runtime blocks"), ", ",
                      Plural(bound, "bound socket", "bound sockets"), "; dynamic range ",
                      PortSpan(dynamic.start, dynamic.last()));
}

}  // namespace

std::string ReportHtml(const CampaignResult& r) {
  const std::string verdict = VerdictWord(r);
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>portpool conformance report: ",
      verdict, "</title>\n<style>", kCss, "</style>\n</head>\n<body>\n<main>\n");
  absl::StrAppend(&html, "<div class=\"title\"><h1>portpool conformance report</h1>",
                  "<div class=\"cmd\">", Html(r.backend_name), " backend \u00b7 ",
                  Html(SequencesLine(r)), "</div></div>\n");
  absl::StrAppend(&html, "<div class=\"verdict ", verdict, "\"><div class=\"word\">", verdict,
                  "</div><div class=\"what\">", Html(Summary(r)), "</div></div>\n");

  // Figures.
  absl::StrAppend(&html, "<div class=\"cards\">\n");
  absl::StrAppend(
      &html, Card(Thousands(static_cast<int64_t>(r.sequences)),
                  absl::StrCat(
                      "sequences run (seeds ", r.first_seed,
                      r.sequences > 0 ? absl::StrCat("\u2013", r.first_seed + r.sequences - 1) : "",
                      ", ", r.length, " steps each)")));
  absl::StrAppend(&html, Card(Thousands(r.calls_checked()), "calls checked"));
  absl::StrAppend(&html,
                  Card(Thousands(r.corpus_traces),
                       r.corpus_dir.empty() ? std::string("corpus traces replayed (no corpus)")
                                            : absl::StrCat("corpus traces replayed (",
                                                           r.corpus_conforming, " conform)")));
  absl::StrAppend(&html,
                  Card(Thousands(r.documented_cases), "documented cases run on the backend"));
  absl::StrAppend(&html,
                  Card(Thousands(r.divergence_count),
                       r.divergence_count == 0
                           ? std::string("divergences")
                           : absl::StrCat("divergences (", r.divergences.size(), " distinct)"),
                       r.divergence_count > 0 ? "bad" : "good"));
  absl::StrAppend(&html,
                  Card(absl::StrCat(RulesChecked(r), " / ", RuleCatalogue().size()),
                       "catalogue rules checked", r.coverage.Unchecked().empty() ? "good" : ""));
  absl::StrAppend(&html, Card(Seconds(r.timing.seconds), "wall-clock time", "clock"));
  absl::StrAppend(&html, Card(Thousands(std::llround(r.timing.calls_per_second)),
                              "calls checked per second", "clock"));
  absl::StrAppend(&html, "</div>\n");

  // The run.
  absl::StrAppend(&html, "<section><h2>Run</h2><table class=\"run\">\n");
  absl::StrAppend(&html, "<tr><td>backend</td><td>", Html(BackendLine(r)), "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>sequences</td><td>", Html(SequencesLine(r)), "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>stopped</td><td>", Html(StopLine(r)), "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>corpus</td><td>",
                  r.corpus_dir.empty() ? "none" : Html(r.corpus_dir), "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>calls checked</td><td>", Thousands(r.sequence_calls),
                  " in sequences, ", Thousands(r.documented_case_calls),
                  " in documented cases run on the backend, ", Thousands(r.corpus_steps),
                  " recorded corpus steps replayed; ", r.surface_cases, " surface cases (",
                  r.surface_cases - r.surface_cases_failed, " hold)</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>run again</td><td><code>", Html(ReproduceCommand(r)),
                  "</code></td></tr>\n</table></section>\n");

  // Divergences.
  absl::StrAppend(&html, "<section><h2>Divergences</h2>\n");
  if (r.divergences.empty()) {
    absl::StrAppend(&html, "<p>",
                    r.divergence_count == 0 ? "None: every answer was allowed." : "None kept.",
                    "</p>\n");
  }
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    const CampaignDivergence& d = r.divergences[i];
    absl::StrAppend(&html, "<div class=\"div\"><h3>Divergence ", i + 1, ": ",
                    Html(DivergenceTitle(d)), "</h3>\n<p>", Html(FoundLine(d)),
                    " Minimal trace: <code>", DivergenceFileName(i), "</code>.</p>\n");
    if (const std::string also = AlsoLine(d); !also.empty()) {
      absl::StrAppend(&html, "<p class=\"muted\">", Html(also), "</p>\n");
    }
    absl::StrAppend(&html, "<table>\n<tr><td>call</td><td><code>", Html(d.divergence.call),
                    "</code> (step ", d.divergence.step + 1, ")</td></tr>\n");
    absl::StrAppend(&html, "<tr><td>recorded</td><td><code>", Html(d.divergence.recorded),
                    "</code></td></tr>\n");
    absl::StrAppend(&html, "<tr><td>allowed</td><td><code>", Html(d.divergence.allowed),
                    "</code></td></tr>\n<tr><td>rules</td><td><ul class=\"rules\">\n");
    for (const traces::RuleCitation& rule : d.divergence.rules) {
      absl::StrAppend(&html, "<li><b>", Html(rule.id), "</b> ",
                      rule.evidence.empty() ? "(not in the rule catalogue)"
                                            : absl::StrCat("(", Html(rule.evidence),
                                                           "; source: ", Html(rule.source), ")"),
                      rule.summary.empty() ? "" : ": ", Html(rule.summary), "</li>\n");
    }
    absl::StrAppend(&html, "</ul></td></tr>\n</table>\n", TraceHtml(d.minimal, d.divergence.step),
                    "<p class=\"muted\">Check it: <code>portpool replay ", DivergenceFileName(i),
                    "</code>; the state before it: <code>portpool show ", DivergenceFileName(i),
                    "</code>.</p></div>\n");
  }
  absl::StrAppend(&html, "</section>\n");

  if (!r.errors.empty()) {
    absl::StrAppend(&html,
                    "<section><h2>Errors</h2><p>The harness could not run these; they "
                    "are not divergences, but the campaign is incomplete.</p><ul>\n");
    for (const std::string& error : r.errors)
      absl::StrAppend(&html, "<li>", Html(error), "</li>\n");
    absl::StrAppend(&html, "</ul></section>\n");
  }

  // The map.
  absl::StrAppend(&html, "<section><h2>Port map of the first sequence</h2>\n");
  if (r.sample_state && r.sample_trace) {
    absl::StrAppend(&html, "<p>", Html(SampleLine(r)), "</p>\n", LegendHtml());
    for (Protocol protocol : kAllProtocols) {
      absl::StrAppend(&html, "<div class=\"map\"><p><b>",
                      Html(PoolSummary(*r.sample_state, protocol)), "</b></p>\n",
                      PortMapSvg(*r.sample_state, protocol), "</div>\n");
    }
    absl::StrAppend(&html, "<details><summary>The same state as netsh lists it</summary><pre>",
                    Html(StateText(*r.sample_state)), "</pre></details>\n");
  } else {
    absl::StrAppend(&html, "<p>No sequence ran.</p>\n");
  }
  absl::StrAppend(&html, "</section>\n");

  // Coverage.
  const std::vector<RuleId> unchecked = r.coverage.Unchecked();
  absl::StrAppend(&html, "<section><h2>Rule coverage</h2>\n<p>", RulesChecked(r), " of ",
                  RuleCatalogue().size(),
                  " catalogue rules were checked: <i>checked</i> counts the calls whose "
                  "expectation drew on the rule, <i>decided</i> the answers the rule allowed. ");
  if (unchecked.empty()) {
    absl::StrAppend(&html, "No rule went unchecked.");
  } else {
    absl::StrAppend(&html, "Rules never checked are <span class=\"tag\">highlighted</span>: ",
                    Html(absl::StrJoin(unchecked, ", ")), ".");
  }
  absl::StrAppend(&html, " Rule IDs are explained in docs/semantics.md.</p>\n");
  absl::StrAppend(&html,
                  "<table><tr><th>rule</th><th>evidence</th><th class=\"num\">checked</th>"
                  "<th class=\"num\">decided</th><th>summary</th></tr>\n");
  for (const Rule& rule : RuleCatalogue()) {
    const RuleCoverage::Count count = r.coverage.Get(rule.id);
    absl::StrAppend(
        &html, count.checked == 0 ? "<tr class=\"never\">" : "<tr>", "<td class=\"rule\">",
        Html(rule.id), count.checked == 0 ? " <span class=\"tag\">never checked</span>" : "",
        "</td><td>", EvidenceName(rule.evidence), "</td><td class=\"num",
        count.checked == 0 ? " zero" : "", "\">", Thousands(count.checked), "</td><td class=\"num",
        count.decided == 0 ? " zero" : "", "\">", Thousands(count.decided),
        "</td><td class=\"muted\">", Html(rule.summary), "</td></tr>\n");
  }
  absl::StrAppend(&html, "</table></section>\n");

  // Files.
  absl::StrAppend(&html, "<section><h2>Files in this folder</h2><ul>\n",
                  "<li><code>report.md</code>: this report as Markdown</li>\n");
  if (r.sample_trace) {
    absl::StrAppend(&html, "<li><code>sample.trace</code>: the first sequence (",
                    "<code>portpool show sample.trace</code>)</li>\n");
  }
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    absl::StrAppend(&html, "<li><code>", DivergenceFileName(i), "</code>: divergence ", i + 1,
                    ", minimal; <code>divergence-", i + 1, "-full.trace</code>: as found</li>\n");
  }
  absl::StrAppend(&html, "</ul></section>\n</main>\n</body>\n</html>\n");
  return html;
}

absl::StatusOr<ReportFiles> WriteReport(const CampaignResult& r, const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error || !fs::is_directory(directory)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create the report folder '", directory,
                                                   "'", error ? ": " + error.message() : ""));
  }
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "divergence-") && absl::EndsWith(name, ".trace")) {
      fs::remove(entry.path(), error);
    }
  }
  ReportFiles files;
  auto write = [&](const std::string& name, const std::string& text) -> absl::Status {
    const std::string path = (fs::path(directory) / name).string();
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) return absl::InvalidArgumentError(absl::StrCat("cannot write '", path, "'"));
    return absl::OkStatus();
  };
  auto path_of = [&](const std::string& name) { return (fs::path(directory) / name).string(); };
  if (r.sample_trace) {
    if (absl::Status s = write("sample.trace", traces::Print(*r.sample_trace)); !s.ok()) return s;
    files.traces.push_back(path_of("sample.trace"));
  }
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    const std::string minimal = DivergenceFileName(i);
    const std::string full = absl::StrCat("divergence-", i + 1, "-full.trace");
    if (absl::Status s = write(minimal, traces::Print(r.divergences[i].minimal)); !s.ok()) return s;
    if (absl::Status s = write(full, traces::Print(r.divergences[i].original)); !s.ok()) return s;
    files.traces.push_back(path_of(minimal));
    files.traces.push_back(path_of(full));
  }
  if (absl::Status s = write("report.md", ReportMarkdown(r)); !s.ok()) return s;
  if (absl::Status s = write("report.html", ReportHtml(r)); !s.ok()) return s;
  files.markdown = path_of("report.md");
  files.html = path_of("report.html");
  return files;
}

absl::string_view ReportStyleSheet() { return kCss; }

std::string HtmlEscape(absl::string_view text) { return Html(text); }

}  // namespace portpool::conformance

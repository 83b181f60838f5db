#include "report_text.h"

#include <algorithm>
#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "portpool/netsh_listing.h"
#include "portpool/traces/replay.h"

namespace portpool::conformance::report_text {

std::string Thousands(int64_t n) {
  const uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  const std::string digits = absl::StrCat(magnitude);
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

std::string Cell(absl::string_view text) { return absl::StrReplaceAll(text, {{"|", "\\|"}}); }

std::string Seconds(double s) { return absl::StrFormat("%.2f s", s); }

std::string PortSpan(uint32_t first, uint32_t last) {
  return first == last ? absl::StrCat(first) : absl::StrCat(first, "\u2013", last);
}

std::string ShellQuote(absl::string_view text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
           absl::string_view("_-./:=+,@%").find(c) != absl::string_view::npos;
  });
  if (plain) return std::string(text);
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

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

std::string CorpusLine(const CampaignResult& r) {
  if (r.corpus_dir.empty()) return "none (--no-corpus)";
  const std::string traces = Plural(r.corpus_traces, "trace", "traces");
  if (r.corpus_is_default) {
    return absl::StrCat("the regression corpus of this build (traces/regression, ", traces, ")");
  }
  return absl::StrCat(r.corpus_dir, " (", traces, ")");
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

std::string DivergenceTitle(const CampaignDivergence& d) {
  return d.divergence.rules.empty() ? std::string("(no rule)") : d.divergence.rules.front().id;
}

std::string FoundLine(const CampaignDivergence& d) {
  std::string text = absl::StrCat("Found by ", d.found_by);
  if (d.origin == CampaignDivergence::Origin::kSequence) {
    absl::StrAppend(&text, " (", d.backend, ")");
  }
  absl::StrAppend(&text, ", at step ", d.original_step + 1, " of ", d.original.steps.size());
  if (d.original_line > 0) absl::StrAppend(&text, " (", d.trace_path, ":", d.original_line, ")");
  absl::StrAppend(&text, "; ");
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
  std::vector<std::string> shown(d.also_found_by.begin(),
                                 d.also_found_by.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                               kShown, d.also_found_by.size())));
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

namespace {

// The state `trace` leaves, named by the trace's names; nullopt if it does
// not replay to conformance.
std::optional<DrawnState> Replayed(const traces::Trace& trace) {
  traces::ReplayResult replay = traces::Replay(trace);
  if (!replay.conforms && !trace.steps.empty()) return std::nullopt;
  DrawnState state;
  state.machine = std::move(replay.machine);
  state.process_names = std::move(replay.process_names);
  state.socket_names = std::move(replay.socket_names);
  state.token_names = std::move(replay.token_names);
  return state;
}

}  // namespace

std::optional<DrawnState> SampleState(const CampaignResult& r) {
  if (!r.sample_state) return std::nullopt;
  // The sample trace replayed (without its divergent call) gives the same
  // state with the names sample.trace uses; the model's own state, named by
  // its ids, if it does not replay (a divergence only the checker sees).
  if (r.sample_trace) {
    traces::Trace before = *r.sample_trace;
    if (r.sample_diverged && !before.steps.empty()) before.steps.pop_back();
    if (std::optional<DrawnState> state = Replayed(before)) return state;
  }
  DrawnState state;
  state.machine = *r.sample_state;
  return state;
}

std::string SampleLine(const CampaignResult& r) {
  return absl::StrCat("The model's state at the end of the first sequence (seed ", r.sample_seed,
                      ", ",
                      Plural(static_cast<int64_t>(r.sample_trace->steps.size()), "call", "calls"),
                      ", written to sample.trace)",
                      r.sample_diverged ? ", just before its divergent call" : "", ".");
}

std::optional<DrawnState> StateBefore(const CampaignDivergence& d) {
  traces::Trace before = d.minimal;
  if (d.divergence.step > before.steps.size()) return std::nullopt;
  before.steps.resize(d.divergence.step);
  return Replayed(before);
}

std::string StateText(const DrawnState& state) {
  std::string text;
  for (Protocol protocol : kAllProtocols) {
    absl::StrAppend(&text, FormatExcludedPortRanges(state.machine, protocol),
                    FormatDynamicPortRange(state.machine, protocol));
    absl::StrAppend(&text, "\nProtocol ", ProtocolName(protocol), " Bound Ports\n\n",
                    "      Port  Family  Socket (process)\n");
    bool any = false;
    for (const auto& [port, binding] : state.machine.pool(protocol).bindings()) {
      for (Family family : {Family::kIpv4, Family::kIpv6}) {
        const std::optional<SocketId>& socket = binding.of(family);
        if (!socket) continue;
        any = true;
        const SocketState* socket_state = state.machine.socket(*socket);
        absl::StrAppendFormat(&text, "%10d  %-6s  %s%s\n", port, std::string(FamilyName(family)),
                              state.SocketName(*socket),
                              socket_state != nullptr
                                  ? absl::StrCat(" (", state.ProcessName(socket_state->owner), ")")
                                  : std::string());
      }
    }
    if (!any) absl::StrAppend(&text, "  (none)\n");
  }
  return text;
}

std::vector<EvidenceCount> EvidenceMix(const CampaignResult& r) {
  std::vector<EvidenceCount> mix;
  for (Evidence e : {Evidence::kDocumented, Evidence::kObserved, Evidence::kInferred,
                     Evidence::kUnknown, Evidence::kModel}) {
    mix.push_back({e, 0, 0, 0});
  }
  for (const Rule& rule : RuleCatalogue()) {
    for (EvidenceCount& count : mix) {
      if (count.evidence != rule.evidence) continue;
      const RuleCoverage::Count c = r.coverage.Get(rule.id);
      ++count.rules;
      if (c.checked > 0) ++count.rules_checked;
      count.checks += c.checked;
    }
  }
  std::erase_if(mix, [](const EvidenceCount& c) { return c.rules == 0; });
  return mix;
}

}  // namespace portpool::conformance::report_text

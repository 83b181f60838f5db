// What the three forms of the campaign report (report_markdown.cc,
// report_html.cc, report_json.cc) and the port map say alike: number
// formats, escaping, and the report's sentences. Internal to the conformance
// library.
#ifndef PORTPOOL_CONFORMANCE_SRC_REPORT_TEXT_H_
#define PORTPOOL_CONFORMANCE_SRC_REPORT_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "portpool/conformance/campaign.h"
#include "portpool/conformance/port_map.h"
#include "portpool/rules.h"

namespace portpool::conformance::report_text {

// The colours of the port maps and their legend.
inline constexpr char kPersistentColour[] = "#1d4ed8";
inline constexpr char kRuntimeColour[] = "#ea580c";
inline constexpr char kBoundColour[] = "#111827";
inline constexpr char kDynamicColour[] = "#99f6e4";
inline constexpr char kDynamicLineColour[] = "#0f766e";

// 17412 -> "17,412".
std::string Thousands(int64_t n);
// "1 port", "3 ports".
std::string Plural(int64_t n, absl::string_view one, absl::string_view many);
// HTML-escaped text.
std::string Html(absl::string_view text);
// A Markdown table cell (no '|').
std::string Cell(absl::string_view text);
// "12.34 s".
std::string Seconds(double s);
// "5000" or "5000–5009".
std::string PortSpan(uint32_t first, uint32_t last);
// `text` as one word for a POSIX shell: as is when it is plain, else in single
// quotes.
std::string ShellQuote(absl::string_view text);

std::string BackendLine(const CampaignResult& r);
std::string SequencesLine(const CampaignResult& r);
std::string StopLine(const CampaignResult& r);
std::string CorpusLine(const CampaignResult& r);
// The summary under the verdict: what ran and what was checked.
std::string Summary(const CampaignResult& r);

std::string DivergenceTitle(const CampaignDivergence& d);
// Who found it, at which step of the trace as found, and how it shrank.
std::string FoundLine(const CampaignDivergence& d);
std::string AlsoLine(const CampaignDivergence& d);
std::string RuleLine(const traces::RuleCitation& rule);

// The state of the sample (the first sequence), named by the model's ids.
std::optional<DrawnState> SampleState(const CampaignResult& r);
std::string SampleLine(const CampaignResult& r);
// The state just before a divergence's step: its minimal trace replayed up
// to that step, named by the trace's names. nullopt if that does not replay.
std::optional<DrawnState> StateBefore(const CampaignDivergence& d);
// The state as netsh lists it, plus the bound ports, as text.
std::string StateText(const DrawnState& state);

// Per evidence kind (documented, observed, inferred, unknown, model): the
// rules of the catalogue, how many were checked, and how many checks.
struct EvidenceCount {
  Evidence evidence;
  int rules = 0;
  int rules_checked = 0;
  int64_t checks = 0;
};
std::vector<EvidenceCount> EvidenceMix(const CampaignResult& r);

}  // namespace portpool::conformance::report_text

#endif  // PORTPOOL_CONFORMANCE_SRC_REPORT_TEXT_H_

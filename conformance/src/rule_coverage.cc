#include "portpool/conformance/rule_coverage.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace portpool::conformance {

bool OnlyQualifies(RuleId rule) {
  static constexpr RuleId kQualifiers[] = {
      rules::kErrorOrder,          rules::kPoolPerProtocol,
      rules::kByteOrder,           rules::kTokenUnique,
      rules::kDynamicRangeDefault, rules::kRebootEndsProcesses,
      rules::kLookupElevation,     rules::kDynamicRangeFamily,
      rules::kRebootDropsActive,   rules::kRebootEnvironmentReplaced};
  return std::find(std::begin(kQualifiers), std::end(kQualifiers), rule) != std::end(kQualifiers);
}

void RuleCoverage::Record(const Verdict& verdict) {
  for (RuleId rule : verdict.rules) ++counts_[std::string(rule)].checked;
  if (verdict.conforms) ++counts_[std::string(verdict.rule)].decided;
}

void RuleCoverage::RecordSurface(RuleId rule, bool decided) {
  Count& count = counts_[std::string(rule)];
  ++count.checked;
  if (decided) ++count.decided;
}

void RuleCoverage::Merge(const RuleCoverage& other) {
  for (const auto& [rule, count] : other.counts_) {
    counts_[rule].checked += count.checked;
    counts_[rule].decided += count.decided;
  }
}

RuleCoverage::Count RuleCoverage::Get(RuleId rule) const {
  auto it = counts_.find(std::string(rule));
  return it == counts_.end() ? Count{} : it->second;
}

std::vector<RuleId> RuleCoverage::Unchecked() const {
  std::vector<RuleId> unchecked;
  for (const Rule& rule : RuleCatalogue()) {
    if (Get(rule.id).checked == 0) unchecked.push_back(rule.id);
  }
  return unchecked;
}

std::string RuleCoverage::FormatTable() const {
  std::string table =
      absl::StrFormat("%-28s %-10s %12s %12s\n", "rule", "evidence", "checked", "decided");
  for (const Rule& rule : RuleCatalogue()) {
    const Count count = Get(rule.id);
    absl::StrAppend(
        &table, absl::StrFormat("%-28s %-10s %12d %12d%s\n", std::string(rule.id),
                                std::string(EvidenceName(rule.evidence)), count.checked,
                                count.decided, count.checked == 0 ? "   <- never checked" : ""));
  }
  return table;
}

}  // namespace portpool::conformance

#include "portpool/conformance/netsh_parse.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "portpool/call.h"
#include "portpool/outcome.h"

namespace portpool::conformance {
namespace {

// A port number 0..65535 written in decimal, or nullopt.
std::optional<uint32_t> ParsePortNumber(absl::string_view word) {
  uint32_t value = 0;
  if (word.empty() || word.size() > 5 || !absl::SimpleAtoi(word, &value) || value > kMaxPort) {
    return std::nullopt;
  }
  for (char c : word) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return value;
}

std::vector<absl::string_view> Words(absl::string_view line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
}

bool IsDashes(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  return line.size() >= 3 && line.find_first_not_of("- \t") == absl::string_view::npos;
}

}  // namespace

absl::StatusOr<std::vector<ExcludedRange>> ParseExcludedPortRanges(absl::string_view text) {
  std::vector<ExcludedRange> ranges;
  bool seen_header = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (IsDashes(line)) {
      seen_header = true;
      continue;
    }
    const std::vector<absl::string_view> words = Words(line);
    if (words.size() != 2 && !(words.size() == 3 && words[2] == "*")) continue;
    const std::optional<uint32_t> start = ParsePortNumber(words[0]);
    const std::optional<uint32_t> end = ParsePortNumber(words[1]);
    if (!start && !end) continue;  // a heading of two words
    if (!start || !end || *start == 0 || *end < *start) {
      return absl::InvalidArgumentError(absl::StrCat("excludedportrange line ", line_number,
                                                     ": not a port range: '",
                                                     absl::StripAsciiWhitespace(line), "'"));
    }
    if (!seen_header) {
      return absl::InvalidArgumentError(absl::StrCat("excludedportrange line ", line_number,
                                                     ": a range before the dashed header line"));
    }
    ranges.push_back(ExcludedRange{
        PortRange{static_cast<uint16_t>(*start), static_cast<uint16_t>(*end - *start + 1)},
        words.size() == 3});
  }
  if (!seen_header) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not the output of 'netsh int ipv4 show excludedportrange' (no dashed header line): '",
        absl::StripAsciiWhitespace(text.substr(0, 200)), "'"));
  }
  return ranges;
}

absl::StatusOr<PortRange> ParseDynamicPortRange(absl::string_view text) {
  std::vector<uint32_t> numbers;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const size_t colon = line.rfind(':');
    if (colon == absl::string_view::npos) continue;
    uint32_t value = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)), &value)) continue;
    numbers.push_back(value);
    if (numbers.size() == 2) break;
  }
  if (numbers.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("not the output of 'netsh int ipv4 show dynamicport' (no 'Start Port : N' and "
                     "'Number of Ports : N' lines): '",
                     absl::StripAsciiWhitespace(text.substr(0, 200)), "'"));
  }
  const uint32_t start = numbers[0];
  const uint32_t count = numbers[1];
  if (start == 0 || count == 0 || start + count - 1 > kMaxPort) {
    return absl::InvalidArgumentError(
        absl::StrCat("dynamic port range start ", start, " count ", count, " is not a range"));
  }
  return PortRange{static_cast<uint16_t>(start), static_cast<uint16_t>(count)};
}

std::vector<std::string> NetshSnapshotCommands() {
  return {
      "netsh int ipv4 show excludedportrange protocol=tcp",
      "netsh int ipv4 show excludedportrange protocol=udp",
      "netsh int ipv4 show dynamicport tcp",
      "netsh int ipv4 show dynamicport udp",
      "netsh int ipv6 show dynamicport tcp",
      "netsh int ipv6 show dynamicport udp",
  };
}

std::vector<std::string> NetshPersistentStoreCommands() {
  return {
      "netsh int ipv4 show excludedportrange protocol=tcp store=persistent",
      "netsh int ipv4 show excludedportrange protocol=udp store=persistent",
  };
}

absl::StatusOr<MachineSnapshot> ReadNetshSnapshot(const CommandRunner& run) {
  const std::vector<std::string> commands = NetshSnapshotCommands();
  MachineSnapshot snapshot;
  for (size_t i = 0; i < commands.size(); ++i) {
    const Protocol protocol = i % 2 == 0 ? Protocol::kTcp : Protocol::kUdp;
    absl::StatusOr<std::string> output = run(commands[i]);
    if (!output.ok()) {
      return absl::Status(output.status().code(),
                          absl::StrCat("'", commands[i], "' failed: ", output.status().message()));
    }
    if (i < 2) {
      auto ranges = ParseExcludedPortRanges(*output);
      if (!ranges.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", commands[i], "': ", ranges.status().message()));
      }
      snapshot.of(protocol).excluded = *std::move(ranges);
    } else {
      auto range = ParseDynamicPortRange(*output);
      if (!range.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", commands[i], "': ", range.status().message()));
      }
      (i < 4 ? snapshot.of(protocol).dynamic : snapshot.of(protocol).dynamic_ipv6) = *range;
    }
  }
  // Administered entries the persistent store lacks are store=active ones.
  const std::vector<std::string> stores = NetshPersistentStoreCommands();
  for (size_t i = 0; i < stores.size(); ++i) {
    absl::StatusOr<std::string> output = run(stores[i]);
    if (!output.ok()) continue;
    auto persistent = ParseExcludedPortRanges(*output);
    if (!persistent.ok()) continue;
    for (ExcludedRange& entry : snapshot.of(i == 0 ? Protocol::kTcp : Protocol::kUdp).excluded) {
      entry.active_only = entry.administered && std::none_of(persistent->begin(), persistent->end(),
                                                             [&](const ExcludedRange& p) {
                                                               return p.range == entry.range;
                                                             });
    }
  }
  return snapshot;
}

absl::Status SeedModel(const MachineSnapshot& snapshot, Machine& model,
                       std::vector<std::string>* warnings) {
  for (Protocol protocol : kAllProtocols) {
    const ProtocolSnapshot& s = snapshot.of(protocol);
    for (const ExcludedRange& excluded : s.excluded) {
      const EnvironmentStore store = !excluded.administered ? EnvironmentStore::kRuntime
                                     : excluded.active_only ? EnvironmentStore::kActive
                                                            : EnvironmentStore::kPersistent;
      absl::Status seeded = model.SeedExisting(protocol, excluded.range, store);
      if (!seeded.ok() && warnings != nullptr) {
        warnings->push_back(absl::StrCat("left out of the model: ", seeded.message()));
      }
    }
    for (Family family : {Family::kIpv4, Family::kIpv6}) {
      const PortRange range = family == Family::kIpv4 ? s.dynamic : s.dynamic_ipv6;
      if (absl::Status set = model.SeedDynamicRange(protocol, family, range); !set.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the model cannot hold the ", FamilyName(family), " ", ProtocolName(protocol),
            " dynamic range ", FormatRange(range), ": ", set.message()));
      }
    }
  }
  return absl::OkStatus();
}

std::string DescribeSnapshot(const MachineSnapshot& snapshot) {
  std::string text;
  for (Protocol protocol : kAllProtocols) {
    const ProtocolSnapshot& s = snapshot.of(protocol);
    const auto administered = std::count_if(s.excluded.begin(), s.excluded.end(),
                                            [](const ExcludedRange& r) { return r.administered; });
    absl::StrAppend(
        &text, text.empty() ? "" : "; ", ProtocolName(protocol), ": ", s.excluded.size(),
        " excluded (", administered, " administered), dynamic ", FormatRange(s.dynamic),
        s.dynamic_ipv6 == s.dynamic ? ""
                                    : absl::StrCat(" (ipv6 ", FormatRange(s.dynamic_ipv6), ")"),
        ", ", s.bound.size(), " bound");
  }
  return text;
}

}  // namespace portpool::conformance

#include "portpool/netsh_listing.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace portpool {

std::string FormatExcludedPortRanges(const Machine& machine, Protocol protocol) {
  std::string text = absl::StrCat("\nProtocol ", ProtocolName(protocol),
                                  " Port Exclusion Ranges\n\n"
                                  "Start Port    End Port\n"
                                  "----------    --------\n");
  for (const auto& [start, block] : machine.pool(protocol).blocks()) {
    const PortRange range{start, block.count};
    absl::StrAppend(&text, absl::StrFormat("%10d  %10d", range.start, range.last()),
                    block.kind == BlockKind::kPersistent ? "     *" : "", "\n");
  }
  absl::StrAppend(&text, "\n* - Administered port exclusions.\n");
  return text;
}

std::string FormatDynamicPortRange(const Machine& machine, Protocol protocol) {
  const PortRange range = machine.pool(protocol).dynamic_range();
  return absl::StrCat("\nProtocol ", ProtocolName(protocol),
                      " Dynamic Port Range\n"
                      "---------------------------------\n"
                      "Start Port      : ",
                      range.start, "\nNumber of Ports : ", range.count, "\n");
}

}  // namespace portpool

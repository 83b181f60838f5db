#include "portpool/protocol.h"

namespace portpool {

std::optional<Protocol> ProtocolFromName(absl::string_view name) {
  if (name == "tcp") return Protocol::kTcp;
  if (name == "udp") return Protocol::kUdp;
  return std::nullopt;
}

std::optional<Family> FamilyFromName(absl::string_view name) {
  if (name == "ipv4") return Family::kIpv4;
  if (name == "ipv6") return Family::kIpv6;
  return std::nullopt;
}

}  // namespace portpool

// Transport protocols and address families.
//
// TCP and UDP keep separate port pools; IPv4 and IPv6 sockets of one protocol
// draw on that protocol's single pool of reservations (rule POOL-PER-PROTOCOL).
#ifndef PORTPOOL_PROTOCOL_H_
#define PORTPOOL_PROTOCOL_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace portpool {

enum class Protocol : uint8_t { kTcp = 0, kUdp = 1 };
inline constexpr Protocol kAllProtocols[] = {Protocol::kTcp, Protocol::kUdp};

enum class Family : uint8_t { kIpv4 = 0, kIpv6 = 1 };

// "tcp" / "udp".
constexpr absl::string_view ProtocolName(Protocol p) { return p == Protocol::kTcp ? "tcp" : "udp"; }
// "ipv4" / "ipv6".
constexpr absl::string_view FamilyName(Family f) { return f == Family::kIpv4 ? "ipv4" : "ipv6"; }

std::optional<Protocol> ProtocolFromName(absl::string_view name);
std::optional<Family> FamilyFromName(absl::string_view name);

}  // namespace portpool

#endif  // PORTPOOL_PROTOCOL_H_

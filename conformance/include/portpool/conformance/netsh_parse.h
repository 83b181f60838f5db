// What a real machine already has, read before a differential run touches
// it (and again when the checker looks for reservations that appeared or
// went during the run): each protocol's excluded port ranges and dynamic
// port ranges, as `netsh` prints them, and the ports that sockets hold.
//
//   netsh int ipv4 show excludedportrange protocol=tcp   (and protocol=udp)
//   netsh int ipv4 show excludedportrange protocol=tcp store=persistent
//   netsh int ipv4 show dynamicport tcp                  (and udp)
//   netsh int ipv6 show dynamicport tcp                  (and udp)
//
// The IPv6 dynamic ranges are their own (DYN-RANGE-FAMILY, NS-8); the
// excluded ranges are one list per protocol for both IP versions (OV-7). An
// administered entry of the active store that the persistent store lacks is
// a store=active exclusion (PS-4).
//
// The parsers are portable (tests run them on Linux on captured text); only
// the Windows backend runs netsh. They read the numbers, not the words, so
// a localised netsh works too:
//
//   Protocol tcp Port Exclusion Ranges
//
//   Start Port    End Port
//   ----------    --------
//         5357        5357
//        50000       50059     *
//
//   * - Administered port exclusions.
//
// A '*' entry is an administered (persistent) reservation; an unmarked one
// is a runtime reservation some process holds (Hyper-V, WinNAT, HNS).
#ifndef PORTPOOL_CONFORMANCE_NETSH_PARSE_H_
#define PORTPOOL_CONFORMANCE_NETSH_PARSE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/machine.h"
#include "portpool/port_pool.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"

namespace portpool::conformance {

// One line of `netsh int ipv4 show excludedportrange`.
struct ExcludedRange {
  PortRange range;
  bool administered = false;  // marked '*'
  // Administered, and listed only by the active store: a store=active
  // exclusion, gone at the next boot (ENV-ACTIVE-EXCLUSION).
  bool active_only = false;
  friend bool operator==(const ExcludedRange&, const ExcludedRange&) = default;
};

// The entries of `netsh int ipv4 show excludedportrange protocol=...`, in
// the order printed. An error if the text is not such a listing (no dashed
// header line: netsh printed an error message instead) or an entry is not
// a valid range.
absl::StatusOr<std::vector<ExcludedRange>> ParseExcludedPortRanges(absl::string_view text);

// The range of `netsh int ipv4 show dynamicport ...`: the first two
// "label : number" lines are the start port and the number of ports.
absl::StatusOr<PortRange> ParseDynamicPortRange(absl::string_view text);

// What one protocol's pool holds before the run.
struct ProtocolSnapshot {
  std::vector<ExcludedRange> excluded;
  PortRange dynamic = kDefaultDynamicRange;       // IPv4's (netsh int ipv4)
  PortRange dynamic_ipv6 = kDefaultDynamicRange;  // IPv6's (netsh int ipv6)
  // Local ports some socket of this protocol has bound (any process, any
  // family), sorted, without duplicates. Empty when not read.
  std::vector<uint16_t> bound;
};

struct MachineSnapshot {
  std::array<ProtocolSnapshot, 2> protocols;
  ProtocolSnapshot& of(Protocol p) { return protocols[static_cast<size_t>(p)]; }
  const ProtocolSnapshot& of(Protocol p) const { return protocols[static_cast<size_t>(p)]; }
};

// Runs a shell command and returns what it printed (stdout), or an error if
// it could not run or exited non-zero.
using CommandRunner = std::function<absl::StatusOr<std::string>(const std::string& command)>;

// The six netsh commands this must read, in the order it runs them: the two
// excluded-range listings, then the four dynamic ranges (ipv4 tcp, ipv4
// udp, ipv6 tcp, ipv6 udp).
std::vector<std::string> NetshSnapshotCommands();
// The persistent store's listings (tcp, udp), read after them; a failure of
// these only leaves every administered entry taken as persistent.
std::vector<std::string> NetshPersistentStoreCommands();

// Runs the netsh commands through `run` and parses their output. Leaves
// `bound` empty (netsh does not list sockets; the Windows backend adds them).
absl::StatusOr<MachineSnapshot> ReadNetshSnapshot(const CommandRunner& run);

// Seeds an observer Machine with the snapshot, before its first call: each
// excluded range as a block (Machine::SeedExisting: administered ones
// persistent, or store=active, with unknown tokens; the rest runtime blocks
// of a foreign process) and each dynamic range, whatever it is
// (Machine::SeedDynamicRange, DYN-RANGE-SEEDED: runner images have ranges
// that netsh's set command would refuse). An entry the model cannot hold (it
// overlaps an earlier one) is left out with a warning appended to
// `warnings`; a dynamic range that does not fit is an error.
absl::Status SeedModel(const MachineSnapshot& snapshot, Machine& model,
                       std::vector<std::string>* warnings = nullptr);

// "tcp: 3 excluded (1 administered), dynamic 49152-65535, 12 bound; udp: ..."
std::string DescribeSnapshot(const MachineSnapshot& snapshot);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_NETSH_PARSE_H_

// A picture and a table of one protocol's port space in a model state: the
// persistent blocks, the runtime blocks, the bound ports and the dynamic port
// range. The campaign report (report.h) draws one for the sample sequence
// and one for the state just before each divergence.
//
// The map is a bar for ports 0-65535 with close-ups of crowded stretches;
// every block and bound port gets a label in a close-up where there is room,
// and the table lists each of them with its owner, so that nothing is only in
// a tooltip.
#ifndef PORTPOOL_CONFORMANCE_PORT_MAP_H_
#define PORTPOOL_CONFORMANCE_PORT_MAP_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "portpool/ids.h"
#include "portpool/machine.h"
#include "portpool/protocol.h"

namespace portpool::conformance {

// A state to draw, and the names to call its processes, sockets and tokens
// by: a trace's (p1, s2, $a) when the state came from replaying one, else the
// Machine's ids (p<id>, s<id>).
struct DrawnState {
  Machine machine{0};
  absl::flat_hash_map<ProcessId, std::string> process_names;
  absl::flat_hash_map<SocketId, std::string> socket_names;
  absl::flat_hash_map<Token, std::string> token_names;

  std::string ProcessName(ProcessId id) const;
  std::string SocketName(SocketId id) const;
};

// One row of the table under a map: a block, a bound port or the dynamic
// range, in port order.
struct PortTableRow {
  std::string ports;  // "5000–5009 (10 ports)", "5005"
  std::string what;   // "persistent block", "runtime block", "bound port", "dynamic range"
  std::string owner;  // "token $a", "p1 on s2 (ipv4), token $b", "s1 of p1 (ipv4)", ""
};
std::vector<PortTableRow> PortTable(const DrawnState& state, Protocol protocol);

// The map as an <svg> element, without a legend (the report adds one for all
// maps). Blocks narrower than a few pixels are drawn at a minimum width.
std::string PortMapSvg(const DrawnState& state, Protocol protocol);
// The same for a Machine, its processes and sockets named by their ids.
std::string PortMapSvg(const Machine& machine, Protocol protocol);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_PORT_MAP_H_

// What a call answered: an error code and, where the call returns one, a
// token, a block, a port, or a new process or socket.
#ifndef PORTPOOL_OUTCOME_H_
#define PORTPOOL_OUTCOME_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "portpool/error.h"
#include "portpool/ids.h"
#include "portpool/port_range.h"

namespace portpool {

struct Outcome {
  Error error = Error::kNoError;
  std::optional<Token> token;        // Create, Lookup, Acquire
  std::optional<PortRange> block;    // Acquire (host order)
  std::optional<uint16_t> port;      // bind, getsockname (host order)
  std::optional<ProcessId> process;  // StartProcess
  std::optional<SocketId> socket;    // OpenSocket

  bool ok() const { return error == Error::kNoError; }
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// "NO_ERROR token=0x1234abcd", "WSAEADDRINUSE", "NO_ERROR port=49152", ...
std::string DescribeOutcome(const Outcome& outcome);

inline std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << DescribeOutcome(o);
}

}  // namespace portpool

#endif  // PORTPOOL_OUTCOME_H_

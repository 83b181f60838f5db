// The loose specification of one call: the set of answers Windows may give.
//
// An Expectation lists allowed answers. Each names an error code, what else
// the outcome must carry (its payload), and the rule that allows it. Where
// Windows' behaviour is unknown, several answers are listed; the simulator
// picks one from its seed and the checker accepts any.
#ifndef PORTPOOL_EXPECTATION_H_
#define PORTPOOL_EXPECTATION_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "portpool/error.h"
#include "portpool/ids.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"
#include "portpool/rules.h"

namespace portpool {

// What an allowed answer carries besides its error code.
enum class Payload : uint8_t {
  kNothing,         // no token, block, port, process or socket
  kNewProcess,      // a process id that no process has had
  kNewSocket,       // a socket id that no socket has had
  kFreshToken,      // a token != 0 held by no live reservation
  kUnlearnedToken,  // Lookup of a block whose token the model has not
                    // learned: a token != 0 held by no live reservation,
                    // or one an unlearned association claimed for
                    // Expectation::block
  kExactToken,      // exactly Expectation::token
  kSpecificBlock,   // block == Expectation::block, and a fresh token
  kWildcardBlock,   // a block of Expectation::block.count ports inside
                    // Expectation::window, clear of every binding of the
                    // protocol and of every block that applies to
                    // Expectation::family (R-ACQUIRE-OTHER-FAMILY), and a
                    // fresh token
  kEphemeralPort,   // a port inside Expectation::window that no binding of
                    // the protocol holds, and no block that applies to
                    // Expectation::family (B-BIND-EPHEMERAL-OTHER-FAMILY: a
                    // runtime block of the other family may not)
  kPortFromBlocks,  // a port inside one of Expectation::candidates that no
                    // binding of the protocol holds (either family)
  kExactPort,       // exactly Expectation::port
};

struct Answer {
  Error error = Error::kNoError;
  Payload payload = Payload::kNothing;
  RuleId rule;
};

struct Expectation {
  // Inline capacities cover every call (at most 6 answers and 5 further
  // rules), so that an Expectation costs no heap allocation.
  absl::InlinedVector<Answer, 6> answers;
  // Rules the expectation relied on besides the answers' own (e.g.
  // P-ERROR-ORDER when several error rules applied at once).
  absl::InlinedVector<RuleId, 5> also;
  // The pool the payloads refer to, and the caller's socket's family.
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  // Payload parameters (only the ones the answers' payloads name are set).
  Token token = kInvalidToken;
  PortRange block;
  PortRange window;
  uint16_t port = 0;
  absl::InlinedVector<PortRange, 2> candidates;

  // Adds an answer unless the same (error, payload) is already allowed.
  void Allow(Error error, Payload payload, RuleId rule);
  // Adds each error with no payload.
  void AllowErrors(std::initializer_list<Error> errors, RuleId rule);
  bool AllowsError(Error error) const;
  // The rules of every answer, in order, without repeats.
  std::vector<RuleId> Rules() const;
};

// "ERROR_SHARING_VIOLATION [P-CREATE-OVERLAP] | NO_ERROR with a new token
// [P-CREATE-OK]".
std::string DescribeExpectation(const Expectation& expectation);
std::string DescribeAnswer(const Answer& answer, const Expectation& expectation);

}  // namespace portpool

#endif  // PORTPOOL_EXPECTATION_H_

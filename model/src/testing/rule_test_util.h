// Helpers for the per-rule tests: a small machine with an elevated and a
// non-elevated process, and short ways to ask what the model allows.
//
// The rule tests drive a Machine through its own API: Expect (what is
// allowed), Check (is this outcome allowed), Observe (learn a chosen
// outcome) and Run (let the simulator choose). Setup steps whose answer is
// loose use Observe with the answer the test wants, so a test never depends
// on which of several allowed answers the simulator's seed would pick.
#ifndef PORTPOOL_TESTING_RULE_TEST_UTIL_H_
#define PORTPOOL_TESTING_RULE_TEST_UTIL_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "portpool/call.h"
#include "portpool/error.h"
#include "portpool/expectation.h"
#include "portpool/ids.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"

namespace portpool::testing {

// The error codes an expectation allows, NO_ERROR left out.
std::set<Error> ErrorsOf(const Expectation& expectation);
// Whether the expectation allows NO_ERROR (with some payload).
bool AllowsSuccess(const Expectation& expectation);
// Whether any answer of the expectation, or its `also` list, names `rule`.
bool NamesRule(const Expectation& expectation, absl::string_view rule);

// Outcomes to offer Check.
Outcome ErrorOutcome(Error error);
Outcome OkOutcome();
Outcome OkToken(Token token);
Outcome OkPort(uint16_t port);
Outcome OkBlock(PortRange block, Token token);

// A machine with one elevated process (`admin`) and one that is not
// (`user`). Every helper reports a gtest failure (with the call and the
// rule given) when the machine does not behave as the helper needs.
class Bench {
 public:
  explicit Bench(uint64_t seed = 7);

  Machine& machine() { return machine_; }
  const Machine& machine() const { return machine_; }
  ProcessId admin() const { return admin_; }
  ProcessId user() const { return user_; }

  // Expect; an error status is a test failure and gives an empty Expectation.
  Expectation Expect(const Call& call) const;
  // Expect, then Check `outcome`.
  bool Accepts(const Call& call, const Outcome& outcome) const;
  Verdict Judge(const Call& call, const Outcome& outcome) const;
  // The simulator's answer; an error status is a test failure.
  Outcome Run(const Call& call);
  // Observe `outcome`; a refusal is a test failure.
  void Observe(const Call& call, const Outcome& outcome);

  ProcessId StartProcess(bool elevated);
  // A persistent reservation that must succeed; returns its token.
  Token Create(Protocol protocol, PortRange block);
  Token Create(ProcessId process, Protocol protocol, PortRange block);
  SocketId Open(ProcessId process, Protocol protocol = Protocol::kTcp,
                Family family = Family::kIpv4);
  // A specific or wildcard acquire that must succeed.
  std::pair<PortRange, Token> Acquire(ProcessId process, SocketId socket, PortRange request);
  // bind to `port`, observed as succeeding with that port (allowed or not).
  void BindAt(ProcessId process, SocketId socket, uint16_t port);
  // An association observed as succeeding.
  void Associate(ProcessId process, SocketId socket, Token token);
  // Sets a protocol's dynamic range for both IP versions, or for one
  // (DYN-RANGE-FAMILY); must succeed.
  void SetDynamicRange(Protocol protocol, PortRange range);
  void SetDynamicRange(Protocol protocol, PortRange range, Family family);

 private:
  Machine machine_;
  ProcessId admin_;
  ProcessId user_;
};

// Asserts (with gtest, naming `rule`) that `call` allows exactly the error
// codes `errors`, and NO_ERROR iff `success`.
void ExpectAnswers(const Bench& bench, const Call& call, std::initializer_list<Error> errors,
                   bool success, absl::string_view rule);

// For a loose (kUnknown) rule: asserts that every error of `errors` and,
// if given, `success` are accepted by Check, that the expectation allows no
// other error code, that NO_ERROR is refused when `success` is not given,
// that every outcome of `implausible` is refused, and that the expectation
// names `rule`.
void ExpectLoose(const Bench& bench, const Call& call, std::initializer_list<Error> errors,
                 const std::optional<Outcome>& success, const std::vector<Outcome>& implausible,
                 absl::string_view rule);

// The blocks of a protocol as (range, kind) pairs in port order.
std::vector<std::pair<PortRange, BlockKind>> BlocksOf(const Machine& machine, Protocol protocol);

}  // namespace portpool::testing

#endif  // PORTPOOL_TESTING_RULE_TEST_UTIL_H_

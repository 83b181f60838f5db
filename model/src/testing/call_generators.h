// Random call sequences for the property tests.
//
// rapidcheck generates *abstract steps*, not calls: processes, sockets and
// tokens are handed out at run time, so a step names them by index into the
// live lists ("socket 1 of process 0", "the third token seen so far") and a
// Driver resolves each step against the live machine just before running
// it. A sequence therefore stays meaningful while rapidcheck shrinks it:
// dropping a step shifts the indices but still names live things.
//
// Ports come from a small window (1..40, 65500..65535, around 65281 and
// 49152) so that blocks, bindings and the dynamic range collide often; the
// dynamic range is sometimes set small (e.g. 65281 with 255 ports) so that
// wildcard acquires and ephemeral binds run out.
//
//   const auto steps = *portpool::testing::GenSteps();
//   portpool::testing::Driver driver(seed);
//   for (const auto& step : steps) {
//     const portpool::Call call = driver.Resolve(step);
//     auto outcome = driver.Run(call);   // recorded in driver.transcript()
//     if (bad) driver.Fail("why");       // prints every call and outcome
//   }
#ifndef PORTPOOL_TESTING_CALL_GENERATORS_H_
#define PORTPOOL_TESTING_CALL_GENERATORS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "portpool/call.h"
#include "portpool/ids.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"
#include "rapidcheck.h"

namespace portpool::testing {

enum class StepKind : uint8_t {
  kStartProcess,
  kEndProcess,
  kReboot,
  kSetDynamicRange,
  kCreate,
  kLookup,
  kDelete,
  kOpenSocket,
  kCloseSocket,
  kAcquire,
  kRelease,
  kAssociate,
  kBind,
  kGetSockName,
  kEnvironment,
};

// Which process or socket a step names.
enum class Who : uint8_t {
  kLive,                // a live process and one of its open sockets
  kOtherProcessSocket,  // a socket of another process (WSAENOTSOCK)
  kClosedSocket,        // a socket that was closed (WSAENOTSOCK)
  kEndedProcess,        // a process that has ended (a malformed call)
};

// Where a block (Create, Lookup, Delete, specific Acquire) or a bind's port
// is aimed, relative to a live block of the protocol when there is one.
enum class Aim : uint8_t {
  kAsGenerated,   // Step::range / Step::port as generated
  kExact,         // exactly a live block
  kOverlapLow,    // ends on the live block's first port
  kOverlapHigh,   // starts on the live block's last port
  kAdjacentLow,   // ends just below the live block
  kAdjacentHigh,  // starts just above the live block
  kSuperset,      // the live block and one port more
  kBoundPort,     // a port some socket of the protocol has bound; for a
                  // block, one around that port (Lookup/Delete: a live
                  // block holding a bound port)
};

// Which of a process's open sockets a socket step prefers.
enum class SocketPick : uint8_t {
  kAny,                // any open socket
  kUnbound,            // an unbound socket, if there is one
  kAssociatedUnbound,  // an associated, unbound socket, if there is one
};

// Which token a Release or Associate step passes. kLive is a token some
// earlier outcome returned that the caller could use: a live persistent
// token of the socket's protocol, or a live runtime token of its process.
enum class TokenPick : uint8_t {
  kLive,            // usable by the caller (see above)
  kSeen,            // a token some earlier outcome returned (maybe stale)
  kLastAssociated,  // the token of the last successful association
  kZero,            // INVALID_PORT_RESERVATION_TOKEN
  kBogus,           // a value no reservation was given
};

struct Step {
  StepKind kind = StepKind::kStartProcess;
  Who who = Who::kLive;
  uint8_t process = 0;  // index into the live processes, in id order
  uint8_t socket = 0;   // index into that process's open sockets (as
                        // narrowed by socket_pick)
  SocketPick socket_pick = SocketPick::kAny;
  bool elevated = false;
  bool null_token = false;
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  PortRange range;    // Create/Lookup/Delete/Acquire (start 0: wildcard)
  uint16_t port = 0;  // Bind (0: let the system choose)
  Aim aim = Aim::kAsGenerated;
  uint8_t target = 0;  // which live block `aim` refers to (mod count)
  TokenPick token_pick = TokenPick::kSeen;
  uint8_t token = 0;    // index into the tokens seen (mod count)
  uint64_t bogus = 1;   // the token for TokenPick::kBogus
  uint8_t dynamic = 0;  // SetDynamicRange: index into DynamicRangeChoices()
  // Environment: a block appears (over `range`, aimed) or one goes (a live
  // block of the store, by `target`).
  bool env_added = true;
  EnvironmentStore env_store = EnvironmentStore::kRuntime;
  // Ioctl buffer sizes; unset means the right size for the call.
  std::optional<uint32_t> in_size;
  std::optional<uint32_t> out_size;
};

// rapidcheck prints a failing case's steps with this.
void showValue(const Step& step, std::ostream& os);

// The dynamic ranges SetDynamicRange steps choose from, valid and not.
const std::vector<PortRange>& DynamicRangeChoices();

struct StepOptions {
  // Upper bound on the sequence length.
  size_t max_steps = 60;
  // Start with a small dynamic range for both protocols and favour large
  // wildcard acquires, so that exhaustion happens.
  bool crowded = false;
};

rc::Gen<Step> GenStep(const StepOptions& options = {});
rc::Gen<std::vector<Step>> GenSteps(const StepOptions& options = {});

// The calls run so far and what each answered: what a failing property
// prints.
class Transcript {
 public:
  void Add(const Call& call, const absl::StatusOr<Outcome>& outcome);
  const std::vector<Call>& calls() const { return calls_; }
  const std::vector<absl::StatusOr<Outcome>>& outcomes() const { return outcomes_; }
  // One line per call: "  7. p2 s3 bind(0) -> NO_ERROR port=49170".
  std::string ToString() const;

 private:
  std::vector<Call> calls_;
  std::vector<absl::StatusOr<Outcome>> outcomes_;
};

// A simulator Machine, the steps' resolution against it, and a transcript.
class Driver {
 public:
  explicit Driver(uint64_t seed, const StepOptions& options = {},
                  const MachineOptions& machine_options = {});

  Machine& machine() { return machine_; }
  const Machine& machine() const { return machine_; }
  const Transcript& transcript() const { return transcript_; }
  const std::vector<Token>& tokens_seen() const { return tokens_seen_; }

  // The concrete call for `step` in the current state. A step that needs a
  // process or socket where there is none becomes StartProcess or
  // OpenSocket.
  Call Resolve(const Step& step) const;
  // Runs `call` on the simulator and records it (and any token it returns).
  // If `rule` is given, it receives the rule of the answer picked.
  absl::StatusOr<Outcome> Run(const Call& call, RuleId* rule = nullptr);
  // Records a call run elsewhere (e.g. on an observer) without running it.
  void Record(const Call& call, const absl::StatusOr<Outcome>& outcome);

  // Fails the current rapidcheck case, printing `what` and the transcript.
  [[noreturn]] void Fail(absl::string_view what) const;

 private:
  std::vector<ProcessId> LiveProcesses() const;
  std::vector<PortRange> LiveBlocks(Protocol protocol) const;
  PortRange AimedBlock(const Step& step, Protocol protocol) const;
  uint16_t AimedPort(const Step& step, const SocketState* socket, Protocol protocol) const;
  PortRange AroundBoundPort(const Step& step, Protocol protocol) const;
  Token PickToken(const Step& step, ProcessId process, Protocol protocol) const;

  Machine machine_;
  Transcript transcript_;
  std::vector<Token> tokens_seen_;
  Token last_associated_ = kInvalidToken;
  ProcessId last_associator_;
  std::vector<ProcessId> all_processes_;  // every process ever started
  std::vector<SocketId> all_sockets_;     // every socket ever opened
};

// Fails the current rapidcheck case with `what` and the transcript unless
// `condition` holds.
#define PORTPOOL_REQUIRE(driver, condition, what)                             \
  do {                                                                        \
    if (!(condition)) (driver).Fail(absl::StrCat("(" #condition ") ", what)); \
  } while (false)

}  // namespace portpool::testing

#endif  // PORTPOOL_TESTING_CALL_GENERATORS_H_

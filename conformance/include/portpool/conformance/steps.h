// Abstract steps for generated call sequences, and their resolution into
// calls against the live state of a run.
//
// A step names processes, sockets and tokens by index into what is live when
// it runs ("socket 2 of process 1"), not by id, so a sequence keeps its
// meaning when rapidcheck shrinks it by dropping steps. Generation is
// steered to where bugs live: a small set of ports around the edges (1,
// 65535, the dynamic range's ends, a shared window), tiny and huge counts,
// reboots and process ends in the middle, byte-swapped ports (the host-order
// mistake), short buffers and bogus tokens. A backend that may touch only a
// window of ports (a real machine's sandbox) gets the same steering inside
// its window instead.
#ifndef PORTPOOL_CONFORMANCE_STEPS_H_
#define PORTPOOL_CONFORMANCE_STEPS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/checker.h"
#include "rapidcheck.h"

namespace portpool::conformance {

struct StepSpec {
  enum class Kind : uint8_t {
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
    // An environment change (ENV-*). GenStep never makes one: a backend that
    // can makes them on its own (SimulatorOptions::environment); the
    // fuzzers' call decoder makes them against the model directly.
    kEnvironment,
  };
  Kind kind = Kind::kStartProcess;
  uint8_t process = 0;  // index into live processes
  uint8_t socket = 0;   // index into the process's open sockets
  uint8_t token = 0;    // index into tokens seen, newest first; 255: bogus
  bool elevated = true;
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  uint16_t port = 0;
  uint16_t count = 0;
  // Rare variations: null token pointer, short buffers, wildcard.
  uint8_t variant = 0;
  // A scenario step (scenarios.h) ignores `kind`: it makes the next call
  // towards a rare state from what is live. 0: an ordinary step.
  uint8_t scenario = 0;
};

std::ostream& operator<<(std::ostream& os, const StepSpec& spec);

// A generator of single steps; leaves out what `capabilities` cannot run.
// With a port window, every port and block of a step lies inside it (its
// edges, a shared sub-window at its start, counts cut to fit).
rc::Gen<StepSpec> GenStep(const Capabilities& capabilities);

// A block as the run's answers showed it: what scenario steps aim at.
struct LiveBlock {
  Protocol protocol = Protocol::kTcp;
  PortRange range;
  bool persistent = false;
  ProcessId owner;  // runtime blocks: who acquired it, on which socket
  SocketId socket;
  Token token = 0;      // the last token an answer gave for it (0: none)
  bool learned = true;  // persistent: `token` was given since the last reboot
  // Runtime: another process released its token, which frees nothing (R-RELEASE-INVALID).
  bool foreign_released = false;
};

// What the run knows of an open socket.
struct LiveSocket {
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  bool associated = false;
  std::optional<uint16_t> port;  // bound to
};

// The live state of a run in the backend's ids, kept from checked calls.
class LiveState {
 public:
  void Observe(const CheckedCall& checked);
  const std::vector<std::pair<ProcessId, bool>>& processes() const { return processes_; }
  const std::vector<SocketId>* sockets_of(ProcessId process) const;
  const std::vector<Token>& tokens() const { return tokens_; }
  bool bound(SocketId socket) const { return bound_.contains(socket.value); }
  // For scenario steps: blocks, sockets, runtime blocks that went with
  // their socket (newest last), the dynamic ranges set, reboots so far.
  const std::vector<LiveBlock>& blocks() const { return blocks_; }
  const LiveSocket* socket(SocketId id) const;
  const std::vector<std::pair<Protocol, PortRange>>& closed_blocks() const {
    return closed_blocks_;
  }
  PortRange dynamic_range(Protocol protocol, Family family) const;
  int reboots() const { return reboots_; }

 private:
  void ForgetRuntimeBlocks(const std::function<bool(const LiveBlock&)>& gone);

  std::vector<std::pair<ProcessId, bool>> processes_;  // id, elevated
  std::map<uint32_t, std::vector<SocketId>> sockets_;  // by process id
  std::vector<Token> tokens_;
  std::set<uint32_t> bound_;  // sockets that bound successfully
  std::vector<LiveBlock> blocks_;
  std::map<uint32_t, LiveSocket> socket_info_;  // by socket id
  std::vector<std::pair<Protocol, PortRange>> closed_blocks_;
  std::map<std::pair<Protocol, Family>, PortRange> dynamic_ranges_;
  int reboots_ = 0;
};

// The call a step stands for now, or nullopt if it cannot apply (no live
// process yet, say). A sequence always starts processes first itself.
// `capabilities` decides the first process's elevation, whether the system
// may choose ports (bind to 0, wildcard acquires) and the made-up token;
// the default is the simulator's, which can do anything.
std::optional<Call> Resolve(const StepSpec& spec, const LiveState& state,
                            const Capabilities& capabilities = {});

// Runs `steps` on a checker, stopping at the first divergence; returns the
// divergent call, or nullopt if all conformed. Harness errors are returned
// as statuses. `capabilities` (those the steps were generated for) resolve
// the steps, as in Resolve.
absl::StatusOr<std::optional<CheckedCall>> RunSteps(const std::vector<StepSpec>& steps,
                                                    Checker& checker,
                                                    const Capabilities& capabilities = {});

// Runs every step on a checker that goes on after divergences
// (CheckerOptions::keep_going) and returns the index in checker.history() of
// every divergent call, in order. It stops early only when the model lost
// track of the backend (an answer it could not adopt: the last index is
// then that call's) or on a harness error, returned as a status.
// `capabilities` resolve the steps, as in RunSteps.
absl::StatusOr<std::vector<size_t>> RunStepsKeepingGoing(const std::vector<StepSpec>& steps,
                                                         Checker& checker,
                                                         const Capabilities& capabilities = {});

// The run so far as readable lines, one call and answer each.
std::string FormatHistory(const Checker& checker);

// The run so far as a trace (docs/trace-format.md), ready to replay, shrink
// and drop into traces/regression/.
std::string HistoryAsTrace(const Checker& checker, const std::string& provenance);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_STEPS_H_

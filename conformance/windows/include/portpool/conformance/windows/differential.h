// The differential run: short call sequences ("cases") run on a backend
// inside a sandbox (sandbox.h), every answer checked against the model as it
// comes, every call recorded as a trace.
//
// Two kinds of case:
//   doc-*    documented behaviour, one or a few rules each, as in the
//            regression corpus but on the sandbox window's ports;
//   probe-*  one per unknown of docs/semantics.md section 4: a small
//            sequence whose recorded answers settle the question (the model
//            is loose there, so any plausible answer conforms; the trace is
//            the evidence).
// The Windows test (conformance/windows/) runs every case against the real
// API; conformance_tests runs them against the simulator, so the sequences
// and the check loop are tested on every platform.
//
// Every call goes through the Checker (checker.h), whose observer model is
// seeded with what the machine had before the run.
#ifndef PORTPOOL_CONFORMANCE_DIFFERENTIAL_H_
#define PORTPOOL_CONFORMANCE_DIFFERENTIAL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/conformance/windows/sandbox.h"
#include "portpool/outcome.h"
#include "portpool/traces/record.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {

// What every case of one run shares.
struct DifferentialEnvironment {
  // Provenance lines for every trace, e.g. "windows build=22631
  // elevated=yes"; the sandbox window is added.
  std::vector<std::string> provenance;
  // What the machine had before the run: seeds the model, and is never
  // deleted.
  MachineSnapshot snapshot;
  Sandbox sandbox{PortRange{20000, 256}};
  // Every Create and Delete goes here first. Required.
  Journal* journal = nullptr;
};

struct DifferentialResult {
  enum class Kind {
    kConforms,     // every answer was allowed
    kDiverged,     // an answer the model does not allow (message says which)
    kUnsupported,  // the backend has no such API (message: its reason)
    kNotRunnable,  // the case needs what the backend cannot do
    kError,        // the harness failed (message says how)
  };
  Kind kind = Kind::kConforms;
  std::string message;
  int steps = 0;    // calls the backend answered
  int refused = 0;  // calls the sandbox refused (not run)
  // The calls and answers as a trace (backend values, symbolic names).
  traces::Trace trace;
  // A human-readable account: one line per call with its verdict.
  std::vector<std::string> lines;
};

absl::string_view DifferentialResultKindName(DifferentialResult::Kind kind);

// One case's run: its calls go through a SandboxedBackend over `backend`,
// are checked against the model, and are recorded. Calls after the first
// divergence, harness error or unsupported answer are not run.
class DifferentialSession {
 public:
  DifferentialSession(Backend& backend, const DifferentialEnvironment& environment,
                      std::string case_name);

  // Runs one call (ids in the backend's numbering) and returns its answer.
  // A call not run (refused by the sandbox, or after the session stopped)
  // returns an empty outcome (NO_ERROR, no payload) and last_ran() is false.
  Outcome Do(const Call& call);
  bool last_ran() const { return last_ran_; }
  bool stopped() const { return stopped_; }

  // The case's first process (elevated if the backend can start one).
  ProcessId process() const { return process_; }
  // What the backend (in its sandbox) can do.
  const Capabilities& capabilities() const { return capabilities_; }
  // Starts another process; its id, or ProcessId{} if it did not run.
  ProcessId StartProcess(bool elevated);
  // Whether the backend can start a second process of that elevation; if
  // not, notes that `why` is not runnable here.
  bool CanStart(bool elevated, const std::string& why);
  // The conveniences below make their calls as this process (at first the
  // case's first one).
  void SetCaller(ProcessId process) { caller_ = process; }
  ProcessId caller() const { return caller_; }

  // Conveniences over Do for the caller.
  uint16_t Port(uint16_t n) const { return environment_.sandbox.Port(n); }
  Outcome Create(Protocol protocol, uint16_t start, uint16_t count, bool null_token = false);
  Outcome Lookup(Protocol protocol, uint16_t start, uint16_t count, bool null_token = false);
  Outcome Delete(Protocol protocol, uint16_t start, uint16_t count);
  // The new socket's id (SocketId{0} if not run).
  SocketId Socket(Protocol protocol, Family family = Family::kIpv4);
  Outcome Close(SocketId socket);
  Outcome Acquire(SocketId socket, uint16_t start, uint16_t count,
                  uint32_t in_size = call::kPortRangeSize, uint32_t out_size = call::kInstanceSize);
  Outcome Release(SocketId socket, Token token, uint32_t in_size = call::kTokenSize,
                  uint32_t out_size = 0);
  Outcome Associate(SocketId socket, Token token, uint32_t in_size = call::kTokenSize,
                    uint32_t out_size = 0);
  Outcome Bind(SocketId socket, uint16_t port);
  Outcome GetSockName(SocketId socket);

  // A note in the account and the trace (above the next call).
  void Note(const std::string& text);
  // Ends the case as not runnable here (e.g. it needs a second process).
  void NotRunnable(const std::string& why);

  // Deletes what the case created, closes nothing (the backend's owner
  // does), and returns the result. Call once, last.
  DifferentialResult Finish() &&;

 private:
  void Stop(DifferentialResult::Kind kind, std::string message);

  const DifferentialEnvironment& environment_;
  std::string name_;
  SandboxedBackend sandboxed_;
  Capabilities capabilities_;
  Checker checker_;  // over sandboxed_
  traces::TraceRecorder recorder_;
  DifferentialResult result_;
  ProcessId process_;
  ProcessId caller_;
  bool process_started_ = false;
  bool stopped_ = false;
  bool last_ran_ = false;
};

struct DifferentialCase {
  std::string name;      // "doc-create-lookup-delete", "probe-M1-null-token"
  std::string question;  // the rules it shows, or the unknown it settles
  std::function<void(DifferentialSession&)> body;
};

// Every case, documented ones first, then the probes: one or more per
// unknown of docs/semantics.md section 4 (U1..U15, C1..C3, M1..M7), named
// "probe-<unknown>-<what>"; a probe that needs what a real machine's run
// cannot do (a second process, a changed dynamic range) says so.
const std::vector<DifferentialCase>& DifferentialCases();

// Runs one case on `backend` (a fresh backend per case: sockets left open
// would leak into the next case's pool).
DifferentialResult RunDifferentialCase(const DifferentialCase& c, Backend& backend,
                                       const DifferentialEnvironment& environment);

// Writes `directory`/traces/NAME.trace and appends the case's account to
// `directory`/report.md (creating both as needed).
absl::Status WriteCaseReport(const std::string& directory, const DifferentialCase& c,
                             const DifferentialResult& result);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_DIFFERENTIAL_H_

// Recording: turns the concrete calls and outcomes of any backend (the
// simulator, real Windows) into a Trace with symbolic names.
//
// A backend speaks in its own ids and token values: process 17, socket 4,
// token 0x9f3c01d2. A trace speaks in names: p1, s1, $a. The recorder keeps
// the mapping, in order of first appearance:
//   - processes p1, p2, ... in the order their StartProcess outcomes create
//     them; sockets s1, s2, ... likewise from OpenSocket outcomes;
//   - tokens $a, $b, ..., $z, $aa, $ab, ... in the order they first appear,
//     as an argument or in an outcome. A token value always gets the same
//     name, so a token that survives a reboot keeps its name and one that
//     changes gets a new one. A token argument never returned by any outcome
//     (a made-up token) still gets a name of its own: the replay gives it a
//     value no outcome has. Token 0 is written as the literal 0.
// An outcome that creates a process or socket always gets a fresh name, even
// if the backend reuses an id (Windows reuses socket handles after
// closesocket): the new name stands for the new object from then on. A call
// naming a process or socket id that no outcome created gets a fresh name
// too (the replay then reports the step as bad input, which it is).
//
// The recorder knows nothing of Machine: it takes calls and outcomes only.
//
//   TraceRecorder recorder;
//   recorder.AddProvenance("simulator seed=42 calls=100");
//   for (...) recorder.Record(call, backend.Run(call));
//   Trace trace = std::move(recorder).Finish();
#ifndef PORTPOOL_TRACES_RECORD_H_
#define PORTPOOL_TRACES_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "portpool/call.h"
#include "portpool/ids.h"
#include "portpool/outcome.h"
#include "portpool/traces/trace.h"

namespace portpool::traces {

// The n-th token name (0-based): "$a" .. "$z", "$aa" .. "$az", "$ba", ...
std::string TokenName(uint64_t n);

class TraceRecorder {
 public:
  TraceRecorder() = default;

  // Adds a "provenance:" header line (without the "provenance: " prefix).
  void AddProvenance(std::string line);
  // Adds a comment line (without '#') above the next recorded step (above
  // the first step: to the trace's own comments).
  void AddComment(std::string line);

  // Appends one step: `call` as the backend ran it (backend ids, host order,
  // real token values) and the `outcome` it answered. `raw_port`: the caller
  // passed its port argument in host order by mistake (see Step::raw_port).
  void Record(const Call& call, const Outcome& outcome, bool raw_port = false);

  // The trace so far.
  const Trace& trace() const { return trace_; }
  // The trace, with any comments added after the last step as trailing
  // comments (or, without steps, as the trace's comments).
  Trace Finish() &&;

  // The name a backend value was given, or "" if it has none yet.
  std::string ProcessName(ProcessId backend_id) const;
  std::string SocketName(SocketId backend_id) const;
  std::string TokenNameOf(Token value) const;

 private:
  ProcessId NameProcess(ProcessId backend_id);
  SocketId NameSocket(SocketId backend_id);
  // Sets `name` to the token's name and returns 0, or leaves it empty and
  // returns 0 for the literal token 0.
  Token NameToken(Token value, std::optional<std::string>& name);

  Trace trace_;
  std::vector<std::string> pending_comments_;
  absl::flat_hash_map<uint32_t, uint32_t> processes_;  // backend id -> name number
  absl::flat_hash_map<uint32_t, uint32_t> sockets_;
  absl::flat_hash_map<Token, std::string> tokens_;
  uint32_t next_process_ = 1;
  uint32_t next_socket_ = 1;
};

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_RECORD_H_

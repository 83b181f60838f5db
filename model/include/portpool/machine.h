// The reference model of a Windows machine's port pool, and its simulator.
//
// A Machine holds what is known of one machine: the TCP and UDP pools, the
// processes (elevated or not) and their sockets, the boot count. For every
// call it states which answers Windows may give (Expect), judges an observed
// answer against them (Check), and learns from the answer (Observe). As a
// simulator (Run) it picks one allowed answer, reproducibly from its seed.
//
//   portpool::Machine machine(42);
//   auto expectation = machine.Expect(call);       // which answers are allowed
//   auto verdict = machine.Check(*expectation, outcome);
//   if (verdict.conforms) machine.Observe(call, outcome);
//
// Pure and deterministic: no I/O, no globals, no clocks.
#ifndef PORTPOOL_MACHINE_H_
#define PORTPOOL_MACHINE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "portpool/call.h"
#include "portpool/expectation.h"
#include "portpool/ids.h"
#include "portpool/mutant.h"
#include "portpool/outcome.h"
#include "portpool/port_pool.h"
#include "portpool/random.h"
#include "portpool/rules.h"

namespace portpool {

// The judgement of one observed outcome.
struct Verdict {
  bool conforms = false;
  // The rule of the answer that matched (when it conforms).
  RuleId rule;
  // Every rule the expectation drew on, for coverage and for divergences.
  std::vector<RuleId> rules;
  // Empty when it conforms; else what was recorded and what is allowed.
  std::string explanation;
};

// Where a socket's SIO_ASSOCIATE_PORT_RESERVATION points.
struct Association {
  Token token = kInvalidToken;
  // The block the token named when associated (kept after the block goes).
  PortRange block;
  // After a reboot the model may not know which persistent block an
  // unlearned token names; then these are the blocks it may name.
  std::vector<PortRange> candidates;
};

struct ProcessState {
  bool elevated = false;
  std::vector<SocketId> sockets;  // open sockets, in opening order
};

struct SocketState {
  ProcessId owner;
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  std::optional<uint16_t> bound_port;
  std::optional<Association> association;
  std::vector<uint16_t> acquired;  // starts of runtime blocks acquired here
};

struct MachineOptions {
  // A deliberate fault, for the mutation test only (see mutant.h).
  Mutant mutant = Mutant::kNone;
};

class Machine {
 public:
  // `seed` decides every choice the simulator makes: the same seed and the
  // same calls give the same answers.
  explicit Machine(uint64_t seed, MachineOptions options = {});
  const MachineOptions& options() const { return options_; }

  // --- The loose specification -------------------------------------------
  // The answers Windows may give to `call` in the current state. An error
  // status (not an Expectation) means the call itself is malformed for this
  // machine, e.g. it names a process that has ended.
  absl::StatusOr<Expectation> Expect(const Call& call) const;
  // Whether `outcome` is one of `expectation`'s answers. `expectation` must
  // come from Expect on the current state.
  Verdict Check(const Expectation& expectation, const Outcome& outcome) const;
  // Learns from an outcome that Check accepted: applies its effect.
  absl::Status Observe(const Call& call, const Outcome& outcome);
  // The same, for a caller that has `expectation` = Expect(call) on the
  // current state already (the checker's loop): it is not computed again;
  // the outcome must still match one of its answers.
  absl::Status Observe(const Call& call, const Outcome& outcome, const Expectation& expectation);

  // --- The simulator ------------------------------------------------------
  // Expect, then pick one allowed answer from the seed, then Observe it.
  // Unknowns the answer leaves open (a token after a reboot) are settled at
  // once from the seed, so the simulator always knows every token.
  // If `rule` is given, it receives the rule of the answer picked.
  absl::StatusOr<Outcome> Run(const Call& call, RuleId* rule = nullptr);
  // Conveniences over Run for the environment controls.
  ProcessId StartProcess(bool elevated);
  void EndProcess(ProcessId process);
  void Reboot();
  absl::Status SetDynamicRange(Protocol protocol, PortRange range);
  // Seeds a block that was on the machine before the model started to watch
  // it (read from `netsh int ipv4 show excludedportrange` on real Windows):
  // kPersistent for an administered ('*') entry, added with an unknown token
  // as after a reboot; kRuntime for an unmarked one, held by a process the
  // model never sees (no live process owns it, so every process is foreign to
  // it). No rule is consulted and nothing is checked but the bookkeeping: an
  // error if `range` is empty, runs past 65535, or overlaps a block already
  // known. Called before the first call; for a Machine used as an observer.
  absl::Status SeedExisting(Protocol protocol, PortRange range, BlockKind kind);

  // --- Inspection -----------------------------------------------------------
  const PortPool& pool(Protocol p) const { return pools_[static_cast<size_t>(p)]; }
  bool IsLive(ProcessId p) const { return processes_.contains(p); }
  const ProcessState* process(ProcessId p) const;
  const SocketState* socket(SocketId s) const;
  const absl::flat_hash_map<ProcessId, ProcessState>& processes() const { return processes_; }
  const absl::flat_hash_map<SocketId, SocketState>& sockets() const { return sockets_; }
  // How many reboots have happened.
  uint32_t boot() const { return boot_; }
  // Where a live token points, if the model knows it.
  struct TokenOwner {
    Protocol protocol;
    uint16_t start;
  };
  std::optional<TokenOwner> FindToken(Token token) const;
  // Persistent blocks whose token is not known (only after a reboot, and
  // only in a Machine used as an observer).
  int unknown_tokens() const { return unknown_tokens_; }

 private:
  PortPool& mutable_pool(Protocol p) { return pools_[static_cast<size_t>(p)]; }
  absl::StatusOr<const ProcessState*> LiveProcess(ProcessId p) const;
  // The socket if it is open and belongs to `process`.
  const SocketState* OwnedSocket(ProcessId process, SocketId socket) const;
  // Expect without the rules every answer of a kind relies on.
  absl::StatusOr<Expectation> ExpectAnswers(const Call& call) const;

  Expectation ExpectCreate(const call::CreatePersistent& c, const ProcessState& p) const;
  Expectation ExpectLookup(const call::LookupPersistent& c, const ProcessState& p) const;
  Expectation ExpectDelete(const call::DeletePersistent& c, const ProcessState& p) const;
  Expectation ExpectAcquire(const call::Acquire& c, const SocketState& s) const;
  Expectation ExpectRelease(const call::Release& c, SocketId id, const SocketState& s) const;
  Expectation ExpectAssociate(const call::Associate& c, const ProcessState& p,
                              const SocketState& s) const;
  Expectation ExpectBind(const call::Bind& c, const SocketState& s) const;
  // The answers of a specific-port bind without a usable association.
  void ExpectPlainBind(uint16_t port, const SocketState& s, Expectation& e) const;
  // The ranges an association currently reaches (empty if its block is gone).
  using Ranges = absl::InlinedVector<PortRange, 2>;
  Ranges LiveAssociationRanges(const SocketState& s) const;
  // The blocks an association may have named that no longer exist.
  Ranges GoneAssociationRanges(const SocketState& s) const;
  void PinAssociations(Token token, PortRange block);
  bool ClaimedByAssociation(Token token) const;
  // Whether `token` may be `block`'s given every unlearned association
  // made with it.
  bool ClaimsAllow(Token token, PortRange block) const;

  void Apply(const Call& call, const Outcome& outcome);
  void CloseSocketState(SocketId id);
  void EndProcessState(ProcessId id);
  void RegisterToken(Token token, Protocol protocol, uint16_t start);
  // Forgets `token`, found at the block at (protocol, start).
  void ForgetToken(Token token, Protocol protocol, uint16_t start);
  // PortPool::AddBlock and RemoveBlock, keeping the token index exact.
  // RemoveBlock is given the block at (protocol, start).
  void AddBlock(Protocol protocol, PortRange range, const Block& block);
  void RemoveBlock(Protocol protocol, uint16_t start, const Block& block);
  void ResolveUnknownTokens();
  Outcome Choose(const Expectation& e, Protocol protocol, RuleId* rule);
  Protocol ProtocolOf(const Call& call) const;
  bool PayloadMatches(const Answer& answer, const Expectation& e, const Outcome& o) const;
  // The first answer of `e` that `o` matches, or nullptr.
  const Answer* MatchingAnswer(const Expectation& e, const Outcome& o) const;
  bool TokenIsFresh(const std::optional<Token>& token) const;

  bool Mutated(Mutant m) const { return options_.mutant == m; }
  // Error codes as the kAccessAndInUseSwapped mutant would give them.
  Error MaybeSwapped(Error error) const;

  MachineOptions options_;
  std::array<PortPool, 2> pools_;
  absl::flat_hash_map<ProcessId, ProcessState> processes_;
  absl::flat_hash_map<SocketId, SocketState> sockets_;
  TokenIndex tokens_;
  // Ids ever handed out: a new process or socket must not reuse one.
  uint32_t last_process_ = 0;
  uint32_t last_socket_ = 0;
  uint32_t boot_ = 0;
  int unknown_tokens_ = 0;
  SplitMix64 rng_;
  TokenSource token_source_;
};

}  // namespace portpool

#endif  // PORTPOOL_MACHINE_H_

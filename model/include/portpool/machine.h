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
  // The associations the socket may have: none when empty. Several where
  // Windows' answer leaves it open which one holds (a second associate,
  // R-ASSOC-TWICE); a bind may then go through any of them, and also through
  // none when `maybe_unassociated` (an associate with a token the model does
  // not know may have had no effect, R-ASSOC-UNLEARNED).
  std::vector<Association> associations;
  bool maybe_unassociated = false;
  std::vector<uint16_t> acquired;  // starts of runtime blocks acquired here

  bool associated() const { return !associations.empty(); }
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
  // Run with the answer chosen by the caller instead of the seed: answer
  // number `answer` (0-based) of Expect(call)->answers. What that answer
  // leaves open (a token's value, where a wildcard block lands, which port
  // bind(0) gets) still comes from the seed. OutOfRange if the call has no
  // such answer. For tools that try each allowed answer of a loose call in
  // turn (the compat library's explore policy).
  absl::StatusOr<Outcome> RunAnswer(const Call& call, size_t answer, RuleId* rule = nullptr);
  // Conveniences over Run for the environment controls.
  ProcessId StartProcess(bool elevated);
  void EndProcess(ProcessId process);
  void Reboot();
  absl::Status SetDynamicRange(Protocol protocol, PortRange range, Family family = Family::kIpv4);
  // Seeds a block that was on the machine before the model started to watch
  // it (read from `netsh int ipv4 show excludedportrange` on real Windows):
  // kPersistent for an administered ('*') entry, added with an unknown token
  // as after a reboot; kRuntime for an unmarked one, held by a process the
  // model never sees (no live process owns it, so every process is foreign to
  // it). No rule is consulted and nothing is checked but the bookkeeping: an
  // error if `range` is empty, runs past 65535, or overlaps a block already
  // known. Called before the first call; for a Machine used as an observer.
  // A mid-run change is an EnvironmentBlock call instead.
  absl::Status SeedExisting(Protocol protocol, PortRange range, BlockKind kind);
  // The same for a block of a given store (kActive: a store=active
  // exclusion, gone at the next boot).
  absl::Status SeedExisting(Protocol protocol, PortRange range, EnvironmentStore store);
  // Seeds the dynamic range a machine is in (netsh int ipv4|ipv6 show
  // dynamicport): any range that fits, even one the set command would refuse
  // (DYN-RANGE-SEEDED; runner images have start 1024 with 64511 ports).
  absl::Status SeedDynamicRange(Protocol protocol, Family family, PortRange range);

  // --- Following a backend past a divergence ---------------------------------
  // Applies the effect of an outcome that Check refused, so that an observer
  // follows the backend from there (the checker going on after a
  // divergence). An error answer changes nothing, as always. A success is
  // applied as far as the model can hold it; when it cannot (no payload
  // where one is needed, a block over a block of the same protocol that the
  // pool cannot keep apart, a token another live reservation of the
  // protocol holds, a port bound twice by one family, an id handed out
  // before) the state is left as it was and the error says why.
  absl::Status Adopt(const Call& call, const Outcome& outcome);

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
  // Tokens are unique within a protocol (TOKEN-UNIQUE), so the protocol is
  // part of the question.
  std::optional<TokenOwner> FindToken(Token token, Protocol protocol) const;
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

  // --- Expectations, one rule family per file, as docs/semantics.md's
  // section 3 groups them. Each names the rule IDs where it decides.
  // process_rules.cc: processes, sockets, reboots, the dynamic range.
  Expectation ExpectStartProcess() const;
  Expectation ExpectEndProcess(const ProcessState& p) const;
  Expectation ExpectReboot() const;
  Expectation ExpectSetDynamicRange(const call::SetDynamicRange& c) const;
  Expectation ExpectOpenSocket() const;
  Expectation ExpectCloseSocket() const;
  Expectation ExpectNotSocket() const;
  // environment_rules.cc: reservations no process of the run made (ENV-*).
  // An error when the change cannot be held (a block over a known one, a
  // removal of a block that is not there).
  absl::StatusOr<Expectation> ExpectEnvironment(const call::EnvironmentBlock& c) const;
  // persistent_rules.cc: Create, Lookup, Delete.
  Expectation ExpectCreate(const call::CreatePersistent& c, const ProcessState& p) const;
  Expectation ExpectLookup(const call::LookupPersistent& c, const ProcessState& p) const;
  Expectation ExpectDelete(const call::DeletePersistent& c, const ProcessState& p) const;
  // runtime_rules.cc: SIO_ACQUIRE/RELEASE/ASSOCIATE_PORT_RESERVATION.
  // The blocks a wildcard block for `family` may be placed over: runtime
  // blocks of the other family only (R-ACQUIRE-OTHER-FAMILY).
  bool WildcardPlacementAllowed(const PortPool& pool, PortRange block, Family family) const;
  // A placement of `count` ports in `window` that needs R-ACQUIRE-OTHER-FAMILY
  // (it overlaps a runtime block of the other family), or nullopt; the
  // first one in port order, or the `pick`-th modulo their number.
  std::optional<PortRange> OtherFamilyRun(const PortPool& pool, PortRange window, uint16_t count,
                                          Family family, uint64_t pick) const;
  // The association an associate of `token` by `p` on `s` makes, if it makes
  // one: nullopt for a success without effect (R-ASSOC-INVALID).
  std::optional<Association> AssociationOf(Token token, const ProcessState& p, const SocketState& s,
                                           bool* maybe_none) const;
  Expectation ExpectAcquire(const call::Acquire& c, const SocketState& s) const;
  Expectation ExpectRelease(const call::Release& c, SocketId id, const SocketState& s) const;
  Expectation ExpectAssociate(const call::Associate& c, const ProcessState& p,
                              const SocketState& s) const;
  // bind_rules.cc: bind, getsockname, and what an association reaches.
  Expectation ExpectBind(const call::Bind& c, const SocketState& s) const;
  Expectation ExpectGetSockName(const SocketState& s) const;
  // The answers of a bind without an association, and through one.
  void ExpectUnassociatedBind(const call::Bind& c, const SocketState& s, Expectation& e) const;
  void ExpectAssociatedBind(const call::Bind& c, const SocketState& s, const Association& a,
                            Expectation& e) const;
  // The answers of a specific-port bind without a usable association.
  void ExpectPlainBind(uint16_t port, const SocketState& s, Expectation& e) const;
  // The ranges an association currently reaches (empty if its block is gone).
  using Ranges = absl::InlinedVector<PortRange, 2>;
  Ranges LiveAssociationRanges(const SocketState& s, const Association& a) const;
  // The blocks an association may have named that no longer exist.
  Ranges GoneAssociationRanges(const SocketState& s, const Association& a) const;
  // Ports of `window` that a bind(0) of family `family` may take although
  // they are not free: unbound ports whose every block is a runtime block of
  // the other family (B-BIND-EPHEMERAL-OTHER-FAMILY). At most `limit`.
  std::vector<uint16_t> OtherFamilyPorts(const PortPool& pool, PortRange window, Family family,
                                         size_t limit) const;
  // Whether a port is one a bind(0) of `family` may take (kEphemeralPort).
  bool EphemeralPortAllowed(const PortPool& pool, uint16_t port, Family family) const;
  void PinAssociations(Token token, Protocol protocol, PortRange block);
  bool ClaimedByAssociation(Token token, Protocol protocol) const;
  // Whether `token` may be `block`'s given every unlearned association
  // made with it.
  bool ClaimsAllow(Token token, Protocol protocol, PortRange block) const;

  // --- The effect of an accepted (NO_ERROR) outcome, in the same files.
  void Apply(const Call& call, const Outcome& outcome);
  void ApplyCall(const call::StartProcess& c, const Outcome& o);      // process_rules.cc
  void ApplyCall(const call::EndProcess& c, const Outcome& o);        // process_rules.cc
  void ApplyCall(const call::Reboot& c, const Outcome& o);            // process_rules.cc
  void ApplyCall(const call::SetDynamicRange& c, const Outcome& o);   // process_rules.cc
  void ApplyCall(const call::OpenSocket& c, const Outcome& o);        // process_rules.cc
  void ApplyCall(const call::CloseSocket& c, const Outcome& o);       // process_rules.cc
  void ApplyCall(const call::CreatePersistent& c, const Outcome& o);  // persistent_rules.cc
  void ApplyCall(const call::LookupPersistent& c, const Outcome& o);  // persistent_rules.cc
  void ApplyCall(const call::DeletePersistent& c, const Outcome& o);  // persistent_rules.cc
  void ApplyCall(const call::Acquire& c, const Outcome& o);           // runtime_rules.cc
  void ApplyCall(const call::Release& c, const Outcome& o);           // runtime_rules.cc
  void ApplyCall(const call::Associate& c, const Outcome& o);         // runtime_rules.cc
  void ApplyCall(const call::Bind& c, const Outcome& o);              // bind_rules.cc
  void ApplyCall(const call::GetSockName& c, const Outcome& o);       // bind_rules.cc
  void ApplyCall(const call::EnvironmentBlock& c, const Outcome& o);  // environment_rules.cc
  void CloseSocketState(SocketId id);
  void EndProcessState(ProcessId id);

  // --- Bookkeeping (machine.cc).
  TokenIndex& tokens(Protocol p) { return tokens_[static_cast<size_t>(p)]; }
  const TokenIndex& tokens(Protocol p) const { return tokens_[static_cast<size_t>(p)]; }
  void RegisterToken(Token token, Protocol protocol, uint16_t start);
  // Forgets `token`, found at the block at (protocol, start).
  void ForgetToken(Token token, Protocol protocol, uint16_t start);
  // PortPool::AddBlock and RemoveBlock, keeping the token index exact.
  // RemoveBlock is given the block at (protocol, start).
  void AddBlock(Protocol protocol, PortRange range, const Block& block);
  void RemoveBlock(Protocol protocol, uint16_t start, const Block& block);
  void ResolveUnknownTokens();
  // Run and RunAnswer: `pick` is the answer's number, or nullopt for the seed's.
  absl::StatusOr<Outcome> RunPicking(const Call& call, std::optional<size_t> pick, RuleId* rule);
  // Picks answer number `pick` of `e`, or one from the seed if nullopt.
  Outcome Choose(const Expectation& e, Protocol protocol, RuleId* rule,
                 std::optional<size_t> pick = std::nullopt);
  bool PayloadMatches(const Answer& answer, const Expectation& e, const Outcome& o) const;
  // The first answer of `e` that `o` matches, or nullptr.
  const Answer* MatchingAnswer(const Expectation& e, const Outcome& o) const;
  bool TokenIsFresh(const std::optional<Token>& token, Protocol protocol) const;
  // Persistent blocks of the protocol whose token is not known.
  bool HasUnlearnedBlock(Protocol protocol) const;
  // Why Adopt cannot apply `outcome`, or "" if it can.
  std::string WhyNotAdoptable(const Call& call, const Outcome& outcome) const;

  bool Mutated(Mutant m) const { return options_.mutant == m; }
  // Error codes as the kAccessAndInUseSwapped mutant would give them.
  Error MaybeSwapped(Error error) const;

  MachineOptions options_;
  std::array<PortPool, 2> pools_;
  absl::flat_hash_map<ProcessId, ProcessState> processes_;
  absl::flat_hash_map<SocketId, SocketState> sockets_;
  std::array<TokenIndex, 2> tokens_;  // by protocol
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

// An obviously-correct oracle of the port pool, for agreement tests against
// the Machine.
//
// It shares no code with machine.cc or port_pool.cc. Each protocol's pool is
// a plain table of 65,536 entries (which block holds the port, which IPv4
// and IPv6 socket has bound it) and every question is a linear scan of it.
// Processes, sockets and tokens are kept in plain maps. The decisions are
// written straight from the rule summaries of the catalogue (rules.cc), one
// `if` per rule, and name the rule they implement.
//
// For a call, Judge gives the SET of error codes Windows may answer and
// whether it may succeed (and what a success must carry); Accepts judges an
// observed outcome; Apply learns from it. Tokens the simulator settles
// without reporting them (after a reboot, or for a Create with a null Token
// pointer) are taught with LearnToken.
#ifndef PORTPOOL_TESTING_TABLE_ORACLE_H_
#define PORTPOOL_TESTING_TABLE_ORACLE_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "portpool/call.h"
#include "portpool/error.h"
#include "portpool/ids.h"
#include "portpool/outcome.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"

namespace portpool::testing {

class TableOracle {
 public:
  // What a success must carry.
  enum class Shape : uint8_t {
    kNothing,           // no token, block, port, process or socket
    kNewProcess,        // a process id never handed out
    kNewSocket,         // a socket id never handed out
    kFreshToken,        // a non-zero token no live reservation holds
    kExactToken,        // exactly `token`
    kThisBlock,         // exactly `block`, and a fresh token
    kBlockInWindow,     // `block.count` free ports inside `window`, fresh token
    kFreePortInWindow,  // a port of `window` with no block and no binding
    kUnboundPortIn,     // a port of one of `ranges` that no socket has bound
    kStalePortIn,       // a port of `ranges` a stale association may reach
    kThisPort,          // exactly `port`
  };

  struct Allowed {
    std::set<Error> errors;  // never NO_ERROR
    bool success = false;
    Shape shape = Shape::kNothing;
    Token token = kInvalidToken;
    PortRange block;
    PortRange window;
    std::vector<PortRange> ranges;
    uint16_t port = 0;
    std::string Describe() const;
  };

  TableOracle();

  // nullopt when the call names a process that is not live: a misuse of the
  // model (the Machine answers it with an error status), not a Windows answer.
  std::optional<Allowed> Judge(const Call& call) const;
  // Empty when `outcome` is one of the allowed answers; else why not.
  std::string WhyNot(const Call& call, const Outcome& outcome) const;
  // Learns from an allowed outcome.
  void Apply(const Call& call, const Outcome& outcome);

  // Persistent blocks whose current token the oracle does not know.
  std::vector<std::pair<Protocol, PortRange>> BlocksWithUnknownToken() const;
  void LearnToken(Protocol protocol, PortRange block, Token token);

  // The state, for comparison with a Machine.
  struct BlockView {
    Protocol protocol = Protocol::kTcp;
    PortRange range;
    bool persistent = false;
    Token token = kInvalidToken;
    // Runtime blocks only (0 / IPv4 for persistent ones).
    uint32_t owner = 0;
    uint32_t socket = 0;
    Family family = Family::kIpv4;
    friend bool operator==(const BlockView&, const BlockView&) = default;
  };
  struct BindingView {
    Protocol protocol = Protocol::kTcp;
    uint16_t port = 0;
    Family family = Family::kIpv4;
    uint32_t socket = 0;
    friend bool operator==(const BindingView&, const BindingView&) = default;
  };
  // In (protocol, start) and (protocol, port, family) order.
  std::vector<BlockView> Blocks() const;
  std::vector<BindingView> Bindings() const;
  PortRange dynamic_range(Protocol protocol) const { return dynamic_[Index(protocol)]; }
  std::vector<uint32_t> Processes() const;
  std::vector<uint32_t> Sockets() const;
  // Cross-checks the port tables against the block and socket records with
  // a full scan; empty if consistent.
  std::string SelfCheck() const;

 private:
  struct Entry {
    uint32_t block = 0;               // 0: free; else a key of blocks_
    std::array<uint32_t, 2> bound{};  // socket ids by Family; 0: none
  };
  struct BlockRec {
    Protocol protocol = Protocol::kTcp;
    PortRange range;
    bool persistent = false;
    bool token_known = false;
    Token token = kInvalidToken;
    uint32_t owner = 0;
    uint32_t socket = 0;
    Family family = Family::kIpv4;
  };
  struct ProcessRec {
    bool elevated = false;
  };
  struct SocketRec {
    uint32_t owner = 0;
    Protocol protocol = Protocol::kTcp;
    Family family = Family::kIpv4;
    std::optional<uint16_t> port;
    bool associated = false;
    Token assoc_token = kInvalidToken;
    PortRange assoc_block;
  };

  static size_t Index(Protocol p) { return p == Protocol::kTcp ? 0 : 1; }
  static size_t Index(Family f) { return f == Family::kIpv4 ? 0 : 1; }
  const Entry& At(Protocol p, uint32_t port) const { return tables_[Index(p)][port]; }
  Entry& At(Protocol p, uint32_t port) { return tables_[Index(p)][port]; }

  // Linear scans.
  bool AnyBlockOfKind(Protocol p, PortRange range, bool persistent) const;
  bool AnyBlock(Protocol p, PortRange range) const;
  bool AnyBinding(Protocol p, PortRange range) const;
  bool PortFree(Protocol p, uint32_t port) const;
  bool PortUnbound(Protocol p, uint32_t port) const;
  bool HasFreeRun(Protocol p, PortRange window, uint32_t count) const;
  bool HasFreePort(Protocol p, PortRange window) const;
  bool HasUnboundPort(Protocol p, PortRange range) const;
  // B-BIND-ASSOC-GONE: a port the socket's gone association may still give.
  bool StaleReachable(const SocketRec& s, uint32_t port) const;
  // The live block with exactly this range, or 0.
  uint32_t ExactBlock(Protocol p, PortRange range) const;
  // The live block holding `token`, or 0.
  uint32_t BlockWithToken(Token token) const;
  bool TokenIsFresh(Token token) const;

  const SocketRec* CallerSocket(uint32_t process, uint32_t socket) const;
  Allowed JudgeCreate(const call::CreatePersistent& c, const ProcessRec& p) const;
  Allowed JudgeLookup(const call::LookupPersistent& c, const ProcessRec& p) const;
  Allowed JudgeDelete(const call::DeletePersistent& c, const ProcessRec& p) const;
  Allowed JudgeAcquire(const call::Acquire& c, const SocketRec& s) const;
  Allowed JudgeRelease(const call::Release& c, const SocketRec& s) const;
  Allowed JudgeAssociate(const call::Associate& c, const ProcessRec& p, const SocketRec& s) const;
  Allowed JudgeBind(const call::Bind& c, const SocketRec& s) const;
  // bind to a specific port with no usable association.
  void JudgePlainBind(uint16_t port, const SocketRec& s, Allowed& a) const;

  uint32_t AddBlock(const BlockRec& block);
  void RemoveBlock(uint32_t id);
  void CloseSocket(uint32_t id);
  void EndProcess(uint32_t id);

  std::array<std::vector<Entry>, 2> tables_;
  std::map<uint32_t, BlockRec> blocks_;
  uint32_t next_block_ = 1;
  std::map<uint32_t, ProcessRec> processes_;
  std::map<uint32_t, SocketRec> sockets_;
  uint32_t last_process_ = 0;
  uint32_t last_socket_ = 0;
  std::array<PortRange, 2> dynamic_;
};

}  // namespace portpool::testing

#endif  // PORTPOOL_TESTING_TABLE_ORACLE_H_

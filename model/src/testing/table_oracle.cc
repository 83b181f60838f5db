#include "testing/table_oracle.h"

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace portpool::testing {
namespace {

using E = Error;
constexpr uint32_t kPorts = 65536;

// The block's last port, or past 65535 when it does not fit.
uint64_t Last(PortRange r) { return uint64_t{r.start} + r.count - 1; }
bool IsZero(PortRange r) { return r.start == 0 || r.count == 0; }
bool PastMax(PortRange r) { return !IsZero(r) && Last(r) > 65535; }
bool Inside(PortRange r, uint32_t port) {
  return r.count != 0 && port >= r.start && port <= Last(r);
}
Protocol OtherProtocol(Protocol p) { return p == Protocol::kTcp ? Protocol::kUdp : Protocol::kTcp; }

// The codes the catalogue allows where Windows' own is not known, as the
// reference's unknowns give them.
const std::set<Error> kTokenCodes = {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse};  // U4
const std::set<Error> kCountCodes = {E::kWsaEinval};                                    // U3
const std::set<Error> kNoBlock = {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval};    // U2
const std::set<Error> kNoPort = {E::kWsaEnobufs, E::kWsaEaddrinuse};                    // U1
const std::set<Error> kBadBuffer = {E::kWsaEinval, E::kWsaEfault};                      // M3

void Add(std::set<Error>& to, const std::set<Error>& codes) {
  to.insert(codes.begin(), codes.end());
}

std::string ShapeName(TableOracle::Shape shape) {
  switch (shape) {
    case TableOracle::Shape::kNothing:
      return "nothing";
    case TableOracle::Shape::kNewProcess:
      return "a new process";
    case TableOracle::Shape::kNewSocket:
      return "a new socket";
    case TableOracle::Shape::kFreshToken:
      return "a fresh token";
    case TableOracle::Shape::kExactToken:
      return "the known token";
    case TableOracle::Shape::kThisBlock:
      return "that block and a fresh token";
    case TableOracle::Shape::kBlockInWindow:
      return "a free block in the dynamic range and a fresh token";
    case TableOracle::Shape::kFreePortInWindow:
      return "a free port of the dynamic range";
    case TableOracle::Shape::kPortInRanges:
      return "an unbound port of an associated block, or of a gone one that no other process "
             "holds in a runtime block of the socket's family";
    case TableOracle::Shape::kThisPort:
      return "that port";
  }
  return "?";
}

}  // namespace

std::string TableOracle::Allowed::Describe() const {
  return absl::StrCat("errors {", absl::StrJoin(errors, ", ", absl::StreamFormatter()), "}",
                      success ? absl::StrCat(" or NO_ERROR with ", ShapeName(shape)) : "");
}

TableOracle::TableOracle() {
  for (auto& table : tables_) table.assign(kPorts, Entry{});
  // DYN-RANGE-DEFAULT: 49152, 16384 ports, for each protocol and family.
  for (auto& ranges : dynamic_) ranges = {PortRange{49152, 16384}, PortRange{49152, 16384}};
}

// ---------------------------------------------------------------------------
// Scans

std::vector<uint32_t> TableOracle::BlocksAt(Protocol p, uint32_t port) const {
  std::vector<uint32_t> ids;
  for (uint32_t id : At(p, port).blocks) {
    if (id != 0) ids.push_back(id);
  }
  return ids;
}

bool TableOracle::AnyBlockOfKind(Protocol p, PortRange range, bool persistent) const {
  for (uint64_t port = range.start; port <= Last(range) && port < kPorts; ++port) {
    for (uint32_t id : BlocksAt(p, static_cast<uint32_t>(port))) {
      if (blocks_.at(id).persistent == persistent) return true;
    }
  }
  return false;
}

bool TableOracle::AnyBlock(Protocol p, PortRange range) const {
  return AnyBlockOfKind(p, range, true) || AnyBlockOfKind(p, range, false);
}

bool TableOracle::AnyBinding(Protocol p, PortRange range) const {
  for (uint64_t port = range.start; port <= Last(range) && port < kPorts; ++port) {
    if (!PortUnbound(p, static_cast<uint32_t>(port))) return true;
  }
  return false;
}

bool TableOracle::PortUnbound(Protocol p, uint32_t port) const {
  const Entry& e = At(p, port);
  return e.bound[0] == 0 && e.bound[1] == 0;
}

bool TableOracle::PortFree(Protocol p, uint32_t port) const {
  return BlocksAt(p, port).empty() && PortUnbound(p, port);
}

bool TableOracle::HasFreeRun(Protocol p, PortRange window, uint32_t count) const {
  if (count == 0) return false;
  uint32_t run = 0;
  for (uint64_t port = window.start; port <= Last(window) && port < kPorts; ++port) {
    run = PortFree(p, static_cast<uint32_t>(port)) ? run + 1 : 0;
    if (run >= count) return true;
  }
  return false;
}

bool TableOracle::HasFreePort(Protocol p, PortRange window) const {
  return HasFreeRun(p, window, 1);
}

bool TableOracle::EphemeralOk(Protocol p, Family family, uint32_t port) const {
  if (!PortUnbound(p, port)) return false;
  for (uint32_t id : BlocksAt(p, port)) {
    const BlockRec& b = blocks_.at(id);
    if (b.persistent || b.family == family) return false;
  }
  return true;
}

bool TableOracle::RunOkFor(Protocol p, Family family, PortRange run) const {
  for (uint64_t port = run.start; port <= Last(run); ++port) {
    if (port >= kPorts || !EphemeralOk(p, family, static_cast<uint32_t>(port))) return false;
  }
  return true;
}

bool TableOracle::HasRunFor(Protocol p, Family family, PortRange window, uint32_t count) const {
  if (count == 0) return false;
  uint32_t run = 0;
  for (uint64_t port = window.start; port <= Last(window) && port < kPorts; ++port) {
    run = EphemeralOk(p, family, static_cast<uint32_t>(port)) ? run + 1 : 0;
    if (run >= count) return true;
  }
  return false;
}

bool TableOracle::StaleReachable(const SocketRec& s, uint32_t port) const {
  if (!PortUnbound(s.protocol, port)) return false;
  // B-BIND-RUNTIME-OTHER holds even through a stale association.
  for (uint32_t id : BlocksAt(s.protocol, port)) {
    const BlockRec& b = blocks_.at(id);
    if (!b.persistent && b.owner != s.owner && b.family == s.family) return false;
  }
  return true;
}

bool TableOracle::HasUnboundPort(Protocol p, PortRange range) const {
  for (uint64_t port = range.start; port <= Last(range) && port < kPorts; ++port) {
    if (PortUnbound(p, static_cast<uint32_t>(port))) return true;
  }
  return false;
}

uint32_t TableOracle::ExactBlock(Protocol p, PortRange range) const {
  if (IsZero(range)) return 0;
  for (uint32_t id : BlocksAt(p, range.start)) {
    if (blocks_.at(id).range == range) return id;
  }
  return 0;
}

uint32_t TableOracle::BlockWithToken(Protocol p, Token token) const {
  if (token == kInvalidToken) return 0;
  for (const auto& [id, b] : blocks_) {
    if (b.protocol == p && b.token_known && b.token == token) return id;
  }
  return 0;
}

bool TableOracle::TokenIsFresh(Protocol p, Token token) const {
  // TOKEN-UNIQUE: never 0, never the token of a live reservation of the
  // same protocol (U11: the protocols may share values).
  return token != kInvalidToken && BlockWithToken(p, token) == 0;
}

const TableOracle::SocketRec* TableOracle::CallerSocket(uint32_t process, uint32_t socket) const {
  auto it = sockets_.find(socket);
  if (it == sockets_.end() || it->second.owner != process) return nullptr;
  return &it->second;
}

// ---------------------------------------------------------------------------
// Judge: one `if` per rule, from the rule summaries.

std::optional<TableOracle::Allowed> TableOracle::Judge(const Call& call) const {
  return std::visit(
      [&](const auto& c) -> std::optional<Allowed> {
        using T = std::decay_t<decltype(c)>;
        Allowed a;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          a.success = true;  // PROCESS-START
          a.shape = Shape::kNewProcess;
          return a;
        } else if constexpr (std::is_same_v<T, call::Reboot>) {
          a.success = true;  // REBOOT-*
          return a;
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          // DYN-RANGE-SET / DYN-RANGE-INVALID: start >= 1025, >= 255 ports,
          // ending at or below 65535.
          const bool valid = c.range.start >= 1025 && c.range.count >= 255 && !PastMax(c.range);
          if (valid) {
            a.success = true;
          } else {
            a.errors.insert(E::kInvalidParameter);
          }
          return a;
        } else if constexpr (std::is_same_v<T, call::EnvironmentBlock>) {
          // ENV-*: a change the machine cannot hold is malformed.
          if (IsZero(c.block) || PastMax(c.block)) return std::nullopt;
          if (c.added) {
            if (AnyBlock(c.protocol, c.block)) return std::nullopt;
          } else {
            const uint32_t id = ExactBlock(c.protocol, c.block);
            if (id == 0) return std::nullopt;
            const BlockRec& b = blocks_.at(id);
            const bool removable =
                c.store == EnvironmentStore::kRuntime  ? !b.persistent && b.environment
                : c.store == EnvironmentStore::kActive ? b.persistent && b.active_only
                                                       : b.persistent && !b.active_only;
            if (!removable) return std::nullopt;
          }
          a.success = true;
          return a;
        } else {
          // Every other call names its process, which must be live.
          auto process = processes_.find(c.process.value);
          if (process == processes_.end()) return std::nullopt;
          const ProcessRec& p = process->second;
          if constexpr (std::is_same_v<T, call::EndProcess>) {
            a.success = true;  // PROCESS-END
            return a;
          } else if constexpr (std::is_same_v<T, call::CreatePersistent>) {
            return JudgeCreate(c, p);
          } else if constexpr (std::is_same_v<T, call::LookupPersistent>) {
            return JudgeLookup(c, p);
          } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
            return JudgeDelete(c, p);
          } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
            a.success = true;  // SOCK-OPEN
            a.shape = Shape::kNewSocket;
            return a;
          } else {
            // SOCK-NOTSOCK: the socket must be open in the calling process.
            const SocketRec* s = CallerSocket(c.process.value, c.socket.value);
            if (s == nullptr) {
              a.errors.insert(E::kWsaEnotsock);
              return a;
            }
            if constexpr (std::is_same_v<T, call::CloseSocket>) {
              a.success = true;  // SOCK-CLOSE
              return a;
            } else if constexpr (std::is_same_v<T, call::Acquire>) {
              return JudgeAcquire(c, *s);
            } else if constexpr (std::is_same_v<T, call::Release>) {
              return JudgeRelease(c, *s);
            } else if constexpr (std::is_same_v<T, call::Associate>) {
              return JudgeAssociate(c, p, *s);
            } else if constexpr (std::is_same_v<T, call::Bind>) {
              return JudgeBind(c, *s);
            } else {
              static_assert(std::is_same_v<T, call::GetSockName>);
              // B-GETSOCKNAME.
              if (s->port) {
                a.success = true;
                a.shape = Shape::kThisPort;
                a.port = *s->port;
              } else {
                a.errors.insert(E::kWsaEinval);
              }
              return a;
            }
          }
        }
      },
      call);
}

TableOracle::Allowed TableOracle::JudgeCreate(const call::CreatePersistent& c,
                                              const ProcessRec& p) const {
  Allowed a;
  bool fails = false;
  // P-CREATE-ELEVATION.
  if (!p.elevated) {
    a.errors.insert(E::kAccessDenied);
    fails = true;
  }
  if (IsZero(c.block)) {
    // P-CREATE-ZERO.
    a.errors.insert(E::kInvalidParameter);
    fails = true;
  } else if (PastMax(c.block)) {
    // P-CREATE-PAST-MAX.
    a.errors.insert(E::kInvalidParameter);
    fails = true;
  } else {
    // P-CREATE-OVERLAP, P-CREATE-RUNTIME, P-CREATE-INUSE (same protocol:
    // POOL-PER-PROTOCOL; a binding of either family counts).
    if (AnyBlockOfKind(c.protocol, c.block, /*persistent=*/true) ||
        AnyBlockOfKind(c.protocol, c.block, /*persistent=*/false) ||
        AnyBinding(c.protocol, c.block)) {
      a.errors.insert(E::kSharingViolation);
      fails = true;
    }
  }
  // P-CREATE-NULL-TOKEN: two more codes; success writes no token.
  if (c.null_token) Add(a.errors, {E::kInvalidParameter, E::kNoAccess});
  // P-ERROR-ORDER: several failing rules allow each of their codes (the
  // union above); success only when none fails. P-CREATE-OK otherwise.
  a.success = !fails;
  a.shape = c.null_token ? Shape::kNothing : Shape::kFreshToken;
  return a;
}

TableOracle::Allowed TableOracle::JudgeLookup(const call::LookupPersistent& c,
                                              const ProcessRec&) const {
  Allowed a;
  // P-LOOKUP-ELEVATION: no administrator needed, so no access error.
  // P-LOOKUP-NULL-TOKEN: two more codes; success writes no token.
  if (c.null_token) Add(a.errors, {E::kInvalidParameter, E::kNoAccess});
  if (IsZero(c.block)) {
    // P-LOOKUP-ZERO. An invalid argument is not looked up at all.
    a.errors.insert(E::kInvalidParameter);
    return a;
  }
  if (PastMax(c.block)) {
    // P-LOOKUP-PAST-MAX.
    Add(a.errors, {E::kInvalidParameter, E::kNotFound});
    return a;
  }
  // P-LOOKUP-EXACT: only a persistent block with exactly that start and
  // count.
  const uint32_t id = ExactBlock(c.protocol, c.block);
  if (id == 0 || !blocks_.at(id).persistent) {
    a.errors.insert(E::kNotFound);
    return a;
  }
  // P-LOOKUP-TOKEN.
  const BlockRec& b = blocks_.at(id);
  // P-ACTIVE-STORE: a store=active exclusion may be invisible to the API.
  if (b.active_only) a.errors.insert(E::kNotFound);
  a.success = true;
  if (c.null_token) {
    a.shape = Shape::kNothing;
  } else if (b.token_known) {
    a.shape = Shape::kExactToken;
    a.token = b.token;
  } else {
    a.shape = Shape::kFreshToken;  // TOKEN-REBOOT (never reached: tokens are taught)
  }
  return a;
}

TableOracle::Allowed TableOracle::JudgeDelete(const call::DeletePersistent& c,
                                              const ProcessRec& p) const {
  Allowed a;
  bool fails = false;
  // P-DELETE-ELEVATION.
  if (!p.elevated) {
    a.errors.insert(E::kAccessDenied);
    fails = true;
  }
  if (IsZero(c.block)) {
    // P-DELETE-ZERO.
    a.errors.insert(E::kInvalidParameter);
    fails = true;
  } else if (PastMax(c.block)) {
    // P-DELETE-PAST-MAX.
    Add(a.errors, {E::kInvalidParameter, E::kNotFound});
    fails = true;
  } else {
    const uint32_t id = ExactBlock(c.protocol, c.block);
    if (id == 0) {
      // P-DELETE-EXACT.
      a.errors.insert(E::kNotFound);
      fails = true;
    } else if (!blocks_.at(id).persistent) {
      // P-DELETE-RUNTIME.
      Add(a.errors, {E::kNotFound, E::kAccessDenied});
      fails = true;
    } else {
      // P-ACTIVE-STORE: success, or not found for a store=active exclusion.
      if (blocks_.at(id).active_only) a.errors.insert(E::kNotFound);
      // P-DELETE-INUSE: success or ERROR_SHARING_VIOLATION.
      if (AnyBinding(c.protocol, c.block)) a.errors.insert(E::kSharingViolation);
    }
  }
  a.success = !fails;  // P-DELETE-OK
  return a;
}

TableOracle::Allowed TableOracle::JudgeAcquire(const call::Acquire& c, const SocketRec& s) const {
  Allowed a;
  bool fails = false;
  // R-IOCTL-INBUF.
  if (c.in_size < call::kPortRangeSize) {
    Add(a.errors, kBadBuffer);
    fails = true;
  }
  // R-ACQUIRE-OUTBUF.
  if (c.out_size < call::kInstanceSize) {
    a.errors.insert(E::kWsaEinval);
    fails = true;
  }
  // R-ACQUIRE-BOUND: the U4 codes, or the answer an unbound socket gets.
  if (s.port) Add(a.errors, kTokenCodes);
  if (c.in_size >= call::kPortRangeSize) {
    if (c.request.count == 0) {
      // R-ACQUIRE-ZERO-COUNT.
      Add(a.errors, kCountCodes);
      fails = true;
    } else if (c.request.start == 0) {
      // R-ACQUIRE-WILDCARD / R-ACQUIRE-OTHER-FAMILY / R-ACQUIRE-EXHAUSTED, in
      // the range of the socket's family (DYN-RANGE-FAMILY).
      const PortRange window = dynamic_[Index(s.protocol)][Index(s.family)];
      a.shape = Shape::kBlockInWindow;
      a.block = c.request;
      a.window = window;
      if (!HasFreeRun(s.protocol, window, c.request.count)) {
        Add(a.errors, kNoBlock);
        if (!HasRunFor(s.protocol, s.family, window, c.request.count)) fails = true;
      }
    } else if (PastMax(c.request)) {
      // R-ACQUIRE-PAST-MAX.
      Add(a.errors, kCountCodes);
      fails = true;
    } else {
      // R-ACQUIRE-OVERLAP (a persistent block, or a runtime block of the
      // same family), R-ACQUIRE-INUSE; R-ACQUIRE-OTHER-FAMILY and
      // R-ACQUIRE-OTHER-PROTOCOL may fail; else R-ACQUIRE-SPECIFIC.
      for (uint64_t port = c.request.start; port <= Last(c.request); ++port) {
        const uint32_t q = static_cast<uint32_t>(port);
        for (uint32_t id : BlocksAt(s.protocol, q)) {
          const BlockRec& b = blocks_.at(id);
          a.errors.insert(E::kWsaEaddrinuse);
          if (b.persistent || b.family == s.family) fails = true;
        }
        if (!PortUnbound(s.protocol, q)) {
          a.errors.insert(E::kWsaEaddrinuse);
          fails = true;
        }
        for (uint32_t id : BlocksAt(OtherProtocol(s.protocol), q)) {
          if (!blocks_.at(id).persistent) a.errors.insert(E::kWsaEaddrinuse);
        }
      }
      a.shape = Shape::kThisBlock;
      a.block = c.request;
    }
  }
  a.success = !fails;
  return a;
}

TableOracle::Allowed TableOracle::JudgeRelease(const call::Release& c, const SocketRec& s) const {
  Allowed a;
  // R-IOCTL-INBUF: without a token there is nothing more to judge.
  if (c.in_size < call::kTokenSize) {
    Add(a.errors, kBadBuffer);
    return a;
  }
  // R-IOCTL-OUTBUF: WSAEINVAL, or the answer a zero size gets.
  if (c.out_size != 0) a.errors.insert(E::kWsaEinval);
  const uint32_t id = BlockWithToken(s.protocol, c.token);
  const BlockRec* b = id == 0 ? nullptr : &blocks_.at(id);
  if (b == nullptr || b->persistent || b->owner != s.owner) {
    // R-RELEASE-INVALID: unknown, persistent, another process's (or another
    // protocol's: POOL-PER-PROTOCOL) token: the U4 codes or a success that
    // releases nothing.
    Add(a.errors, kTokenCodes);
  } else if (b->socket != c.socket.value) {
    // R-RELEASE-OTHER-SOCKET: success or the U4 codes.
    Add(a.errors, kTokenCodes);
  }
  a.success = true;  // R-RELEASE-OK
  return a;
}

TableOracle::Allowed TableOracle::JudgeAssociate(const call::Associate& c, const ProcessRec& p,
                                                 const SocketRec& s) const {
  Allowed a;
  // R-IOCTL-INBUF.
  if (c.in_size < call::kTokenSize) {
    Add(a.errors, kBadBuffer);
    return a;
  }
  // R-IOCTL-OUTBUF.
  if (c.out_size != 0) a.errors.insert(E::kWsaEinval);
  // R-ASSOC-AFTER-BIND: the U4 codes, or success with no effect.
  if (s.port) {
    Add(a.errors, kTokenCodes);
    a.success = true;
    return a;
  }
  // R-ASSOC-TWICE: the U4 codes, or the answer of a first association.
  if (!s.associations.empty()) Add(a.errors, kTokenCodes);
  const uint32_t id = BlockWithToken(s.protocol, c.token);
  const BlockRec* b = id == 0 ? nullptr : &blocks_.at(id);
  if (b != nullptr && b->persistent) {
    // R-ASSOC-PERSISTENT / R-ASSOC-ELEVATION.
    if (p.elevated) {
      a.success = true;
    } else {
      a.errors.insert(E::kWsaEacces);
    }
    return a;
  }
  if (b != nullptr && b->owner == s.owner) {
    a.success = true;  // R-ASSOC-RUNTIME
    return a;
  }
  // R-ASSOC-INVALID: the U4 codes, or success without effect.
  Add(a.errors, kTokenCodes);
  a.success = true;
  return a;
}

void TableOracle::JudgePlainBind(uint16_t port, const SocketRec& s, Allowed& a) const {
  bool fails = false;
  const Entry& e = At(s.protocol, port);
  const size_t mine = Index(s.family);
  if (e.bound[mine] != 0) {
    // B-BIND-INUSE.
    a.errors.insert(E::kWsaEaddrinuse);
    fails = true;
  } else if (e.bound[1 - mine] != 0) {
    // B-BIND-FAMILY: success or WSAEADDRINUSE.
    a.errors.insert(E::kWsaEaddrinuse);
  }
  for (uint32_t id : BlocksAt(s.protocol, port)) {
    const BlockRec& b = blocks_.at(id);
    // B-BIND-PERSISTENT, B-BIND-RUNTIME-OWN, B-BIND-RUNTIME-FAMILY: success
    // or WSAEACCES. B-BIND-RUNTIME-OTHER: WSAEACCES.
    a.errors.insert(E::kWsaEacces);
    if (!b.persistent && b.owner != s.owner && b.family == s.family) fails = true;
  }
  // B-BIND-SPECIFIC.
  if (!fails) {
    a.success = true;
    a.shape = Shape::kThisPort;
    a.port = port;
  }
}

TableOracle::Allowed TableOracle::JudgeBind(const call::Bind& c, const SocketRec& s) const {
  Allowed a;
  // B-BIND-TWICE.
  if (s.port) {
    a.errors.insert(E::kWsaEinval);
    return a;
  }
  if (s.associations.empty()) {
    if (c.port != 0) {
      JudgePlainBind(c.port, s, a);
      return a;
    }
    // B-BIND-EPHEMERAL in the socket family's range (DYN-RANGE-FAMILY).
    const PortRange window = dynamic_[Index(s.protocol)][Index(s.family)];
    a.window = window;
    a.shape = Shape::kFreePortInWindow;
    bool free_elsewhere = false;  // free, and in no runtime block of the other protocol
    bool free = false;
    bool other_family = false;
    for (uint64_t port = window.start; port <= Last(window) && port < kPorts; ++port) {
      const uint32_t q = static_cast<uint32_t>(port);
      if (PortFree(s.protocol, q)) {
        free = true;
        bool in_other = false;
        for (uint32_t id : BlocksAt(OtherProtocol(s.protocol), q)) {
          if (!blocks_.at(id).persistent) in_other = true;
        }
        if (!in_other) free_elsewhere = true;
      } else if (EphemeralOk(s.protocol, s.family, q)) {
        other_family = true;
      }
    }
    // B-BIND-EPHEMERAL-OTHER-PROTOCOL (C3), B-BIND-EPHEMERAL-OTHER-FAMILY
    // (U12): WSAENOBUFS or a port; B-BIND-EPHEMERAL-EXHAUSTED: WSAENOBUFS.
    a.success = free || other_family;
    if (!free_elsewhere) a.errors.insert(E::kWsaEnobufs);
    return a;
  }
  // Every association the socket may have (R-ASSOC-TWICE) adds its answers.
  for (const auto& [token, block] : s.associations) {
    // The associated block is live if a block still holds the token, with
    // the same range.
    const uint32_t id = BlockWithToken(s.protocol, token);
    const bool live = id != 0 && blocks_.at(id).range == block;
    if (!live) {
      // B-BIND-ASSOC-GONE: the codes, or a port of the old block that no
      // socket has bound and that no other process holds in a runtime block
      // of this socket's family (B-BIND-RUNTIME-OTHER).
      Add(a.errors, kNoBlock);
      if (c.port == 0) {
        for (uint64_t port = block.start; port <= Last(block) && port < kPorts; ++port) {
          if (StaleReachable(s, static_cast<uint32_t>(port))) {
            a.success = true;
            a.shape = Shape::kPortInRanges;
            a.stale_ranges.push_back(block);
            break;
          }
        }
      } else if (Inside(block, c.port) && StaleReachable(s, c.port)) {
        a.success = true;
        a.shape = Shape::kThisPort;
        a.port = c.port;
      }
      continue;
    }
    if (c.port == 0) {
      // B-BIND-ASSOC-ZERO / B-BIND-ASSOC-FULL.
      if (HasUnboundPort(s.protocol, block)) {
        a.success = true;
        a.shape = Shape::kPortInRanges;
        a.ranges.push_back(block);
      } else {
        Add(a.errors, kNoPort);
      }
      continue;
    }
    if (!Inside(block, c.port)) {
      // B-BIND-ASSOC-OUTSIDE: two codes, or the unassociated answer.
      Add(a.errors, {E::kWsaEinval, E::kWsaEaddrnotavail});
      JudgePlainBind(c.port, s, a);
      continue;
    }
    // B-BIND-ASSOC-SPECIFIC, with B-BIND-INUSE / B-BIND-FAMILY.
    const Entry& e = At(s.protocol, c.port);
    const size_t mine = Index(s.family);
    if (e.bound[mine] != 0) {
      a.errors.insert(E::kWsaEaddrinuse);
      continue;
    }
    if (e.bound[1 - mine] != 0) a.errors.insert(E::kWsaEaddrinuse);
    a.success = true;
    a.shape = Shape::kThisPort;
    a.port = c.port;
  }
  return a;
}

// ---------------------------------------------------------------------------
// WhyNot

std::string TableOracle::WhyNot(const Call& call, const Outcome& o) const {
  const std::optional<Allowed> allowed = Judge(call);
  if (!allowed) return "the oracle finds the call malformed (its process is not live)";
  const Allowed& a = *allowed;
  const std::string want = absl::StrCat("; the oracle allows ", a.Describe());
  const bool nothing = !o.token && !o.block && !o.port && !o.process && !o.socket;
  if (o.error != E::kNoError) {
    if (!a.errors.contains(o.error)) return absl::StrCat("error ", ErrorName(o.error), want);
    if (!nothing) return absl::StrCat("an error outcome carries a payload", want);
    return "";
  }
  if (!a.success) return absl::StrCat("success", want);
  const bool only_token = !o.block && !o.port && !o.process && !o.socket;
  const bool only_port = !o.token && !o.block && !o.process && !o.socket;
  const bool only_block = !o.port && !o.process && !o.socket;
  // The caller's socket, for the shapes of socket calls.
  const SocketRec* socket = nullptr;
  std::visit(
      [&](const auto& c) {
        if constexpr (requires { c.socket; }) socket = &sockets_.at(c.socket.value);
      },
      call);
  bool fits = false;
  switch (a.shape) {
    case Shape::kNothing:
      fits = nothing;
      break;
    case Shape::kNewProcess:
      fits = o.process && o.process->value > last_process_ && !o.token && !o.block && !o.port &&
             !o.socket;
      break;
    case Shape::kNewSocket:
      fits = o.socket && o.socket->value > last_socket_ && !o.token && !o.block && !o.port &&
             !o.process;
      break;
    case Shape::kFreshToken: {
      const Protocol p = std::visit(
          [](const auto& c) {
            if constexpr (requires { c.protocol; }) {
              return c.protocol;
            } else {
              return Protocol::kTcp;
            }
          },
          call);
      fits = only_token && o.token && TokenIsFresh(p, *o.token);
      break;
    }
    case Shape::kExactToken:
      fits = only_token && o.token == a.token;
      break;
    case Shape::kThisBlock:
      fits =
          only_block && o.block == a.block && o.token && TokenIsFresh(socket->protocol, *o.token);
      break;
    case Shape::kBlockInWindow:
      fits = only_block && o.block && o.token && TokenIsFresh(socket->protocol, *o.token) &&
             o.block->count == a.block.count && o.block->start >= a.window.start &&
             Last(*o.block) <= Last(a.window) &&
             RunOkFor(socket->protocol, socket->family, *o.block);
      break;
    case Shape::kFreePortInWindow:
      fits = only_port && o.port && Inside(a.window, *o.port) &&
             EphemeralOk(socket->protocol, socket->family, *o.port);
      break;
    case Shape::kPortInRanges: {
      const auto in = [&](const std::vector<PortRange>& ranges) {
        return std::any_of(ranges.begin(), ranges.end(),
                           [&](const PortRange& r) { return Inside(r, *o.port); });
      };
      fits = only_port && o.port &&
             ((in(a.ranges) && PortUnbound(socket->protocol, *o.port)) ||
              (in(a.stale_ranges) && StaleReachable(*socket, *o.port)));
      break;
    }
    case Shape::kThisPort:
      fits = only_port && o.port == a.port;
      break;
  }
  if (!fits) return absl::StrCat("payload of ", DescribeOutcome(o), want);
  return "";
}

// ---------------------------------------------------------------------------
// Apply

uint32_t TableOracle::AddBlock(const BlockRec& block) {
  const uint32_t id = next_block_++;
  blocks_[id] = block;
  for (uint64_t port = block.range.start; port <= Last(block.range); ++port) {
    std::array<uint32_t, 2>& slots = At(block.protocol, static_cast<uint32_t>(port)).blocks;
    (slots[0] == 0 ? slots[0] : slots[1]) = id;
  }
  return id;
}

void TableOracle::RemoveBlock(uint32_t id) {
  const BlockRec& b = blocks_.at(id);
  for (uint64_t port = b.range.start; port <= Last(b.range); ++port) {
    std::array<uint32_t, 2>& slots = At(b.protocol, static_cast<uint32_t>(port)).blocks;
    for (uint32_t& slot : slots) {
      if (slot == id) slot = 0;
    }
    if (slots[0] == 0) std::swap(slots[0], slots[1]);
  }
  blocks_.erase(id);
}

void TableOracle::CloseSocket(uint32_t id) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return;
  const SocketRec& s = it->second;
  // SOCK-CLOSE: its port, and every runtime block acquired on it.
  if (s.port) At(s.protocol, *s.port).bound[Index(s.family)] = 0;
  std::vector<uint32_t> doomed;
  for (const auto& [bid, b] : blocks_) {
    if (!b.persistent && !b.environment && b.socket == id) doomed.push_back(bid);
  }
  for (uint32_t bid : doomed) RemoveBlock(bid);
  sockets_.erase(it);
}

void TableOracle::EndProcess(uint32_t id) {
  // PROCESS-END: every socket of the process closes.
  std::vector<uint32_t> mine;
  for (const auto& [sid, s] : sockets_) {
    if (s.owner == id) mine.push_back(sid);
  }
  for (uint32_t sid : mine) CloseSocket(sid);
  processes_.erase(id);
}

void TableOracle::Apply(const Call& call, const Outcome& o) {
  if (!o.ok()) return;  // an error changes nothing
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          processes_[o.process->value] = ProcessRec{c.elevated};
          last_process_ = std::max(last_process_, o.process->value);
        } else if constexpr (std::is_same_v<T, call::EndProcess>) {
          EndProcess(c.process.value);
        } else if constexpr (std::is_same_v<T, call::Reboot>) {
          // REBOOT-ENDS-PROCESSES, REBOOT-KEEPS-PERSISTENT, TOKEN-REBOOT, and
          // REBOOT-DROPS-ACTIVE: store=active exclusions go too.
          std::vector<uint32_t> live;
          for (const auto& [pid, p] : processes_) live.push_back(pid);
          for (uint32_t pid : live) EndProcess(pid);
          std::vector<uint32_t> dropped;
          for (const auto& [bid, b] : blocks_) {
            if (!b.persistent || b.active_only) dropped.push_back(bid);
          }
          for (uint32_t bid : dropped) RemoveBlock(bid);
          for (auto& [bid, b] : blocks_) {
            b.token_known = false;
            b.token = kInvalidToken;
          }
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          dynamic_[Index(c.protocol)][Index(c.family)] = c.range;
        } else if constexpr (std::is_same_v<T, call::EnvironmentBlock>) {
          // ENV-RUNTIME-BLOCK, ENV-ACTIVE-EXCLUSION, ENV-PERSISTENT-BLOCK.
          if (!c.added) {
            if (const uint32_t id = ExactBlock(c.protocol, c.block)) RemoveBlock(id);
            return;
          }
          BlockRec b;
          b.protocol = c.protocol;
          b.range = c.block;
          b.persistent = c.store != EnvironmentStore::kRuntime;
          b.active_only = c.store == EnvironmentStore::kActive;
          b.environment = true;
          AddBlock(b);
        } else if constexpr (std::is_same_v<T, call::CreatePersistent>) {
          BlockRec b;
          b.protocol = c.protocol;
          b.range = c.block;
          b.persistent = true;
          b.token_known = o.token.has_value();
          b.token = o.token.value_or(kInvalidToken);
          AddBlock(b);
        } else if constexpr (std::is_same_v<T, call::LookupPersistent>) {
          const uint32_t id = ExactBlock(c.protocol, c.block);
          if (id != 0 && o.token && !blocks_.at(id).token_known) {
            blocks_.at(id).token_known = true;
            blocks_.at(id).token = *o.token;
          }
        } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
          if (const uint32_t id = ExactBlock(c.protocol, c.block)) RemoveBlock(id);
        } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
          SocketRec s;
          s.owner = c.process.value;
          s.protocol = c.protocol;
          s.family = c.family;
          sockets_[o.socket->value] = s;
          last_socket_ = std::max(last_socket_, o.socket->value);
        } else if constexpr (std::is_same_v<T, call::CloseSocket>) {
          CloseSocket(c.socket.value);
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          const SocketRec& s = sockets_.at(c.socket.value);
          BlockRec b;
          b.protocol = s.protocol;
          b.range = *o.block;
          b.persistent = false;
          b.token_known = true;
          b.token = *o.token;
          b.owner = c.process.value;
          b.socket = c.socket.value;
          b.family = s.family;
          AddBlock(b);
        } else if constexpr (std::is_same_v<T, call::Release>) {
          // R-RELEASE-OK / R-RELEASE-OTHER-SOCKET free the caller's block;
          // R-RELEASE-INVALID's success frees nothing.
          const SocketRec& s = sockets_.at(c.socket.value);
          const uint32_t id = BlockWithToken(s.protocol, c.token);
          if (id != 0 && !blocks_.at(id).persistent && blocks_.at(id).owner == s.owner) {
            RemoveBlock(id);
          }
        } else if constexpr (std::is_same_v<T, call::Associate>) {
          SocketRec& s = sockets_.at(c.socket.value);
          if (s.port) return;  // R-ASSOC-AFTER-BIND: no effect
          const uint32_t id = BlockWithToken(s.protocol, c.token);
          if (id == 0) return;  // R-ASSOC-INVALID: no effect
          const BlockRec& b = blocks_.at(id);
          if (!b.persistent && b.owner != s.owner) return;  // another process's: no effect
          if (b.persistent && !processes_.at(s.owner).elevated) return;
          // R-ASSOC-TWICE: the earlier associations stay possible.
          for (const auto& [token, block] : s.associations) {
            if (token == c.token) return;
          }
          s.associations.emplace_back(c.token, b.range);
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          SocketRec& s = sockets_.at(c.socket.value);
          s.port = *o.port;
          At(s.protocol, *o.port).bound[Index(s.family)] = c.socket.value;
        } else {
          static_assert(std::is_same_v<T, call::GetSockName>);
        }
      },
      call);
}

std::vector<std::pair<Protocol, PortRange>> TableOracle::BlocksWithUnknownToken() const {
  std::vector<std::pair<Protocol, PortRange>> unknown;
  for (const auto& [id, b] : blocks_) {
    if (!b.token_known) unknown.emplace_back(b.protocol, b.range);
  }
  return unknown;
}

void TableOracle::LearnToken(Protocol protocol, PortRange block, Token token) {
  if (const uint32_t id = ExactBlock(protocol, block)) {
    blocks_.at(id).token_known = true;
    blocks_.at(id).token = token;
  }
}

// ---------------------------------------------------------------------------
// Views

std::vector<TableOracle::BlockView> TableOracle::Blocks() const {
  std::vector<BlockView> views;
  for (const auto& [id, b] : blocks_) {
    BlockView v;
    v.protocol = b.protocol;
    v.range = b.range;
    v.persistent = b.persistent;
    v.token = b.token;
    v.active_only = b.active_only;
    if (!b.persistent) {
      v.owner = b.owner;
      v.socket = b.socket;
      v.family = b.family;
    }
    views.push_back(v);
  }
  std::sort(views.begin(), views.end(), [](const BlockView& x, const BlockView& y) {
    return std::tuple(Index(x.protocol), x.range.start, Index(x.family)) <
           std::tuple(Index(y.protocol), y.range.start, Index(y.family));
  });
  return views;
}

std::vector<TableOracle::BindingView> TableOracle::Bindings() const {
  std::vector<BindingView> views;
  for (const auto& [id, s] : sockets_) {
    if (s.port) views.push_back(BindingView{s.protocol, *s.port, s.family, id});
  }
  std::sort(views.begin(), views.end(), [](const BindingView& x, const BindingView& y) {
    return std::tuple(Index(x.protocol), x.port, Index(x.family)) <
           std::tuple(Index(y.protocol), y.port, Index(y.family));
  });
  return views;
}

std::vector<uint32_t> TableOracle::Processes() const {
  std::vector<uint32_t> ids;
  for (const auto& [id, p] : processes_) ids.push_back(id);
  return ids;
}

std::vector<uint32_t> TableOracle::Sockets() const {
  std::vector<uint32_t> ids;
  for (const auto& [id, s] : sockets_) ids.push_back(id);
  return ids;
}

std::string TableOracle::SelfCheck() const {
  std::map<uint32_t, uint32_t> ports_of_block;
  for (Protocol p : kAllProtocols) {
    for (uint32_t port = 0; port < kPorts; ++port) {
      const Entry& e = At(p, port);
      if (e.blocks[0] == 0 && e.blocks[1] != 0) {
        return absl::StrCat(ProtocolName(p), " port ", port, " fills its second slot first");
      }
      for (uint32_t id : BlocksAt(p, port)) {
        auto it = blocks_.find(id);
        if (it == blocks_.end() || it->second.protocol != p || !Inside(it->second.range, port)) {
          return absl::StrCat(ProtocolName(p), " port ", port, " names a wrong block");
        }
        ++ports_of_block[id];
      }
      if (e.blocks[1] != 0) {
        // Two blocks: runtime blocks of both families (R-ACQUIRE-OTHER-FAMILY).
        const BlockRec& x = blocks_.at(e.blocks[0]);
        const BlockRec& y = blocks_.at(e.blocks[1]);
        if (x.persistent || y.persistent || x.family == y.family) {
          return absl::StrCat(ProtocolName(p), " port ", port,
                              " is held by two blocks that may not overlap");
        }
      }
      for (Family f : {Family::kIpv4, Family::kIpv6}) {
        const uint32_t sid = e.bound[Index(f)];
        if (sid == 0) continue;
        auto it = sockets_.find(sid);
        if (it == sockets_.end() || it->second.protocol != p || it->second.family != f ||
            it->second.port != port) {
          return absl::StrCat(ProtocolName(p), " port ", port, " names a wrong socket");
        }
      }
    }
  }
  for (const auto& [id, b] : blocks_) {
    if (ports_of_block[id] != b.range.count) {
      return absl::StrCat("block ", FormatRange(b.range), " is not wholly in the table");
    }
  }
  for (const auto& [id, s] : sockets_) {
    if (s.port && At(s.protocol, *s.port).bound[Index(s.family)] != id) {
      return absl::StrCat("socket s", id, " is not in the table");
    }
    if (!processes_.contains(s.owner)) return absl::StrCat("socket s", id, " has no process");
  }
  return "";
}

}  // namespace portpool::testing

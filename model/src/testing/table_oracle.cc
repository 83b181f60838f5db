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

// The codes the catalogue allows where Windows' own is not known.
const std::set<Error> kIoctlUnknown = {E::kWsaEinval, E::kWsaEacces, E::kWsaEfault};
const std::set<Error> kNoBlock = {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval};
const std::set<Error> kNoPort = {E::kWsaEnobufs, E::kWsaEaddrinuse};
const std::set<Error> kBadBuffer = {E::kWsaEinval, E::kWsaEfault};

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
    case TableOracle::Shape::kUnboundPortIn:
      return "an unbound port of the associated block";
    case TableOracle::Shape::kStalePortIn:
      return "an unbound port of the gone block not in another process's runtime block of the "
             "socket's family";
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
  // DYN-RANGE-DEFAULT: 49152, 16384 ports, for each protocol.
  dynamic_ = {PortRange{49152, 16384}, PortRange{49152, 16384}};
}

// ---------------------------------------------------------------------------
// Scans

bool TableOracle::AnyBlockOfKind(Protocol p, PortRange range, bool persistent) const {
  for (uint64_t port = range.start; port <= Last(range) && port < kPorts; ++port) {
    const uint32_t id = At(p, static_cast<uint32_t>(port)).block;
    if (id != 0 && blocks_.at(id).persistent == persistent) return true;
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
  return At(p, port).block == 0 && PortUnbound(p, port);
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

bool TableOracle::StaleReachable(const SocketRec& s, uint32_t port) const {
  if (!PortUnbound(s.protocol, port)) return false;
  const Entry& e = At(s.protocol, port);
  if (e.block == 0) return true;
  // B-BIND-RUNTIME-OTHER holds even through a stale association.
  const BlockRec& b = blocks_.at(e.block);
  return b.persistent || b.owner == s.owner || b.family != s.family;
}

bool TableOracle::HasUnboundPort(Protocol p, PortRange range) const {
  for (uint64_t port = range.start; port <= Last(range) && port < kPorts; ++port) {
    if (PortUnbound(p, static_cast<uint32_t>(port))) return true;
  }
  return false;
}

uint32_t TableOracle::ExactBlock(Protocol p, PortRange range) const {
  if (IsZero(range)) return 0;
  const uint32_t id = At(p, range.start).block;
  if (id == 0) return 0;
  const BlockRec& b = blocks_.at(id);
  return b.range == range ? id : 0;
}

uint32_t TableOracle::BlockWithToken(Token token) const {
  if (token == kInvalidToken) return 0;
  for (const auto& [id, b] : blocks_) {
    if (b.token_known && b.token == token) return id;
  }
  return 0;
}

bool TableOracle::TokenIsFresh(Token token) const {
  // TOKEN-UNIQUE: never 0, never a live reservation's token.
  return token != kInvalidToken && BlockWithToken(token) == 0;
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
                                              const ProcessRec& p) const {
  Allowed a;
  // P-LOOKUP-ELEVATION: ERROR_ACCESS_DENIED, or the elevated answer.
  if (!p.elevated) a.errors.insert(E::kAccessDenied);
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
    } else if (AnyBinding(c.protocol, c.block)) {
      // P-DELETE-INUSE: success or ERROR_SHARING_VIOLATION.
      a.errors.insert(E::kSharingViolation);
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
  if (c.in_size >= call::kPortRangeSize) {
    if (c.request.count == 0) {
      // R-ACQUIRE-ZERO-COUNT.
      Add(a.errors, kNoBlock);
      fails = true;
    } else if (c.request.start == 0) {
      // R-ACQUIRE-WILDCARD / R-ACQUIRE-EXHAUSTED.
      const PortRange window = dynamic_[Index(s.protocol)];
      if (HasFreeRun(s.protocol, window, c.request.count)) {
        a.shape = Shape::kBlockInWindow;
        a.block = c.request;
        a.window = window;
      } else {
        Add(a.errors, kNoBlock);
        fails = true;
      }
    } else if (PastMax(c.request)) {
      // R-ACQUIRE-PAST-MAX.
      Add(a.errors, kNoBlock);
      fails = true;
    } else {
      // R-ACQUIRE-OVERLAP (persistent or any runtime block) and
      // R-ACQUIRE-INUSE; else R-ACQUIRE-SPECIFIC.
      if (AnyBlock(s.protocol, c.request) || AnyBinding(s.protocol, c.request)) {
        a.errors.insert(E::kWsaEaddrinuse);
        fails = true;
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
  const uint32_t id = BlockWithToken(c.token);
  const BlockRec* b = id == 0 ? nullptr : &blocks_.at(id);
  if (b == nullptr || b->protocol != s.protocol || b->persistent || b->owner != s.owner) {
    // R-RELEASE-INVALID: unknown, persistent, another process's (or another
    // protocol's: POOL-PER-PROTOCOL) token.
    Add(a.errors, kIoctlUnknown);
    return a;
  }
  // R-RELEASE-OTHER-SOCKET: success or the unknown codes.
  if (b->socket != c.socket.value) Add(a.errors, kIoctlUnknown);
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
  // R-ASSOC-AFTER-BIND: the unknown codes, or success with no effect.
  if (s.port) {
    Add(a.errors, kIoctlUnknown);
    a.success = true;
    return a;
  }
  const uint32_t id = BlockWithToken(c.token);
  const BlockRec* b = id == 0 ? nullptr : &blocks_.at(id);
  if (b != nullptr && b->protocol == s.protocol && b->persistent) {
    // R-ASSOC-PERSISTENT / R-ASSOC-ELEVATION.
    if (p.elevated) {
      a.success = true;
    } else {
      a.errors.insert(E::kWsaEacces);
    }
    return a;
  }
  if (b != nullptr && b->protocol == s.protocol && b->owner == s.owner) {
    a.success = true;  // R-ASSOC-RUNTIME
    return a;
  }
  // R-ASSOC-INVALID.
  Add(a.errors, kIoctlUnknown);
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
  if (e.block != 0) {
    const BlockRec& b = blocks_.at(e.block);
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
  if (!s.associated) {
    if (c.port != 0) {
      JudgePlainBind(c.port, s, a);
      return a;
    }
    // B-BIND-EPHEMERAL / B-BIND-EPHEMERAL-EXHAUSTED.
    const PortRange window = dynamic_[Index(s.protocol)];
    if (HasFreePort(s.protocol, window)) {
      a.success = true;
      a.shape = Shape::kFreePortInWindow;
      a.window = window;
    } else {
      Add(a.errors, kNoPort);
    }
    return a;
  }
  // The associated block is live if a block still holds the token, with the
  // same range.
  const uint32_t id = BlockWithToken(s.assoc_token);
  const bool live =
      id != 0 && blocks_.at(id).protocol == s.protocol && blocks_.at(id).range == s.assoc_block;
  if (!live) {
    // B-BIND-ASSOC-GONE: the codes, or a port of the old block that no
    // socket has bound and that no other process holds in a runtime block
    // of this socket's family (B-BIND-RUNTIME-OTHER).
    Add(a.errors, kNoBlock);
    if (c.port == 0) {
      for (uint64_t port = s.assoc_block.start; port <= Last(s.assoc_block) && port < kPorts;
           ++port) {
        if (StaleReachable(s, static_cast<uint32_t>(port))) {
          a.success = true;
          a.shape = Shape::kStalePortIn;
          a.ranges = {s.assoc_block};
          break;
        }
      }
    } else if (Inside(s.assoc_block, c.port) && StaleReachable(s, c.port)) {
      a.success = true;
      a.shape = Shape::kThisPort;
      a.port = c.port;
    }
    return a;
  }
  if (c.port == 0) {
    // B-BIND-ASSOC-ZERO / B-BIND-ASSOC-FULL.
    if (HasUnboundPort(s.protocol, s.assoc_block)) {
      a.success = true;
      a.shape = Shape::kUnboundPortIn;
      a.ranges = {s.assoc_block};
    } else {
      Add(a.errors, kNoPort);
    }
    return a;
  }
  if (!Inside(s.assoc_block, c.port)) {
    // B-BIND-ASSOC-OUTSIDE: two codes, or the unassociated answer.
    Add(a.errors, {E::kWsaEinval, E::kWsaEaddrnotavail});
    JudgePlainBind(c.port, s, a);
    return a;
  }
  // B-BIND-ASSOC-SPECIFIC, with B-BIND-INUSE / B-BIND-FAMILY.
  const Entry& e = At(s.protocol, c.port);
  const size_t mine = Index(s.family);
  if (e.bound[mine] != 0) {
    a.errors.insert(E::kWsaEaddrinuse);
    return a;
  }
  if (e.bound[1 - mine] != 0) a.errors.insert(E::kWsaEaddrinuse);
  a.success = true;
  a.shape = Shape::kThisPort;
  a.port = c.port;
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
    case Shape::kFreshToken:
      fits = only_token && o.token && TokenIsFresh(*o.token);
      break;
    case Shape::kExactToken:
      fits = only_token && o.token == a.token;
      break;
    case Shape::kThisBlock:
      fits = only_block && o.block == a.block && o.token && TokenIsFresh(*o.token);
      break;
    case Shape::kBlockInWindow:
      fits = only_block && o.block && o.token && TokenIsFresh(*o.token) &&
             o.block->count == a.block.count && o.block->start >= a.window.start &&
             Last(*o.block) <= Last(a.window);
      if (fits) {
        const Protocol p = sockets_.at(std::get<call::Acquire>(call).socket.value).protocol;
        for (uint64_t port = o.block->start; port <= Last(*o.block); ++port) {
          if (!PortFree(p, static_cast<uint32_t>(port))) fits = false;
        }
      }
      break;
    case Shape::kFreePortInWindow: {
      const Protocol p = sockets_.at(std::get<call::Bind>(call).socket.value).protocol;
      fits = only_port && o.port && Inside(a.window, *o.port) && PortFree(p, *o.port);
      break;
    }
    case Shape::kUnboundPortIn: {
      const Protocol p = sockets_.at(std::get<call::Bind>(call).socket.value).protocol;
      fits = only_port && o.port && PortUnbound(p, *o.port) &&
             std::any_of(a.ranges.begin(), a.ranges.end(),
                         [&](const PortRange& r) { return Inside(r, *o.port); });
      break;
    }
    case Shape::kStalePortIn: {
      const call::Bind& bind = std::get<call::Bind>(call);
      const SocketRec& s = sockets_.at(bind.socket.value);
      fits = only_port && o.port && StaleReachable(s, *o.port) &&
             std::any_of(a.ranges.begin(), a.ranges.end(),
                         [&](const PortRange& r) { return Inside(r, *o.port); });
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
    At(block.protocol, static_cast<uint32_t>(port)).block = id;
  }
  return id;
}

void TableOracle::RemoveBlock(uint32_t id) {
  const BlockRec& b = blocks_.at(id);
  for (uint64_t port = b.range.start; port <= Last(b.range); ++port) {
    At(b.protocol, static_cast<uint32_t>(port)).block = 0;
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
    if (!b.persistent && b.socket == id) doomed.push_back(bid);
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
          // REBOOT-ENDS-PROCESSES, REBOOT-KEEPS-PERSISTENT, TOKEN-REBOOT.
          std::vector<uint32_t> live;
          for (const auto& [pid, p] : processes_) live.push_back(pid);
          for (uint32_t pid : live) EndProcess(pid);
          std::vector<uint32_t> runtime;
          for (const auto& [bid, b] : blocks_) {
            if (!b.persistent) runtime.push_back(bid);
          }
          for (uint32_t bid : runtime) RemoveBlock(bid);
          for (auto& [bid, b] : blocks_) {
            b.token_known = false;
            b.token = kInvalidToken;
          }
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          dynamic_[Index(c.protocol)] = c.range;
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
          if (const uint32_t id = BlockWithToken(c.token)) RemoveBlock(id);
        } else if constexpr (std::is_same_v<T, call::Associate>) {
          SocketRec& s = sockets_.at(c.socket.value);
          if (s.port) return;  // R-ASSOC-AFTER-BIND: no effect
          const uint32_t id = BlockWithToken(c.token);
          s.associated = true;
          s.assoc_token = c.token;
          s.assoc_block = id != 0 ? blocks_.at(id).range : PortRange{};
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
    if (!b.persistent) {
      v.owner = b.owner;
      v.socket = b.socket;
      v.family = b.family;
    }
    views.push_back(v);
  }
  std::sort(views.begin(), views.end(), [](const BlockView& x, const BlockView& y) {
    return std::pair(Index(x.protocol), x.range.start) <
           std::pair(Index(y.protocol), y.range.start);
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
      if (e.block != 0) {
        auto it = blocks_.find(e.block);
        if (it == blocks_.end() || it->second.protocol != p || !Inside(it->second.range, port)) {
          return absl::StrCat(ProtocolName(p), " port ", port, " names a wrong block");
        }
        ++ports_of_block[e.block];
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

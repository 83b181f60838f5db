#include "portpool/call.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace portpool {
namespace {

std::string ProtocolWord(Protocol p) { return p == Protocol::kTcp ? "Tcp" : "Udp"; }
std::string Hex(Token t) { return absl::StrFormat("0x%x", t); }
std::string Sock(ProcessId p, SocketId s) { return absl::StrCat("p", p.value, " s", s.value); }
// Release and associate: the buffer sizes that differ from the defaults.
std::string Sizes(uint32_t in_size, uint32_t out_size) {
  return absl::StrCat(in_size != call::kTokenSize ? absl::StrCat(" in=", in_size) : "",
                      out_size != 0 ? absl::StrCat(" out=", out_size) : "");
}

}  // namespace

std::string DescribeCall(const Call& call) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          return absl::StrCat("start process (", c.elevated ? "elevated" : "not elevated", ")");
        } else if constexpr (std::is_same_v<T, call::EndProcess>) {
          return absl::StrCat("end process p", c.process.value);
        } else if constexpr (std::is_same_v<T, call::Reboot>) {
          return "reboot";
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          return absl::StrCat("set dynamic ", FamilyName(c.family), " ", ProtocolName(c.protocol),
                              " start=", c.range.start, " num=", c.range.count);
        } else if constexpr (std::is_same_v<T, call::CreatePersistent>) {
          return absl::StrCat("p", c.process.value, " CreatePersistent", ProtocolWord(c.protocol),
                              "PortReservation(", c.block.start, ", ", c.block.count,
                              c.null_token ? ", NULL" : "", ")");
        } else if constexpr (std::is_same_v<T, call::LookupPersistent>) {
          return absl::StrCat("p", c.process.value, " LookupPersistent", ProtocolWord(c.protocol),
                              "PortReservation(", c.block.start, ", ", c.block.count,
                              c.null_token ? ", NULL" : "", ")");
        } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
          return absl::StrCat("p", c.process.value, " DeletePersistent", ProtocolWord(c.protocol),
                              "PortReservation(", c.block.start, ", ", c.block.count, ")");
        } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
          return absl::StrCat("p", c.process.value, " socket(", FamilyName(c.family), ", ",
                              ProtocolName(c.protocol), ")");
        } else if constexpr (std::is_same_v<T, call::CloseSocket>) {
          return absl::StrCat(Sock(c.process, c.socket), " closesocket");
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          return absl::StrCat(
              Sock(c.process, c.socket), " SIO_ACQUIRE_PORT_RESERVATION(",
              c.request.start == 0 ? "any" : absl::StrCat(c.request.start), ", ", c.request.count,
              ")", c.in_size != call::kPortRangeSize ? absl::StrCat(" in=", c.in_size) : "",
              c.out_size != call::kInstanceSize ? absl::StrCat(" out=", c.out_size) : "");
        } else if constexpr (std::is_same_v<T, call::Release>) {
          return absl::StrCat(Sock(c.process, c.socket), " SIO_RELEASE_PORT_RESERVATION(",
                              Hex(c.token), ")", Sizes(c.in_size, c.out_size));
        } else if constexpr (std::is_same_v<T, call::Associate>) {
          return absl::StrCat(Sock(c.process, c.socket), " SIO_ASSOCIATE_PORT_RESERVATION(",
                              Hex(c.token), ")", Sizes(c.in_size, c.out_size));
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          return absl::StrCat(Sock(c.process, c.socket), " bind(", c.port, ")");
        } else if constexpr (std::is_same_v<T, call::GetSockName>) {
          return absl::StrCat(Sock(c.process, c.socket), " getsockname");
        } else if constexpr (std::is_same_v<T, call::EnvironmentBlock>) {
          return absl::StrCat("environment ", c.added ? "adds" : "drops", " ",
                              EnvironmentStoreName(c.store), " ", ProtocolName(c.protocol),
                              " block ", FormatRange(c.block));
        }
      },
      call);
}

absl::string_view EnvironmentStoreName(EnvironmentStore store) {
  switch (store) {
    case EnvironmentStore::kRuntime:
      return "runtime";
    case EnvironmentStore::kActive:
      return "active";
    case EnvironmentStore::kPersistent:
      return "persistent";
  }
  return "?";
}

std::optional<EnvironmentStore> EnvironmentStoreFromName(absl::string_view name) {
  for (EnvironmentStore store :
       {EnvironmentStore::kRuntime, EnvironmentStore::kActive, EnvironmentStore::kPersistent}) {
    if (EnvironmentStoreName(store) == name) return store;
  }
  return std::nullopt;
}

std::optional<ProcessId> CallerOf(const Call& call) {
  return std::visit(
      [](const auto& c) -> std::optional<ProcessId> {
        if constexpr (requires { c.process; }) {
          return c.process;
        } else {
          return std::nullopt;
        }
      },
      call);
}

}  // namespace portpool

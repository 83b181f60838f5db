#include "testing/trace_generators.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "portpool/error.h"
#include "portpool/outcome.h"
#include "portpool/win32.h"

namespace portpool::traces::testing {
namespace {

namespace gen = rc::gen;

// Pieces comment text is made of: ASCII, tabs, multi-byte UTF-8, and text
// that looks like the format's own syntax.
rc::Gen<std::string> GenTextPiece() {
  return gen::weightedOneOf<std::string>({
      {10, gen::map(gen::inRange<int>(0x20, 0x7F),
                    [](int c) { return std::string(1, static_cast<char>(c)); })},
      {2, gen::just<std::string>(" ")},
      {1, gen::just<std::string>("\t")},
      {1, gen::element<std::string>("\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xE2\x82\xAC",
                                    "\xC2\xA0", "\xEF\xBB\xBF")},
      {1, gen::element<std::string>("#", "->", "provenance:", "p1 s1 close -> NO_ERROR", "$a",
                                    "portpool-trace 1", "raw:5000", "token=0x1f")},
  });
}

std::string StripTrailingBlanks(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
  return text;
}

rc::Gen<uint16_t> GenU16() {
  return gen::weightedOneOf<uint16_t>({
      {4, gen::inRange<uint16_t>(0, 20)},
      {4, gen::arbitrary<uint16_t>()},
      {2, gen::element<uint16_t>(0, 1, 255, 256, 4999, 5000, 49152, 65534, 65535)},
  });
}

rc::Gen<uint32_t> GenSize(uint32_t right) {
  return gen::weightedOneOf<uint32_t>({
      {8, gen::just(right)},
      {2, gen::element<uint32_t>(0, 1, 3, 4, 7, 8, 15, 16, 17, 1024)},
      {1, gen::arbitrary<uint32_t>()},
  });
}

rc::Gen<ProcessId> GenProcessId() {
  return gen::map(gen::weightedOneOf<uint32_t>({
                      {8, gen::inRange<uint32_t>(1, 10)},
                      {1, gen::inRange<uint32_t>(1, std::numeric_limits<uint32_t>::max())},
                      {1, gen::just(std::numeric_limits<uint32_t>::max())},
                  }),
                  [](uint32_t v) { return ProcessId{v}; });
}

rc::Gen<SocketId> GenSocketId() {
  return gen::map(gen::weightedOneOf<uint32_t>({
                      {8, gen::inRange<uint32_t>(0, 10)},
                      {1, gen::arbitrary<uint32_t>()},
                  }),
                  [](uint32_t v) { return SocketId{v}; });
}

rc::Gen<Protocol> GenProtocol() { return gen::element(Protocol::kTcp, Protocol::kUdp); }

rc::Gen<PortRange> GenRange() {
  return gen::apply(
      [](uint16_t start, uint16_t count) {
        return PortRange{start, count};
      },
      GenU16(), GenU16());
}

rc::Gen<Token> GenLiteralToken() {
  return gen::weightedOneOf<Token>({
      {1, gen::just<Token>(0)},
      {3, gen::inRange<Token>(1, 0x10000)},
      {3, gen::arbitrary<Token>()},
      {1, gen::just(std::numeric_limits<Token>::max())},
  });
}

rc::Gen<Error> GenError() {
  return gen::weightedOneOf<Error>({
      {10, gen::element(Error::kNoError, Error::kAccessDenied, Error::kInvalidHandle,
                        Error::kSharingViolation, Error::kInvalidParameter, Error::kNoAccess,
                        Error::kNotFound, Error::kWsaEacces, Error::kWsaEfault, Error::kWsaEinval,
                        Error::kWsaEnotsock, Error::kWsaEprotonosupport, Error::kWsaEopnotsupp,
                        Error::kWsaEafnosupport, Error::kWsaEaddrinuse, Error::kWsaEaddrnotavail,
                        Error::kWsaEnobufs)},
      {1, gen::map(gen::arbitrary<uint32_t>(), [](uint32_t v) { return static_cast<Error>(v); })},
  });
}

bool HasPort(const Call& call) {
  return std::holds_alternative<call::CreatePersistent>(call) ||
         std::holds_alternative<call::LookupPersistent>(call) ||
         std::holds_alternative<call::DeletePersistent>(call) ||
         std::holds_alternative<call::Acquire>(call) || std::holds_alternative<call::Bind>(call);
}

Token* TokenArgument(Call& call) {
  if (auto* c = std::get_if<call::Release>(&call)) return &c->token;
  if (auto* c = std::get_if<call::Associate>(&call)) return &c->token;
  return nullptr;
}

}  // namespace

rc::Gen<std::string> GenCommentText() {
  return gen::map(gen::container<std::vector<std::string>>(GenTextPiece()),
                  [](const std::vector<std::string>& pieces) {
                    return StripTrailingBlanks(absl::StrJoin(pieces, ""));
                  });
}

rc::Gen<std::string> GenProvenanceText() {
  return gen::weightedOneOf<std::string>({
      {2, gen::map(gen::arbitrary<uint64_t>(),
                   [](uint64_t seed) { return absl::StrCat("simulator seed=", seed); })},
      {1, gen::element<std::string>("windows build=22631 elevated=yes",
                                    "doc rule=P-CREATE-OVERLAP source=learn.microsoft.com")},
      {3, gen::map(gen::nonEmpty(GenCommentText()),
                   [](std::string text) {
                     size_t start = text.find_first_not_of(" \t");
                     return start == std::string::npos ? std::string("x") : text.substr(start);
                   })},
  });
}

rc::Gen<std::string> GenTokenName() {
  return gen::weightedOneOf<std::string>({
      {4, gen::element<std::string>("$a", "$b", "$c", "$z", "$aa")},
      {1, gen::map(gen::nonEmpty(gen::container<std::string>(
                       gen::element('a', 'b', 'z', 'A', 'Z', '0', '9', '_'))),
                   [](const std::string& s) { return "$" + s; })},
  });
}

rc::Gen<Call> GenCall() {
  return gen::oneOf(
      gen::map(gen::arbitrary<bool>(), [](bool e) -> Call { return call::StartProcess{e}; }),
      gen::map(GenProcessId(), [](ProcessId p) -> Call { return call::EndProcess{p}; }),
      gen::just<Call>(call::Reboot{}),
      gen::apply(
          [](Protocol pr, PortRange r) -> Call {
            return call::SetDynamicRange{pr, r};
          },
          GenProtocol(), GenRange()),
      gen::apply(
          [](ProcessId p, Protocol pr, PortRange r, bool n) -> Call {
            return call::CreatePersistent{p, pr, r, n};
          },
          GenProcessId(), GenProtocol(), GenRange(), gen::arbitrary<bool>()),
      gen::apply(
          [](ProcessId p, Protocol pr, PortRange r, bool n) -> Call {
            return call::LookupPersistent{p, pr, r, n};
          },
          GenProcessId(), GenProtocol(), GenRange(), gen::arbitrary<bool>()),
      gen::apply(
          [](ProcessId p, Protocol pr, PortRange r) -> Call {
            return call::DeletePersistent{p, pr, r};
          },
          GenProcessId(), GenProtocol(), GenRange()),
      gen::apply(
          [](ProcessId p, Protocol pr, Family f) -> Call {
            return call::OpenSocket{p, pr, f};
          },
          GenProcessId(), GenProtocol(), gen::element(Family::kIpv4, Family::kIpv6)),
      gen::apply(
          [](ProcessId p, SocketId s) -> Call {
            return call::CloseSocket{p, s};
          },
          GenProcessId(), GenSocketId()),
      gen::apply(
          [](ProcessId p, SocketId s, PortRange r, uint32_t in, uint32_t out) -> Call {
            return call::Acquire{p, s, r, in, out};
          },
          GenProcessId(), GenSocketId(), GenRange(), GenSize(call::kPortRangeSize),
          GenSize(call::kInstanceSize)),
      gen::apply(
          [](ProcessId p, SocketId s, Token t, uint32_t in) -> Call {
            return call::Release{p, s, t, in};
          },
          GenProcessId(), GenSocketId(), GenLiteralToken(), GenSize(call::kTokenSize)),
      gen::apply(
          [](ProcessId p, SocketId s, Token t, uint32_t in) -> Call {
            return call::Associate{p, s, t, in};
          },
          GenProcessId(), GenSocketId(), GenLiteralToken(), GenSize(call::kTokenSize)),
      gen::apply(
          [](ProcessId p, SocketId s, uint16_t port) -> Call {
            return call::Bind{p, s, port};
          },
          GenProcessId(), GenSocketId(), GenU16()),
      gen::apply(
          [](ProcessId p, SocketId s) -> Call {
            return call::GetSockName{p, s};
          },
          GenProcessId(), GenSocketId()));
}

rc::Gen<Step> GenStep() {
  return gen::exec([] {
    Step step;
    step.call = *GenCall();
    if (HasPort(step.call)) step.raw_port = *gen::weightedElement<bool>({{4, false}, {1, true}});
    if (Token* token = TokenArgument(step.call); token && *gen::arbitrary<bool>()) {
      step.token_argument = *GenTokenName();
      *token = kInvalidToken;
    }
    Outcome& o = step.outcome;
    o.error = *GenError();
    const auto maybe = [] { return *gen::weightedElement<bool>({{3, false}, {1, true}}); };
    if (maybe()) o.process = *GenProcessId();
    if (maybe()) o.socket = *GenSocketId();
    if (maybe()) o.block = *GenRange();
    if (maybe()) {
      if (*gen::arbitrary<bool>()) {
        step.outcome_token_name = *GenTokenName();
        o.token = kInvalidToken;
      } else {
        o.token = *GenLiteralToken();
      }
    }
    if (maybe()) o.port = *GenU16();
    return step;
  });
}

rc::Gen<Trace> GenTrace(const TraceOptions& options) {
  return gen::exec([options] {
    const auto comments = [](size_t max) {
      return *gen::resize(static_cast<int>(max),
                          gen::container<std::vector<std::string>>(GenCommentText()));
    };
    Trace trace;
    trace.provenance =
        *gen::resize(3, gen::container<std::vector<std::string>>(GenProvenanceText()));
    trace.comments = comments(3);
    const auto count = *gen::inRange<size_t>(0, options.max_steps + 1);
    for (size_t i = 0; i < count; ++i) {
      Step step = *GenStep();
      if (i > 0 && *gen::weightedElement<bool>({{4, false}, {1, true}})) {
        step.comments = comments(2);
      }
      trace.steps.push_back(std::move(step));
    }
    if (!trace.steps.empty()) trace.trailing_comments = comments(2);
    return trace;
  });
}

}  // namespace portpool::traces::testing

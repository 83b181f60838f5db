#include "portpool/traces/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "portpool/traces/print.h"

namespace portpool::traces {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr absl::string_view kHeader = "portpool-trace 1\n";

// The example of docs/trace-format.md's introduction.
constexpr absl::string_view kExample =
    "portpool-trace 1\n"
    "provenance: simulator seed=42\n"
    "# a comment line; blank lines are ignored\n"
    "start-process elevated -> NO_ERROR process=p1\n"
    "start-process normal -> NO_ERROR process=p2\n"
    "p1 create tcp 5000 10 -> NO_ERROR token=$a\n"
    "p1 lookup tcp 5000 10 -> NO_ERROR token=$a\n"
    "p1 create tcp raw:5000 20 -> NO_ERROR token=$b\n"
    "p1 create udp 6000 1 null-token -> ERROR_INVALID_PARAMETER\n"
    "p2 delete tcp 5000 10 -> ERROR_ACCESS_DENIED\n"
    "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
    "p1 s1 acquire any 64 -> NO_ERROR block=49152-49215 token=$c\n"
    "p1 s1 acquire 5000 4 out=8 -> WSAEINVAL\n"
    "p1 socket tcp ipv6 -> NO_ERROR socket=s2\n"
    "p1 s2 associate $c -> NO_ERROR\n"
    "p1 s2 bind 0 -> NO_ERROR port=49160\n"
    "p1 s2 getsockname -> NO_ERROR port=49160\n"
    "p1 s1 release $c in=4 -> WSAEFAULT\n"
    "p1 s1 release 0x1234 -> WSAEINVAL\n"
    "p1 s1 close -> NO_ERROR\n"
    "end-process p1 -> NO_ERROR\n"
    "set-dynamic tcp 50000 1000 -> NO_ERROR\n"
    "reboot -> NO_ERROR\n";

Trace ParseOk(absl::string_view text) {
  absl::StatusOr<Trace> trace = Parse(text, "t.trace");
  EXPECT_TRUE(trace.ok()) << trace.status();
  return trace.ok() ? *std::move(trace) : Trace{};
}

// The one step of a trace made of the header and `line`.
Step ParseLine(absl::string_view line) {
  const Trace trace = ParseOk(absl::StrCat(kHeader, line, "\n"));
  EXPECT_EQ(trace.steps.size(), 1u) << line;
  return trace.steps.empty() ? Step{} : trace.steps[0];
}

// The error message for `text`, or "OK".
std::string ErrorOf(absl::string_view text, const ParseOptions& options = {}) {
  absl::StatusOr<Trace> trace = Parse(text, "t.trace", options);
  if (trace.ok()) return "OK";
  EXPECT_EQ(trace.status().code(), absl::StatusCode::kInvalidArgument) << trace.status();
  return std::string(trace.status().message());
}

// The error message for the header and then `line` (which is line 2).
std::string LineError(absl::string_view line) { return ErrorOf(absl::StrCat(kHeader, line, "\n")); }

Step MakeStep(Call call, Outcome outcome = {}) {
  Step step;
  step.call = std::move(call);
  step.outcome = std::move(outcome);
  return step;
}
Outcome Err(Error error) {
  Outcome o;
  o.error = error;
  return o;
}
constexpr ProcessId P(uint32_t n) { return ProcessId{n}; }
constexpr SocketId S(uint32_t n) { return SocketId{n}; }
constexpr Protocol kTcp = Protocol::kTcp;
constexpr Protocol kUdp = Protocol::kUdp;

// --- the example -------------------------------------------------------------

TEST(ParseTest, ParsesTheExample) {
  const Trace trace = ParseOk(kExample);
  EXPECT_THAT(trace.provenance, ElementsAre("simulator seed=42"));
  EXPECT_THAT(trace.comments, ElementsAre("a comment line; blank lines are ignored"));
  EXPECT_THAT(trace.trailing_comments, IsEmpty());
  ASSERT_EQ(trace.steps.size(), 20u);
  EXPECT_EQ(trace.steps[0].line, 4);
  EXPECT_EQ(trace.steps[19].line, 23);

  Outcome p1;
  p1.process = P(1);
  EXPECT_EQ(trace.steps[0], MakeStep(call::StartProcess{true}, p1));

  Step created = MakeStep(call::CreatePersistent{P(1), kTcp, {5000, 10}, false});
  created.outcome.token = 0;
  created.outcome_token_name = "$a";
  EXPECT_EQ(trace.steps[2], created);

  Step raw = MakeStep(call::CreatePersistent{P(1), kTcp, {34835, 20}, false});
  raw.raw_port = true;
  raw.outcome.token = 0;
  raw.outcome_token_name = "$b";
  EXPECT_EQ(trace.steps[4], raw);

  Outcome acquired;
  acquired.block = PortRange{49152, 64};
  acquired.token = 0;
  Step acquire = MakeStep(call::Acquire{P(1), S(1), {0, 64}, 4, 16}, acquired);
  acquire.outcome_token_name = "$c";
  EXPECT_EQ(trace.steps[8], acquire);

  Step release = MakeStep(call::Release{P(1), S(1), 0, 4}, Err(Error::kWsaEfault));
  release.token_argument = "$c";
  EXPECT_EQ(trace.steps[14], release);
  EXPECT_EQ(trace.steps[15],
            MakeStep(call::Release{P(1), S(1), 0x1234, 8}, Err(Error::kWsaEinval)));
}

TEST(ParseTest, EmptyTraceHasNoSteps) {
  const Trace trace = ParseOk(kHeader);
  EXPECT_EQ(trace, Trace{});
  EXPECT_EQ(ParseOk("portpool-trace 1"), Trace{});  // no final line break
}

// --- every call ----------------------------------------------------------------

struct CallCase {
  CallCase(std::string text, Call parsed, bool port_is_raw = false,
           std::optional<std::string> token = std::nullopt)
      : line(std::move(text)),
        call(std::move(parsed)),
        raw_port(port_is_raw),
        token_argument(std::move(token)) {}
  std::string line;
  Call call;
  bool raw_port;
  std::optional<std::string> token_argument;
  friend void PrintTo(const CallCase& c, std::ostream* os) { *os << c.line; }
};

class ParseCallTest : public ::testing::TestWithParam<CallCase> {};

TEST_P(ParseCallTest, ParsesTheCall) {
  const CallCase& c = GetParam();
  const Step step = ParseLine(absl::StrCat(c.line, " -> NO_ERROR"));
  EXPECT_EQ(step.call, c.call) << c.line;
  EXPECT_EQ(step.raw_port, c.raw_port) << c.line;
  EXPECT_EQ(step.token_argument, c.token_argument) << c.line;
  EXPECT_EQ(step.outcome, Outcome{}) << c.line;
}

INSTANTIATE_TEST_SUITE_P(
    EveryCall, ParseCallTest,
    ::testing::Values(
        CallCase{"start-process elevated", call::StartProcess{true}},
        CallCase{"start-process normal", call::StartProcess{false}},
        CallCase{"end-process p7", call::EndProcess{P(7)}},
        CallCase{"end-process p4294967295", call::EndProcess{P(4294967295u)}},
        CallCase{"reboot", call::Reboot{}},
        CallCase{"set-dynamic tcp 50000 1000", call::SetDynamicRange{kTcp, {50000, 1000}}},
        CallCase{"set-dynamic udp 0 0", call::SetDynamicRange{kUdp, {0, 0}}},
        CallCase{"p1 create tcp 5000 10", call::CreatePersistent{P(1), kTcp, {5000, 10}, false}},
        CallCase{"p1 create udp 65535 65535",
                 call::CreatePersistent{P(1), kUdp, {65535, 65535}, false}},
        CallCase{"p2 create tcp 0 0 null-token", call::CreatePersistent{P(2), kTcp, {0, 0}, true}},
        CallCase{"p1 create tcp raw:5000 20",
                 call::CreatePersistent{P(1), kTcp, {34835, 20}, false}, true},
        CallCase{"p1 lookup udp 6000 1", call::LookupPersistent{P(1), kUdp, {6000, 1}, false}},
        CallCase{"p1 lookup udp 6000 1 null-token",
                 call::LookupPersistent{P(1), kUdp, {6000, 1}, true}},
        CallCase{"p1 lookup tcp raw:1 1", call::LookupPersistent{P(1), kTcp, {256, 1}, false},
                 true},
        CallCase{"p3 delete tcp 5000 10", call::DeletePersistent{P(3), kTcp, {5000, 10}}},
        CallCase{"p3 delete udp raw:256 2", call::DeletePersistent{P(3), kUdp, {1, 2}}, true},
        CallCase{"p1 socket tcp ipv4", call::OpenSocket{P(1), kTcp, Family::kIpv4}},
        CallCase{"p1 socket udp ipv6", call::OpenSocket{P(1), kUdp, Family::kIpv6}},
        CallCase{"p1 s1 close", call::CloseSocket{P(1), S(1)}},
        CallCase{"p1 s0 close", call::CloseSocket{P(1), S(0)}},
        CallCase{"p1 s4294967295 getsockname", call::GetSockName{P(1), S(4294967295u)}},
        CallCase{"p1 s2 acquire any 64", call::Acquire{P(1), S(2), {0, 64}, 4, 16}},
        CallCase{"p1 s2 acquire 0 64", call::Acquire{P(1), S(2), {0, 64}, 4, 16}},
        CallCase{"p1 s2 acquire 5000 4", call::Acquire{P(1), S(2), {5000, 4}, 4, 16}},
        CallCase{"p1 s2 acquire raw:5000 4", call::Acquire{P(1), S(2), {34835, 4}, 4, 16}, true},
        CallCase{"p1 s2 acquire raw:0 4", call::Acquire{P(1), S(2), {0, 4}, 4, 16}, true},
        CallCase{"p1 s2 acquire 5000 4 in=3", call::Acquire{P(1), S(2), {5000, 4}, 3, 16}},
        CallCase{"p1 s2 acquire 5000 4 out=8", call::Acquire{P(1), S(2), {5000, 4}, 4, 8}},
        CallCase{"p1 s2 acquire 5000 4 in=0 out=0", call::Acquire{P(1), S(2), {5000, 4}, 0, 0}},
        CallCase{"p1 s2 acquire 5000 4 out=4294967295 in=7",
                 call::Acquire{P(1), S(2), {5000, 4}, 7, 4294967295u}},
        CallCase{"p1 s1 release $c", call::Release{P(1), S(1), 0, 8}, false, "$c"},
        CallCase{"p1 s1 release $Tok_9 in=4", call::Release{P(1), S(1), 0, 4}, false, "$Tok_9"},
        CallCase{"p1 s1 release 0x1234", call::Release{P(1), S(1), 0x1234, 8}},
        CallCase{"p1 s1 release 0xABCdef", call::Release{P(1), S(1), 0xabcdef, 8}},
        CallCase{"p1 s1 release 0xffffffffffffffff",
                 call::Release{P(1), S(1), 0xffffffffffffffffu, 8}},
        CallCase{"p1 s1 release 0x0000000000000000001", call::Release{P(1), S(1), 1, 8}},
        CallCase{"p1 s1 release 4660", call::Release{P(1), S(1), 0x1234, 8}},
        CallCase{"p1 s1 release 0", call::Release{P(1), S(1), 0, 8}},
        CallCase{"p1 s1 release 18446744073709551615",
                 call::Release{P(1), S(1), 18446744073709551615u, 8}},
        CallCase{"p1 s2 associate $c", call::Associate{P(1), S(2), 0, 8}, false, "$c"},
        CallCase{"p1 s2 associate 0x1f in=16", call::Associate{P(1), S(2), 0x1f, 16}},
        CallCase{"p1 s2 bind 0", call::Bind{P(1), S(2), 0}},
        CallCase{"p1 s2 bind 65535", call::Bind{P(1), S(2), 65535}},
        CallCase{"p1 s2 bind raw:5000", call::Bind{P(1), S(2), 34835}, true}));

// --- every answer ----------------------------------------------------------------

TEST(ParseAnswerTest, ErrorNames) {
  for (Error e :
       {Error::kNoError, Error::kAccessDenied, Error::kInvalidHandle, Error::kSharingViolation,
        Error::kInvalidParameter, Error::kNoAccess, Error::kNotFound, Error::kWsaEacces,
        Error::kWsaEfault, Error::kWsaEinval, Error::kWsaEnotsock, Error::kWsaEprotonosupport,
        Error::kWsaEopnotsupp, Error::kWsaEafnosupport, Error::kWsaEaddrinuse,
        Error::kWsaEaddrnotavail, Error::kWsaEnobufs}) {
    EXPECT_EQ(ParseLine(absl::StrCat("reboot -> ", ErrorName(e))).outcome, Err(e)) << e;
  }
}

TEST(ParseAnswerTest, ErrorNumbers) {
  EXPECT_EQ(ParseLine("reboot -> 1234").outcome.error, static_cast<Error>(1234));
  EXPECT_EQ(ParseLine("reboot -> 0").outcome.error, Error::kNoError);
  EXPECT_EQ(ParseLine("reboot -> 87").outcome.error, Error::kInvalidParameter);
  EXPECT_EQ(ParseLine("reboot -> 4294967295").outcome.error, static_cast<Error>(4294967295u));
}

TEST(ParseAnswerTest, EachField) {
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR process=p3").outcome.process, P(3));
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR socket=s0").outcome.socket, S(0));
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR port=49160").outcome.port, 49160);
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR port=0").outcome.port, 0);

  const Step named = ParseLine("reboot -> NO_ERROR token=$a");
  EXPECT_EQ(named.outcome.token, 0u);
  EXPECT_EQ(named.outcome_token_name, "$a");
  const Step literal = ParseLine("reboot -> NO_ERROR token=0x1F");
  EXPECT_EQ(literal.outcome.token, 0x1fu);
  EXPECT_EQ(literal.outcome_token_name, std::nullopt);
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR token=31").outcome.token, 31u);
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR token=0x0").outcome.token, 0u);
}

TEST(ParseAnswerTest, BlockForms) {
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR block=49152-49215").outcome.block,
            (PortRange{49152, 64}));
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR block=5000").outcome.block, (PortRange{5000, 1}));
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR block=5000-5000").outcome.block, (PortRange{5000, 1}));
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR block=5000+0").outcome.block, (PortRange{5000, 0}));
  // A block running past port 65535 (as FormatRange writes it).
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR block=65535-65536").outcome.block, (PortRange{65535, 2}));
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR block=65535-131069").outcome.block,
            (PortRange{65535, 65535}));
  EXPECT_EQ(ParseLine("reboot -> NO_ERROR block=0-65534").outcome.block, (PortRange{0, 65535}));
}

TEST(ParseAnswerTest, AllFieldsInAnyOrder) {
  Outcome all;
  all.process = P(1);
  all.socket = S(2);
  all.block = PortRange{5000, 10};
  all.token = 0;
  all.port = 5003;
  const Step canonical =
      ParseLine("reboot -> NO_ERROR process=p1 socket=s2 block=5000-5009 token=$t port=5003");
  EXPECT_EQ(canonical.outcome, all);
  EXPECT_EQ(canonical.outcome_token_name, "$t");
  const Step shuffled =
      ParseLine("reboot -> NO_ERROR port=5003 token=$t block=5000-5009 socket=s2 process=p1");
  EXPECT_EQ(shuffled, canonical);
}

TEST(ParseTest, BlanksAndTabsSeparateWords) {
  EXPECT_EQ(ParseLine("  p1\t create  tcp 5000\t\t10   ->  NO_ERROR   token=$a  \t"),
            ParseLine("p1 create tcp 5000 10 -> NO_ERROR token=$a"));
}

// --- comments, provenance, blank lines, line endings -----------------------------

TEST(ParseTest, CommentsAttachToTheFollowingStep) {
  const Trace trace = ParseOk(
      "portpool-trace 1\n"
      "provenance: a\n"
      "provenance:   b  c  \n"
      "# about the trace\n"
      "\n"
      "#\n"
      "reboot -> NO_ERROR\n"
      "# about the second step\n"
      "\n"
      "   #  indented, two blanks after '#'\n"
      "reboot -> NO_ERROR\n"
      "reboot -> NO_ERROR\n"
      "# trailing\n"
      "#\ttab\n");
  EXPECT_THAT(trace.provenance, ElementsAre("a", "b  c"));
  EXPECT_THAT(trace.comments, ElementsAre("about the trace", ""));
  ASSERT_EQ(trace.steps.size(), 3u);
  EXPECT_THAT(trace.steps[0].comments, IsEmpty());
  EXPECT_THAT(trace.steps[1].comments,
              ElementsAre("about the second step", " indented, two blanks after '#'"));
  EXPECT_THAT(trace.steps[2].comments, IsEmpty());
  EXPECT_THAT(trace.trailing_comments, ElementsAre("trailing", "\ttab"));
  EXPECT_EQ(trace.steps[0].line, 7);
  EXPECT_EQ(trace.steps[1].line, 11);
  EXPECT_EQ(trace.steps[2].line, 12);
}

TEST(ParseTest, CommentsWithoutStepsBelongToTheTrace) {
  const Trace trace = ParseOk("portpool-trace 1\n# one\n\n# two\n");
  EXPECT_THAT(trace.comments, ElementsAre("one", "two"));
  EXPECT_THAT(trace.trailing_comments, IsEmpty());
}

TEST(ParseTest, CommentsMayHoldAnyText) {
  const Trace trace = ParseOk(
      "portpool-trace 1\n# p1 s1 close -> NO_ERROR # \xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\n");
  EXPECT_THAT(trace.comments,
              ElementsAre("p1 s1 close -> NO_ERROR # \xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80"));
  EXPECT_THAT(trace.steps, IsEmpty());
}

TEST(ParseTest, CrLfLineEndingsParseTheSame) {
  const std::string crlf = absl::StrReplaceAll(kExample, {{"\n", "\r\n"}});
  EXPECT_EQ(ParseOk(crlf), ParseOk(kExample));
  EXPECT_THAT(ParseOk("portpool-trace 1\r\nreboot -> NO_ERROR\r\n# c\r\n").trailing_comments,
              ElementsAre("c"));
  EXPECT_EQ(ParseOk("portpool-trace 1\r\nreboot -> NO_ERROR\r").steps.size(), 1u);
}

TEST(ParseTest, ByteOrderMarkBeforeTheHeaderIsSkipped) {
  EXPECT_EQ(ParseOk(absl::StrCat("\xEF\xBB\xBF", kExample)), ParseOk(kExample));
  EXPECT_EQ(ErrorOf("\xEF\xBB\xBFportpool-trace 3\n"),
            "t.trace:1:19: unsupported trace format version '3': expected 1");
}

TEST(ParseTest, ProvenanceOnlyDirectlyAfterTheHeader) {
  EXPECT_THAT(ParseOk("portpool-trace 1\n\nprovenance: x\n").provenance, ElementsAre("x"));
  EXPECT_EQ(ErrorOf("portpool-trace 1\n# c\nprovenance: x\n"),
            "t.trace:3:1: provenance lines must come directly after the header line");
  EXPECT_EQ(ErrorOf("portpool-trace 1\nreboot -> NO_ERROR\n  provenance: x\n"),
            "t.trace:3:3: provenance lines must come directly after the header line");
  EXPECT_EQ(ErrorOf("portpool-trace 1\nprovenance:  \n"),
            "t.trace:2:14: expected provenance text, found end of line");
}

// --- errors ----------------------------------------------------------------------

TEST(ParseErrorTest, Header) {
  EXPECT_EQ(ErrorOf(""), "t.trace:1:1: expected 'portpool-trace 1', found end of file");
  EXPECT_EQ(ErrorOf("\n"), "t.trace:1:1: expected 'portpool-trace 1', found end of line");
  EXPECT_EQ(ErrorOf("hello world\n"), "t.trace:1:1: expected 'portpool-trace 1', found 'hello'");
  EXPECT_EQ(ErrorOf("# comment\nportpool-trace 1\n"),
            "t.trace:1:1: expected 'portpool-trace 1', found '#'");
  EXPECT_EQ(ErrorOf("portpool-trace 2\n"),
            "t.trace:1:16: unsupported trace format version '2': expected 1");
  EXPECT_EQ(ErrorOf("portpool-trace 1.0\n"),
            "t.trace:1:16: unsupported trace format version '1.0': expected 1");
  EXPECT_EQ(ErrorOf("portpool-trace\n"),
            "t.trace:1:15: expected a format version after 'portpool-trace', found end of line");
  EXPECT_EQ(ErrorOf("portpool-trace 1 extra\n"),
            "t.trace:1:18: expected end of line, found 'extra'");
}

struct ErrorCase {
  std::string line;     // line 2, after the header
  std::string message;  // without "t.trace:"
  // Names the test in ctest (which shows parameters): bytes other than
  // printable ASCII as <xx>.
  friend void PrintTo(const ErrorCase& c, std::ostream* os) {
    for (char ch : c.line) {
      const auto byte = static_cast<unsigned char>(ch);
      if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
        *os << ch;
      } else {
        *os << absl::StrFormat("<%02x>", byte);
      }
    }
  }
};

class ParseLineErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseLineErrorTest, SaysWhereAndWhat) {
  EXPECT_EQ(LineError(GetParam().line), absl::StrCat("t.trace:", GetParam().message))
      << GetParam().line;
}

INSTANTIATE_TEST_SUITE_P(
    EveryForm, ParseLineErrorTest,
    ::testing::Values(
        // Calls.
        ErrorCase{"foo -> NO_ERROR", "2:1: unknown call 'foo'"},
        ErrorCase{"-> NO_ERROR",
                  "2:1: expected a call (start-process, end-process, reboot, set-dynamic, env or a "
                  "process name), found '->'"},
        ErrorCase{"  Reboot -> NO_ERROR", "2:3: unknown call 'Reboot'"},
        ErrorCase{"start-process root -> NO_ERROR",
                  "2:15: expected 'elevated' or 'normal', found 'root'"},
        ErrorCase{"start-process", "2:14: expected 'elevated' or 'normal', found end of line"},
        ErrorCase{"end-process 1 -> NO_ERROR",
                  "2:13: expected a process name (p1, p2, ...), found '1'"},
        ErrorCase{"end-process p0 -> NO_ERROR",
                  "2:13: expected a process name (p1, p2, ...), found 'p0'"},
        ErrorCase{"end-process p01 -> NO_ERROR",
                  "2:13: expected a process name (p1, p2, ...), found 'p01'"},
        ErrorCase{"end-process p4294967296 -> NO_ERROR",
                  "2:13: number out of range: expected a process name (p1, p2, ...), found "
                  "'p4294967296'"},
        ErrorCase{"reboot now -> NO_ERROR", "2:8: expected '->', found 'now'"},
        ErrorCase{"set-dynamic icmp 1 2 -> NO_ERROR",
                  "2:13: expected a protocol (tcp or udp), found 'icmp'"},
        ErrorCase{"set-dynamic tcp 1 -> NO_ERROR",
                  "2:19: expected a port count (0..65535), found '->'"},
        ErrorCase{"p1",
                  "2:3: expected a process call (create, lookup, delete, socket) or a socket "
                  "name, found end of line"},
        ErrorCase{"p1 frobnicate -> NO_ERROR", "2:4: unknown call 'frobnicate'"},
        ErrorCase{"p1 S1 close -> NO_ERROR", "2:4: unknown call 'S1'"},
        ErrorCase{"p1 create tcp 5000 10",
                  "2:22: expected 'null-token' or '->', found end of line"},
        ErrorCase{"p1 create tcp 5000 10 NO_ERROR",
                  "2:23: expected 'null-token' or '->', found 'NO_ERROR'"},
        ErrorCase{"p1 create tcp 5000 10 null-token", "2:33: expected '->', found end of line"},
        ErrorCase{"p1 delete tcp 5000 10 null-token -> NO_ERROR",
                  "2:23: expected '->', found 'null-token'"},
        ErrorCase{"p1 create tcp 5000 10->NO_ERROR",
                  "2:20: expected a port count (0..65535), found '10->NO_ERROR'"},
        ErrorCase{"p1 create tcp 5000 -> NO_ERROR",
                  "2:20: expected a port count (0..65535), found '->'"},
        ErrorCase{"p1 create xtcp 5000 1 -> NO_ERROR",
                  "2:11: expected a protocol (tcp or udp), found 'xtcp'"},
        ErrorCase{"p1 create tcp any 1 -> NO_ERROR",
                  "2:15: expected a port (0..65535 or raw:PORT), found 'any'"},
        ErrorCase{"p1 create tcp 70000 10 -> NO_ERROR",
                  "2:15: number out of range: expected a port (0..65535 or raw:PORT), found "
                  "'70000'"},
        ErrorCase{"p1 create tcp 5000 65536 -> NO_ERROR",
                  "2:20: number out of range: expected a port count (0..65535), found '65536'"},
        ErrorCase{"p1 create tcp 99999999999999999999999999999 1 -> NO_ERROR",
                  "2:15: number out of range: expected a port (0..65535 or raw:PORT), found "
                  "'99999999999999999999999999999'"},
        ErrorCase{"p1 create tcp 05000 10 -> NO_ERROR",
                  "2:15: expected a port (0..65535 or raw:PORT) without leading zeros, found "
                  "'05000'"},
        ErrorCase{"p1 create tcp -1 10 -> NO_ERROR",
                  "2:15: expected a port (0..65535 or raw:PORT), found '-1'"},
        ErrorCase{"p1 create tcp raw:x 10 -> NO_ERROR",
                  "2:19: expected a port after 'raw:' (0..65535), found 'x'"},
        ErrorCase{"p1 create tcp raw:65536 10 -> NO_ERROR",
                  "2:19: number out of range: expected a port after 'raw:' (0..65535), found "
                  "'65536'"},
        ErrorCase{"p1 socket tcp ipv5 -> NO_ERROR",
                  "2:15: expected an address family (ipv4 or ipv6), found 'ipv5'"},
        ErrorCase{"p1 s1 -> NO_ERROR",
                  "2:7: expected a socket call (close, getsockname, acquire, release, associate, "
                  "bind), found '->'"},
        ErrorCase{"p1 s1 connect -> NO_ERROR", "2:7: unknown call 'connect'"},
        ErrorCase{"p1 s01 close -> NO_ERROR",
                  "2:4: expected a socket name (s1, s2, ...), found 's01'"},
        ErrorCase{"p1 s99999999999 close -> NO_ERROR",
                  "2:4: number out of range: expected a socket name (s1, s2, ...), found "
                  "'s99999999999'"},
        ErrorCase{"p1 s1 acquire all 4 -> NO_ERROR",
                  "2:15: expected a port (0..65535, raw:PORT or any), found 'all'"},
        ErrorCase{"p1 s1 acquire any 4 in=4 in=4 -> NO_ERROR", "2:26: duplicate option 'in='"},
        ErrorCase{"p1 s1 acquire any 4 out=1 out=1 -> NO_ERROR", "2:27: duplicate option 'out='"},
        ErrorCase{"p1 s1 acquire any 4 in=x -> NO_ERROR",
                  "2:24: expected a buffer size in bytes (0..4294967295), found 'x'"},
        ErrorCase{"p1 s1 acquire any 4 in= -> NO_ERROR",
                  "2:24: expected a buffer size in bytes (0..4294967295), found ''"},
        ErrorCase{"p1 s1 acquire any 4 in=4294967296 -> NO_ERROR",
                  "2:24: number out of range: expected a buffer size in bytes (0..4294967295), "
                  "found '4294967296'"},
        ErrorCase{"p1 s1 acquire any 4 size=4 -> NO_ERROR",
                  "2:21: expected in=BYTES, out=BYTES or '->', found 'size=4'"},
        ErrorCase{"p1 s1 release $c in=8 in=8 -> NO_ERROR", "2:23: duplicate option 'in='"},
        ErrorCase{"p1 s1 associate $c bytes=16 -> NO_ERROR",
                  "2:20: expected in=BYTES, out=BYTES or '->', found 'bytes=16'"},
        ErrorCase{"env add runtime tcp 50000 -> NO_ERROR",
                  "2:27: expected a port count (0..65535), found '->'"},
        ErrorCase{"env grow runtime tcp 50000 100 -> NO_ERROR",
                  "2:5: expected 'add' or 'remove', found 'grow'"},
        ErrorCase{"env add forever tcp 50000 100 -> NO_ERROR",
                  "2:9: expected a store (runtime, active or persistent), found 'forever'"},
        ErrorCase{"set-dynamic ipv7 tcp 50000 1000 -> NO_ERROR",
                  "2:13: expected a protocol (tcp or udp), found 'ipv7'"},
        ErrorCase{"p1 s1 release -> NO_ERROR",
                  "2:15: expected a token ($name, 0xHEX or a decimal number), found '->'"},
        ErrorCase{"p1 s1 release $ -> NO_ERROR",
                  "2:15: expected a token name ('$' and letters, digits or '_'), found '$'"},
        ErrorCase{"p1 s1 release $a-b -> NO_ERROR",
                  "2:15: expected a token name ('$' and letters, digits or '_'), found '$a-b'"},
        ErrorCase{"p1 s1 release 0x -> NO_ERROR",
                  "2:15: expected a token ($name, 0xHEX or a decimal number), found '0x'"},
        ErrorCase{"p1 s1 release 0xg -> NO_ERROR",
                  "2:15: expected a token ($name, 0xHEX or a decimal number), found '0xg'"},
        ErrorCase{"p1 s1 release 0x10000000000000000 -> NO_ERROR",
                  "2:15: number out of range: expected a 64-bit token, found "
                  "'0x10000000000000000'"},
        ErrorCase{"p1 s1 release 18446744073709551616 -> NO_ERROR",
                  "2:15: number out of range: expected a token ($name, 0xHEX or a decimal "
                  "number), found '18446744073709551616'"},
        ErrorCase{"p1 s1 associate a -> NO_ERROR",
                  "2:17: expected a token ($name, 0xHEX or a decimal number), found 'a'"},
        ErrorCase{"p1 s1 bind any -> NO_ERROR",
                  "2:12: expected a port (0..65535 or raw:PORT), found 'any'"},
        ErrorCase{"p1 s1 close extra -> NO_ERROR", "2:13: expected '->', found 'extra'"},
        // Answers.
        ErrorCase{"reboot", "2:7: expected '->', found end of line"},
        ErrorCase{"reboot ->",
                  "2:10: expected an error name or number (NO_ERROR, WSAEINVAL, 87, ...), found "
                  "end of line"},
        ErrorCase{"reboot -> ERROR_FOO", "2:11: unknown error 'ERROR_FOO'"},
        ErrorCase{"reboot -> no_error",
                  "2:11: expected an error name or number (NO_ERROR, WSAEINVAL, 87, ...), found "
                  "'no_error'"},
        ErrorCase{"reboot -> +5",
                  "2:11: expected an error name or number (NO_ERROR, WSAEINVAL, 87, ...), found "
                  "'+5'"},
        ErrorCase{"reboot -> 4294967296",
                  "2:11: number out of range: expected an error name or number (NO_ERROR, "
                  "WSAEINVAL, 87, ...), found '4294967296'"},
        ErrorCase{"reboot -> NO_ERROR -> NO_ERROR",
                  "2:20: expected a field (process=, socket=, block=, token=, port=) or end of "
                  "line, found '->'"},
        ErrorCase{"reboot -> NO_ERROR port",
                  "2:20: expected a field (process=, socket=, block=, token=, port=) or end of "
                  "line, found 'port'"},
        ErrorCase{"reboot -> NO_ERROR color=red",
                  "2:20: unknown field 'color' (expected process, socket, block, token or port)"},
        ErrorCase{"reboot -> NO_ERROR port=1 port=2", "2:27: duplicate field 'port'"},
        ErrorCase{"reboot -> NO_ERROR port=65536",
                  "2:25: number out of range: expected a port (0..65535), found '65536'"},
        ErrorCase{"reboot -> NO_ERROR process=1",
                  "2:28: expected a process name (p1, p2, ...), found '1'"},
        ErrorCase{"reboot -> NO_ERROR socket=p1",
                  "2:27: expected a socket name (s1, s2, ...), found 'p1'"},
        ErrorCase{"reboot -> NO_ERROR token=",
                  "2:26: expected a token ($name, 0xHEX or a decimal number), found ''"},
        ErrorCase{"reboot -> NO_ERROR block=",
                  "2:26: expected a block (START, START-LAST or START+0), found ''"},
        ErrorCase{"reboot -> NO_ERROR block=5000-4000",
                  "2:31: expected a block's last port, not below its start, found '4000'"},
        ErrorCase{"reboot -> NO_ERROR block=5000-",
                  "2:31: expected a block's last port (at most 65535 ports), found ''"},
        ErrorCase{"reboot -> NO_ERROR block=1-65536",
                  "2:28: number out of range: expected a block's last port (at most 65535 "
                  "ports), found '65536'"},
        ErrorCase{"reboot -> NO_ERROR block=5000+1",
                  "2:31: expected 0 after '+' (an empty block is START+0), found '1'"},
        ErrorCase{"reboot -> NO_ERROR block=-5",
                  "2:26: expected a block (START, START-LAST or START+0), found ''"},
        ErrorCase{"reboot -> NO_ERROR block=70000",
                  "2:26: number out of range: expected a block (START, START-LAST or START+0), "
                  "found '70000'"},
        // Bytes.
        ErrorCase{std::string("reboot\0 -> NO_ERROR", 19),
                  "2:7: unexpected control character 0x00"},
        ErrorCase{"reboot\r -> NO_ERROR", "2:7: unexpected control character 0x0d"},
        ErrorCase{"reboot -> NO_ERROR\x7f", "2:19: unexpected control character 0x7f"},
        ErrorCase{"# \x1b[31m", "2:3: unexpected control character 0x1b"},
        ErrorCase{"reboot \xff", "2:8: invalid UTF-8 (byte 0xff)"},
        ErrorCase{"# \xC0\xAF overlong", "2:3: invalid UTF-8 (byte 0xc0)"},
        ErrorCase{"# \xED\xA0\x80 surrogate", "2:3: invalid UTF-8 (byte 0xed)"},
        ErrorCase{"# \xE4\xB8 truncated", "2:3: invalid UTF-8 (byte 0xe4)"},
        ErrorCase{"# \xF4\x90\x80\x80 above U+10FFFF", "2:3: invalid UTF-8 (byte 0xf4)"},
        // Error messages quote safely and briefly.
        ErrorCase{"p1 create tcp \xC3\xA9 1 -> NO_ERROR",
                  "2:15: expected a port (0..65535 or raw:PORT), found '\\xc3\\xa9'"},
        ErrorCase{"p1 create tcp it's 1 -> NO_ERROR",
                  "2:15: expected a port (0..65535 or raw:PORT), found 'it\\x27s'"},
        ErrorCase{"p1 create tcp 12345678901234567890123456789012345678901234567890 1 -> X",
                  "2:15: number out of range: expected a port (0..65535 or raw:PORT), found "
                  "'1234567890123456789012345678901234567890...'"}));

TEST(ParseErrorTest, ErrorsStopAtTheFirstBadLine) {
  EXPECT_EQ(ErrorOf("portpool-trace 1\nreboot -> NO_ERROR\n\n# fine\nbogus\nalso bogus\n"),
            "t.trace:5:1: unknown call 'bogus'");
}

TEST(ParseErrorTest, FileNameIsTheCallers) {
  const absl::StatusOr<Trace> trace = Parse("nope", "dir/x.trace");
  EXPECT_EQ(trace.status().message(), "dir/x.trace:1:1: expected 'portpool-trace 1', found 'nope'");
  EXPECT_THAT(std::string(Parse("nope").status().message()), StartsWith("<trace>:1:1: "));
}

TEST(ParseStepTest, ParsesOneLine) {
  const absl::StatusOr<Step> step = ParseStep("p1 create tcp 5000 10 -> NO_ERROR token=$a");
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(*step, ParseLine("p1 create tcp 5000 10 -> NO_ERROR token=$a"));
  EXPECT_EQ(ParseStep("p1 create tcp -> NO_ERROR").status().message(),
            "<step>:1:15: expected a port (0..65535 or raw:PORT), found '->'");
  EXPECT_EQ(
      ParseStep("").status().message(),
      "<step>:1:1: expected a call (start-process, end-process, reboot, set-dynamic, env or a "
      "process name), found end of line");
  EXPECT_EQ(ParseStep(std::string("\0", 1)).status().message(),
            "<step>:1:1: unexpected control character 0x00");
  EXPECT_EQ(ParseStep(std::string(5000, 'x')).status().message(),
            "<step>:1:4097: line too long: more than 4096 bytes");
}

TEST(ParseCallLineTest, ParsesACallWithoutAnAnswer) {
  const absl::StatusOr<Step> step = ParseCallLine("p1 s2 acquire any 8 out=8");
  ASSERT_TRUE(step.ok()) << step.status();
  Step expected = ParseLine("p1 s2 acquire any 8 out=8 -> NO_ERROR");
  EXPECT_EQ(*step, expected);
  EXPECT_EQ(PrintCall(*step), "p1 s2 acquire any 8 out=8");
  ASSERT_TRUE(ParseCallLine("p3 s1 release 0x1f in=4").ok());
  EXPECT_EQ(std::get<call::Release>(ParseCallLine("p3 s1 release 0x1f").value().call).token, 0x1fu);
  EXPECT_EQ(ParseCallLine("p1 create tcp 5000 10 -> NO_ERROR").status().message(),
            "<call>:1:23: expected end of line, found '->'");
  EXPECT_EQ(ParseCallLine("p1 create tcp").status().message(),
            "<call>:1:14: expected a port (0..65535 or raw:PORT), found end of line");
  EXPECT_EQ(ParseCallLine(std::string("p1\x01", 3)).status().message(),
            "<call>:1:3: unexpected control character 0x01");
}

// --- limits ----------------------------------------------------------------------

TEST(ParseLimitTest, LineLength) {
  const std::string longest = absl::StrCat(kHeader, "#", std::string(4095, 'x'), "\n");
  EXPECT_EQ(ErrorOf(longest), "OK");
  EXPECT_EQ(ErrorOf(absl::StrCat(kHeader, "#", std::string(4095, 'x'), "\r\n")), "OK");
  EXPECT_EQ(ErrorOf(absl::StrCat(kHeader, "#", std::string(4096, 'x'), "\n")),
            "t.trace:2:4097: line too long: more than 4096 bytes (the limit "
            "ParseOptions::max_line_length)");
  ParseOptions options;
  options.max_line_length = 18;
  EXPECT_EQ(ErrorOf("portpool-trace 1\nreboot -> NO_ERROR\n", options), "OK");
  EXPECT_EQ(ErrorOf("portpool-trace 1\nreboot  -> NO_ERROR\n", options),
            "t.trace:2:19: line too long: more than 18 bytes (the limit "
            "ParseOptions::max_line_length)");
}

TEST(ParseLimitTest, TraceSize) {
  ParseOptions options;
  options.max_trace_size = 36;
  EXPECT_EQ(ErrorOf("portpool-trace 1\nreboot -> NO_ERROR\n", options), "OK");  // 36 bytes
  EXPECT_EQ(ErrorOf("portpool-trace 1\nreboot -> NO_ERROR\n\n", options),
            "t.trace: trace too large: 37 bytes, more than 36 (the limit "
            "ParseOptions::max_trace_size)");
}

TEST(ParseLimitTest, Steps) {
  ParseOptions options;
  options.max_steps = 2;
  EXPECT_EQ(ErrorOf("portpool-trace 1\nreboot -> NO_ERROR\nreboot -> NO_ERROR\n", options), "OK");
  EXPECT_EQ(ErrorOf("portpool-trace 1\nreboot -> NO_ERROR\nreboot -> NO_ERROR\n\n"
                    "  reboot -> NO_ERROR\n",
                    options),
            "t.trace:5:3: too many steps: more than 2 (the limit ParseOptions::max_steps)");
}

TEST(ParseLimitTest, CommentLines) {
  ParseOptions options;
  options.max_comment_lines = 2;
  EXPECT_EQ(ErrorOf("portpool-trace 1\nprovenance: x\n# a\n", options), "OK");
  EXPECT_EQ(ErrorOf("portpool-trace 1\nprovenance: x\n# a\nreboot -> NO_ERROR\n# b\n", options),
            "t.trace:5:1: too many comment and provenance lines: more than 2 (the limit "
            "ParseOptions::max_comment_lines)");
  EXPECT_EQ(ErrorOf("portpool-trace 1\nprovenance: x\nprovenance: y\nprovenance: z\n", options),
            "t.trace:4:1: too many comment and provenance lines: more than 2 (the limit "
            "ParseOptions::max_comment_lines)");
}

TEST(ParseLimitTest, DefaultsAreTheDocumentedOnes) {
  const ParseOptions options;
  EXPECT_EQ(options.max_line_length, 4096u);
  EXPECT_EQ(options.max_trace_size, 64u * 1024 * 1024);
  EXPECT_EQ(options.max_steps, 1'000'000u);
  EXPECT_EQ(options.max_comment_lines, 1'000'000u);
}

// --- garbage -------------------------------------------------------------------

TEST(ParseGarbageTest, RandomBytesGiveAnErrorNotACrash) {
  std::mt19937_64 random(20240601);
  for (int i = 0; i < 3000; ++i) {
    std::string text = i % 2 == 0 ? std::string(kHeader) : "";
    const size_t length = random() % (i % 10 == 0 ? 20000 : 200);
    for (size_t j = 0; j < length; ++j) text += static_cast<char>(random() & 0xff);
    const absl::StatusOr<Trace> trace = Parse(text, "garbage");
    if (!trace.ok()) {
      EXPECT_EQ(trace.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(trace.status().message()), StartsWith("garbage:"));
    }
  }
}

TEST(ParseGarbageTest, NulBytes) {
  EXPECT_EQ(ErrorOf(std::string(100, '\0')), "t.trace:1:1: unexpected control character 0x00");
  EXPECT_EQ(ErrorOf(absl::StrCat(kHeader, std::string(100, '\0'))),
            "t.trace:2:1: unexpected control character 0x00");
  EXPECT_EQ(ErrorOf(absl::StrCat(std::string("portpool-trace 1\0", 17), "\n")),
            "t.trace:1:17: unexpected control character 0x00");
}

// --- files -----------------------------------------------------------------------

class ParseFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("parse_file_test_", ::testing::UnitTest::GetInstance()->random_seed(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(absl::string_view name, absl::string_view text) {
    const std::string path = (dir_ / std::string(name)).string();
    std::ofstream out(path, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    return path;
  }

  // Writes the header, then one line of `size` bytes of 'x', without a
  // final line break.
  std::string WriteHugeLine(absl::string_view name, size_t size) {
    const std::string path = (dir_ / std::string(name)).string();
    std::ofstream out(path, std::ios::binary);
    EXPECT_TRUE(out.is_open()) << path;
    out << "portpool-trace 1\n";
    const std::string chunk(1 << 20, 'x');
    for (size_t written = 0; written < size; written += chunk.size()) {
      out.write(chunk.data(), static_cast<std::streamsize>(std::min(chunk.size(), size - written)));
    }
    out.close();
    EXPECT_TRUE(out) << "writing " << path;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ParseFileTest, ReadsTheSameAsParse) {
  const std::string path = Write("example.trace", kExample);
  const absl::StatusOr<Trace> trace = ParseFile(path);
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(*trace, ParseOk(kExample));
  EXPECT_EQ(trace->steps[3].line, 7);
}

TEST_F(ParseFileTest, LinesAcrossReadChunks) {
  // Well over one 64 KiB read, with CRLF endings, so lines straddle chunks.
  std::string text(kHeader);
  for (int i = 0; i < 5000; ++i) {
    absl::StrAppend(&text, "# comment number ", i, "\r\n", "p1 s", i, " bind ", i % 65536,
                    " -> NO_ERROR port=", i, "\r\n");
  }
  const absl::StatusOr<Trace> trace = ParseFile(Write("big.trace", text));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(*trace, ParseOk(text));
  EXPECT_EQ(trace->steps.size(), 5000u);
  EXPECT_EQ(trace->steps.back().line, 10001);
}

TEST_F(ParseFileTest, ErrorsNameThePath) {
  const std::string path = Write("bad.trace", "portpool-trace 1\nreboot -> NO\n");
  EXPECT_EQ(ParseFile(path).status().message(), absl::StrCat(path, ":2:11: unknown error 'NO'"));
  const std::string empty = Write("empty.trace", "");
  EXPECT_EQ(ParseFile(empty).status().message(),
            absl::StrCat(empty, ":1:1: expected 'portpool-trace 1', found end of file"));
}

TEST_F(ParseFileTest, MissingFileIsNotFound) {
  const std::string path = (dir_ / "missing.trace").string();
  const absl::Status status = ParseFile(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), absl::StrCat(path, ": no such file"));
}

TEST_F(ParseFileTest, DirectoryIsInvalid) {
  const absl::Status status = ParseFile(dir_.string()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), absl::StrCat(dir_.string(), ": is a directory, not a trace file"));
}

TEST_F(ParseFileTest, LineTooLongInAFile) {
  const std::string path =
      Write("long.trace", absl::StrCat(kHeader, "reboot -> NO_ERROR\n#", std::string(5000, 'y')));
  EXPECT_EQ(ParseFile(path).status().message(),
            absl::StrCat(path,
                         ":3:4097: line too long: more than 4096 bytes (the limit "
                         "ParseOptions::max_line_length)"));
  // Exactly at the limit, with and without CRLF.
  EXPECT_TRUE(
      ParseFile(Write("at.trace", absl::StrCat(kHeader, "#", std::string(4095, 'y')))).ok());
  EXPECT_TRUE(
      ParseFile(Write("atcr.trace", absl::StrCat(kHeader, "#", std::string(4095, 'y'), "\r\n")))
          .ok());
}

// A 100 MB single line: rejected quickly, by its size before reading it, or
// (with the size limit raised) by the line limit after reading a few KiB.
TEST_F(ParseFileTest, HundredMegabyteLineFailsFast) {
  const std::string path = WriteHugeLine("huge.trace", size_t{100} << 20);

  auto start = std::chrono::steady_clock::now();
  absl::Status status = ParseFile(path).status();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            absl::StrCat(path,
                         ": trace too large: 104857617 bytes, more than 67108864 (the limit "
                         "ParseOptions::max_trace_size)"));
  EXPECT_LT(elapsed, std::chrono::milliseconds(200));

  ParseOptions options;
  options.max_trace_size = uint64_t{1} << 40;
  start = std::chrono::steady_clock::now();
  status = ParseFile(path, options).status();
  elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.message(), absl::StrCat(path,
                                           ":2:4097: line too long: more than 4096 bytes "
                                           "(the limit ParseOptions::max_line_length)"));
  EXPECT_LT(elapsed, std::chrono::milliseconds(200));
}

// An endless source with no size up front (a device, a pipe) is bounded too:
// by the line limit, or failing that by the size limit while reading.
TEST_F(ParseFileTest, EndlessInputFailsFast) {
  if (!std::filesystem::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  EXPECT_EQ(ParseFile("/dev/zero").status().message(),
            "/dev/zero:1:4097: line too long: more than 4096 bytes (the limit "
            "ParseOptions::max_line_length)");
  ParseOptions options;
  options.max_line_length = std::numeric_limits<size_t>::max();
  options.max_trace_size = 1 << 20;
  EXPECT_EQ(ParseFile("/dev/zero", options).status().message(),
            "/dev/zero: trace too large: more than 1048576 bytes (the limit "
            "ParseOptions::max_trace_size)");
}

}  // namespace
}  // namespace portpool::traces

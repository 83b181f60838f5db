#include "portpool/traces/print.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "portpool/traces/parse.h"

namespace portpool::traces {
namespace {

using ::testing::HasSubstr;

constexpr ProcessId P(uint32_t n) { return ProcessId{n}; }
constexpr SocketId S(uint32_t n) { return SocketId{n}; }
constexpr Protocol kTcp = Protocol::kTcp;
constexpr Protocol kUdp = Protocol::kUdp;

Step MakeStep(Call call, Outcome outcome = {}) {
  Step step;
  step.call = std::move(call);
  step.outcome = std::move(outcome);
  return step;
}
Step Raw(Call call) {
  Step step = MakeStep(std::move(call));
  step.raw_port = true;
  return step;
}
Step WithArgument(Call call, std::string name) {
  Step step = MakeStep(std::move(call));
  step.token_argument = std::move(name);
  return step;
}
Outcome Err(Error error) {
  Outcome o;
  o.error = error;
  return o;
}

// The canonical example of the format (docs/trace-format.md).
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

TEST(PrintTest, CanonicalTextPrintsBackUnchanged) {
  const absl::StatusOr<Trace> trace = Parse(kExample);
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(Print(*trace), kExample);
  EXPECT_TRUE(ValidateTrace(*trace).ok());
}

TEST(PrintTest, EmptyTraceIsTheHeader) { EXPECT_EQ(Print(Trace{}), "portpool-trace 1\n"); }

struct PrintCase {
  Step step;
  std::string line;
  friend void PrintTo(const PrintCase& c, std::ostream* os) { *os << c.line; }
};

class PrintStepTest : public ::testing::TestWithParam<PrintCase> {};

TEST_P(PrintStepTest, PrintsTheCanonicalLine) {
  EXPECT_EQ(PrintStep(GetParam().step), GetParam().line);
  const absl::StatusOr<Step> back = ParseStep(GetParam().line);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, GetParam().step);
}

INSTANTIATE_TEST_SUITE_P(
    EveryCall, PrintStepTest,
    ::testing::Values(
        PrintCase{MakeStep(call::StartProcess{true}), "start-process elevated -> NO_ERROR"},
        PrintCase{MakeStep(call::StartProcess{false}), "start-process normal -> NO_ERROR"},
        PrintCase{MakeStep(call::EndProcess{P(4294967295u)}),
                  "end-process p4294967295 -> NO_ERROR"},
        PrintCase{MakeStep(call::Reboot{}), "reboot -> NO_ERROR"},
        PrintCase{MakeStep(call::SetDynamicRange{kUdp, {49152, 16384}}),
                  "set-dynamic udp 49152 16384 -> NO_ERROR"},
        PrintCase{MakeStep(call::CreatePersistent{P(1), kTcp, {5000, 10}, false}),
                  "p1 create tcp 5000 10 -> NO_ERROR"},
        PrintCase{MakeStep(call::CreatePersistent{P(1), kUdp, {0, 0}, true}),
                  "p1 create udp 0 0 null-token -> NO_ERROR"},
        PrintCase{MakeStep(call::LookupPersistent{P(2), kTcp, {65535, 65535}, true}),
                  "p2 lookup tcp 65535 65535 null-token -> NO_ERROR"},
        PrintCase{MakeStep(call::DeletePersistent{P(3), kUdp, {1, 2}}),
                  "p3 delete udp 1 2 -> NO_ERROR"},
        PrintCase{MakeStep(call::OpenSocket{P(1), kUdp, Family::kIpv6}),
                  "p1 socket udp ipv6 -> NO_ERROR"},
        PrintCase{MakeStep(call::CloseSocket{P(1), S(0)}), "p1 s0 close -> NO_ERROR"},
        PrintCase{MakeStep(call::GetSockName{P(1), S(9)}), "p1 s9 getsockname -> NO_ERROR"},
        PrintCase{MakeStep(call::Acquire{P(1), S(1), {0, 64}, 4, 16}),
                  "p1 s1 acquire any 64 -> NO_ERROR"},
        PrintCase{MakeStep(call::Acquire{P(1), S(1), {5000, 4}, 4, 16}),
                  "p1 s1 acquire 5000 4 -> NO_ERROR"},
        PrintCase{MakeStep(call::Bind{P(1), S(1), 0}), "p1 s1 bind 0 -> NO_ERROR"},
        PrintCase{MakeStep(call::Bind{P(1), S(1), 65535}), "p1 s1 bind 65535 -> NO_ERROR"}));

INSTANTIATE_TEST_SUITE_P(
    RawPorts, PrintStepTest,
    ::testing::Values(
        PrintCase{Raw(call::CreatePersistent{P(1), kTcp, {34835, 20}, false}),
                  "p1 create tcp raw:5000 20 -> NO_ERROR"},
        PrintCase{Raw(call::LookupPersistent{P(1), kTcp, {256, 1}, true}),
                  "p1 lookup tcp raw:1 1 null-token -> NO_ERROR"},
        PrintCase{Raw(call::DeletePersistent{P(1), kUdp, {1, 1}}),
                  "p1 delete udp raw:256 1 -> NO_ERROR"},
        PrintCase{Raw(call::Acquire{P(1), S(1), {34835, 4}, 4, 16}),
                  "p1 s1 acquire raw:5000 4 -> NO_ERROR"},
        PrintCase{Raw(call::Acquire{P(1), S(1), {0, 4}, 4, 16}),
                  "p1 s1 acquire raw:0 4 -> NO_ERROR"},
        PrintCase{Raw(call::Bind{P(1), S(1), 34835}), "p1 s1 bind raw:5000 -> NO_ERROR"},
        PrintCase{Raw(call::Bind{P(1), S(1), 0xFFFF}), "p1 s1 bind raw:65535 -> NO_ERROR"}));

INSTANTIATE_TEST_SUITE_P(
    Tokens, PrintStepTest,
    ::testing::Values(PrintCase{WithArgument(call::Release{P(1), S(1), 0, 8}, "$c"),
                                "p1 s1 release $c -> NO_ERROR"},
                      PrintCase{WithArgument(call::Associate{P(1), S(2), 0, 8}, "$Tok_9"),
                                "p1 s2 associate $Tok_9 -> NO_ERROR"},
                      PrintCase{MakeStep(call::Release{P(1), S(1), 0x1234, 8}),
                                "p1 s1 release 0x1234 -> NO_ERROR"},
                      PrintCase{MakeStep(call::Release{P(1), S(1), 0xABCDEF0123456789u, 8}),
                                "p1 s1 release 0xabcdef0123456789 -> NO_ERROR"},
                      PrintCase{MakeStep(call::Associate{P(1), S(1), 0, 8}),
                                "p1 s1 associate 0x0 -> NO_ERROR"},
                      PrintCase{MakeStep(call::Release{P(1), S(1), 0xffffffffffffffffu, 8}),
                                "p1 s1 release 0xffffffffffffffff -> NO_ERROR"}));

INSTANTIATE_TEST_SUITE_P(
    BufferSizes, PrintStepTest,
    ::testing::Values(PrintCase{MakeStep(call::Acquire{P(1), S(1), {5000, 4}, 3, 16}),
                                "p1 s1 acquire 5000 4 in=3 -> NO_ERROR"},
                      PrintCase{MakeStep(call::Acquire{P(1), S(1), {5000, 4}, 4, 8}),
                                "p1 s1 acquire 5000 4 out=8 -> NO_ERROR"},
                      PrintCase{MakeStep(call::Acquire{P(1), S(1), {0, 4}, 0, 4294967295u}),
                                "p1 s1 acquire any 4 in=0 out=4294967295 -> NO_ERROR"},
                      PrintCase{WithArgument(call::Release{P(1), S(1), 0, 4}, "$c"),
                                "p1 s1 release $c in=4 -> NO_ERROR"},
                      PrintCase{MakeStep(call::Associate{P(1), S(1), 0x1f, 0}),
                                "p1 s1 associate 0x1f in=0 -> NO_ERROR"}));

Step Answer(Outcome outcome, std::optional<std::string> token_name = std::nullopt) {
  Step step = MakeStep(call::Reboot{}, std::move(outcome));
  step.outcome_token_name = std::move(token_name);
  return step;
}
Outcome With(auto set) {
  Outcome o;
  set(o);
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Answers, PrintStepTest,
    ::testing::Values(
        PrintCase{Answer(Err(Error::kWsaEaddrinuse)), "reboot -> WSAEADDRINUSE"},
        PrintCase{Answer(Err(Error::kSharingViolation)), "reboot -> ERROR_SHARING_VIOLATION"},
        PrintCase{Answer(Err(static_cast<Error>(1234))), "reboot -> 1234"},
        PrintCase{Answer(With([](Outcome& o) { o.process = P(2); })),
                  "reboot -> NO_ERROR process=p2"},
        PrintCase{Answer(With([](Outcome& o) { o.socket = S(3); })),
                  "reboot -> NO_ERROR socket=s3"},
        PrintCase{Answer(With([](Outcome& o) {
                    o.block = PortRange{49152, 64};
                  })),
                  "reboot -> NO_ERROR block=49152-49215"},
        PrintCase{Answer(With([](Outcome& o) {
                    o.block = PortRange{5000, 1};
                  })),
                  "reboot -> NO_ERROR block=5000"},
        PrintCase{Answer(With([](Outcome& o) {
                    o.block = PortRange{5000, 0};
                  })),
                  "reboot -> NO_ERROR block=5000+0"},
        PrintCase{Answer(With([](Outcome& o) {
                    o.block = PortRange{65535, 2};
                  })),
                  "reboot -> NO_ERROR block=65535-65536"},
        PrintCase{Answer(With([](Outcome& o) { o.token = 0x1F; })),
                  "reboot -> NO_ERROR token=0x1f"},
        PrintCase{Answer(With([](Outcome& o) { o.token = 0; }), "$a"),
                  "reboot -> NO_ERROR token=$a"},
        PrintCase{Answer(With([](Outcome& o) { o.port = 49160; })),
                  "reboot -> NO_ERROR port=49160"},
        PrintCase{Answer(With([](Outcome& o) {
                    o.error = Error::kWsaEinval;
                    o.port = 1;
                    o.token = 2;
                    o.block = PortRange{3, 4};
                    o.socket = S(5);
                    o.process = P(6);
                  })),
                  "reboot -> WSAEINVAL process=p6 socket=s5 block=3-6 token=0x2 port=1"}));

TEST(PrintTest, CommentsGoWhereTheyBelong) {
  Trace trace;
  trace.provenance = {"simulator seed=1 calls=2", "windows build=22631 elevated=yes"};
  trace.comments = {"about the trace", ""};
  trace.steps = {MakeStep(call::Reboot{}), MakeStep(call::Reboot{})};
  trace.steps[1].comments = {"about step 2", " indented", "\ttabbed"};
  trace.trailing_comments = {"the end"};
  const std::string text = Print(trace);
  EXPECT_EQ(text,
            "portpool-trace 1\n"
            "provenance: simulator seed=1 calls=2\n"
            "provenance: windows build=22631 elevated=yes\n"
            "# about the trace\n"
            "#\n"
            "reboot -> NO_ERROR\n"
            "# about step 2\n"
            "#  indented\n"
            "# \ttabbed\n"
            "reboot -> NO_ERROR\n"
            "# the end\n");
  EXPECT_TRUE(ValidateTrace(trace).ok());
  const absl::StatusOr<Trace> back = Parse(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, trace);
}

TEST(PrintTest, NonCanonicalTextPrintsCanonically) {
  const absl::StatusOr<Trace> trace = Parse(
      "\xEF\xBB\xBF  portpool-trace   1  \r\n"
      "provenance:\tdoc rule=X  \r\n"
      "\r\n"
      "   #comment  \r\n"
      "p1   create\ttcp 5000 10   ->   NO_ERROR   token=$a\r\n"
      "p1 s1 acquire 0 4 out=8 in=3 -> 87 port=1 block=5-5 process=p1\n"
      "p1 s1 release 4660 -> NO_ERROR token=31\n"
      "p1 s1 associate 0x00AB in=8 -> NO_ERROR\n");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(Print(*trace),
            "portpool-trace 1\n"
            "provenance: doc rule=X\n"
            "# comment\n"
            "p1 create tcp 5000 10 -> NO_ERROR token=$a\n"
            "p1 s1 acquire any 4 in=3 out=8 -> ERROR_INVALID_PARAMETER process=p1 block=5 port=1\n"
            "p1 s1 release 0x1234 -> NO_ERROR token=0x1f\n"
            "p1 s1 associate 0xab -> NO_ERROR\n");
}

TEST(PrintTest, TextThatCannotBeOneLineIsMadeSafe) {
  Trace trace;
  trace.provenance = {"", "two\nlines ", "  padded"};
  trace.comments = {"line one\r\nreboot -> NO_ERROR", "bell\a and \xff byte  "};
  const std::string text = Print(trace);
  EXPECT_EQ(text,
            "portpool-trace 1\n"
            "provenance: two\n"
            "provenance: lines\n"
            "provenance: padded\n"
            "# line one\n"
            "# reboot -> NO_ERROR\n"
            "# bell? and ? byte\n");
  const absl::StatusOr<Trace> back = Parse(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->steps.empty());  // the embedded line stayed a comment
}

TEST(PrintTest, StreamsForTestMessages) {
  std::ostringstream step_out;
  step_out << MakeStep(call::Reboot{});
  EXPECT_EQ(step_out.str(), "reboot -> NO_ERROR");
  std::ostringstream trace_out;
  trace_out << Trace{};
  EXPECT_EQ(trace_out.str(), "portpool-trace 1\n");
}

// --- ValidateTrace -----------------------------------------------------------------

std::string Problem(const Trace& trace) {
  const absl::Status status = ValidateTrace(trace);
  return status.ok() ? "OK" : std::string(status.message());
}

Trace OneStep(Step step) {
  Trace trace;
  trace.steps.push_back(std::move(step));
  return trace;
}

TEST(ValidateTraceTest, SaysWhatTheFormatCannotExpress) {
  Trace t;
  EXPECT_EQ(Problem(t), "OK");

  t = Trace{};
  t.provenance = {""};
  EXPECT_EQ(Problem(t), "provenance: an empty line");
  t.provenance = {" x"};
  EXPECT_EQ(Problem(t), "provenance: a line starts with a blank");
  t.provenance = {"x "};
  EXPECT_EQ(Problem(t), "provenance: a line ends in a blank");
  t.provenance = {"a\nb"};
  EXPECT_EQ(Problem(t), "provenance: a line holds a control character");

  t = Trace{};
  t.comments = {"\xC3"};
  EXPECT_EQ(Problem(t), "comments: a comment holds invalid UTF-8");
  t.comments = {"tab\t"};
  EXPECT_EQ(Problem(t), "comments: a comment ends in a blank");
  t = Trace{};
  t.trailing_comments = {"x"};
  EXPECT_EQ(Problem(t), "trailing comments: a trace without steps has only leading comments");

  t = OneStep(MakeStep(call::Reboot{}));
  t.steps[0].comments = {"x"};
  EXPECT_EQ(Problem(t),
            "step 1: comments above the first step belong to the trace (Trace::comments)");
  t.steps.push_back(MakeStep(call::Reboot{}));
  t.steps[0].comments.clear();
  t.steps[1].comments = {"x\r"};
  EXPECT_EQ(Problem(t), "step 2: a comment holds a control character");

  EXPECT_EQ(Problem(OneStep(MakeStep(call::EndProcess{P(0)}))),
            "step 1: process p0 (names start at p1)");
  EXPECT_EQ(Problem(OneStep(MakeStep(call::Reboot{}, With([](Outcome& o) { o.process = P(0); })))),
            "step 1: outcome process p0 (names start at p1)");
  EXPECT_EQ(Problem(OneStep(WithArgument(call::Bind{P(1), S(1), 0}, "$a"))),
            "step 1: a token argument on a call that takes none");
  EXPECT_EQ(Problem(OneStep(WithArgument(call::Release{P(1), S(1), 0, 8}, "a"))),
            "step 1: token name 'a' does not match \\$[A-Za-z0-9_]+");
  EXPECT_EQ(Problem(OneStep(WithArgument(call::Release{P(1), S(1), 5, 8}, "$a"))),
            "step 1: a named token argument whose value is not 0");
  EXPECT_EQ(Problem(OneStep(Answer(Outcome{}, "$a"))),
            "step 1: a named outcome token whose value is not 0 (or is missing)");
  EXPECT_EQ(Problem(OneStep(Answer(With([](Outcome& o) { o.token = 0; }), "$"))),
            "step 1: token name '$' does not match \\$[A-Za-z0-9_]+");
  EXPECT_EQ(Problem(OneStep(Raw(call::Reboot{}))), "step 1: a raw port on a call without a port");
  EXPECT_EQ(Problem(OneStep(Raw(call::SetDynamicRange{kTcp, {1, 1}}))),
            "step 1: a raw port on a call without a port");
}

TEST(ValidateTraceTest, LineNumbersDoNotMatter) {
  Step a = MakeStep(call::Reboot{});
  Step b = a;
  b.line = 7;
  EXPECT_EQ(a, b);
  b.comments = {"x"};
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace portpool::traces

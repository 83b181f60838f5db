// RelocatePorts and SpecificPortSpan: which ports move when a trace goes into
// a sandbox window, and back.
#include "portpool/conformance/trace_ports.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"

namespace portpool::conformance {
namespace {

using ::testing::HasSubstr;

traces::Trace ParseOrDie(absl::string_view text) {
  absl::StatusOr<traces::Trace> trace = traces::Parse(text);
  EXPECT_TRUE(trace.ok()) << trace.status();
  return trace.ok() ? *trace : traces::Trace{};
}

TEST(RelocatePortsTest, MovesPortArgumentsInsideTheWindowOnly) {
  const traces::Trace input = ParseOrDie(
      "portpool-trace 1\n"
      "start-process elevated -> NO_ERROR process=p1\n"
      "p1 create tcp 20000 4 -> NO_ERROR token=$a\n"
      "p1 lookup udp 65530 10 -> ERROR_INVALID_PARAMETER\n"
      "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
      "p1 s1 acquire 20010 2 -> NO_ERROR block=20010-20011 token=$b\n"
      "p1 s1 acquire any 2 -> NO_ERROR block=49152-49153 token=$c\n"
      "p1 s1 bind 0 -> NO_ERROR port=49200\n"
      "p1 s1 bind 20255 -> WSAEINVAL\n"
      "p1 s1 bind raw:20000 -> NO_ERROR port=8270\n"
      "p1 delete tcp 20000 4 -> NO_ERROR\n");
  absl::StatusOr<traces::Trace> moved = RelocatePorts(input, kTraceWindow, 30000);
  ASSERT_TRUE(moved.ok()) << moved.status();
  const std::string text = traces::Print(*moved);
  EXPECT_THAT(text, HasSubstr("p1 create tcp 30000 4 -> NO_ERROR token=$a\n"));
  EXPECT_THAT(text, HasSubstr("p1 lookup udp 65530 10 ->"));
  // Answers are left alone: the recording replaces them.
  EXPECT_THAT(text, HasSubstr("p1 s1 acquire 30010 2 -> NO_ERROR block=20010-20011"));
  EXPECT_THAT(text, HasSubstr("p1 s1 acquire any 2 ->"));
  EXPECT_THAT(text, HasSubstr("p1 s1 bind 0 ->"));
  EXPECT_THAT(text, HasSubstr("p1 s1 bind 30255 ->"));
  EXPECT_THAT(text, HasSubstr("p1 s1 bind raw:20000 ->"));
  EXPECT_THAT(text, HasSubstr("p1 delete tcp 30000 4 ->"));
}

TEST(RelocatePortsTest, SpecificPortSpanLeavesOutPortZeroAndRawPorts) {
  EXPECT_EQ(SpecificPortSpan(ParseOrDie("portpool-trace 1\n"
                                        "start-process elevated -> NO_ERROR process=p1\n"
                                        "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
                                        "p1 s1 bind 0 -> NO_ERROR port=49152\n"
                                        "p1 s1 bind raw:5000 -> NO_ERROR port=34835\n")),
            std::nullopt);
  EXPECT_EQ(SpecificPortSpan(ParseOrDie("portpool-trace 1\n"
                                        "start-process elevated -> NO_ERROR process=p1\n"
                                        "p1 create tcp 5000 10 -> NO_ERROR token=$a\n"
                                        "p1 lookup tcp 4999 2 -> ERROR_NOT_FOUND\n"
                                        "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
                                        "p1 s1 acquire 5020 2 -> WSAEADDRINUSE\n")),
            (PortRange{4999, 22}));
}

TEST(RelocatePortsTest, RefusesToMovePastTheTop) {
  const traces::Trace input = ParseOrDie(
      "portpool-trace 1\nstart-process elevated -> NO_ERROR process=p1\n"
      "p1 create tcp 20200 4 -> NO_ERROR token=$a\n");
  absl::StatusOr<traces::Trace> moved = RelocatePorts(input, kTraceWindow, 65400);
  ASSERT_FALSE(moved.ok());
  EXPECT_THAT(moved.status().message(), HasSubstr("line 3: port 20200 would move to 65600"));
}

TEST(RelocatePortsTest, MovesAnswersBackWhenAsked) {
  const traces::Trace recorded = ParseOrDie(
      "portpool-trace 1\n"
      "start-process elevated -> NO_ERROR process=p1\n"
      "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
      "p1 s1 acquire 30010 2 -> NO_ERROR block=30010-30011 token=$a\n"
      "p1 s1 acquire any 2 -> NO_ERROR block=49152-49153 token=$b\n"
      "p1 s1 bind 0 -> NO_ERROR port=30010\n"
      "p1 s1 getsockname -> NO_ERROR port=30010\n");
  absl::StatusOr<traces::Trace> back =
      RelocatePorts(recorded, PortRange{30000, 256}, kTraceWindow.start, MoveAnswers::kYes);
  ASSERT_TRUE(back.ok()) << back.status();
  const std::string text = traces::Print(*back);
  EXPECT_THAT(text, HasSubstr("p1 s1 acquire 20010 2 -> NO_ERROR block=20010-20011 token=$a\n"));
  EXPECT_THAT(text, HasSubstr("p1 s1 acquire any 2 -> NO_ERROR block=49152-49153 token=$b\n"));
  EXPECT_THAT(text, HasSubstr("p1 s1 bind 0 -> NO_ERROR port=20010\n"));
  EXPECT_THAT(text, HasSubstr("p1 s1 getsockname -> NO_ERROR port=20010\n"));
  // Without kYes the answers stay.
  EXPECT_THAT(traces::Print(*RelocatePorts(recorded, PortRange{30000, 256}, 20000)),
              HasSubstr("block=30010-30011"));
}

}  // namespace
}  // namespace portpool::conformance

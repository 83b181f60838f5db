// RecordTrace and CleanUpRecording on the simulator: what
// `portpool record` writes, where it stops, and that a sandboxed recording
// leaves nothing behind.
#include "portpool/conformance/windows/record_run.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "testing/scratch_files.h"

namespace portpool::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

traces::Trace ParseOrDie(absl::string_view text) {
  absl::StatusOr<traces::Trace> trace = traces::Parse(text);
  EXPECT_TRUE(trace.ok()) << trace.status();
  return trace.ok() ? *trace : traces::Trace{};
}

constexpr absl::string_view kProbe =
    "portpool-trace 1\n"
    "provenance: probe U9 test\n"
    "# Question: what happens?\n"
    "start-process elevated -> NO_ERROR process=p1\n"
    "p1 create tcp 20000 4 -> NO_ERROR token=$a\n"
    "# The bind says it.\n"
    "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
    "p1 s1 bind 20001 -> WSAEACCES\n"
    "p1 s1 close -> NO_ERROR\n"
    "p1 delete tcp 20000 4 -> NO_ERROR\n"
    "# done\n";

// Rules: P-CREATE-OK, B-BIND-PERSISTENT (the simulator answers as the model
// allows, so a recording on it conforms and replays).
TEST(RecordTraceTest, RecordsProvenanceCommentsAndConformingAnswers) {
  SimulatorBackend simulator(7);
  RecordOptions options;
  options.provenance = {simulator.Describe()};
  options.source = "probe.trace";
  const RecordResult result = RecordTrace(ParseOrDie(kProbe), simulator, options);
  EXPECT_EQ(result.kind, RecordResult::Kind::kComplete) << result.message;
  EXPECT_EQ(result.steps_run, 6u);
  EXPECT_EQ(result.steps_total, 6u);
  EXPECT_THAT(result.trace.provenance,
              ElementsAre("simulator seed=7", "recorded from probe.trace", "input: probe U9 test"));
  EXPECT_THAT(result.trace.comments, ElementsAre("Question: what happens?"));
  EXPECT_THAT(result.trace.steps[2].comments, ElementsAre("The bind says it."));
  EXPECT_THAT(result.trace.trailing_comments, ElementsAre("done"));
  EXPECT_EQ(result.processes.size(), 1u);
  const traces::ReplayResult replay = traces::Replay(result.trace);
  EXPECT_TRUE(replay.conforms) << traces::Print(result.trace);
  // The text round-trips (the recorded trace is a valid trace file).
  EXPECT_EQ(ParseOrDie(traces::Print(result.trace)), result.trace);
}

TEST(RecordTraceTest, SameSeedSameRecording) {
  SimulatorBackend a(3), b(3);
  const traces::Trace input = ParseOrDie(kProbe);
  EXPECT_EQ(RecordTrace(input, a, {}).trace, RecordTrace(input, b, {}).trace);
}

// A call the backend cannot make stops the run; what ran is kept, and the
// trailing comment says where and why.
TEST(RecordTraceTest, StopsAtAStepTheBackendCannotRun) {
  SimulatorBackend simulator(1);
  const std::string journal_path = testing::ScratchFile("record-run-test", "journal").string();
  absl::StatusOr<Journal> journal = Journal::Open(journal_path);
  ASSERT_TRUE(journal.ok()) << journal.status();
  SandboxedBackend sandboxed(simulator, Sandbox(PortRange{20000, 16}), *journal);
  const RecordResult result =
      RecordTrace(ParseOrDie("portpool-trace 1\n"
                             "start-process elevated -> NO_ERROR process=p1\n"
                             "p1 create tcp 20000 2 -> NO_ERROR token=$a\n"
                             "p1 create tcp 5000 2 -> NO_ERROR token=$b\n"
                             "reboot -> NO_ERROR\n"),
                  sandboxed, {});
  EXPECT_EQ(result.kind, RecordResult::Kind::kIncomplete);
  EXPECT_THAT(result.message, HasSubstr("refused by the sandbox"));
  EXPECT_EQ(result.line, 4);
  EXPECT_EQ(result.steps_run, 2u);
  ASSERT_EQ(result.trace.trailing_comments.size(), 1u);
  EXPECT_THAT(result.trace.trailing_comments[0],
              HasSubstr("recording stopped after 2 of 4 steps, at line 4: refused by the sandbox"));
  // The block it made is deleted afterwards, journaled.
  EXPECT_THAT(CleanUpRecording(sandboxed, result), IsEmpty());
  absl::StatusOr<std::vector<PendingReservation>> left = ReadPendingReservations(journal_path);
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_THAT(*left, IsEmpty());
}

TEST(RecordTraceTest, ReportsAStepThatNamesAnUnstartedProcess) {
  SimulatorBackend simulator(1);
  const RecordResult result = RecordTrace(
      ParseOrDie("portpool-trace 1\np2 lookup tcp 20000 1 -> ERROR_NOT_FOUND\n"), simulator, {});
  EXPECT_EQ(result.kind, RecordResult::Kind::kIncomplete);
  // In the words `portpool replay` uses for the same mistake.
  EXPECT_EQ(result.message, "p2 is not a process: no earlier step started it");
  EXPECT_EQ(result.line, 2);
  EXPECT_THAT(result.trace.comments,
              ElementsAre(HasSubstr("recording stopped after 0 of 1 steps")));
}

}  // namespace
}  // namespace portpool::conformance

// The journal: what it writes, the pending rule, and cleanup through any
// win32::Api (here the model's, so it runs everywhere).
#include "portpool/conformance/windows/journal.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/machine.h"
#include "portpool/win32.h"
#include "testing/scratch_files.h"

namespace portpool::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A scratch file for this test, named NAME.
std::string TempPath(const std::string& name) {
  return testing::ScratchFile("journal-test", name).string();
}

using testing::ReadWholeFile;

Outcome Answer(Error error) {
  Outcome o;
  o.error = error;
  return o;
}

PendingReservation Pending(Protocol p, uint16_t start, uint16_t count, const char* why) {
  return PendingReservation{p, PortRange{start, count}, why};
}

TEST(Journal, WritesBeginBeforeAndEndAfter) {
  const std::string path = TempPath("j.txt");
  auto journal = Journal::Open(path);
  ASSERT_TRUE(journal.ok()) << journal.status();
  auto id = journal->Begin(JournalOp::kCreate, Protocol::kTcp, {20000, 4});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 1u);
  // Flushed at once: a crash now leaves the line in the file.
  EXPECT_EQ(ReadWholeFile(path), "portpool-journal 1\nbegin 1 create tcp 20000 4\n");
  ASSERT_TRUE(journal->End(*id, Answer(Error::kNoError)).ok());
  ASSERT_TRUE(journal->Note("a note\nover two lines").ok());
  auto del = journal->Begin(JournalOp::kDelete, Protocol::kUdp, {20010, 1});
  ASSERT_TRUE(del.ok());
  ASSERT_TRUE(journal->End(*del, absl::UnavailableError("backend\ngone")).ok());
  EXPECT_EQ(ReadWholeFile(path),
            "portpool-journal 1\n"
            "begin 1 create tcp 20000 4\n"
            "end 1 NO_ERROR\n"
            "# a note over two lines\n"
            "begin 2 delete udp 20010 1\n"
            "end 2 no-answer: backend gone\n");
}

TEST(Journal, IdsContinueAcrossRunsAndGarbageIsRefused) {
  const std::string path = TempPath("j.txt");
  {
    auto first = Journal::Open(path);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(first->Begin(JournalOp::kCreate, Protocol::kTcp, {20000, 1}).ok());
    ASSERT_TRUE(first->Begin(JournalOp::kCreate, Protocol::kTcp, {20001, 1}).ok());
  }
  auto second = Journal::Open(path);
  ASSERT_TRUE(second.ok());
  auto id = second->Begin(JournalOp::kDelete, Protocol::kTcp, {20000, 1});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 3u);
  EXPECT_EQ(ReadWholeFile(path).find("portpool-journal 1"), 0u);
  EXPECT_EQ(ReadWholeFile(path).rfind("portpool-journal 1"), 0u) << "one header only";

  const std::string other = TempPath("not-a-journal.txt");
  std::ofstream(other) << "hello\n";
  auto refused = Journal::Open(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("not a portpool journal"));
}

TEST(PendingFromJournalText, ThePendingRule) {
  auto pending = PendingFromJournalText(
      "portpool-journal 1\n"
      "# created and deleted: gone\n"
      "begin 1 create tcp 20000 4\nend 1 NO_ERROR\n"
      "begin 2 delete tcp 20000 4\nend 2 NO_ERROR\n"
      "# created, never deleted: pending\n"
      "begin 3 create tcp 20010 2\nend 3 NO_ERROR\n"
      "# refused: nothing made\n"
      "begin 4 create tcp 20010 2\nend 4 ERROR_SHARING_VIOLATION\n"
      "begin 5 create udp 20020 1\nend 5 ERROR_SHARING_VIOLATION\n"
      "# no answer (the run died in the call): pending\n"
      "begin 6 create udp 20030 1\n"
      "# the backend failed: pending\n"
      "begin 7 create udp 20040 1\nend 7 no-answer: crashed\n"
      "# delete refused: still pending\n"
      "begin 8 create tcp 20050 1\nend 8 NO_ERROR\n"
      "begin 9 delete tcp 20050 1\nend 9 ERROR_ACCESS_DENIED\n"
      "# delete found nothing: gone\n"
      "begin 10 create tcp 20060 1\nend 10 NO_ERROR\n"
      "begin 11 delete tcp 20060 1\nend 11 ERROR_NOT_FOUND\n"
      "# a delete of another block does not count\n"
      "begin 12 create tcp 20070 4\nend 12 NO_ERROR\n"
      "begin 13 delete tcp 20070 2\nend 13 ERROR_NOT_FOUND\n");
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_THAT(*pending, ElementsAre(Pending(Protocol::kTcp, 20010, 2, "created"),
                                    Pending(Protocol::kTcp, 20050, 1, "created"),
                                    Pending(Protocol::kTcp, 20070, 4, "created"),
                                    Pending(Protocol::kUdp, 20030, 1, "create not answered"),
                                    Pending(Protocol::kUdp, 20040, 1, "create not answered")));
}

TEST(PendingFromJournalText, EmptyAndBad) {
  for (const char* text : {"", "portpool-journal 1\n", "# only a comment\n\n"}) {
    auto pending = PendingFromJournalText(text);
    ASSERT_TRUE(pending.ok()) << text;
    EXPECT_THAT(*pending, IsEmpty());
  }
  for (const char* text : {"portpool-journal 1\nbegin x create tcp 1 1\n",
                           "portpool-journal 1\nbegin 1 create sctp 1 1\n",
                           "portpool-journal 1\nbegin 1 create tcp 1\n",
                           "portpool-journal 1\nbegin 1 frobnicate tcp 1 1\n",
                           "portpool-journal 1\nbegin 1 create tcp 70000 1\n",
                           "portpool-journal 1\nstart 1 create tcp 1 1\n", "garbage\n"}) {
    auto pending = PendingFromJournalText(text);
    EXPECT_FALSE(pending.ok()) << text;
  }
  auto bad = PendingFromJournalText("portpool-journal 1\n\nbegin 1 create tcp 1\n");
  EXPECT_THAT(bad.status().message(), HasSubstr("3:1: "));
}

TEST(ReadPendingReservations, AbsentFileIsNotFound) {
  auto pending = ReadPendingReservations(TempPath("absent.txt"));
  EXPECT_TRUE(absl::IsNotFound(pending.status())) << pending.status();
}

TEST(CleanUp, DeletesExactlyThePendingBlocksAndJournalsIt) {
  Machine machine(7);
  const ProcessId admin = machine.StartProcess(true);
  win32::ModelApi api(machine, admin);
  // Left behind by a "crashed run": two blocks; one more was never made.
  ASSERT_TRUE(machine.Run(call::CreatePersistent{admin, Protocol::kTcp, {20000, 4}}).ok());
  ASSERT_TRUE(machine.Run(call::CreatePersistent{admin, Protocol::kUdp, {20010, 1}}).ok());
  // Not ours: must survive.
  ASSERT_TRUE(machine.Run(call::CreatePersistent{admin, Protocol::kTcp, {30000, 1}}).ok());
  const std::string path = TempPath("j.txt");
  std::ofstream(path) << "portpool-journal 1\n"
                         "begin 1 create tcp 20000 4\nend 1 NO_ERROR\n"
                         "begin 2 create udp 20010 1\n"
                         "begin 3 create udp 20020 1\n";
  auto pending = ReadPendingReservations(path);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  auto journal = Journal::Open(path);
  ASSERT_TRUE(journal.ok());
  const CleanupResult result = CleanUp(api, *journal, *pending);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.deleted, 2);
  EXPECT_EQ(result.already_gone, 1);
  EXPECT_THAT(result.lines, ElementsAre("tcp 20000-20003: deleted", "udp 20010: deleted",
                                        "udp 20020: already gone (ERROR_NOT_FOUND)"));
  EXPECT_EQ(machine.pool(Protocol::kTcp).blocks().size(), 1u);
  EXPECT_NE(machine.pool(Protocol::kTcp).FindExact({30000, 1}), nullptr);
  EXPECT_TRUE(machine.pool(Protocol::kUdp).blocks().empty());
  auto after = ReadPendingReservations(path);
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(*after, IsEmpty()) << ReadWholeFile(path);
}

TEST(CleanUp, ARefusedDeleteStaysPending) {
  Machine machine(7);
  const ProcessId admin = machine.StartProcess(true);
  const ProcessId user = machine.StartProcess(false);
  ASSERT_TRUE(machine.Run(call::CreatePersistent{admin, Protocol::kTcp, {20000, 4}}).ok());
  win32::ModelApi api(machine, user);
  const std::string path = TempPath("j.txt");
  auto journal = Journal::Open(path);
  ASSERT_TRUE(journal.ok());
  const std::vector<PendingReservation> pending = {Pending(Protocol::kTcp, 20000, 4, "created")};
  const CleanupResult result = CleanUp(api, *journal, pending);
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.lines, ElementsAre("tcp 20000-20003: not deleted: ERROR_ACCESS_DENIED"));
  EXPECT_THAT(result.failed, ElementsAre(pending[0]));
}

}  // namespace
}  // namespace portpool::conformance

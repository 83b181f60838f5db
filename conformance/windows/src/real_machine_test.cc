// A campaign on a "real machine" made of the simulator: the wiring of
// `portpool campaign --backend windows` (sandbox, journal, seeded model,
// cleanup after every sequence, documented cases moved into the window),
// tested where no Windows is, on the simulator in this process and on a pool
// of simulator worker processes.
#include "portpool/conformance/windows/real_machine.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/conformance/campaign.h"
#include "portpool/conformance/report.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/windows/worker_pool.h"
#include "portpool/traces/parse.h"
#include "testing/scratch_files.h"
#include "testing/worker_program.h"

namespace portpool::conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A machine with reservations of its own, none where the simulator (which
// does not have them) could pick a port: outside the dynamic range.
MachineSnapshot Snapshot() {
  MachineSnapshot snapshot;
  snapshot.of(Protocol::kTcp).excluded = {{{5357, 1}, false}, {{1000, 10}, true}};
  snapshot.of(Protocol::kUdp).excluded = {{{20000, 64}, true}};
  return snapshot;
}

std::string Corpus() {
  return (std::filesystem::path(PORTPOOL_SOURCE_DIR) / "traces/regression").string();
}

RealMachineRun OpenOrDie(std::function<absl::StatusOr<std::unique_ptr<Backend>>()> make) {
  const auto journal = testing::ScratchFile("real_machine", "journal.txt");
  absl::StatusOr<RealMachineRun> run =
      OpenRealMachineRun("simulator machine", Snapshot(), std::nullopt, journal.string(), make);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? *std::move(run) : RealMachineRun{};
}

TEST(RealMachineRun, ChoosesAClearWindowAndJournals) {
  const RealMachineRun run = OpenOrDie(nullptr);
  // 20000-20063 is taken (UDP, administered): the window starts after it.
  EXPECT_EQ(run.sandbox.window(), (PortRange{20064, 256}));
  ASSERT_NE(run.journal, nullptr);
  EXPECT_THAT(testing::ReadWholeFile(run.journal->path()),
              HasSubstr("# simulator machine sandbox=20064-20319 machine: tcp: 2 excluded"));
  const absl::StatusOr<RealMachineRun> taken =
      OpenRealMachineRun("m", Snapshot(), std::string("20000-20099"),
                         testing::ScratchFile("real_machine", "j2").string(), nullptr);
  EXPECT_THAT(std::string(taken.status().message()),
              HasSubstr("no sandbox window: sandbox window 20000-20099 is not clear: udp excluded "
                        "20000-20063 *"));
  EXPECT_FALSE(OpenRealMachineRun("m", Snapshot(), std::string("nonsense"), "j", nullptr).ok());
}

TEST(RealMachineCampaign, TheSimulatorInTheSandboxConforms) {
  RealMachineRun run = OpenOrDie([]() -> absl::StatusOr<std::unique_ptr<Backend>> {
    return std::make_unique<SimulatorBackend>(7);
  });
  CampaignOptions options;
  options.backend_name = "windows";
  options.seeds = 30;
  options.length = 40;
  options.corpus_dir = Corpus();
  SetUpRealMachineCampaign(run, options);
  const absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->conforms()) << ReportMarkdown(*result);
  EXPECT_EQ(result->sequences, 30u);
  EXPECT_GT(result->sequence_calls, 300);
  EXPECT_EQ(result->surface_cases, 0) << "the surface cases are the simulator's own";
  // The documented cases ran, moved into the window; the ones the sandbox
  // cannot run (a reboot, a made-up token, raw ports) are counted apart.
  EXPECT_GT(result->documented_cases - result->documented_cases_unsupported, 20);
  EXPECT_GT(result->documented_case_calls, 100);
  EXPECT_THAT(result->backend_description, HasSubstr("sandbox=20064-20319"));
  for (const PendingReservation& r : *run.left) {
    ADD_FAILURE() << "left: " << ProtocolName(r.protocol) << " " << FormatRange(r.block) << " ("
                  << r.why << ")";
  }
  const std::string journal = testing::ReadWholeFile(run.journal->path());
  EXPECT_THAT(journal, HasSubstr(" create tcp 200"));
  EXPECT_THAT(journal, Not(HasSubstr(" create tcp 5000 ")));
  // Every create was deleted again: a fresh journal reader finds nothing.
  absl::StatusOr<std::vector<PendingReservation>> pending =
      ReadPendingReservations(run.journal->path());
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_THAT(*pending, IsEmpty());
}

TEST(RealMachineCampaign, APoolOfWorkerProcessesInTheSandboxConforms) {
  auto made = std::make_shared<int>(0);
  RealMachineRun run = OpenOrDie([made]() -> absl::StatusOr<std::unique_ptr<Backend>> {
    absl::StatusOr<std::unique_ptr<WorkerLauncher>> launcher =
        MakeProcessLauncher(testing::WorkerProgram());
    if (!launcher.ok()) return launcher.status();
    // A machine of its own per sequence, as a real machine is after the
    // sequence's cleanup.
    const std::string state =
        testing::ScratchFile("real_machine", absl::StrCat("pool-", ++*made)).string();
    WorkerPoolOptions options;
    options.description = "simulator workers";
    options.capabilities.elevated_process = options.capabilities.unelevated_process = true;
    options.spec = [state](bool) {
      return WorkerSpec{{"worker", "--backend", "simulator", "--seed", "3", "--state", state}};
    };
    return std::make_unique<WorkerPoolBackend>(*std::move(launcher), std::move(options));
  });
  CampaignOptions options;
  options.backend_name = "windows";
  options.seeds = 4;
  options.length = 30;
  SetUpRealMachineCampaign(run, options);
  const absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->conforms()) << ReportMarkdown(*result);
  EXPECT_EQ(result->sequences, 4u);
  EXPECT_THAT(*run.left, IsEmpty());
}

// The simulator, except that no delete ever reaches it.
class NoDeletes final : public Backend {
 public:
  std::string Describe() const override { return "no deletes"; }
  Capabilities capabilities() const override { return inner_.capabilities(); }
  absl::StatusOr<Outcome> Run(const Call& call) override {
    if (std::holds_alternative<call::DeletePersistent>(call)) {
      return absl::UnavailableError("deletes are broken here");
    }
    return inner_.Run(call);
  }

 private:
  SimulatorBackend inner_{5};
};

TEST(RealMachineCampaign, WhatCouldNotBeDeletedIsKept) {
  RealMachineRun run = OpenOrDie(
      []() -> absl::StatusOr<std::unique_ptr<Backend>> { return std::make_unique<NoDeletes>(); });
  CampaignOptions options;
  options.seeds = 10;
  options.length = 40;
  SetUpRealMachineCampaign(run, options);
  ASSERT_TRUE(RunCampaign(options).ok());
  EXPECT_THAT(*run.left, Not(IsEmpty()));
  absl::StatusOr<std::vector<PendingReservation>> pending =
      ReadPendingReservations(run.journal->path());
  ASSERT_TRUE(pending.ok());
  // The journal knows everything left (once per block: `portpool cleanup`
  // deletes it once).
  for (const PendingReservation& r : *run.left) {
    EXPECT_TRUE(std::any_of(pending->begin(), pending->end(),
                            [&](const PendingReservation& p) {
                              return p.protocol == r.protocol && p.block == r.block;
                            }))
        << ProtocolName(r.protocol) << " " << FormatRange(r.block);
  }
}

TEST(RealMachineCampaign, ADocumentedCaseWiderThanTheWindowIsLeftOut) {
  CampaignOptions options;
  RealMachineRun run = OpenOrDie(nullptr);
  SetUpRealMachineCampaign(run, options);
  const absl::StatusOr<traces::Trace> wide = traces::Parse(
      "portpool-trace 1\nstart-process elevated -> NO_ERROR process=p1\n"
      "p1 create tcp 5000 1 -> NO_ERROR token=$a\np1 create tcp 6000 1 -> NO_ERROR token=$b\n");
  ASSERT_TRUE(wide.ok());
  EXPECT_TRUE(absl::IsOutOfRange(options.adapt_case(*wide).status()));
  const absl::StatusOr<traces::Trace> narrow = traces::Parse(
      "portpool-trace 1\nstart-process elevated -> NO_ERROR process=p1\n"
      "p1 create tcp 5000 4 -> NO_ERROR token=$a\np1 lookup tcp 5002 1 -> ERROR_NOT_FOUND\n");
  ASSERT_TRUE(narrow.ok());
  const absl::StatusOr<traces::Trace> moved = options.adapt_case(*narrow);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(std::get<call::LookupPersistent>(moved->steps[2].call).block.start, 20066);
}

void SetVariable(const char* name, const char* value) {
#ifdef _WIN32
  _putenv_s(name, value == nullptr ? "" : value);
#else
  if (value == nullptr) {
    unsetenv(name);  // C4996-safe: the POSIX branch
  } else {
    setenv(name, value, 1);  // C4996-safe: the POSIX branch
  }
#endif
}

TEST(RealAnswersRequired, ReadsTheVariable) {
  const std::optional<std::string> before = EnvironmentVariable("PORTPOOL_REQUIRE_REAL");
  SetVariable("PORTPOOL_REQUIRE_REAL", nullptr);
  EXPECT_FALSE(RealAnswersRequired());
  SetVariable("PORTPOOL_REQUIRE_REAL", "0");
  EXPECT_FALSE(RealAnswersRequired());
  SetVariable("PORTPOOL_REQUIRE_REAL", "1");
  EXPECT_TRUE(RealAnswersRequired());
  SetVariable("PORTPOOL_REQUIRE_REAL", before ? before->c_str() : nullptr);
}

}  // namespace
}  // namespace portpool::conformance

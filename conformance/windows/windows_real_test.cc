// The differential run against the real Windows API (ctest label
// `windows-real`; built only for Windows). Every case of DifferentialCases()
// runs on a fresh WindowsBackend inside a SandboxedBackend, its answers
// checked against the model seeded with what the machine had before, its
// calls recorded as a trace. docs/windows.md explains how to run it.
//
// Environment:
//   PORTPOOL_REPORT_DIR   where report.md and traces/*.trace go
//                         (default: windows-real-report in the working dir)
//   PORTPOOL_JOURNAL      the journal of creates and deletes
//                         (default: REPORT_DIR/journal.txt)
//   PORTPOOL_SANDBOX      the window, START-END or START+COUNT (default: the
//                         lowest clear 256-port window from 20000 up)
//   PORTPOOL_SANDBOX_FROM where the scan for a window starts (default 20000)
//
// Without the API (Wine) every test skips: "unsupported on this system: ...".
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "portpool/conformance/differential.h"
#include "portpool/conformance/journal.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/conformance/sandbox.h"
#include "portpool/conformance/windows_backend.h"

namespace portpool::conformance {
namespace {

std::optional<std::string> GetEnv(const char* name) {
#ifdef _MSC_VER
  char* value = nullptr;
  size_t size = 0;
  if (_dupenv_s(&value, &size, name) != 0 || value == nullptr) return std::nullopt;
  std::string text(value);
  std::free(value);
#else
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  std::string text(value);
#endif
  if (text.empty()) return std::nullopt;
  return text;
}

// What every test of this process shares, set up once.
struct Shared {
  std::optional<std::string> skip;   // every test skips with this
  std::optional<std::string> error;  // every test fails with this
  std::string report_dir;
  std::optional<Journal> journal;
  DifferentialEnvironment environment;
};

Shared& SharedSetUp() {
  static Shared* const shared = [] {
    auto* s = new Shared;
    s->report_dir = GetEnv("PORTPOOL_REPORT_DIR").value_or("windows-real-report");
    WindowsBackend probe;
    if (absl::Status available = probe.Available(); !available.ok()) {
      s->skip = std::string(available.message());
      return s;
    }
    if (!probe.elevated()) {
      s->skip = absl::StrCat(
          "needs an elevated administrator (persistent reservations need one): run from an "
          "elevated shell; ",
          probe.Provenance());
      return s;
    }
    absl::StatusOr<MachineSnapshot> snapshot = ReadWindowsSnapshot();
    if (!snapshot.ok()) {
      s->error = absl::StrCat("cannot read what the machine has: ", snapshot.status().message());
      return s;
    }
    SandboxOptions options;
    if (std::optional<std::string> window = GetEnv("PORTPOOL_SANDBOX")) {
      absl::StatusOr<PortRange> range = ParseWindow(*window);
      if (!range.ok()) {
        s->error = absl::StrCat("PORTPOOL_SANDBOX: ", range.status().message());
        return s;
      }
      options.window = *range;
    }
    if (std::optional<std::string> from = GetEnv("PORTPOOL_SANDBOX_FROM")) {
      uint32_t value = 0;
      if (!absl::SimpleAtoi(*from, &value) || value == 0 || value > kMaxPort) {
        s->error = absl::StrCat("PORTPOOL_SANDBOX_FROM: '", *from, "' is not a port");
        return s;
      }
      options.scan_from = static_cast<uint16_t>(value);
    }
    absl::StatusOr<Sandbox> sandbox = Sandbox::Choose(*snapshot, options);
    if (!sandbox.ok()) {
      s->error = std::string(sandbox.status().message());
      return s;
    }
    const std::string journal_path =
        GetEnv("PORTPOOL_JOURNAL").value_or(s->report_dir + "/journal.txt");
    std::error_code ignored;
    std::filesystem::create_directories(s->report_dir, ignored);
    absl::StatusOr<Journal> journal = Journal::Open(journal_path);
    if (!journal.ok()) {
      s->error = std::string(journal.status().message());
      return s;
    }
    s->journal.emplace(*std::move(journal));
    s->environment.provenance = {probe.Provenance()};
    s->environment.snapshot = *std::move(snapshot);
    s->environment.sandbox = *sandbox;
    s->environment.journal = &*s->journal;
    (void)s->journal->Note(absl::StrCat(probe.Provenance(),
                                        " sandbox=", FormatRange(sandbox->window()),
                                        " machine: ", DescribeSnapshot(s->environment.snapshot)));
    return s;
  }();
  return *shared;
}

class WindowsReal : public ::testing::TestWithParam<size_t> {};

TEST_P(WindowsReal, Case) {
  Shared& shared = SharedSetUp();
  if (shared.skip) GTEST_SKIP() << *shared.skip;
  ASSERT_FALSE(shared.error) << *shared.error;
  const DifferentialCase& c = DifferentialCases()[GetParam()];
  RecordProperty("question", c.question);
  DifferentialResult result;
  {
    WindowsBackend backend;  // fresh per case: its sockets close with it
    result = RunDifferentialCase(c, backend, shared.environment);
  }
  if (absl::Status written = WriteCaseReport(shared.report_dir, c, result); !written.ok()) {
    ADD_FAILURE() << written.message();
  }
  std::string account;
  for (const std::string& line : result.lines) absl::StrAppend(&account, "  ", line, "\n");
  switch (result.kind) {
    case DifferentialResult::Kind::kConforms:
      std::cout << c.name << ": conforms (" << result.steps << " calls, " << result.refused
                << " refused by the sandbox)\n"
                << account;
      break;
    case DifferentialResult::Kind::kUnsupported:
      GTEST_SKIP() << result.message;
    case DifferentialResult::Kind::kNotRunnable:
      GTEST_SKIP() << "not runnable here: " << result.message;
    case DifferentialResult::Kind::kDiverged:
      FAIL() << c.name << " diverges from the model: " << result.message << "\n" << account;
    case DifferentialResult::Kind::kError:
      FAIL() << c.name << ": " << result.message << "\n" << account;
  }
}

std::vector<size_t> CaseIndexes() {
  std::vector<size_t> indexes;
  for (size_t i = 0; i < DifferentialCases().size(); ++i) indexes.push_back(i);
  return indexes;
}

INSTANTIATE_TEST_SUITE_P(Cases, WindowsReal, ::testing::ValuesIn(CaseIndexes()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           std::string name = DifferentialCases()[info.param].name;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace portpool::conformance

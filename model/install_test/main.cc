// Consumer of an installed portpool (model and traces), as a Windows
// developer's test would use it. Built and run by the ctest test
// `install_test` (scripts/install_test.cmake), once through the CMake package
// and once through pkg-config.
//
//   portpool_install_test [CORPUS_DIR]
//
// 1. ModelApi: reserves a persistent TCP port range, reboots the simulated
//    machine and checks that the reservation survived.
// 2. traces: replays every trace of CORPUS_DIR (the installed regression
//    corpus), which must conform, and a trace whose recorded answer the model
//    forbids, which must diverge citing its rule.
// 3. The README's example for Windows developers ("For Windows developers"):
//    code written against win32::Api, tested on the state a trace leaves.
#ifdef _WIN32
#include <winsock2.h>
#else
#include <arpa/inet.h>
#endif

#include <filesystem>
#include <iostream>
#include <string>

#include "portpool/error.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/replay.h"
#include "portpool/version.h"
#include "portpool/win32.h"

namespace {

int CheckModelApi() {
  portpool::Machine machine(42);
  portpool::ProcessId admin = machine.StartProcess(/*elevated=*/true);
  portpool::win32::ModelApi api(machine, admin);
  portpool::win32::ULONG64 token = 0;
  auto rc = api.CreatePersistentTcpPortReservation(htons(5000), 10, &token);
  if (rc != 0 || token == 0) {
    std::cerr << "FAIL: CreatePersistentTcpPortReservation(5000, 10) returned "
              << static_cast<unsigned long>(rc) << ", token " << token << "\n";
    return 1;
  }
  machine.Reboot();

  portpool::ProcessId admin2 = machine.StartProcess(/*elevated=*/true);
  portpool::win32::ModelApi api2(machine, admin2);
  portpool::win32::ULONG64 t2 = 0;
  auto rc2 = api2.LookupPersistentTcpPortReservation(htons(5000), 10, &t2);
  if (rc2 != 0 || t2 == 0) {
    std::cerr << "FAIL: after Reboot, LookupPersistentTcpPortReservation(5000, 10) returned "
              << static_cast<unsigned long>(rc2) << ", token " << t2 << "\n";
    return 1;
  }
  std::cout << "OK: persistent TCP reservation 5000+10 (token " << token
            << ") survives Reboot (lookup token " << t2 << ")\n";
  return 0;
}

int CheckTraces(const std::string& corpus) {
  int replayed = 0;
  if (!corpus.empty()) {
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
      if (entry.path().extension() != ".trace") continue;
      auto trace = portpool::traces::ParseFile(entry.path().string());
      if (!trace.ok()) {
        std::cerr << "FAIL: " << trace.status().message() << "\n";
        return 1;
      }
      const portpool::traces::ReplayResult result = portpool::traces::Replay(*trace);
      if (!result.conforms) {
        std::cerr << "FAIL: " << entry.path().string() << " does not replay to conformance\n";
        return 1;
      }
      ++replayed;
    }
    if (replayed == 0) {
      std::cerr << "FAIL: no trace in " << corpus << "\n";
      return 1;
    }
  }
  // Windows never lets one persistent block overlap another.
  auto bad = portpool::traces::Parse(
      "portpool-trace 1\n"
      "start-process elevated -> NO_ERROR process=p1\n"
      "p1 create tcp 5000 10 -> NO_ERROR token=$a\n"
      "p1 create tcp 5005 10 -> NO_ERROR token=$b\n",
      "<consumer>");
  if (!bad.ok()) {
    std::cerr << "FAIL: " << bad.status().message() << "\n";
    return 1;
  }
  const portpool::traces::ReplayResult result = portpool::traces::Replay(*bad);
  if (!result.divergence || result.divergence->line != 4 || result.divergence->rules.empty() ||
      result.divergence->rules.front().id != "P-CREATE-OVERLAP") {
    std::cerr << "FAIL: the overlapping create did not diverge at line 4 citing "
                 "P-CREATE-OVERLAP\n";
    return 1;
  }
  std::cout << "OK: " << replayed << " installed corpus traces conform; an overlapping create "
            << "diverges at line 4 (" << result.divergence->rules.front().id << ")\n";
  return 0;
}

// --- The README's example, as written there --------------------------------

// Your code: written against the interface, not against iphlpapi itself.
portpool::win32::ULONG ReserveBlock(portpool::win32::Api& api, unsigned short first,
                                    unsigned short count, portpool::win32::ULONG64* token) {
  return api.CreatePersistentTcpPortReservation(htons(first), count, token);
}

int CheckWindowsDeveloperExample() {
  // A trace sets the scene: recorded on Windows (portpool record) or written
  // by hand. Replaying it checks that its answers are ones Windows may give,
  // and leaves the model in the state it describes.
  auto scene_trace = portpool::traces::Parse(
      "portpool-trace 1\n"
      "start-process elevated -> NO_ERROR process=p1\n"
      "p1 create tcp 5000 10 -> NO_ERROR token=$a\n");
  if (!scene_trace.ok()) return 1;
  portpool::traces::ReplayResult scene = portpool::traces::Replay(*scene_trace);
  if (!scene.conforms) return 1;
  portpool::Machine& machine = scene.machine;
  portpool::win32::ModelApi api(machine, machine.StartProcess(/*elevated=*/true));
  portpool::win32::ULONG64 token = 0;
  const portpool::win32::ULONG rc = ReserveBlock(api, 5005, 10, &token);
  if (rc != static_cast<portpool::win32::ULONG>(portpool::Error::kSharingViolation)) {
    std::cerr << "FAIL: the README's example: ReserveBlock(5005, 10) over 5000-5009 returned "
              << static_cast<unsigned long>(rc) << ", not ERROR_SHARING_VIOLATION\n";
    return 1;
  }
  std::cout << "OK: the README's example: ReserveBlock over an existing block is refused\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef PORTPOOL_PACKAGE_VERSION
  if (std::string(portpool::kVersion) != PORTPOOL_PACKAGE_VERSION) {
    std::cerr << "FAIL: portpool/version.h says " << portpool::kVersion << ", the package "
              << PORTPOOL_PACKAGE_VERSION << "\n";
    return 1;
  }
#endif
  if (int failed = CheckModelApi(); failed != 0) return failed;
  if (int failed = CheckWindowsDeveloperExample(); failed != 0) return failed;
  return CheckTraces(argc > 1 ? argv[1] : "");
}

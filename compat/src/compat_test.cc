// portpool compat through its two faces: the drop-in Windows calls a
// program makes, and the C API a test drives the machine with. Each test
// opens a machine of its own and closes it.
// The Windows headers, in an order the SDK accepts.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <iphlpapi.h>
#include <windows.h>
// clang-format on

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/replay.h"
#include "portpool_compat.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CompatTest : public ::testing::Test {
 protected:
  void SetUp() override { portpool_compat_default_options(&options_); }
  void TearDown() override {
    EXPECT_EQ(portpool_compat_close(), 0) << portpool_compat_error();
    for (const std::string& path : files_) std::filesystem::remove(path);
  }

  void Open() { ASSERT_EQ(portpool_compat_open(&options_), 0) << portpool_compat_error(); }
  void OpenElevatedAndStarted() {
    options_.elevated = 1;
    Open();
    WSADATA data;
    ASSERT_EQ(WSAStartup(MAKEWORD(2, 2), &data), 0);
  }
  // A scratch file name of this test's own.
  std::string File(const std::string& name) {
    const std::string path =
        (std::filesystem::temp_directory_path() /
         absl::StrCat("portpool-compat-",
                      ::testing::UnitTest::GetInstance()->current_test_info()->name(), "-", name))
            .string();
    std::filesystem::remove(path);
    files_.push_back(path);
    return path;
  }
  static std::string Trace() { return portpool_compat_trace_text(); }

  portpool_compat_options options_;
  std::vector<std::string> files_;
};

void ExpectReplaysClean(const std::string& text) {
  auto trace = portpool::traces::Parse(text, "compat trace");
  ASSERT_TRUE(trace.ok()) << trace.status();
  const auto result = portpool::traces::Replay(*trace);
  EXPECT_TRUE(result.conforms) << text << (result.divergence ? result.divergence->recorded : "")
                               << (result.error ? result.error->message : "");
}

sockaddr_in6 AnyIpv6(USHORT port) {
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(port);
  address.sin6_addr = in6addr_any;
  return address;
}

// SIO_ACQUIRE_PORT_RESERVATION of COUNT ports at `port` (0: any) on `s`:
// WSAIoctl's result, with the instance it wrote.
int Acquire(SOCKET s, USHORT port, USHORT count, INET_PORT_RESERVATION_INSTANCE* instance,
            LPWSAOVERLAPPED overlapped = nullptr) {
  INET_PORT_RANGE range{htons(port), count};
  DWORD bytes = 0;
  *instance = {};
  const int result = WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), instance,
                              sizeof(*instance), &bytes, overlapped, nullptr);
  EXPECT_EQ(bytes, result == 0 ? sizeof(*instance) : 0u);
  return result;
}

TEST_F(CompatTest, PersistentCallsAnswerAsTheModelAndAreRecorded) {
  OpenElevatedAndStarted();
  ULONG64 created = 0;
  ULONG64 found = 0;
  EXPECT_EQ(CreatePersistentTcpPortReservation(htons(20000), 10, &created), NO_ERROR);
  EXPECT_NE(created, 0u);
  EXPECT_EQ(LookupPersistentTcpPortReservation(htons(20000), 10, &found), NO_ERROR);
  EXPECT_EQ(found, created) << "P-LOOKUP-TOKEN";
  EXPECT_EQ(CreatePersistentTcpPortReservation(htons(20005), 2, &found),
            static_cast<ULONG>(ERROR_SHARING_VIOLATION))
      << "P-CREATE-OVERLAP";
  EXPECT_EQ(DeletePersistentTcpPortReservation(htons(20000), 10), NO_ERROR);
  EXPECT_EQ(LookupPersistentTcpPortReservation(htons(20000), 10, &found),
            static_cast<ULONG>(ERROR_NOT_FOUND));
  const std::string trace = Trace();
  EXPECT_THAT(trace, HasSubstr("start-process elevated -> NO_ERROR process=p1\n"));
  EXPECT_THAT(trace, HasSubstr("p1 create tcp 20000 10 -> NO_ERROR token=$a\n"));
  EXPECT_THAT(trace, HasSubstr("p1 create tcp 20005 2 -> ERROR_SHARING_VIOLATION\n"));
  EXPECT_THAT(trace, HasSubstr("p1 lookup tcp 20000 10 -> ERROR_NOT_FOUND\n"));
  ExpectReplaysClean(trace);
}

TEST_F(CompatTest, AddressesUseWindowsFamilyNumbersInBothDirections) {
  OpenElevatedAndStarted();
  const SOCKET s = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
  ASSERT_NE(s, INVALID_SOCKET) << WSAGetLastError();
  const sockaddr_in6 address = AnyIpv6(20300);
  ASSERT_EQ(bind(s, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0)
      << WSAGetLastError();
  sockaddr_storage bound{};
  int length = sizeof(bound);
  ASSERT_EQ(getsockname(s, reinterpret_cast<sockaddr*>(&bound), &length), 0);
  EXPECT_EQ(length, static_cast<int>(sizeof(sockaddr_in6)));
  EXPECT_EQ(bound.ss_family, AF_INET6) << "Windows' AF_INET6 is 23";
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port), 20300);
  EXPECT_THAT(Trace(), HasSubstr("p1 socket udp ipv6 -> NO_ERROR socket=s1\n"));
  EXPECT_THAT(Trace(), HasSubstr("p1 s1 bind 20300 -> NO_ERROR port=20300\n"));
}

TEST_F(CompatTest, TheHostsIpv6NumberIsNotAWindowsFamily) {
  // Linux's AF_INET6 is 10, which is AF_CCITT to Windows.
  OpenElevatedAndStarted();
  EXPECT_EQ(socket(10, SOCK_STREAM, 0), INVALID_SOCKET);
  EXPECT_EQ(WSAGetLastError(), WSAEAFNOSUPPORT);
  const SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in6 address = AnyIpv6(20301);
  address.sin6_family = 10;
  EXPECT_EQ(bind(s, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), SOCKET_ERROR);
  EXPECT_EQ(WSAGetLastError(), WSAEAFNOSUPPORT);
  EXPECT_THAT(Trace(), HasSubstr("# p1 socket(10, 1, 0) -> WSAEAFNOSUPPORT (answered by the Win32 "
                                 "surface before the port pool; not a step)"));
  ExpectReplaysClean(Trace());
}

TEST_F(CompatTest, WinsockCallsBeforeWSAStartupAreNotInitialised) {
  Open();
  EXPECT_EQ(socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET);
  EXPECT_EQ(WSAGetLastError(), WSANOTINITIALISED);
  EXPECT_EQ(WSACleanup(), SOCKET_ERROR);
  EXPECT_THAT(Trace(), HasSubstr("socket(2, 1, 0) -> WSANOTINITIALISED (no WSAStartup yet"));
  ULONG64 token = 0;
  EXPECT_EQ(LookupPersistentUdpPortReservation(htons(20000), 1, &token),
            static_cast<ULONG>(ERROR_NOT_FOUND))
      << "iphlpapi needs no WSAStartup";
}

TEST_F(CompatTest, WSAStartupGrantsUpToVersionTwoPointTwo) {
  Open();
  WSADATA data;
  EXPECT_EQ(WSAStartup(MAKEWORD(1, 0), &data), WSAVERNOTSUPPORTED);
  EXPECT_EQ(WSAStartup(MAKEWORD(2, 2), nullptr), WSAEFAULT);
  ASSERT_EQ(WSAStartup(MAKEWORD(3, 1), &data), 0);
  EXPECT_EQ(data.wVersion, MAKEWORD(2, 2));
  EXPECT_EQ(data.wHighVersion, MAKEWORD(2, 2));
  ASSERT_EQ(WSAStartup(MAKEWORD(1, 1), &data), 0);
  EXPECT_EQ(data.wVersion, MAKEWORD(1, 1));
  EXPECT_THAT(data.szDescription, HasSubstr("portpool"));
  EXPECT_EQ(WSACleanup(), 0);
  EXPECT_EQ(WSACleanup(), 0);
  EXPECT_EQ(WSACleanup(), SOCKET_ERROR);
  EXPECT_EQ(WSAGetLastError(), WSANOTINITIALISED);
}

TEST_F(CompatTest, TheLastWSACleanupClosesTheProcessesSockets) {
  OpenElevatedAndStarted();
  const SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  INET_PORT_RESERVATION_INSTANCE instance;
  ASSERT_EQ(Acquire(s, 20400, 4, &instance), 0);
  EXPECT_EQ(ntohs(instance.Reservation.StartPort), 20400);
  ASSERT_EQ(WSACleanup(), 0);
  EXPECT_THAT(Trace(), HasSubstr("p1 s1 close -> NO_ERROR\n"));
  // The block went with the socket: another acquire of it succeeds.
  WSADATA data;
  ASSERT_EQ(WSAStartup(MAKEWORD(2, 2), &data), 0);
  const SOCKET t = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  EXPECT_EQ(Acquire(t, 20400, 4, &instance), 0);
  ExpectReplaysClean(Trace());
}

// W32-OVERLAPPED: an overlapped ioctl is outside the model (Windows would
// answer WSA_IO_PENDING and complete later), so it is a harness limit: the
// program ends with the rule named, rather than getting an answer Windows
// would not give.
TEST_F(CompatTest, AnOverlappedIoctlEndsTheProgramAsAHarnessLimit) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";  // a fresh process
  EXPECT_EXIT(
      {
        OpenElevatedAndStarted();
        const SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
        INET_PORT_RESERVATION_INSTANCE instance;
        WSAOVERLAPPED overlapped{};
        (void)Acquire(s, 0, 4, &instance, &overlapped);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(2), "outside the model \\(rule W32-OVERLAPPED\\)");
}

TEST_F(CompatTest, WSAGetLastErrorIsPerThread) {
  OpenElevatedAndStarted();
  WSASetLastError(7);
  std::thread other([] {
    EXPECT_EQ(WSAGetLastError(), 0);
    EXPECT_EQ(closesocket(12345), SOCKET_ERROR);
    EXPECT_EQ(WSAGetLastError(), WSAENOTSOCK);
  });
  other.join();
  EXPECT_EQ(WSAGetLastError(), 7);
}

TEST_F(CompatTest, ThreadsShareTheMachineOneCallAtATime) {
  OpenElevatedAndStarted();
  std::set<SOCKET> sockets;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const SOCKET s = socket(AF_INET, SOCK_DGRAM, 0);
        std::lock_guard<std::mutex> lock(mu);
        sockets.insert(s);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(sockets.size(), 100u);
  EXPECT_FALSE(sockets.contains(INVALID_SOCKET));
  ExpectReplaysClean(Trace());
}

TEST_F(CompatTest, ProcessesAreStartedSwitchedAndEndedByTheTest) {
  OpenElevatedAndStarted();
  ULONG64 token = 0;
  ASSERT_EQ(CreatePersistentUdpPortReservation(htons(20500), 4, &token), NO_ERROR);
  EXPECT_EQ(portpool_compat_current_process(), 1);
  ASSERT_EQ(portpool_compat_start_process(0), 2) << portpool_compat_error();
  EXPECT_EQ(DeletePersistentUdpPortReservation(htons(20500), 4),
            static_cast<ULONG>(ERROR_ACCESS_DENIED))
      << "P-DELETE-ELEVATION: p2 is not elevated";
  ASSERT_EQ(portpool_compat_use_process(1), 0) << portpool_compat_error();
  EXPECT_EQ(DeletePersistentUdpPortReservation(htons(20500), 4), NO_ERROR);
  ASSERT_EQ(portpool_compat_end_process(1), 0);
  EXPECT_EQ(portpool_compat_current_process(), 0);
  EXPECT_EQ(LookupPersistentUdpPortReservation(htons(20500), 4, &token),
            static_cast<ULONG>(ERROR_NOT_FOUND));
  EXPECT_EQ(portpool_compat_current_process(), 3) << "the next call started p3";
  EXPECT_EQ(portpool_compat_use_process(1), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("p1 is not a live process of this program"));
  const std::string trace = Trace();
  EXPECT_THAT(trace, HasSubstr("p2 delete udp 20500 4 -> ERROR_ACCESS_DENIED\n"));
  EXPECT_THAT(trace, HasSubstr("end-process p1 -> NO_ERROR\n"));
  EXPECT_THAT(trace, HasSubstr("start-process elevated -> NO_ERROR process=p3\n"));
  ExpectReplaysClean(trace);
}

TEST_F(CompatTest, ARebootKeepsPersistentBlocksAndEndsTheProcess) {
  OpenElevatedAndStarted();
  ULONG64 token = 0;
  ASSERT_EQ(CreatePersistentTcpPortReservation(htons(20600), 8, &token), NO_ERROR);
  const SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
  INET_PORT_RESERVATION_INSTANCE instance;
  ASSERT_EQ(Acquire(s, 20700, 4, &instance), 0);
  ASSERT_EQ(portpool_compat_reboot(), 0) << portpool_compat_error();
  EXPECT_EQ(portpool_compat_current_process(), 0);
  ULONG64 after = 0;
  EXPECT_EQ(LookupPersistentTcpPortReservation(htons(20600), 8, &after), NO_ERROR)
      << "REBOOT-KEEPS-PERSISTENT";
  EXPECT_EQ(CreatePersistentTcpPortReservation(htons(20700), 4, &after), NO_ERROR)
      << "the runtime block is gone";
  EXPECT_THAT(Trace(), HasSubstr("reboot -> NO_ERROR\n# started by OS process"));
  ExpectReplaysClean(Trace());
}

TEST_F(CompatTest, ADynamicRangeTheMachineRefusesIsAnError) {
  Open();
  EXPECT_EQ(portpool_compat_set_dynamic_range(6, 50000, 1000), 0) << portpool_compat_error();
  EXPECT_EQ(portpool_compat_set_dynamic_range(6, 100, 10), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("refuses the dynamic range 100-109"));
  EXPECT_EQ(portpool_compat_set_dynamic_range(1, 50000, 1000), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("expected 6 (TCP) or 17 (UDP)"));
  EXPECT_THAT(Trace(), HasSubstr("set-dynamic tcp 50000 1000 -> NO_ERROR\n"));
}

TEST_F(CompatTest, BadOptionsAreRefusedWithAReason) {
  options_.mutant = "no-such-mutant";
  EXPECT_EQ(portpool_compat_open(&options_), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("zero-token"));
  options_.mutant = nullptr;
  options_.schedule = "1.0";
  EXPECT_EQ(portpool_compat_open(&options_), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("explore policy only"));
  options_.answers = PORTPOOL_COMPAT_ANSWERS_EXPLORE;
  options_.schedule = "1..0";
  EXPECT_EQ(portpool_compat_open(&options_), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("found ''"));
  options_.schedule = nullptr;
  options_.answers = 7;
  EXPECT_EQ(portpool_compat_open(&options_), -1);
  EXPECT_EQ(portpool_compat_open(nullptr), -1);
  options_.answers = PORTPOOL_COMPAT_ANSWERS_SIMULATOR;
  Open();
  EXPECT_EQ(portpool_compat_open(&options_), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("open already"));
  char small[1];
  EXPECT_EQ(portpool_compat_next_schedule(small, sizeof(small)), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("explore policy"));
}

TEST_F(CompatTest, ExploreRunsEveryAnswerOfALooseCallInTurn) {
  // A Lookup with a null token pointer is loose (P-LOOKUP-NULL-TOKEN, M1).
  std::set<ULONG> answers;
  std::string schedule;
  int runs = 0;
  for (; runs < 10; ++runs) {
    options_.answers = PORTPOOL_COMPAT_ANSWERS_EXPLORE;
    options_.schedule = schedule.c_str();
    options_.elevated = 1;
    Open();
    ULONG64 token = 0;
    ASSERT_EQ(CreatePersistentTcpPortReservation(htons(20800), 2, &token), NO_ERROR);
    answers.insert(LookupPersistentTcpPortReservation(htons(20800), 2, nullptr));
    ExpectReplaysClean(Trace());
    char next[64];
    const int more = portpool_compat_next_schedule(next, sizeof(next));
    ASSERT_GE(more, 0) << portpool_compat_error();
    ASSERT_EQ(portpool_compat_close(), 0);
    if (more == 0) break;
    schedule = next;
  }
  // P-LOOKUP-NULL-TOKEN: a Lookup with a null token may be refused either
  // way or succeed.
  EXPECT_EQ(runs, 2) << "three runs: answers 0, 1 and 2";
  EXPECT_EQ(answers, (std::set<ULONG>{NO_ERROR, static_cast<ULONG>(ERROR_INVALID_PARAMETER),
                                      static_cast<ULONG>(ERROR_NOACCESS)}));
  Open();  // for TearDown
}

TEST_F(CompatTest, AStateFileCarriesTheMachineAcrossRuns) {
  options_.state_file = nullptr;
  const std::string state = File("machine.trace");
  options_.state_file = state.c_str();
  options_.elevated = 1;
  Open();
  ULONG64 token = 0;
  ASSERT_EQ(CreatePersistentUdpPortReservation(htons(20900), 3, &token), NO_ERROR);
  ASSERT_EQ(portpool_compat_close(), 0);

  options_.reboot = 1;
  Open();
  EXPECT_EQ(LookupPersistentUdpPortReservation(htons(20900), 3, &token), NO_ERROR);
  const std::string trace = Trace();
  EXPECT_THAT(trace, HasSubstr("p1 create udp 20900 3 -> NO_ERROR token=$a\n"
                               "end-process p1 -> NO_ERROR\nreboot -> NO_ERROR\n"));
  EXPECT_THAT(trace, HasSubstr("p2 lookup udp 20900 3 -> NO_ERROR"));
  ExpectReplaysClean(trace);
}

TEST_F(CompatTest, TheTraceFileHoldsTheWholeHistoryAfterEveryCall) {
  const std::string path = File("run.trace");
  options_.trace_file = path.c_str();
  OpenElevatedAndStarted();
  auto file = [&] {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  ULONG64 token = 0;
  ASSERT_EQ(CreatePersistentTcpPortReservation(htons(21000), 1, &token), NO_ERROR);
  EXPECT_EQ(file(), Trace());
  // Someone else rewrites the file: the next write replaces it whole.
  std::ofstream(path, std::ios::trunc) << "scribble\n";
  ASSERT_EQ(DeletePersistentTcpPortReservation(htons(21000), 1), NO_ERROR);
  EXPECT_EQ(file(), Trace());
  EXPECT_THAT(file(), Not(HasSubstr("scribble")));
}

TEST_F(CompatTest, TheEnvironmentFormRoundTrips) {
  const std::string state = File("env.trace");
  options_.seed = 42;
  options_.elevated = 1;
  options_.state_file = state.c_str();
  options_.answers = PORTPOOL_COMPAT_ANSWERS_EXPLORE;
  options_.schedule = "1.0";
  options_.mutant = "zero-token";
  ASSERT_EQ(portpool_compat_export_environment(&options_), 0) << portpool_compat_error();
  portpool_compat_options read;
  ASSERT_EQ(portpool_compat_options_from_environment(&read), 0) << portpool_compat_error();
  EXPECT_EQ(read.seed, 42u);
  EXPECT_EQ(read.elevated, 1);
  EXPECT_STREQ(read.state_file, state.c_str());
  EXPECT_EQ(read.trace_file, nullptr);
  EXPECT_EQ(read.answers, PORTPOOL_COMPAT_ANSWERS_EXPLORE);
  EXPECT_STREQ(read.schedule, "1.0");
  EXPECT_STREQ(read.mutant, "zero-token");
  portpool_compat_default_options(&options_);
  ASSERT_EQ(portpool_compat_export_environment(&options_), 0);
  ASSERT_EQ(portpool_compat_options_from_environment(&read), 0);
  EXPECT_EQ(read.state_file, nullptr);
  EXPECT_EQ(read.answers, PORTPOOL_COMPAT_ANSWERS_SIMULATOR);
  ::setenv("PORTPOOL_ELEVATED", "maybe", 1);  // C4996-safe: compat/src is POSIX only
  EXPECT_EQ(portpool_compat_options_from_environment(&read), -1);
  EXPECT_THAT(portpool_compat_error(), HasSubstr("PORTPOOL_ELEVATED='maybe': expected 1 or 0"));
  ::unsetenv("PORTPOOL_ELEVATED");  // C4996-safe: compat/src is POSIX only
  Open();
}

// A static object whose destructor calls WSACleanup runs after the library's
// exit hook when it was made before the first Windows call: its calls must
// neither fail the program nor open another machine over the trace.
TEST_F(CompatTest, CallsAfterTheExitHookLeaveTheMachineAndTraceAlone) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";  // a fresh process
  const std::string path = File("exit.trace");
  EXPECT_EXIT(
      {
        std::atexit([] {  // registered before the library's hook: runs after it
          WSACleanup();
          const SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
          std::_Exit(s == INVALID_SOCKET && WSAGetLastError() == WSANOTINITIALISED ? 0 : 3);
        });
        options_.elevated = 1;
        options_.trace_file = path.c_str();
        // A machine opened again from the environment would overwrite the trace.
        if (portpool_compat_export_environment(&options_) != 0) std::_Exit(4);
        if (portpool_compat_open(&options_) != 0) std::_Exit(4);
        WSADATA data;
        WSAStartup(MAKEWORD(2, 2), &data);
        ULONG64 token = 0;
        CreatePersistentTcpPortReservation(htons(21100), 1, &token);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("p1 create tcp 21100 1 -> NO_ERROR"));
  Open();
}

TEST(DropInHeaders, CrtAndByteOrderHelpersBehaveAsOnWindows) {
  EXPECT_EQ(_wtoi(L"5000"), 5000);
  EXPECT_EQ(_wtoi(L"  -12abc"), -12);
  EXPECT_EQ(_wtoi(L"x"), 0);
  EXPECT_EQ(_wtoi(L"99999999999"), 2147483647);
  EXPECT_EQ(htons(0x1388), 0x8813);
  EXPECT_EQ(ntohl(htonl(0x01020304u)), 0x01020304u);
  EXPECT_EQ(htonl(0x01020304u), 0x04030201u);
  EXPECT_EQ(MAKEWORD(2, 2), 0x0202);
  EXPECT_EQ(LOBYTE(0x0201), 1);
  EXPECT_EQ(HIBYTE(0x0201), 2);
}

}  // namespace

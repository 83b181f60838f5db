// The real Windows API as a backend (Windows only: the declarations below
// exist only when _WIN32 is defined, and windows_*.cc is compiled only when
// CMake targets Windows).
//
// WindowsApi implements win32::Api on iphlpapi and winsock. The six
// {Create,Lookup,Delete}Persistent{Tcp,Udp}PortReservation functions are
// loaded with LoadLibrary/GetProcAddress, never imported: Wine exports none
// of them, and a static import there aborts the process on the first call.
// A missing export, or WSAEOPNOTSUPP from one of the three
// SIO_*_PORT_RESERVATION ioctls, means the API is "unsupported on this
// system": WindowsBackend then answers with an Unimplemented status whose
// message starts with kUnsupportedOnThisSystem, and tests skip with it.
//
// WindowsBackend runs calls as the current process: StartProcess gives one
// logical process, elevated exactly when this process's token is an elevated
// administrator's. It cannot reboot, end its process, start another one, or
// change the dynamic port range; it is what a worker process runs
// (`portpool worker --backend windows`). MakeWindowsWorkerPool gives the
// machine with several processes, elevated and not, that can end. Wrap
// either in a SandboxedBackend (sandbox.h) before running anything on a
// machine that matters.
#ifndef PORTPOOL_CONFORMANCE_WINDOWS_BACKEND_H_
#define PORTPOOL_CONFORMANCE_WINDOWS_BACKEND_H_

// kUnsupportedOnThisSystem (backend.h) starts every "the API is not there"
// message, and so every skip reason the Windows tests give under Wine.
#include "portpool/conformance/backend.h"

#ifdef _WIN32

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "portpool/conformance/api_runner.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/campaign.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/conformance/windows/real_machine.h"
#include "portpool/conformance/windows/worker_pool.h"
#include "portpool/win32.h"

namespace portpool::conformance {

// Facts about the running system, for provenance.
struct WindowsSystem {
  uint32_t major = 0;
  uint32_t minor = 0;
  uint32_t build = 0;
  // This process's token is an elevated administrator's (member of
  // Administrators with the group enabled, and TokenElevation set).
  bool elevated = false;
  // Wine's version (ntdll!wine_get_version) when running under Wine.
  std::string wine_version;
};

// Reads the version with RtlGetVersion (from ntdll through GetProcAddress;
// GetVersionEx if that fails) and the token's elevation.
WindowsSystem QueryWindowsSystem();

// "windows build=22631 elevated=yes" (" wine=8.0" appended under Wine).
std::string DescribeWindowsSystem(const WindowsSystem& system);

class WindowsApi final : public win32::Api {
 public:
  // Starts winsock and loads iphlpapi.dll's six functions (if present).
  WindowsApi();
  // Closes every socket it opened that is still open.
  ~WindowsApi() override;
  WindowsApi(const WindowsApi&) = delete;
  WindowsApi& operator=(const WindowsApi&) = delete;

  // OK when winsock started and all six functions are exported; otherwise
  // Unimplemented "unsupported on this system: ..." naming what is missing.
  absl::Status Available() const;

  win32::ULONG CreatePersistentTcpPortReservation(win32::USHORT StartPort,
                                                  win32::USHORT NumberOfPorts,
                                                  win32::PULONG64 Token) override;
  win32::ULONG CreatePersistentUdpPortReservation(win32::USHORT StartPort,
                                                  win32::USHORT NumberOfPorts,
                                                  win32::PULONG64 Token) override;
  win32::ULONG LookupPersistentTcpPortReservation(win32::USHORT StartPort,
                                                  win32::USHORT NumberOfPorts,
                                                  win32::PULONG64 Token) override;
  win32::ULONG LookupPersistentUdpPortReservation(win32::USHORT StartPort,
                                                  win32::USHORT NumberOfPorts,
                                                  win32::PULONG64 Token) override;
  win32::ULONG DeletePersistentTcpPortReservation(win32::USHORT StartPort,
                                                  win32::USHORT NumberOfPorts) override;
  win32::ULONG DeletePersistentUdpPortReservation(win32::USHORT StartPort,
                                                  win32::USHORT NumberOfPorts) override;

  win32::SOCKET socket(int af, int type, int protocol) override;
  int closesocket(win32::SOCKET s) override;
  int bind(win32::SOCKET s, const win32::sockaddr* name, int namelen) override;
  int getsockname(win32::SOCKET s, win32::sockaddr* name, int* namelen) override;
  int WSAIoctl(win32::SOCKET s, win32::DWORD dwIoControlCode, win32::LPVOID lpvInBuffer,
               win32::DWORD cbInBuffer, win32::LPVOID lpvOutBuffer, win32::DWORD cbOutBuffer,
               win32::LPDWORD lpcbBytesReturned, win32::LPWSAOVERLAPPED lpOverlapped,
               win32::LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override;
  int WSAGetLastError() override;

  // Why the last call did not reach a working API (a missing export, or
  // WSAEOPNOTSUPP from a port-reservation ioctl), once; nullopt otherwise.
  std::optional<std::string> TakeUnsupported();
  // Set when a persistent call raised a structured exception (MSVC builds
  // catch it; e.g. a write through a null Token), once.
  std::optional<std::string> TakeFault();

 private:
  using PersistentFn = win32::ULONG(WINAPI*)(win32::USHORT, win32::USHORT, win32::PULONG64);
  using DeleteFn = win32::ULONG(WINAPI*)(win32::USHORT, win32::USHORT);
  win32::ULONG CallPersistent(PersistentFn fn, const char* name, win32::USHORT start,
                              win32::USHORT count, win32::PULONG64 token);
  win32::ULONG CallDelete(DeleteFn fn, const char* name, win32::USHORT start, win32::USHORT count);

  HMODULE iphlpapi_ = nullptr;
  PersistentFn create_tcp_ = nullptr;
  PersistentFn create_udp_ = nullptr;
  PersistentFn lookup_tcp_ = nullptr;
  PersistentFn lookup_udp_ = nullptr;
  DeleteFn delete_tcp_ = nullptr;
  DeleteFn delete_udp_ = nullptr;
  bool winsock_ = false;
  int winsock_error_ = 0;
  std::set<win32::SOCKET> open_;
  std::optional<std::string> unsupported_;
  std::optional<std::string> fault_;
};

class WindowsBackend final : public Backend {
 public:
  WindowsBackend();

  // Provenance().
  std::string Describe() const override;
  // No reboot, no ending or second process, no dynamic-range change; one
  // process, elevated or not as this one is. No port window of its own: the
  // SandboxedBackend it runs in adds its window (and its made-up token), so
  // generated calls stay where the sandbox lets them through.
  Capabilities capabilities() const override;
  absl::StatusOr<Outcome> Run(const Call& call) override;
  // netsh read afresh (ReadNetshSnapshot through RunWindowsCommand): the
  // checker asks for it when only a reservation that another part of
  // Windows made or dropped could explain an answer (ENV-*).
  absl::StatusOr<MachineSnapshot> Listing() override;

  // "windows build=22631 elevated=yes": goes into every recorded trace.
  std::string Provenance() const { return DescribeWindowsSystem(system_); }
  const WindowsSystem& system() const { return system_; }
  bool elevated() const { return system_.elevated; }
  // WindowsApi::Available().
  absl::Status Available() const { return api_.Available(); }
  WindowsApi& api() { return api_; }

 private:
  WindowsSystem system_;
  WindowsApi api_;
  ApiRunner runner_;
  bool started_ = false;
};

// The real machine with several processes: a pool of worker processes
// (worker_pool.h), each `program worker --backend windows` running one model
// process as the OS process it is. Elevated workers are started as this
// process is, so only when it is elevated; unelevated ones with a
// restricted, medium-integrity copy of this process's token when it is
// elevated (windows_worker_launch.cc says why that is the unelevated
// process of the same user), plainly when it is not. Every worker ends with
// the pool, or with this process (a job object).
absl::StatusOr<std::unique_ptr<WorkerPoolBackend>> MakeWindowsWorkerPool(
    const std::string& program, const WindowsSystem& system);

// Sets `options` up for `portpool campaign --backend windows`: the real API
// through MakeWindowsWorkerPool(program) in a sandbox window (`window`, or
// the first clear one) with the journal at `journal_path`, the model seeded
// with what the machine has (real_machine.h). Where the API is missing, the
// campaign is set to report that nothing could be checked
// (options.unavailable) and the run returned is empty; with
// PORTPOOL_REQUIRE_REAL set, that is an Unimplemented error ("unsupported on
// this system: ..."), and so is a shell that is not elevated.
absl::StatusOr<RealMachineRun> SetUpWindowsCampaign(const std::string& program,
                                                    const std::optional<std::string>& window,
                                                    const std::string& journal_path,
                                                    CampaignOptions& options);

// Runs `command` through the command interpreter (_popen) and returns its
// output (stdout and stderr); an error if it exits non-zero.
absl::StatusOr<std::string> RunWindowsCommand(const std::string& command);

// What the machine has now: netsh's excluded ranges and dynamic ranges for
// both protocols, and the local ports of every TCP and UDP socket (IPv4 and
// IPv6, from GetExtendedTcpTable / GetExtendedUdpTable).
absl::StatusOr<MachineSnapshot> ReadWindowsSnapshot();

}  // namespace portpool::conformance

#endif  // _WIN32

#endif  // PORTPOOL_CONFORMANCE_WINDOWS_BACKEND_H_

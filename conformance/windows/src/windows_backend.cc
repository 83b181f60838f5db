// Compiled only when CMake targets Windows (see cmake/PortpoolHelpers.cmake).
#include "portpool/conformance/windows/windows_backend.h"

#ifdef _WIN32

#include <iphlpapi.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace portpool::conformance {
namespace {

// GetProcAddress's FARPROC, as the function type it really is. The detour
// through void(*)() keeps GCC's -Wcast-function-type quiet (that type is
// its generic function pointer) and is what MSVC expects anyway.
template <typename Fn>
Fn GetFunction(HMODULE module, const char* name) {
  if (module == nullptr) return nullptr;
  return reinterpret_cast<Fn>(reinterpret_cast<void (*)()>(::GetProcAddress(module, name)));
}

// The one place that picks the DLL the port-reservation functions come from:
// iphlpapi.dll from System32 only, never from the program's folder or the
// current directory, where a planted copy would be searched first.
HMODULE LoadIphlpapi() {
  return ::LoadLibraryExW(L"iphlpapi.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
}

bool TokenIsElevatedAdmin() {
  BOOL member = FALSE;
  SID_IDENTIFIER_AUTHORITY nt_authority = SECURITY_NT_AUTHORITY;
  PSID administrators = nullptr;
  if (::AllocateAndInitializeSid(&nt_authority, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                 DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &administrators)) {
    // With a UAC-filtered token the group is deny-only: not a member.
    if (!::CheckTokenMembership(nullptr, administrators, &member)) member = FALSE;
    ::FreeSid(administrators);
  }
  bool elevated = false;
  HANDLE token = nullptr;
  if (::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) {
    TOKEN_ELEVATION elevation{};
    DWORD size = 0;
    if (::GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &size)) {
      elevated = elevation.TokenIsElevated != 0;
    }
    ::CloseHandle(token);
  }
  return member != FALSE && elevated;
}

#ifdef _MSC_VER
// A persistent call that may fault (a null Token is unknown U1): MSVC can
// catch the structured exception; the function holds no C++ objects, as
// __try requires.
win32::ULONG GuardedPersistent(win32::ULONG(WINAPI* fn)(win32::USHORT, win32::USHORT,
                                                        win32::PULONG64),
                               win32::USHORT start, win32::USHORT count, win32::PULONG64 token,
                               DWORD* exception) {
  __try {
    return fn(start, count, token);
  } __except (*exception = GetExceptionCode(), EXCEPTION_EXECUTE_HANDLER) {
    return ERROR_NOACCESS;
  }
}
#endif

}  // namespace

WindowsSystem QueryWindowsSystem() {
  WindowsSystem system;
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  OSVERSIONINFOW info{};
  info.dwOSVersionInfoSize = sizeof(info);
  bool known = false;
  if (auto rtl_get_version = GetFunction<RtlGetVersionFn>(ntdll, "RtlGetVersion")) {
    known = rtl_get_version(&info) == 0;
  }
  if (!known) {
    info = OSVERSIONINFOW{};
    info.dwOSVersionInfoSize = sizeof(info);
#ifdef _MSC_VER
#pragma warning(push)
#pragma warning(disable : 4996)  // GetVersionExW is deprecated: a fallback only
#endif
    known = ::GetVersionExW(&info) != FALSE;
#ifdef _MSC_VER
#pragma warning(pop)
#endif
  }
  if (known) {
    system.major = info.dwMajorVersion;
    system.minor = info.dwMinorVersion;
    system.build = info.dwBuildNumber;
  }
  using WineGetVersionFn = const char* (*)();
  if (auto wine_get_version = GetFunction<WineGetVersionFn>(ntdll, "wine_get_version")) {
    const char* version = wine_get_version();
    system.wine_version = version != nullptr ? version : "unknown";
  }
  system.elevated = TokenIsElevatedAdmin();
  return system;
}

std::string DescribeWindowsSystem(const WindowsSystem& system) {
  std::string text =
      absl::StrCat("windows build=", system.build, " elevated=", system.elevated ? "yes" : "no");
  if (!system.wine_version.empty()) absl::StrAppend(&text, " wine=", system.wine_version);
  return text;
}

// --- WindowsApi ----------------------------------------------------------------

WindowsApi::WindowsApi() {
  WSADATA data{};
  winsock_error_ = ::WSAStartup(MAKEWORD(2, 2), &data);
  winsock_ = winsock_error_ == 0;
  iphlpapi_ = LoadIphlpapi();
  create_tcp_ = GetFunction<PersistentFn>(iphlpapi_, "CreatePersistentTcpPortReservation");
  create_udp_ = GetFunction<PersistentFn>(iphlpapi_, "CreatePersistentUdpPortReservation");
  lookup_tcp_ = GetFunction<PersistentFn>(iphlpapi_, "LookupPersistentTcpPortReservation");
  lookup_udp_ = GetFunction<PersistentFn>(iphlpapi_, "LookupPersistentUdpPortReservation");
  delete_tcp_ = GetFunction<DeleteFn>(iphlpapi_, "DeletePersistentTcpPortReservation");
  delete_udp_ = GetFunction<DeleteFn>(iphlpapi_, "DeletePersistentUdpPortReservation");
}

WindowsApi::~WindowsApi() {
  for (win32::SOCKET s : open_) ::closesocket(s);
  if (winsock_) ::WSACleanup();
  if (iphlpapi_ != nullptr) ::FreeLibrary(iphlpapi_);
}

absl::Status WindowsApi::Available() const {
  if (!winsock_) {
    return absl::UnimplementedError(
        absl::StrCat(kUnsupportedOnThisSystem, ": WSAStartup failed with ", winsock_error_));
  }
  if (iphlpapi_ == nullptr) {
    return absl::UnimplementedError(
        absl::StrCat(kUnsupportedOnThisSystem, ": iphlpapi.dll could not be loaded"));
  }
  std::vector<const char*> missing;
  if (create_tcp_ == nullptr) missing.push_back("CreatePersistentTcpPortReservation");
  if (create_udp_ == nullptr) missing.push_back("CreatePersistentUdpPortReservation");
  if (lookup_tcp_ == nullptr) missing.push_back("LookupPersistentTcpPortReservation");
  if (lookup_udp_ == nullptr) missing.push_back("LookupPersistentUdpPortReservation");
  if (delete_tcp_ == nullptr) missing.push_back("DeletePersistentTcpPortReservation");
  if (delete_udp_ == nullptr) missing.push_back("DeletePersistentUdpPortReservation");
  if (!missing.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        kUnsupportedOnThisSystem, ": iphlpapi.dll does not export ", absl::StrJoin(missing, ", ")));
  }
  return absl::OkStatus();
}

std::optional<std::string> WindowsApi::TakeUnsupported() {
  std::optional<std::string> reason = std::move(unsupported_);
  unsupported_.reset();
  return reason;
}

std::optional<std::string> WindowsApi::TakeFault() {
  std::optional<std::string> fault = std::move(fault_);
  fault_.reset();
  return fault;
}

win32::ULONG WindowsApi::CallPersistent(PersistentFn fn, const char* name, win32::USHORT start,
                                        win32::USHORT count, win32::PULONG64 token) {
  if (fn == nullptr) {
    unsupported_ = absl::StrCat("iphlpapi.dll does not export ", name);
    return ERROR_PROC_NOT_FOUND;
  }
#ifdef _MSC_VER
  DWORD exception = 0;
  const win32::ULONG rc = GuardedPersistent(fn, start, count, token, &exception);
  if (exception != 0) {
    fault_ = absl::StrCat(name, " raised structured exception 0x",
                          absl::Hex(static_cast<uint32_t>(exception)));
  }
  return rc;
#else
  return fn(start, count, token);
#endif
}

win32::ULONG WindowsApi::CallDelete(DeleteFn fn, const char* name, win32::USHORT start,
                                    win32::USHORT count) {
  if (fn == nullptr) {
    unsupported_ = absl::StrCat("iphlpapi.dll does not export ", name);
    return ERROR_PROC_NOT_FOUND;
  }
  return fn(start, count);
}

win32::ULONG WindowsApi::CreatePersistentTcpPortReservation(win32::USHORT StartPort,
                                                            win32::USHORT NumberOfPorts,
                                                            win32::PULONG64 Token) {
  return CallPersistent(create_tcp_, "CreatePersistentTcpPortReservation", StartPort, NumberOfPorts,
                        Token);
}

win32::ULONG WindowsApi::CreatePersistentUdpPortReservation(win32::USHORT StartPort,
                                                            win32::USHORT NumberOfPorts,
                                                            win32::PULONG64 Token) {
  return CallPersistent(create_udp_, "CreatePersistentUdpPortReservation", StartPort, NumberOfPorts,
                        Token);
}

win32::ULONG WindowsApi::LookupPersistentTcpPortReservation(win32::USHORT StartPort,
                                                            win32::USHORT NumberOfPorts,
                                                            win32::PULONG64 Token) {
  return CallPersistent(lookup_tcp_, "LookupPersistentTcpPortReservation", StartPort, NumberOfPorts,
                        Token);
}

win32::ULONG WindowsApi::LookupPersistentUdpPortReservation(win32::USHORT StartPort,
                                                            win32::USHORT NumberOfPorts,
                                                            win32::PULONG64 Token) {
  return CallPersistent(lookup_udp_, "LookupPersistentUdpPortReservation", StartPort, NumberOfPorts,
                        Token);
}

win32::ULONG WindowsApi::DeletePersistentTcpPortReservation(win32::USHORT StartPort,
                                                            win32::USHORT NumberOfPorts) {
  return CallDelete(delete_tcp_, "DeletePersistentTcpPortReservation", StartPort, NumberOfPorts);
}

win32::ULONG WindowsApi::DeletePersistentUdpPortReservation(win32::USHORT StartPort,
                                                            win32::USHORT NumberOfPorts) {
  return CallDelete(delete_udp_, "DeletePersistentUdpPortReservation", StartPort, NumberOfPorts);
}

win32::SOCKET WindowsApi::socket(int af, int type, int protocol) {
  const win32::SOCKET s = ::socket(af, type, protocol);
  if (s != INVALID_SOCKET) open_.insert(s);
  return s;
}

int WindowsApi::closesocket(win32::SOCKET s) {
  const int rc = ::closesocket(s);
  if (rc == 0) open_.erase(s);
  return rc;
}

int WindowsApi::bind(win32::SOCKET s, const win32::sockaddr* name, int namelen) {
  return ::bind(s, name, namelen);
}

int WindowsApi::getsockname(win32::SOCKET s, win32::sockaddr* name, int* namelen) {
  return ::getsockname(s, name, namelen);
}

int WindowsApi::WSAIoctl(win32::SOCKET s, win32::DWORD dwIoControlCode, win32::LPVOID lpvInBuffer,
                         win32::DWORD cbInBuffer, win32::LPVOID lpvOutBuffer,
                         win32::DWORD cbOutBuffer, win32::LPDWORD lpcbBytesReturned,
                         win32::LPWSAOVERLAPPED lpOverlapped,
                         win32::LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  const int rc = ::WSAIoctl(s, dwIoControlCode, lpvInBuffer, cbInBuffer, lpvOutBuffer, cbOutBuffer,
                            lpcbBytesReturned, lpOverlapped, lpCompletionRoutine);
  const char* ioctl_name = win32::PortReservationIoctlName(dwIoControlCode);
  if (rc == SOCKET_ERROR && ioctl_name != nullptr) {
    const int error = ::WSAGetLastError();
    // On a TCP or UDP socket, WSAEOPNOTSUPP means the provider has no such
    // ioctl (Wine answers every unknown ioctl so).
    if (error == WSAEOPNOTSUPP) {
      unsupported_ = absl::StrCat("WSAIoctl(", ioctl_name, ") answered WSAEOPNOTSUPP (10045)");
    }
    ::WSASetLastError(error);
  }
  return rc;
}

int WindowsApi::WSAGetLastError() { return ::WSAGetLastError(); }

// --- WindowsBackend --------------------------------------------------------------

WindowsBackend::WindowsBackend() : system_(QueryWindowsSystem()) {}

std::string WindowsBackend::Describe() const { return Provenance(); }

Capabilities WindowsBackend::capabilities() const {
  Capabilities caps;
  caps.reboot = false;
  caps.end_process = false;
  caps.unelevated_process = !system_.elevated;
  caps.elevated_process = system_.elevated;
  caps.several_processes = false;
  caps.set_dynamic_range = false;
  return caps;
}

absl::StatusOr<Outcome> WindowsBackend::Run(const Call& call) {
  if (const auto* start = std::get_if<call::StartProcess>(&call)) {
    if (started_) {
      return absl::FailedPreconditionError(
          "the Windows backend has one process (the current one); it is started already");
    }
    if (start->elevated != system_.elevated) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the Windows backend cannot start an ", start->elevated ? "elevated" : "unelevated",
          " process: this process is ", system_.elevated ? "elevated" : "not elevated"));
    }
    started_ = true;
    Outcome outcome;
    outcome.process = ProcessId{1};
    return outcome;
  }
  if (std::holds_alternative<call::EndProcess>(call) ||
      std::holds_alternative<call::Reboot>(call) ||
      std::holds_alternative<call::SetDynamicRange>(call)) {
    return absl::UnimplementedError(
        absl::StrCat("the Windows backend cannot run '", DescribeCall(call), "'"));
  }
  const ProcessId caller = CallerOf(call).value_or(ProcessId{});
  if (!started_ || caller != ProcessId{1}) {
    return absl::FailedPreconditionError(
        absl::StrCat("process p", caller.value, " is not running on the Windows backend"));
  }
  if (absl::Status available = api_.Available(); !available.ok()) return available;
  absl::StatusOr<Outcome> outcome = runner_.Run(api_, call);
  if (std::optional<std::string> reason = api_.TakeUnsupported()) {
    return absl::UnimplementedError(absl::StrCat(kUnsupportedOnThisSystem, ": ", *reason));
  }
  if (std::optional<std::string> fault = api_.TakeFault()) {
    return absl::AbortedError(absl::StrCat("'", DescribeCall(call), "' faulted: ", *fault));
  }
  return outcome;
}

absl::StatusOr<MachineSnapshot> WindowsBackend::Listing() {
  return ReadNetshSnapshot(RunWindowsCommand);
}

absl::StatusOr<std::unique_ptr<WorkerPoolBackend>> MakeWindowsWorkerPool(
    const std::string& program, const WindowsSystem& system) {
  absl::StatusOr<std::unique_ptr<WorkerLauncher>> launcher = MakeProcessLauncher(program);
  if (!launcher.ok()) return launcher.status();
  WorkerPoolOptions options;
  options.description = DescribeWindowsSystem(system);
  options.capabilities.elevated_process = system.elevated;
  options.capabilities.unelevated_process = true;
  options.spec = [elevated = system.elevated](bool want_elevated) {
    return WorkerSpec{{"worker", "--backend", "windows"}, elevated && !want_elevated};
  };
  options.listing = [] { return ReadNetshSnapshot(RunWindowsCommand); };
  return std::make_unique<WorkerPoolBackend>(*std::move(launcher), std::move(options));
}

absl::StatusOr<RealMachineRun> SetUpWindowsCampaign(const std::string& program,
                                                    const std::optional<std::string>& window,
                                                    const std::string& journal_path,
                                                    CampaignOptions& options) {
  const WindowsSystem system = QueryWindowsSystem();
  const std::string description = DescribeWindowsSystem(system);
  {
    WindowsApi api;
    if (absl::Status available = api.Available(); !available.ok()) {
      if (RealAnswersRequired()) {
        return absl::UnimplementedError(absl::StrCat(available.message(), " (",
                                                     kRequireRealVariable,
                                                     " is set: real answers are required)"));
      }
      options.unavailable = absl::StrCat(available.message(), "; ", description);
      return RealMachineRun{};
    }
  }
  if (!system.elevated && RealAnswersRequired()) {
    return absl::FailedPreconditionError(absl::StrCat("not an elevated administrator (",
                                                      description, "), and ", kRequireRealVariable,
                                                      " is set: run from an elevated shell"));
  }
  absl::StatusOr<MachineSnapshot> snapshot = ReadWindowsSnapshot();
  if (!snapshot.ok()) {
    return absl::Status(snapshot.status().code(), absl::StrCat("cannot read what the machine has: ",
                                                               snapshot.status().message()));
  }
  absl::StatusOr<RealMachineRun> run =
      OpenRealMachineRun(description, *std::move(snapshot), window, journal_path,
                         [program, system]() -> absl::StatusOr<std::unique_ptr<Backend>> {
                           absl::StatusOr<std::unique_ptr<WorkerPoolBackend>> pool =
                               MakeWindowsWorkerPool(program, system);
                           if (!pool.ok()) return pool.status();
                           return std::unique_ptr<Backend>(*std::move(pool));
                         });
  if (!run.ok()) return run.status();
  SetUpRealMachineCampaign(*run, options);
  return run;
}

// --- Reading the machine ------------------------------------------------------------

absl::StatusOr<std::string> RunWindowsCommand(const std::string& command) {
  const std::string line = command + " 2>&1";
  FILE* pipe = ::_popen(line.c_str(), "r");
  if (pipe == nullptr) return absl::UnavailableError(absl::StrCat("cannot run '", command, "'"));
  std::string output;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = ::_pclose(pipe);
  if (status != 0) {
    return absl::UnavailableError(
        absl::StrCat("'", command, "' exited with ", status, ": ", output.substr(0, 300)));
  }
  return output;
}

namespace {

// The local ports of a GetExtended{Tcp,Udp}Table answer.
template <typename Table, typename Fn, typename... Args>
absl::Status AddPorts(Fn fn, ULONG family, std::vector<uint16_t>& ports, Args... args) {
  DWORD size = 0;
  std::vector<unsigned char> buffer;
  DWORD rc = ERROR_INSUFFICIENT_BUFFER;
  for (int attempt = 0; attempt < 5 && rc == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
    buffer.resize(size == 0 ? sizeof(Table) : size);
    size = static_cast<DWORD>(buffer.size());
    rc = fn(buffer.data(), &size, FALSE, family, args..., 0);
  }
  if (rc != NO_ERROR) return absl::UnavailableError(absl::StrCat("socket table: error ", rc));
  const Table* table = reinterpret_cast<const Table*>(buffer.data());
  for (DWORD i = 0; i < table->dwNumEntries; ++i) {
    ports.push_back(win32::NetworkToHost(static_cast<uint16_t>(table->table[i].dwLocalPort)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MachineSnapshot> ReadWindowsSnapshot() {
  absl::StatusOr<MachineSnapshot> snapshot = ReadNetshSnapshot(RunWindowsCommand);
  if (!snapshot.ok()) return snapshot;
  using TcpTableFn = DWORD(WINAPI*)(PVOID, PDWORD, BOOL, ULONG, TCP_TABLE_CLASS, ULONG);
  using UdpTableFn = DWORD(WINAPI*)(PVOID, PDWORD, BOOL, ULONG, UDP_TABLE_CLASS, ULONG);
  HMODULE iphlpapi = LoadIphlpapi();
  auto tcp_table = GetFunction<TcpTableFn>(iphlpapi, "GetExtendedTcpTable");
  auto udp_table = GetFunction<UdpTableFn>(iphlpapi, "GetExtendedUdpTable");
  absl::Status status = absl::OkStatus();
  if (tcp_table == nullptr || udp_table == nullptr) {
    status = absl::UnavailableError("iphlpapi.dll lacks GetExtendedTcpTable/GetExtendedUdpTable");
  }
  std::vector<uint16_t>& tcp = snapshot->of(Protocol::kTcp).bound;
  std::vector<uint16_t>& udp = snapshot->of(Protocol::kUdp).bound;
  if (status.ok())
    status = AddPorts<MIB_TCPTABLE_OWNER_PID>(tcp_table, AF_INET, tcp, TCP_TABLE_OWNER_PID_ALL);
  if (status.ok())
    status = AddPorts<MIB_TCP6TABLE_OWNER_PID>(tcp_table, AF_INET6, tcp, TCP_TABLE_OWNER_PID_ALL);
  if (status.ok())
    status = AddPorts<MIB_UDPTABLE_OWNER_PID>(udp_table, AF_INET, udp, UDP_TABLE_OWNER_PID);
  if (status.ok())
    status = AddPorts<MIB_UDP6TABLE_OWNER_PID>(udp_table, AF_INET6, udp, UDP_TABLE_OWNER_PID);
  if (iphlpapi != nullptr) ::FreeLibrary(iphlpapi);
  if (!status.ok()) return status;
  for (std::vector<uint16_t>* ports : {&tcp, &udp}) {
    std::sort(ports->begin(), ports->end());
    ports->erase(std::unique(ports->begin(), ports->end()), ports->end());
  }
  return snapshot;
}

}  // namespace portpool::conformance

#endif  // _WIN32

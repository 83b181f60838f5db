#include "engine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "portpool/call.h"
#include "portpool/error.h"
#include "portpool/traces/shared_machine.h"
#include "portpool/win32.h"

#ifdef __GLIBC__
#include <errno.h>  // program_invocation_short_name
#endif

namespace portpool::compat::internal {
namespace {

// Windows' numbers where they differ from the host's.
constexpr int kWindowsAfInet = 2;
constexpr int kWindowsAfInet6 = 23;
constexpr int kWsaNotInitialised = 10093;
constexpr int kWsaVerNotSupported = 10092;
constexpr int kWsaSysNotReady = 10091;
constexpr int kSocketError = -1;

// The host's socket addresses have Windows' layout; only the family's
// number differs, so an address is translated by rewriting that field.
static_assert(sizeof(sockaddr_in) == 16 && offsetof(sockaddr_in, sin_port) == 2);
static_assert(sizeof(sockaddr_in6) == 28 && offsetof(sockaddr_in6, sin6_port) == 2);
static_assert(offsetof(sockaddr_in, sin_family) == 0 && offsetof(sockaddr_in6, sin6_family) == 0);
static_assert(sizeof(sa_family_t) == 2);
constexpr size_t kAddressBytes = sizeof(sockaddr_storage);

uint16_t HostFamily(uint16_t windows_family) {
  if (windows_family == kWindowsAfInet) return AF_INET;
  if (windows_family == kWindowsAfInet6) return AF_INET6;
  return 0xffff;  // a family the model refuses (WSAEAFNOSUPPORT)
}

uint16_t WindowsFamily(uint16_t host_family) {
  if (host_family == AF_INET) return kWindowsAfInet;
  if (host_family == AF_INET6) return kWindowsAfInet6;
  return host_family;
}

void RewriteFamily(unsigned char* address, uint16_t (*translate)(uint16_t)) {
  uint16_t family;
  std::memcpy(&family, address, sizeof(family));
  family = translate(family);
  std::memcpy(address, &family, sizeof(family));
}

[[noreturn]] void Fatal(absl::string_view message) {
  std::fprintf(stderr, "portpool compat: %.*s\n", static_cast<int>(message.size()), message.data());
  std::fflush(nullptr);
  std::_Exit(2);
}

std::string ProgramName() {
#ifdef __GLIBC__
  return program_invocation_short_name;
#else
  return "";
#endif
}

// The trace file (PORTPOOL_TRACE): the machine's whole history, written after
// every call. When the file is still as this process left it, only what is
// new is appended; otherwise (another process of a shared machine wrote it)
// it is replaced whole.
class TraceFile {
 public:
  void SetPath(std::string path) {
    path_ = std::move(path);
    written_ = 0;
  }

  absl::Status Write(const std::string& text) {
    if (path_.empty()) return absl::OkStatus();
    struct stat info;
    const bool unchanged = written_ > 0 && written_ <= text.size() &&
                           ::stat(path_.c_str(), &info) == 0 && info.st_ino == inode_ &&
                           info.st_dev == device_ && static_cast<size_t>(info.st_size) == written_;
    if (unchanged) {
      if (written_ == text.size()) return absl::OkStatus();
      const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd < 0) return Error("cannot open");
      absl::Status status = WriteAll(fd, absl::string_view(text).substr(written_));
      ::close(fd);
      if (!status.ok()) return status;
    } else {
      const std::string temporary = absl::StrCat(path_, ".", ::getpid(), ".tmp");
      const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (fd < 0) return Error("cannot create");
      absl::Status status = WriteAll(fd, text);
      ::close(fd);
      if (status.ok() && ::rename(temporary.c_str(), path_.c_str()) != 0)
        status = Error("cannot replace");
      if (!status.ok()) {
        ::unlink(temporary.c_str());  // C4996-safe: compat/src is POSIX only
        return status;
      }
    }
    if (::stat(path_.c_str(), &info) != 0) return Error("cannot inspect");
    inode_ = info.st_ino;
    device_ = info.st_dev;
    written_ = text.size();
    return absl::OkStatus();
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InternalError(
        absl::StrCat("the trace file ", path_, " (PORTPOOL_TRACE): ", what, ": ",
                     std::error_code(errno, std::generic_category()).message()));
  }
  absl::Status WriteAll(int fd, absl::string_view text) const {
    while (!text.empty()) {
      const ssize_t wrote = ::write(fd, text.data(), text.size());
      if (wrote < 0) {
        if (errno == EINTR) continue;
        return Error("cannot write");
      }
      text.remove_prefix(static_cast<size_t>(wrote));
    }
    return absl::OkStatus();
  }

  std::string path_;
  size_t written_ = 0;
  ino_t inode_ = 0;
  dev_t device_ = 0;
};

// Runs the ModelApi's calls on the shared machine, counting them: a Windows
// call that made none was answered by the Win32 surface alone.
class Runner final : public win32::CallRunner {
 public:
  absl::StatusOr<Outcome> Run(const Call& call) override {
    ++calls;
    return shared->Run(call);
  }
  traces::SharedMachine* shared = nullptr;
  uint64_t calls = 0;
};

struct Engine {
  std::mutex mu;
  bool open = false;
  bool exit_hook = false;
  // The exit hook has closed the machine: calls from later exit code (a
  // static object's destructor calling WSACleanup) must not open another.
  bool exited = false;
  Settings settings;
  std::unique_ptr<traces::SharedMachine> shared;
  Runner runner;
  std::map<ProcessId, std::unique_ptr<win32::ModelApi>> apis;
  std::optional<ProcessId> current;
  int startups = 0;
  TraceFile trace;
  std::string trace_text;  // portpool_compat_trace_text's copy
};

// Never destroyed: the exit hook still needs it.
Engine& TheEngine() {
  static Engine* engine = new Engine;
  return *engine;
}

thread_local int last_error = 0;

int ProcessNumber(const Engine& e, ProcessId process) {
  const std::string name = e.shared->ProcessName(process);
  int number = 0;
  return absl::SimpleAtoi(absl::StripPrefix(name, "p"), &number) ? number : 0;
}

absl::StatusOr<ProcessId> StartLocked(Engine& e, bool elevated) {
  auto outcome = e.shared->Run(call::StartProcess{elevated});
  if (!outcome.ok()) return outcome.status();
  const ProcessId id = *outcome->process;
  e.apis[id] = std::make_unique<win32::ModelApi>(e.shared->mutable_machine(), id, &e.runner);
  e.current = id;
  return id;
}

// The live process pN that this OS process started.
absl::StatusOr<ProcessId> LiveProcessOfThisProgram(const Engine& e, int number) {
  for (const auto& [process, api] : e.apis) {
    if (ProcessNumber(e, process) == number && e.shared->machine().IsLive(process)) {
      return process;
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "p", number,
      " is not a live process of this program (portpool_compat_start_process starts one; a "
      "reboot or portpool_compat_end_process ends it)"));
}

// Forgets the ModelApis of processes that have ended.
void ForgetEnded(Engine& e) {
  for (auto it = e.apis.begin(); it != e.apis.end();) {
    it = e.shared->machine().IsLive(it->first) ? std::next(it) : e.apis.erase(it);
  }
  if (e.current && !e.apis.contains(*e.current)) e.current.reset();
}

absl::Status CloseLocked(Engine& e);

absl::Status OpenLocked(Engine& e, const Settings& settings) {
  if (e.open) {
    return absl::FailedPreconditionError(
        "a machine is open already (perhaps opened from the environment by an earlier Windows "
        "call): portpool_compat_close it first");
  }
  traces::SharedMachineOptions options;
  options.seed = settings.seed;
  options.mutant = settings.mutant;
  options.answers = settings.answers;
  options.schedule = settings.schedule;
  options.state_file = settings.state_file;
  options.program = ProgramName();
  auto shared = traces::SharedMachine::Open(options);
  if (!shared.ok()) return shared.status();
  TraceFile trace;
  trace.SetPath(settings.trace_file);
  {
    auto lock = (*shared)->AcquireLock();
    if (!lock.ok()) return lock.status();
    if (settings.reboot) {
      if (auto rebooted = (*shared)->Run(call::Reboot{}); !rebooted.ok()) {
        return rebooted.status();
      }
    }
    if (absl::Status written = trace.Write((*shared)->text()); !written.ok()) return written;
  }
  // Nothing can fail from here on.
  e.shared = *std::move(shared);
  e.runner.shared = e.shared.get();
  e.settings = settings;
  e.trace = std::move(trace);
  e.open = true;
  if (!e.exit_hook) {
    e.exit_hook = true;
    std::atexit([] {
      Engine& engine = TheEngine();
      absl::Status closed;
      {
        std::lock_guard<std::mutex> guard(engine.mu);
        engine.exited = true;
        closed = CloseLocked(engine);
      }
      if (!closed.ok()) Fatal(absl::StrCat("at exit: ", closed.message()));
    });
  }
  return absl::OkStatus();
}

absl::Status CloseLocked(Engine& e) {
  if (!e.open) return absl::OkStatus();
  absl::Status status;
  {
    auto lock = e.shared->AcquireLock();
    if (!lock.ok()) {
      status = lock.status();
    } else {
      // A shared machine goes on after this process: its processes end here,
      // as at a Windows process's exit. A machine of this process alone ends
      // with it, and its trace stays free of a last end-process step (which
      // `portpool record` on a Windows runner could not run).
      if (!e.settings.state_file.empty()) status = e.shared->EndOwnProcesses();
      if (absl::Status written = e.trace.Write(e.shared->text()); status.ok()) status = written;
    }
  }
  if (status.ok() && e.settings.answers == traces::AnswerPolicy::kExplore &&
      !e.settings.next_schedule_file.empty()) {
    auto next = traces::NextSchedule(e.shared->choices());
    const std::string text = next ? traces::FormatSchedule(*next) : "done";
    std::ofstream out(e.settings.next_schedule_file, std::ios::trunc);
    out << text << "\n";
    out.close();
    if (!out) {
      status = absl::InternalError(
          absl::StrCat("cannot write the next schedule to ", e.settings.next_schedule_file, ": ",
                       std::error_code(errno, std::generic_category()).message()));
    }
  }
  e.apis.clear();
  e.current.reset();
  e.runner.shared = nullptr;
  e.shared.reset();
  e.startups = 0;
  e.open = false;
  return status;
}

absl::StatusOr<Settings> SettingsFromEnvironment() {
  auto options = OptionsFromEnvironment();
  if (!options.ok()) return options.status();
  return SettingsFromOptions(*options);
}

// Opens the machine the PORTPOOL_* variables describe, or ends the program:
// a Windows call has no way to report a bad setting.
void OpenFromEnvironment(Engine& e) {
  if (e.open) return;
  auto settings = SettingsFromEnvironment();
  if (!settings.ok()) Fatal(settings.status().message());
  if (absl::Status opened = OpenLocked(e, *settings); !opened.ok()) Fatal(opened.message());
}

// One Windows call: the engine's mutex and the machine's lock, held until
// the call's answer is in the trace.
class Session {
 public:
  Session() : e_(TheEngine()), guard_(e_.mu) {
    if (e_.exited && !e_.open) return;  // after_exit()
    OpenFromEnvironment(e_);
    auto lock = e_.shared->AcquireLock();
    if (!lock.ok()) Fatal(lock.status().message());
    lock_.emplace(*std::move(lock));
    calls_before_ = e_.runner.calls;
  }
  ~Session() {
    if (after_exit()) return;
    if (absl::Status written = e_.trace.Write(e_.shared->text()); !written.ok()) {
      Fatal(written.message());
    }
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Engine& engine() { return e_; }
  bool started_up() const { return e_.startups > 0; }
  // A call made after the exit hook closed the machine (from a static
  // object's destructor, say): it gets the answer of a process whose
  // Winsock is gone, and the machine and the trace stay as they were.
  bool after_exit() const { return !lock_.has_value(); }
  int AfterExit() {
    last_error = kWsaNotInitialised;
    return kSocketError;
  }

  // The ModelApi of the calling process, started first if there is none.
  win32::ModelApi& Api() {
    if (e_.current && !e_.shared->machine().IsLive(*e_.current)) {
      Fatal(absl::StrCat(
          e_.shared->ProcessName(*e_.current),
          " of this program has ended while it ran: another process rebooted the shared machine "
          "(PORTPOOL_STATE) or ended it, and on Windows no program outlives that"));
    }
    if (!e_.current) {
      if (auto started = StartLocked(e_, e_.settings.elevated); !started.ok()) {
        Fatal(started.status().message());
      }
    }
    return *e_.apis[*e_.current];
  }

  // A Winsock call before WSAStartup: WSANOTINITIALISED, noted in the trace.
  int NotInitialised(absl::FunctionRef<std::string()> describe) {
    last_error = kWsaNotInitialised;
    NoteSurfaceAnswer(describe(), "WSANOTINITIALISED", "no WSAStartup yet");
    return kSocketError;
  }

  // After a call through Api(): a fault of the model's use ends the program;
  // an error the surface gave without a model call is noted in the trace.
  void Check(bool failed, uint32_t error, absl::FunctionRef<std::string()> describe) {
    const win32::ModelApi& api = *e_.apis[*e_.current];
    if (!api.last_status().ok()) Fatal(api.last_status().message());
    if (failed && e_.runner.calls == calls_before_) {
      NoteSurfaceAnswer(describe(), ErrorName(static_cast<Error>(error)),
                        "answered by the Win32 surface before the port pool");
    }
  }

 private:
  void NoteSurfaceAnswer(const std::string& call, const std::string& error, absl::string_view why) {
    const std::string caller = e_.current ? e_.shared->ProcessName(*e_.current) : "this program";
    absl::Status noted =
        e_.shared->Note(absl::StrCat(caller, " ", call, " -> ", error, " (", why, "; not a step)"));
    if (!noted.ok()) Fatal(noted.message());
  }

  Engine& e_;
  std::lock_guard<std::mutex> guard_;
  std::optional<traces::SharedMachine::Lock> lock_;
  uint64_t calls_before_ = 0;
};

// A control call: the engine's mutex and the machine's lock. `body`
// returns an absl::Status or absl::StatusOr; so does Control, with the
// failure to open or lock the machine as its own.
template <typename F>
auto Control(F&& body) -> decltype(body(std::declval<Engine&>())) {
  Engine& e = TheEngine();
  std::lock_guard<std::mutex> guard(e.mu);
  if (!e.open) {
    auto settings = SettingsFromEnvironment();
    if (!settings.ok()) return settings.status();
    if (absl::Status opened = OpenLocked(e, *settings); !opened.ok()) return opened;
  }
  auto lock = e.shared->AcquireLock();
  if (!lock.ok()) return lock.status();
  auto result = body(e);
  ForgetEnded(e);
  if (absl::Status written = e.trace.Write(e.shared->text()); !written.ok()) return written;
  return result;
}

void NoCompletion(win32::DWORD, win32::DWORD, win32::LPWSAOVERLAPPED, win32::DWORD) {}

}  // namespace

// --- The control API ----------------------------------------------------------

absl::Status Open(const Settings& settings) {
  Engine& e = TheEngine();
  std::lock_guard<std::mutex> guard(e.mu);
  return OpenLocked(e, settings);
}

absl::Status Close() {
  Engine& e = TheEngine();
  std::lock_guard<std::mutex> guard(e.mu);
  return CloseLocked(e);
}

absl::Status Reboot() {
  return Control([](Engine& e) -> absl::Status {
    auto rebooted = e.shared->Run(call::Reboot{});
    return rebooted.ok() ? absl::OkStatus() : rebooted.status();
  });
}

absl::StatusOr<int> StartProcess(bool elevated) {
  return Control([&](Engine& e) -> absl::StatusOr<int> {
    auto started = StartLocked(e, elevated);
    if (!started.ok()) return started.status();
    return ProcessNumber(e, *started);
  });
}

absl::Status UseProcess(int number) {
  return Control([&](Engine& e) -> absl::Status {
    auto process = LiveProcessOfThisProgram(e, number);
    if (process.ok()) e.current = *process;
    return process.status();
  });
}

absl::Status EndProcess(int number) {
  return Control([&](Engine& e) -> absl::Status {
    auto process = LiveProcessOfThisProgram(e, number);
    if (!process.ok()) return process.status();
    auto ended = e.shared->Run(call::EndProcess{*process});
    return ended.ok() ? absl::OkStatus() : ended.status();
  });
}

absl::StatusOr<int> CurrentProcess() {
  return Control([](Engine& e) -> absl::StatusOr<int> {
    return e.current ? ProcessNumber(e, *e.current) : 0;
  });
}

absl::Status SetDynamicRange(int protocol, unsigned start, unsigned count) {
  return Control([&](Engine& e) -> absl::Status {
    if (protocol != 6 && protocol != 17) {
      return absl::InvalidArgumentError(
          absl::StrCat("protocol ", protocol, ": expected 6 (TCP) or 17 (UDP)"));
    }
    if (start > 65535 || count > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("dynamic range start ", start, " count ", count, ": each is 0 to 65535"));
    }
    const Protocol which = protocol == 6 ? Protocol::kTcp : Protocol::kUdp;
    const PortRange range{static_cast<uint16_t>(start), static_cast<uint16_t>(count)};
    auto outcome = e.shared->Run(call::SetDynamicRange{which, range});
    if (!outcome.ok()) return outcome.status();
    if (!outcome->ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the machine refuses the dynamic range ", FormatRange(range), " (",
          ErrorName(outcome->error),
          "): it must start at 1025 or above, hold 255 ports or more, and end by 65535"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<std::string>> NextSchedule() {
  return Control([](Engine& e) -> absl::StatusOr<std::optional<std::string>> {
    if (e.settings.answers != traces::AnswerPolicy::kExplore) {
      return absl::FailedPreconditionError(
          "the machine answers as the simulator chooses: schedules are for the explore policy");
    }
    auto next = traces::NextSchedule(e.shared->choices());
    if (!next) return std::optional<std::string>();
    return std::optional<std::string>(traces::FormatSchedule(*next));
  });
}

absl::StatusOr<std::string> TraceText() {
  return Control([](Engine& e) -> absl::StatusOr<std::string> { return e.shared->text(); });
}

// --- The Windows calls ----------------------------------------------------------

int Startup(uint16_t requested, uint16_t* granted) {
  Session session;
  if (session.after_exit()) return kWsaSysNotReady;
  const unsigned major = requested & 0xffu;
  const unsigned minor = requested >> 8;
  *granted = 0x0202;  // wHighVersion: 2.2
  if (major < 1 || (major == 1 && minor < 1)) return kWsaVerNotSupported;
  if (major < 2 || (major == 2 && minor < 2)) *granted = requested;
  ++session.engine().startups;
  return 0;
}

int Cleanup() {
  Session session;
  if (session.after_exit()) return 0;  // the process's Winsock has gone already
  Engine& e = session.engine();
  if (!session.started_up())
    return session.NotInitialised([] { return std::string("WSACleanup()"); });
  if (--e.startups > 0 || !e.current || !e.shared->machine().IsLive(*e.current)) return 0;
  // The last WSACleanup closes the process's open sockets.
  win32::ModelApi& api = session.Api();
  const std::vector<SocketId> sockets = e.shared->machine().process(*e.current)->sockets;
  for (SocketId open_socket : sockets) {
    const int closed = api.closesocket(open_socket.value);
    session.Check(closed != 0, static_cast<uint32_t>(api.WSAGetLastError()),
                  [&] { return absl::StrCat("WSACleanup() closing socket ", open_socket.value); });
  }
  return 0;
}

int LastError() { return last_error; }

void SetLastError(int error) { last_error = error; }

uint32_t Persistent(PersistentFunction function, uint16_t start_port, uint16_t count,
                    uint64_t* token) {
  using win32::ModelApi;
  struct Entry {
    const char* name;
    // Create and Lookup return a token; Delete does not.
    win32::ULONG (ModelApi::*with_token)(win32::USHORT, win32::USHORT, win32::PULONG64);
    win32::ULONG (ModelApi::*without_token)(win32::USHORT, win32::USHORT);
  };
  static constexpr Entry kEntries[] = {
      {"CreatePersistentTcpPortReservation", &ModelApi::CreatePersistentTcpPortReservation,
       nullptr},
      {"CreatePersistentUdpPortReservation", &ModelApi::CreatePersistentUdpPortReservation,
       nullptr},
      {"LookupPersistentTcpPortReservation", &ModelApi::LookupPersistentTcpPortReservation,
       nullptr},
      {"LookupPersistentUdpPortReservation", &ModelApi::LookupPersistentUdpPortReservation,
       nullptr},
      {"DeletePersistentTcpPortReservation", nullptr,
       &ModelApi::DeletePersistentTcpPortReservation},
      {"DeletePersistentUdpPortReservation", nullptr,
       &ModelApi::DeletePersistentUdpPortReservation},
  };
  const Entry& entry = kEntries[static_cast<size_t>(function)];
  Session session;
  if (session.after_exit()) return static_cast<uint32_t>(Error::kInvalidHandle);
  ModelApi& api = session.Api();
  const uint32_t answer = entry.with_token != nullptr
                              ? (api.*entry.with_token)(start_port, count, token)
                              : (api.*entry.without_token)(start_port, count);
  session.Check(answer != 0, answer, [&] {
    return absl::StrCat(entry.name, "(htons(", win32::NetworkToHost(start_port), "), ", count, ")");
  });
  return answer;
}

uintptr_t Socket(int af, int type, int protocol) {
  Session session;
  if (session.after_exit()) {
    session.AfterExit();
    return ~uintptr_t{0};
  }
  auto describe = [&] { return absl::StrCat("socket(", af, ", ", type, ", ", protocol, ")"); };
  if (!session.started_up()) {
    session.NotInitialised(describe);
    return ~uintptr_t{0};
  }
  win32::ModelApi& api = session.Api();
  const int host_af =
      af == kWindowsAfInet || af == kWindowsAfInet6 ? HostFamily(static_cast<uint16_t>(af)) : -1;
  const uintptr_t s = api.socket(host_af, type, protocol);
  session.Check(s == INVALID_SOCKET, static_cast<uint32_t>(api.WSAGetLastError()), describe);
  if (s == INVALID_SOCKET) last_error = api.WSAGetLastError();
  return s;
}

int CloseSocket(uintptr_t s) {
  Session session;
  if (session.after_exit()) return session.AfterExit();
  auto describe = [&] { return absl::StrCat("closesocket(", s, ")"); };
  if (!session.started_up()) return session.NotInitialised(describe);
  win32::ModelApi& api = session.Api();
  const int result = api.closesocket(s);
  session.Check(result != 0, static_cast<uint32_t>(api.WSAGetLastError()), describe);
  if (result != 0) last_error = api.WSAGetLastError();
  return result;
}

int Bind(uintptr_t s, const void* name, int namelen) {
  Session session;
  if (session.after_exit()) return session.AfterExit();
  auto describe = [&] {
    return absl::StrCat("bind(", s, ", ", name == nullptr ? "NULL" : "address", ", ", namelen, ")");
  };
  if (!session.started_up()) return session.NotInitialised(describe);
  alignas(sockaddr_storage) unsigned char address[kAddressBytes] = {};
  if (name != nullptr && namelen >= 2) {
    std::memcpy(address, name, std::min(static_cast<size_t>(namelen), kAddressBytes));
    RewriteFamily(address, HostFamily);
  }
  win32::ModelApi& api = session.Api();
  const int result =
      api.bind(s, name == nullptr ? nullptr : reinterpret_cast<const sockaddr*>(address), namelen);
  session.Check(result != 0, static_cast<uint32_t>(api.WSAGetLastError()), describe);
  if (result != 0) last_error = api.WSAGetLastError();
  return result;
}

int GetSockName(uintptr_t s, void* name, int* namelen) {
  Session session;
  if (session.after_exit()) return session.AfterExit();
  auto describe = [&] {
    return absl::StrCat("getsockname(", s, ", ", name == nullptr ? "NULL" : "buffer", ", ",
                        namelen == nullptr ? "NULL" : absl::StrCat(*namelen), ")");
  };
  if (!session.started_up()) return session.NotInitialised(describe);
  alignas(sockaddr_storage) unsigned char address[kAddressBytes] = {};
  int length = namelen == nullptr ? 0 : *namelen;
  win32::ModelApi& api = session.Api();
  const int result =
      api.getsockname(s, name == nullptr ? nullptr : reinterpret_cast<sockaddr*>(address),
                      namelen == nullptr ? nullptr : &length);
  session.Check(result != 0, static_cast<uint32_t>(api.WSAGetLastError()), describe);
  if (result != 0) {
    last_error = api.WSAGetLastError();
    return result;
  }
  RewriteFamily(address, WindowsFamily);
  std::memcpy(name, address, static_cast<size_t>(length));
  *namelen = length;
  return 0;
}

int Ioctl(uintptr_t s, uint32_t code, void* in, uint32_t in_size, void* out, uint32_t out_size,
          uint32_t* bytes_returned, void* overlapped, bool completion_routine) {
  Session session;
  if (session.after_exit()) return session.AfterExit();
  auto describe = [&] {
    const char* known = win32::PortReservationIoctlName(code);
    return absl::StrCat("WSAIoctl(", s, ", ", known != nullptr ? known : absl::StrCat(code), ")");
  };
  if (!session.started_up()) return session.NotInitialised(describe);
  win32::ModelApi& api = session.Api();
  const int result = api.WSAIoctl(s, code, in, in_size, out, out_size, bytes_returned,
                                  static_cast<win32::LPWSAOVERLAPPED>(overlapped),
                                  completion_routine ? &NoCompletion : nullptr);
  session.Check(result != 0, static_cast<uint32_t>(api.WSAGetLastError()), describe);
  if (result != 0) last_error = api.WSAGetLastError();
  return result;
}

}  // namespace portpool::compat::internal

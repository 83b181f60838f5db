#include "portpool/conformance/windows/shared_simulator.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "portpool/conformance/environment_changes.h"
#include "portpool/machine.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/trace.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/types.h>
#include <unistd.h>

#include <system_error>
#endif

namespace portpool::conformance {
namespace {

constexpr absl::string_view kOsPid = "os-pid ";

#ifndef _WIN32
std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}
#endif

// The state file, opened and locked for one call: every process's calls are
// serialised through it.
class LockedFile {
 public:
  static absl::StatusOr<LockedFile> Open(const std::string& path);
  LockedFile(LockedFile&& other) noexcept : handle_(std::exchange(other.handle_, kNone)) {}
  LockedFile& operator=(LockedFile&&) = delete;
  ~LockedFile();

  absl::StatusOr<std::string> ReadAll();
  absl::Status Append(absl::string_view text);

 private:
#ifdef _WIN32
  using Handle = HANDLE;
  static inline const Handle kNone = INVALID_HANDLE_VALUE;
#else
  using Handle = int;
  static constexpr Handle kNone = -1;
#endif
  explicit LockedFile(Handle handle) : handle_(handle) {}
  Handle handle_;
};

// This OS process's id, and whether another one still runs.
uint64_t OsPid();
bool OsProcessRuns(uint64_t pid);

#ifdef _WIN32

std::wstring Wide(const std::string& text) {
  const int size =
      ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(size), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), size);
  return wide;
}

absl::StatusOr<LockedFile> LockedFile::Open(const std::string& path) {
  const Handle handle =
      ::CreateFileW(Wide(path).c_str(), GENERIC_READ | GENERIC_WRITE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_ALWAYS, 0, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the state file ", path, ": error ", ::GetLastError()));
  }
  OVERLAPPED whole{};
  if (!::LockFileEx(handle, LOCKFILE_EXCLUSIVE_LOCK, 0, MAXDWORD, MAXDWORD, &whole)) {
    const DWORD error = ::GetLastError();
    ::CloseHandle(handle);
    return absl::UnavailableError(
        absl::StrCat("cannot lock the state file ", path, ": error ", error));
  }
  return LockedFile(handle);
}

LockedFile::~LockedFile() {
  if (handle_ == kNone) return;
  OVERLAPPED whole{};
  ::UnlockFileEx(handle_, 0, MAXDWORD, MAXDWORD, &whole);
  ::CloseHandle(handle_);
}

absl::StatusOr<std::string> LockedFile::ReadAll() {
  std::string text;
  ::SetFilePointer(handle_, 0, nullptr, FILE_BEGIN);
  char chunk[65536];
  DWORD n = 0;
  while (::ReadFile(handle_, chunk, sizeof(chunk), &n, nullptr) && n > 0) text.append(chunk, n);
  return text;
}

absl::Status LockedFile::Append(absl::string_view text) {
  ::SetFilePointer(handle_, 0, nullptr, FILE_END);
  DWORD written = 0;
  if (!::WriteFile(handle_, text.data(), static_cast<DWORD>(text.size()), &written, nullptr) ||
      written != text.size()) {
    return absl::UnavailableError(
        absl::StrCat("cannot write the state file: error ", ::GetLastError()));
  }
  return absl::OkStatus();
}

uint64_t OsPid() { return ::GetCurrentProcessId(); }

bool OsProcessRuns(uint64_t pid) {
  const HANDLE process = ::OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                                       static_cast<DWORD>(pid));
  if (process == nullptr) return ::GetLastError() == ERROR_ACCESS_DENIED;
  const bool runs = ::WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
  ::CloseHandle(process);
  return runs;
}

#else

absl::StatusOr<LockedFile> LockedFile::Open(const std::string& path) {
  const Handle fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the state file ", path, ": ", ErrnoText(errno)));
  }
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot lock the state file ", path, ": ", ErrnoText(error)));
  }
  return LockedFile(fd);
}

LockedFile::~LockedFile() {
  if (handle_ == kNone) return;
  ::flock(handle_, LOCK_UN);
  ::close(handle_);
}

absl::StatusOr<std::string> LockedFile::ReadAll() {
  std::string text;
  ::lseek(handle_, 0, SEEK_SET);  // C4996-safe: the POSIX branch
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(handle_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::UnavailableError(absl::StrCat("read: ", ErrnoText(errno)));
    if (n == 0) return text;
    text.append(chunk, static_cast<size_t>(n));
  }
}

absl::Status LockedFile::Append(absl::string_view text) {
  ::lseek(handle_, 0, SEEK_END);  // C4996-safe: the POSIX branch
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(handle_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat("write: ", ErrnoText(errno)));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

uint64_t OsPid() { return static_cast<uint64_t>(::getpid()); }

bool OsProcessRuns(uint64_t pid) {
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

#endif

// The OS process of each model process, from the lines "# os-pid N of pM"
// written after each start-process step (wherever the parser files a
// comment: before the first step it is the trace's own).
std::vector<std::pair<ProcessId, uint64_t>> OsPids(const traces::Trace& state) {
  std::vector<std::pair<ProcessId, uint64_t>> pids;
  const auto read = [&](const std::vector<std::string>& comments) {
    for (absl::string_view comment : comments) {
      uint64_t pid = 0;
      uint32_t process = 0;
      if (!absl::ConsumePrefix(&comment, kOsPid)) continue;
      const size_t of = comment.find(" of p");
      if (of != absl::string_view::npos && absl::SimpleAtoi(comment.substr(0, of), &pid) &&
          absl::SimpleAtoi(comment.substr(of + 5), &process)) {
        pids.emplace_back(ProcessId{process}, pid);
      }
    }
  };
  read(state.comments);
  for (const traces::Step& step : state.steps) read(step.comments);
  read(state.trailing_comments);
  return pids;
}

std::string StepLine(const Call& call, const Outcome& outcome) {
  traces::Step step;
  step.call = call;
  step.outcome = outcome;
  return absl::StrCat(traces::PrintStep(step), "\n");
}

// The state file's trace; an empty file is given its header first.
absl::StatusOr<traces::Trace> ReadState(LockedFile& file, const std::string& path,
                                        const std::string& description) {
  absl::StatusOr<std::string> text = file.ReadAll();
  if (!text.ok()) return text.status();
  if (text->empty()) {
    text = absl::StrCat("portpool-trace 1\nprovenance: ", description, " state\n");
    if (absl::Status written = file.Append(*text); !written.ok()) return written;
  }
  return traces::Parse(*text, path);
}

// Brings `machine` (seeded with `seed`) to `state`; a state that gives
// other answers now is DataLoss.
absl::Status Replay(const traces::Trace& state, const std::string& path, uint64_t seed,
                    Machine& machine) {
  // The same seed and the same calls give the same answers.
  for (const traces::Step& step : state.steps) {
    absl::StatusOr<Outcome> again = machine.Run(step.call);
    if (!again.ok() || *again != step.outcome) {
      return absl::DataLossError(absl::StrCat(
          path, ":", step.line, ": the state does not replay with seed ", seed, " (",
          again.ok() ? DescribeOutcome(*again) : std::string(again.status().message()), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

SharedSimulatorBackend::SharedSimulatorBackend(std::string state_path, uint64_t seed)
    : path_(std::move(state_path)), seed_(seed) {}

std::string SharedSimulatorBackend::Describe() const {
  return absl::StrCat("simulator seed=", seed_, " shared");
}

Capabilities SharedSimulatorBackend::capabilities() const {
  Capabilities caps;
  caps.reboot = false;
  caps.set_dynamic_range = false;
  return caps;
}

absl::StatusOr<MachineSnapshot> SharedSimulatorBackend::Listing() {
  absl::StatusOr<LockedFile> file = LockedFile::Open(path_);
  if (!file.ok()) return file.status();
  absl::StatusOr<traces::Trace> state = ReadState(*file, path_, Describe());
  if (!state.ok()) return state.status();
  Machine machine(seed_);
  if (absl::Status replayed = Replay(*state, path_, seed_, machine); !replayed.ok())
    return replayed;
  return ListingOf(machine);
}

absl::StatusOr<Outcome> SharedSimulatorBackend::Run(const Call& call) {
  const bool start = std::holds_alternative<call::StartProcess>(call);
  if (start && process_) {
    return absl::FailedPreconditionError(
        absl::StrCat("this backend speaks for p", process_->value, " already"));
  }
  if (!start) {
    const std::optional<ProcessId> caller = CallerOf(call);
    if (!process_ || caller != process_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "'", DescribeCall(call), "' is not a call of this backend's process (",
          process_ ? absl::StrCat("p", process_->value) : std::string("none started yet"), ")"));
    }
  }
  absl::StatusOr<LockedFile> file = LockedFile::Open(path_);
  if (!file.ok()) return file.status();
  absl::StatusOr<traces::Trace> state = ReadState(*file, path_, Describe());
  if (!state.ok()) return state.status();
  Machine machine(seed_);
  if (absl::Status replayed = Replay(*state, path_, seed_, machine); !replayed.ok())
    return replayed;
  // What the OS does for a process that died: end it, closing its sockets.
  std::string appended;
  for (const auto& [process, pid] : OsPids(*state)) {
    if (!machine.IsLive(process) || pid == OsPid() || OsProcessRuns(pid)) continue;
    const Call end = call::EndProcess{process};
    absl::StatusOr<Outcome> ended = machine.Run(end);
    if (!ended.ok()) return ended.status();
    absl::StrAppend(&appended, "# os process ", pid, " is gone\n", StepLine(end, *ended));
  }
  absl::StatusOr<Outcome> outcome = machine.Run(call);
  if (outcome.ok()) {
    absl::StrAppend(&appended, StepLine(call, *outcome));
    if (start && outcome->process) {
      absl::StrAppend(&appended, "# ", kOsPid, OsPid(), " of p", outcome->process->value, "\n");
    }
  }
  if (!appended.empty()) {
    if (absl::Status written = file->Append(appended); !written.ok()) return written;
  }
  if (outcome.ok() && start && outcome->process) process_ = *outcome->process;
  return outcome;
}

}  // namespace portpool::conformance

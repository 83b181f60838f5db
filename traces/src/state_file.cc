#include "state_file.h"

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace portpool::traces::internal {
namespace {

#ifdef _WIN32
std::string SystemMessage(DWORD code) { return absl::StrCat("Windows error ", code); }
#else
std::string SystemMessage(int code) {
  return std::error_code(code, std::generic_category()).message();
}
#endif

absl::Status Failed(const std::string& path, const char* what, const std::string& why) {
  return absl::InternalError(absl::StrCat(path, ": ", what, ": ", why));
}

}  // namespace

#ifdef _WIN32

struct StateFile::Handle {
  HANDLE file = INVALID_HANDLE_VALUE;
  bool locked = false;
};

absl::StatusOr<std::unique_ptr<StateFile>> StateFile::Open(const std::string& path) {
  auto handle = std::make_unique<Handle>();
  handle->file =
      CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                  nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle->file == INVALID_HANDLE_VALUE) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open the state file: ", SystemMessage(GetLastError())));
  }
  return std::unique_ptr<StateFile>(new StateFile(path, std::move(handle)));
}

StateFile::~StateFile() {
  Unlock();
  CloseHandle(handle_->file);
}

absl::Status StateFile::Lock() {
  OVERLAPPED whole{};
  if (!LockFileEx(handle_->file, LOCKFILE_EXCLUSIVE_LOCK, 0, MAXDWORD, MAXDWORD, &whole)) {
    return Failed(path_, "cannot lock the state file", SystemMessage(GetLastError()));
  }
  handle_->locked = true;
  return absl::OkStatus();
}

void StateFile::Unlock() {
  if (!handle_->locked) return;
  OVERLAPPED whole{};
  UnlockFileEx(handle_->file, 0, MAXDWORD, MAXDWORD, &whole);
  handle_->locked = false;
}

absl::StatusOr<uint64_t> StateFile::Size() const {
  LARGE_INTEGER size;
  if (!GetFileSizeEx(handle_->file, &size)) {
    return Failed(path_, "cannot read the state file's size", SystemMessage(GetLastError()));
  }
  return static_cast<uint64_t>(size.QuadPart);
}

absl::StatusOr<std::string> StateFile::ReadFrom(uint64_t offset) const {
  std::string text;
  char buffer[65536];
  for (;;) {
    OVERLAPPED at{};
    at.Offset = static_cast<DWORD>(offset & 0xffffffffu);
    at.OffsetHigh = static_cast<DWORD>(offset >> 32);
    DWORD got = 0;
    if (!ReadFile(handle_->file, buffer, sizeof(buffer), &got, &at)) {
      const DWORD error = GetLastError();
      if (error == ERROR_HANDLE_EOF) break;
      return Failed(path_, "cannot read the state file", SystemMessage(error));
    }
    if (got == 0) break;
    text.append(buffer, got);
    offset += got;
  }
  return text;
}

absl::Status StateFile::Append(const std::string& text) {
  LARGE_INTEGER zero{};
  if (!SetFilePointerEx(handle_->file, zero, nullptr, FILE_END)) {
    return Failed(path_, "cannot append to the state file", SystemMessage(GetLastError()));
  }
  size_t done = 0;
  while (done < text.size()) {
    DWORD wrote = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<size_t>(text.size() - done, 1u << 20));
    if (!WriteFile(handle_->file, text.data() + done, chunk, &wrote, nullptr)) {
      return Failed(path_, "cannot append to the state file", SystemMessage(GetLastError()));
    }
    done += wrote;
  }
  return absl::OkStatus();
}

uint32_t CurrentProcessId() { return static_cast<uint32_t>(GetCurrentProcessId()); }

bool ProcessIsRunning(uint32_t pid) {
  HANDLE process = OpenProcess(SYNCHRONIZE, FALSE, pid);
  if (process == nullptr) return GetLastError() == ERROR_ACCESS_DENIED;
  const bool running = WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
  CloseHandle(process);
  return running;
}

#else  // POSIX

struct StateFile::Handle {
  int fd = -1;
  bool locked = false;
};

absl::StatusOr<std::unique_ptr<StateFile>> StateFile::Open(const std::string& path) {
  auto handle = std::make_unique<Handle>();
  handle->fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (handle->fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open the state file: ", SystemMessage(errno)));
  }
  struct stat info;
  if (::fstat(handle->fd, &info) == 0 && !S_ISREG(info.st_mode)) {
    ::close(handle->fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": the state file is not a regular file"));
  }
  return std::unique_ptr<StateFile>(new StateFile(path, std::move(handle)));
}

StateFile::~StateFile() {
  Unlock();
  ::close(handle_->fd);
}

absl::Status StateFile::Lock() {
  while (::flock(handle_->fd, LOCK_EX) != 0) {
    if (errno != EINTR) return Failed(path_, "cannot lock the state file", SystemMessage(errno));
  }
  handle_->locked = true;
  return absl::OkStatus();
}

void StateFile::Unlock() {
  if (!handle_->locked) return;
  ::flock(handle_->fd, LOCK_UN);
  handle_->locked = false;
}

absl::StatusOr<uint64_t> StateFile::Size() const {
  struct stat info;
  if (::fstat(handle_->fd, &info) != 0) {
    return Failed(path_, "cannot read the state file's size", SystemMessage(errno));
  }
  return static_cast<uint64_t>(info.st_size);
}

absl::StatusOr<std::string> StateFile::ReadFrom(uint64_t offset) const {
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::pread(handle_->fd, buffer, sizeof(buffer), static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Failed(path_, "cannot read the state file", SystemMessage(errno));
    }
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
    offset += static_cast<uint64_t>(got);
  }
  return text;
}

absl::Status StateFile::Append(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(handle_->fd, text.data() + done, text.size() - done);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return Failed(path_, "cannot append to the state file", SystemMessage(errno));
    }
    done += static_cast<size_t>(wrote);
  }
  return absl::OkStatus();
}

uint32_t CurrentProcessId() { return static_cast<uint32_t>(::getpid()); }

bool ProcessIsRunning(uint32_t pid) {
  if (pid == 0 || pid > static_cast<uint32_t>(INT32_MAX)) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

#endif

StateFile::StateFile(std::string path, std::unique_ptr<Handle> handle)
    : path_(std::move(path)), handle_(std::move(handle)) {}

}  // namespace portpool::traces::internal

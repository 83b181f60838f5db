// Workers as POSIX processes (everywhere but Windows; windows_worker_launch.cc
// is the Windows side): posix_spawn with one end of a socket pair as the
// worker's standard input and output. A socket pair rather than two pipes:
// send() with MSG_NOSIGNAL reports a dead worker as an error instead of
// raising SIGPIPE in the whole program.
#ifndef _WIN32

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "portpool/conformance/windows/worker_pool.h"

extern char** environ;

namespace portpool::conformance {
namespace {

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

class PosixWorker final : public WorkerChannel {
 public:
  PosixWorker(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  ~PosixWorker() override { Kill(); }
  PosixWorker(const PosixWorker&) = delete;
  PosixWorker& operator=(const PosixWorker&) = delete;

  absl::Status WriteLine(absl::string_view line) override {
    const std::string text = absl::StrCat(line, "\n");
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return absl::UnavailableError(absl::StrCat("write: ", ErrnoText(errno)));
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ReadLine() override {
    return NextLine(buffer_, [this](std::string& buffer) {
      char chunk[4096];
      ssize_t n = 0;
      do {
        n = ::recv(fd_, chunk, sizeof(chunk), 0);
      } while (n < 0 && errno == EINTR);
      if (n < 0) return absl::UnavailableError(absl::StrCat("read: ", ErrnoText(errno)));
      if (n == 0) return absl::UnavailableError("the worker's output ended (it exited)");
      buffer.append(chunk, static_cast<size_t>(n));
      return absl::OkStatus();
    });
  }

  void Kill() override {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    ::close(fd_);
  }

 private:
  pid_t pid_;
  int fd_;
  std::string buffer_;
};

class PosixLauncher final : public WorkerLauncher {
 public:
  explicit PosixLauncher(std::string program) : program_(std::move(program)) {}

  absl::StatusOr<std::unique_ptr<WorkerChannel>> Launch(const WorkerSpec& spec) override {
    if (spec.restricted_token) {
      return absl::UnimplementedError(
          "a restricted token exists only on Windows; start an unelevated simulator process by "
          "its start-process call instead");
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      return absl::UnavailableError(absl::StrCat("socketpair: ", ErrnoText(errno)));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears close-on-exec on the copies: the worker keeps fds 0 and 1.
    posix_spawn_file_actions_adddup2(&actions, fds[1], 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    std::vector<std::string> args{program_};
    args.insert(args.end(), spec.args.begin(), spec.args.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int error =
        ::posix_spawn(&pid, program_.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (error != 0) {
      ::close(fds[0]);
      return absl::UnavailableError(
          absl::StrCat("cannot start the worker ", program_, ": ", ErrnoText(error)));
    }
    return std::make_unique<PosixWorker>(pid, fds[0]);
  }

 private:
  std::string program_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<WorkerLauncher>> MakeProcessLauncher(std::string program) {
  if (::access(program.c_str(), X_OK) != 0) {  // C4996-safe: never built on Windows
    return absl::NotFoundError(
        absl::StrCat("the worker program ", program, " cannot be run: ", ErrnoText(errno)));
  }
  return std::make_unique<PosixLauncher>(std::move(program));
}

absl::StatusOr<std::string> CurrentProgramPath() {
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot find the running program (/proc/self/exe): ", error.message()));
  }
  return exe.string();
}

}  // namespace portpool::conformance

#endif  // _WIN32

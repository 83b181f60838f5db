// Workers as Windows processes (worker_launch_posix.cc is the other side):
// CreateProcessW, or CreateProcessAsUserW with a restricted token for an
// unelevated worker, anonymous pipes as standard input and output, and one
// job object per launcher with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, so that no
// worker outlives the process that started it.
//
// The unelevated worker. GitHub's runners, and an administrator's elevated
// shell, run with a full administrator token. From it we make what UAC would
// give the same user without elevation: CreateRestrictedToken with
// LUA_TOKEN and DISABLE_MAX_PRIVILEGE (every privilege but
// SeChangeNotifyPrivilege goes), the Administrators group made deny-only,
// and a medium integrity level. CreateProcessAsUserW accepts a restricted
// version of the caller's own primary token without
// SeAssignPrimaryTokenPrivilege ("Restricted Tokens", Microsoft Learn), and,
// unlike CreateProcessWithTokenW (the seclogon service), it lets the worker
// inherit our pipe handles and start suspended inside our job object. The
// worker checks its own token when it starts its process: an unelevated
// start-process fails in a worker that still reads as elevated.
#ifdef _WIN32

#include <windows.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "portpool/conformance/windows/worker_pool.h"

namespace portpool::conformance {
namespace {

std::wstring Wide(const std::string& text) {
  if (text.empty()) return std::wstring();
  const int size =
      ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(size), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), size);
  return wide;
}

std::string Narrow(const std::wstring& text) {
  if (text.empty()) return std::string();
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()),
                                         nullptr, 0, nullptr, nullptr);
  std::string narrow(static_cast<size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), narrow.data(), size,
                        nullptr, nullptr);
  return narrow;
}

absl::Status LastError(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, " failed with error ", ::GetLastError()));
}

// One argument quoted for CommandLineToArgvW / the CRT's parser.
std::wstring Quoted(const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) return arg;
  std::wstring out = L"\"";
  size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    out.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
    backslashes = 0;
    out.push_back(c);
  }
  out.append(backslashes * 2, L'\\');
  out.push_back(L'"');
  return out;
}

class Handle {
 public:
  Handle() = default;
  explicit Handle(HANDLE h) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
  Handle(Handle&& other) noexcept : h_(other.h_) { other.h_ = nullptr; }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      Close();
      h_ = other.h_;
      other.h_ = nullptr;
    }
    return *this;
  }
  ~Handle() { Close(); }
  HANDLE get() const { return h_; }
  HANDLE* out() { return &h_; }
  void Close() {
    if (h_ != nullptr) ::CloseHandle(h_);
    h_ = nullptr;
  }

 private:
  HANDLE h_ = nullptr;
};

// A restricted, medium-integrity copy of this process's token (see above).
absl::StatusOr<Handle> RestrictedToken() {
  Handle own;
  if (!::OpenProcessToken(::GetCurrentProcess(),
                          TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY |
                              TOKEN_ADJUST_DEFAULT | TOKEN_ADJUST_SESSIONID,
                          own.out())) {
    return LastError("OpenProcessToken");
  }
  SID_IDENTIFIER_AUTHORITY nt_authority = SECURITY_NT_AUTHORITY;
  PSID administrators = nullptr;
  if (!::AllocateAndInitializeSid(&nt_authority, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                  DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &administrators)) {
    return LastError("AllocateAndInitializeSid(Administrators)");
  }
  SID_AND_ATTRIBUTES deny_only{};
  deny_only.Sid = administrators;
  Handle restricted;
  const BOOL made = ::CreateRestrictedToken(own.get(), DISABLE_MAX_PRIVILEGE | LUA_TOKEN, 1,
                                            &deny_only, 0, nullptr, 0, nullptr, restricted.out());
  const DWORD made_error = ::GetLastError();
  ::FreeSid(administrators);
  if (!made) {
    return absl::UnavailableError(
        absl::StrCat("CreateRestrictedToken failed with error ", made_error));
  }
  SID_IDENTIFIER_AUTHORITY label_authority = SECURITY_MANDATORY_LABEL_AUTHORITY;
  PSID medium = nullptr;
  if (!::AllocateAndInitializeSid(&label_authority, 1, SECURITY_MANDATORY_MEDIUM_RID, 0, 0, 0, 0, 0,
                                  0, 0, &medium)) {
    return LastError("AllocateAndInitializeSid(medium integrity)");
  }
  TOKEN_MANDATORY_LABEL label{};
  label.Label.Sid = medium;
  label.Label.Attributes = SE_GROUP_INTEGRITY;
  const BOOL labelled =
      ::SetTokenInformation(restricted.get(), TokenIntegrityLevel, &label,
                            static_cast<DWORD>(sizeof(label) + ::GetLengthSid(medium)));
  const DWORD label_error = ::GetLastError();
  ::FreeSid(medium);
  if (!labelled) {
    return absl::UnavailableError(absl::StrCat(
        "SetTokenInformation(TokenIntegrityLevel, medium) failed with error ", label_error));
  }
  return restricted;
}

class WindowsWorker final : public WorkerChannel {
 public:
  WindowsWorker(Handle process, Handle in, Handle out)
      : process_(std::move(process)), in_(std::move(in)), out_(std::move(out)) {}
  ~WindowsWorker() override { Kill(); }

  absl::Status WriteLine(absl::string_view line) override {
    const std::string text = absl::StrCat(line, "\n");
    size_t done = 0;
    while (done < text.size()) {
      DWORD n = 0;
      if (!::WriteFile(in_.get(), text.data() + done, static_cast<DWORD>(text.size() - done), &n,
                       nullptr) ||
          n == 0) {
        return LastError("WriteFile to the worker");
      }
      done += n;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ReadLine() override {
    return NextLine(buffer_, [this](std::string& buffer) {
      char chunk[4096];
      DWORD n = 0;
      if (!::ReadFile(out_.get(), chunk, sizeof(chunk), &n, nullptr) || n == 0) {
        const DWORD error = ::GetLastError();
        if (error == ERROR_BROKEN_PIPE || n == 0) {
          return absl::UnavailableError("the worker's output ended (it exited)");
        }
        return absl::UnavailableError(absl::StrCat("ReadFile from the worker: error ", error));
      }
      buffer.append(chunk, n);
      return absl::OkStatus();
    });
  }

  void Kill() override {
    if (process_.get() == nullptr) return;
    ::TerminateProcess(process_.get(), 1);
    ::WaitForSingleObject(process_.get(), INFINITE);
    process_.Close();
    in_.Close();
    out_.Close();
  }

 private:
  Handle process_;
  Handle in_;   // the worker's standard input (we write)
  Handle out_;  // the worker's standard output (we read)
  std::string buffer_;
};

class WindowsLauncher final : public WorkerLauncher {
 public:
  WindowsLauncher(std::wstring program, Handle job)
      : program_(std::move(program)), job_(std::move(job)) {}

  absl::StatusOr<std::unique_ptr<WorkerChannel>> Launch(const WorkerSpec& spec) override {
    // Our ends are not inheritable; the worker's ends are, and are closed
    // here right after the start, so no other worker inherits them.
    SECURITY_ATTRIBUTES inherit{};
    inherit.nLength = sizeof(inherit);
    inherit.bInheritHandle = TRUE;
    Handle child_in, parent_in, parent_out, child_out;
    if (!::CreatePipe(child_in.out(), parent_in.out(), &inherit, 0) ||
        !::CreatePipe(parent_out.out(), child_out.out(), &inherit, 0)) {
      return LastError("CreatePipe");
    }
    ::SetHandleInformation(parent_in.get(), HANDLE_FLAG_INHERIT, 0);
    ::SetHandleInformation(parent_out.get(), HANDLE_FLAG_INHERIT, 0);
    Handle child_err;
    if (!::DuplicateHandle(::GetCurrentProcess(), ::GetStdHandle(STD_ERROR_HANDLE),
                           ::GetCurrentProcess(), child_err.out(), 0, TRUE,
                           DUPLICATE_SAME_ACCESS)) {
      child_err = Handle();  // no standard error to share: the worker has none
    }

    std::wstring command = Quoted(program_);
    for (const std::string& arg : spec.args) command += L" " + Quoted(Wide(arg));
    STARTUPINFOW startup{};
    startup.cb = sizeof(startup);
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = child_in.get();
    startup.hStdOutput = child_out.get();
    startup.hStdError = child_err.get();
    PROCESS_INFORMATION info{};
    // Suspended until it is in the job; no console of its own to share with
    // a process of another integrity level.
    const DWORD flags = CREATE_SUSPENDED | CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT;
    BOOL started = FALSE;
    if (spec.restricted_token) {
      absl::StatusOr<Handle> token = RestrictedToken();
      if (!token.ok()) return token.status();
      started = ::CreateProcessAsUserW(token->get(), program_.c_str(), command.data(), nullptr,
                                       nullptr, TRUE, flags, nullptr, nullptr, &startup, &info);
    } else {
      started = ::CreateProcessW(program_.c_str(), command.data(), nullptr, nullptr, TRUE, flags,
                                 nullptr, nullptr, &startup, &info);
    }
    if (!started) {
      return LastError(
          absl::StrCat(spec.restricted_token ? "CreateProcessAsUserW" : "CreateProcessW", " of ",
                       Narrow(program_)));
    }
    Handle process(info.hProcess);
    Handle thread(info.hThread);
    if (!::AssignProcessToJobObject(job_.get(), process.get())) {
      const absl::Status status = LastError("AssignProcessToJobObject");
      ::TerminateProcess(process.get(), 1);
      return status;
    }
    ::ResumeThread(thread.get());
    return std::make_unique<WindowsWorker>(std::move(process), std::move(parent_in),
                                           std::move(parent_out));
  }

 private:
  std::wstring program_;
  Handle job_;  // closing it ends every worker still in it
};

}  // namespace

absl::StatusOr<std::unique_ptr<WorkerLauncher>> MakeProcessLauncher(std::string program) {
  const std::wstring wide = Wide(program);
  if (::GetFileAttributesW(wide.c_str()) == INVALID_FILE_ATTRIBUTES) {
    return absl::NotFoundError(
        absl::StrCat("the worker program ", program, " cannot be run: error ", ::GetLastError()));
  }
  Handle job(::CreateJobObjectW(nullptr, nullptr));
  if (job.get() == nullptr) return LastError("CreateJobObjectW");
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!::SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation, &limits,
                                 sizeof(limits))) {
    return LastError("SetInformationJobObject(JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)");
  }
  return std::make_unique<WindowsLauncher>(wide, std::move(job));
}

absl::StatusOr<std::string> CurrentProgramPath() {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (n == 0) return LastError("GetModuleFileNameW");
    if (n < path.size()) {
      path.resize(n);
      return Narrow(path);
    }
    path.resize(path.size() * 2);
  }
}

}  // namespace portpool::conformance

#endif  // _WIN32

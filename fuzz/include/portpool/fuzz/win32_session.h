// Raw Win32 calls from fuzzer bytes, run through ModelApi: the Win32-surface
// target checks each answer, `portpool from-fuzz --target win32` writes the
// trace.
//
// The bytes choose the function and its raw arguments the way a careless
// Windows program might pass them: StartPort converted with htons or not
// (BYTE-ORDER), null Token pointers, null or short buffers and lengths,
// socket handles of other processes, closed ones, 0 and INVALID_SOCKET,
// made-up tokens, unknown ioctl codes, overlapped pointers, other address
// families. Several processes each have their own ModelApi; reboots,
// process ends and dynamic ranges run on the Machine between the calls.
//
// For every raw call the session also says what the surface must do with
// it, as docs/semantics.md (3.6, W32-*) describes the surface: either pass
// one model Call on (then the answer must be one the model allows for it),
// or answer by itself with one error code (then the Machine must not change).
//
//   Win32Session session(data, size);
//   while (std::optional<Win32Call> call = session.Next()) {
//     Machine before = session.machine();
//     Win32Answer answer = session.Run(*call);
//     ... check answer against before.Expect(*call->model_call) ...
//   }
#ifndef PORTPOOL_FUZZ_WIN32_SESSION_H_
#define PORTPOOL_FUZZ_WIN32_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "portpool/call.h"
#include "portpool/error.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"
#include "portpool/traces/record.h"
#include "portpool/traces/trace.h"
#include "portpool/win32.h"

class FuzzedDataProvider;

namespace portpool::fuzz {

enum class Function : uint8_t {
  // Environment controls, run on the Machine.
  kStartProcess,
  kEndProcess,
  kReboot,
  kSetDynamicRange,
  // The Api.
  kCreate,
  kLookup,
  kDelete,
  kSocket,
  kCloseSocket,
  kBind,
  kGetSockName,
  kIoctl,
};

// One raw call, with every argument as the caller passes it.
struct Win32Call {
  Function function = Function::kStartProcess;
  ProcessId process;  // whose ModelApi makes the call
  // Environment controls: the call itself.
  std::optional<Call> control;
  // Persistent functions.
  Protocol protocol = Protocol::kTcp;
  win32::USHORT start_port = 0;  // as passed: network order, or not
  win32::USHORT count = 0;
  bool null_token = false;
  bool raw_port = false;  // start_port / sin_port is host order by mistake
  // socket().
  int af = 0, type = 0, ip_protocol = 0;
  // Socket calls.
  win32::SOCKET handle = 0;
  // bind's and getsockname's address: null, or `name_size` bytes holding a
  // sockaddr of `name_family` and port `name_port` (as passed).
  bool null_name = false;
  bool null_namelen = false;
  int name_size = 0;
  int name_family = 0;
  win32::USHORT name_port = 0;
  // WSAIoctl.
  win32::DWORD code = 0;
  std::optional<std::vector<uint8_t>> in;  // null, or the buffer's bytes
  std::optional<uint32_t> out_size;        // null, or the buffer's size
  bool null_bytes_returned = false;
  bool overlapped = false;
  bool completion_routine = false;

  // What the surface must do with it (see the header comment).
  std::optional<Call> model_call;
  Error surface_error = Error::kNoError;
  std::string surface_rule;  // the W32-* rule that decides surface_error
  // The call as C, for messages and the trace: "p1 bind(s3, NULL, 16)".
  std::string text;
};

// What the Api answered, in model terms.
struct Win32Answer {
  // The error from the return value or WSAGetLastError; the token, block,
  // port or socket read back from the caller's buffers.
  Outcome outcome;
  // ModelApi::last_status() after the call (not OK: the model refused the
  // call as malformed, W32-PROCESS-ENDED).
  absl::Status status;
  // WSAIoctl's *lpcbBytesReturned, when the pointer was not null.
  std::optional<win32::DWORD> bytes_returned;
};

class Win32Session {
 public:
  // The bytes must outlive the session. The first byte seeds the Machine.
  Win32Session(const uint8_t* data, size_t size);
  ~Win32Session();

  // The next raw call, or nullopt when the input is used up.
  std::optional<Win32Call> Next();
  // Makes the call (through the caller's ModelApi, or on the Machine for a
  // control) and records it in the trace.
  Win32Answer Run(const Win32Call& call);

  const Machine& machine() const { return machine_; }
  traces::Trace trace() const;

 private:
  win32::SOCKET PickHandle(ProcessId process);
  win32::USHORT PickStartPort(bool* raw);
  Token PickToken();
  win32::ModelApi& ApiOf(ProcessId process);
  void Translate(Win32Call& call) const;

  std::unique_ptr<FuzzedDataProvider> bytes_;
  Machine machine_;
  std::map<ProcessId, std::unique_ptr<win32::ModelApi>> apis_;
  std::vector<ProcessId> processes_ever_;
  std::vector<win32::SOCKET> handles_ever_;
  std::vector<Token> tokens_seen_;
  size_t calls_ = 0;
  traces::TraceRecorder recorder_;
};

// Runs the whole input and returns its trace.
traces::Trace Win32SessionTrace(const uint8_t* data, size_t size);

}  // namespace portpool::fuzz

#endif  // PORTPOOL_FUZZ_WIN32_SESSION_H_

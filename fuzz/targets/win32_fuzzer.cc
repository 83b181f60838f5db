// libFuzzer target: the Win32 surface. The bytes become raw calls of
// ModelApi (win32_session.h): ports converted with htons or not, null
// pointers, short, long and null buffers, other processes' sockets, closed
// and made-up handles, unknown ioctl codes, overlapped pointers. For every
// call, what the surface answers must be what docs/semantics.md (3.6) says:
//   - a call the surface passes on: its answer, read back from the return
//     value, WSAGetLastError and the caller's buffers, must be one the model
//     allows in the state before the call (Machine::Expect and Check); a call
//     from an ended process must give ERROR_INVALID_HANDLE or WSAENOTSOCK and
//     a reason in last_status() (W32-PROCESS-ENDED);
//   - a call the surface answers itself (W32-SOCKET-ARGS, W32-NULL-POINTER,
//     W32-OVERLAPPED, W32-UNKNOWN-IOCTL): that error, and the Machine
//     unchanged;
//   - no read or write past a buffer the caller passed (AddressSanitizer:
//     every buffer is allocated at exactly the size passed), and
//     *lpcbBytesReturned is the size written;
// and the model's invariants hold after every call.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "portpool/fuzz/win32_session.h"
#include "testing/agreement.h"
#include "testing/finding.h"
#include "testing/model_invariants.h"

namespace {

using portpool::Error;
using portpool::fuzz::Function;

bool IsPersistent(Function f) {
  return f == Function::kCreate || f == Function::kLookup || f == Function::kDelete;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using portpool::fuzz::testing::ReportFinding;
  portpool::fuzz::Win32Session session(data, size);
  while (std::optional<portpool::fuzz::Win32Call> call = session.Next()) {
    const portpool::Machine before = session.machine();
    std::optional<absl::StatusOr<portpool::Expectation>> expectation;
    if (call->model_call && !call->control) expectation = before.Expect(*call->model_call);
    const portpool::fuzz::Win32Answer answer = session.Run(*call);
    auto fail = [&](const std::string& what) {
      ReportFinding("win32", data, size,
                    absl::StrCat(what, "\nat raw call: ", call->text,
                                 "\nanswered: ", portpool::DescribeOutcome(answer.outcome),
                                 answer.status.ok() ? "" : " (status: ",
                                 answer.status.ok() ? "" : answer.status.message(),
                                 answer.status.ok() ? "" : ")"));
    };
    if (expectation && !expectation->ok()) {
      // W32-PROCESS-ENDED.
      const Error want = IsPersistent(call->function) ? Error::kInvalidHandle : Error::kWsaEnotsock;
      if (answer.status.ok() || answer.outcome.error != want) {
        fail(absl::StrCat("the model refuses the call (", expectation->status().message(),
                          "), so the surface must answer ", portpool::ErrorName(want),
                          " and keep the reason in last_status() [W32-PROCESS-ENDED]"));
      }
    } else if (expectation) {
      if (!answer.status.ok()) fail("the surface reports the call malformed; the model does not");
      const portpool::Verdict verdict = before.Check(**expectation, answer.outcome);
      if (!verdict.conforms) {
        fail(absl::StrCat("the model does not allow the surface's answer to ",
                          portpool::DescribeCall(*call->model_call), ": ", verdict.explanation));
      }
    } else if (!call->control) {
      if (answer.outcome.error != call->surface_error) {
        fail(absl::StrCat("the surface must answer ", portpool::ErrorName(call->surface_error),
                          " itself [", call->surface_rule, "]"));
      }
      if (std::string changed = portpool::testing::CompareMachines(before, session.machine());
          !changed.empty()) {
        fail(absl::StrCat("a call the surface answers itself changed the machine: ", changed));
      }
    }
    if (answer.bytes_returned && answer.outcome.ok()) {
      const uint32_t want = std::holds_alternative<portpool::call::Acquire>(*call->model_call)
                                ? sizeof(portpool::win32::INET_PORT_RESERVATION_INSTANCE)
                                : 0;
      if (*answer.bytes_returned != want) {
        fail(absl::StrCat("*lpcbBytesReturned is ", *answer.bytes_returned, ", not ", want));
      }
    }
    if (std::string broken = portpool::testing::CheckInvariants(session.machine());
        !broken.empty()) {
      fail(absl::StrCat("invariant broken: ", broken));
    }
  }
  return 0;
}

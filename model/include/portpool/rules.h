// The rule catalogue: every behaviour the model enforces, with a stable ID.
//
// A rule ID is the thread through the project: docs/semantics.md states the
// rule and its source, the model names it where it decides an answer, tests
// and traces cite it, and verdicts and coverage tables count it. IDs never
// change meaning; a rule that is withdrawn keeps its ID retired.
#ifndef PORTPOOL_RULES_H_
#define PORTPOOL_RULES_H_

#include <span>

#include "absl/strings/string_view.h"

namespace portpool {

using RuleId = absl::string_view;

// How well a rule is grounded. kUnknown rules are where the model is loose:
// they allow every plausible answer rather than guessing one.
enum class Evidence { kDocumented, kObserved, kInferred, kUnknown, kModel };
absl::string_view EvidenceName(Evidence e);

struct Rule {
  RuleId id;
  Evidence evidence;
  absl::string_view summary;  // one line, the model's behaviour
  absl::string_view source;   // source tags as listed in docs/semantics.md
};

// Every rule, in catalogue order.
std::span<const Rule> RuleCatalogue();
// The rule with this ID, or nullptr.
const Rule* FindRule(absl::string_view id);

namespace rules {
// Persistent reservations (iphlpapi).
inline constexpr RuleId kCreateElevation = "P-CREATE-ELEVATION";
inline constexpr RuleId kCreateZero = "P-CREATE-ZERO";
inline constexpr RuleId kCreatePastMax = "P-CREATE-PAST-MAX";
inline constexpr RuleId kCreateOverlap = "P-CREATE-OVERLAP";
inline constexpr RuleId kCreateRuntime = "P-CREATE-RUNTIME";
inline constexpr RuleId kCreateInUse = "P-CREATE-INUSE";
inline constexpr RuleId kCreateOk = "P-CREATE-OK";
inline constexpr RuleId kCreateNullToken = "P-CREATE-NULL-TOKEN";
inline constexpr RuleId kErrorOrder = "P-ERROR-ORDER";
inline constexpr RuleId kLookupZero = "P-LOOKUP-ZERO";
inline constexpr RuleId kLookupExact = "P-LOOKUP-EXACT";
inline constexpr RuleId kLookupToken = "P-LOOKUP-TOKEN";
inline constexpr RuleId kLookupElevation = "P-LOOKUP-ELEVATION";
inline constexpr RuleId kLookupPastMax = "P-LOOKUP-PAST-MAX";
inline constexpr RuleId kLookupNullToken = "P-LOOKUP-NULL-TOKEN";
inline constexpr RuleId kDeleteElevation = "P-DELETE-ELEVATION";
inline constexpr RuleId kDeleteZero = "P-DELETE-ZERO";
inline constexpr RuleId kDeleteExact = "P-DELETE-EXACT";
inline constexpr RuleId kDeleteOk = "P-DELETE-OK";
inline constexpr RuleId kDeletePastMax = "P-DELETE-PAST-MAX";
inline constexpr RuleId kDeleteInUse = "P-DELETE-INUSE";
inline constexpr RuleId kDeleteRuntime = "P-DELETE-RUNTIME";
inline constexpr RuleId kActiveStore = "P-ACTIVE-STORE";
// Pools, byte order, tokens, reboots, processes, the dynamic range.
inline constexpr RuleId kPoolPerProtocol = "POOL-PER-PROTOCOL";
inline constexpr RuleId kByteOrder = "BYTE-ORDER";
inline constexpr RuleId kTokenUnique = "TOKEN-UNIQUE";
inline constexpr RuleId kTokenReboot = "TOKEN-REBOOT";
inline constexpr RuleId kRebootKeepsPersistent = "REBOOT-KEEPS-PERSISTENT";
inline constexpr RuleId kRebootEndsProcesses = "REBOOT-ENDS-PROCESSES";
inline constexpr RuleId kProcessStart = "PROCESS-START";
inline constexpr RuleId kProcessEnd = "PROCESS-END";
inline constexpr RuleId kDynamicRangeDefault = "DYN-RANGE-DEFAULT";
inline constexpr RuleId kDynamicRangeSet = "DYN-RANGE-SET";
inline constexpr RuleId kDynamicRangeInvalid = "DYN-RANGE-INVALID";
inline constexpr RuleId kDynamicRangeFamily = "DYN-RANGE-FAMILY";
inline constexpr RuleId kDynamicRangeSeeded = "DYN-RANGE-SEEDED";
inline constexpr RuleId kRebootDropsActive = "REBOOT-DROPS-ACTIVE";
inline constexpr RuleId kRebootEnvironmentReplaced = "REBOOT-ENV-REPLACED";
// Sockets.
inline constexpr RuleId kSocketOpen = "SOCK-OPEN";
inline constexpr RuleId kSocketNotSocket = "SOCK-NOTSOCK";
inline constexpr RuleId kSocketClose = "SOCK-CLOSE";
// Runtime reservations (SIO_*_PORT_RESERVATION).
inline constexpr RuleId kIoctlInputBuffer = "R-IOCTL-INBUF";
inline constexpr RuleId kIoctlOutputBuffer = "R-IOCTL-OUTBUF";
inline constexpr RuleId kAcquireOutputBuffer = "R-ACQUIRE-OUTBUF";
inline constexpr RuleId kAcquireSpecific = "R-ACQUIRE-SPECIFIC";
inline constexpr RuleId kAcquireOverlap = "R-ACQUIRE-OVERLAP";
inline constexpr RuleId kAcquireInUse = "R-ACQUIRE-INUSE";
inline constexpr RuleId kAcquireOtherProtocol = "R-ACQUIRE-OTHER-PROTOCOL";
inline constexpr RuleId kAcquireOtherFamily = "R-ACQUIRE-OTHER-FAMILY";
inline constexpr RuleId kAcquireBound = "R-ACQUIRE-BOUND";
inline constexpr RuleId kAcquireWildcard = "R-ACQUIRE-WILDCARD";
inline constexpr RuleId kAcquireExhausted = "R-ACQUIRE-EXHAUSTED";
inline constexpr RuleId kAcquireZeroCount = "R-ACQUIRE-ZERO-COUNT";
inline constexpr RuleId kAcquirePastMax = "R-ACQUIRE-PAST-MAX";
inline constexpr RuleId kReleaseOk = "R-RELEASE-OK";
inline constexpr RuleId kReleaseOtherSocket = "R-RELEASE-OTHER-SOCKET";
inline constexpr RuleId kReleaseInvalid = "R-RELEASE-INVALID";
inline constexpr RuleId kAssociatePersistent = "R-ASSOC-PERSISTENT";
inline constexpr RuleId kAssociateElevation = "R-ASSOC-ELEVATION";
inline constexpr RuleId kAssociateRuntime = "R-ASSOC-RUNTIME";
inline constexpr RuleId kAssociateInvalid = "R-ASSOC-INVALID";
inline constexpr RuleId kAssociateAfterBind = "R-ASSOC-AFTER-BIND";
inline constexpr RuleId kAssociateUnlearned = "R-ASSOC-UNLEARNED";
inline constexpr RuleId kAssociateTwice = "R-ASSOC-TWICE";
// bind and getsockname.
inline constexpr RuleId kBindTwice = "B-BIND-TWICE";
inline constexpr RuleId kBindInUse = "B-BIND-INUSE";
inline constexpr RuleId kBindOtherFamily = "B-BIND-FAMILY";
inline constexpr RuleId kBindRuntimeOther = "B-BIND-RUNTIME-OTHER";
inline constexpr RuleId kBindRuntimeOtherFamily = "B-BIND-RUNTIME-FAMILY";
inline constexpr RuleId kBindRuntimeOwn = "B-BIND-RUNTIME-OWN";
inline constexpr RuleId kBindPersistent = "B-BIND-PERSISTENT";
inline constexpr RuleId kBindSpecific = "B-BIND-SPECIFIC";
inline constexpr RuleId kBindEphemeral = "B-BIND-EPHEMERAL";
inline constexpr RuleId kBindEphemeralExhausted = "B-BIND-EPHEMERAL-EXHAUSTED";
inline constexpr RuleId kBindEphemeralOtherProtocol = "B-BIND-EPHEMERAL-OTHER-PROTOCOL";
inline constexpr RuleId kBindEphemeralOtherFamily = "B-BIND-EPHEMERAL-OTHER-FAMILY";
inline constexpr RuleId kBindAssociatedAny = "B-BIND-ASSOC-ZERO";
inline constexpr RuleId kBindAssociatedFull = "B-BIND-ASSOC-FULL";
inline constexpr RuleId kBindAssociatedSpecific = "B-BIND-ASSOC-SPECIFIC";
inline constexpr RuleId kBindAssociatedOutside = "B-BIND-ASSOC-OUTSIDE";
inline constexpr RuleId kBindAssociatedGone = "B-BIND-ASSOC-GONE";
inline constexpr RuleId kGetSockName = "B-GETSOCKNAME";
// Reservations that no process of the run made (HNS, WinNAT, netsh).
inline constexpr RuleId kEnvironmentRuntime = "ENV-RUNTIME-BLOCK";
inline constexpr RuleId kEnvironmentActive = "ENV-ACTIVE-EXCLUSION";
inline constexpr RuleId kEnvironmentPersistent = "ENV-PERSISTENT-BLOCK";
// The Win32-shaped surface of the model itself (not claims about Windows).
inline constexpr RuleId kSurfaceOverlapped = "W32-OVERLAPPED";
inline constexpr RuleId kSurfaceUnknownIoctl = "W32-UNKNOWN-IOCTL";
inline constexpr RuleId kSurfaceSocketArgs = "W32-SOCKET-ARGS";
inline constexpr RuleId kSurfaceSocketUnspecified = "W32-SOCKET-UNSPECIFIED";
inline constexpr RuleId kSurfaceProcessEnded = "W32-PROCESS-ENDED";
inline constexpr RuleId kSurfaceNullPointer = "W32-NULL-POINTER";
}  // namespace rules

}  // namespace portpool

#endif  // PORTPOOL_RULES_H_

#include "portpool/rules.h"

#include <algorithm>
#include <array>

namespace portpool {
namespace {

using E = Evidence;
namespace r = rules;

// Source tags (D1..D8, KB..., OBS-...) are explained in docs/semantics.md.
constexpr std::array kCatalogue = {
    Rule{r::kCreateElevation, E::kDocumented,
         "Create by a process that is not an elevated administrator fails with "
         "ERROR_ACCESS_DENIED.",
         "D1, D4"},
    Rule{r::kCreateZero, E::kDocumented,
         "Create with StartPort 0 or NumberOfPorts 0 fails with ERROR_INVALID_PARAMETER.",
         "D1, D4"},
    Rule{r::kCreatePastMax, E::kDocumented,
         "Create of a block whose last port would be above 65535 fails with "
         "ERROR_INVALID_PARAMETER.",
         "D1, D4 (the limit 65535 is inferred, Q2)"},
    Rule{r::kCreateOverlap, E::kDocumented,
         "Create of a block equal to or overlapping a persistent block of the same protocol fails "
         "with ERROR_SHARING_VIOLATION.",
         "D1, D4; OBS-EXCHANGE"},
    Rule{r::kCreateRuntime, E::kObserved,
         "Create of a block overlapping a runtime block of the same protocol fails with "
         "ERROR_SHARING_VIOLATION.",
         "OBS-WINNAT"},
    Rule{r::kCreateInUse, E::kDocumented,
         "Create of a block containing a port bound by a socket of the same protocol fails with "
         "ERROR_SHARING_VIOLATION.",
         "D1, D4; OBS-BIGFIX"},
    Rule{r::kCreateOk, E::kDocumented,
         "Otherwise Create succeeds and returns a token that is not 0 and not the token of any "
         "live reservation.",
         "D1, D4, H1"},
    Rule{r::kCreateNullToken, E::kUnknown,
         "Create with a null Token pointer: ERROR_INVALID_PARAMETER, ERROR_NOACCESS, or success "
         "without a token written.",
         "unknown (U1)"},
    Rule{r::kErrorOrder, E::kUnknown,
         "When several error rules apply to one call, any one of their codes may be returned.",
         "unknown (U2)"},
    Rule{r::kLookupZero, E::kDocumented,
         "Lookup with StartPort 0 or NumberOfPorts 0 fails with ERROR_INVALID_PARAMETER.", "D3"},
    Rule{r::kLookupExact, E::kDocumented,
         "Lookup finds only a persistent block with exactly that start and count; anything else "
         "is ERROR_NOT_FOUND.",
         "D3"},
    Rule{r::kLookupToken, E::kDocumented,
         "Within one boot, Lookup returns the token that Create returned.", "D3; OBS-VANARA"},
    Rule{r::kLookupElevation, E::kUnknown,
         "Lookup by a non-elevated process: ERROR_ACCESS_DENIED or the elevated answer.",
         "unknown (U3); D3 lists no access error"},
    Rule{r::kLookupPastMax, E::kUnknown,
         "Lookup of a block past 65535: ERROR_INVALID_PARAMETER or ERROR_NOT_FOUND.",
         "unknown (U4)"},
    Rule{r::kLookupNullToken, E::kUnknown,
         "Lookup with a null Token pointer: ERROR_INVALID_PARAMETER, ERROR_NOACCESS, or the "
         "non-null answer without a token written.",
         "unknown (U1)"},
    Rule{r::kDeleteElevation, E::kDocumented,
         "Delete by a process that is not an elevated administrator fails with "
         "ERROR_ACCESS_DENIED.",
         "D2"},
    Rule{r::kDeleteZero, E::kDocumented,
         "Delete with StartPort 0 or NumberOfPorts 0 fails with ERROR_INVALID_PARAMETER.", "D2"},
    Rule{r::kDeleteExact, E::kInferred,
         "Delete finds only a persistent block with exactly that start and count; anything else "
         "is ERROR_NOT_FOUND.",
         "D2 (wording), D3 (by analogy)"},
    Rule{r::kDeleteOk, E::kDocumented,
         "Delete of an existing persistent block succeeds and frees its ports for new "
         "reservations.",
         "D2"},
    Rule{r::kDeletePastMax, E::kUnknown,
         "Delete of a block past 65535: ERROR_INVALID_PARAMETER or ERROR_NOT_FOUND.",
         "unknown (U4)"},
    Rule{r::kDeleteInUse, E::kUnknown,
         "Delete of a persistent block while sockets hold ports bound from it: success (the "
         "sockets keep their ports) or ERROR_SHARING_VIOLATION.",
         "unknown (U5)"},
    Rule{r::kDeleteRuntime, E::kUnknown,
         "Delete naming exactly a runtime block: ERROR_NOT_FOUND or ERROR_ACCESS_DENIED; the "
         "block stays.",
         "OBS-NETSH-DELETE; code unknown (U5)"},
    Rule{r::kPoolPerProtocol, E::kObserved,
         "TCP and UDP keep separate pools; IPv4 and IPv6 share their protocol's pool of "
         "reservations.",
         "D1, D4; OBS-BIGFIX; OBS-FLUENTD"},
    Rule{r::kByteOrder, E::kDocumented,
         "StartPort is network order at the Win32 surface (in and out), NumberOfPorts host "
         "order; a host-order StartPort silently names the byte-swapped port.",
         "D1-D5; OBS-VANARA; OBS-MSQUIC-2017"},
    Rule{r::kTokenUnique, E::kDocumented,
         "A token is never 0 and never shared by two live reservations.", "D1, H1"},
    Rule{r::kTokenReboot, E::kDocumented,
         "After a reboot a persistent reservation's token may differ: the model accepts any "
         "unique token at the first Lookup; the simulator always issues a fresh one.",
         "D1, D3"},
    Rule{r::kRebootKeepsPersistent, E::kDocumented,
         "A reboot keeps every persistent block, exactly as it was.", "D1, D4; OBS-BIGFIX"},
    Rule{r::kRebootEndsProcesses, E::kInferred,
         "A reboot ends every process: every socket closes and every runtime block is gone.",
         "D5 (lifetime = socket)"},
    Rule{r::kProcessStart, E::kModel,
         "Starting a process gives a new process, elevated administrator or not.", "model"},
    Rule{r::kProcessEnd, E::kDocumented,
         "Ending a process closes all its sockets, with what closing a socket frees.",
         "D5 (lifetime = socket)"},
    Rule{r::kDynamicRangeDefault, E::kDocumented,
         "The dynamic port range of each protocol starts at 49152 with 16384 ports.", "KB-DYNAMIC"},
    Rule{r::kDynamicRangeSet, E::kDocumented,
         "The dynamic range can be set (netsh set dynamicport) to start >= 1025, >= 255 ports, "
         "ending at or below 65535; it changes only later allocations.",
         "KB-DYNAMIC"},
    Rule{r::kDynamicRangeInvalid, E::kDocumented,
         "A dynamic range outside those limits is refused with ERROR_INVALID_PARAMETER.",
         "KB-DYNAMIC"},
    Rule{r::kSocketOpen, E::kDocumented,
         "socket() opens a TCP or UDP socket, IPv4 or IPv6, unbound.", "WS-SOCKET"},
    Rule{r::kSocketNotSocket, E::kDocumented,
         "A call on a socket that is not open in the calling process fails with WSAENOTSOCK.",
         "WS-GENERIC"},
    Rule{r::kSocketClose, E::kDocumented,
         "Closing a socket frees its bound port and every runtime block acquired on it.", "D5"},
    Rule{r::kIoctlInputBuffer, E::kUnknown,
         "A port-reservation ioctl whose input buffer is missing or too small fails with "
         "WSAEINVAL or WSAEFAULT.",
         "D5-D7 (generic table); which code is unknown"},
    Rule{r::kAcquireOutputBuffer, E::kDocumented,
         "SIO_ACQUIRE_PORT_RESERVATION with an output buffer under 16 bytes fails with "
         "WSAEINVAL and returns 0 bytes.",
         "D5"},
    Rule{r::kAcquireSpecific, E::kDocumented,
         "A specific acquire of a clear block succeeds with that block and a new token, with "
         "or without elevation.",
         "D5, D8"},
    Rule{r::kAcquireOverlap, E::kObserved,
         "A specific acquire overlapping a persistent block or any runtime block (any "
         "process) fails with WSAEADDRINUSE.",
         "OBS-MSQUIC-2891, OBS-MSQUIC-5795"},
    Rule{r::kAcquireInUse, E::kInferred,
         "A specific acquire of a block containing a bound port fails with WSAEADDRINUSE.",
         "OBS-MSQUIC-TEST (which call failed is inferred)"},
    Rule{r::kAcquireWildcard, E::kObserved,
         "A wildcard acquire (StartPort 0) gives a block of the requested size inside the "
         "dynamic range, clear of every block and bound port; any such block is allowed.",
         "D5, D8; OBS-HNS, OBS-WINNAT"},
    Rule{r::kAcquireExhausted, E::kUnknown,
         "A wildcard acquire with no such block free fails with WSAENOBUFS, WSAEADDRINUSE or "
         "WSAEINVAL.",
         "OBS-DEMIKERNEL (it fails); code unknown (U6)"},
    Rule{r::kAcquireZeroCount, E::kUnknown,
         "An acquire of 0 ports fails with WSAEINVAL, WSAENOBUFS or WSAEADDRINUSE.",
         "unknown (U6)"},
    Rule{r::kAcquirePastMax, E::kUnknown,
         "A specific acquire running past port 65535 fails with WSAEINVAL, WSAENOBUFS or "
         "WSAEADDRINUSE.",
         "unknown (U6)"},
    Rule{r::kReleaseOk, E::kDocumented,
         "Releasing a runtime token acquired on this socket succeeds and frees the block; ports "
         "already bound from it stay bound.",
         "D7"},
    Rule{r::kReleaseOtherSocket, E::kUnknown,
         "Releasing a runtime token acquired on another socket of the same process: success or "
         "WSAEINVAL, WSAEACCES, WSAEFAULT.",
         "unknown (U7)"},
    Rule{r::kReleaseInvalid, E::kUnknown,
         "Releasing an unknown token, a persistent token or another process's token fails with "
         "WSAEINVAL, WSAEACCES or WSAEFAULT.",
         "D7 (must be the issuing process's); code unknown (U7)"},
    Rule{r::kAssociatePersistent, E::kDocumented,
         "An elevated process may associate an unbound socket with any persistent token of the "
         "socket's protocol.",
         "D1, D6"},
    Rule{r::kAssociateElevation, E::kDocumented,
         "Associating with a persistent token without elevation fails with WSAEACCES.", "D6"},
    Rule{r::kAssociateRuntime, E::kDocumented,
         "Any socket of the acquiring process may associate with its runtime token.",
         "D5, D6; OBS-MSQUIC"},
    Rule{r::kAssociateInvalid, E::kUnknown,
         "Associating with an unknown token, another process's runtime token or another "
         "protocol's token fails with WSAEINVAL, WSAEACCES or WSAEFAULT.",
         "D1 (process security), D6; code unknown (U7)"},
    Rule{r::kAssociateAfterBind, E::kUnknown,
         "Associating a socket that is already bound: WSAEINVAL, WSAEACCES, WSAEFAULT, or "
         "success with no effect.",
         "D6 (must precede bind); code unknown (U7)"},
    Rule{r::kAssociateUnlearned, E::kModel,
         "After a reboot, a token the model has not yet learned may belong to a persistent "
         "block whose new token is not known: success is then allowed too.",
         "D1, D3 (tokens may change)"},
    Rule{r::kBindTwice, E::kDocumented,
         "bind on a socket that is already bound fails with WSAEINVAL.", "WS-BIND"},
    Rule{r::kBindInUse, E::kDocumented,
         "bind to a port bound by another socket of the same protocol and family fails with "
         "WSAEADDRINUSE.",
         "WS-BIND; SO_REUSEADDR sharing out of scope"},
    Rule{r::kBindOtherFamily, E::kUnknown,
         "bind to a port bound only by a socket of the other family: success or WSAEADDRINUSE.",
         "unknown (model does not track dual-stack options)"},
    Rule{r::kBindRuntimeOther, E::kObserved,
         "bind to a specific port inside another process's runtime block fails with "
         "WSAEACCES, even for an administrator.",
         "OBS-WSAEACCES, OBS-ADMIN"},
    Rule{r::kBindRuntimeOtherFamily, E::kUnknown,
         "As B-BIND-RUNTIME-OTHER, but the block was acquired on a socket of the other family: "
         "WSAEACCES or success.",
         "unknown (U8)"},
    Rule{r::kBindRuntimeOwn, E::kUnknown,
         "bind without association to a specific port inside the process's own runtime block: "
         "success or WSAEACCES.",
         "OBS-MSQUIC-2017 (success, pre-RS5); unknown"},
    Rule{r::kBindPersistent, E::kUnknown,
         "bind without association to a specific port inside a persistent block: success or "
         "WSAEACCES.",
         "OBS-MSQUIC-2891, OBS-GO-LISTEN (success); elevation unknown (U9)"},
    Rule{r::kBindSpecific, E::kDocumented,
         "bind to a free specific port outside every block succeeds with that port.", "WS-BIND"},
    Rule{r::kBindEphemeral, E::kObserved,
         "bind to port 0 without association gives a port of the dynamic range that no block "
         "and no binding of the protocol holds.",
         "WS-BIND; OBS-FLUENTD, OBS-QUEQIAO"},
    Rule{r::kBindEphemeralExhausted, E::kObserved,
         "bind to port 0 with no such port left fails with WSAENOBUFS or WSAEADDRINUSE.",
         "OBS-LIBUV (WSAENOBUFS); loose"},
    Rule{r::kBindAssociatedAny, E::kDocumented,
         "bind to port 0 on an associated socket gives a free port of the associated block.",
         "D1, D6"},
    Rule{r::kBindAssociatedFull, E::kUnknown,
         "bind to port 0 on an associated socket whose block has no free port fails with "
         "WSAENOBUFS or WSAEADDRINUSE.",
         "D6 (it fails); code unknown (U10)"},
    Rule{r::kBindAssociatedSpecific, E::kObserved,
         "bind to a free specific port inside the associated block succeeds.", "OBS-MSQUIC"},
    Rule{r::kBindAssociatedOutside, E::kUnknown,
         "bind on an associated socket to a specific port outside its block: WSAEINVAL, "
         "WSAEADDRNOTAVAIL, or the answer an unassociated bind would get.",
         "unknown (U10)"},
    Rule{r::kBindAssociatedGone, E::kUnknown,
         "bind on a socket whose associated block has since been deleted or released: an unbound "
         "port of the old block that no other process now holds in a runtime block of the "
         "socket's family, or WSAENOBUFS, WSAEADDRINUSE, WSAEINVAL.",
         "unknown (U5, U10)"},
    Rule{r::kGetSockName, E::kDocumented,
         "getsockname on a bound socket gives its port; on an unbound one WSAEINVAL.",
         "WS-GETSOCKNAME"},
    Rule{r::kSurfaceOverlapped, E::kModel,
         "The model's WSAIoctl runs synchronously only: a non-null lpOverlapped or completion "
         "routine gets WSAEINVAL.",
         "model limitation"},
    Rule{r::kSurfaceUnknownIoctl, E::kDocumented,
         "WSAIoctl with a control code other than the three port-reservation codes gets "
         "WSAEOPNOTSUPP.",
         "WS-IOCTL; WINE-UNSUPPORTED-TEST"},
    Rule{r::kSurfaceSocketArgs, E::kDocumented,
         "socket() with an address family other than AF_INET/AF_INET6 gets WSAEAFNOSUPPORT; a "
         "type/protocol other than TCP stream or UDP datagram gets WSAEPROTONOSUPPORT.",
         "WS-SOCKET"},
    Rule{r::kSurfaceProcessEnded, E::kModel,
         "A ModelApi whose process has ended (or never started) answers ERROR_INVALID_HANDLE to "
         "iphlpapi calls and WSAENOTSOCK to socket calls; last_status() says why.",
         "model limitation"},
    Rule{r::kSurfaceNullPointer, E::kDocumented,
         "A null or too-short sockaddr, namelen or lpcbBytesReturned pointer gets WSAEFAULT.",
         "WS-BIND, WS-GETSOCKNAME, WS-IOCTL"},
};

}  // namespace

absl::string_view EvidenceName(Evidence e) {
  switch (e) {
    case Evidence::kDocumented:
      return "documented";
    case Evidence::kObserved:
      return "observed";
    case Evidence::kInferred:
      return "inferred";
    case Evidence::kUnknown:
      return "unknown";
    case Evidence::kModel:
      return "model";
  }
  return "?";
}

std::span<const Rule> RuleCatalogue() { return kCatalogue; }

const Rule* FindRule(absl::string_view id) {
  auto it =
      std::find_if(kCatalogue.begin(), kCatalogue.end(), [&](const Rule& r) { return r.id == id; });
  return it == kCatalogue.end() ? nullptr : &*it;
}

}  // namespace portpool

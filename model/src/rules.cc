#include "portpool/rules.h"

#include <algorithm>
#include <array>

namespace portpool {
namespace {

using E = Evidence;
namespace r = rules;

// Source tags (D1..D15, the reference's rule IDs such as LK-4 or OV-8, its
// unknowns U1..U15 and conflicts C1..C3, the model's own unknowns M1..M7,
// KB-..., OBS-...) are explained in docs/semantics.md section 2.
constexpr std::array kCatalogue = {
    Rule{r::kCreateElevation, E::kDocumented,
         "Create by a process that is not an elevated administrator fails with "
         "ERROR_ACCESS_DENIED.",
         "D1, D4; AC-1"},
    Rule{r::kCreateZero, E::kDocumented,
         "Create with StartPort 0 or NumberOfPorts 0 fails with ERROR_INVALID_PARAMETER.",
         "D1, D4; RV-1"},
    Rule{r::kCreatePastMax, E::kDocumented,
         "Create of a block whose last port would be above 65535 fails with "
         "ERROR_INVALID_PARAMETER.",
         "D1, D4; RV-2 (the limit 65535 is inferred, RV-3)"},
    Rule{r::kCreateOverlap, E::kDocumented,
         "Create of a block equal to or overlapping a persistent block of the same protocol fails "
         "with ERROR_SHARING_VIOLATION.",
         "D1, D4; OV-1, OV-2; OBS-EXCHANGE"},
    Rule{r::kCreateRuntime, E::kObserved,
         "Create of a block overlapping a runtime block of the same protocol fails with "
         "ERROR_SHARING_VIOLATION.",
         "OV-4, U9 (code {32}); OBS-WINNAT"},
    Rule{r::kCreateInUse, E::kDocumented,
         "Create of a block containing a port bound by a socket of the same protocol fails with "
         "ERROR_SHARING_VIOLATION.",
         "D1, D4; OV-3; OBS-BIGFIX"},
    Rule{r::kCreateOk, E::kDocumented,
         "Otherwise Create succeeds and returns a token that is not 0 and not the token of any "
         "live reservation of the protocol.",
         "D1, D4, H1; TK-1, TK-2"},
    Rule{r::kCreateNullToken, E::kUnknown,
         "Create with a null Token pointer: ERROR_INVALID_PARAMETER, ERROR_NOACCESS, or success "
         "without a token written.",
         "unknown (M1)"},
    Rule{r::kErrorOrder, E::kUnknown,
         "When several error rules apply to one call, any one of their codes may be returned.",
         "unknown (M2)"},
    Rule{r::kLookupZero, E::kDocumented,
         "Lookup with StartPort 0 or NumberOfPorts 0 fails with ERROR_INVALID_PARAMETER.",
         "D3; LK-2"},
    Rule{r::kLookupExact, E::kDocumented,
         "Lookup finds only a persistent block with exactly that start and count; anything else "
         "is ERROR_NOT_FOUND.",
         "D3; LK-1, LK-5"},
    Rule{r::kLookupToken, E::kDocumented,
         "Within one boot, Lookup returns the token that Create returned.",
         "D3; LK-3, TK-4; OBS-VANARA"},
    Rule{r::kLookupElevation, E::kDocumented,
         "Lookup needs no administrator: a non-elevated caller gets the elevated caller's answer, "
         "never ERROR_ACCESS_DENIED.",
         "D3 (by omission); LK-4, AC-3, U10"},
    Rule{r::kLookupPastMax, E::kUnknown,
         "Lookup of a block past 65535: ERROR_INVALID_PARAMETER or ERROR_NOT_FOUND.",
         "RV-4; unknown (U5)"},
    Rule{r::kLookupNullToken, E::kUnknown,
         "Lookup with a null Token pointer: ERROR_INVALID_PARAMETER, ERROR_NOACCESS, or the "
         "non-null answer without a token written.",
         "unknown (M1)"},
    Rule{r::kDeleteElevation, E::kDocumented,
         "Delete by a process that is not an elevated administrator fails with "
         "ERROR_ACCESS_DENIED.",
         "D2; DL-1, AC-2"},
    Rule{r::kDeleteZero, E::kDocumented,
         "Delete with StartPort 0 or NumberOfPorts 0 fails with ERROR_INVALID_PARAMETER.",
         "D2; DL-2"},
    Rule{r::kDeleteExact, E::kDocumented,
         "Delete finds only a persistent block with exactly that start and count; anything else "
         "is ERROR_NOT_FOUND.",
         "D2, D11; DL-3, DL-4, U6"},
    Rule{r::kDeleteOk, E::kDocumented,
         "Delete of an existing persistent block succeeds and frees its ports for new "
         "reservations.",
         "D2; DL-5, DL-9"},
    Rule{r::kDeletePastMax, E::kUnknown,
         "Delete of a block past 65535: ERROR_INVALID_PARAMETER or ERROR_NOT_FOUND.",
         "RV-4; unknown (U5)"},
    Rule{r::kDeleteInUse, E::kUnknown,
         "Delete of a persistent block while sockets hold ports bound from it: success (the "
         "sockets keep their ports) or ERROR_SHARING_VIOLATION.",
         "DL-8; unknown (U7)"},
    Rule{r::kDeleteRuntime, E::kUnknown,
         "Delete naming exactly a runtime block: ERROR_NOT_FOUND or ERROR_ACCESS_DENIED; the "
         "block stays.",
         "DL-6; OBS-NETSH-DELETE; code unknown (U8)"},
    Rule{r::kActiveStore, E::kUnknown,
         "Lookup or Delete naming a store=active exclusion may also give ERROR_NOT_FOUND: "
         "whether the API sees the active store is unknown.",
         "PS-4, PS-5; unknown (U14)"},
    Rule{r::kPoolPerProtocol, E::kDocumented,
         "TCP and UDP keep separate pools; IPv4 and IPv6 share their protocol's pool of "
         "reservations.",
         "D1, D4; OV-6, OV-7; OBS-BIGFIX; OBS-FLUENTD"},
    Rule{r::kByteOrder, E::kDocumented,
         "StartPort is network order at the Win32 surface (in and out), NumberOfPorts host "
         "order; a host-order StartPort silently names the byte-swapped port.",
         "D1-D5; BO-1..BO-5; OBS-VANARA; OBS-MSQUIC-2017"},
    Rule{r::kTokenUnique, E::kDocumented,
         "A token is never 0 and never shared by two live reservations of one protocol; whether "
         "TCP and UDP share values is unknown, so the model allows it.",
         "D1, H1; TK-1, TK-2; namespace unknown (TK-5, U11)"},
    Rule{r::kTokenReboot, E::kDocumented,
         "After a reboot a persistent reservation's token may differ: the model accepts any "
         "unique token at the first Lookup; the simulator always issues a fresh one.",
         "D1, D3; TK-3, PS-3; U11"},
    Rule{r::kRebootKeepsPersistent, E::kDocumented,
         "A reboot keeps every persistent block, exactly as it was.",
         "D1, D4; PS-1, PS-3; OBS-BIGFIX"},
    Rule{r::kRebootEndsProcesses, E::kInferred,
         "A reboot ends every process: every socket closes and every runtime block is gone.",
         "D5 (lifetime = socket); PS-6"},
    Rule{r::kRebootDropsActive, E::kDocumented, "A reboot removes every store=active exclusion.",
         "D11; PS-4, DL-10"},
    Rule{r::kRebootEnvironmentReplaced, E::kObserved,
         "After a reboot the components that held runtime blocks (WinNAT, HNS) take new ones at "
         "new positions: each is a new environment block; the simulator re-places them.",
         "PS-7; NS-5"},
    Rule{r::kProcessStart, E::kModel,
         "Starting a process gives a new process, elevated administrator or not.", "model"},
    Rule{r::kProcessEnd, E::kDocumented,
         "Ending a process closes all its sockets, with what closing a socket frees.",
         "D5 (lifetime = socket); PS-6"},
    Rule{r::kDynamicRangeDefault, E::kDocumented,
         "The dynamic port range of each protocol and IP version starts at 49152 with 16384 "
         "ports.",
         "KB-DYNAMIC (D12); NS-8"},
    Rule{r::kDynamicRangeSet, E::kDocumented,
         "The dynamic range can be set (netsh set dynamicport) to start >= 1025, >= 255 ports, "
         "ending at or below 65535; it changes only later allocations.",
         "D11, D12; NS-8, NS-10"},
    Rule{r::kDynamicRangeInvalid, E::kDocumented,
         "A dynamic range outside those limits is refused with ERROR_INVALID_PARAMETER.",
         "D11, D12; NS-8"},
    Rule{r::kDynamicRangeFamily, E::kDocumented,
         "Each protocol has one dynamic range per IP version; a socket's bind(0) and wildcard "
         "acquire use the range of its family.",
         "D11, D12; NS-8 (which range a socket uses is inferred)"},
    Rule{r::kDynamicRangeSeeded, E::kModel,
         "A model seeded from a machine takes any range that fits (netsh's limits are for its "
         "set command only).",
         "NS-8, D14; model"},
    Rule{r::kSocketOpen, E::kDocumented,
         "socket() opens a TCP or UDP socket, IPv4 or IPv6, unbound.", "WS-SOCKET"},
    Rule{r::kSocketNotSocket, E::kDocumented,
         "A call on a socket that is not open in the calling process fails with WSAENOTSOCK.",
         "WS-GENERIC"},
    Rule{r::kSocketClose, E::kDocumented,
         "Closing a socket frees its bound port and every runtime block acquired on it.",
         "D5; PS-6"},
    Rule{r::kIoctlInputBuffer, E::kUnknown,
         "A port-reservation ioctl whose input buffer is missing or too small fails with "
         "WSAEINVAL or WSAEFAULT.",
         "D5-D7 (generic table); which code is unknown (M3)"},
    Rule{r::kIoctlOutputBuffer, E::kUnknown,
         "SIO_RELEASE/ASSOCIATE_PORT_RESERVATION with a non-zero output buffer size (documented: "
         "must be zero): WSAEINVAL or the answer a zero size gets.",
         "D6, D7 (must be zero); consequence unknown (M7)"},
    Rule{r::kAcquireOutputBuffer, E::kDocumented,
         "SIO_ACQUIRE_PORT_RESERVATION with an output buffer under 16 bytes fails with "
         "WSAEINVAL and returns 0 bytes.",
         "D5; AQ-3"},
    Rule{r::kAcquireSpecific, E::kDocumented,
         "A specific acquire of a clear block succeeds with that block and a new token, with "
         "or without elevation.",
         "D5, D8; AQ-2, AQ-6, OV-13"},
    Rule{r::kAcquireOverlap, E::kObserved,
         "A specific acquire overlapping a persistent block or a runtime block acquired on the "
         "socket's family (any process) fails with WSAEADDRINUSE.",
         "OV-8, OV-9, OV-10, AQ-8, AQ-9; OBS-MSQUIC-2891, OBS-MSQUIC-5795"},
    Rule{r::kAcquireInUse, E::kInferred,
         "A specific acquire of a block containing a bound port fails with WSAEADDRINUSE.",
         "OV-11; OBS-MSQUIC-TEST (which call failed is inferred)"},
    Rule{r::kAcquireOtherProtocol, E::kUnknown,
         "A specific acquire overlapping a runtime block of the other protocol: WSAEADDRINUSE or "
         "the answer without it.",
         "OV-12, C3"},
    Rule{r::kAcquireOtherFamily, E::kUnknown,
         "An acquire whose only conflict is a runtime block acquired on the other family: "
         "WSAEADDRINUSE (a wildcard: the no-room codes) or success over it.",
         "BD-11; unknown (U12)"},
    Rule{r::kAcquireBound, E::kUnknown,
         "An acquire on a socket that is already bound: WSAEINVAL, WSAEACCES, WSAEADDRINUSE, or "
         "the answer an unbound socket gets.",
         "AQ-5; unknown (M6; codes as U4)"},
    Rule{r::kAcquireWildcard, E::kObserved,
         "A wildcard acquire (StartPort 0) gives a block of the requested size inside the "
         "socket family's dynamic range, clear of every block and bound port; any such block is "
         "allowed.",
         "D5, D8; RV-7, RV-9, OV-14..OV-17, U13; OBS-HNS, OBS-WINNAT"},
    Rule{r::kAcquireExhausted, E::kUnknown,
         "A wildcard acquire with no such block free fails with WSAENOBUFS, WSAEADDRINUSE or "
         "WSAEINVAL.",
         "AQ-10, OV-18; OBS-DEMIKERNEL (it fails); code unknown (U2)"},
    Rule{r::kAcquireZeroCount, E::kUnknown, "An acquire of 0 ports fails with WSAEINVAL.",
         "RV-8, AQ-9; unknown (U3)"},
    Rule{r::kAcquirePastMax, E::kUnknown,
         "A specific acquire running past port 65535 fails with WSAEINVAL.",
         "RV-8, AQ-9; unknown (U3)"},
    Rule{r::kReleaseOk, E::kDocumented,
         "Releasing a runtime token acquired on this socket succeeds and frees the block; ports "
         "already bound from it stay bound.",
         "D7; RL-1, RL-2"},
    Rule{r::kReleaseOtherSocket, E::kUnknown,
         "Releasing a runtime token acquired on another socket of the same process: success "
         "(the block is freed) or WSAEINVAL, WSAEACCES, WSAEADDRINUSE.",
         "D7 (the issuing process); RL-3; codes unknown (U4)"},
    Rule{r::kReleaseInvalid, E::kUnknown,
         "Releasing an unknown, released, persistent or another process's token: WSAEINVAL, "
         "WSAEACCES, WSAEADDRINUSE, or a success that releases nothing.",
         "D7 (must be the issuing process's); RL-3; unknown (U4)"},
    Rule{r::kAssociatePersistent, E::kDocumented,
         "An elevated process may associate an unbound socket with any persistent token of the "
         "socket's protocol.",
         "D1, D6; AS-2, AC-7"},
    Rule{r::kAssociateElevation, E::kDocumented,
         "Associating with a persistent token without elevation fails with WSAEACCES.",
         "D6; AS-3, AC-4"},
    Rule{r::kAssociateRuntime, E::kDocumented,
         "Any socket of the acquiring process may associate with its runtime token.",
         "D5, D6; AS-5, AC-5; OBS-MSQUIC"},
    Rule{r::kAssociateInvalid, E::kUnknown,
         "Associating with an unknown token, another process's runtime token or another "
         "protocol's token: WSAEINVAL, WSAEACCES, WSAEADDRINUSE, or a success that associates "
         "nothing.",
         "D1 (process security), D6; AS-9; unknown (U4)"},
    Rule{r::kAssociateAfterBind, E::kUnknown,
         "Associating a socket that is already bound: WSAEINVAL, WSAEACCES, WSAEADDRINUSE, or "
         "success with no effect.",
         "D6 (must precede bind); AS-1, AS-9; unknown (U4)"},
    Rule{r::kAssociateTwice, E::kUnknown,
         "Associating an associated, unbound socket again: WSAEINVAL, WSAEACCES, WSAEADDRINUSE, "
         "or the answer of a first association; after a success either association may hold.",
         "AS-9; unknown (U4)"},
    Rule{r::kAssociateUnlearned, E::kModel,
         "After a reboot, a token the model has not yet learned may belong to a persistent "
         "block whose new token is not known: success is then allowed too.",
         "D1, D3 (tokens may change); TK-3"},
    Rule{r::kBindTwice, E::kDocumented,
         "bind on a socket that is already bound fails with WSAEINVAL.", "WS-BIND"},
    Rule{r::kBindInUse, E::kDocumented,
         "bind to a port bound by another socket of the same protocol and family fails with "
         "WSAEADDRINUSE.",
         "WS-BIND; BD-6; SO_REUSEADDR sharing out of scope (BD-10)"},
    Rule{r::kBindOtherFamily, E::kUnknown,
         "bind to a port bound only by a socket of the other family: success or WSAEADDRINUSE.",
         "unknown (M4: the model does not track dual-stack options)"},
    Rule{r::kBindRuntimeOther, E::kObserved,
         "bind to a specific port inside another process's runtime block fails with "
         "WSAEACCES, even for an administrator.",
         "BD-5, AC-8; OBS-WSAEACCES, OBS-ADMIN"},
    Rule{r::kBindRuntimeOtherFamily, E::kUnknown,
         "As B-BIND-RUNTIME-OTHER, but the block was acquired on a socket of the other family: "
         "WSAEACCES or success.",
         "BD-11; unknown (U12)"},
    Rule{r::kBindRuntimeOwn, E::kUnknown,
         "bind without association to a specific port inside the process's own runtime block: "
         "success or WSAEACCES.",
         "BD-7; conflict C2; OBS-MSQUIC-2017"},
    Rule{r::kBindPersistent, E::kUnknown,
         "bind without association to a specific port inside a persistent block: success or "
         "WSAEACCES.",
         "BD-8; conflict C1; OBS-MSQUIC-2891, OBS-GO-LISTEN"},
    Rule{r::kBindSpecific, E::kDocumented,
         "bind to a free specific port outside every block succeeds with that port.", "WS-BIND"},
    Rule{r::kBindEphemeral, E::kObserved,
         "bind to port 0 without association gives a port of the socket family's dynamic range "
         "that no block and no binding of the protocol holds.",
         "WS-BIND; BD-1, BD-2, BD-3; OBS-FLUENTD, OBS-QUEQIAO"},
    Rule{r::kBindEphemeralExhausted, E::kObserved,
         "bind to port 0 with no such port left fails with WSAENOBUFS.",
         "BD-1, AQ-9 (STATUS_TOO_MANY_ADDRESSES); OBS-LIBUV"},
    Rule{r::kBindEphemeralOtherProtocol, E::kUnknown,
         "bind to port 0 when only ports inside the other protocol's runtime blocks are free: "
         "such a port, or WSAENOBUFS.",
         "BD-3; conflict C3"},
    Rule{r::kBindEphemeralOtherFamily, E::kUnknown,
         "bind to port 0 when only ports inside runtime blocks acquired on the other family are "
         "left: such a port, or WSAENOBUFS.",
         "BD-11; unknown (U12)"},
    Rule{r::kBindAssociatedAny, E::kDocumented,
         "bind to port 0 on an associated socket gives a free port of the associated block.",
         "D1, D6; AS-1"},
    Rule{r::kBindAssociatedFull, E::kUnknown,
         "bind to port 0 on an associated socket whose block has no free port fails with "
         "WSAENOBUFS or WSAEADDRINUSE.",
         "D6 (it fails); AS-4; code unknown (U1)"},
    Rule{r::kBindAssociatedSpecific, E::kObserved,
         "bind to a free specific port inside the associated block succeeds.", "AS-6; OBS-MSQUIC"},
    Rule{r::kBindAssociatedOutside, E::kUnknown,
         "bind on an associated socket to a specific port outside its block: WSAEINVAL, "
         "WSAEADDRNOTAVAIL, or the answer an unassociated bind would get.",
         "AS-10; unknown (M5)"},
    Rule{r::kBindAssociatedGone, E::kUnknown,
         "bind on a socket whose associated block has since been deleted or released (or named "
         "none of the blocks it may have): an unbound port of the old block that no other "
         "process now holds in a runtime block of the socket's family, or WSAENOBUFS, "
         "WSAEADDRINUSE, WSAEINVAL.",
         "DL-8, RL-4; unknown (U7, U2's codes)"},
    Rule{r::kGetSockName, E::kDocumented,
         "getsockname on a bound socket gives its port; on an unbound one WSAEINVAL.",
         "WS-GETSOCKNAME"},
    Rule{r::kEnvironmentRuntime, E::kObserved,
         "A runtime (unmarked) block that no process of the run made may appear or go at any "
         "time (HNS, WinNAT, Docker, WSL); it is another process's block for every process.",
         "PS-7, PS-8, NS-3, NS-5, NS-6"},
    Rule{r::kEnvironmentActive, E::kDocumented,
         "A store=active exclusion (netsh add excludedportrange store=active) may appear or go; "
         "it is an administered block with an unknown token, gone at the next boot.",
         "D11; NS-1, PS-4, DL-10"},
    Rule{r::kEnvironmentPersistent, E::kObserved,
         "An administered block that no process of the run made may appear or go (HNS's "
         "50000-50059, another administrator's netsh); its token is unknown.",
         "NS-2, NS-4"},
    Rule{r::kSurfaceOverlapped, E::kModel,
         "An overlapped WSAIoctl (Windows: WSA_IO_PENDING, then a completion) is out of the "
         "model's scope: the surface refuses it as a harness limit, not as Windows' answer.",
         "model limitation; D5-D7 (error table)"},
    Rule{r::kSurfaceUnknownIoctl, E::kDocumented,
         "WSAIoctl with a control code other than the three port-reservation codes gets "
         "WSAEOPNOTSUPP.",
         "WS-IOCTL; WINE-UNSUPPORTED-TEST"},
    Rule{r::kSurfaceSocketArgs, E::kDocumented,
         "socket() with an address family other than AF_INET/AF_INET6 gets WSAEAFNOSUPPORT; a "
         "type/protocol pair that is neither TCP stream nor UDP datagram gets "
         "WSAEPROTONOSUPPORT.",
         "WS-SOCKET"},
    Rule{r::kSurfaceSocketUnspecified, E::kInferred,
         "socket() with type 0 opens the first matching catalogue entry: protocol 0 or "
         "IPPROTO_TCP a TCP socket, IPPROTO_UDP a UDP socket.",
         "WS-SOCKET; OBS-SDN-SOCKET; REACTOS-WS2-CATALOG"},
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

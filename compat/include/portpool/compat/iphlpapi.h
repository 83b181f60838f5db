// Drop-in <iphlpapi.h> of portpool compat (docs/drop-in.md): the six
// persistent port-reservation functions, answered by the portpool model as
// Windows would answer them. StartPort is in network byte order,
// NumberOfPorts in host byte order; each returns a Win32 error code.
//
// Not the rest of the IP Helper API (GetAdaptersAddresses, GetTcpTable2, ...).
// Like the Winsock calls, these are C++ names of namespace
// portpool::compat::sdk, brought into the global namespace.
#ifndef PORTPOOL_COMPAT_IPHLPAPI_H_
#define PORTPOOL_COMPAT_IPHLPAPI_H_

#include "windows.h"

namespace portpool::compat::sdk {

ULONG WINAPI CreatePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                PULONG64 Token);
ULONG WINAPI CreatePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                PULONG64 Token);
ULONG WINAPI LookupPersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                PULONG64 Token);
ULONG WINAPI LookupPersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                PULONG64 Token);
ULONG WINAPI DeletePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts);
ULONG WINAPI DeletePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts);

}  // namespace portpool::compat::sdk

using ::portpool::compat::sdk::CreatePersistentTcpPortReservation;
using ::portpool::compat::sdk::CreatePersistentUdpPortReservation;
using ::portpool::compat::sdk::DeletePersistentTcpPortReservation;
using ::portpool::compat::sdk::DeletePersistentUdpPortReservation;
using ::portpool::compat::sdk::LookupPersistentTcpPortReservation;
using ::portpool::compat::sdk::LookupPersistentUdpPortReservation;

#endif  // PORTPOOL_COMPAT_IPHLPAPI_H_

// The drop-in persistent port-reservation functions
// (portpool/compat/iphlpapi.h), on the engine.
#include "portpool/compat/iphlpapi.h"

#include "win32_calls.h"

namespace portpool::compat::sdk {

using internal::PersistentFunction;

ULONG WINAPI CreatePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                PULONG64 Token) {
  return internal::Persistent(PersistentFunction::kCreateTcp, StartPort, NumberOfPorts, Token);
}

ULONG WINAPI CreatePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                PULONG64 Token) {
  return internal::Persistent(PersistentFunction::kCreateUdp, StartPort, NumberOfPorts, Token);
}

ULONG WINAPI LookupPersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                PULONG64 Token) {
  return internal::Persistent(PersistentFunction::kLookupTcp, StartPort, NumberOfPorts, Token);
}

ULONG WINAPI LookupPersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                PULONG64 Token) {
  return internal::Persistent(PersistentFunction::kLookupUdp, StartPort, NumberOfPorts, Token);
}

ULONG WINAPI DeletePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts) {
  return internal::Persistent(PersistentFunction::kDeleteTcp, StartPort, NumberOfPorts, nullptr);
}

ULONG WINAPI DeletePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts) {
  return internal::Persistent(PersistentFunction::kDeleteUdp, StartPort, NumberOfPorts, nullptr);
}

}  // namespace portpool::compat::sdk

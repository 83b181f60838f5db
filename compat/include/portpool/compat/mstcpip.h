// Drop-in <mstcpip.h> of portpool compat (docs/drop-in.md): the port
// reservation ioctls for WSAIoctl (SIO_ACQUIRE_PORT_RESERVATION,
// SIO_RELEASE_PORT_RESERVATION, SIO_ASSOCIATE_PORT_RESERVATION) and their
// INET_PORT_* structures, with the SDK's names, values and layout.
#ifndef PORTPOOL_COMPAT_MSTCPIP_H_
#define PORTPOOL_COMPAT_MSTCPIP_H_

#include "windows.h"
#include "ws2def.h"

#define SIO_ACQUIRE_PORT_RESERVATION _WSAIOW(IOC_VENDOR, 100)
#define SIO_RELEASE_PORT_RESERVATION _WSAIOW(IOC_VENDOR, 101)
#define SIO_ASSOCIATE_PORT_RESERVATION _WSAIOW(IOC_VENDOR, 102)

#define INVALID_PORT_RESERVATION_TOKEN ((ULONG64)0)

namespace portpool::compat::sdk {

struct INET_PORT_RANGE {
  USHORT StartPort;      // network byte order; 0 asks for any block
  USHORT NumberOfPorts;  // host byte order
};
typedef INET_PORT_RANGE INET_PORT_RESERVATION;

struct INET_PORT_RESERVATION_TOKEN {
  ULONG64 Token;
};

struct INET_PORT_RESERVATION_INSTANCE {
  INET_PORT_RESERVATION Reservation;
  INET_PORT_RESERVATION_TOKEN Token;
};

struct INET_PORT_RESERVATION_INFORMATION {
  ULONG OwningPid;
};

}  // namespace portpool::compat::sdk

using ::portpool::compat::sdk::INET_PORT_RANGE;
using ::portpool::compat::sdk::INET_PORT_RESERVATION;
using ::portpool::compat::sdk::INET_PORT_RESERVATION_INFORMATION;
using ::portpool::compat::sdk::INET_PORT_RESERVATION_INSTANCE;
using ::portpool::compat::sdk::INET_PORT_RESERVATION_TOKEN;

typedef INET_PORT_RANGE* PINET_PORT_RANGE;
typedef INET_PORT_RESERVATION* PINET_PORT_RESERVATION;
typedef INET_PORT_RESERVATION_TOKEN* PINET_PORT_RESERVATION_TOKEN;
typedef INET_PORT_RESERVATION_INSTANCE* PINET_PORT_RESERVATION_INSTANCE;
typedef INET_PORT_RESERVATION_INFORMATION* PINET_PORT_RESERVATION_INFORMATION;

#endif  // PORTPOOL_COMPAT_MSTCPIP_H_

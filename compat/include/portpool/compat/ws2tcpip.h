// Drop-in <ws2tcpip.h> of portpool compat (docs/drop-in.md): Winsock 2 with
// IPv6 (winsock2.h and ws2ipdef.h), and socklen_t. Not getaddrinfo or
// inet_pton: port-reservation code does not need them.
#ifndef PORTPOOL_COMPAT_WS2TCPIP_H_
#define PORTPOOL_COMPAT_WS2TCPIP_H_

#include "winsock2.h"
#include "ws2ipdef.h"

// Windows' socklen_t is int. glibc's <unistd.h>, which much of the C++
// library includes, declares its own (unsigned) one unless
// __socklen_t_defined says there is one already; after it, its stays.
#ifndef __socklen_t_defined
typedef int socklen_t;
#define __socklen_t_defined 1
#endif

#endif  // PORTPOOL_COMPAT_WS2TCPIP_H_

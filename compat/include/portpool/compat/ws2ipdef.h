// Drop-in <ws2ipdef.h> of portpool compat (docs/drop-in.md): IPv6
// addresses, struct sockaddr_in6 and in6addr_any / in6addr_loopback, with the
// SDK's names, values and layout (see ws2def.h for why they live in a
// namespace of ours).
#ifndef PORTPOOL_COMPAT_WS2IPDEF_H_
#define PORTPOOL_COMPAT_WS2IPDEF_H_

#include "windows.h"
#include "ws2def.h"

namespace portpool::compat::sdk {

struct in6_addr {
  union {
    UCHAR Byte[16];
    USHORT Word[8];
  } u;
};

struct sockaddr_in6 {
  ADDRESS_FAMILY sin6_family;  // AF_INET6
  USHORT sin6_port;            // network byte order
  ULONG sin6_flowinfo;
  in6_addr sin6_addr;
  ULONG sin6_scope_id;
};

inline constexpr in6_addr in6addr_any = {};
inline constexpr in6_addr in6addr_loopback = {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}};

}  // namespace portpool::compat::sdk

using ::portpool::compat::sdk::in6_addr;
using ::portpool::compat::sdk::in6addr_any;
using ::portpool::compat::sdk::in6addr_loopback;
using ::portpool::compat::sdk::sockaddr_in6;

#define s6_addr u.Byte
#define s6_bytes u.Byte
#define s6_words u.Word

typedef in6_addr IN6_ADDR;
typedef in6_addr* PIN6_ADDR;
typedef in6_addr* LPIN6_ADDR;
typedef sockaddr_in6 SOCKADDR_IN6;
typedef sockaddr_in6 SOCKADDR_IN6_LH;
typedef sockaddr_in6* PSOCKADDR_IN6;
typedef sockaddr_in6* LPSOCKADDR_IN6;

#endif  // PORTPOOL_COMPAT_WS2IPDEF_H_

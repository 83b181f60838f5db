// Drop-in <ws2def.h> of portpool compat (docs/drop-in.md): address
// families, socket types, protocols, struct sockaddr and sockaddr_in,
// in_addr and the ioctl code macros, with the SDK's names, values and
// layout. Included by winsock2.h, ws2ipdef.h, ws2tcpip.h and mstcpip.h.
//
// The structures live in namespace portpool::compat::sdk and are brought
// into the global namespace by using-declarations: a program may hold
// Windows code (these headers) and POSIX code (the host's <sys/socket.h>)
// in different source files, and the two `struct sockaddr`s never meet
// (no ODR clash). The same source file cannot include both: that is a
// compile error, checked here and in the sys/socket.h beside this file.
#ifndef PORTPOOL_COMPAT_WS2DEF_H_
#define PORTPOOL_COMPAT_WS2DEF_H_

#include "windows.h"

// glibc and musl name their include guard _SYS_SOCKET_H, the BSDs and macOS
// _SYS_SOCKET_H_.
#if defined(_SYS_SOCKET_H) || defined(_SYS_SOCKET_H_)
#error \
    "portpool compat: this source file includes <sys/socket.h> (or a header that includes it, such as <netinet/in.h>, <arpa/inet.h> or <netdb.h>) and then a drop-in Windows sockets header (<winsock2.h>, <ws2tcpip.h>, ...). The host's POSIX sockets and the Windows sockets answered by the portpool model declare socket, bind and sockaddr differently and cannot share a source file: keep Windows code and POSIX code in separate files (see docs/drop-in.md)."
#endif
// Seen by the sys/socket.h beside this file, which refuses a later
// <sys/socket.h> in the same source file.
#define PORTPOOL_COMPAT_WINDOWS_SOCKETS 1

// Address families (the values differ from Linux: AF_INET6 is 23, not 10).
#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 23
#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET
#define PF_INET6 AF_INET6

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3

typedef USHORT ADDRESS_FAMILY;

typedef enum {
  IPPROTO_IP = 0,
  IPPROTO_ICMP = 1,
  IPPROTO_TCP = 6,
  IPPROTO_UDP = 17,
  IPPROTO_IPV6 = 41,
  IPPROTO_ICMPV6 = 58,
} IPPROTO;

#define INADDR_ANY ((ULONG)0x00000000)
#define INADDR_LOOPBACK 0x7f000001
#define INADDR_BROADCAST ((ULONG)0xffffffff)
#define INADDR_NONE 0xffffffff

// WSAIoctl codes: _WSAIOW(IOC_VENDOR, 100) is SIO_ACQUIRE_PORT_RESERVATION.
#define IOC_UNIX 0x00000000
#define IOC_WS2 0x08000000
#define IOC_PROTOCOL 0x10000000
#define IOC_VENDOR 0x18000000
#define IOC_VOID 0x20000000
#define IOC_OUT 0x40000000
#define IOC_IN 0x80000000
#define IOC_INOUT (IOC_IN | IOC_OUT)
#define _WSAIO(x, y) (IOC_VOID | (x) | (y))
#define _WSAIOR(x, y) (IOC_OUT | (x) | (y))
#define _WSAIOW(x, y) (IOC_IN | (x) | (y))
#define _WSAIORW(x, y) (IOC_INOUT | (x) | (y))

namespace portpool::compat::sdk {

struct in_addr {
  union {
    struct {
      UCHAR s_b1, s_b2, s_b3, s_b4;
    } S_un_b;
    struct {
      USHORT s_w1, s_w2;
    } S_un_w;
    ULONG S_addr;
  } S_un;
};

struct sockaddr {
  ADDRESS_FAMILY sa_family;
  CHAR sa_data[14];
};

struct sockaddr_in {
  ADDRESS_FAMILY sin_family;
  USHORT sin_port;  // network byte order
  in_addr sin_addr;
  CHAR sin_zero[8];
};

struct sockaddr_storage {
  ADDRESS_FAMILY ss_family;
  CHAR __ss_pad1[6];
  int64_t __ss_align;
  CHAR __ss_pad2[112];
};

}  // namespace portpool::compat::sdk

using ::portpool::compat::sdk::in_addr;
using ::portpool::compat::sdk::sockaddr;
using ::portpool::compat::sdk::sockaddr_in;
using ::portpool::compat::sdk::sockaddr_storage;

#define s_addr S_un.S_addr

typedef in_addr IN_ADDR;
typedef in_addr* PIN_ADDR;
typedef in_addr* LPIN_ADDR;
typedef sockaddr SOCKADDR;
typedef sockaddr* PSOCKADDR;
typedef sockaddr* LPSOCKADDR;
typedef sockaddr_in SOCKADDR_IN;
typedef sockaddr_in* PSOCKADDR_IN;
typedef sockaddr_in* LPSOCKADDR_IN;
typedef sockaddr_storage SOCKADDR_STORAGE;
typedef sockaddr_storage* PSOCKADDR_STORAGE;
typedef sockaddr_storage* LPSOCKADDR_STORAGE;

#endif  // PORTPOOL_COMPAT_WS2DEF_H_

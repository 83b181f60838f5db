// Drop-in <winsock2.h> of portpool compat (docs/drop-in.md): the Winsock
// calls that meet port reservations, answered by the portpool model as
// Windows would answer them, with the SDK's names, types and values.
//
//   WSAStartup, WSACleanup, socket, closesocket, bind, getsockname,
//   WSAIoctl (the SIO_*_PORT_RESERVATION codes of <mstcpip.h>),
//   WSAGetLastError, WSASetLastError, htons, ntohs, htonl, ntohl;
//   SOCKET, INVALID_SOCKET, SOCKET_ERROR, WSADATA, WSAOVERLAPPED, the WSAE*
//   error codes, and (from <ws2def.h>) sockaddr, sockaddr_in, AF_*, ...
//
// Not the rest of Winsock: no connect, listen, send, select, setsockopt.
//
// These are C++ functions of namespace portpool::compat::sdk, brought into
// the global namespace by using-declarations. Their link names are C++
// names, so linking portpool::compat never replaces the C library's socket
// or bind: the process's other code keeps its real sockets.
#ifndef PORTPOOL_COMPAT_WINSOCK2_H_
#define PORTPOOL_COMPAT_WINSOCK2_H_

#include "windows.h"
#include "ws2def.h"

typedef UINT_PTR SOCKET;
#define INVALID_SOCKET ((SOCKET)(~0))
#define SOCKET_ERROR (-1)

#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128

// Winsock error codes (WSAGetLastError).
#define WSABASEERR 10000
#define WSAEINTR 10004
#define WSAEBADF 10009
#define WSAEACCES 10013
#define WSAEFAULT 10014
#define WSAEINVAL 10022
#define WSAEMFILE 10024
#define WSAEWOULDBLOCK 10035
#define WSAEINPROGRESS 10036
#define WSAEALREADY 10037
#define WSAENOTSOCK 10038
#define WSAEDESTADDRREQ 10039
#define WSAEMSGSIZE 10040
#define WSAEPROTOTYPE 10041
#define WSAENOPROTOOPT 10042
#define WSAEPROTONOSUPPORT 10043
#define WSAESOCKTNOSUPPORT 10044
#define WSAEOPNOTSUPP 10045
#define WSAEPFNOSUPPORT 10046
#define WSAEAFNOSUPPORT 10047
#define WSAEADDRINUSE 10048
#define WSAEADDRNOTAVAIL 10049
#define WSAENETDOWN 10050
#define WSAENETUNREACH 10051
#define WSAENETRESET 10052
#define WSAECONNABORTED 10053
#define WSAECONNRESET 10054
#define WSAENOBUFS 10055
#define WSAEISCONN 10056
#define WSAENOTCONN 10057
#define WSAESHUTDOWN 10058
#define WSAETOOMANYREFS 10059
#define WSAETIMEDOUT 10060
#define WSAECONNREFUSED 10061
#define WSAELOOP 10062
#define WSAENAMETOOLONG 10063
#define WSAEHOSTDOWN 10064
#define WSAEHOSTUNREACH 10065
#define WSAENOTEMPTY 10066
#define WSAEPROCLIM 10067
#define WSAEUSERS 10068
#define WSAEDQUOT 10069
#define WSAESTALE 10070
#define WSAEREMOTE 10071
#define WSASYSNOTREADY 10091
#define WSAVERNOTSUPPORTED 10092
#define WSANOTINITIALISED 10093
#define WSAEDISCON 10101

namespace portpool::compat::sdk {

// The x64 layout (Win32 orders the fields differently).
struct WSAData {
  WORD wVersion;
  WORD wHighVersion;
  unsigned short iMaxSockets;
  unsigned short iMaxUdpDg;
  char* lpVendorInfo;
  char szDescription[WSADESCRIPTION_LEN + 1];
  char szSystemStatus[WSASYS_STATUS_LEN + 1];
};

// Only passed on: the model answers synchronously, and an overlapped call is
// WSAEINVAL (rule W32-OVERLAPPED).
struct _OVERLAPPED {
  ULONG_PTR Internal;
  ULONG_PTR InternalHigh;
  DWORD Offset;
  DWORD OffsetHigh;
  HANDLE hEvent;
};

typedef void(CALLBACK* LPWSAOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwError, DWORD cbTransferred,
                                                           _OVERLAPPED* lpOverlapped,
                                                           DWORD dwFlags);

int WSAAPI WSAStartup(WORD wVersionRequested, WSAData* lpWSAData);
int WSAAPI WSACleanup();
int WSAAPI WSAGetLastError();
void WSAAPI WSASetLastError(int iError);

SOCKET WSAAPI socket(int af, int type, int protocol);
int WSAAPI closesocket(SOCKET s);
int WSAAPI bind(SOCKET s, const sockaddr* name, int namelen);
int WSAAPI getsockname(SOCKET s, sockaddr* name, int* namelen);
int WSAAPI WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                    LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                    _OVERLAPPED* lpOverlapped,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

// Byte order: Windows runs little-endian, so network order is swapped.
inline USHORT WSAAPI htons(USHORT hostshort) {
  return static_cast<USHORT>((hostshort >> 8) | (hostshort << 8));
}
inline USHORT WSAAPI ntohs(USHORT netshort) { return htons(netshort); }
inline ULONG WSAAPI htonl(ULONG hostlong) {
  return ((hostlong & 0xffu) << 24) | ((hostlong & 0xff00u) << 8) | ((hostlong >> 8) & 0xff00u) |
         (hostlong >> 24);
}
inline ULONG WSAAPI ntohl(ULONG netlong) { return htonl(netlong); }

}  // namespace portpool::compat::sdk

using ::portpool::compat::sdk::_OVERLAPPED;
using ::portpool::compat::sdk::bind;
using ::portpool::compat::sdk::closesocket;
using ::portpool::compat::sdk::getsockname;
using ::portpool::compat::sdk::htonl;
using ::portpool::compat::sdk::htons;
using ::portpool::compat::sdk::LPWSAOVERLAPPED_COMPLETION_ROUTINE;
using ::portpool::compat::sdk::ntohl;
using ::portpool::compat::sdk::ntohs;
using ::portpool::compat::sdk::socket;
using ::portpool::compat::sdk::WSACleanup;
using ::portpool::compat::sdk::WSAData;
using ::portpool::compat::sdk::WSAGetLastError;
using ::portpool::compat::sdk::WSAIoctl;
using ::portpool::compat::sdk::WSASetLastError;
using ::portpool::compat::sdk::WSAStartup;

typedef WSAData WSADATA;
typedef WSAData* LPWSADATA;
typedef _OVERLAPPED OVERLAPPED;
typedef _OVERLAPPED* LPOVERLAPPED;
typedef _OVERLAPPED WSAOVERLAPPED;
typedef _OVERLAPPED* LPWSAOVERLAPPED;

#endif  // PORTPOOL_COMPAT_WINSOCK2_H_

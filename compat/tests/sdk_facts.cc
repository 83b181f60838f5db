// What the drop-in headers must share with Windows' own SDK: names, values,
// sizes and layouts. Compiled twice: against portpool compat's headers on
// Linux, and against mingw-w64's real SDK headers in the mingw lane. Since
// both builds accept every assertion, the two agree on all of them.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
// The Windows headers, in an order the SDK accepts.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <iphlpapi.h>
#include <windows.h>
// clang-format on

#include <stddef.h>

#include <type_traits>

// Types: LLP64 sizes.
static_assert(sizeof(BYTE) == 1 && sizeof(USHORT) == 2 && sizeof(WORD) == 2);
static_assert(sizeof(DWORD) == 4 && sizeof(ULONG) == 4 && sizeof(LONG) == 4);
static_assert(sizeof(ULONG64) == 8 && sizeof(PVOID) == 8 && sizeof(SOCKET) == 8);
static_assert(static_cast<DWORD>(-1) > 0 && static_cast<ULONG>(-1) > 0, "unsigned");
static_assert(MAKEWORD(2, 2) == 0x0202 && MAKEWORD(1, 2) == 0x0201);

// Error codes.
static_assert(NO_ERROR == 0 && ERROR_SUCCESS == 0);
static_assert(ERROR_ACCESS_DENIED == 5 && ERROR_INVALID_HANDLE == 6);
static_assert(ERROR_SHARING_VIOLATION == 32 && ERROR_INVALID_PARAMETER == 87);
static_assert(ERROR_NOACCESS == 998 && ERROR_NOT_FOUND == 1168);
static_assert(WSAEACCES == 10013 && WSAEFAULT == 10014 && WSAEINVAL == 10022);
static_assert(WSAENOTSOCK == 10038 && WSAEPROTONOSUPPORT == 10043 && WSAEOPNOTSUPP == 10045);
static_assert(WSAEAFNOSUPPORT == 10047 && WSAEADDRINUSE == 10048 && WSAEADDRNOTAVAIL == 10049);
static_assert(WSAENOBUFS == 10055 && WSAEWOULDBLOCK == 10035);
static_assert(WSASYSNOTREADY == 10091 && WSAVERNOTSUPPORTED == 10092 && WSANOTINITIALISED == 10093);

// Sockets.
static_assert(INVALID_SOCKET == ~static_cast<SOCKET>(0) && SOCKET_ERROR == -1);
static_assert(AF_UNSPEC == 0 && AF_INET == 2 && AF_INET6 == 23);
static_assert(SOCK_STREAM == 1 && SOCK_DGRAM == 2);
static_assert(IPPROTO_TCP == 6 && IPPROTO_UDP == 17);
static_assert(INADDR_ANY == 0);
static_assert(sizeof(sockaddr) == 16 && sizeof(sockaddr_in) == 16 && sizeof(in_addr) == 4);
static_assert(offsetof(sockaddr_in, sin_port) == 2 && offsetof(sockaddr_in, sin_addr) == 4);
static_assert(sizeof(sockaddr_in6) == 28 && sizeof(in6_addr) == 16);
static_assert(offsetof(sockaddr_in6, sin6_port) == 2 && offsetof(sockaddr_in6, sin6_flowinfo) == 4);
static_assert(offsetof(sockaddr_in6, sin6_addr) == 8 &&
              offsetof(sockaddr_in6, sin6_scope_id) == 24);
static_assert(sizeof(SOCKADDR_STORAGE) == 128);
static_assert(sizeof(WSADATA) == 408 && offsetof(WSADATA, szDescription) == 16);
static_assert(sizeof(WSAOVERLAPPED) == 32);

// Port reservations (mstcpip.h).
static_assert(SIO_ACQUIRE_PORT_RESERVATION == 0x98000064);
static_assert(SIO_RELEASE_PORT_RESERVATION == 0x98000065);
static_assert(SIO_ASSOCIATE_PORT_RESERVATION == 0x98000066);
static_assert(INVALID_PORT_RESERVATION_TOKEN == 0);
static_assert(sizeof(INET_PORT_RANGE) == 4 && sizeof(INET_PORT_RESERVATION) == 4);
static_assert(sizeof(INET_PORT_RESERVATION_TOKEN) == 8);
static_assert(sizeof(INET_PORT_RESERVATION_INSTANCE) == 16);
static_assert(offsetof(INET_PORT_RESERVATION_INSTANCE, Token) == 8);
static_assert(sizeof(INET_PORT_RESERVATION_INFORMATION) == 4);

// The functions, with the SDK's types.
static_assert(std::is_same_v<decltype(&CreatePersistentTcpPortReservation),
                             ULONG(WINAPI*)(USHORT, USHORT, PULONG64)>);
static_assert(std::is_same_v<decltype(&LookupPersistentUdpPortReservation),
                             ULONG(WINAPI*)(USHORT, USHORT, PULONG64)>);
static_assert(
    std::is_same_v<decltype(&DeletePersistentUdpPortReservation), ULONG(WINAPI*)(USHORT, USHORT)>);
static_assert(std::is_same_v<decltype(&WSAIoctl),
                             int(WSAAPI*)(SOCKET, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPDWORD,
                                          LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE)>);
static_assert(std::is_same_v<decltype(&bind), int(WSAAPI*)(SOCKET, const sockaddr*, int)>);
static_assert(std::is_same_v<decltype(&getsockname), int(WSAAPI*)(SOCKET, sockaddr*, int*)>);
static_assert(std::is_same_v<decltype(&socket), SOCKET(WSAAPI*)(int, int, int)>);
static_assert(std::is_same_v<decltype(&WSAStartup), int(WSAAPI*)(WORD, LPWSADATA)>);

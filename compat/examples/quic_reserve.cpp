// quic_reserve: how a QUIC stack keeps its UDP sockets inside one persistent
// port reservation.
//
// A QUIC server binds many UDP sockets (one per listener, and more for
// connection migration). To keep them all in a known block of ports, which
// a firewall rule or a load balancer can then name, the stack reserves the
// block persistently once (this needs an administrator), looks the
// reservation's token up when it starts (the token may change at every
// reboot), and associates each socket with the token before bind(port 0):
// Windows then picks the socket's port from inside the block. Without the
// reservation (no administrator rights), the stack falls back to ordinary
// ephemeral ports.
//
//   quic_reserve [START [COUNT [SOCKETS]]]      defaults: 20000 16 4
//
// Exit status: 0 when every socket got a port (inside the block whenever
// the reservation is in use), 1 otherwise, 2 for bad arguments.
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

#include <stdio.h>
#include <stdlib.h>

#ifdef _MSC_VER
#pragma comment(lib, "iphlpapi.lib")
#pragma comment(lib, "ws2_32.lib")
#endif

#define MAX_SOCKETS 64

// Looks up the persistent UDP reservation START..START+COUNT-1, creating it
// if there is none. Returns NO_ERROR and the token, or the error.
static ULONG OpenReservation(USHORT start, USHORT count, ULONG64* token) {
  ULONG status = LookupPersistentUdpPortReservation(htons(start), count, token);
  if (status == ERROR_NOT_FOUND) {
    status = CreatePersistentUdpPortReservation(htons(start), count, token);
    if (status == NO_ERROR) {
      printf("created the persistent reservation UDP %u-%u\n", (unsigned)start,
             (unsigned)(start + count - 1));
    }
  } else if (status == NO_ERROR) {
    printf("found the persistent reservation UDP %u-%u\n", (unsigned)start,
           (unsigned)(start + count - 1));
  }
  return status;
}

// Binds a new IPv6 UDP socket to port 0 of the wildcard address, through
// the reservation when `*use_token` is set (cleared if the socket cannot be
// associated). Returns the socket, or INVALID_SOCKET.
static SOCKET BindSocket(ULONG64 token, BOOL* use_token, USHORT* port) {
  SOCKET s = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
  if (s == INVALID_SOCKET) {
    printf("socket failed: %d\n", WSAGetLastError());
    return INVALID_SOCKET;
  }
  if (*use_token) {
    INET_PORT_RESERVATION_TOKEN reservation;
    DWORD bytes = 0;
    reservation.Token = token;
    if (WSAIoctl(s, SIO_ASSOCIATE_PORT_RESERVATION, &reservation, sizeof(reservation), NULL, 0,
                 &bytes, NULL, NULL) == SOCKET_ERROR) {
      printf("SIO_ASSOCIATE_PORT_RESERVATION failed: %d; falling back to ephemeral ports\n",
             WSAGetLastError());
      *use_token = FALSE;
    }
  }
  struct sockaddr_in6 address;
  ZeroMemory(&address, sizeof(address));
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(0);
  address.sin6_addr = in6addr_any;
  if (bind(s, (struct sockaddr*)&address, sizeof(address)) == SOCKET_ERROR) {
    printf("bind failed: %d\n", WSAGetLastError());
    closesocket(s);
    return INVALID_SOCKET;
  }
  struct sockaddr_in6 bound;
  int length = sizeof(bound);
  if (getsockname(s, (struct sockaddr*)&bound, &length) == SOCKET_ERROR) {
    printf("getsockname failed: %d\n", WSAGetLastError());
    closesocket(s);
    return INVALID_SOCKET;
  }
  if (bound.sin6_family != AF_INET6) {
    printf("getsockname gave address family %d, not AF_INET6\n", (int)bound.sin6_family);
    closesocket(s);
    return INVALID_SOCKET;
  }
  *port = ntohs(bound.sin6_port);
  return s;
}

int main(int argc, char** argv) {
  int start = argc > 1 ? atoi(argv[1]) : 20000;
  int count = argc > 2 ? atoi(argv[2]) : 16;
  int wanted = argc > 3 ? atoi(argv[3]) : 4;
  if (start < 1 || start > 65535 || count < 1 || start + count - 1 > 65535 || wanted < 1 ||
      wanted > MAX_SOCKETS) {
    printf("usage: quic_reserve [START [COUNT [SOCKETS]]]  (SOCKETS at most %d)\n", MAX_SOCKETS);
    return 2;
  }

  WSADATA wsa_data;
  int result = WSAStartup(MAKEWORD(2, 2), &wsa_data);
  if (result != 0) {
    printf("WSAStartup failed: %d\n", result);
    return 1;
  }

  ULONG64 token = INVALID_PORT_RESERVATION_TOKEN;
  ULONG status = OpenReservation((USHORT)start, (USHORT)count, &token);
  BOOL use_token = status == NO_ERROR;
  if (!use_token) {
    printf("no reservation (error %lu); falling back to ephemeral ports\n", (unsigned long)status);
  }

  SOCKET sockets[MAX_SOCKETS];
  int opened = 0;
  int failures = 0;
  for (int i = 0; i < wanted; ++i) {
    const BOOL through_reservation = use_token;
    USHORT port = 0;
    SOCKET s = BindSocket(token, &use_token, &port);
    if (s == INVALID_SOCKET) {
      ++failures;
      continue;
    }
    sockets[opened++] = s;
    const BOOL inside = port >= start && port < start + count;
    if (through_reservation && use_token && !inside) {
      printf("socket %d: port %u is outside the reservation\n", i, (unsigned)port);
      ++failures;
    } else {
      printf("socket %d: port %u%s\n", i, (unsigned)port,
             use_token ? " (reserved)" : " (ephemeral)");
    }
  }

  for (int i = 0; i < opened; ++i) closesocket(sockets[i]);
  WSACleanup();
  if (failures > 0) {
    printf("%d of %d sockets failed\n", failures, wanted);
    return 1;
  }
  printf("all %d sockets bound\n", wanted);
  return 0;
}

// container_ports: how a container runtime takes blocks of ports for the
// published ports of its containers.
//
// Like the Windows host networking service does for WinNAT, the runtime asks
// for runtime reservations of any free block (SIO_ACQUIRE_PORT_RESERVATION
// with StartPort 0) on one control socket, again and again until Windows
// has no block left, and hands one block to each container. It then binds
// the first container's listener inside that container's block (through
// SIO_ASSOCIATE_PORT_RESERVATION), and at shutdown releases every block.
// Runtime reservations need no administrator rights.
//
//   container_ports [BLOCK [MAX_BLOCKS]]      defaults: 64 1024
//
// Exit status: 0 when the blocks are disjoint, the pool ran out with one of
// the errors Windows gives for that, the listener's port lies in its block
// and every block was released; 1 otherwise, 2 for bad arguments.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif

// The Windows headers, in an order the SDK accepts.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <windows.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>

#ifdef _MSC_VER
#pragma comment(lib, "ws2_32.lib")
#endif

#define MAX_BLOCKS 4096

struct Block {
  USHORT first;  // host byte order
  USHORT count;
  ULONG64 token;
};

static struct Block blocks[MAX_BLOCKS];

// Asks for any free block of `count` ports on `s`. Returns 0 and the block,
// or the Winsock error.
static int AcquireBlock(SOCKET s, USHORT count, struct Block* block) {
  INET_PORT_RANGE request;
  INET_PORT_RESERVATION_INSTANCE instance;
  DWORD bytes = 0;
  request.StartPort = 0;  // any block
  request.NumberOfPorts = count;
  ZeroMemory(&instance, sizeof(instance));
  if (WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &request, sizeof(request), &instance,
               sizeof(instance), &bytes, NULL, NULL) == SOCKET_ERROR) {
    return WSAGetLastError();
  }
  if (bytes != sizeof(instance) || instance.Reservation.NumberOfPorts != count ||
      instance.Token.Token == INVALID_PORT_RESERVATION_TOKEN) {
    printf("SIO_ACQUIRE_PORT_RESERVATION returned %lu bytes, %u ports, token %llu\n",
           (unsigned long)bytes, (unsigned)instance.Reservation.NumberOfPorts,
           (unsigned long long)instance.Token.Token);
    return -1;
  }
  block->first = ntohs(instance.Reservation.StartPort);
  block->count = count;
  block->token = instance.Token.Token;
  return 0;
}

// Whether two of the blocks share a port.
static BOOL Overlapping(int n) {
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const int end_i = blocks[i].first + blocks[i].count;
      const int end_j = blocks[j].first + blocks[j].count;
      if (blocks[i].first < end_j && blocks[j].first < end_i) {
        printf("blocks %d (%u-%d) and %d (%u-%d) overlap\n", i, (unsigned)blocks[i].first,
               end_i - 1, j, (unsigned)blocks[j].first, end_j - 1);
        return TRUE;
      }
    }
  }
  return FALSE;
}

// Binds a TCP listener socket to a port of `block`. Returns the port, or 0.
static USHORT BindInside(const struct Block* block) {
  SOCKET listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (listener == INVALID_SOCKET) {
    printf("socket failed: %d\n", WSAGetLastError());
    return 0;
  }
  INET_PORT_RESERVATION_TOKEN token;
  DWORD bytes = 0;
  token.Token = block->token;
  if (WSAIoctl(listener, SIO_ASSOCIATE_PORT_RESERVATION, &token, sizeof(token), NULL, 0, &bytes,
               NULL, NULL) == SOCKET_ERROR) {
    printf("SIO_ASSOCIATE_PORT_RESERVATION failed: %d\n", WSAGetLastError());
    closesocket(listener);
    return 0;
  }
  struct sockaddr_in address;
  ZeroMemory(&address, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = 0;
  USHORT port = 0;
  if (bind(listener, (SOCKADDR*)&address, sizeof(address)) == SOCKET_ERROR) {
    printf("bind failed: %d\n", WSAGetLastError());
  } else {
    struct sockaddr_in bound;
    int length = sizeof(bound);
    if (getsockname(listener, (SOCKADDR*)&bound, &length) == SOCKET_ERROR) {
      printf("getsockname failed: %d\n", WSAGetLastError());
    } else {
      port = ntohs(bound.sin_port);
    }
  }
  closesocket(listener);
  return port;
}

int main(int argc, char** argv) {
  int block_size = argc > 1 ? atoi(argv[1]) : 64;
  int max_blocks = argc > 2 ? atoi(argv[2]) : 1024;
  if (block_size < 1 || block_size > 65535 || max_blocks < 1 || max_blocks > MAX_BLOCKS) {
    printf("usage: container_ports [BLOCK [MAX_BLOCKS]]  (MAX_BLOCKS at most %d)\n", MAX_BLOCKS);
    return 2;
  }

  WSADATA wsa_data;
  int result = WSAStartup(MAKEWORD(2, 2), &wsa_data);
  if (result != 0) {
    printf("WSAStartup failed: %d\n", result);
    return 1;
  }
  SOCKET control = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (control == INVALID_SOCKET) {
    printf("socket failed: %d\n", WSAGetLastError());
    WSACleanup();
    return 1;
  }

  int ok = 1;
  int n = 0;
  int error = 0;
  while (n < max_blocks) {
    error = AcquireBlock(control, (USHORT)block_size, &blocks[n]);
    if (error != 0) break;
    ++n;
  }
  if (n == max_blocks) {
    printf("took %d blocks of %d ports (the most asked for)\n", n, block_size);
  } else if (error == WSAENOBUFS || error == WSAEADDRINUSE || error == WSAEINVAL) {
    // Windows does not document which of these it gives when no free block
    // is left: accept each.
    printf("took %d blocks of %d ports, then the pool ran out (error %d)\n", n, block_size, error);
  } else {
    printf("SIO_ACQUIRE_PORT_RESERVATION failed after %d blocks: %d\n", n, error);
    ok = 0;
  }
  if (n > 0) {
    printf("first block %u-%d, last block %u-%d\n", (unsigned)blocks[0].first,
           blocks[0].first + blocks[0].count - 1, (unsigned)blocks[n - 1].first,
           blocks[n - 1].first + blocks[n - 1].count - 1);
    if (Overlapping(n)) ok = 0;
    const USHORT port = BindInside(&blocks[0]);
    if (port < blocks[0].first || port >= blocks[0].first + blocks[0].count) {
      printf("the listener's port %u is not in its block\n", (unsigned)port);
      ok = 0;
    } else {
      printf("container 0 listens on port %u\n", (unsigned)port);
    }
  }

  int released = 0;
  for (int i = 0; i < n; ++i) {
    INET_PORT_RESERVATION_TOKEN token;
    DWORD bytes = 0;
    token.Token = blocks[i].token;
    if (WSAIoctl(control, SIO_RELEASE_PORT_RESERVATION, &token, sizeof(token), NULL, 0, &bytes,
                 NULL, NULL) == SOCKET_ERROR) {
      printf("SIO_RELEASE_PORT_RESERVATION of block %d failed: %d\n", i, WSAGetLastError());
      ok = 0;
    } else {
      ++released;
    }
  }
  printf("released %d blocks\n", released);
  closesocket(control);
  WSACleanup();
  return ok ? 0 : 1;
}

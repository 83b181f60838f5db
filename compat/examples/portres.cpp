// portres: create, look up or delete a persistent TCP or UDP port
// reservation from the command line, in the manner of Microsoft's sample
// programs for CreatePersistentTcpPortReservation and its siblings.
//
//   portres create|lookup|delete tcp|udp START COUNT
//
// Creating and deleting need an administrator. Exit status: 0 when the call
// succeeds, 1 when it fails (the error is printed), 2 for bad arguments.
#ifndef UNICODE
#define UNICODE
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif

// The Windows headers, in an order the SDK accepts.
// clang-format off
#include <windows.h>
#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#ifdef _MSC_VER
#pragma comment(lib, "iphlpapi.lib")
#pragma comment(lib, "ws2_32.lib")
#endif

static const WCHAR* ErrorName(ULONG error) {
  switch (error) {
    case NO_ERROR:
      return L"NO_ERROR";
    case ERROR_ACCESS_DENIED:
      return L"ERROR_ACCESS_DENIED";
    case ERROR_SHARING_VIOLATION:
      return L"ERROR_SHARING_VIOLATION";
    case ERROR_INVALID_PARAMETER:
      return L"ERROR_INVALID_PARAMETER";
    case ERROR_NOT_FOUND:
      return L"ERROR_NOT_FOUND";
    case ERROR_NOACCESS:
      return L"ERROR_NOACCESS";
    default:
      return L"another error";
  }
}

static void Usage(const WCHAR* program) {
  wprintf(L"usage: %ls create|lookup|delete tcp|udp START COUNT\n", program);
  wprintf(L"Creates, looks up or deletes a persistent port reservation.\n");
  wprintf(L"Example: %ls create tcp 5000 20\n", program);
}

int wmain(int argc, WCHAR** argv) {
  if (argc != 5) {
    Usage(argv[0]);
    return 2;
  }
  const WCHAR* action = argv[1];
  const BOOL tcp = wcscmp(argv[2], L"tcp") == 0;
  if (!tcp && wcscmp(argv[2], L"udp") != 0) {
    Usage(argv[0]);
    return 2;
  }
  const int start = _wtoi(argv[3]);
  const int count = _wtoi(argv[4]);
  if (start < 0 || start > 65535 || count < 0 || count > 65535) {
    wprintf(L"START and COUNT must be 0 to 65535\n");
    return 2;
  }
  const USHORT start_port = htons((USHORT)start);  // network byte order
  const WCHAR* protocol = tcp ? L"TCP" : L"UDP";

  WSADATA wsa_data;
  int result = WSAStartup(MAKEWORD(2, 2), &wsa_data);
  if (result != 0) {
    wprintf(L"WSAStartup failed with error: %d\n", result);
    return 1;
  }

  ULONG64 token = 0;
  ULONG status;
  if (wcscmp(action, L"create") == 0) {
    status = tcp ? CreatePersistentTcpPortReservation(start_port, (USHORT)count, &token)
                 : CreatePersistentUdpPortReservation(start_port, (USHORT)count, &token);
  } else if (wcscmp(action, L"lookup") == 0) {
    status = tcp ? LookupPersistentTcpPortReservation(start_port, (USHORT)count, &token)
                 : LookupPersistentUdpPortReservation(start_port, (USHORT)count, &token);
  } else if (wcscmp(action, L"delete") == 0) {
    status = tcp ? DeletePersistentTcpPortReservation(start_port, (USHORT)count)
                 : DeletePersistentUdpPortReservation(start_port, (USHORT)count);
  } else {
    Usage(argv[0]);
    WSACleanup();
    return 2;
  }

  if (status != NO_ERROR) {
    wprintf(L"%ls %ls %d %d failed: %lu (%ls)\n", action, protocol, start, count,
            (unsigned long)status, ErrorName(status));
    WSACleanup();
    return 1;
  }
  if (token != 0) {
    wprintf(L"%ls %ls %d %d succeeded: token 0x%llx\n", action, protocol, start, count,
            (unsigned long long)token);
  } else {
    wprintf(L"%ls %ls %d %d succeeded\n", action, protocol, start, count);
  }
  WSACleanup();
  return 0;
}

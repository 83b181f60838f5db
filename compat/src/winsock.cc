// The drop-in Winsock functions (portpool/compat/winsock2.h), on the engine.
#include <cstdio>
#include <cstring>

#include "portpool/compat/winsock2.h"
#include "win32_calls.h"

namespace portpool::compat::sdk {

int WSAAPI WSAStartup(WORD wVersionRequested, WSAData* lpWSAData) {
  if (lpWSAData == nullptr) return WSAEFAULT;
  uint16_t granted = 0;
  const int error = internal::Startup(wVersionRequested, &granted);
  std::memset(lpWSAData, 0, sizeof(*lpWSAData));
  lpWSAData->wVersion = error == 0 ? granted : wVersionRequested;
  lpWSAData->wHighVersion = MAKEWORD(2, 2);
  std::snprintf(lpWSAData->szDescription, sizeof(lpWSAData->szDescription), "%s",
                "portpool compat: Winsock 2.2 on the portpool model");
  std::snprintf(lpWSAData->szSystemStatus, sizeof(lpWSAData->szSystemStatus), "%s", "Running");
  return error;
}

int WSAAPI WSACleanup() { return internal::Cleanup(); }

int WSAAPI WSAGetLastError() { return internal::LastError(); }

void WSAAPI WSASetLastError(int iError) { internal::SetLastError(iError); }

SOCKET WSAAPI socket(int af, int type, int protocol) {
  return internal::Socket(af, type, protocol);
}

int WSAAPI closesocket(SOCKET s) { return internal::CloseSocket(s); }

int WSAAPI bind(SOCKET s, const sockaddr* name, int namelen) {
  return internal::Bind(s, name, namelen);
}

int WSAAPI getsockname(SOCKET s, sockaddr* name, int* namelen) {
  return internal::GetSockName(s, name, namelen);
}

int WSAAPI WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                    LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                    _OVERLAPPED* lpOverlapped,
                    LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  return internal::Ioctl(s, dwIoControlCode, lpvInBuffer, cbInBuffer, lpvOutBuffer, cbOutBuffer,
                         lpcbBytesReturned, lpOverlapped, lpCompletionRoutine != nullptr);
}

}  // namespace portpool::compat::sdk

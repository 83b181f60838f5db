// The drop-in Windows functions' way into the engine (engine.h): their
// arguments as they came, with Windows' numbers and layouts. Plain C++ only,
// so that winsock.cc and iphlpapi.cc, which see the drop-in headers, stay
// small to compile.
#ifndef PORTPOOL_COMPAT_SRC_WIN32_CALLS_H_
#define PORTPOOL_COMPAT_SRC_WIN32_CALLS_H_

#include <cstdint>

namespace portpool::compat::internal {

enum class PersistentFunction : uint8_t {
  kCreateTcp,
  kCreateUdp,
  kLookupTcp,
  kLookupUdp,
  kDeleteTcp,
  kDeleteUdp,
};

// WSAStartup's error code (0 on success) and the version it grants.
int Startup(uint16_t requested, uint16_t* granted);
int Cleanup();
int LastError();
void SetLastError(int error);
uint32_t Persistent(PersistentFunction function, uint16_t start_port, uint16_t count,
                    uint64_t* token);
uintptr_t Socket(int af, int type, int protocol);
int CloseSocket(uintptr_t s);
int Bind(uintptr_t s, const void* name, int namelen);
int GetSockName(uintptr_t s, void* name, int* namelen);
int Ioctl(uintptr_t s, uint32_t code, void* in, uint32_t in_size, void* out, uint32_t out_size,
          uint32_t* bytes_returned, void* overlapped, bool completion_routine);

}  // namespace portpool::compat::internal

#endif  // PORTPOOL_COMPAT_SRC_WIN32_CALLS_H_

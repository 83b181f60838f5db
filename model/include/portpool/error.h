// Win32 and Winsock error codes that the port-reservation calls answer with.
//
// The model speaks in these codes so that an answer from the model and an
// answer from real Windows can be compared directly. Each value prints as its
// Windows name (NO_ERROR, WSAEADDRINUSE, ...), never as a bare number.
#ifndef PORTPOOL_ERROR_H_
#define PORTPOOL_ERROR_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"

namespace portpool {

// The numeric values are Windows' own (winerror.h / winsock2.h).
enum class Error : uint32_t {
  kNoError = 0,                 // NO_ERROR
  kAccessDenied = 5,            // ERROR_ACCESS_DENIED
  kInvalidHandle = 6,           // ERROR_INVALID_HANDLE
  kSharingViolation = 32,       // ERROR_SHARING_VIOLATION
  kInvalidParameter = 87,       // ERROR_INVALID_PARAMETER
  kNoAccess = 998,              // ERROR_NOACCESS (invalid memory access)
  kNotFound = 1168,             // ERROR_NOT_FOUND
  kWsaEacces = 10013,           // WSAEACCES
  kWsaEfault = 10014,           // WSAEFAULT
  kWsaEinval = 10022,           // WSAEINVAL
  kWsaEnotsock = 10038,         // WSAENOTSOCK
  kWsaEprotonosupport = 10043,  // WSAEPROTONOSUPPORT
  kWsaEopnotsupp = 10045,       // WSAEOPNOTSUPP
  kWsaEafnosupport = 10047,     // WSAEAFNOSUPPORT
  kWsaEaddrinuse = 10048,       // WSAEADDRINUSE
  kWsaEaddrnotavail = 10049,    // WSAEADDRNOTAVAIL
  kWsaEnobufs = 10055,          // WSAENOBUFS
};

// "NO_ERROR", "ERROR_SHARING_VIOLATION", "WSAEADDRINUSE", ...; for a value
// outside the enum, the decimal number.
std::string ErrorName(Error error);

// The inverse of ErrorName for the named values; also accepts a decimal
// number. nullopt for anything else.
std::optional<Error> ErrorFromName(absl::string_view name);

inline std::ostream& operator<<(std::ostream& os, Error error) { return os << ErrorName(error); }

template <typename Sink>
void AbslStringify(Sink& sink, Error error) {
  sink.Append(ErrorName(error));
}

}  // namespace portpool

#endif  // PORTPOOL_ERROR_H_

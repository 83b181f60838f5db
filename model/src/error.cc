#include "portpool/error.h"

#include <array>
#include <utility>

#include "absl/strings/numbers.h"

namespace portpool {
namespace {

constexpr std::array<std::pair<Error, absl::string_view>, 17> kNames = {{
    {Error::kNoError, "NO_ERROR"},
    {Error::kAccessDenied, "ERROR_ACCESS_DENIED"},
    {Error::kInvalidHandle, "ERROR_INVALID_HANDLE"},
    {Error::kSharingViolation, "ERROR_SHARING_VIOLATION"},
    {Error::kInvalidParameter, "ERROR_INVALID_PARAMETER"},
    {Error::kNoAccess, "ERROR_NOACCESS"},
    {Error::kNotFound, "ERROR_NOT_FOUND"},
    {Error::kWsaEacces, "WSAEACCES"},
    {Error::kWsaEfault, "WSAEFAULT"},
    {Error::kWsaEinval, "WSAEINVAL"},
    {Error::kWsaEnotsock, "WSAENOTSOCK"},
    {Error::kWsaEprotonosupport, "WSAEPROTONOSUPPORT"},
    {Error::kWsaEopnotsupp, "WSAEOPNOTSUPP"},
    {Error::kWsaEafnosupport, "WSAEAFNOSUPPORT"},
    {Error::kWsaEaddrinuse, "WSAEADDRINUSE"},
    {Error::kWsaEaddrnotavail, "WSAEADDRNOTAVAIL"},
    {Error::kWsaEnobufs, "WSAENOBUFS"},
}};

}  // namespace

std::string ErrorName(Error error) {
  for (const auto& [value, name] : kNames) {
    if (value == error) return std::string(name);
  }
  return std::to_string(static_cast<uint32_t>(error));
}

std::optional<Error> ErrorFromName(absl::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  uint32_t number = 0;
  if (!name.empty() && absl::SimpleAtoi(name, &number)) return static_cast<Error>(number);
  return std::nullopt;
}

}  // namespace portpool

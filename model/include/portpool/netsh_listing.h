// Renders a protocol's reservations the way `netsh int ipv4 show
// excludedportrange protocol=tcp` does: persistent ("administered") blocks
// marked '*', runtime blocks unmarked; and the dynamic range the way `netsh
// int ipv4 show dynamicport tcp` does. Text only; printing is the caller's.
#ifndef PORTPOOL_NETSH_LISTING_H_
#define PORTPOOL_NETSH_LISTING_H_

#include <string>

#include "portpool/machine.h"
#include "portpool/protocol.h"

namespace portpool {

std::string FormatExcludedPortRanges(const Machine& machine, Protocol protocol);
std::string FormatDynamicPortRange(const Machine& machine, Protocol protocol);

}  // namespace portpool

#endif  // PORTPOOL_NETSH_LISTING_H_

#include "portpool/port_range.h"

#include "absl/strings/str_cat.h"

namespace portpool {

std::string FormatRange(const PortRange& range) {
  if (range.count == 0) return absl::StrCat(range.start, "+0");
  if (range.count == 1) return absl::StrCat(range.start);
  return absl::StrCat(range.start, "-", range.last());
}

}  // namespace portpool

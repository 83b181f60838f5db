#include "trace_text.h"

#include <cstdint>

namespace portpool::traces::internal {
namespace {

bool IsContinuation(absl::string_view text, size_t offset, uint8_t low = 0x80,
                    uint8_t high = 0xBF) {
  if (offset >= text.size()) return false;
  const auto byte = static_cast<uint8_t>(text[offset]);
  return byte >= low && byte <= high;
}

}  // namespace

size_t ValidSequenceLength(absl::string_view text, size_t offset) {
  const auto lead = static_cast<uint8_t>(text[offset]);
  if (lead < 0x80) return (lead < 0x20 && lead != '\t') || lead == 0x7F ? 0 : 1;
  // RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
  if (lead >= 0xC2 && lead <= 0xDF) return IsContinuation(text, offset + 1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const uint8_t low = lead == 0xE0 ? 0xA0 : 0x80;
    const uint8_t high = lead == 0xED ? 0x9F : 0xBF;
    return IsContinuation(text, offset + 1, low, high) && IsContinuation(text, offset + 2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const uint8_t low = lead == 0xF0 ? 0x90 : 0x80;
    const uint8_t high = lead == 0xF4 ? 0x8F : 0xBF;
    return IsContinuation(text, offset + 1, low, high) && IsContinuation(text, offset + 2) &&
                   IsContinuation(text, offset + 3)
               ? 4
               : 0;
  }
  return 0;
}

BadByte FindBadByte(absl::string_view text) {
  size_t offset = 0;
  while (offset < text.size()) {
    const size_t length = ValidSequenceLength(text, offset);
    if (length == 0) return {offset, static_cast<uint8_t>(text[offset]) < 0x80};
    offset += length;
  }
  return {text.size(), false};
}

std::string Sanitize(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) {
    const size_t length = ValidSequenceLength(text, offset);
    if (length == 0) {
      out += '?';
      ++offset;
    } else {
      out.append(text.data() + offset, length);
      offset += length;
    }
  }
  return out;
}

absl::string_view StripLeadingBlanks(absl::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  return text;
}

absl::string_view StripTrailingBlanks(absl::string_view text) {
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

bool IsTokenName(absl::string_view text) {
  if (text.size() < 2 || text[0] != '$') return false;
  for (char c : text.substr(1)) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace portpool::traces::internal

// Byte-level rules of the trace text, shared by the parser and the printer.
#ifndef PORTPOOL_TRACES_SRC_TRACE_TEXT_H_
#define PORTPOOL_TRACES_SRC_TRACE_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace portpool::traces::internal {

inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// The first byte of `text` that the format does not allow in a line, or
// text.size() if there is none. The format allows UTF-8 text without control
// characters; tab is the one control character it allows.
struct BadByte {
  size_t offset;
  bool control;  // a control character; otherwise invalid UTF-8
};
// The length of the valid UTF-8 sequence at text[offset] that is not a
// control character (tab allowed), or 0 when the byte there starts none.
size_t ValidSequenceLength(absl::string_view text, size_t offset);
// The first bad byte, or offset == text.size() when the line is clean.
BadByte FindBadByte(absl::string_view text);

// `text` with control characters and invalid UTF-8 replaced by '?', so that
// it fits on one line of a trace.
std::string Sanitize(absl::string_view text);

// `text` without leading (StripLeadingBlanks) or trailing blanks.
absl::string_view StripLeadingBlanks(absl::string_view text);
absl::string_view StripTrailingBlanks(absl::string_view text);

// Token names: '$' then one or more of [A-Za-z0-9_].
bool IsTokenName(absl::string_view text);

}  // namespace portpool::traces::internal

#endif  // PORTPOOL_TRACES_SRC_TRACE_TEXT_H_

#include "portpool/outcome.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace portpool {

std::string DescribeOutcome(const Outcome& o) {
  std::string text = ErrorName(o.error);
  if (o.process) absl::StrAppend(&text, " process=p", o.process->value);
  if (o.socket) absl::StrAppend(&text, " socket=s", o.socket->value);
  if (o.block) absl::StrAppend(&text, " block=", FormatRange(*o.block));
  if (o.token) absl::StrAppend(&text, absl::StrFormat(" token=0x%x", *o.token));
  if (o.port) absl::StrAppend(&text, " port=", *o.port);
  return text;
}

}  // namespace portpool

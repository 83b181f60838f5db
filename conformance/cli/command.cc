#include "command.h"

#include <utility>

namespace portpool::cli {

Context::Context(std::string command, std::ostream& out, std::ostream& err,
                 traces::ToolIdentity tool)
    : command_(std::move(command)), out_(out), err_(err), tool_(std::move(tool)) {}

void Context::Say(absl::string_view message) {
  err_ << "portpool " << command_ << ": " << message << "\n";
  err_.flush();
}

int Context::Fail(absl::string_view message) {
  Say(message);
  return kExitBadInput;
}

}  // namespace portpool::cli

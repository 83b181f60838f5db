#include "args.h"

#include <span>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace portpool::cli {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& args,
                                 const std::vector<OptionSpec>& specs) {
  Args parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      const std::span<const std::string> rest = std::span(args).subspan(i + 1);
      parsed.positional_.insert(parsed.positional_.end(), rest.begin(), rest.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      parsed.positional_.push_back(arg);
      continue;
    }
    const bool is_long = arg.rfind("--", 0) == 0;
    std::string name = arg.substr(is_long ? 2 : 1);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); is_long && eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if ((is_long && s.name == name) ||
          (!is_long && !s.short_name.empty() && s.short_name == name)) {
        spec = &s;
      }
    }
    if (spec == nullptr)
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", arg, "'"));
    if (!spec->takes_value) {
      if (inline_value) {
        return absl::InvalidArgumentError(absl::StrCat("option --", spec->name, " takes no value"));
      }
      parsed.values_[spec->name] = "true";
      continue;
    }
    if (inline_value) {
      parsed.values_[spec->name] = *inline_value;
    } else if (i + 1 < args.size()) {
      parsed.values_[spec->name] = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("option ", arg, " needs a value"));
    }
  }
  return parsed;
}

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<uint64_t> Args::GetNumber(const std::string& name, uint64_t fallback, uint64_t min,
                                         uint64_t max) const {
  auto value = Get(name);
  if (!value) return fallback;
  uint64_t number = 0;
  if (!absl::SimpleAtoi(*value, &number) || number < min || number > max) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be a whole number from ", min,
                                                   " to ", max, ", not '", *value, "'"));
  }
  return number;
}

}  // namespace portpool::cli

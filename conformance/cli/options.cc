#include "options.h"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "files.h"

namespace portpool::cli {
namespace {

namespace fs = std::filesystem;

// "5,000" or, for the largest values, "2^64-1".
std::string Limit(uint64_t n) { return n == UINT64_MAX ? "2^64-1" : Grouped(n); }

class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() {
    column_width(26);
    label("Positionals", "Arguments");
  }

  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string line = "usage: portpool";
    if (app->get_parent() != nullptr) absl::StrAppend(&line, " ", name);
    if (app->get_parent() == nullptr) {
      absl::StrAppend(&line, " COMMAND [options]\n       portpool COMMAND --help\n");
      return line;
    }
    absl::StrAppend(&line, " [options]");
    for (const CLI::Option* positional :
         app->get_options([](const CLI::Option* o) { return o->get_positional(); })) {
      const bool many = positional->get_expected_max() > 1;
      absl::StrAppend(&line, " ", positional->get_name(), many ? "..." : "");
    }
    return line + "\n";
  }

  std::string make_option_opts(const CLI::Option* option) const override {
    return option->get_option_text().empty() ? "" : " " + option->get_option_text();
  }

  std::string make_subcommand(const CLI::App* sub) const override {
    // The list shows each subcommand's summary: its description's first line.
    const std::string& description = sub->get_description();
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_name(), description.substr(0, description.find('\n')),
                             column_width_);
    return out.str();
  }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    std::string text = make_usage(app, name);
    if (!app->get_description().empty()) absl::StrAppend(&text, "\n", app->get_description(), "\n");
    // Each group starts with a blank line of its own.
    absl::StrAppend(&text, make_positionals(app), make_groups(app, mode),
                    make_subcommands(app, mode));
    if (!app->get_footer().empty()) absl::StrAppend(&text, "\n", app->get_footer(), "\n");
    return text;
  }
};

}  // namespace

std::string Grouped(uint64_t n) {
  const std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

CLI::Option* AddNumber(CLI::App& app, const std::string& names, uint64_t& value, uint64_t min,
                       uint64_t max, const std::string& help, const std::string& value_name) {
  const std::string range = absl::StrCat(Limit(min), " to ", Limit(max));
  CLI::Validator check(
      [min, max, range](std::string& text) -> std::string {
        uint64_t number = 0;
        if (!absl::SimpleAtoi(text, &number) || number < min || number > max) {
          return absl::StrCat("must be a whole number from ", range, ", not '", text, "'");
        }
        return "";
      },
      "", "range");
  return app
      .add_option_function<std::string>(
          names, [&value](const std::string& text) { (void)absl::SimpleAtoi(text, &value); },
          absl::StrCat(help, " (", range, "; default ", Grouped(value), ")"))
      ->option_text(value_name)
      ->check(check);
}

CLI::Option* AddSeed(CLI::App& app, uint64_t& value, const std::string& help) {
  return AddNumber(app, "--seed", value, 0, UINT64_MAX, help, "S");
}

CLI::Option* AddSeconds(CLI::App& app, const std::string& names, std::optional<double>& value,
                        double max, const std::string& help) {
  const std::string limit = Grouped(static_cast<uint64_t>(max));
  CLI::Validator check(
      [max, limit](std::string& text) -> std::string {
        double seconds = 0;
        if (!absl::SimpleAtod(text, &seconds) || !std::isfinite(seconds) || !(seconds > 0) ||
            seconds > max) {
          return absl::StrCat("must be a number of seconds above 0 and at most ", limit, ", not '",
                              text, "'");
        }
        return "";
      },
      "", "seconds");
  return app
      .add_option_function<std::string>(
          names,
          [&value](const std::string& text) {
            double seconds = 0;
            if (absl::SimpleAtod(text, &seconds)) value = seconds;
          },
          absl::StrCat(help, " (above 0, at most ", limit, ")"))
      ->option_text("SECS")
      ->check(check);
}

CLI::Option* AddChoice(CLI::App& app, const std::string& names, std::string& value,
                       const std::vector<std::string>& choices, const std::string& help) {
  const std::string listed = absl::StrJoin(choices, "|");
  CLI::Validator check(
      [choices](std::string& text) -> std::string {
        for (const std::string& choice : choices) {
          if (text == choice) return "";
        }
        return absl::StrCat("must be ", absl::StrJoin(choices, " or "), ", not '", text, "'");
      },
      "", "choice");
  return app
      .add_option(names, value, value.empty() ? help : absl::StrCat(help, " (default ", value, ")"))
      ->option_text(listed)
      ->check(check);
}

CLI::Option* AddText(CLI::App& app, const std::string& names, std::string& value,
                     const std::string& value_name, const std::string& help) {
  return app.add_option(names, value, help)->option_text(value_name);
}

CLI::Option* AddFlag(CLI::App& app, const std::string& names, bool& value,
                     const std::string& help) {
  return app.add_flag(names, value, help);
}

CLI::Option* AddOutputFile(CLI::App& app, std::string& path, const std::string& help) {
  CLI::Validator check(
      [](std::string& text) -> std::string {
        const absl::Status writable = CheckWritable(text);
        return writable.ok() ? "" : std::string(writable.message());
      },
      "", "writable");
  return app.add_option("-o,--output", path, absl::StrCat(help, " (- or none: standard output)"))
      ->option_text("FILE")
      ->check(check);
}

CLI::Option* AddOutputFolder(CLI::App& app, std::string& path, const std::string& help) {
  CLI::Validator check(
      [](std::string& text) -> std::string {
        std::error_code error;
        if (fs::exists(text, error) && !fs::is_directory(text, error)) {
          return absl::StrCat(text, ": ",
                              std::make_error_code(std::errc::not_a_directory).message());
        }
        return "";
      },
      "", "folder");
  return app.add_option("-o,--output", path, absl::StrCat(help, " (default ", path, ")"))
      ->option_text("DIR")
      ->check(check);
}

CLI::Option* AddInputFolder(CLI::App& app, const std::string& names, std::string& path,
                            const std::string& help) {
  CLI::Validator check(
      [](std::string& text) -> std::string {
        std::error_code error;
        const fs::file_status status = fs::status(text, error);
        if (status.type() == fs::file_type::not_found) {
          return absl::StrCat(text, ": ",
                              std::make_error_code(std::errc::no_such_file_or_directory).message());
        }
        if (error) return absl::StrCat(text, ": ", error.message());
        if (status.type() != fs::file_type::directory) {
          return absl::StrCat(text, ": ",
                              std::make_error_code(std::errc::not_a_directory).message());
        }
        return "";
      },
      "", "folder");
  return app.add_option(names, path, help)->option_text("DIR")->check(check);
}

CLI::Option* AddInputFile(CLI::App& app, std::string& path, const std::string& help,
                          const std::string& value_name) {
  return app.add_option(value_name, path, absl::StrCat(help, " (-: standard input)"))->required();
}

CLI::Option* AddInputFiles(CLI::App& app, std::vector<std::string>& paths,
                           const std::string& help) {
  return app.add_option("FILE", paths, absl::StrCat(help, " (-: standard input)"))->required();
}

void AddWorkloadOptions(CLI::App& app, WorkloadFlags& flags) {
  AddSeed(app, flags.seed, "the simulator's seed");
  AddNumber(app, "--calls", flags.calls, 1, 1'000'000, "how many calls", "K");
  AddFlag(app, "--persistent-only", flags.persistent_only,
          "no sockets: only the persistent functions, processes and reboots");
}

void Describe(CLI::App& app, const std::string& description, const std::string& exit_codes) {
  app.description(description);
  app.footer(exit_codes);
}

std::shared_ptr<CLI::Formatter> MakeHelpFormatter() { return std::make_shared<HelpFormatter>(); }

}  // namespace portpool::cli

#include "portpool/expectation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace portpool {

void Expectation::Allow(Error error, Payload payload, RuleId rule) {
  for (const Answer& a : answers) {
    if (a.error == error && a.payload == payload) return;
  }
  answers.push_back(Answer{error, payload, rule});
}

void Expectation::AllowErrors(std::initializer_list<Error> errors, RuleId rule) {
  for (Error error : errors) Allow(error, Payload::kNothing, rule);
}

bool Expectation::AllowsError(Error error) const {
  return std::any_of(answers.begin(), answers.end(),
                     [&](const Answer& a) { return a.error == error; });
}

std::vector<RuleId> Expectation::Rules() const {
  std::vector<RuleId> rules;
  auto add = [&](RuleId id) {
    if (std::find(rules.begin(), rules.end(), id) == rules.end()) rules.push_back(id);
  };
  for (const Answer& a : answers) add(a.rule);
  for (RuleId id : also) add(id);
  return rules;
}

std::string DescribeAnswer(const Answer& a, const Expectation& e) {
  std::string payload;
  switch (a.payload) {
    case Payload::kNothing:
      break;
    case Payload::kNewProcess:
      payload = " with a new process";
      break;
    case Payload::kNewSocket:
      payload = " with a new socket";
      break;
    case Payload::kFreshToken:
      payload = " with a new unique non-zero token";
      break;
    case Payload::kUnlearnedToken:
      payload = " with a new unique non-zero token (or the token just associated)";
      break;
    case Payload::kExactToken:
      payload = absl::StrFormat(" with token 0x%x", e.token);
      break;
    case Payload::kSpecificBlock:
      payload = absl::StrCat(" with block ", FormatRange(e.block), " and a new token");
      break;
    case Payload::kWildcardBlock:
      payload = absl::StrCat(" with any clear block of ", e.block.count, " ports in ",
                             FormatRange(e.window), " and a new token");
      break;
    case Payload::kEphemeralPort:
      payload = absl::StrCat(" with any free port in ", FormatRange(e.window));
      break;
    case Payload::kPortFromBlocks:
      payload = absl::StrCat(
          " with any unbound port in ",
          absl::StrJoin(e.candidates, " or ",
                        [](std::string* out, const PortRange& r) { out->append(FormatRange(r)); }));
      break;
    case Payload::kExactPort:
      payload = absl::StrCat(" with port ", e.port);
      break;
  }
  return absl::StrCat(ErrorName(a.error), payload, " [", a.rule, "]");
}

std::string DescribeExpectation(const Expectation& e) {
  return absl::StrJoin(e.answers, " | ", [&](std::string* out, const Answer& a) {
    out->append(DescribeAnswer(a, e));
  });
}

}  // namespace portpool

// How the rule files (persistent_rules.cc, runtime_rules.cc, bind_rules.cc,
// process_rules.cc) build one call's answer set, and the error sets they
// share where Windows' own code is not known. Internal to the model.
#ifndef PORTPOOL_MODEL_SRC_ANSWER_BUILDER_H_
#define PORTPOOL_MODEL_SRC_ANSWER_BUILDER_H_

#include <initializer_list>

#include "portpool/error.h"
#include "portpool/expectation.h"
#include "portpool/rules.h"

namespace portpool::rule_support {

// Error sets for the places where Windows' code is not known, named after
// the reference's unknowns (windows-port-reservations.md section 16).
// U4: release or associate with a token that does not fit (unknown, foreign,
// persistent for release, released), twice, or on a bound socket.
inline constexpr std::initializer_list<Error> kTokenErrors = {Error::kWsaEinval, Error::kWsaEacces,
                                                              Error::kWsaEaddrinuse};
// U3: acquire of 0 ports or past port 65535.
inline constexpr std::initializer_list<Error> kInvalidCountErrors = {Error::kWsaEinval};
// U2: no block to be had (a wildcard acquire with no room, a gone block).
inline constexpr std::initializer_list<Error> kNoBlockErrors = {
    Error::kWsaEnobufs, Error::kWsaEaddrinuse, Error::kWsaEinval};
// U1: no port left in an associated block.
inline constexpr std::initializer_list<Error> kNoPortErrors = {Error::kWsaEnobufs,
                                                               Error::kWsaEaddrinuse};
// M3: a missing or short input buffer.
inline constexpr std::initializer_list<Error> kBufferErrors = {Error::kWsaEinval,
                                                               Error::kWsaEfault};

// Collects answers for one call: error answers as rules fire, and at the end
// the success answer if no rule forbade success.
class AnswerBuilder {
 public:
  explicit AnswerBuilder(Expectation& e) : e_(e) {}
  // A rule that forbids success.
  void Fail(Error error, RuleId rule) {
    e_.Allow(error, Payload::kNothing, rule);
    success_ = false;
    ++failing_rules_;
  }
  void Fail(std::initializer_list<Error> errors, RuleId rule) {
    e_.AllowErrors(errors, rule);
    success_ = false;
    ++failing_rules_;
  }
  // A rule under which Windows may fail or succeed: success stays possible.
  void MayFail(std::initializer_list<Error> errors, RuleId rule) { e_.AllowErrors(errors, rule); }
  bool success_possible() const { return success_; }
  // Adds the success answer if no rule forbade it. When several rules
  // forbade it, their order is unknown and every code stays allowed.
  void Succeed(Payload payload, RuleId rule) {
    if (success_) e_.Allow(Error::kNoError, payload, rule);
  }
  // P-ERROR-ORDER: cited when two or more rules forbade success.
  void Finish() {
    if (failing_rules_ > 1) e_.also.push_back(rules::kErrorOrder);
  }

 private:
  Expectation& e_;
  bool success_ = true;
  int failing_rules_ = 0;
};

}  // namespace portpool::rule_support

#endif  // PORTPOOL_MODEL_SRC_ANSWER_BUILDER_H_

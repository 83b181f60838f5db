#include "testing/oracle_judge.h"

#include <string>
#include <utility>

#include "testing/agreement.h"
#include "testing/model_invariants.h"
#include "testing/table_oracle.h"

namespace portpool::conformance::testing {
namespace {

using portpool::testing::TableOracle;

class OracleJudge : public SecondJudge {
 public:
  std::unique_ptr<SecondJudge> Clone() const override {
    return std::make_unique<OracleJudge>(*this);
  }
  void Assign(const SecondJudge& other) override {
    oracle_ = static_cast<const OracleJudge&>(other).oracle_;
  }
  std::optional<Allowed> Judge(const Call& call) const override {
    const std::optional<TableOracle::Allowed> a = oracle_.Judge(call);
    if (!a) return std::nullopt;
    return Allowed{std::vector<Error>(a->errors.begin(), a->errors.end()), a->success};
  }
  std::string WhyNot(const Call& call, const Outcome& outcome) const override {
    return oracle_.WhyNot(call, outcome);
  }
  void Apply(const Call& call, const Outcome& outcome, const Machine& model) override {
    oracle_.Apply(call, outcome);
    // Tokens the model settled without an outcome (a reboot): as the
    // agreement tests do, the oracle is taught them.
    for (const auto& [protocol, block] : oracle_.BlocksWithUnknownToken()) {
      const Block* b = model.pool(protocol).FindExact(block);
      if (b != nullptr && b->token_known) oracle_.LearnToken(protocol, block, b->token);
    }
  }
  std::string Compare(const Machine& model) const override {
    return portpool::testing::CompareStates(model, oracle_);
  }
  std::string name() const override { return "table oracle"; }

 private:
  TableOracle oracle_;
};

}  // namespace

std::unique_ptr<SecondJudge> MakeOracleJudge() { return std::make_unique<OracleJudge>(); }

void UseOracleAndInvariants(ExploreOptions& options) {
  options.second_judge = [] { return MakeOracleJudge(); };
  options.invariants = [](const Machine& m) { return portpool::testing::CheckInvariants(m); };
}

}  // namespace portpool::conformance::testing

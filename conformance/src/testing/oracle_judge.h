// The table oracle (model/src/testing/table_oracle.h) as the exhaustive
// explorer's second judge, with the model's invariants: what the tests and
// `portpool explore` plug into ExploreOptions.
#ifndef PORTPOOL_CONFORMANCE_TESTING_ORACLE_JUDGE_H_
#define PORTPOOL_CONFORMANCE_TESTING_ORACLE_JUDGE_H_

#include <memory>

#include "portpool/conformance/explore.h"

namespace portpool::conformance::testing {

std::unique_ptr<SecondJudge> MakeOracleJudge();

// Sets options.second_judge to the table oracle and options.invariants to
// testing::CheckInvariants.
void UseOracleAndInvariants(ExploreOptions& options);

}  // namespace portpool::conformance::testing

#endif  // PORTPOOL_CONFORMANCE_TESTING_ORACLE_JUDGE_H_

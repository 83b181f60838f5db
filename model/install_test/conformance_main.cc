// Consumer of an installed portpool's conformance component: a short
// campaign of the simulator against the model, and its report as JSON.
// Built and run by the ctest test `install_test` (scripts/install_test.cmake).
#include <iostream>
#include <memory>

#include "portpool/conformance/campaign.h"
#include "portpool/conformance/report.h"
#include "portpool/conformance/simulator_backend.h"

int main() {
  portpool::conformance::CampaignOptions options;
  options.make_backend = [](uint64_t seed) -> std::unique_ptr<portpool::conformance::Backend> {
    return std::make_unique<portpool::conformance::SimulatorBackend>(seed);
  };
  options.seeds = 3;
  options.length = 30;
  auto result = portpool::conformance::RunCampaign(options);
  if (!result.ok() || !result->conforms() || result->sequences != 3) {
    std::cerr << "FAIL: a 3-sequence simulator campaign did not conform\n";
    return 1;
  }
  const std::string json = portpool::conformance::ReportJson(*result);
  if (json.find("\"verdict\": \"CONFORMS\"") == std::string::npos) {
    std::cerr << "FAIL: report.json lacks the verdict:\n" << json.substr(0, 400) << "\n";
    return 1;
  }
  std::cout << "OK: the conformance component runs a campaign (" << result->calls_checked()
            << " calls) and writes its JSON report\n";
  return 0;
}

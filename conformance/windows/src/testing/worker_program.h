// The `portpool` program the worker tests start as workers: the one this
// build made (PORTPOOL_CLI_EXE), as a path this platform can run.
#ifndef PORTPOOL_CONFORMANCE_WINDOWS_TESTING_WORKER_PROGRAM_H_
#define PORTPOOL_CONFORMANCE_WINDOWS_TESTING_WORKER_PROGRAM_H_

#include <string>

namespace portpool::conformance::testing {

// The build's portpool program. Under Wine the build's path is a Unix path;
// it comes back as Wine's DOS name for it (Z:\...), which CreateProcessW
// understands.
std::string WorkerProgram();

}  // namespace portpool::conformance::testing

#endif  // PORTPOOL_CONFORMANCE_WINDOWS_TESTING_WORKER_PROGRAM_H_

// The git commit the `portpool` program was built from: written into a
// generated source file at build time by cmake/BuildCommit.cmake. 12 hex
// digits, "-dirty" when the checkout had changes; empty when the sources were
// not a git checkout.
#ifndef PORTPOOL_CONFORMANCE_CLI_BUILD_COMMIT_H_
#define PORTPOOL_CONFORMANCE_CLI_BUILD_COMMIT_H_

namespace portpool::cli {

extern const char kBuildCommit[];

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_BUILD_COMMIT_H_

# shellcheck shell=bash
# Shared setup for scripts/run.sh and scripts/test.sh (source it, don't run it).
#
#   portpool_setup <preset>
#     1. installs the Debian packages the build needs, if any is missing
#        (apt-get; as root, or through sudo when available),
#     2. configures build/<preset> with `cmake --preset <preset>` unless it is
#        configured already (set PORTPOOL_RECONFIGURE=1 to force),
#     3. builds it (`cmake --build --preset <preset>`), which rebuilds only
#        what changed. Parallelism: PORTPOOL_JOBS (default: nproc).
#
# After sourcing, the working directory is the repository root and
# PORTPOOL_ROOT names it.

PORTPOOL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$PORTPOOL_ROOT" || exit 1

PORTPOOL_PACKAGES=(
  cmake ninja-build g++
  librapidcheck-dev libabsl-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libcli11-dev nlohmann-json3-dev  # the `portpool` command line; report.json, replay --json
  chromium  # headless, for the report screenshot test (ctest -L report)
  clang-14 libclang-rt-14-dev  # FuzzedDataProvider.h for fuzz/ and `portpool from-fuzz`;
                               # libFuzzer for scripts/fuzz.sh
  python3 python3-yaml  # scripts/check_workflow.py (ctest -L workflow), JSON checks
  pkg-config  # the install test builds a consumer with portpool.pc
)

portpool_log() {
  printf '[portpool] %s\n' "$*" >&2
}

portpool_missing_packages() {
  local pkg
  for pkg in "${PORTPOOL_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q ' ok installed$'; then
      printf '%s\n' "$pkg"
    fi
  done
}

portpool_ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    portpool_log "not a Debian system (no dpkg-query): not checking packages;" \
      "needs cmake >= 3.25, ninja, a C++20 compiler, abseil, googletest, rapidcheck"
    return 0
  fi
  local missing
  mapfile -t missing < <(portpool_missing_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  portpool_log "installing missing packages: ${missing[*]}"
  local -a sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      portpool_log "error: not root and no sudo; install as root:" \
        "apt-get install ${missing[*]}"
      return 1
    fi
  fi
  local -a apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
    -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
}

portpool_setup() {
  local preset="$1"
  local build_dir="$PORTPOOL_ROOT/build/$preset"
  local jobs="${PORTPOOL_JOBS:-$(nproc 2>/dev/null || echo 2)}"

  portpool_ensure_packages

  if [[ "${PORTPOOL_RECONFIGURE:-0}" == 1 || ! -f "$build_dir/CMakeCache.txt" \
        || ! -f "$build_dir/build.ninja" ]]; then
    portpool_log "configuring preset '$preset' in build/$preset"
    cmake --preset "$preset"
  fi
  portpool_log "building preset '$preset' (-j$jobs)"
  cmake --build --preset "$preset" -j "$jobs"
}

#!/usr/bin/env bash
# The mingw-w64 + Wine lane: builds portpool for Windows (x86_64-w64-mingw32,
# warnings as errors, linked statically) and runs its tests as PE binaries
# under Wine. Wine implements none of the port-reservation API, so the
# model's, traces' and conformance tests must pass, and every `windows-real`
# test must skip with "unsupported on this system: ..." (checked by the test
# windows_real_skips_as_unsupported).
#
#   scripts/windows-cross.sh [ctest args...]
#
# Steps (each timed):
#   1. apt-get what is missing: g++-mingw-w64-x86-64-posix, wine64, dpkg-dev
#      (for apt-get source), and the host packages whose versions pick the
#      sources (libabsl-dev, librapidcheck-dev, googletest);
#   2. googletest (/usr/src/googletest), Abseil and rapidcheck (`apt-get
#      source`, through a deb-src list in an apt config of its own) built for
#      mingw into a cache outside the clone, keyed by the package and
#      compiler versions, so later runs skip it:
#      $PORTPOOL_MINGW_CACHE (default /var/cache/portpool/mingw-deps)/<key>;
#      the header-only CLI11 and nlohmann-json are the host packages' headers
#      and CMake files, copied into <build>/header-deps;
#   3. configure build/mingw (PORTPOOL_MINGW_BUILD) with
#      cmake/mingw-w64-x86_64.cmake, PORTPOOL_WERROR=ON and the warnings that
#      stand in for MSVC /W4 (PORTPOOL_MSVC_WARNINGS: the Windows-only sources
#      are compiled only here), build everything;
#   4. smoke-test portpool.exe under Wine, then ctest. Left out: label
#      `install` (its consumer build is not a cross build), and the tests
#      that run portpool.exe from a host-side script without the emulator
#      (trace.divergent.*, cli_smoke): Linux cannot execute a PE file;
#   5. wineserver -k, always.
# Parallelism: PORTPOOL_JOBS (default: nproc).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${PORTPOOL_JOBS:-$(nproc 2>/dev/null || echo 2)}"
build="${PORTPOOL_MINGW_BUILD:-$root/build/mingw}"
cache_root="${PORTPOOL_MINGW_CACHE:-/var/cache/portpool/mingw-deps}"
toolchain="$root/cmake/mingw-w64-x86_64.cmake"
triple=x86_64-w64-mingw32
# Bump when the way the dependencies are built changes.
# 2: built at -O0, as the lane builds portpool: a new machine builds them before
#    anything else, -O2 compiles much slower, and the test programs' time under
#    Wine goes mostly to starting Wine.
recipe=2

start=$SECONDS
log() { printf '[windows-cross %4ds] %s\n' $((SECONDS - start)) "$*" >&2; }

# --- 1. packages -----------------------------------------------------------------
packages=(g++-mingw-w64-x86-64-posix wine64 dpkg-dev xz-utils cmake ninja-build
  googletest libabsl-dev librapidcheck-dev libcli11-dev nlohmann-json3-dev)
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q ' ok installed$'; then
    missing+=("$pkg")
  fi
done
sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); fi
fi
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600
  -o Acquire::Retries=3)
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
log "packages ready"

# --- 2. the dependencies, built for mingw, cached --------------------------------------
version() { dpkg-query -W -f='${Version}' "$1"; }
gcc_version="$("$triple-g++-posix" -dumpfullversion)"
absl_version="$(version libabsl-dev)"
rapidcheck_version="$(version librapidcheck-dev)"
gtest_version="$(version googletest)"
key="r${recipe}-gcc${gcc_version}-absl${absl_version}-rapidcheck${rapidcheck_version}-gtest${gtest_version}"
key="${key//[^A-Za-z0-9._-]/_}"
deps="$cache_root/$key"

build_deps() {
  local work
  work="$(mktemp -d "$cache_root/.work.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  rm -rf "$deps"

  # Sources through an apt configuration of their own: deb-src lines for
  # bookworm, and trixie as a fallback for a source whose bookworm files the
  # mirror no longer has (rapidcheck's orig tarball, at the time of writing).
  local apt_dir="$work/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$work/src"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  {
    echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main"
    echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main"
    echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian trixie main"
  } >"$apt_dir/sources.list"
  local src_apt=(apt-get -q -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root -o Acquire::Retries=3)
  log "fetching source indexes (separate apt config)"
  "${src_apt[@]}" update >"$work/apt-update.log" 2>&1 || {
    cat "$work/apt-update.log" >&2
    return 1
  }
  # fetch_source PACKAGE VERSION: unpacks PACKAGE's source under
  # $work/src/PACKAGE. The Debian source package of exactly VERSION (patches
  # applied) if the mirror has all its files; else its upstream tarball
  # alone; else the newest upstream tarball any listed suite has.
  fetch_source() {
    local pkg="$1" want="$2" dl="$work/dl-$1" spec orig
    mkdir -p "$dl"
    if (cd "$dl" && "${src_apt[@]}" source "$pkg=$want" >"$work/source-$pkg.log" 2>&1); then
      mv "$(find "$dl" -mindepth 1 -maxdepth 1 -type d | head -1)" "$work/src/$pkg"
      echo "$pkg $want: Debian source package, Debian's patches applied" >>"$work/manifest"
      return 0
    fi
    for spec in "$pkg=$want" "$pkg"; do
      rm -rf "$dl" && mkdir -p "$dl"
      if (cd "$dl" && "${src_apt[@]}" source --tar-only --download-only "$spec" \
        >>"$work/source-$pkg.log" 2>&1); then
        orig="$(find "$dl" -maxdepth 1 -name '*.orig.tar.*' | head -1)"
        [[ -n "$orig" ]] || continue
        mkdir -p "$work/src/$pkg"
        tar -xf "$orig" -C "$work/src/$pkg"
        log "note: $pkg: using $(basename "$orig") without Debian's patches" \
          "(the mirror lacks the full source of $want)"
        echo "$pkg $(basename "$orig"): upstream tarball only (wanted $want)" >>"$work/manifest"
        return 0
      fi
    done
    cat "$work/source-$pkg.log" >&2
    return 1
  }
  # source_dir PACKAGE: the top CMake directory of the unpacked source.
  source_dir() {
    find "$work/src/$1" -maxdepth 2 -name CMakeLists.txt | awk -F/ '{ print NF, $0 }' |
      sort -n | head -1 | cut -d' ' -f2- | xargs dirname
  }
  log "fetching sources: abseil $absl_version, rapidcheck $rapidcheck_version"
  fetch_source abseil "$absl_version"
  fetch_source rapidcheck "$rapidcheck_version"
  echo "googletest $gtest_version (/usr/src/googletest)" >>"$work/manifest"
  echo "$triple-g++-posix $gcc_version" >>"$work/manifest"

  local common=(-G Ninja "-DCMAKE_TOOLCHAIN_FILE=$toolchain" -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_CXX_FLAGS_RELEASE=-O0 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O0 -DNDEBUG"
    "-DCMAKE_INSTALL_PREFIX=$deps" "-DPORTPOOL_MINGW_DEPS=$deps" -Wno-dev)
  build_one() {  # build_one NAME SOURCE_DIR [cmake args...]
    local name="$1" src="$2"
    shift 2
    log "building $name for mingw"
    cmake -S "$src" -B "$work/build-$name" "${common[@]}" "$@" >"$work/$name.log" 2>&1 &&
      cmake --build "$work/build-$name" -j "$jobs" >>"$work/$name.log" 2>&1 &&
      cmake --install "$work/build-$name" >>"$work/$name.log" 2>&1 || {
      tail -50 "$work/$name.log" >&2
      return 1
    }
  }
  build_one googletest /usr/src/googletest -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON
  # As Debian builds it (debian/rules: C++17, static); Debian's patches,
  # applied by apt-get source, keep absl::string_view its own type.
  # Debian's patch (configure.diff) makes absl::string_view, optional, any
  # and variant Abseil's own types; keep that even from an unpatched tarball,
  # so the mingw build sees the same Abseil as the Linux one.
  local options
  options="$(source_dir abseil)/absl/base/options.h"
  sed -i -E 's/^(#define ABSL_OPTION_USE_STD_(ANY|OPTIONAL|STRING_VIEW|VARIANT)) 2$/\1 0/' \
    "$options"
  grep -q '^#define ABSL_OPTION_USE_STD_STRING_VIEW 0$' "$options"
  build_one abseil "$(source_dir abseil)" \
    -DCMAKE_CXX_STANDARD=17 -DABSL_PROPAGATE_CXX_STD=ON -DBUILD_TESTING=OFF \
    -DABSL_ENABLE_INSTALL=ON -DBUILD_SHARED_LIBS=OFF
  build_one rapidcheck "$(source_dir rapidcheck)" \
    -DRC_INSTALL_ALL_EXTRAS=ON -DBUILD_SHARED_LIBS=OFF
  cp "$work/manifest" "$deps/manifest.txt"
  touch "$deps/.complete"
}

mkdir -p "$cache_root"
if [[ ! -f "$deps/.complete" ]]; then
  exec 8>"$cache_root/.lock"
  flock 8
  if [[ ! -f "$deps/.complete" ]]; then
    log "no cached dependencies for $key: building them"
    if ! build_deps; then
      rm -rf "$deps"
      log "error: building the mingw dependencies failed"
      exit 1
    fi
  fi
  flock -u 8
fi
log "dependencies: $deps ($(tr '\n' ';' <"$deps/manifest.txt"))"

# Header-only dependencies: no build, the host's headers and CMake package
# files (relocatable: they find their headers relative to themselves).
headers="$build/header-deps"
rm -rf "$headers"
mkdir -p "$headers/include" "$headers/share/cmake"
cp -r /usr/include/CLI /usr/include/nlohmann "$headers/include/"
cp -r /usr/share/cmake/CLI11 /usr/share/cmake/nlohmann_json "$headers/share/cmake/"
log "header-only dependencies: CLI11 $(version libcli11-dev), nlohmann-json $(version nlohmann-json3-dev)"

# --- 3. configure and build ------------------------------------------------------------
export WINEPREFIX="$build/wine-prefix"
cleanup_wine() {
  if [[ -d "$WINEPREFIX" ]]; then
    WINEPREFIX="$WINEPREFIX" /usr/lib/wine/wineserver -k >/dev/null 2>&1 || true
  fi
}
trap cleanup_wine EXIT

# Debug without -g: assertions on, and the static .exe files link in a
# fraction of the time (they are 20-70 MB each with debug info).
log "configuring $build"
cmake -S "$root" -B "$build" -G Ninja \
  "-DCMAKE_TOOLCHAIN_FILE=$toolchain" \
  "-DPORTPOOL_MINGW_DEPS=$deps;$headers" \
  -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG=-O0 \
  -DPORTPOOL_WERROR=ON \
  -DPORTPOOL_MSVC_WARNINGS=ON \
  -DPORTPOOL_EXPECT_UNSUPPORTED=ON >"$build.configure.log" 2>&1 || {
  cat "$build.configure.log" >&2
  exit 1
}
log "building (-j$jobs)"
cmake --build "$build" -j "$jobs"
log "built"

# --- 4. run under Wine --------------------------------------------------------------------
wine_run=("$root/scripts/wine-run.sh" --prefix "$WINEPREFIX")
portpool_exe="$build/conformance/portpool.exe"
log "smoke test: portpool.exe under Wine (creates the Wine prefix on first use)"
help="$("${wine_run[@]}" "$portpool_exe" --help)"
grep -q '^  cleanup ' <<<"$help" || {
  echo "$help" >&2
  log "error: portpool.exe --help does not list cleanup"
  exit 1
}
smoke="$(mktemp -d)"
"${wine_run[@]}" "$portpool_exe" cleanup --journal "$smoke/absent.txt" | grep -q 'nothing to clean'
printf 'portpool-journal 1\nbegin 1 create tcp 20000 4\nend 1 NO_ERROR\n' >"$smoke/left.txt"
set +e
"${wine_run[@]}" "$portpool_exe" cleanup --journal "$smoke/left.txt" >"$smoke/out" 2>&1
code=$?
set -e
if [[ $code -ne 2 ]] || ! grep -q 'unsupported on this system' "$smoke/out"; then
  cat "$smoke/out" >&2
  log "error: cleanup of a pending journal under Wine should exit 2 as unsupported (got $code)"
  exit 1
fi
rm -rf "$smoke"
log "smoke test passed"

# One wineserver for the whole test run (-p: persistent). Otherwise it exits
# a few seconds after the last program, and a test program starting just then
# loses its connection ("wine client error:0: recvmsg: Connection reset by
# peer"). The smoke test's server is stopped first (-p refuses to start
# beside one). Detached from this script's output (see wine-run.sh); killed
# by cleanup_wine.
/usr/lib/wine/wineserver -k >/dev/null 2>&1 || true
/usr/lib/wine/wineserver -w >/dev/null 2>&1 || true
/usr/lib/wine/wineserver -p >/dev/null 2>&1 </dev/null ||
  log "warning: no persistent wineserver (wineserver -p failed); tests may meet a restarting one"
log "ctest under Wine (-j$jobs)"
ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 900 \
  --output-junit "$build/ctest-junit.xml" \
  -LE '^install$' -E '^(trace\.divergent\.|cli_smoke$)' "$@"
log "lane done"

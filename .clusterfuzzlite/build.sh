#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: the same four libFuzzer targets that
# scripts/fuzz.sh builds (fuzz/targets/*_fuzzer.cc), compiled with the
# compiler, sanitizer and engine flags the platform passes in ($CXX,
# $CXXFLAGS, $LIB_FUZZING_ENGINE), and copied to $OUT with their seed corpora
# (fuzz_<target>_seed_corpus.zip) and dictionaries (fuzz_<target>.dict).

deps="$WORK/deps"
# cmake_build SOURCE BUILD [CMAKE ARGS...]: configures, builds and installs
# with the platform's compiler and flags.
cmake_build() {
  local source="$1" build="$2"
  shift 2
  cmake -S "$source" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_C_FLAGS="$CFLAGS" \
    -DCMAKE_CXX_STANDARD=20 \
    -DCMAKE_PREFIX_PATH="$deps" -DCMAKE_INSTALL_PREFIX="$deps" "$@"
  cmake --build "$build" -j "$(nproc)"
}

# The libraries, with the same standard library as the targets.
cmake_build "$SRC/abseil-cpp" "$WORK/abseil" -DABSL_PROPAGATE_CXX_STD=ON -DBUILD_TESTING=OFF
cmake --install "$WORK/abseil"
cmake_build "$SRC/googletest" "$WORK/googletest" -DBUILD_GMOCK=ON
cmake --install "$WORK/googletest"
cmake_build "$SRC/rapidcheck" "$WORK/rapidcheck" -DRC_ENABLE_GTEST=ON -DRC_INSTALL_ALL_EXTRAS=ON
cmake --install "$WORK/rapidcheck"

# The targets. Tests stay on: the call-sequence target uses the model's
# test-only table oracle. Warnings are not errors: the platform's clang is
# newer than the one the project is kept warning-free with.
cmake -S "$SRC/portpool" -B "$WORK/portpool" -G Ninja \
  -DCMAKE_BUILD_TYPE=Fuzz \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_PREFIX_PATH="$deps" \
  -DPORTPOOL_BUILD_FUZZERS=ON -DPORTPOOL_BUILD_TESTS=ON -DPORTPOOL_BUILD_BENCHMARKS=OFF \
  -DPORTPOOL_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$WORK/portpool" -j "$(nproc)" --target fuzzers

for target in calls parser win32 checker; do
  cp "$WORK/portpool/fuzz/fuzz_$target" "$OUT/"
  cp "$SRC/portpool/fuzz/dict/$target.dict" "$OUT/fuzz_$target.dict"
  (cd "$SRC/portpool/fuzz/corpus/$target" && zip -q -r "$OUT/fuzz_${target}_seed_corpus.zip" .)
done

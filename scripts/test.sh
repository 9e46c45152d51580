#!/bin/bash
# The README's second command: installs what is missing, builds, and runs the whole test
# suite — unit, scenario and corpus replays, end-to-end tests with real clients on
# virtual LANs, fault tests; an address/undefined-sanitizer build; a clang build with
# bounded libFuzzer runs; man page lint and format check. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
./scripts/install-deps.sh

# Each step prints how long the one before it took, so a slow CI run shows where the
# time went.
step_started=$SECONDS
step_name=""
step() {
    [ -z "$step_name" ] || printf '=== %s: %d s\n' "$step_name" $((SECONDS - step_started))
    step_name="$*"
    step_started=$SECONDS
    printf '\n=== %s\n' "$*"
}

step "build (g++, -Werror) and full test suite"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build
meson test -C build --print-errorlogs --num-processes "$(nproc)"

step "address + undefined sanitizers over unit tests and corpus replays"
[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debugoptimized -De2e=false -Dbench=false >/dev/null
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --suite unit --suite fuzz --print-errorlogs
# ROBUSTNESS J5 under the sanitizers: the soak at a tenth of its rate against the
# sanitized daemon (~60 s; the load generator comes from the main build; 77 = skipped).
SOAK_SECONDS=40 SOAK_RATE=100 SOAK_SANITIZER=1 LEASEDNS_BIN="$PWD/build-asan/src/app/leasedns" \
    LEASEDNS_LOADGEN="$PWD/build/bench/leasedns-loadgen" \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=16 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    python3 tests/fault/test_soak.py --hard-timeout 150 || [ $? -eq 77 ]

step "clang 14 build with libFuzzer targets, ${FUZZ_SECONDS}s each"
[ -f build-fuzz/build.ninja ] || CXX=clang++ meson setup build-fuzz -Dfuzz=true -De2e=false -Dbench=false \
    -Dbuildtype=debugoptimized >/dev/null
ninja -C build-fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One libFuzzer executable per corpus directory (tests/fuzz/corpus/NAME -> fuzz_NAME),
# as many at a time as there are cores: each is single-threaded.
fuzz_one() {
    local name=$1 target=build-fuzz/tests/fuzz/fuzz_$1
    [ -x "$target" ] || { echo "no fuzzer executable $target for corpus $name"; return 1; }
    mkdir -p "$work/$name"
    cp -r "tests/fuzz/corpus/$name/." "$work/$name/"
    if "$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/$name-" "$work/$name" 2>"$work/$name.log"; then
        echo "fuzz $name: $(grep -E '^#[0-9]+.*DONE' "$work/$name.log" | tail -1)"
    else
        tail -40 "$work/$name.log"
        echo "fuzz target $name failed"
        return 1
    fi
}
export -f fuzz_one
export work FUZZ_SECONDS
ls -d tests/fuzz/corpus/*/ | xargs -n1 basename |
    xargs -P "$(nproc)" -I{} bash -c 'fuzz_one "$@"' _ {}

step "man pages lint clean"
for page in man/*.[0-9]; do mandoc -Tlint -W warning "$page"; done

step "clang-format"
files=$(git ls-files '*.cpp' '*.hpp')
clang-format --dry-run --Werror $files

step "done"
echo
echo "ALL TESTS PASSED in $SECONDS s"

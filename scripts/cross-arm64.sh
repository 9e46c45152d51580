#!/bin/bash
# Cross-builds leasedns for arm64 (Raspberry Pi OS 64-bit and other aarch64 Linux) on a
# Debian 12 amd64 machine and runs the unit tests under qemu-user:
#
#   scripts/cross-arm64.sh             unit tests only (what scripts/test.sh runs)
#   scripts/cross-arm64.sh --all       also the daemon and leasectl (bench/footprint.sh)
#   BUILD=dir scripts/cross-arm64.sh   another build directory (default build-arm64)
#
# Installs what is missing (as root): Debian's cross compiler (crossbuild-essential-arm64),
# qemu-user-static, and the arm64 multiarch -dev packages of the libraries leasedns links
# (libuv, c-ares, toml++). A Multi-Arch: same -dev package must have the same
# version for amd64 and arm64: apt upgrades the amd64 one alongside when it is older, and
# refuses (this script then fails with apt's message) if the archive cannot match them.
# Configures with cross/arm64.ini, builds and runs `meson test --suite unit`; meson runs
# each arm64 test binary through the cross file's exe_wrapper (qemu-aarch64-static).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-arm64}
all=0
case ${1:-} in
--all) all=1 ;;
"") ;;
-h | --help) sed -n '2,/^set -euo/{/^set -euo/!p}' "$0"; exit 0 ;;
*) echo "cross-arm64: unknown argument $1" >&2; exit 2 ;;
esac

if [[ $(dpkg --print-architecture) == arm64 ]]; then
    echo "cross-arm64: this machine is arm64: build natively (meson setup build)" >&2
    exit 2
fi

# ---- what the cross build needs --------------------------------------------------------
CROSS_PACKAGES="crossbuild-essential-arm64 qemu-user-static doctest-dev
  libuv1-dev:arm64 libc-ares-dev:arm64 libtomlplusplus-dev:arm64"
missing=""
for p in $CROSS_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [[ -n $missing ]]; then
    if [[ $(id -u) != 0 ]]; then
        echo "cross-arm64: run as root to install:$missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        dpkg --add-architecture arm64
    fi
    apt-get -o DPkg::Lock::Timeout=300 update -q
    # shellcheck disable=SC2086
    apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends $missing
fi

# ---- configure, build, test -------------------------------------------------------------
t0=$(date +%s)
if [[ ! -f $BUILD/build.ninja ]]; then
    # doctest is header-only and Debian ships no doctest.pc (only CMake files, which a
    # cross build would have to find through a generated CMake toolchain): describe the
    # headers for pkg-config, beside the arm64 .pc files.
    pcdir="$PWD/$BUILD-pkgconfig"
    mkdir -p "$pcdir"
    printf 'Name: doctest\nDescription: doctest (header-only, in /usr/include)\nVersion: %s\nCflags:\n' \
        "$(dpkg-query -W -f='${Version}' doctest-dev | sed 's/[~+-].*//')" >"$pcdir/doctest.pc"
    meson setup "$BUILD" --cross-file cross/arm64.ini -Dpkg_config_path="$pcdir" \
        -Dtests=true -De2e=false -Dbench=false -Dfuzz=false >/dev/null
fi
jobs=$(nproc)
((jobs > 2)) && jobs=2
targets=(tests/unit_tests)
((all)) && targets=()
ninja -C "$BUILD" -j "$jobs" "${targets[@]}"
readelf -h "$BUILD/tests/unit_tests" | grep -q "Machine:.*AArch64" || {
    echo "cross-arm64: $BUILD/tests/unit_tests is not an arm64 executable" >&2
    exit 1
}
t1=$(date +%s)
# Under qemu the unit tests run several times slower than natively.
meson test -C "$BUILD" --suite unit --no-rebuild --print-errorlogs --timeout-multiplier 4
t2=$(date +%s)
echo "cross-arm64: build $((t1 - t0)) s, unit tests under qemu $((t2 - t1)) s"

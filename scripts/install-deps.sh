#!/bin/sh
# Installs every Debian 12 package that building, the demo and the tests need.
# Idempotent; installs only what is missing.
set -eu
PACKAGES="meson ninja-build pkg-config g++ clang clang-format libclang-rt-14-dev
  libuv1-dev libc-ares-dev libtomlplusplus-dev doctest-dev libssl-dev
  python3 iproute2 iputils-ping procps util-linux
  isc-dhcp-client udhcpc dhcpcd-base dnsmasq-base kea-dhcp4-server
  bind9-dnsutils knot-dnsutils unbound dnsperf mandoc tshark strace xxd systemd faketime"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-deps: run as root to install:$missing" >&2
        exit 1
    fi
    # Packages that ship services (kea, dnsmasq, bind) must not start them here.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

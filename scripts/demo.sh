#!/bin/bash
# The README's first command: install what is missing, build, then show leasedns's main
# job on a virtual LAN made of two network namespaces (198.18.0.0/24, the benchmarking
# range): a real DHCP client (udhcpc) asks for a lease and gets one.
# Everything it creates (namespaces, processes, state) is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "demo: run as root (it creates network namespaces)" >&2; exit 1; fi
./scripts/install-deps.sh
./scripts/build.sh build >/dev/null
BIN="$PWD/build/src/app/leasedns"

SRV=ldemo-srv-$$
CLI=ldemo-cli-$$
STATE=$(mktemp -d /tmp/leasedns-demo.XXXXXX)
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    ip netns del "$SRV" 2>/dev/null || true
    ip netns del "$CLI" 2>/dev/null || true
    rm -rf "$STATE"
}
trap cleanup EXIT

ip netns add "$SRV"
ip netns add "$CLI"
ip link add lan0 netns "$SRV" type veth peer name eth0 netns "$CLI"
ip -n "$SRV" addr add 198.18.0.1/24 dev lan0
ip -n "$SRV" link set lan0 up
ip -n "$SRV" link set lo up
ip -n "$CLI" link set eth0 address 02:00:00:de:00:01
ip -n "$CLI" link set eth0 up
ip -n "$CLI" link set lo up

echo "== leasedns -i lan0 (embedded defaults: the interface's subnet, 12h leases, domain lan)"
ip netns exec "$SRV" "$BIN" -i lan0 --state-dir "$STATE" -p 0 --log-dhcp --pid-file= \
    > "$STATE/server.log" 2>&1 &
SERVER_PID=$!
sleep 0.5

SCRIPT="$STATE/udhcpc.script"
cat > "$SCRIPT" <<'EOS'
#!/bin/sh
# Applies the lease udhcpc obtained to the interface.
case "$1" in
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"
               echo "udhcpc: $1 $ip lease ${lease}s from ${serverid}" ;;
esac
EOS
chmod +x "$SCRIPT"

echo "== udhcpc on the client side asks for a lease as host 'demo-laptop'"
ip netns exec "$CLI" udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$SCRIPT" -x hostname:demo-laptop
echo "== the client's address now:"
ip -n "$CLI" -4 -brief addr show dev eth0
echo "== what the server logged:"
cat "$STATE/server.log"
addr=$(ip -n "$CLI" -4 -o addr show dev eth0 | awk '{print $4}')
if [ -z "$addr" ]; then echo "demo: FAILED, the client got no address" >&2; exit 1; fi
echo "demo: OK, the client got $addr"

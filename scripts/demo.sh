#!/bin/bash
# The README's first command: install what is missing, build, then show leasedns's main
# job on a virtual LAN made of two network namespaces (198.18.0.0/24, the benchmarking
# range): a real DHCP client (udhcpc) asks for a lease as host demo-laptop, gets one,
# and at once its name and address resolve (dig, on the client's side) through leasedns.
# Everything it creates (namespaces, processes, state) is removed on exit.
# DEMO_BUILD_DIR=dir uses another build directory than build/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "demo: run as root (it creates network namespaces)" >&2; exit 1; fi
./scripts/install-deps.sh
BUILD_DIR="${DEMO_BUILD_DIR:-build}"
./scripts/build.sh "$BUILD_DIR" >/dev/null
BIN="$PWD/$BUILD_DIR/src/app/leasedns"

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

echo "== leasedns -i lan0 (embedded defaults: the interface's subnet, 12h leases, domain lan,"
echo "   DNS on port 53)"
ip netns exec "$SRV" "$BIN" -i lan0 --state-dir "$STATE" --log-dhcp --pid-file= \
    > "$STATE/server.log" 2>&1 &
SERVER_PID=$!
# Ready when it listens on DHCP (67) and DNS (53); at most 10 s.
listens() {
    ip netns exec "$SRV" ss -H -u -l -n -p "sport = :$1" | grep "pid=$SERVER_PID," >/dev/null
}
for _ in $(seq 100); do
    listens 67 && listens 53 && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done

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
ip=${addr%/*}

echo "== dig on the client: demo-laptop.lan, then the reverse of $ip"
DIG="dig @198.18.0.1 +time=2 +tries=2"
ip netns exec "$CLI" $DIG demo-laptop.lan A +noall +comments +answer | grep -v '^$' || true
name_ip=$(ip netns exec "$CLI" $DIG +short demo-laptop.lan A | grep -v '^;' || true)
ip netns exec "$CLI" $DIG -x "$ip" +noall +answer || true
ptr=$(ip netns exec "$CLI" $DIG +short -x "$ip" | grep -v '^;' || true)
if [ "$name_ip" != "$ip" ]; then
    echo "demo: FAILED, demo-laptop.lan resolves to '${name_ip}', not $ip" >&2; exit 1
fi
if [ "$ptr" != "demo-laptop.lan." ]; then
    echo "demo: FAILED, $ip resolves to '${ptr}', not demo-laptop.lan." >&2; exit 1
fi
echo "demo: OK, the client got $addr and demo-laptop.lan resolves both ways"

#!/bin/bash
# Re-creates the captured client packets in this directory (ROBUSTNESS A8): runs
# dhclient, udhcpc and dhcpcd against leasedns on a private virtual LAN of two network
# namespaces (198.18.0.0/24), captures the exchange with dumpcap and writes each packet
# a client sent as CLIENT-NN-TYPE.bin (the UDP payload: the DHCP message).
# Usage (root): tests/captures/capture.sh BUILD_DIR
set -euo pipefail
BIN="$(realpath "${1:-build}")/src/app/leasedns"
cd "$(dirname "$0")"
[ -x "$BIN" ] || { echo "capture: no $BIN (give the build directory)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "capture: run as root" >&2; exit 1; }
SRV=ldcap-srv-$$; CLI=ldcap-cli-$$
WORK=$(mktemp -d /tmp/ldcap.XXXXXX)
SERVER_PID=""; DUMP_PID=""
cleanup() {
    [ -n "$DUMP_PID" ] && kill "$DUMP_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    ip netns del "$SRV" 2>/dev/null || true
    ip netns del "$CLI" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$SRV"; ip netns add "$CLI"
ip link add lan0 netns "$SRV" type veth peer name eth0 netns "$CLI"
ip -n "$SRV" addr add 198.18.0.1/24 dev lan0
ip -n "$SRV" link set lan0 up; ip -n "$CLI" link set eth0 up
ip -n "$SRV" link set lo up; ip -n "$CLI" link set lo up
ip netns exec "$SRV" "$BIN" -i lan0 --dhcp-range=198.18.0.100,198.18.0.150,2m \
    --state-dir "$WORK" -p 0 --no-ping --pid-file= >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
sleep 0.5
printf '#!/bin/sh\ncase "$1" in bound|renew) ip addr add "$ip/24" dev "$interface";; esac\n' \
    >"$WORK/udhcpc.sh"
printf '#!/bin/sh\ncase "$reason" in BOUND|RENEW|REBOOT) ip addr add "$new_ip_address/24" dev "$interface";; esac\n' \
    >"$WORK/dhclient.sh"
chmod +x "$WORK"/*.sh
printf 'send host-name "capture-dhclient";\nrequest subnet-mask, routers, domain-name-servers, domain-name, domain-search;\n' \
    >"$WORK/dhclient.conf"

capture() {  # capture NAME CMD... : runs the client once, keeps what it sent
    local name=$1; shift
    ip -n "$CLI" addr flush dev eth0
    ip netns exec "$SRV" dumpcap -q -i lan0 -f 'udp port 67 or udp port 68' -w "$WORK/$name.pcapng" \
        >/dev/null 2>&1 &
    DUMP_PID=$!
    sleep 1
    timeout 20 "$@" || true
    sleep 0.5
    kill "$DUMP_PID"; wait "$DUMP_PID" 2>/dev/null || true; DUMP_PID=""
    local n=0
    tshark -r "$WORK/$name.pcapng" -Y 'udp.dstport == 67' -T fields -e dhcp.option.dhcp -e udp.payload |
        while read -r type payload; do
            n=$((n + 1))
            printf '%s' "$payload" | xxd -r -p >"$(printf '%s-%02d-%s.bin' "$name" "$n" "$type")"
        done
}
rm -f ./*.bin
trap 'cat "$WORK/server.log"; cleanup' EXIT
capture udhcpc ip netns exec "$CLI" udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$WORK/udhcpc.sh" \
    -x hostname:capture-udhcpc
capture dhclient ip netns exec "$CLI" dhclient -1 -v -cf "$WORK/dhclient.conf" -sf "$WORK/dhclient.sh" \
    -lf "$WORK/dhclient.leases" -pf "$WORK/dhclient.pid" eth0
[ -f "$WORK/dhclient.pid" ] && kill "$(cat "$WORK/dhclient.pid")" 2>/dev/null || true
mkdir -p /run/dhcpcd /var/lib/dhcpcd
# -c: our own (no-op for dhcpcd) script instead of dhcpcd-run-hooks, whose resolv.conf hook
# would rewrite the host's /etc/resolv.conf (namespaces share the file system).
capture dhcpcd ip netns exec "$CLI" unshare -m sh -c \
    "mount -t tmpfs none /run/dhcpcd && mount -t tmpfs none /var/lib/dhcpcd && \
     dhcpcd -4 -B -1 -f /dev/null -c $WORK/udhcpc.sh -h capture-dhcpcd --noipv4ll -t 10 eth0; \
     dhcpcd -x eth0 2>/dev/null; true"
ls -l ./*.bin

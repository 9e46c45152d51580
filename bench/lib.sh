# bench/lib.sh: the parts bench/run.sh and bench/capacity.sh share, sourced by both after
# they have parsed their arguments. Needs: here, root, build, NICE, KEEP, prog (the
# script's name, for messages). Sets up, on sourcing:
#   - checks (root, tools, the load generator built) and the binaries' paths;
#   - a temporary directory $tmp, removed on exit unless KEEP=1 or the run failed;
#   - the virtual LAN: two network namespaces of our own, ldbench-<pid>-srv and -gen,
#     joined by one veth pair, every address inside 198.18.0.0/15 (RFC 2544's range):
#
#       [srv] 198.19.255.1/24 ---- veth ---- 198.19.255.2/24 [gen]  + 198.18.0.1/32 (giaddr)
#             route 198.18.0.0/16 via 198.19.255.2
#
#   - an EXIT trap that stops every PID in $pids (only processes we started) and deletes
#     both namespaces, whatever happens.
# Functions: log, running, stop_pid, cpu_ticks, start_server NAME DIR, stop_server,
# loadgen ARGS..., fsync_probe.
# shellcheck shell=bash
# Variables come from, and go to, the sourcing script:
# shellcheck disable=SC2034,SC2153,SC2154

[[ $(id -u) == 0 ]] || { echo "$prog: needs root (network namespaces)" >&2; exit 2; }
for t in ip ss taskset timeout awk python3; do
    command -v "$t" >/dev/null || { echo "$prog: $t not found" >&2; exit 2; }
done
# The system interpreter: a version-manager shim can take a second to start.
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3)

loadgen="$build/bench/leasedns-loadgen"
table_bench="$build/bench/table_bench"
leasedns="$build/src/app/leasedns"
dnsmasq=/usr/sbin/dnsmasq
kea=$(command -v kea-dhcp4 || true)
[[ -x $loadgen ]] || { echo "$prog: $loadgen not built (ninja -C $build bench/leasedns-loadgen)" >&2; exit 2; }

ncpu=$(nproc)
gen_cpu=0
srv_cpu=$((ncpu > 1 ? 1 : 0))
pool_first=198.18.1.0
pool_last=198.19.254.254
netmask=255.254.0.0
srv_ip=198.19.255.1
gen_ip=198.19.255.2
giaddr=198.18.0.1
clk_tck=$(getconf CLK_TCK)

ns_srv="ldbench-$$-srv"
ns_gen="ldbench-$$-gen"
if_srv="ldb$$s"
if_gen="ldb$$g"
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/ldbench.XXXXXX")
shm=""
pids=()

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

running() {  # running PID: exists and is not a zombie waiting to be reaped
    local st
    st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    st=${st##*) }
    [[ ${st:0:1} != Z ]]
}

stop_pid() {  # stop_pid PID: TERM, wait up to 5 s, then KILL; only PIDs we started
    local pid=$1 i
    if running "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            running "$pid" || break
            sleep 0.1
        done
        running "$pid" && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    ip netns del "$ns_srv" 2>/dev/null
    ip netns del "$ns_gen" 2>/dev/null
    [[ -n $shm && -d $shm ]] && rm -rf "$shm"
    if [[ $KEEP == 1 || $rc != 0 ]]; then
        log "kept $tmp"
    else
        rm -rf "$tmp"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the virtual LAN -----------------------------------------------------------------
ip netns add "$ns_srv"
ip netns add "$ns_gen"
ip link add "$if_srv" type veth peer name "$if_gen"
ip link set "$if_srv" netns "$ns_srv"
ip link set "$if_gen" netns "$ns_gen"
ip -n "$ns_srv" link set lo up
ip -n "$ns_gen" link set lo up
ip -n "$ns_srv" addr add "$srv_ip/24" dev "$if_srv"
ip -n "$ns_gen" addr add "$gen_ip/24" dev "$if_gen"
ip -n "$ns_gen" addr add "$giaddr/32" dev "$if_gen"
ip -n "$ns_srv" link set "$if_srv" up
ip -n "$ns_gen" link set "$if_gen" up
ip -n "$ns_srv" route add 198.18.0.0/16 via "$gen_ip" dev "$if_srv"

# ---- servers -------------------------------------------------------------------------
srv_pid=""

cpu_ticks() {  # utime + stime of the whole thread group
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    stat=${stat##*) }
    # fields after "comm)": state(3) ... utime(14) stime(15) -> indexes 11, 12 here
    read -r -a f <<<"$stat"
    echo $((f[11] + f[12]))
}

wait_port67() {  # until something in the server namespace listens on UDP 67 (max 10 s)
    local i
    for ((i = 0; i < 100; i++)); do
        running "$srv_pid" || return 1
        if ip netns exec "$ns_srv" ss -H -uln 'sport = :67' 2>/dev/null | grep -q .; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# start_server NAME STATE_DIR: starts it pinned to srv_cpu in the server namespace.
start_server() {
    local name=$1 dir=$2
    case $name in
    leasedns | leasedns-tmpfs | leasedns-dns)
        local sd="$dir/state" dns=(-p 0)
        # -dns: the DNS side on (port 5353 inside the namespace, no upstream), as a LAN
        # server runs; the host names then also go into the zone.
        [[ $name == leasedns-dns ]] && dns=(-p 5353 --no-resolv --domain=lan)
        if [[ $name == leasedns-tmpfs ]]; then
            [[ -n $shm ]] || shm=$(mktemp -d /dev/shm/ldbench.XXXXXX)
            sd="$shm/$(basename "$dir")"
            mkdir -p "$sd"
        fi
        nice -n "$NICE" taskset -c "$srv_cpu" ip netns exec "$ns_srv" "$leasedns" -i "$if_srv" \
            --dhcp-range="$pool_first,$pool_last,$netmask,12h" --no-ping "${dns[@]}" \
            --state-dir "$sd" --pid-file= --dhcp-authoritative -X 1000000 \
            --log-facility=- --quiet-dhcp >"$dir/server.log" 2>&1 &
        ;;
    dnsmasq | dnsmasq-dns)
        local dns=(-p 0)
        [[ $name == dnsmasq-dns ]] && dns=(-p 5353 --no-resolv --domain=lan --local=/lan/)
        nice -n "$NICE" taskset -c "$srv_cpu" ip netns exec "$ns_srv" "$dnsmasq" -k --conf-file=/dev/null \
            --user=root --interface="$if_srv" --bind-interfaces "${dns[@]}" --no-ping \
            --dhcp-range="$pool_first,$pool_last,$netmask,12h" --dhcp-lease-max=1000000 \
            --dhcp-authoritative --dhcp-leasefile="$dir/dnsmasq.leases" \
            --pid-file="$dir/dnsmasq.pid" --log-facility="$dir/dnsmasq.log" --quiet-dhcp \
            >"$dir/server.log" 2>&1 &
        ;;
    kea-st | kea-mt)
        local mt=false threads=0 queue=64
        [[ $name == kea-mt ]] && { mt=true; threads=2; }
        sed -e "s|@IFACE@|$if_srv|g" -e "s|@STATE@|$dir|g" -e "s|@MT@|$mt|g" \
            -e "s|@THREADS@|$threads|g" -e "s|@QUEUE@|$queue|g" \
            "$here/peers/kea-dhcp4.json.in" >"$dir/kea-dhcp4.json"
        KEA_PIDFILE_DIR=$dir KEA_LOCKFILE_DIR=$dir \
            nice -n "$NICE" taskset -c "$srv_cpu" ip netns exec "$ns_srv" "$kea" -c "$dir/kea-dhcp4.json" \
            >"$dir/server.log" 2>&1 &
        ;;
    *) echo "unknown server $name" >&2; return 1 ;;
    esac
    srv_pid=$!
    pids+=("$srv_pid")
    if ! wait_port67; then
        log "$name did not start; its log:"
        tail -n 20 "$dir/server.log" >&2 || true
        stop_server
        return 1
    fi
}

stop_server() {
    [[ -n $srv_pid ]] || return 0
    stop_pid "$srv_pid"
    local keep=()
    for p in "${pids[@]}"; do [[ $p == "$srv_pid" ]] || keep+=("$p"); done
    pids=("${keep[@]}")
    srv_pid=""
}

# loadgen ARGS...: one bounded load generator run in the generator namespace, pinned.
# Prints its JSON line. Hard wall-clock cap: 300 s (loadgen bounds itself well below).
loadgen() {
    timeout -k 5 300 nice -n "$NICE" taskset -c "$gen_cpu" ip netns exec "$ns_gen" "$loadgen" dora \
        --relay "$giaddr" --server "$srv_ip" --quiet "$@"
}

# fsync_probe: how long one small fdatasync takes on the disk holding the state
# directories (it bounds what a server that syncs before every ACK can do per outstanding
# exchange). Writes "p50 p90 p99" (ms) to $tmp/fsync.txt, sets fs_desc and fsync_ms.
fsync_probe() {
    "$py" - "$tmp/fsync-probe" >"$tmp/fsync.txt" <<'EOF'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
ts = []
for _ in range(100):
    t = time.perf_counter()
    os.write(fd, b"x" * 1536)
    os.fdatasync(fd)
    ts.append(time.perf_counter() - t)
os.close(fd)
os.unlink(sys.argv[1])
ts.sort()
print("%.2f %.2f %.2f" % (ts[50] * 1e3, ts[90] * 1e3, ts[98] * 1e3))
EOF
    fsync_ms=$(cat "$tmp/fsync.txt")
    fs_desc=$(df --output=source,fstype "$tmp" | tail -n1 | tr -s ' ')
    log "fdatasync on $fs_desc: p50/p90/p99 $fsync_ms ms"
}

#!/usr/bin/env bash
# bench/dns_bench.sh: DNS benchmark of leasedns against dnsmasq, unbound and a trivial UDP
# responder (the ceiling), with dnsperf, in one run; writes the "## DNS" section of
# bench/RESULTS.md (the rest of the file is kept).
#
#   sudo bench/dns_bench.sh [--build DIR] [--out FILE]     (about 6 minutes)
#   sudo QUICK=1 bench/dns_bench.sh                        (about 2 minutes)
#   sudo SERVERS="ceiling dnsmasq" LEASES="1000 50000" bench/dns_bench.sh   (a subset)
#   NICE=0 (default -10): niceness of servers and dnsperf; KEEP=1 keeps the temporary
#   directory (logs, lease files, dnsperf outputs, raw dns.jsonl). DURATION=S: seconds per
#   measured pass (default 10, QUICK 3). OUTSTANDING=Q (default 200): dnsperf -q.
#   DNSMASQ_MAX_LEASES (default 50000, QUICK 10000): dnsmasq is not run above this table
#   size (its start-up time grows faster than linearly with its lease file: 10k leases take
#   seconds, 50k minutes, 100k far more).
#
# Servers (each alone, pinned to core 1 with taskset; dnsperf pinned to core 0):
#   ceiling   bench/udp_responder: recvfrom, one fixed A record, sendto (no lookup at all)
#   leasedns  -p 53 --domain=lan --local=/lan/ --server=UPSTREAM --cache-size=10000, its
#             table read from a journal written by bench/journal_gen (--dhcp-leasefile)
#   dnsmasq   the same options; its table read from a lease file with the same leases
#   unbound   num-threads: 1, forwarding everything to UPSTREAM (cached forwarding only)
#
# Scenarios:
#   lease names: N bound leases "hostI" at 198.18.1.0 + I (N in LEASES: 1k, 10k, 50k,
#     100k); dnsperf asks "hostI.lan A" and then "D.C.B.A.in-addr.arpa PTR" for names
#     picked at random among the N (leasedns, dnsmasq; the ceiling answers the A file);
#   cached forwarding: 1,000 names "nameI.fwd.test" that an upstream (unbound with
#     local-data, TTL 3600, in a third namespace) answers; each server is warmed up by
#     asking every name once, then dnsperf asks them at random: cache hits only.
#
# Measured per pass: queries/s (dnsperf's completed queries over its run time) and the
# server's CPU share (utime+stime of all its threads from /proc/PID/stat over the pass);
# queries/s per server core = queries/s / CPU share = completed queries per CPU second.
# dnsperf's own core saturates first at the ceiling, so per core is the figure to compare.
#
# Topology (bench/lib.sh's two namespaces, plus a third for the upstream; every address
# inside 198.18.0.0/15, RFC 2544's benchmarking range):
#
#   [gen] 198.19.255.2 --veth-- 198.19.255.1 [srv] 198.19.253.1 --veth-- 198.19.253.2 [up]
#         dnsperf                 server :53                                 upstream :53
#
# Safety: traffic only inside the three namespaces ldbench-<pid>-*; every loop bounded in
# count and time (dnsperf -l plus timeout(1), bounded probe loops); only processes we
# started are stopped, by PID; namespaces and temporary files are removed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"  # results_section.py
root=$(cd "$here/.." && pwd)
build="$root/build"
out="$here/RESULTS.md"
QUICK=${QUICK:-0}
KEEP=${KEEP:-0}
servers_env=${SERVERS:-}
leases_env=${LEASES:-}
duration_env=${DURATION:-}
dmax_env=${DNSMASQ_MAX_LEASES:-}
SERVERS=${SERVERS:-"ceiling leasedns dnsmasq unbound"}
if [[ $QUICK == 1 ]]; then
    LEASES=${LEASES:-"1000 10000 100000"}
    DURATION=${DURATION:-3}
    DNSMASQ_MAX_LEASES=${DNSMASQ_MAX_LEASES:-10000}
else
    LEASES=${LEASES:-"1000 10000 50000 100000"}
    DURATION=${DURATION:-10}
fi
OUTSTANDING=${OUTSTANDING:-200}
DNSMASQ_MAX_LEASES=${DNSMASQ_MAX_LEASES:-50000}
nice_env=${NICE:-}
NICE=${NICE:--10}
cmdline="$0 $*"
[[ $QUICK == 1 ]] && cmdline="QUICK=1 $cmdline"
[[ -n $duration_env ]] && cmdline="DURATION=$duration_env $cmdline"
[[ -n $leases_env ]] && cmdline="LEASES=\"$leases_env\" $cmdline"
[[ -n $servers_env ]] && cmdline="SERVERS=\"$servers_env\" $cmdline"
[[ -n $nice_env ]] && cmdline="NICE=$nice_env $cmdline"
[[ -n $dmax_env ]] && cmdline="DNSMASQ_MAX_LEASES=$dmax_env $cmdline"
[[ $DNSMASQ_MAX_LEASES =~ ^[0-9]+$ ]] || { echo "dns_bench.sh: DNSMASQ_MAX_LEASES must be a number" >&2; exit 2; }
[[ $DURATION =~ ^[1-9][0-9]?$ ]] || { echo "dns_bench.sh: DURATION must be 1..99 s" >&2; exit 2; }
[[ $OUTSTANDING =~ ^[1-9][0-9]{0,3}$ ]] || { echo "dns_bench.sh: OUTSTANDING must be 1..9999" >&2; exit 2; }
for n in $LEASES; do
    if ! [[ $n =~ ^[1-9][0-9]{0,5}$ ]] || ((n > 120000)); then
        echo "dns_bench.sh: LEASES entries must be 1..120000" >&2
        exit 2
    fi
done

prog=dns_bench.sh
# shellcheck source=bench/args.sh
source "$here/args.sh"
parse_bench_args "$@"

command -v dnsperf >/dev/null || { echo "$prog: dnsperf not found (apt-get install dnsperf)" >&2; exit 2; }
responder="$build/bench/udp_responder"
journal_gen="$build/bench/journal_gen"
for b in "$responder" "$journal_gen"; do
    [[ -x $b ]] || { echo "$prog: $b not built (ninja -C $build bench/$(basename "$b"))" >&2; exit 2; }
done
unbound=$(command -v unbound || true)

# Checks, paths, the temporary directory, the two namespaces and the cleanup trap.
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

# ---- the upstream's namespace (a third one, on its own veth pair from the server's) ----
ns_up="ldbench-$$-up"
if_su="ldb$$u"
if_up="ldb$$v"
srv_up_ip=198.19.253.1
up_ip=198.19.253.2
dns_cleanup() {
    local rc=$?
    set +e
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    pids=()
    ip netns del "$ns_up" 2>/dev/null
    (exit "$rc")
    cleanup
}
trap dns_cleanup EXIT
ip netns add "$ns_up"
ip link add "$if_su" type veth peer name "$if_up"
ip link set "$if_su" netns "$ns_srv"
ip link set "$if_up" netns "$ns_up"
ip -n "$ns_up" link set lo up
ip -n "$ns_srv" addr add "$srv_up_ip/24" dev "$if_su"
ip -n "$ns_up" addr add "$up_ip/24" dev "$if_up"
ip -n "$ns_srv" link set "$if_su" up
ip -n "$ns_up" link set "$if_up" up

# The DHCP range that covers the generated leases (198.18.1.0 + up to 120,000), away
# from the two links' /24s.
dhcp_range="198.18.1.0,198.19.199.255,255.254.0.0,12h"
fwd_names=1000
results="$tmp/dns.jsonl"
: >"$results"

# ---- helpers ---------------------------------------------------------------------------

# dnsq NAME TYPE [TIMEOUT_S]: one query from the generator's namespace to the server;
# prints "RCODE ANCOUNT FIRST-ANSWER" (A: the address, PTR: the name) or "timeout".
dnsq() {
    timeout -k 2 10 ip netns exec "$ns_gen" "$py" - "$srv_ip" "$1" "$2" "${3:-1}" <<'EOF'
import random, socket, struct, sys
server, name, qtype, tmo = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
types = {"A": 1, "PTR": 12}
qid = random.randrange(65536)
q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
for label in name.rstrip(".").split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", types[qtype], 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(tmo)
s.sendto(q, (server, 53))
try:
    while True:
        r, _ = s.recvfrom(4096)
        if len(r) >= 12 and struct.unpack(">H", r[:2])[0] == qid:
            break
except socket.timeout:
    print("timeout")
    sys.exit(0)


def read_name(msg, pos):
    labels, jumped, end = [], False, pos
    for _ in range(128):
        n = msg[pos]
        if n == 0:
            pos += 1
            break
        if n >= 0xC0:
            if not jumped:
                end = pos + 2
            jumped = True
            pos = ((n & 0x3F) << 8) | msg[pos + 1]
            continue
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    return ".".join(labels), (end if jumped else pos)


rcode = r[3] & 15
an = struct.unpack(">H", r[6:8])[0]
pos = 12
_, pos = read_name(r, pos)
pos += 4
first = "-"
if an:
    _, pos = read_name(r, pos)
    rtype, _, _, rdlen = struct.unpack(">HHIH", r[pos:pos + 10])
    pos += 10
    if rtype == 1 and rdlen == 4:
        first = socket.inet_ntoa(r[pos:pos + 4])
    elif rtype == 12:
        first = read_name(r, pos)[0]
    else:
        first = "type%d" % rtype
names = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}
print(names.get(rcode, "RCODE%d" % rcode), an, first)
EOF
}

# wait_answer NAME TYPE SECONDS: until the server answers NAME with an answer record.
wait_answer() {
    local name=$1 type=$2 r deadline=$((SECONDS + $3))
    while ((SECONDS < deadline)); do
        running "$srv_pid" || return 1
        r=$(dnsq "$name" "$type" 0.25 || true)
        [[ $r == NOERROR\ [1-9]* ]] && { echo "$r"; return 0; }
        sleep 0.1
    done
    echo "${r:-no answer}"
    return 1
}

# start_dns SERVER DIR LEASES: starts it in the server namespace pinned to its core
# (LEASES = 0: an empty table). Sets srv_pid.
start_dns() {
    local name=$1 dir=$2 n=$3
    mkdir -p "$dir/state"
    case $name in
    ceiling)
        nice -n "$NICE" taskset -c "$srv_cpu" ip netns exec "$ns_srv" "$responder" \
            --addr "$srv_ip" --port 53 --max-seconds 600 >"$dir/server.log" 2>&1 &
        ;;
    leasedns)
        local lf="$dir/state/leases.journal"
        if ((n > 0)); then cp "$tmp/leases-$n/journal" "$lf"; fi
        nice -n "$NICE" taskset -c "$srv_cpu" ip netns exec "$ns_srv" "$leasedns" -i "$if_srv" \
            --state-dir "$dir/state" --dhcp-leasefile="$lf" --dhcp-range="$dhcp_range" \
            -X 1000000 --dhcp-authoritative --no-ping -p 53 --domain=lan --local=/lan/ \
            --server="$up_ip" --no-resolv --no-hosts --cache-size=10000 --pid-file= \
            --log-facility=- --quiet-dhcp >"$dir/server.log" 2>&1 &
        ;;
    dnsmasq)
        local lf="$dir/dnsmasq.leases"
        if ((n > 0)); then cp "$tmp/leases-$n/dnsmasq" "$lf"; else : >"$lf"; fi
        nice -n "$NICE" taskset -c "$srv_cpu" ip netns exec "$ns_srv" "$dnsmasq" -k \
            --conf-file=/dev/null --user=root --interface="$if_srv" --bind-interfaces \
            --dhcp-range="$dhcp_range" --dhcp-lease-max=1000000 --dhcp-authoritative \
            --dhcp-leasefile="$lf" --no-ping -p 53 --domain=lan --local=/lan/ \
            --server="$up_ip" --no-resolv --no-hosts --cache-size=10000 \
            --pid-file="$dir/dnsmasq.pid" --log-facility="$dir/dnsmasq.log" --quiet-dhcp \
            >"$dir/server.log" 2>&1 &
        ;;
    unbound)
        sed -e "s|@ADDR@|$srv_ip|g" -e "s|@DIR@|$dir|g" -e "s|@UPSTREAM@|$up_ip|g" \
            "$here/peers/unbound.conf.in" >"$dir/unbound.conf"
        nice -n "$NICE" taskset -c "$srv_cpu" ip netns exec "$ns_srv" "$unbound" -d \
            -c "$dir/unbound.conf" >"$dir/server.log" 2>&1 &
        ;;
    *) log "unknown server $name"; return 1 ;;
    esac
    srv_pid=$!
    pids+=("$srv_pid")
}

# dnsperf_run FILE SECONDS OUT: one bounded dnsperf pass from the generator's namespace.
dnsperf_run() {
    timeout -k 5 $(($2 + 30)) nice -n "$NICE" taskset -c "$gen_cpu" \
        ip netns exec "$ns_gen" dnsperf -s "$srv_ip" -p 53 -d "$1" -l "$2" \
        -q "$OUTSTANDING" -c 4 -t 2 >"$3" 2>&1 || true
}

self_ticks() {  # utime+stime of this shell's waited-for children (cutime + cstime)
    local stat
    stat=$(cat "/proc/$$/stat")
    stat=${stat##*) }
    read -r -a f <<<"$stat"
    echo $((f[13] + f[14]))
}

# measure SERVER SCENARIO LEASES FILE STARTUP_S: a short warm-up pass, then the measured
# pass; appends one JSON line to $results.
measure() {
    local name=$1 scen=$2 n=$3 file=$4 startup=$5 tag="$1-$2-$3"
    dnsperf_run "$file" 1 "$tmp/$tag.warm.txt"
    local t0 t1 g0 g1 w0 w1
    g0=$(self_ticks)
    t0=$(cpu_ticks "$srv_pid")
    w0=$(date +%s.%N)
    dnsperf_run "$file" "$DURATION" "$tmp/$tag.txt"
    w1=$(date +%s.%N)
    t1=$(cpu_ticks "$srv_pid")
    g1=$(self_ticks)
    local alive=true
    running "$srv_pid" || alive=false
    "$py" - "$tmp/$tag.txt" "$name" "$scen" "$n" "$t0" "$t1" "$g0" "$g1" "$w0" "$w1" \
        "$clk_tck" "$alive" "$startup" >>"$results" <<'EOF'
import json, re, sys
(path, name, scen, n, t0, t1, g0, g1, w0, w1, hz, alive, startup) = sys.argv[1:14]
text = open(path).read()


def num(pattern, default=None):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default


completed = num(r"Queries completed:\s+(\d+)", 0)
row = dict(server=name, scenario=scen, leases=int(n),
           sent=num(r"Queries sent:\s+(\d+)", 0), completed=completed,
           lost=num(r"Queries lost:\s+(\d+)", 0),
           noerror=num(r"NOERROR \d+ \(([\d.]+)%\)", 0.0),
           runtime_s=num(r"Run time \(s\):\s+([\d.]+)", 0.0),
           qps=num(r"Queries per second:\s+([\d.]+)", 0.0),
           latency_ms=1000 * num(r"Average Latency \(s\):\s+([\d.]+)", 0.0),
           server_cpu_s=(int(t1) - int(t0)) / int(hz), gen_cpu_s=(int(g1) - int(g0)) / int(hz),
           wall_s=float(w1) - float(w0), alive_after=alive == "true",
           startup_s=float(startup))
if alive != "true":
    row["error"] = "the server died during the pass"
elif not row["runtime_s"] or not completed:
    row["error"] = "no answers (dnsperf: " + " ".join(text.split()[-12:]) + ")"
print(json.dumps(row))
EOF
    "$py" - "$results" <<'EOF' >&2
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
share = r["server_cpu_s"] / r["runtime_s"] if r["runtime_s"] else 0
pc = r["completed"] / r["server_cpu_s"] if r["server_cpu_s"] else 0
print(f"    {r['server']:9} {r['scenario']:10} {r['leases']:>7,}: {r['qps']:>10,.0f} q/s, "
      f"server CPU {100 * share:5.1f}%, {pc:>10,.0f} q/s per core, NOERROR {r['noerror']:.1f}%, "
      f"lost {r['lost']:,.0f}" + (f"  ERROR {r['error']}" if "error" in r else ""))
EOF
}

skip() {  # skip SERVER SCENARIO LEASES WHY: records a row that did not run
    log "skip $1 $2 ${3}: $4"
    "$py" -c 'import json, sys; print(json.dumps(dict(server=sys.argv[1], scenario=sys.argv[2], leases=int(sys.argv[3]), error=sys.argv[4])))' \
        "$1" "$2" "$3" "$4" >>"$results"
}

# ---- inputs ----------------------------------------------------------------------------
for n in $LEASES; do
    d="$tmp/leases-$n"
    mkdir -p "$d"
    "$journal_gen" --count "$n" --queries 100000 --journal "$d/journal" --dnsmasq "$d/dnsmasq" \
        --queries-a "$d/a.txt" --queries-ptr "$d/ptr.txt"
done
# Forwarded names: the upstream's data, the warm-up file (each name once) and the
# measured file (100,000 picks at random).
"$py" - "$fwd_names" "$tmp" <<'EOF'
import random, sys
n, tmp = int(sys.argv[1]), sys.argv[2]
with open(tmp + "/upstream-data.conf", "w") as f:
    for i in range(n):
        f.write('    local-data: "name%d.fwd.test. 3600 IN A 198.18.%d.%d"\n' % (i, 200 + i // 250, i % 250 + 1))
with open(tmp + "/fwd-warm.txt", "w") as f:
    for i in range(n):
        f.write("name%d.fwd.test A\n" % i)
rng = random.Random(3)
with open(tmp + "/fwd.txt", "w") as f:
    for _ in range(100000):
        f.write("name%d.fwd.test A\n" % rng.randrange(n))
EOF

up_pid=""
start_upstream() {
    [[ -n $unbound ]] || { log "no unbound: no upstream, cached forwarding skipped"; return 1; }
    sed -e "s|@ADDR@|$up_ip|g" -e "s|@DIR@|$tmp|g" "$here/peers/unbound-upstream.conf.in" \
        >"$tmp/upstream.conf"
    # The upstream serves only the warm-ups: it shares the generator's core.
    taskset -c "$gen_cpu" ip netns exec "$ns_up" "$unbound" -d -c "$tmp/upstream.conf" \
        >"$tmp/upstream.log" 2>&1 &
    up_pid=$!
    pids+=("$up_pid")
    local i
    for ((i = 0; i < 50; i++)); do
        ip netns exec "$ns_up" ss -H -uln 'sport = :53' 2>/dev/null | grep -q . && return 0
        running "$up_pid" || break
        sleep 0.1
    done
    log "upstream unbound did not start:"
    tail -n 20 "$tmp/upstream.log" >&2 || true
    return 1
}

# ---- the run -----------------------------------------------------------------------------
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t_start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
upstream_ok=0
start_upstream && upstream_ok=1
first_n=${LEASES%% *}

for s in $SERVERS; do
    case $s in
    ceiling) ;;
    leasedns) [[ -x $leasedns ]] || { skip leasedns all 0 "$leasedns not built"; continue; } ;;
    dnsmasq) [[ -x $dnsmasq ]] || { skip dnsmasq all 0 "$dnsmasq missing"; continue; } ;;
    unbound) [[ -n $unbound ]] || { skip unbound all 0 "unbound missing"; continue; } ;;
    *) log "unknown server $s"; continue ;;
    esac
    # Lease names (the ceiling answers the A file of the first table size: its answer
    # does not depend on the name).
    if [[ $s == ceiling ]]; then
        dir="$tmp/ceiling"
        start_dns ceiling "$dir" 0
        if r=$(wait_answer host1.lan A 5); then
            log "ceiling: up ($r)"
            measure ceiling ceiling 0 "$tmp/leases-$first_n/a.txt" 0
        else
            skip ceiling ceiling 0 "no answer: $r"
        fi
        stop_server
        continue
    fi
    if [[ $s == leasedns || $s == dnsmasq ]]; then
        for n in $LEASES; do
            if [[ $s == dnsmasq ]] && ((n > DNSMASQ_MAX_LEASES)); then
                why="dnsmasq's start-up time grows faster than linearly with its lease file"
                why="$why (here 1k leases 0.5 s, 10k 3-11 s, 50k over 5 minutes on a loaded"
                why="$why machine); above DNSMASQ_MAX_LEASES=$DNSMASQ_MAX_LEASES it is not run"
                skip "$s" A "$n" "$why"
                skip "$s" PTR "$n" "$why"
                continue
            fi
            dir="$tmp/$s-$n"
            t0=$(date +%s.%N)
            start_dns "$s" "$dir" "$n"
            # Ready = the last lease's name answers (the whole table is loaded). dnsmasq
            # answers nothing while it reads its lease file: give it time for that.
            last=$((n - 1))
            wait_s=$((60 + n / 80))
            ((wait_s > 900)) && wait_s=900
            if ! r=$(wait_answer "host$last.lan" A "$wait_s"); then
                skip "$s" A "$n" "host$last.lan A not answered within ${wait_s}s ($r); log: $(tail -n 3 "$dir/server.log" | tr '\n' ' ')"
                skip "$s" PTR "$n" "not run"
                stop_server
                continue
            fi
            startup=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
            ip=$(awk -v i="$last" 'BEGIN { i += 256; printf "198.%d.%d.%d", 18 + int(i / 65536), int(i / 256) % 256, i % 256 }')
            rev=$(awk -F. '{ print $4 "." $3 "." $2 "." $1 ".in-addr.arpa" }' <<<"$ip")
            rp=$(dnsq "$rev" PTR 1 || true)
            log "$s with $n leases: up in ${startup}s; host$last.lan A -> ${r##* } (want $ip); PTR -> ${rp##* }"
            measure "$s" A "$n" "$tmp/leases-$n/a.txt" "$startup"
            if [[ $rp == NOERROR\ [1-9]* ]]; then
                measure "$s" PTR "$n" "$tmp/leases-$n/ptr.txt" "$startup"
            else
                skip "$s" PTR "$n" "$rev PTR not answered ($rp)"
            fi
            stop_server
        done
    fi
    # Cached forwarding: an empty table, every name asked once, then the measured pass.
    if [[ $upstream_ok != 1 ]]; then
        skip "$s" forwarding 0 "no upstream"
        continue
    fi
    dir="$tmp/$s-fwd"
    start_dns "$s" "$dir" 0
    if ! r=$(wait_answer name0.fwd.test A 20); then
        skip "$s" forwarding 0 "name0.fwd.test A not answered ($r); log: $(tail -n 3 "$dir/server.log" | tr '\n' ' ')"
        stop_server
        continue
    fi
    timeout -k 5 60 ip netns exec "$ns_gen" dnsperf -s "$srv_ip" -p 53 -d "$tmp/fwd-warm.txt" \
        -n 1 -q 20 -t 5 >"$tmp/$s-fwd.warm0.txt" 2>&1 || true
    log "$s forwarding: warm-up $(grep -o 'Queries completed:.*' "$tmp/$s-fwd.warm0.txt" || echo '?')"
    measure "$s" forwarding 0 "$tmp/fwd.txt" 0
    stop_server
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - t_start))

# ---- report --------------------------------------------------------------------------------
"$py" - "$results" "$out" "$cmdline" "$started" "$elapsed" "$ncpu" "$(uname -r)" \
    "$("$dnsmasq" -v 2>/dev/null | head -n1 | sed 's/  Copyright.*//' || true)" \
    "$(if [[ -n $unbound ]]; then "$unbound" -V 2>/dev/null | head -n1; fi)" \
    "$(dnsperf -h 2>&1 | grep -m1 '^Version' || true)" \
    "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
    "$load_before" "$load_after" "$DURATION" "$OUTSTANDING" "$NICE" <<'EOF'
import json, sys
(results, out, cmdline, started, elapsed, ncpu, kernel, dnsmasq_v, unbound_v, dnsperf_v, rev,
 load_before, load_after, duration, outstanding, nice) = sys.argv[1:17]
rows = [json.loads(l) for l in open(results) if l.strip()]


def find(server, scen, n=0):
    for r in rows:
        if (r["server"], r["scenario"], r["leases"]) == (server, scen, n) and "error" not in r:
            return r
    return None


def share(r):
    return r["server_cpu_s"] / r["runtime_s"] if r and r.get("runtime_s") else None


def qps(r):
    return r["qps"] if r else None


def per_core(r):
    if not r or not r.get("server_cpu_s"):
        return None
    return r["completed"] / r["server_cpu_s"]


def fmt(v, nd=0):
    return "n/a" if v is None else f"{v:,.{nd}f}"


def ratio(a, b):
    return a / b if a and b else None


L = []
L.append("## DNS")
L.append("")
L.append(f"Produced by `{cmdline}` (from the repository root) on {started}, git {rev}; the "
         f"run took {elapsed} s. Machine: {ncpu} CPUs, Linux {kernel}; load average "
         f"{load_before} before, {load_after} after. Peers: {dnsmasq_v or 'dnsmasq n/a'}, "
         f"unbound {unbound_v or 'n/a'}, dnsperf {dnsperf_v.replace('Version ', '') or 'n/a'}.")
L.append("")
L.append("Method (bench/dns_bench.sh): the server in its own network namespace pinned to core "
         "1, dnsperf in another pinned to core 0 (veth pair, addresses in 198.18.0.0/15), "
         f"`dnsperf -l {duration} -q {outstanding} -c 4` after a 1 s warm-up pass; servers at "
         f"niceness {nice}. q/s = dnsperf's completed queries over its run time; server CPU = "
         "the server's utime+stime (all threads, /proc/PID/stat) over that time; per core = "
         "q/s divided by that share (completed queries per CPU second); gen CPU = dnsperf's "
         "own CPU over the pass's wall time (near 100%: dnsperf is the limit, compare per core). Lease "
         "names: N leases `hostI` at 198.18.1.0 + I written by bench/journal_gen as a "
         "leasedns journal and as a dnsmasq lease file (the same leases; both servers load "
         "them at start: filling dnsmasq's table by DHCP takes it hours); queries `hostI.lan "
         "A` and their PTR names, picked at random among the N. Cached forwarding: 1,000 "
         "names answered by an upstream in a third namespace (unbound local-data, TTL "
         "3600), each asked once to warm the cache, then asked at random (cache hits only). "
         "Ceiling: bench/udp_responder (recvfrom, one fixed A record, sendto). leasedns and "
         "dnsmasq: `-p 53 --domain=lan --local=/lan/ --server=UPSTREAM --no-resolv "
         "--no-hosts --cache-size=10000`; unbound: `num-threads: 1`, iterator only, "
         "forward-zone \".\" to the upstream (bench/peers/unbound.conf.in).")
L.append("")
L.append("| server | scenario | leases | q/s | server CPU | per core q/s | per core / ceiling "
         "| gen CPU | NOERROR | lost | avg latency ms | start s |")
L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
ceil = find("ceiling", "ceiling")
ceil_pc = per_core(ceil)
order = {"ceiling": 0, "leasedns": 1, "dnsmasq": 2, "unbound": 3}
scen_order = {"ceiling": 0, "A": 1, "PTR": 2, "forwarding": 3}
skipped = []
for r in sorted(rows, key=lambda r: (scen_order.get(r["scenario"], 9), r["leases"],
                                     order.get(r["server"], 9))):
    if "error" in r:
        skipped.append(f"- {r['server']} {r['scenario']}"
                       + (f" {r['leases']:,} leases" if r["leases"] else "") + f": {r['error']}")
        continue
    # dnsperf's CPU over the whole pass (its run plus the wait for the last answers).
    gen = r["gen_cpu_s"] / r["wall_s"] if r.get("wall_s") else None
    L.append(f"| {r['server']} | {r['scenario']} | {r['leases']:,} | {fmt(qps(r))} | "
             f"{fmt(100 * share(r), 0)}% | {fmt(per_core(r))} | "
             f"{fmt(ratio(per_core(r), ceil_pc), 2)} | {fmt(None if gen is None else 100 * gen, 0)}% | "
             f"{r['noerror']:.1f}% | {r['lost']:,.0f} | {r['latency_ms']:.2f} | "
             f"{r.get('startup_s', 0):.1f} |")
L.append("")
if skipped:
    L.append("Not measured in this run:")
    L.append("")
    L += skipped
    L.append("")

goals = []


def goal(text, v, target, ok, nd=2, unit="x"):
    if target == "(report)":
        target = "(no target)"
        if v is not None:
            goals.append(f"| {text} | {v:,.{nd}f}{unit} | {target} | reported |")
            return
    if v is None:
        goals.append(f"| {text} | n/a | {target} | not measured |")
    else:
        goals.append(f"| {text} | {v:,.{nd}f}{unit} | {target} | "
                     + ("met" if ok else "**not met**") + " |")


leases = sorted({r["leases"] for r in rows if r["scenario"] in ("A", "PTR")})
# Every leasedns figure: at least 90% of the ceiling per core.
for r in sorted([r for r in rows if r["server"] == "leasedns" and "error" not in r],
                key=lambda r: (scen_order.get(r["scenario"], 9), r["leases"])):
    v = ratio(per_core(r), ceil_pc)
    what = r["scenario"] + (f", {r['leases']:,} leases" if r["leases"] else "")
    goal(f"leasedns {what}: per core / ceiling per core", v, ">= 0.90", v is not None and v >= 0.9,
         unit="")
# Lease names against dnsmasq (the issue's multiples for A: 1.6x at 1k, 10x at 10k, 40x at
# 50k; they follow from 90% of the ceiling against dnsmasq's figures there).
targets_a = {1000: 1.6, 10000: 10, 50000: 40}
for t in ("A", "PTR"):
    for n in leases:
        ld, dm = find("leasedns", t, n), find("dnsmasq", t, n)
        v = ratio(per_core(ld), per_core(dm))
        tgt = targets_a.get(n) if t == "A" else None
        goal(f"leasedns / dnsmasq, {t} lease names, {n:,} leases, per core", v,
             f">= {tgt:g}x" if tgt else "(report)", v is not None and (tgt is None or v >= tgt))
        v = ratio(qps(ld), qps(dm))
        goal(f"same, q/s", v, "(report)", v is not None)
# Flat from the smallest to the largest table: at most 10% drop.
if len(leases) > 1:
    lo, hi = leases[0], leases[-1]
    for t in ("A", "PTR"):
        v = ratio(per_core(find("leasedns", t, hi)), per_core(find("leasedns", t, lo)))
        goal(f"leasedns {t}: per core with {hi:,} leases / with {lo:,}", v, ">= 0.90",
             v is not None and v >= 0.9, unit="")
ld, ub, dm = find("leasedns", "forwarding"), find("unbound", "forwarding"), find("dnsmasq", "forwarding")
v = ratio(per_core(ld), per_core(ub))
goal("leasedns / unbound (1 thread), cached forwarding, per core", v, ">= 1x", v is not None and v >= 1)
v = ratio(per_core(ld), per_core(dm))
goal("leasedns / dnsmasq, cached forwarding, per core", v, "(report)", v is not None)
L.append("Reading it: the ceiling is the naive loop the issue names (one recvfrom and one "
         "sendto per query); a server that moves datagrams in batches (recvmmsg/sendmmsg, as "
         "leasedns does) can pass it per core. Server CPU well below 100% means dnsperf's "
         "core (or, on a shared machine, other work) was the limit: compare per core. Under "
         "load (see the load average above) every figure drops and spreads; rerun on a quiet "
         "machine before reading the goals.")
L.append("")
L.append("### DNS goals (from the issue)")
L.append("")
L.append("| goal | measured | target | status |")
L.append("|---|---:|---|---|")
L += goals
L.append("")
L.append("### DNS reference figures (from the issue) and this run")
L.append("")
L.append("| scenario | issue, per core | this run, q/s | this run, per core | per core / ceiling |")
L.append("|---|---:|---:|---:|---:|")
for text, ref, key in [
        ("ceiling (trivial UDP responder)", "~179,000", ("ceiling", "ceiling", 0)),
        ("dnsmasq, cached forwarding", "~144,000", ("dnsmasq", "forwarding", 0)),
        ("unbound 1 thread, cached forwarding", "~152,000", ("unbound", "forwarding", 0)),
        ("dnsmasq, A, 1k leases", "~99,000", ("dnsmasq", "A", 1000)),
        ("dnsmasq, A, 10k leases", "~15,500", ("dnsmasq", "A", 10000)),
        ("dnsmasq, A, 50k leases", "~3,400", ("dnsmasq", "A", 50000)),
        ("dnsmasq, PTR, 1k leases", "~63,000", ("dnsmasq", "PTR", 1000)),
        ("dnsmasq, PTR, 10k leases", "~5,700", ("dnsmasq", "PTR", 10000)),
        ("dnsmasq, PTR, 50k leases", "< 1,000", ("dnsmasq", "PTR", 50000))]:
    r = find(*key)
    L.append(f"| {text} | {ref} | {fmt(qps(r))} | {fmt(per_core(r))} | "
             f"{fmt(ratio(per_core(r), ceil_pc), 2)} |")
L.append("")

section = "\n".join(L) + "\n"
print(section)
from results_section import replace_section
replace_section(out, "## DNS", section)
EOF
log "wrote the DNS section of $out (raw results: $results)"

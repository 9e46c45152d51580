#!/usr/bin/env bash
# bench/run.sh: DHCPv4 DORA benchmark of leasedns against dnsmasq and Kea 2.2 on one
# virtual LAN, plus the lease table microbenchmark; writes bench/RESULTS.md.
#
#   sudo bench/run.sh [--build DIR] [--out FILE]       (about 5 minutes)
#   sudo QUICK=1 bench/run.sh                          (about 1 minute)
#   sudo SERVERS="leasedns kea-st" bench/run.sh        (a subset)
#   NICE=0 (default -10): niceness of servers and load generator; KEEP=1 keeps the
#   temporary directory (logs, lease files, raw results.jsonl).
#
# Servers: leasedns (journal on disk, fdatasync before every ACK), leasedns-tmpfs (the
# same with the journal on tmpfs: what the disk costs), leasedns-dns (DNS side on),
# kea-st / kea-mt (Kea 2.2 memfile, persist on, single/multi-threaded), dnsmasq (-p 0)
# and dnsmasq-dns (DNS on: where its cost with host names lies).
#
# Topology (two network namespaces of our own, ldbench-<pid>-srv and -gen, one veth pair;
# every address is inside 198.18.0.0/15, the benchmarking range of RFC 2544):
#
#   [srv] 198.19.255.1/24 ---- veth ---- 198.19.255.2/24 [gen]  + 198.18.0.1/32 (giaddr)
#         route 198.18.0.0/16 via 198.19.255.2
#
# The load generator (bench/loadgen.cpp) is a relay agent: it binds 198.18.0.1:67 and
# sends every client message with giaddr 198.18.0.1, so each server picks the relayed
# subnet 198.18.0.0/15 (pool 198.18.1.0 - 198.19.254.254, 130,559 addresses, leaving the
# link's /24 out) and answers the relay. Thousands of clients, no interface each.
#
# Each server runs alone, pinned to one core (taskset), the load generator to another.
# For every scenario the server starts from an empty state directory; the table is
# prefilled by a first load pass (other clients; dnsmasq reads the same leases from its
# lease file instead, as filling it by DORA takes minutes), then a measured pass of fresh clients
# runs DORA with a window of outstanding exchanges. The server's CPU time over the
# measured pass (utime+stime from /proc/PID/stat, all threads) gives the rate per core.
#
# The namespaces, server start-up and cleanup live in bench/lib.sh, shared with
# bench/capacity.sh (J1: the DORA rate each server sustains, paced open loop); a rerun of
# this script keeps the "J1 capacity" section of RESULTS.md.
#
# Safety: traffic only inside the two namespaces; every loop bounded in count and time
# (loadgen's own caps plus timeout(1)); every process started is stopped by its PID; the
# namespaces and the temporary directory are removed on exit, whatever happens.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build"
out="$here/RESULTS.md"
QUICK=${QUICK:-0}
servers_env=${SERVERS:-}
SERVERS=${SERVERS:-"leasedns leasedns-tmpfs leasedns-dns kea-st kea-mt dnsmasq dnsmasq-dns"}
KEEP=${KEEP:-0}
# Servers and the load generator run at this niceness, so that other work on a shared
# machine disturbs the measurement less (0 to disable).
nice_env=${NICE:-}
NICE=${NICE:--10}
cmdline="$0 $*"
[[ $QUICK == 1 ]] && cmdline="QUICK=1 $cmdline"
[[ -n $nice_env ]] && cmdline="NICE=$nice_env $cmdline"
[[ -n $servers_env ]] && cmdline="SERVERS=\"$servers_env\" $cmdline"

prog=run.sh
# shellcheck source=bench/args.sh
source "$here/args.sh"
parse_bench_args "$@"

# Checks, paths, the temporary directory, the virtual LAN and the cleanup trap.
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

# ---- parameters ----------------------------------------------------------------------
if [[ $QUICK == 1 ]]; then
    measure_s=1.5
    measure_max=15000
else
    measure_s=4
    measure_max=25000
fi
results="$tmp/results.jsonl"
: >"$results"

# dnsmasq lease file with N leases (expiry mac ip name client-id), the same clients a
# prefill pass would create: dnsmasq at 10k leases takes minutes to fill by DORA, and
# with host names hours; reading them from its lease file at start gives the same table.
dnsmasq_leasefile() {  # N NAMES FILE
    local n=$1 names=$2 file=$3
    "$py" - "$n" "$names" "$file" <<'EOF'
import ipaddress, sys, time
n, names, path = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
first = int(ipaddress.IPv4Address("198.18.1.0"))
exp = int(time.time()) + 43200
with open(path, "w") as f:
    for i in range(n):
        mac = "02:01:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255)
        name = "h%d" % ((1 << 32) | i) if names else "*"
        f.write("%d %s %s %s *\n" % (exp, mac, ipaddress.IPv4Address(first + i), name))
EOF
}

# scenario SERVER BASE NAMES WINDOW: fresh server, BASE leases prefilled, measured pass.
scenario() {
    local name=$1 base=$2 names=$3 win=$4
    local dir="$tmp/$name-$base-$names-$win"
    mkdir -p "$dir/state"
    local hn=() label="$base leases, window $win"
    [[ $names == 1 ]] && { hn=(--hostnames); label="$label, host names"; }
    local prefilled=0
    if [[ $name == dnsmasq* && $base -gt 0 ]]; then
        dnsmasq_leasefile "$base" "$names" "$dir/dnsmasq.leases"
        prefilled=$base
    fi
    start_server "$name" "$dir" || {
        echo "{\"server\":\"$name\",\"base\":$base,\"names\":$names,\"window\":$win,\"error\":\"start\"}" >>"$results"
        return 0
    }
    # A first exchange proves the path (server up, route back to the relay).
    local probe ok=0 i
    for ((i = 0; i < 10; i++)); do
        probe=$(loadgen --seed 200 --first-client "$i" --count 1 --timeout-ms 500 --retries 1) || true
        [[ $probe == *'"acked":1'* ]] && { ok=1; break; }
    done
    if [[ $ok != 1 ]]; then
        log "$name: no ACK for the probe; log:"
        tail -n 20 "$dir/server.log" >&2 || true
        echo "{\"server\":\"$name\",\"base\":$base,\"names\":$names,\"window\":$win,\"error\":\"probe\"}" >>"$results"
        stop_server
        return 0
    fi
    if [[ $name != dnsmasq* && $base -gt 0 ]]; then
        local pf
        pf=$(loadgen --seed 1 --count "$base" --window 256 --timeout-ms 2000 --retries 3 \
            --duration 120 "${hn[@]}") || true
        prefilled=$(sed -n 's/.*"acked":\([0-9]*\).*/\1/p' <<<"$pf")
        log "$name: prefilled ${prefilled:-0}/$base ($(sed -n 's/.*"exchanges_per_s":\([0-9.]*\).*/\1/p' <<<"$pf")/s)"
    fi
    # Slow servers get a longer timeout so queueing is not counted as loss.
    local tmo=1000 retries=2 dur=$measure_s
    [[ $name == dnsmasq ]] && { tmo=4000; retries=1; }
    # dnsmasq with DNS on and host names manages about one exchange per second at 5k
    # leases: a small window, one long timeout, a longer pass.
    [[ $name == dnsmasq-dns ]] && { tmo=8000; retries=0; dur=8; }
    local t0 t1 w0 w1 res
    t0=$(cpu_ticks "$srv_pid")
    w0=$(date +%s.%N)
    res=$(loadgen --seed 2 --count "$measure_max" --duration "$dur" --window "$win" \
        --timeout-ms "$tmo" --retries "$retries" "${hn[@]}") || true
    w1=$(date +%s.%N)
    t1=$(cpu_ticks "$srv_pid")
    local alive=1 dns_up=false
    running "$srv_pid" || alive=0
    if [[ $name == *-dns ]] && ip netns exec "$ns_srv" ss -H -uln 'sport = :5353' | grep -q .; then
        dns_up=true
    fi
    stop_server
    [[ -n $shm ]] && rm -rf "${shm:?}/$(basename "$dir")"
    if [[ -z $res ]]; then
        echo "{\"server\":\"$name\",\"base\":$base,\"names\":$names,\"window\":$win,\"error\":\"loadgen\"}" >>"$results"
        return 0
    fi
    local cpu_s wall_s
    cpu_s=$(awk -v a="$t0" -v b="$t1" -v hz="$clk_tck" 'BEGIN { printf "%.2f", (b - a) / hz }')
    wall_s=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.4f", b - a }')
    # One line: the loadgen JSON object plus who/what/where.
    [[ $res == '{'*'}' ]] || { log "$name: bad loadgen output: $res"; return 0; }
    printf '%s,"server":"%s","base":%d,"names":%d,"prefilled":%d,"server_cpu_s":%s,"run_wall_s":%s,"alive_after":%s,"dns_listening":%s}\n' \
        "${res%\}}" "$name" "$base" "$names" "${prefilled:-0}" "$cpu_s" "$wall_s" \
        "$([[ $alive == 1 ]] && echo true || echo false)" "$dns_up" >>"$results"
    log "$name [$label]: $(sed -n 's/.*"exchanges_per_s":\([0-9.]*\).*/\1/p' <<<"$res")/s," \
        "p99 $(sed -n 's/.*"p99_ms":\([0-9.]*\).*/\1/p' <<<"$res") ms, server cpu ${cpu_s}s"
}

# ---- scenario matrix -----------------------------------------------------------------
# "BASE:NAMES:WINDOW" per server. Prefills stay below the pool (130,559) with the measured
# pass. leasedns-tmpfs is a diagnostic: the same server with its journal on tmpfs, where
# fdatasync costs nothing, to show what the disk costs; it counts for no goal.
if [[ $QUICK == 1 ]]; then
    declare -A matrix=(
        [leasedns]="0:0:64 1000:0:64 100000:0:64 5000:1:64 0:0:256"
        [leasedns-tmpfs]="0:0:64"
        [leasedns-dns]="5000:1:64"
        [kea-st]="0:0:64 0:0:256"
        [kea-mt]="0:0:64"
        [dnsmasq]="0:0:64 5000:1:64"
        [dnsmasq-dns]="5000:1:4"
    )
else
    declare -A matrix=(
        [leasedns]="0:0:64 1000:0:64 10000:0:64 100000:0:64 0:1:64 1000:1:64 5000:1:64 0:0:256 100000:0:256"
        [leasedns-tmpfs]="0:0:64 0:0:256"
        [leasedns-dns]="1000:1:64 5000:1:64"
        [kea-st]="0:0:64 1000:0:64 10000:0:64 100000:0:64 1000:1:64 5000:1:64 0:0:256"
        [kea-mt]="0:0:64 10000:0:64 5000:1:64 0:0:256"
        [dnsmasq]="0:0:64 1000:0:64 10000:0:64 0:1:64 1000:1:64 5000:1:64"
        [dnsmasq-dns]="1000:1:4 5000:1:4"
    )
fi

fsync_probe

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t_start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for s in $SERVERS; do
    case $s in
    leasedns | leasedns-tmpfs | leasedns-dns) [[ -x $leasedns ]] || { log "skip $s: $leasedns not built"; continue; } ;;
    dnsmasq | dnsmasq-dns) [[ -x $dnsmasq ]] || { log "skip dnsmasq: $dnsmasq missing"; continue; } ;;
    kea-st | kea-mt) [[ -n $kea ]] || { log "skip $s: kea-dhcp4 missing"; continue; } ;;
    *) log "unknown server $s"; continue ;;
    esac
    for sc in ${matrix[$s]:-}; do
        IFS=: read -r b n w <<<"$sc"
        scenario "$s" "$b" "$n" "$w"
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- lease table microbenchmark ------------------------------------------------------
tb="$tmp/table_bench.txt"
if [[ -x $table_bench ]]; then
    log "table_bench"
    if [[ $QUICK == 1 ]]; then
        timeout 120 taskset -c "$srv_cpu" "$table_bench" --repeat 1 >"$tb" 2>&1 || true
    else
        timeout 300 taskset -c "$srv_cpu" "$table_bench" --repeat 3 >"$tb" 2>&1 || true
    fi
else
    echo "(table_bench not built)" >"$tb"
fi
elapsed=$(($(date +%s) - t_start))

# ---- report --------------------------------------------------------------------------
"$py" - "$results" "$tb" "$out" "$cmdline" "$started" "$elapsed" "$measure_s" "$ncpu" \
    "$(uname -r)" "$(kea-dhcp4 -V 2>/dev/null | head -n1 || true)" \
    "$("$dnsmasq" -v 2>/dev/null | head -n1 || true)" \
    "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
    "$fs_desc" "$fsync_ms" "$load_before" "$load_after" "$NICE" <<'EOF'
import json, sys
(results, tb, out, cmdline, started, elapsed, measure_s, ncpu, kernel, kea_v, dnsmasq_v, rev,
 fs_desc, fsync_ms, load_before, load_after, nice) = sys.argv[1:18]
rows = [json.loads(l) for l in open(results) if l.strip()]
tb_text = open(tb).read().rstrip()
fs_p50, fs_p90, fs_p99 = (fsync_ms.split() + ["?", "?", "?"])[:3]


def find(server, base, names, window=64):
    for r in rows:
        if (r["server"], r["base"], r["names"], r.get("window")) == (server, base, names, window) \
                and "error" not in r:
            return r
    return None


def rate(r):
    return r["exchanges_per_s"] if r else None


def per_core(r):
    if not r or r["server_cpu_s"] <= 0:
        return None
    return r["acked"] / r["server_cpu_s"]


def fmt(v, nd=0):
    return "n/a" if v is None else f"{v:,.{nd}f}"


def ratio(a, b):
    return a / b if a and b else None


L = []
L.append("# leasedns DHCP benchmark results")
L.append("")
L.append(f"Produced by `{cmdline}` (from the repository root) on {started}, git {rev}; the "
         f"run took {elapsed} s.")
L.append("")
L.append(f"Machine: {ncpu} CPUs, Linux {kernel}; load average {load_before} before the run, "
         f"{load_after} after (other work shares this machine: compare per-core rates). "
         f"State directories on {fs_desc}: one small append + fdatasync takes "
         f"p50 {fs_p50} ms, p90 {fs_p90} ms, p99 {fs_p99} ms. Peers: "
         + (f"Kea {kea_v}" if kea_v else "Kea n/a") + ", " + (dnsmasq_v or "dnsmasq n/a") + ".")
L.append("")
L.append("Method (bench/run.sh): two network namespaces joined by a veth pair, addresses only "
         "in 198.18.0.0/15. `leasedns-loadgen` (bench/loadgen.cpp) acts as a relay agent "
         "(giaddr 198.18.0.1) for thousands of clients (one chaddr each), so every server "
         "serves the relayed subnet 198.18.0.0/15, pool 198.18.1.0-198.19.254.254. The server "
         "is pinned to one core and the load generator to the other (taskset). Each scenario "
         "starts the server with an empty state directory, prefills the table with a first "
         "load pass (other clients; dnsmasq: from its lease file, see below), then measures "
         f"full DORA exchanges of fresh clients for {measure_s} s (or up to a count cap) with "
         "the given window of outstanding exchanges. Host names: clients send option 12. "
         "DORA/s = ACKs per second until the last exchange ended; latency = first DISCOVER to "
         "ACK; lost = exchanges without OFFER or ACK after their retransmissions (1 s timeout, "
         "2 retries; dnsmasq 4 s, 1). Per core = ACKs per second of server CPU time "
         "(utime+stime of all its threads during the measured pass); server CPU = that time "
         "over the pass's wall time; gen CPU = the load generator's own share.")
L.append("")
L.append("Servers: leasedns `--no-ping -p 0 --state-dir DIR --dhcp-authoritative` (each lease "
         "is in the journal and fdatasync'd before its ACK leaves; syncs are batched); "
         "leasedns-tmpfs is the same with the state directory on tmpfs, a diagnostic of what "
         "the disk costs, used for no goal; dnsmasq `--no-ping -p 0 --dhcp-lease-max=1000000 "
         "--dhcp-authoritative` (rewrites and fsyncs its whole lease file per change); the "
         "-dns variants run the DNS side too (`-p 5353 --no-resolv --domain=lan`, dnsmasq also "
         "`--local=/lan/`), which is where dnsmasq's cost with host names lies; Kea "
         "memfile `persist: true` (appends to its CSV, no fsync), kea-st single-threaded, "
         "kea-mt `multi-threading: {enable-multi-threading: true, thread-pool-size: 2, "
         "packet-queue-size: 64}` (on the same single server core).")
L.append("")
L.append("| server | table | names | window | DORA/s | per core/s | server CPU | gen CPU | "
         "p50 ms | p99 ms | lost | NAK | ACKed |")
L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
order = {"leasedns": 0, "leasedns-tmpfs": 1, "leasedns-dns": 2, "kea-st": 3, "kea-mt": 4,
         "dnsmasq": 5, "dnsmasq-dns": 6}
for r in sorted(rows, key=lambda r: (order.get(r["server"], 9), r.get("window", 0), r["names"],
                                     r["base"])):
    if "error" in r:
        L.append(f"| {r['server']} | {r['base']:,} | {'yes' if r['names'] else 'no'} | "
                 f"{r.get('window', '')} | failed ({r['error']}) | | | | | | | | |")
        continue
    wall = max(r["run_wall_s"], 1e-9)
    mm = f" ({r['mismatches']} mismatched)" if r["mismatches"] else ""
    note = " (no DNS socket!)" if r["server"].endswith("-dns") and not r.get("dns_listening") \
        else ""
    if not r.get("alive_after", True):
        note += " (died!)"
    L.append(f"| {r['server']}{note} | {r['prefilled']:,} | {'yes' if r['names'] else 'no'} | "
             f"{r['window']} | {fmt(r['exchanges_per_s'])} | {fmt(per_core(r))} | "
             f"{100 * r['server_cpu_s'] / wall:.0f}% | "
             f"{100 * r.get('loadgen_cpu_s', 0) / wall:.0f}% | "
             f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['lost']} | {r['naks']} | "
             f"{r['acked']:,}/{r['started']:,}{mm} |")
L.append("")

goals = []


def goal(text, value, target, ok, unit="x", nd=2):
    v = "n/a" if value is None else (f"{value:,.{nd}f}{unit}")
    status = "n/a" if value is None else ("met" if ok else "**not met**")
    goals.append(f"| {text} | {v} | {target} | {status} |")


for w in (64, 256):
    ld0, kst0, kmt0 = find("leasedns", 0, 0, w), find("kea-st", 0, 0, w), find("kea-mt", 0, 0, w)
    if not ld0:
        continue
    r = ratio(rate(ld0), rate(kst0))
    goal(f"leasedns / Kea single-threaded, empty table, window {w}, DORA/s", r, ">= 3x",
         r is not None and r >= 3)
    r = ratio(per_core(ld0), per_core(kst0))
    goal(f"same, per server core", r, ">= 3x", r is not None and r >= 3)
    r = ratio(rate(ld0), rate(kmt0))
    goal(f"leasedns / Kea multi-threaded, empty table, window {w}, DORA/s", r, ">= 2x",
         r is not None and r >= 2)
    r = ratio(per_core(ld0), per_core(kmt0))
    goal(f"same, per server core", r, ">= 2x", r is not None and r >= 2)
ld5n, dm5n = find("leasedns", 5000, 1), find("dnsmasq", 5000, 1)
r = ratio(rate(ld5n), rate(dm5n))
goal("leasedns / dnsmasq, 5k leases with host names, DORA/s", r, ">= 1000x",
     r is not None and r >= 1000)
r = ratio(per_core(ld5n), per_core(dm5n))
goal("same, per server core", r, ">= 1000x", r is not None and r >= 1000)
ld5d, dm5d = find("leasedns-dns", 5000, 1), find("dnsmasq-dns", 5000, 1, 4)
r = ratio(rate(ld5d), rate(dm5d))
goal("leasedns / dnsmasq, both with DNS on, 5k leases with host names, DORA/s", r, ">= 1000x",
     r is not None and r >= 1000)
if ld5d and not ld5d.get("dns_listening"):
    goals[-1] = goals[-1].rsplit("|", 2)[0] + ("| provisional: leasedns opened no DNS socket "
                                              "with -p 5353, so it did no DNS work |")
lds = [x for x in rows if x["server"] == "leasedns" and "error" not in x]
naks = sum(x["naks"] for x in lds) if lds else None
goal("NAKs to well-behaved clients (all leasedns runs)", naks, "0", naks == 0, unit="", nd=0)
lost = sum(x["lost"] for x in lds) if lds else None
goal("exchanges lost (all leasedns runs)", lost, "0", lost == 0, unit="", nd=0)
l64 = [x for x in lds if x["window"] == 64]
p99 = max(x["p99_ms"] for x in l64) if l64 else None
goal("leasedns p99 latency at window 64, worst scenario, ms", p99, "< 5",
     p99 is not None and p99 < 5, unit="")
for w in (64, 256):
    a, b = find("leasedns", 100000, 0, w), find("leasedns", 1000, 0, w)
    if not a:
        continue
    if not b and w != 64:
        b = find("leasedns", 0, 0, w)
    base_label = "1k" if b and b["base"] == 1000 else "empty"
    r = ratio(rate(a), rate(b))
    goal(f"leasedns DORA/s with 100k leases / with {base_label}, window {w}", r, ">= 0.90",
         r is not None and r >= 0.9, unit="")
    r = ratio(per_core(a), per_core(b))
    goal(f"same, per server core", r, ">= 0.90", r is not None and r >= 0.9, unit="")

L.append("Reading the table: leasedns's server CPU stays low because at a fixed window it "
         "waits for the disk. An ACK leaves only after its lease is fdatasync'd; the syncs "
         "are batched (one in flight, every REQUEST that arrives meanwhile goes into the "
         "next), so a REQUEST waits one to two sync times and the rate at window W is about "
         "W / (exchange time). A larger window (256) or a faster disk (the tmpfs rows) "
         "raises it; per core shows the CPU cost. Kea appends without fsync; dnsmasq "
         "rewrites and fsyncs its whole lease file per change.")
L.append("")
L.append("## Goals (from the issue)")
L.append("")
L.append("| goal | measured | target | status |")
L.append("|---|---:|---|---|")
L += goals
L.append("")
L.append("## Reference figures (from the issue) and this run")
L.append("")
L.append("| peer, scenario | issue | this run, DORA/s | this run, per core/s |")
L.append("|---|---:|---:|---:|")
for text, ref, key in [
        ("Kea 2.2 single-threaded, one core", "~13,000/s", ("kea-st", 0, 0)),
        ("Kea 2.2 multi-threaded", "~19,000/s", ("kea-mt", 0, 0)),
        ("dnsmasq, empty table", "~1,200/s", ("dnsmasq", 0, 0)),
        ("dnsmasq, 10k leases", "140/s", ("dnsmasq", 10000, 0)),
        ("dnsmasq, 1k leases with host names", "125/s", ("dnsmasq", 1000, 1)),
        ("dnsmasq, 5k leases with host names", "7/s", ("dnsmasq", 5000, 1)),
        ("dnsmasq with DNS on, 1k leases with host names", "125/s", ("dnsmasq-dns", 1000, 1, 4)),
        ("dnsmasq with DNS on, 5k leases with host names", "7/s", ("dnsmasq-dns", 5000, 1, 4))]:
    r = find(*key)
    L.append(f"| {text} | {ref} | {fmt(rate(r))} | {fmt(per_core(r))} |")
L.append("")
L.append("dnsmasq's tables are prefilled from its lease file (the same clients, addresses and "
         "names a prefill pass would create): filling 10k leases by DORA takes minutes, since "
         "dnsmasq rewrites and fsyncs its whole lease file for every change.")
L.append("")
L.append("## Lease table microbenchmark (bench/table_bench)")
L.append("")
L.append("ns per operation (fastest of the repeats) and bytes per lease; pool sized 1.25x "
         "the lease count, clients with host names, one subscribed listener. offer = "
         "pick_free + hold_offer, bind = offer to Bound (Granted), lookups in random "
         "order, renew = bind of the same client and address (Renewed), expire = "
         "expire_due in slices of 1024. Each size first runs once untimed on memory new to "
         "the process, then `--repeat` timed runs; malloc keeps freed memory (mallopt: no "
         "trimming, no mmap), so the timed runs reuse the warm-up's pages instead of "
         "paying a page fault per new 4 KiB page (several microseconds each in this VM, "
         "one per ~40 leases: that one-time cost is what made offer look 4x dearer at 10k "
         "than at 1k before; per-operation instruction counts were flat, ~1,150 per offer "
         "at 1k and 10k under callgrind). cold = offer + bind ns per lease during that "
         "first fill (page faults included). table_B/l = LeaseTable::memory_bytes() / "
         "leases, heap_B/l = malloc heap growth (mallinfo2) / leases, rss_B/l = resident "
         "set growth / leases during the first fill (at 1k the allocator's own first pages "
         "dominate; later sizes reuse memory kept from smaller ones), max_B/l = the worst "
         "LeaseTable::memory_bytes() / leases after any insert while filling a fresh table "
         "from max(n/10, 1000) to n leases, max_at = where. Goal: per-operation cost flat "
         "from 1k to 1M, under 150 bytes per lease.")
L.append("")
L.append("```")
L.append(tb_text)
L.append("```")
L.append("")
# Keep the J1 capacity section bench/capacity.sh appended (it is not rerun here).
try:
    prev = open(out).read()
except OSError:
    prev = ""
cut = prev.find("\n## J1 capacity")
if cut >= 0:
    L.append(prev[cut + 1:].rstrip("\n"))
    L.append("")
open(out, "w").write("\n".join(L) + "\n")
EOF
log "wrote $out (raw results: $results)"

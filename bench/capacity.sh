#!/usr/bin/env bash
# bench/capacity.sh: ROBUSTNESS row J1, the DORA capacity of leasedns, Kea and dnsmasq
# by ISC's method: offer DORA exchanges of fresh clients at a fixed rate R, whatever the
# server answers, and raise R until more than 2.5% of the exchanges go unanswered within
# 1 s; 9 runs per server, drop the best and the worst, report the mean of the rest.
# Appends (or replaces) the "J1 capacity" section of bench/RESULTS.md.
#
#   sudo bench/capacity.sh [--build DIR] [--out FILE]    (about 8-10 minutes)
#   sudo QUICK=1 bench/capacity.sh                       (3 runs each, about 2 minutes)
#   sudo REPEAT=5 SERVERS="leasedns kea-st" bench/capacity.sh
#   NICE=0 (default -10): niceness of servers and load generator; KEEP=1 keeps the
#   temporary directory (logs, steps.jsonl). BUDGET_S: a run starts no new search after
#   this many seconds (default 600, QUICK 120); the report says so if it cut runs short.
#
# Servers (same set-up as bench/run.sh, see bench/lib.sh): leasedns with its journal on
# disk (every lease fdatasync'd before its ACK: durable), kea-st (Kea memfile, persist on,
# single-threaded: appends its CSV, no fsync), dnsmasq (-p 0; rewrites and fsyncs its
# whole lease file per change).
#
# One step = one paced load at rate R: `leasedns-loadgen --paced --rate R` starts
# ceil(R * STEP_S) exchanges of fresh clients (new chaddr and client id, option 61, never
# used before in the run) at R per second, open loop; each exchange gets 1 s from its
# DISCOVER (no retransmission, --deadline-ms 1000) to be answered. Unanswered = no ACK
# or NAK within 1 s (as in perfdhcp, a NAK is an answer; they are counted apart). A step
# passes if unanswered <= 2.5%.
#
# One run (search) per server: the first doubles R from a start rate until a step fails,
# then bisects (geometric mean) until the bracket is within 6% (QUICK: 12%); later runs
# start from the median of the earlier ones and step by x1.25 up or down to a bracket,
# then bisect the same way. A run's capacity = the highest rate really offered (loadgen's
# offered_per_s, at most R) in a passing step.
# The server is restarted on an empty state directory before a step that follows a failed
# step (no backlog carried over) and before its table would pass 60,000 leases (the pool
# has 130,559); dnsmasq before every step, as its cost per change grows with its table.
#
# Safety: traffic only inside the two namespaces ldbench-<pid>-*; every loop bounded in
# count and time (steps per search, runs, BUDGET_S, loadgen's caps plus timeout(1)); only
# processes we started are stopped, by PID; namespaces and temporary files are removed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"  # results_section.py
root=$(cd "$here/.." && pwd)
build="$root/build"
out="$here/RESULTS.md"
QUICK=${QUICK:-0}
servers_env=${SERVERS:-}
SERVERS=${SERVERS:-"leasedns kea-st dnsmasq"}
repeat_env=${REPEAT:-}
KEEP=${KEEP:-0}
nice_env=${NICE:-}
NICE=${NICE:--10}
budget_env=${BUDGET_S:-}
cmdline="$0 $*"
[[ $QUICK == 1 ]] && cmdline="QUICK=1 $cmdline"
[[ -n $repeat_env ]] && cmdline="REPEAT=$repeat_env $cmdline"
[[ -n $budget_env ]] && cmdline="BUDGET_S=$budget_env $cmdline"
[[ -n $nice_env ]] && cmdline="NICE=$nice_env $cmdline"
[[ -n $servers_env ]] && cmdline="SERVERS=\"$servers_env\" $cmdline"

prog=capacity.sh
# shellcheck source=bench/args.sh
source "$here/args.sh"
parse_bench_args "$@"

# Checks, paths, the temporary directory, the virtual LAN and the cleanup trap.
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

# ---- parameters ----------------------------------------------------------------------
threshold=2.5     # percent of exchanges unanswered within 1 s
deadline_ms=1000  # each exchange's time to be ACKed, from its DISCOVER
if [[ $QUICK == 1 ]]; then
    REPEAT=${REPEAT:-3}
    step_s=1
    tol=1.12
    budget_s=${BUDGET_S:-120}
else
    REPEAT=${REPEAT:-9}
    step_s=1.5
    tol=1.06
    budget_s=${BUDGET_S:-600}
fi
[[ $REPEAT =~ ^[1-9][0-9]?$ ]] || { echo "capacity.sh: REPEAT must be 1..99" >&2; exit 2; }
[[ $budget_s =~ ^[0-9]+$ ]] || { echo "capacity.sh: BUDGET_S must be seconds" >&2; exit 2; }
max_steps=16      # per search
min_rate=10       # below this a search gives up (capacity < 10/s)
max_rate=200000   # loadgen's window cap (262,144) bounds the paced rate near this
table_cap=60000   # restart before a server's table passes this (pool: 130,559)
declare -A start_rate=([leasedns]=2000 [kea-st]=1000 [dnsmasq]=100)

steps="$tmp/steps.jsonl"
runs="$tmp/runs.jsonl"
: >"$steps"
: >"$runs"
next_client=0    # fresh clients across the whole run: every step takes the next range
srv_table=0      # exchanges offered to the running server since its start
srv_dir=""
restart_next=0
step_no=0
cut_short=0

# restart NAME: a fresh server on an empty state directory, its path proved by a probe.
restart() {
    local name=$1
    stop_server
    [[ -n $srv_dir ]] && rm -rf "$srv_dir"
    step_no=$((step_no + 1))
    srv_dir="$tmp/$name-$step_no"
    mkdir -p "$srv_dir/state"
    srv_table=0
    start_server "$name" "$srv_dir" || return 1
    local probe i
    for ((i = 0; i < 10; i++)); do
        probe=$(loadgen --seed 7 --first-client "$next_client" --count 1 --timeout-ms 500 \
            --retries 1 --client-id) || true
        next_client=$((next_client + 1))
        if [[ $probe == *'"acked":1'* ]]; then
            srv_table=1
            return 0
        fi
    done
    log "$name: no ACK for the probe; log:"
    tail -n 20 "$srv_dir/server.log" >&2 || true
    return 1
}

jnum() {  # jnum KEY JSON: a number field of a loadgen JSON line
    sed -n "s/.*\"$1\":\\([0-9.]*\\).*/\\1/p" <<<"$2"
}

# step NAME RUN RATE: one paced load; sets step_pass (1/0). Returns 1 if the server
# could not be (re)started.
step() {
    local name=$1 run=$2 rate=$3 count
    count=$(awk -v r="$rate" -v s="$step_s" 'BEGIN { c = r * s; printf "%d", (c == int(c)) ? c : int(c) + 1 }')
    local restarted=false
    if [[ -z $srv_pid || $restart_next == 1 || $name == dnsmasq ]] ||
        ((srv_table + count > table_cap)); then
        restart "$name" || return 1
        restarted=true
    fi
    local t0 t1 w0 w1 res
    t0=$(cpu_ticks "$srv_pid")
    w0=$(date +%s.%N)
    res=$(loadgen --paced --rate "$rate" --count "$count" --duration "$(awk -v s="$step_s" 'BEGIN { print s + 1 }')" \
        --deadline-ms "$deadline_ms" --timeout-ms "$deadline_ms" --retries 0 --client-id \
        --seed 7 --first-client "$next_client") || true
    w1=$(date +%s.%N)
    t1=$(cpu_ticks "$srv_pid")
    next_client=$((next_client + count))
    srv_table=$((srv_table + count))
    local alive=true
    running "$srv_pid" || alive=false
    if [[ $res != '{'*'}' ]]; then
        log "$name: bad loadgen output: ${res:-none}"
        res='{"started":0,"acked":0,"unanswered":0,"unanswered_pct":100,"offered_per_s":0}'
    fi
    local pct offered cpu_s wall_s
    pct=$(jnum unanswered_pct "$res")
    offered=$(jnum offered_per_s "$res")
    cpu_s=$(awk -v a="$t0" -v b="$t1" -v hz="$clk_tck" 'BEGIN { printf "%.2f", (b - a) / hz }')
    wall_s=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.3f", b - a }')
    step_pass=$(awk -v p="${pct:-100}" -v t="$threshold" 'BEGIN { print (p <= t) ? 1 : 0 }')
    [[ $alive == true ]] || step_pass=0
    # What the server was really offered: the generator may fall short of R when its
    # core is busy; a run's capacity counts the offered rate, never more than R.
    step_offered=$(awk -v o="${offered:-0}" -v r="$rate" 'BEGIN { printf "%d", (o < r) ? o : r }')
    # After a failed step the server may still hold a backlog: the next step starts fresh.
    restart_next=$((1 - step_pass))
    printf '%s,"server":"%s","run":%d,"rate_target":%s,"pass":%s,"restarted":%s,"server_cpu_s":%s,"step_wall_s":%s,"alive_after":%s}\n' \
        "${res%\}}" "$name" "$run" "$rate" "$([[ $step_pass == 1 ]] && echo true || echo false)" \
        "$restarted" "$cpu_s" "$wall_s" "$alive" >>"$steps"
    if [[ $step_pass == 1 ]] && ((step_offered > best)); then best=$step_offered; fi
    # A passing step the generator could not offer (< 95% of R): raising R further would
    # measure the generator, not the server; the run ends with a lower bound.
    if [[ $step_pass == 1 ]] && ((step_offered * 100 < rate * 95)); then
        gen_limited=1
        log "$name run $run: the generator offered only ${step_offered}/s of ${rate}/s: capacity >= that"
    fi
    log "$name run $run: R=$rate/s offered ${offered:-0}/s unanswered ${pct:-?}%" \
        "$([[ $step_pass == 1 ]] && echo pass || echo FAIL) (server cpu ${cpu_s}s)"
    return 0
}

# search NAME RUN GUESS: one run; prints nothing, appends its result to $runs.
search() {
    local name=$1 run=$2 guess=$3 lo=0 hi=0 r n=0 ok=1
    best=0         # the highest offered rate of a passing step
    gen_limited=0  # set by step: the generator, not the server, was the limit
    if [[ -z $guess ]]; then
        r=${start_rate[$name]:-1000}
        while ((n < max_steps)); do
            n=$((n + 1))
            step "$name" "$run" "$r" || { ok=0; break; }
            if [[ $step_pass == 1 ]]; then
                lo=$r
                ((hi > 0 || r >= max_rate || gen_limited)) && break
                r=$((r * 2 > max_rate ? max_rate : r * 2))
            else
                hi=$r
                ((lo > 0)) && break
                r=$((r / 2))
                ((r < min_rate)) && break
            fi
        done
    else
        r=$guess
        n=1
        step "$name" "$run" "$r" || ok=0
        if [[ $ok == 1 && $step_pass == 1 ]]; then
            lo=$r
            while ((n < max_steps && r < max_rate && !gen_limited)); do
                r=$(((r * 5 + 3) / 4))
                ((r > max_rate)) && r=$max_rate
                n=$((n + 1))
                step "$name" "$run" "$r" || { ok=0; break; }
                if [[ $step_pass == 1 ]]; then lo=$r; else hi=$r; break; fi
                ((gen_limited)) && break
            done
        elif [[ $ok == 1 ]]; then
            hi=$r
            while ((n < max_steps)); do
                r=$((r * 4 / 5))
                ((r < min_rate)) && break
                n=$((n + 1))
                step "$name" "$run" "$r" || { ok=0; break; }
                if [[ $step_pass == 1 ]]; then lo=$r; break; else hi=$r; fi
            done
        fi
    fi
    # Bisect [lo, hi] geometrically until hi / lo <= tol.
    while [[ $ok == 1 ]] && ((lo > 0 && hi > 0 && n < max_steps && !gen_limited)) &&
        awk -v a="$lo" -v b="$hi" -v t="$tol" 'BEGIN { exit !(b / a > t) }'; do
        r=$(awk -v a="$lo" -v b="$hi" 'BEGIN { printf "%d", sqrt(a * b) + 0.5 }')
        ((r <= lo || r >= hi)) && break
        n=$((n + 1))
        step "$name" "$run" "$r" || { ok=0; break; }
        if [[ $step_pass == 1 ]]; then lo=$r; else hi=$r; fi
    done
    printf '{"server":"%s","run":%d,"capacity":%d,"pass_rate":%d,"fail_rate":%d,"steps":%d,"ok":%s,"gen_limited":%s}\n' \
        "$name" "$run" "$best" "$lo" "$hi" "$n" "$([[ $ok == 1 ]] && echo true || echo false)" \
        "$([[ $gen_limited == 1 ]] && echo true || echo false)" >>"$runs"
    log "$name run $run: capacity $best/s offered (highest passing R $lo/s, lowest failing R ${hi}/s, $n steps)"
    capacity=$best
    [[ $ok == 1 ]]
}

fsync_probe
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t_start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
nserv=$(wc -w <<<"$SERVERS")
si=0
for s in $SERVERS; do
    # Each server may run until its share of the budget (time left over carries on).
    si=$((si + 1))
    s_deadline=$((t_start + budget_s * si / nserv))
    case $s in
    leasedns) [[ -x $leasedns ]] || { log "skip $s: $leasedns not built"; continue; } ;;
    dnsmasq) [[ -x $dnsmasq ]] || { log "skip $s: $dnsmasq missing"; continue; } ;;
    kea-st) [[ -n $kea ]] || { log "skip $s: kea-dhcp4 missing"; continue; } ;;
    *) log "unknown server $s (J1 runs leasedns, kea-st, dnsmasq)"; continue ;;
    esac
    caps=()
    for ((run = 1; run <= REPEAT; run++)); do
        if (($(date +%s) > s_deadline)); then
            log "budget of ${budget_s}s spent: $s stops after $((run - 1)) runs"
            cut_short=1
            break
        fi
        guess=""
        if ((${#caps[@]} > 0)); then
            guess=$(printf '%s\n' "${caps[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
            ((guess < min_rate)) && guess=$min_rate
        fi
        capacity=0
        if ! search "$s" "$run" "$guess"; then
            log "$s: server failed to start; no more runs for it"
            break
        fi
        caps+=("$capacity")
    done
    stop_server
    [[ -n $srv_dir ]] && rm -rf "$srv_dir"
    srv_dir=""
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - t_start))

# ---- report --------------------------------------------------------------------------
"$py" - "$steps" "$runs" "$out" "$cmdline" "$started" "$elapsed" "$ncpu" "$(uname -r)" \
    "$(kea-dhcp4 -V 2>/dev/null | head -n1 || true)" \
    "$("$dnsmasq" -v 2>/dev/null | head -n1 || true)" \
    "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
    "$fs_desc" "$fsync_ms" "$load_before" "$load_after" "$NICE" "$REPEAT" "$step_s" \
    "$tol" "$threshold" "$cut_short" "$budget_s" <<'EOF'
import json, statistics, sys
(steps_f, runs_f, out, cmdline, started, elapsed, ncpu, kernel, kea_v, dnsmasq_v, rev,
 fs_desc, fsync_ms, load_before, load_after, nice, repeat, step_s, tol, threshold, cut_short,
 budget_s) = sys.argv[1:23]
steps = [json.loads(l) for l in open(steps_f) if l.strip()]
runs = [json.loads(l) for l in open(runs_f) if l.strip()]
fs_p50, fs_p90, fs_p99 = (fsync_ms.split() + ["?", "?", "?"])[:3]
order = ["leasedns", "kea-st", "dnsmasq"]
servers = [s for s in order if any(r["server"] == s for r in runs)]
servers += sorted({r["server"] for r in runs} - set(servers))


def trimmed(caps):
    c = sorted(caps)
    return c[1:-1] if len(c) >= 3 else c


summary = {}
for s in servers:
    rs = [r for r in runs if r["server"] == s and r["ok"]]
    caps = [r["capacity"] for r in rs]
    if not caps:
        continue
    kept = trimmed(caps)
    # Server CPU share and loadgen's real offered rate at each run's highest passing step.
    at_cap = []
    for r in rs:
        st = [x for x in steps if x["server"] == s and x["run"] == r["run"] and x["pass"]
              and x["rate_target"] == r["pass_rate"]]
        if st:
            at_cap.append(st[-1])
    cpu = [100 * x["server_cpu_s"] * x["offered_per_s"] / x["started"] for x in at_cap
           if x["started"] and x["offered_per_s"]]
    summary[s] = dict(
        caps=caps, kept=kept, mean=statistics.mean(kept),
        sd=statistics.stdev(kept) if len(kept) > 1 else 0.0,
        nsteps=sum(1 for x in steps if x["server"] == s),
        cpu=statistics.mean(cpu) if cpu else None,
        unans=statistics.mean(x["unanswered_pct"] for x in at_cap) if at_cap else None,
        p99=statistics.mean(x["p99_ms"] for x in at_cap) if at_cap else None,
        per_core=statistics.mean(x["acked"] / x["server_cpu_s"] for x in at_cap
                                 if x["server_cpu_s"] > 0) if at_cap else None,
        naks=sum(x["naks"] for x in steps if x["server"] == s),
        exchanges=sum(x["started"] for x in steps if x["server"] == s),
        gen_short=sum(1 for x in steps if x["server"] == s
                      and x["offered_per_s"] < 0.95 * x["rate_target"]),
        restarts=sum(1 for x in steps if x["server"] == s and x["restarted"]),
        dead=sum(1 for x in steps if x["server"] == s and not x["alive_after"]))

L = []
L.append("## J1 capacity")
L.append("")
L.append(f"Produced by `{cmdline}` (from the repository root) on {started}, git {rev}; the "
         f"run took {elapsed} s. ROBUSTNESS.md J1: raise the DORA rate until more than "
         f"{threshold}% of exchanges go unanswered within 1 s; {repeat} runs per server, drop "
         "the best and the worst, mean of the rest; fresh client ids; durable journal on "
         "(ISC's method).")
L.append("")
L.append(f"Machine: {ncpu} CPUs, Linux {kernel}; load average {load_before} before, "
         f"{load_after} after (shared machine: expect run-to-run spread). State directories "
         f"on {fs_desc}: one small append + fdatasync p50 {fs_p50} ms, p90 {fs_p90} ms, "
         f"p99 {fs_p99} ms. Peers: " + (f"Kea {kea_v}" if kea_v else "Kea n/a") + ", "
         + (dnsmasq_v or "dnsmasq n/a") + ".")
L.append("")
L.append("Method (bench/capacity.sh, namespaces and servers as in bench/run.sh): "
         f"`leasedns-loadgen --paced --rate R` starts DORA exchanges of fresh clients (new "
         "chaddr and client id, option 61) at R per second, open loop, for "
         f"{step_s} s per step; each exchange has 1 s from its DISCOVER to be answered (no "
         "retransmission). A step passes if at most "
         f"{threshold}% are unanswered (no ACK or NAK within 1 s; as in perfdhcp a NAK is an "
         "answer, NAKs are counted apart). The first run per server "
         "doubles R until a step fails, then bisects; later runs start at the median so far "
         f"and step by x1.25, then bisect; bisection stops at a bracket within x{tol}. A "
         "run's capacity is the highest rate the generator really offered in a passing "
         "step (it may fall short of R when its core is busy; never counted above R; a "
         "passing step offered below 95% of R ends the run: >= marks such a lower bound). "
         "Server pinned to one core, load "
         "generator to the other. leasedns: journal on disk, every lease fdatasync'd before "
         "its ACK; Kea single-threaded memfile, persist on (appends its CSV, no fsync); "
         "dnsmasq `-p 0` (rewrites and fsyncs its lease file per change; restarted with an "
         "empty table before every step, as its cost grows with the table). Servers are "
         "restarted on an empty state directory after a failed step and before the table "
         "passes 60,000 leases.")
L.append("")
L.append("| server | capacity, DORA/s (trimmed mean) | sd | runs, sorted (kept in bold) | "
         "server CPU at capacity | ACKs per CPU s at capacity | p99 ms at capacity | steps | "
         "NAKs / exchanges |")
L.append("|---|---:|---:|---|---:|---:|---:|---:|---:|")
for s in servers:
    if s not in summary:
        L.append(f"| {s} | failed | | | | | | | |")
        continue
    m = summary[s]
    c = sorted(m["caps"])
    cells = []
    limited = {r["capacity"] for r in runs if r["server"] == s and r.get("gen_limited")}
    for i, v in enumerate(c):
        dropped = len(c) >= 3 and (i == 0 or i == len(c) - 1)
        t = (">=" if v in limited else "") + f"{v:,}"
        cells.append(t if dropped else f"**{t}**")
    note = ""
    nlim = sum(1 for r in runs if r["server"] == s and r.get("gen_limited"))
    if nlim:
        note += f" ({nlim} runs generator-bound: capacity at least this)"
    if m["dead"]:
        note += f" (died {m['dead']}x!)"
    L.append(f"| {s}{note} | {m['mean']:,.0f} | {m['sd']:,.0f} | {', '.join(cells)} | "
             + ("n/a" if m["cpu"] is None else f"{m['cpu']:.0f}%") + " | "
             + ("n/a" if not m["per_core"] else f"{m['per_core']:,.0f}") + " | "
             + ("n/a" if m["p99"] is None else f"{m['p99']:.1f}") + f" | {m['nsteps']} | "
             f"{m['naks']:,} / {m['exchanges']:,} |")
L.append("")
ld = summary.get("leasedns")
for peer, label in (("kea-st", "Kea single-threaded"), ("dnsmasq", "dnsmasq")):
    p = summary.get(peer)
    if ld and p and p["mean"] > 0:
        lb = "at least " if any(r.get("gen_limited") for r in runs
                                if r["server"] == "leasedns") else ""
        L.append(f"- leasedns / {label}: {lb}{ld['mean'] / p['mean']:,.1f}x")
if cut_short == "1":
    L.append(f"- The time budget ({budget_s} s) ran out: some servers have fewer runs than "
             f"{repeat}.")
L.append("")
L.append("Reading it: server CPU at capacity = the server's CPU time (utime+stime, all "
         "threads) over the step's offered duration at each run's highest passing rate, and "
         "ACKs per CPU s = that step's ACKs over that CPU time (means over the runs). A "
         "server below 100% CPU at capacity waited for something else: the disk (leasedns "
         "and dnsmasq sync before the ACK) or, on a shared machine, the core it is pinned "
         "to, which other processes use too: compare ACKs per CPU s.")
L.append("")

from results_section import replace_section
replace_section(out, "## J1 capacity", "\n".join(L))
print("\n".join(L))
EOF
log "wrote $out (steps: $steps)"

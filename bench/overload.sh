#!/usr/bin/env bash
# bench/overload.sh: ROBUSTNESS row J3 over its full length: DHCP offered at twice the
# server's capacity for 10 minutes (tests/fault/test_overload.py with OVERLOAD_SECONDS),
# then its figures go into the "J3 overload" section of bench/RESULTS.md (that section
# only is replaced).
#
#   sudo bench/overload.sh [--build DIR] [--seconds S]     (default build/, 600 s)
#
# The test does the work (namespaces ldfault-<pid>-*, addresses in 198.18.0.0/15, every
# loop bounded, its own cleanup); this script runs it, keeps its log and writes the
# section. It fails if the test fails.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"  # results_section.py
root=$(cd "$here/.." && pwd)
build="$root/build"
seconds=600
while (($#)); do
    case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--seconds S]" >&2; exit 2 ;;
    esac
done
[[ $seconds =~ ^[0-9]+$ ]] && ((seconds >= 10 && seconds <= 3600)) ||
    { echo "overload.sh: --seconds must be 10..3600" >&2; exit 2; }
[[ -x $build/src/app/leasedns && -x $build/bench/leasedns-loadgen ]] ||
    { echo "overload.sh: build $build first (ninja -C $build)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
set +e
OVERLOAD_SECONDS=$seconds OVERLOAD_JSON="$tmp/overload.json" \
    LEASEDNS_BIN="$build/src/app/leasedns" LEASEDNS_LOADGEN="$build/bench/leasedns-loadgen" \
    python3 "$root/tests/fault/test_overload.py" 2>&1 | tee "$tmp/test.log"
rc=${PIPESTATUS[0]}
set -e
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
[[ -f $tmp/overload.json ]] || { echo "overload.sh: the test wrote no figures (exit $rc)" >&2; exit 1; }
python3 - "$tmp/overload.json" "$here/RESULTS.md" "$0 --seconds $seconds" "$started" \
    "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
    "$(nproc)" "$(uname -r)" "$load_before" "$load_after" "$rc" <<'PY'
import json, statistics, sys
(fig, out, cmd, started, rev, ncpu, kernel, lb, la, rc) = sys.argv[1:11]
d = json.load(open(fig))
g = d["loadgen"]
anon = d["rss_anon_kb"]
L = ["## J3 overload", "",
     f"Produced by `{cmd}` (tests/fault/test_overload.py, from the repository root) on "
     f"{started}, git {rev}; machine {ncpu} CPUs, Linux {kernel}, load average {lb} before, "
     f"{la} after (shared machine); test exit status {rc}.", "",
     "Method: capacity C = closed-loop DORA (leasedns-loadgen, window 2048, 800 repeating "
     "clients) for 3 s; then `leasedns-loadgen --paced --rate 2C` (open loop, 3 s per "
     "exchange, no retransmission) while a DNS pacer asks a static name 200 times a second. "
     "The daemon empties its DHCP socket into a bounded queue each loop turn and serves it "
     "newest first, dropping requests older than 1 s (io/dhcp_intake).", "",
     "| figure | value |", "|---|---:|",
     f"| capacity C, closed loop | {d['capacity']:,.0f} DORA/s |",
     f"| offered (target 2C = {d['rate']:,}) | {g['offered_per_s']:,.0f} DORA/s for {d['seconds']:.0f} s |",
     f"| ACKed | {g['acked']:,} ({g['acked'] / d['seconds']:,.0f}/s) |",
     f"| answered within 1 s (goodput) | {d['goodput']:,.0f}/s = {100 * d['goodput'] / d['capacity']:.0f}% of C |",
     f"| exchange time of the answered, p50 / p99 / max | {g['p50_ms']:.1f} / {g['p99_ms']:.1f} / {g['max_ms']:.1f} ms |",
     f"| server drops: stale (> 1 s) / overflow | {d['drops']['stale']:,} / {d['drops']['overflow']:,} |",
     f"| RssAnon first / last / peak | {anon[0]:,} / {anon[-1]:,} / {max(anon):,} kB |",
     f"| descriptors | {min(d['fds'])}..{max(d['fds'])} |",
     f"| DNS p99 unloaded / during the overload | {d['dns_idle_p99_ms']:.2f} / {d['dns_busy_p99_ms']:.2f} ms ({d['dns_busy_lost']} of {d['dns_busy_count']:,} lost) |",
     ""]
from results_section import replace_section
replace_section(out, "## J3 overload", "\n".join(L))
print("\n".join(L))
PY
exit "$rc"

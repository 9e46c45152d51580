#!/usr/bin/python3
"""ROBUSTNESS D6: fdatasync of the lease journal returns EIO.

leasedns runs under strace (--seccomp-bpf: only the traced calls stop), which makes
chosen fdatasync calls fail with EIO (`-e inject=fdatasync:error=EIO:when=...`; the call
is not made, its pages stay unsynced). strace counts calls per thread:
UV_THREADPOOL_SIZE=1 puts every journal job on one libuv worker, so "the Nth job's
sync" is exact (the start-up rewrite's sync is the main thread's).

Phase 1, a transient fault: jobs K, K+1 and K+2 fail. K is the append of one client's
REQUEST; K+1 and K+2 are the first two attempts of the recovery (a rewrite of every lease
from memory into a new file), one second apart. Checked:
  * that client gets no ACK while the journal is failed: journal.state (leasectl stats)
    says "failed", the log JOURNAL-FAILED; its ACK comes only after JOURNAL-RECOVERED,
    at least ~2 s after the fault;
  * "fsyncgate": after the failed fdatasync the journal file is never synced again; every
    later sync is of the new file (.tmp) until it has been renamed over the journal
    (strace -y shows which file each fdatasync is on);
  * DNS keeps answering while failed (A and PTR of every ACKed client within 1 s);
  * after recovery new clients are ACKed; kill -9, restart without strace: every client
    ever ACKed is re-ACKed its address on INIT-REBOOT, names answer within 1 s.
Phase 2, a disk that stays broken: every journal job after the first fails. No ACK for
new clients, journal.state "failed", DNS answers, SIGTERM stops the server in time; the
restart (without strace) keeps every ACKed lease.
"""

import os
import random
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import dhcpsim as S  # noqa: E402
import dnsload as DL  # noqa: E402
import lan as L  # noqa: E402
from faultlib import (PREFIX, RANGE, SERVER_IP, check_names, checked_load,  # noqa: E402
                      verify_all)
from lan import check, log  # noqa: E402
from servicelib import journal_state, wait_journal_state  # noqa: E402
from test_slow_fsync import leasedns_pid  # noqa: E402

LOAD_IP = "198.18.4.9"
K = 6            # the first failing job (the Kth append since the start)
MAX_SINGLE = 12  # clients tried one at a time to reach job K


def strace_wrapper(out, when):
    return ["env", "UV_THREADPOOL_SIZE=1",
            "strace", "-f", "--seccomp-bpf", "-qq", "-y", "-o", out,
            "-e", "trace=fdatasync,fsync,rename,renameat,renameat2",
            "-e", "inject=fdatasync:error=EIO:when=%s" % when]


def restart_plain(server, sim, resolver, ledger, pop, label):
    """kill -9 (or already stopped), start without strace, names within 1 s, INIT-REBOOT."""
    server.stop(signal.SIGKILL, quiet=True)
    server.wrapper = []
    server.start(wait=False, quiet=True)
    L.wait_until(server._listening, 15, "leasedns to listen on port 67", interval=0.01)
    check_names(resolver, ledger, pop, label, time.monotonic(), within=1.0)
    verify_all(sim, ledger, pop, label)


def one_client(sim, pop, tries=2, interval=0.5):
    t = pop.new_txn(tries=tries, interval=interval)
    sim.run([t], window=1, timeout=tries * interval + 2)
    return t


def check_no_resync(trace_path):
    """After each injected EIO on the journal, no fdatasync of the journal file itself
    until a new file has been renamed over it. Returns (syncs of new files after a
    failure, renames that ended a failure, violations)."""
    failed_at = None
    tmp_syncs = recoveries = 0
    bad = []
    with open(trace_path) as f:
        for line in f:
            if re.search(r"fdatasync\(\d+<[^>]*leases\.journal>\) = -1 EIO .*INJECTED", line):
                failed_at = line.strip()
            elif failed_at is None:
                continue
            elif "fdatasync(" in line:
                tmp_syncs += 1
                if ".tmp>" not in line:
                    bad.append("%r after %r" % (line.strip(), failed_at))
            elif re.search(r"rename\w*\(.*leases\.journal\.tmp.*\) = 0", line):
                failed_at = None
                recoveries += 1
    return tmp_syncs, recoveries, bad


def body(ctx):
    rng = random.Random(int(os.environ.get("FAULT_SEED", "6")))
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    load = lan.add_node("load", ip=LOAD_IP, prefix_len=PREFIX)
    trace1 = lan.path("strace-1.txt")
    server = ctx.server(srv, L.ServerConfig(ranges=[RANGE], authoritative=True, domain="lan",
                                            extra=["--no-resolv"]),
                        dns_port=53, wrapper=strace_wrapper(trace1, "%d..%d" % (K, K + 2)))
    ledger, pop, sim = checked_load(load, rng, named=True)
    resolver = DL.Resolver(load.ns, SERVER_IP)

    # Phase 1: a transient EIO.
    server.start()
    victim = None
    for i in range(1, MAX_SINGLE + 1):
        t = one_client(sim, pop)
        if t.result != "ack":
            victim = t
            break
    check(victim is not None and i == K, "clients one at a time: the first %d ACKed, "
          "client %d (whose append is job %d) not" % (K - 1, K, K),
          "client %s: %s" % (i, victim and victim.result))
    server.wait_log(r"JOURNAL-FAILED", 5)
    failed_seen = time.monotonic()
    state = journal_state(server)
    check(state == "failed", "journal.state failed after the EIO", state)
    check_names(resolver, ledger, pop, "journal failed", time.monotonic(), within=1.0)
    retry = S.Txn("dora", victim.mac, client_id=victim.client_id, hostname=victim.hostname,
                  tries=16, interval=0.5)
    sim.run([retry], window=1, timeout=10)
    took = retry.finished - failed_seen if retry.finished else None
    check(retry.result == "ack" and took is not None and took > 1.0,
          "the client's retries are ACKed only after the recovery (%s s after the "
          "failure; two failed rewrite attempts one second apart come first)" %
          ("%.2f" % took if took is not None else "?"), str(retry.result))
    text = server.log_text()
    check(text.find("JOURNAL-RECOVERED") > text.find("JOURNAL-FAILED") >= 0,
          "the log says JOURNAL-FAILED, then JOURNAL-RECOVERED")
    check(journal_state(server) == "ok", "journal.state ok after the recovery")
    more = [pop.new_txn() for _ in range(10)]
    sim.run(more, window=8, timeout=15)
    check(all(t.result == "ack" for t in more), "10 more clients ACKed after the recovery")
    server.stop(signal.SIGKILL, quiet=True)
    tmp_syncs, recoveries, bad = check_no_resync(trace1)
    check(not bad and recoveries == 1 and tmp_syncs == 3, "strace: the failed journal file "
          "was never synced again; %d syncs of new files (2 failed), then one rename over "
          "it" % tmp_syncs, "recoveries %d, tmp syncs %d; %s" % (recoveries, tmp_syncs,
                                                                  "; ".join(bad[:3])))
    restart_plain(server, sim, resolver, ledger, pop, "transient EIO, kill -9, restart")

    # Phase 2: every job after the first fails, for good.
    trace2 = lan.path("strace-2.txt")
    server.stop(signal.SIGKILL, quiet=True)
    server.wrapper = strace_wrapper(trace2, "2+")
    server.start()
    first = one_client(sim, pop)
    check(first.result == "ack", "broken disk: the first append still works (ACK)")
    acks_before = ledger.acks
    refused = [pop.new_txn(tries=5, interval=0.5) for _ in range(5)]
    sim.run(refused, window=5, timeout=6)
    check(ledger.acks == acks_before, "broken disk: no ACK for 5 new clients asking for "
          "2.5 s", "%d ACKs" % (ledger.acks - acks_before))
    check(journal_state(server) == "failed", "broken disk: journal.state failed")
    check_names(resolver, ledger, pop, "broken disk", time.monotonic(), within=1.0)
    pid = leasedns_pid(server)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    L.wait_until(lambda: not os.path.exists("/proc/%d" % pid) or
                 open("/proc/%d/stat" % pid).read().split()[2] == "Z", 10,
                 "leasedns to stop on SIGTERM")
    check(True, "broken disk: SIGTERM stops the server (%.2fs)" % (time.monotonic() - t0))
    server.stop(signal.SIGKILL, quiet=True)  # strace, once its tracee is gone
    tmp_syncs, recoveries, bad = check_no_resync(trace2)
    check(not bad and recoveries == 0 and tmp_syncs >= 2, "strace: broken disk: the failed "
          "journal file was never synced again (%d failed rewrites into new files)" %
          tmp_syncs, "recoveries %d; %s" % (recoveries, "; ".join(bad[:3])))
    restart_plain(server, sim, resolver, ledger, pop, "broken disk, restart")
    log("info - %d clients, %d ACKs, %d NAKs" % (len(ledger.clients), ledger.acks,
                                                 ledger.naks))
    resolver.close()
    sim.close()


if __name__ == "__main__":
    L.main("fsync_eio", body, tools=("strace",), prefix="ldfault", hard_timeout=90)

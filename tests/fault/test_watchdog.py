#!/usr/bin/python3
"""ROBUSTNESS D10: the server stopped (SIGSTOP) for longer than WatchdogSec is killed and
restarted, as systemd does it, and D1's checks hold.

There is no systemd as PID 1 here, so the test plays its part: it binds the
NOTIFY_SOCKET (a Unix datagram socket), starts leasedns with NOTIFY_SOCKET and
WATCHDOG_USEC (WatchdogSec=WATCHDOG_SEC) in its environment, and:
  * READY=1 arrives, then WATCHDOG=1 keep-alives at about half of WatchdogSec;
  * under load (simulated clients, each with a host name; every reply recorded by
    faultlib.Ledger) the server gets SIGSTOP at a random moment; the keep-alives stop;
  * when WatchdogSec has passed without one, the test does what systemd does on a
    watchdog timeout (systemd.service(5) WatchdogSignal=, systemd.kill(5)): SIGABRT, then
    SIGCONT so a stopped process can act on it, then SIGKILL if it is still there after
    TimeoutAbortSec; the exit counts as a failure, so Restart=on-failure (checked in
    examples/leasedns.service.in) starts it again;
  * after the restart: READY=1 and keep-alives again; every name of an ACKed client
    answers in DNS within 1 s; every client ACKed before the stop is re-ACKed its address
    on INIT-REBOOT; no address was given to two clients.
ROUNDS rounds. Core dumps of the SIGABRT are switched off (prlimit --core=0).
"""

import os
import random
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import dnsload as DL  # noqa: E402
import lan as L  # noqa: E402
from faultlib import (PREFIX, RANGE, SERVER_IP, check_names, checked_load,  # noqa: E402
                      verify_all)
from lan import check, log  # noqa: E402
from servicelib import NotifySocket  # noqa: E402

LOAD_IP = "198.18.4.9"
WATCHDOG_SEC = 1.0      # WatchdogSec=
TIMEOUT_ABORT = 3.0     # TimeoutAbortSec= (systemd's default is TimeoutStopSec)
ROUNDS = 3
GRACE = 0.25            # seconds
CLIENTS_PER_ROUND = 40
UNIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                    "leasedns.service.in")


def unit_settings():
    with open(UNIT) as f:
        text = f.read()
    return dict(re.findall(r"^(\w+)=(.*)$", text, re.M))


def play_systemd_watchdog(notify, proc, stopped_at, label):
    """Waits for WatchdogSec without a keep-alive, then kills as systemd does. Returns
    (seconds from the last keep-alive to the kill, exit status)."""
    last = max([t for t, m in notify.since(0, "WATCHDOG")] or [0])
    deadline = max(last, stopped_at) + WATCHDOG_SEC
    while time.monotonic() < deadline:
        time.sleep(0.02)
    # A keep-alive sent just before the stop may be read a little after it (the reader
    # thread's timestamp): allow GRACE.
    late = [t for t, m in notify.since(stopped_at + GRACE, "WATCHDOG")]
    check(not late, "%s: no WATCHDOG=1 while the server is stopped" % label, "%d arrived" % len(late))
    waited = time.monotonic() - max([t for t, m in notify.since(0, "WATCHDOG")] or [0])
    os.kill(proc.pid, signal.SIGABRT)
    os.kill(proc.pid, signal.SIGCONT)
    try:
        rc = proc.wait(TIMEOUT_ABORT)
    except L.Timeout:
        os.kill(proc.pid, signal.SIGKILL)
        rc = proc.wait(5)
    return waited, rc


def body(ctx):
    seed = int(os.environ.get("FAULT_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    log("info - seed %d (FAULT_SEED reproduces it)" % seed)
    unit = unit_settings()
    check(unit.get("Type") == "notify" and unit.get("Restart") == "on-failure" and
          float(unit.get("WatchdogSec", "0")) > 0,
          "the unit (examples/leasedns.service.in): Type=notify, WatchdogSec=%s, "
          "Restart=on-failure: a watchdog kill is followed by a restart" %
          unit.get("WatchdogSec"), str({k: unit.get(k) for k in ("Type", "Restart",
                                                                   "WatchdogSec")}))
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    load = lan.add_node("load", ip=LOAD_IP, prefix_len=PREFIX)
    notify = NotifySocket(lan.path("notify.sock"))
    server = ctx.server(srv, L.ServerConfig(ranges=[RANGE], authoritative=True, domain="lan",
                                            extra=["--no-resolv"]),
                        dns_port=53, wrapper=["prlimit", "--core=0", "env"] +
                        notify.env(watchdog_usec=int(WATCHDOG_SEC * 1e6)))
    ledger, pop, sim = checked_load(load, rng, named=True)
    resolver = DL.Resolver(load.ns, SERVER_IP)

    started = time.monotonic()
    server.start(wait=False, quiet=True)
    for rnd in range(1, ROUNDS + 1):
        label = "round %d" % rnd
        L.wait_until(server._listening, 15, "leasedns to listen on port 67", interval=0.01)
        listening = time.monotonic()
        t_ready, _ = notify.wait_for(lambda m: m.get("READY") == "1", 15, "READY=1",
                                     after=started)
        if rnd > 1:
            check_names(resolver, ledger, pop, label + ": after the watchdog restart",
                        listening, within=1.0)
            verify_all(sim, ledger, pop, label + ": after the watchdog restart")
        time.sleep(1.3 * WATCHDOG_SEC)
        beats = [t for t, m in notify.since(t_ready, "WATCHDOG") if m["WATCHDOG"] == "1"]
        gaps = [b - a for a, b in zip(beats, beats[1:])]
        check(len(beats) >= 2 and max(gaps) < WATCHDOG_SEC,
              "%s: READY=1, then WATCHDOG=1 every %.2fs (WatchdogSec=%.1f)" % (
                  label, sum(gaps) / len(gaps) if gaps else 0, WATCHDOG_SEC),
              "%d keep-alives, gaps %s" % (len(beats), gaps))

        # Load, and SIGSTOP at a random moment in it.
        proc = server.proc
        delay = rng.uniform(0.1, 1.0)
        stopped_at = [None]

        def stop_it():
            if proc.alive():
                os.kill(proc.pid, signal.SIGSTOP)
                stopped_at[0] = time.monotonic()
        timer = threading.Timer(delay, stop_it)
        timer.start()
        acks_before = ledger.acks
        sim.run(pop.txns(CLIENTS_PER_ROUND), window=16, timeout=delay + 2 * WATCHDOG_SEC,
                stop=lambda: stopped_at[0] is not None, drain=0.3)
        timer.join()
        check(stopped_at[0] is not None, "%s: SIGSTOP after %.2fs of load (%d ACKs)" % (
            label, delay, ledger.acks - acks_before))
        waited, rc = play_systemd_watchdog(notify, proc, stopped_at[0], label)
        check(rc in (-signal.SIGABRT, -signal.SIGKILL),
              "%s: no keep-alive for %.2fs > WatchdogSec: SIGABRT (+SIGCONT) ends it "
              "(exit status %s: a failure, so Restart=on-failure restarts it)" %
              (label, waited, rc), "exit status %s" % rc)
        server.stop(signal.SIGKILL, quiet=True)
        started = time.monotonic()
        server.start(wait=False, quiet=True)

    L.wait_until(server._listening, 15, "leasedns to listen on port 67", interval=0.01)
    listening = time.monotonic()
    notify.wait_for(lambda m: m.get("READY") == "1", 15, "READY=1", after=started)
    check_names(resolver, ledger, pop, "after the last restart", listening, within=1.0)
    verify_all(sim, ledger, pop, "after the last restart")
    log("info - %d rounds, %d clients, %d ACKs, %d NAKs" % (ROUNDS, len(ledger.clients),
                                                           ledger.acks, ledger.naks))
    resolver.close()
    sim.close()


if __name__ == "__main__":
    L.main("watchdog", body, tools=("prlimit",), prefix="ldfault", hard_timeout=90)

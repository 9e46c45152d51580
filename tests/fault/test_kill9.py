#!/usr/bin/python3
"""ROBUSTNESS D1: kill -9 at random moments under load loses no acknowledged lease.

A simulated client population (dhcpsim: hand-built frames from their own MACs, no
broadcast bit, half of them with a client identifier) keeps the server busy: new
clients DISCOVER/REQUEST, known clients reboot (INIT-REBOOT). Every reply is
recorded. The server is killed with SIGKILL at a random moment (sometimes while it
is still starting, i.e. during the start-up journal rewrite), started again, and
then every client that was ever ACKed sends INIT-REBOOT (REQUEST with option 50,
no server id, ciaddr 0) for its address:
  * each must be ACKed the same address (no NAK, no silence);
  * at no time is an address held by an unexpired acknowledged lease offered or
    ACKed to another client.
FAULT_KILLS (default 40) sets the number of kills, FAULT_SEED the random seed.
"""

import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import dhcpsim as S  # noqa: E402
import lan as L  # noqa: E402
from faultlib import PREFIX, RANGE, SERVER_IP, checked_load, verify_all  # noqa: E402
from lan import check, log  # noqa: E402

# New clients over the whole run. Each costs the server an ARP entry, and the kernel
# limits those machine-wide (gc_thresh3, 1024 by default, shared by every namespace
# and by the tests running in parallel): stay well below it.
MAX_CLIENTS = 300
WINDOW = 24                # transactions in flight
KILLS = int(os.environ.get("FAULT_KILLS", "40"))


def body(ctx):
    seed = int(os.environ.get("FAULT_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    log("info - seed %d (FAULT_SEED=%d reproduces the kill schedule), %d kills" %
        (seed, seed, KILLS))
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    load = lan.add_node("load")
    server = ctx.server(srv, L.ServerConfig(ranges=[RANGE], authoritative=True))
    ledger, pop, sim = checked_load(load, rng)
    per_cycle = MAX_CLIENTS // max(1, KILLS)
    early = 0
    started = time.monotonic()

    server.start()
    for cycle in range(1, KILLS + 1):
        if cycle > 1:
            if rng.random() < 0.2:
                # Kill while it starts (loading and rewriting the journal).
                server.start(wait=False, quiet=True)
                time.sleep(rng.uniform(0.0, 0.05))
                server.stop(signal.SIGKILL, quiet=True)
                early += 1
            server.start(quiet=True)
        verify_all(sim, ledger, pop, "cycle %d" % cycle)

        proc = server.proc
        delay = rng.uniform(0.05, 1.2)
        killer = threading.Timer(delay, lambda: proc.alive() and os.kill(proc.pid, signal.SIGKILL))
        killer.start()
        acks_before = ledger.acks
        sim.run(pop.txns(per_cycle), window=WINDOW, timeout=delay + 10,
                stop=lambda: not proc.alive(), drain=0.3)
        killer.join()
        rc = server.stop(signal.SIGKILL, quiet=True)
        check(rc == -signal.SIGKILL, "cycle %d: killed with SIGKILL after %.2fs of load "
              "(%d ACKs during it)" % (cycle, delay, ledger.acks - acks_before),
              "exit status %s" % rc)

    server.start()
    verify_all(sim, ledger, pop, "after the last kill")
    server.stop(signal.SIGTERM)
    server.start()
    verify_all(sim, ledger, pop, "after a clean stop")
    log("info - %d kills (%d during start-up), %d clients, %d ACKs, %d OFFERs, %d NAKs "
        "in %.1fs" % (KILLS, early, len(ledger.clients), ledger.acks, ledger.offers,
                      ledger.naks, time.monotonic() - started))
    sim.close()


if __name__ == "__main__":
    L.main("kill9", body, prefix="ldfault", hard_timeout=240)

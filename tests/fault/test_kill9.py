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
    ACKed to another client;
  * DNS (port 53, domain "lan"): every client sends a host name of its own ("f" and
    its MAC in hex); within 1 s of the restarted server listening on port 67, the A
    record of every ACKed client's name answers its address and the PTR of that
    address answers the name (all queries in flight at once from the load namespace,
    dnsload.Resolver; checked before the INIT-REBOOTs, which would re-add the names).
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
import dnsload as DL  # noqa: E402
from faultlib import (PREFIX, RANGE, SERVER_IP, check_names, checked_load,  # noqa: E402
                      verify_all)
from lan import check, log  # noqa: E402

# New clients over the whole run. Each costs the server an ARP entry, and the kernel
# limits those machine-wide (gc_thresh3, 1024 by default, shared by every namespace
# and by the tests running in parallel): stay well below it.
MAX_CLIENTS = 300
WINDOW = 24                # transactions in flight
KILLS = int(os.environ.get("FAULT_KILLS", "40"))
LOAD_IP = "198.18.4.9"     # the load namespace's address, for its DNS queries
DNS_WITHIN = 1.0           # seconds after the restart by which every name answers


def start_and_check_names(server, resolver, ledger, pop, label):
    """Starts the server; once it listens on port 67, checks every ACKed name in DNS."""
    server.start(wait=False, quiet=True)
    L.wait_until(server._listening, 15, "%s to listen on port 67" % server.kind,
                 interval=0.01)
    return check_names(resolver, ledger, pop, label, time.monotonic(), within=DNS_WITHIN)


def body(ctx):
    seed = int(os.environ.get("FAULT_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    log("info - seed %d (FAULT_SEED=%d reproduces the kill schedule), %d kills" %
        (seed, seed, KILLS))
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    load = lan.add_node("load", ip=LOAD_IP, prefix_len=PREFIX)
    server = ctx.server(srv, L.ServerConfig(ranges=[RANGE], authoritative=True, domain="lan",
                                            extra=["--no-resolv"]), dns_port=53)
    ledger, pop, sim = checked_load(load, rng, named=True)
    resolver = DL.Resolver(load.ns, SERVER_IP)
    dns_times = []
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
            dns_times.append(start_and_check_names(server, resolver, ledger, pop,
                                                   "cycle %d" % cycle))
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

    dns_times.append(start_and_check_names(server, resolver, ledger, pop,
                                           "after the last kill"))
    verify_all(sim, ledger, pop, "after the last kill")
    server.stop(signal.SIGTERM)
    dns_times.append(start_and_check_names(server, resolver, ledger, pop,
                                           "after a clean stop"))
    verify_all(sim, ledger, pop, "after a clean stop")
    log("info - %d kills (%d during start-up), %d clients, %d ACKs, %d OFFERs, %d NAKs "
        "in %.1fs" % (KILLS, early, len(ledger.clients), ledger.acks, ledger.offers,
                      ledger.naks, time.monotonic() - started))
    log("info - names answering after a restart: median %.3fs, max %.3fs over %d restarts"
        % (sorted(dns_times)[len(dns_times) // 2], max(dns_times), len(dns_times)))
    resolver.close()
    sim.close()


if __name__ == "__main__":
    L.main("kill9", body, prefix="ldfault", hard_timeout=240)

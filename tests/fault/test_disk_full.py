#!/usr/bin/python3
"""ROBUSTNESS D5: the disk with the lease journal fills up.

The server's state directory (the journal, its control socket) is a tmpfs of TMPFS_SIZE;
a simulated client population (dhcpsim, every client with a host name) gets leases; then
a filler file takes every free byte. Checked:
  * once an append finds no space: journal.state (leasectl stats) says "degraded", the
    log has JOURNAL-DEGRADED, STATUS= (sd_notify, read from a NOTIFY_SOCKET the test
    binds) says "journal: degraded";
  * no ACK while degraded: new clients DISCOVER/REQUEST for FULL_WAIT seconds and get none;
  * DNS keeps answering: the A and PTR of every ACKed client within 1 s;
  * space comes back (filler removed): journal.state "ok" and JOURNAL-RECOVERED within a
    few seconds, the clients that were refused are ACKed when they retry, STATUS= drops
    the "journal:" part;
  * a restart while the disk is full (kill -9, start): the start-up rewrite of the journal
    finds no space, the server starts anyway (degraded, the old journal intact), every
    name answers within 1 s, and once space returns the journal is rewritten (ok);
  * after each kill -9 and restart: every client ever ACKed is re-ACKed its address on
    INIT-REBOOT (faultlib.verify_all) and no address went to two clients.
"""

import errno
import os
import random
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
from servicelib import NotifySocket, journal_state, wait_journal_state  # noqa: E402

TMPFS_SIZE = "256k"
LOAD_IP = "198.18.4.9"
FIRST_CLIENTS = 40   # ACKed before the disk fills
REFUSED = 8          # new clients while the disk is full
FULL_WAIT = 2.5      # seconds those clients keep asking (retransmitting every 0.5 s)


def mount_tmpfs(path):
    L.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % TMPFS_SIZE, "tmpfs", path])
    L.on_cleanup(lambda: L.run(["umount", "-l", path], check=False))


def fill(directory):
    """Writes a filler file until the file system has no space left; returns its path."""
    path = os.path.join(directory, "filler")
    with open(path, "wb", buffering=0) as f:
        for _ in range(100000):
            try:
                f.write(b"\0" * 4096)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
        for _ in range(4096):  # the last partial page too
            try:
                f.write(b"\0")
            except OSError:
                break
    return path


def start_and_check_names(server, resolver, ledger, pop, label):
    server.start(wait=False, quiet=True)
    L.wait_until(server._listening, 15, "leasedns to listen on port 67", interval=0.01)
    check_names(resolver, ledger, pop, label, time.monotonic(), within=1.0)


def run_clients(sim, txns, timeout):
    sim.run(txns, window=16, timeout=timeout)
    return [t for t in txns if t.result == "ack"]


def body(ctx):
    rng = random.Random(int(os.environ.get("FAULT_SEED", "5")))
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    load = lan.add_node("load", ip=LOAD_IP, prefix_len=PREFIX)
    notify = NotifySocket(lan.path("notify.sock"))
    server = ctx.server(srv, L.ServerConfig(ranges=[RANGE], authoritative=True, domain="lan",
                                            extra=["--no-resolv"]),
                        dns_port=53, wrapper=["env"] + notify.env())
    mount_tmpfs(server.state_dir)
    ledger, pop, sim = checked_load(load, rng, named=True)
    resolver = DL.Resolver(load.ns, SERVER_IP)

    server.start()
    notify.wait_for(lambda m: m.get("READY") == "1", 10, "READY=1")
    acked = run_clients(sim, [pop.new_txn() for _ in range(FIRST_CLIENTS)], 30)
    check(len(acked) == FIRST_CLIENTS, "%d clients ACKed before the disk fills" % len(acked))
    check(journal_state(server) == "ok", "journal.state ok")

    # The disk fills. The journal's last page may still take a few records: clients come
    # one at a time until an append finds no space.
    filler = fill(server.state_dir)
    for _ in range(60):
        run_clients(sim, [pop.new_txn(tries=2, interval=0.3)], 5)
        if journal_state(server) == "degraded":
            break
    check(journal_state(server) == "degraded", "disk full: journal.state degraded "
          "(after %d more ACKs filled the last page)" % (ledger.acks - FIRST_CLIENTS))
    check("JOURNAL-DEGRADED" in server.log_text() and "No space left" in server.log_text(),
          "the log says JOURNAL-DEGRADED (No space left on device)")
    full_since = time.monotonic()
    acks_before = ledger.acks
    refused = [pop.new_txn(tries=int(FULL_WAIT / 0.5), interval=0.5) for _ in range(REFUSED)]
    run_clients(sim, refused, FULL_WAIT + 2)
    check(ledger.acks == acks_before and not [t for t in refused if t.result == "ack"],
          "no ACK while the disk is full (%d new clients asked for %.1fs)" %
          (REFUSED, FULL_WAIT), "%d ACKs" % (ledger.acks - acks_before))
    check_names(resolver, ledger, pop, "disk full", time.monotonic(), within=1.0)
    t, m = notify.wait_for(lambda m: "journal: degraded" in m.get("STATUS", ""), 8,
                           "STATUS= saying journal: degraded", after=full_since)
    check(True, "sd_notify STATUS=%r" % m["STATUS"])
    check(journal_state(server) == "degraded", "still degraded")

    # Space comes back.
    os.unlink(filler)
    back = time.monotonic()
    wait_journal_state(server, "ok", 5)
    check(True, "space back: journal.state ok after %.2fs" % (time.monotonic() - back))
    check("JOURNAL-RECOVERED" in server.log_text(), "the log says JOURNAL-RECOVERED")
    again = [S.Txn("dora", t.mac, client_id=t.client_id, hostname=t.hostname)
             for t in refused]
    acked = run_clients(sim, again, 15)
    check(len(acked) == REFUSED, "the %d refused clients are ACKed when they ask again" %
          REFUSED, "%d ACKed" % len(acked))
    notify.wait_for(lambda m: "STATUS" in m and "journal:" not in m["STATUS"], 8,
                    "STATUS= without the journal warning", after=time.monotonic())

    server.stop(signal.SIGKILL, quiet=True)
    start_and_check_names(server, resolver, ledger, pop, "kill -9 after recovery")
    verify_all(sim, ledger, pop, "kill -9 after recovery")

    # A restart on a full disk: the start-up rewrite does not fit.
    filler = fill(server.state_dir)
    server.stop(signal.SIGKILL, quiet=True)
    start_and_check_names(server, resolver, ledger, pop, "restart on a full disk")
    check(journal_state(server) == "degraded", "restart on a full disk: the server runs, "
          "journal.state degraded")
    os.unlink(filler)
    wait_journal_state(server, "ok", 5)
    check(True, "space back: the journal is rewritten, journal.state ok")
    verify_all(sim, ledger, pop, "restart on a full disk, space back")
    server.stop(signal.SIGKILL, quiet=True)
    start_and_check_names(server, resolver, ledger, pop, "kill -9 at the end")
    verify_all(sim, ledger, pop, "kill -9 at the end")
    check(journal_state(server) == "ok", "journal.state ok at the end")
    log("info - %d clients, %d ACKs, %d NAKs" % (len(ledger.clients), ledger.acks,
                                                 ledger.naks))
    resolver.close()
    sim.close()


if __name__ == "__main__":
    L.main("disk_full", body, prefix="ldfault", hard_timeout=90)

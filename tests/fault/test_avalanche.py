#!/usr/bin/python3
"""ROBUSTNESS J2: avalanche — N clients DISCOVER at once, with retransmissions, and all
are bound within T; no livelock.

Two avalanches of simulated clients (dhcpsim), each client retransmitting as RFC
2131 §4.1 asks, with exponential backoff (1 s, 2 s, 4 s, 8 s..., each ±JITTER s;
scaled down from the RFC's 4 s start to keep the test short):
  1. burst: CLIENTS new clients send their DISCOVER in the same instant (no window).
     Whatever the burst loses (socket buffers) the retransmissions must recover.
  2. power cut: the server is killed (SIGKILL) and started again DOWN seconds after
     the clients began: the CLIENTS known ones send INIT-REBOOT for the address they
     hold, LATE_NEW new ones DISCOVER, all at once and into the void; their
     synchronised, backed-off retransmissions meet the server when it is back.

Checked, for each avalanche:
  * every client bound within T seconds (no livelock: the server keeps making
    progress; the times at which 50/90/100% were bound are printed);
  * each address given to one client only (distinct yiaddr in the final ACKs, and
    faultlib.Ledger: no OFFER or ACK of an address an unexpired lease holds);
  * no NAK: every client follows the protocol, so none deserves one;
  * INIT-REBOOT: every client gets back exactly the address it had;
  * afterwards a new client is still served promptly.

Only UNICAST of the clients have replies unicast to them (the server writes an ARP
entry for each, and the kernel caps those machine-wide, see test_kill9.py); the
others set the broadcast flag, as many real clients do. Namespaces ldfault-<pid>-*,
addresses in 198.18.4.0/22.
"""

import os
import random
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import dhcpsim as S  # noqa: E402
import lan as L  # noqa: E402
from faultlib import PREFIX, RANGE, SERVER_IP, checked_load  # noqa: E402
from lan import check, log  # noqa: E402

# The range has 1009 addresses: CLIENTS + LATE_NEW + 2 must fit.
CLIENTS = min(700, int(os.environ.get("AVALANCHE_CLIENTS", "500")))
UNICAST = 100        # clients without the broadcast flag (ARP entries)
T = 30.0             # seconds within which every client must be bound
FIRST_WAIT = 1.0     # first retransmission after 1 s, then 2, 4, 8, 16
BACKOFF = 2.0
JITTER = 0.25
TRIES = 6            # DISCOVERs (and REQUESTs) a client sends before it gives up
LATE_NEW = 300       # new clients in the power-cut avalanche (broadcast flag)
DOWN = 2.5           # seconds the server is down while the clients start


def txn_for(pop, mac, kind, broadcast):
    """A transaction with RFC 2131 backoff for client `mac` (its client identifier,
    if the population gave it one)."""
    return S.Txn(kind, mac, ip=pop.ledger.clients[mac][0] if kind == "reboot" else None,
                 client_id=pop.cids.get(mac), broadcast=broadcast, tries=TRIES,
                 interval=FIRST_WAIT, backoff=BACKOFF, jitter=JITTER)


def new_clients(pop, n, unicast):
    """n new MACs, every other one with a client identifier; the first `unicast`
    without the broadcast flag."""
    out = []
    for i in range(n):
        mac = pop.new_mac()
        if i % 2:
            pop.cids[mac] = b"\x00j2-" + mac.encode()
        out.append((mac, i >= unicast))
    return out


def stats_line(server):
    """The DHCP-STATS line the server logs on SIGUSR1 (None if it does not come)."""
    before = server.proc.output().count("DHCP-STATS")
    server.proc.send_signal(signal.SIGUSR1)
    try:
        L.wait_until(lambda: server.proc.output().count("DHCP-STATS") > before, 5,
                     "the DHCP-STATS line")
    except L.Timeout:
        return None
    return [ln for ln in server.proc.output().splitlines() if "DHCP-STATS" in ln][-1]


def avalanche(label, sim, ledger, txns):
    """Runs all txns at once; checks that all were ACKed within T, without NAK, and
    that no address went to two clients. Returns the start time."""
    naks0 = ledger.naks
    t0 = time.monotonic()
    sim.run(txns, window=len(txns), timeout=T)
    took = time.monotonic() - t0
    acked = sorted(t.finished - t0 for t in txns if t.result == "ack")
    sends = [t.sent for t in txns]
    retried = sum(1 for t in txns if t.sent > (2 if t.kind == "dora" else 1))

    def at(frac):
        k = int(len(txns) * frac + 0.999999) - 1
        return "%.2fs" % acked[k] if 0 <= k < len(acked) else "never"
    log("info - %s: %d clients, %d bound in %.2fs; 50%% bound at %s, 90%% at %s, all at "
        "%s; %d retransmitted (%d packets sent, max %d by one client); %d replies "
        "matched no running transaction" % (
            label, len(txns), len(acked), took, at(0.5), at(0.9), at(1.0), retried,
            sum(sends), max(sends), sim.unmatched))
    bad = [t for t in txns if t.result != "ack"]
    check(not bad, "%s: all %d clients bound within %.0fs (the last after %s)" % (
        label, len(txns), T, at(1.0)),
        "%d not (%s): %s" % (len(bad), ", ".join(sorted({str(t.result) for t in bad})),
                             "; ".join("%s %s %s sent %d, %d offers" % (
                                 t.kind, t.mac, t.result, t.sent, len(t.offers))
                                 for t in bad[:10])))
    check(ledger.naks == naks0, "%s: no NAK" % label, "%d NAKs" % (ledger.naks - naks0))
    ips = [t.reply.yiaddr for t in txns if t.result == "ack"]
    dup = len(ips) - len(set(ips))
    check(dup == 0, "%s: %d distinct addresses, one per client" % (label, len(set(ips))),
          "%d addresses ACKed to more than one client" % dup)
    check(not ledger.violations, "%s: no address held by an unexpired lease went to "
          "another client" % label, "; ".join(ledger.violations[:10]))
    wrong = [t for t in txns if t.kind == "reboot" and t.reply is not None
             and t.reply.yiaddr != t.ip]
    reboots = sum(1 for t in txns if t.kind == "reboot")
    if reboots:
        check(not wrong, "%s: each of the %d rebooting clients got its own address back" % (
            label, reboots), "; ".join("%s wanted %s got %s" % (t.mac, t.ip, t.reply.yiaddr)
                                       for t in wrong[:10]))
    return t0


def still_serving(sim, pop, label):
    """The server is not stuck after an avalanche: a new client is bound at once."""
    t = sim.one(S.Txn("dora", pop.new_mac(), broadcast=True, tries=3, interval=1.0),
                timeout=5)
    check(t.result == "ack" and t.finished - t.started < 1.0,
          "after the %s a new client is bound at once (%s)" % (
              label, "%.3fs" % (t.finished - t.started) if t.finished else "-"),
          "%s %s" % (t.result, t.reply))


def body(ctx):
    rng = random.Random(int(os.environ.get("FAULT_SEED", "2")))
    random.seed(rng.random())  # dhcpsim's xids and jitter
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    load = lan.add_node("load")
    server = ctx.server(srv, L.ServerConfig(ranges=[RANGE], authoritative=True))
    ledger, pop, sim = checked_load(load, rng)
    started = time.monotonic()
    server.start()

    # 1. CLIENTS new clients DISCOVER at once (one burst).
    first = new_clients(pop, CLIENTS, UNICAST)
    avalanche("DISCOVER burst", sim, ledger,
              [txn_for(pop, mac, "dora", bc) for mac, bc in first])
    check(len(ledger.clients) == CLIENTS, "%d clients hold a lease" % CLIENTS,
          "%d do" % len(ledger.clients))
    log("info - server: %s" % (stats_line(server) or "no DHCP-STATS line").strip())
    still_serving(sim, pop, "burst")

    # 2. Power cut: the server dies (SIGKILL) and comes back DOWN seconds after its
    # clients. The CLIENTS known ones send INIT-REBOOT, LATE_NEW new ones DISCOVER,
    # all at the same moment and into the void; their backed-off retransmissions
    # meet the server when it is back.
    server.stop(signal.SIGKILL)
    late = new_clients(pop, LATE_NEW, 0)
    txns = [txn_for(pop, mac, "reboot", bc) for mac, bc in first]
    txns += [txn_for(pop, mac, "dora", bc) for mac, bc in late]
    rng.shuffle(txns)
    box = {}

    def power_on():
        box["at"] = time.monotonic()
        server.start(wait=False, quiet=True)
    timer = threading.Timer(DOWN, power_on)
    timer.start()
    try:
        t0 = avalanche("power cut (%d INIT-REBOOT, %d DISCOVER, server back after %.1fs)"
                       % (CLIENTS, LATE_NEW, DOWN), sim, ledger, txns)
    finally:
        timer.cancel()
        timer.join()
    last = max(t.finished for t in txns if t.finished is not None)
    log("info - the last client was bound %.2fs after the server was started again" % (
        last - box["at"]) if "at" in box else "info - the server was not restarted")
    check("at" in box and box["at"] - t0 >= DOWN - 0.1, "the server was down for the "
          "first %.1fs of the avalanche" % DOWN)
    loaded = re.findall(r"(\d+) leases loaded", server.proc.output())
    log("info - after the power cut: %s leases loaded; server: %s" % (
        loaded[-1] if loaded else "?", (stats_line(server) or "no DHCP-STATS line").strip()))
    still_serving(sim, pop, "power cut")
    rc = server.stop(signal.SIGTERM)
    check(rc == 0, "clean stop at the end", "exit status %s" % rc)
    log("info - %d ACKs, %d OFFERs, %d NAKs in %.1fs" % (
        ledger.acks, ledger.offers, ledger.naks, time.monotonic() - started))
    sim.close()


if __name__ == "__main__":
    L.main("avalanche", body, prefix="ldfault", hard_timeout=120)

"""Shared pieces of the fault tests: a ledger of what simulated clients were told
(and of every violation of ROBUSTNESS D1's rules), a client population that makes
load, and the INIT-REBOOT verification of every acknowledged lease."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import dhcpsim as S  # noqa: E402
from lan import check  # noqa: E402

SERVER_IP = "198.18.4.1"
PREFIX = 22
RANGE = "198.18.4.10,198.18.7.250,255.255.252.0,1h"


class Ledger:
    """What the clients were told, and every violation of D1's two rules."""

    def __init__(self):
        self.clients = {}   # mac -> [ip, client_id, expires]
        self.holder = {}    # ip -> mac
        self.violations = []
        self.acks = self.offers = self.naks = 0

    def on_reply(self, _txn, r):
        now = time.time()
        if r.type not in (S.OFFER, S.ACK, S.NAK):
            return
        if r.type == S.NAK:
            self.naks += 1
            mine = self.clients.get(r.chaddr)
            if mine and mine[2] > now:
                self.violations.append("%s was NAKed although it holds %s" % (r.chaddr,
                                                                             mine[0]))
            return
        held_by = self.holder.get(r.yiaddr)
        if held_by and held_by != r.chaddr and self.clients[held_by][2] > now:
            self.violations.append("%s of %s to %s, but %s holds it until %.0f" % (
                S.TYPE_NAMES[r.type], r.yiaddr, r.chaddr, held_by,
                self.clients[held_by][2]))
        if r.type == S.OFFER:
            self.offers += 1
            return
        self.acks += 1
        mine = self.clients.get(r.chaddr)
        if mine and mine[0] != r.yiaddr and mine[2] > now:
            self.violations.append("%s was ACKed %s although it holds %s" % (
                r.chaddr, r.yiaddr, mine[0]))
        if mine and self.holder.get(mine[0]) == r.chaddr:
            del self.holder[mine[0]]
        cid = mine[1] if mine else None
        self.clients[r.chaddr] = [r.yiaddr, cid, now + (r.lease_time or 0)]
        self.holder[r.yiaddr] = r.chaddr


class Population:
    """Makes the load: new clients (while the budget lasts) and reboots of known ones.

    heavy: every client sends a 250-byte client identifier and a 63-character host
    name, so each journal record is ~360 bytes and the journal grows quickly.
    named: every client sends a host name of its own, "f" and its MAC in hex (its lease
    then has A and PTR records, see check_names)."""

    def __init__(self, ledger, rng, heavy=False, tag=0, named=False):
        self.ledger = ledger
        self.rng = rng
        self.heavy = heavy
        self.named = named
        self.tag = tag & 0xFF
        self.created = 0
        self.cids = {}
        self.names = {}

    def new_mac(self):
        self.created += 1
        n = self.created
        return "02:1f:%02x:%02x:%02x:%02x" % (self.tag, (n >> 16) & 0xFF, (n >> 8) & 0xFF,
                                              n & 0xFF)

    def new_txn(self, tries=3, interval=0.5):
        mac = self.new_mac()
        if self.heavy:
            self.cids[mac] = (b"\x00" + mac.encode() * 15)[:250].ljust(250, b"z")
            self.names[mac] = ("h" + mac.replace(":", "")).ljust(63, "x")
        elif self.named:
            self.names[mac] = "f" + mac.replace(":", "")
        elif self.created % 2:
            self.cids[mac] = b"\x00fault-" + mac.encode()
        return S.Txn("dora", mac, client_id=self.cids.get(mac),
                     hostname=self.names.get(mac), tries=tries, interval=interval)

    def reboot_txn(self, mac, tries=3, interval=0.5):
        return S.Txn("reboot", mac, ip=self.ledger.clients[mac][0],
                     client_id=self.cids.get(mac), hostname=self.names.get(mac),
                     tries=tries, interval=interval)

    def txns(self, new_budget, reboots=None):
        """New clients (up to new_budget) mixed with reboots of known ones; endless
        unless no client is known, or `reboots` limits them."""
        known = list(self.ledger.clients)
        made_new = made_reboots = 0
        while True:
            if made_new < new_budget and (not known or self.rng.random() < 0.6):
                made_new += 1
                yield self.new_txn()
            elif known and (reboots is None or made_reboots < reboots):
                made_reboots += 1
                yield self.reboot_txn(self.rng.choice(known))
            else:
                return


def checked_load(load_node, rng, heavy=False, named=False):
    """The ledger every reply is checked against, the client population and a simulator
    on `load_node` whose replies feed the ledger."""
    ledger = Ledger()
    pop = Population(ledger, rng, heavy=heavy, tag=os.getpid(), named=named)
    sim = S.Sim(load_node, server_id=SERVER_IP)
    sim.on_reply = ledger.on_reply
    return ledger, pop, sim


def verify_all(sim, ledger, pop, label):
    """Every acknowledged client reboots and must get its own address back; and no
    reply so far gave a held address to another client."""
    txns = [pop.reboot_txn(mac, tries=4) for mac in ledger.clients]
    t0 = time.monotonic()
    sim.run(txns, window=64, timeout=60)
    bad = [t for t in txns if t.result != "ack" or t.reply.yiaddr != t.ip]
    detail = "; ".join("%s wanted %s: %s %s" % (t.mac, t.ip, t.result, t.reply)
                       for t in bad[:10])
    check(not bad, "%s: all %d acknowledged clients re-ACKed their address on "
          "INIT-REBOOT (%.2fs)" % (label, len(txns), time.monotonic() - t0),
          "%d failed: %s" % (len(bad), detail))
    check(not ledger.violations, "%s: no address held by an unexpired lease went to "
          "another client" % label, "; ".join(ledger.violations[:10]))


def check_names(resolver, ledger, pop, label, ready_at, within=1.0, domain="lan"):
    """Every acknowledged client with a host name: NAME.DOMAIN answers its address (A)
    and its address answers NAME.DOMAIN (PTR), authoritatively, within `within` seconds
    of `ready_at` (time.monotonic() when the server was back). All queries are in flight
    together (dnsload.Resolver), each retransmitted every 0.1 s until it is answered
    right or the time is up."""
    import dnsload as DL
    want = {}   # (qname, qtype) -> the one value it must answer
    for mac, (ip, _cid, _exp) in ledger.clients.items():
        name = pop.names.get(mac)
        if name:
            fq = "%s.%s" % (name, domain)
            want[(fq, DL.A)] = ip
            want[(DL.ptr_name(ip), DL.PTR)] = fq
    pending = dict(want)
    wrong = {}
    rounds = 0
    deadline = ready_at + within
    # A query answered wrongly (e.g. NXDOMAIN because the zone was not loaded yet)
    # is asked again until the deadline: what must hold is the state at `within`.
    while pending and time.monotonic() < deadline and rounds < 50:
        rounds += 1
        qs = resolver.bulk(list(pending), window=128,
                           timeout=max(0.05, deadline - time.monotonic()), retry=0.1,
                           tries=20)
        for q in qs:
            key = (q.name, q.qtype)
            a = q.answer
            if a is not None and a.rcode == DL.NOERROR and a.aa and \
                    a.values(q.qtype) == [pending[key]]:
                del pending[key]
                wrong.pop(key, None)
            else:
                wrong[key] = q
        if pending:
            time.sleep(0.02)
    took = time.monotonic() - ready_at
    check(not pending, "%s: A and PTR of all %d named clients answered right %.3fs after "
          "the server was back (< %.1fs; %d queries)" % (label, len(want) // 2, took, within,
                                                        len(want)),
          "%d of %d still wrong after %.2fs: %s" % (
              len(pending), len(want), took,
              "; ".join("%r wanted %s" % (wrong.get(k), v)
                        for k, v in list(pending.items())[:8])))
    return took

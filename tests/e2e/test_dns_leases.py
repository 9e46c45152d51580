#!/usr/bin/python3
"""Lease names in DNS (PRODUCT.md: "the moment a lease is granted, name.lan and its
reverse answer; the moment it is released or expires, they are gone").

Every query is made with dig from an observer host on the LAN (198.18.0.9).
1. A short lease (10 s, from a reservation by MAC without address or name) taken by a
   simulated client sending host name "shortlived" (option 12) answers at once, still
   answers 7 s later, and is NXDOMAIN (A and PTR) one second after it expired; the client
   never released it.
2. udhcpc, dhclient and dhcpcd each get a lease with their own host name; A and PTR
   answer with the first query made once the client reports the lease.
3. Two simulated clients ask with the same name: both get a lease, the name stays with
   the first; the second's address has no PTR.
4. Each real client releases: one second after the RELEASE was on the wire, A and PTR
   are NXDOMAIN (with AA and the SOA).
"""

import time

import dhcpsim as S
import dnscheck as D
import lan as L
from lan import check, log

SHORT_LEASE = 10
OBSERVER_IP = "198.18.0.9"


def check_name_gone(observer, name, ip, what):
    D.check_nxdomain(observer, name + ".lan", what="%s: %s.lan is NXDOMAIN" % (what, name))
    D.check_nxdomain(observer, ip, reverse=True, what="%s: -x %s is NXDOMAIN" % (what, ip))


def short_lease(observer, sim, short_mac):
    t = sim.one(S.Txn("dora", short_mac, hostname="shortlived"))
    acked = time.time()
    check(t.result == "ack" and t.reply.lease_time == SHORT_LEASE,
          "the simulated client got a %d s lease" % SHORT_LEASE,
          "%s %s" % (t.result, t.reply and t.reply.lease_time))
    ip = t.reply.yiaddr
    D.check_resolves(observer, "shortlived.lan", [ip],
                     what="shortlived.lan answers %s at once" % ip)
    D.check_resolves(observer, ip, ["shortlived.lan."], reverse=True,
                     what="-x %s answers shortlived.lan at once" % ip)
    time.sleep(max(0.0, acked + SHORT_LEASE - 3 - time.time()))
    D.check_resolves(observer, "shortlived.lan", [ip],
                     what="shortlived.lan still answers 3 s before its lease expires")
    # Informational: when exactly did it go (polled from 1 s before expiry)?
    time.sleep(max(0.0, acked + SHORT_LEASE - 1 - time.time()))
    r, _took = D.wait_status(observer, "shortlived.lan", "NXDOMAIN", 4)
    D.info("shortlived.lan answered %s %.2fs after the ACK (lease %d s)" %
           (r.status, time.time() - acked, SHORT_LEASE))
    time.sleep(max(0.0, acked + SHORT_LEASE + 1 - time.time()))
    check_name_gone(observer, "shortlived", ip, "1 s after the unreleased lease expired")


def same_name(observer, sim):
    first = sim.one(S.Txn("dora", L.mac_for(1, base=0x62), hostname="twin"))
    check(first.result == "ack", "the first client named 'twin' got a lease", first.result)
    ip1 = first.reply.yiaddr
    D.check_resolves(observer, "twin.lan", [ip1], what="twin.lan answers %s" % ip1)
    second = sim.one(S.Txn("dora", L.mac_for(2, base=0x62), hostname="twin"))
    check(second.result == "ack" and second.reply.yiaddr != ip1,
          "the second client named 'twin' got a lease of its own",
          "%s %s" % (second.result, second.reply and second.reply.yiaddr))
    ip2 = second.reply.yiaddr
    D.check_resolves(observer, "twin.lan", [ip1],
                     what="twin.lan still answers only the first client's %s" % ip1)
    D.check_resolves(observer, ip1, ["twin.lan."], reverse=True)
    D.check_nxdomain(observer, ip2, reverse=True,
                     what="-x %s (the second 'twin') is NXDOMAIN: it got no name" % ip2)


def released(observer, cap, client, name, ip):
    mark = len(cap.packets())
    client.release()
    rel = cap.wait_for(lambda p: p.type == "RELEASE" and p.chaddr == client.node.mac, 15,
                       "the RELEASE of %s" % client.kind, after=mark)
    at = D.wire_time(cap, rel)
    r, _took = D.wait_status(observer, name + ".lan", "NXDOMAIN", max(0.0, at + 1 - time.time()))
    D.info("%s.lan answered %s %.2fs after the RELEASE was on the wire" %
           (name, r.status, time.time() - at))
    time.sleep(max(0.0, at + 1 - time.time()))
    check_name_gone(observer, name, ip, "1 s after %s's RELEASE" % client.kind)


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    sim_node = lan.add_node("sim")
    nodes = {kind: lan.add_node(kind, mac=L.mac_for(i + 1, base=0x60))
             for i, kind in enumerate(("udhcpc", "dhclient", "dhcpcd"))}
    short_mac = L.mac_for(9, base=0x61)
    cap = ctx.capture(srv)
    D.start_server(ctx, srv, D.dns_config(hosts=["%s,%ds" % (short_mac, SHORT_LEASE)]))
    sim = S.Sim(sim_node, server_id=L.SERVER_IP)
    L.on_cleanup(sim.close)

    short_lease(observer, sim, short_mac)

    clients = [(ctx.client(L.Udhcpc(nodes["udhcpc"], "udh-host")), "udh-host"),
               (ctx.client(L.Dhclient(nodes["dhclient"], "dhc-host")), "dhc-host"),
               (ctx.client(L.Dhcpcd(nodes["dhcpcd"], "dcd-host")), "dcd-host")]
    for c, _name in clients:
        c.start()
    leases = {}
    for c, name in clients:
        lease = c.wait_bound(timeout=40)
        # The first query, made as soon as the client reports its lease.
        D.check_resolves(observer, name + ".lan", [lease.ip],
                         what="%s.lan (%s) answers %s at once" % (name, c.kind, lease.ip))
        D.check_resolves(observer, lease.ip, [name + ".lan."], reverse=True,
                         what="-x %s answers %s.lan at once" % (lease.ip, name))
        leases[c] = lease

    same_name(observer, sim)

    for c, name in clients:
        released(observer, cap, c, name, leases[c].ip)
    log("info - every released name was gone within 1 s")


if __name__ == "__main__":
    L.main("dns-leases", body, tools=("dig", "udhcpc", "dhclient", "dhcpcd"))

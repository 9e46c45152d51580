#!/usr/bin/python3
"""ICMP probe before a fresh address is offered (ROBUSTNESS B12), against udhcpc
(which does no ARP check of its own, so only the server can notice the conflict).

The range is two addresses; a squatter node holds the first one statically and
answers ping. A client asking for exactly that address must be offered the other
one; the squatter's address is quarantined like a DECLINE, so a further client finds
the pool exhausted instead of being offered the squatter's address.
"""

import re

import lan as L
import dhcpsim as S
from flows import check_obtained
from lan import check, log

SQUAT, FREE = "198.18.0.100", "198.18.0.101"


def icmp_in_echos(node):
    out = node.run(["cat", "/proc/net/snmp"]).stdout
    lines = [ln.split() for ln in out.splitlines() if ln.startswith("Icmp:")]
    return int(dict(zip(lines[0][1:], lines[1][1:]))["InEchos"])


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    squatter = lan.add_node("squatter", ip=SQUAT)
    node_a = lan.add_node("a", mac=L.mac_for(1))
    node_s = lan.add_node("sim")
    cap = ctx.capture(srv)
    server = ctx.server(srv, L.ServerConfig(ranges=["%s,%s,255.255.255.0,2m" % (SQUAT, FREE)]),
                        ping=True)
    server.start()
    echos_before = icmp_in_echos(squatter)

    a = ctx.client(L.Udhcpc(node_a, "a", extra=["-r", SQUAT]))
    a.start()
    lease = a.wait_bound(timeout=40)
    check_obtained(cap, a, lease, first=SQUAT, last=FREE)
    check(lease.ip == FREE, "the client asking for %s (answers ping) got %s instead" %
          (SQUAT, FREE), "got %s" % lease.ip)
    disc = [p for p in cap.packets() if p.type == "DISCOVER" and p.chaddr == node_a.mac]
    check(disc and disc[0].requested_ip == SQUAT, "the client asked for %s" % SQUAT)
    check(icmp_in_echos(squatter) > echos_before,
          "the squatter received the server's ICMP echo request")
    server.wait_log(r"DHCP-CONFLICT.*" + re.escape(SQUAT))
    check(True, "the server logged the conflict for %s" % SQUAT)

    # The probe costs the first OFFER the ping timeout; never the ACK.
    offer = [p for p in cap.packets() if p.type == "OFFER" and p.chaddr == node_a.mac][0]
    log("info - first DISCOVER to OFFER: %.2fs" % (offer.ts - disc[0].ts))

    sim = S.Sim(node_s, server_id=L.SERVER_IP)
    t = sim.one(S.Txn("dora", L.mac_for(2), ip=SQUAT, tries=2))
    check(t.result == "timeout" and not t.offers,
          "a further client is offered nothing: %s is quarantined, %s is leased" %
          (SQUAT, FREE), "%s offers=%s" % (t.result, t.offers))
    sim.close()
    bad = [p for p in cap.packets() if p.type in ("OFFER", "ACK") and p.yiaddr == SQUAT]
    check(not bad, "%s (answers ping) was never offered or ACKed" % SQUAT,
          "; ".join(p.summary() for p in bad))


if __name__ == "__main__":
    L.main("ping", body, tools=("udhcpc",))

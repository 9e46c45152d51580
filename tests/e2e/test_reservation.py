#!/usr/bin/python3
"""Reservations (--dhcp-host=MAC,IP,NAME) with real clients.

* udhcpc with the reserved MAC gets 198.18.0.20 (outside the dynamic range), the
  reservation's name in option 12 (it sent none itself), keeps it on renewal and gets
  it again after a server restart and a fresh start of the client;
  a client with another MAC asking for 198.18.0.20 is offered something else.
* 198.18.0.110 inside the range is reserved for a dhcpcd client: before that client
  ever appears, a stranger asking for it is offered another address; then dhcpcd
  with the reserved MAC obtains it.
"""

import lan as L
from flows import Prober, check_obtained, check_renewed
from lan import check

FIXED, IN_RANGE = "198.18.0.20", "198.18.0.110"


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    mac_p, mac_d = L.mac_for(1, base=0x30), L.mac_for(2, base=0x30)
    node_p = lan.add_node("printer", mac=mac_p)
    node_d = lan.add_node("nas", mac=mac_d)
    cap = ctx.capture(srv)
    server = ctx.server(srv, L.ServerConfig(
        hosts=["%s,%s,printer" % (mac_p, FIXED), "%s,%s,nas" % (mac_d, IN_RANGE)],
        domain="lan"))
    server.start()
    prober = Prober(ctx, lan, cap)

    offered, _ = prober.request(IN_RANGE)
    check(offered != IN_RANGE, "a stranger asking for reserved %s is offered another address"
          % IN_RANGE, "offered %s" % offered)
    offered, _ = prober.request(FIXED)
    check(offered != FIXED, "a stranger asking for reserved %s is offered another address"
          % FIXED, "offered %s" % offered)

    p = ctx.client(L.Udhcpc(node_p))
    p.start()
    lease = p.wait_bound()
    check(lease.ip == FIXED, "the reserved MAC %s got %s" % (mac_p, FIXED), "got %s" % lease.ip)
    ack = check_obtained(cap, p, lease, first=FIXED, last=FIXED)
    check(ack.hostname == "printer", "the ACK names the host 'printer' (option 12)",
          ack.summary())
    check_renewed(cap, p, lease, len(cap.packets()), p.mark(), p.renew)

    d = ctx.client(L.Dhcpcd(node_d))
    d.start()
    lease_d = d.wait_bound(timeout=40)
    check(lease_d.ip == IN_RANGE, "the reserved MAC %s (dhcpcd) got %s" % (mac_d, IN_RANGE),
          "got %s" % lease_d.ip)
    check_obtained(cap, d, lease_d, first=IN_RANGE, last=IN_RANGE)

    # Restart the server, start udhcpc afresh: the reservation still holds.
    p.stop()
    node_p.run(["ip", "-4", "addr", "flush", "dev", "eth0"])
    server.restart()
    p2 = ctx.client(L.Udhcpc(node_p, name="udhcpc-again"))
    mark = len(cap.packets())
    p2.start()
    again = p2.wait_bound()
    check(again.ip == FIXED, "after a server restart the reserved MAC gets %s again" % FIXED,
          "got %s" % again.ip)
    check_obtained(cap, p2, again, first=FIXED, last=FIXED, after=mark)


if __name__ == "__main__":
    L.main("reservation", body, tools=("udhcpc", "dhcpcd"))

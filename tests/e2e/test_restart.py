#!/usr/bin/python3
"""Clients keep their addresses across server restarts (the lease journal at work).

dhclient (renewing every 5 s), udhcpc and dhcpcd bind on one LAN; then:
  1. the server is stopped with SIGTERM and started again: each client renews
     (RENEWING) and is ACKed its address;
  2. the same after kill -9;
  3. dhclient and dhcpcd are stopped (keeping their lease files), the server is
     killed with -9 and started again, the two clients start afresh and reboot
     (INIT-REBOOT: REQUEST with option 50, no server id): ACKed the same address.
     udhcpc renews once more.
"""

import signal

import lan as L
from flows import check_obtained, check_renewed
from lan import check, log


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    nodes = [lan.add_node(r, mac=L.mac_for(i + 1, base=0x50))
             for i, r in enumerate(("dhc", "udh", "dcd"))]
    cap = ctx.capture(srv)
    server = ctx.server(srv, L.ServerConfig(authoritative=False))
    server.start()

    dhc = ctx.client(L.Dhclient(nodes[0], "restart-dhc",
                                conf_extra="supersede dhcp-renewal-time 5;"))
    udh = ctx.client(L.Udhcpc(nodes[1], "restart-udh"))
    dcd = ctx.client(L.Dhcpcd(nodes[2], "restart-dcd"))
    clients = [dhc, udh, dcd]
    renew = {dhc: lambda: None, udh: udh.renew, dcd: dcd.renew}
    for c in clients:
        c.start()
    leases = {}
    for c in clients:
        leases[c] = c.wait_bound(timeout=40)
        check_obtained(cap, c, leases[c])
    check(len({l.ip for l in leases.values()}) == 3, "three clients, three addresses")

    for sig in (signal.SIGTERM, signal.SIGKILL):
        server.restart(sig)
        for c in clients:
            check_renewed(cap, c, leases[c], len(cap.packets()), c.mark(), renew[c])
        log("info - after %s every client renewed its address" % signal.Signals(sig).name)

    dhc.stop_keep_lease()
    dcd.stop()
    server.restart(signal.SIGKILL)
    for c in (dhc, dcd):
        check_renewed(cap, c, leases[c], len(cap.packets()), c.mark(), c.start,
                      state="INIT-REBOOT", timeout=40)
    check_renewed(cap, udh, leases[udh], len(cap.packets()), udh.mark(), udh.renew)


if __name__ == "__main__":
    L.main("restart", body, tools=("dhclient", "udhcpc", "dhcpcd"))

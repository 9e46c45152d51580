#!/usr/bin/python3
"""Lease names survive server restarts: the names of persisted leases answer with the
first query after the server is back (it rebuilds its zone from the lease journal
before it serves), after SIGTERM and after kill -9; a name released before the
restart stays gone.

Leases: udhcpc ("ru-host") and dhcpcd ("rd-host") keep running; a simulated client
("sim-host") took its lease and went away (the lease stays until it expires); another
simulated client ("gone-host") released its lease before the first restart.
"""

import signal

import dhcpsim as S
import dnscheck as D
import lan as L
from lan import check

OBSERVER_IP = "198.18.0.9"


def check_names(observer, names, gone, when):
    for name, ip in names.items():
        D.check_resolves(observer, name + ".lan", [ip],
                         what="%s: %s.lan answers %s" % (when, name, ip))
        D.check_resolves(observer, ip, [name + ".lan."], reverse=True,
                         what="%s: -x %s answers %s.lan" % (when, ip, name))
    for name, ip in gone.items():
        D.check_nxdomain(observer, name + ".lan",
                         what="%s: %s.lan (released) is NXDOMAIN" % (when, name))
        D.check_nxdomain(observer, ip, reverse=True,
                         what="%s: -x %s (released) is NXDOMAIN" % (when, ip))


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    sim_node = lan.add_node("sim")
    node_u = lan.add_node("udh", mac=L.mac_for(1, base=0x64))
    node_d = lan.add_node("dcd", mac=L.mac_for(2, base=0x64))
    server = D.start_server(ctx, srv, D.dns_config())
    sim = S.Sim(sim_node, server_id=L.SERVER_IP)
    L.on_cleanup(sim.close)

    udh = ctx.client(L.Udhcpc(node_u, "ru-host"))
    dcd = ctx.client(L.Dhcpcd(node_d, "rd-host"))
    udh.start()
    dcd.start()
    names = {}
    t = sim.one(S.Txn("dora", L.mac_for(3, base=0x64), hostname="sim-host"))
    check(t.result == "ack", "the simulated client 'sim-host' got a lease", t.result)
    names["sim-host"] = t.reply.yiaddr
    g = sim.one(S.Txn("dora", L.mac_for(4, base=0x64), hostname="gone-host"))
    check(g.result == "ack", "the simulated client 'gone-host' got a lease", g.result)
    gone = {"gone-host": g.reply.yiaddr}
    D.check_resolves(observer, "gone-host.lan", [g.reply.yiaddr])
    sim.one(S.Txn("release", L.mac_for(4, base=0x64), ip=g.reply.yiaddr))
    D.wait_status(observer, "gone-host.lan", "NXDOMAIN", 2)
    names["ru-host"] = udh.wait_bound(timeout=40).ip
    names["rd-host"] = dcd.wait_bound(timeout=40).ip
    check_names(observer, names, gone, "before any restart")

    for sig in (signal.SIGTERM, signal.SIGKILL):
        D.restart_server(server, sig)
        check_names(observer, names, gone, "right after a %s restart" %
                    signal.Signals(sig).name)


if __name__ == "__main__":
    L.main("dns-restart", body, tools=("dig", "udhcpc", "dhcpcd"))

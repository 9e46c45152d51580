#!/usr/bin/python3
"""Who may answer for an address (ROBUSTNESS B3, B7), checked on the wire.

Not authoritative (the default):
  * a foreign client's INIT-REBOOT for an address leased to someone else: silence;
  * an INIT-REBOOT for an address we have no record of: silence (RFC 2131 4.3.2);
  * a DISCOVER carrying option 82 with giaddr 0 (no relay): dropped and counted (B7).
Restarted with --dhcp-authoritative (same lease state):
  * the foreign INIT-REBOOT is NAKed, broadcast, with our server id (B3);
  * an INIT-REBOOT for an address on another network is NAKed;
  * ISC dhclient moving in with a stale lease for the owner's address is NAKed, then
    obtains another address by DISCOVER;
  * the owner (udhcpc) renews and keeps its address: its lease was never touched.
"""

import signal

import lan as L
import dhcpsim as S
from flows import check_obtained, check_renewed
from lan import check, log

STALE_LEASE = """lease {
  interface "eth0";
  fixed-address %s;
  option subnet-mask 255.255.255.0;
  option dhcp-lease-time 120;
  option dhcp-server-identifier %s;
  renew 4 2037/01/01 00:00:00;
  rebind 4 2037/01/01 00:00:00;
  expire 4 2037/01/01 00:00:00;
}
"""


def replies_to(cap, txn):
    return [p for p in cap.packets() if p.op == 2 and p.xid == txn.xid]


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    node_a = lan.add_node("owner", mac=L.mac_for(1))
    node_s = lan.add_node("sim")
    node_d = lan.add_node("stale", mac=L.mac_for(3))
    cap = ctx.capture(srv)
    server = ctx.server(srv, L.ServerConfig(authoritative=False))
    server.start()

    owner = ctx.client(L.Udhcpc(node_a, "owner"))
    owner.start()
    lease = owner.wait_bound()
    check_obtained(cap, owner, lease)
    x = lease.ip

    sim = S.Sim(node_s, server_id=L.SERVER_IP)
    foreign = L.mac_for(2)
    t = sim.one(S.Txn("reboot", foreign, ip=x, tries=2))
    check(t.result == "timeout" and not replies_to(cap, t),
          "not authoritative: a foreign INIT-REBOOT for %s (owned by %s) gets no answer" %
          (x, node_a.mac), "%s %s" % (t.result, t.replies))
    t = sim.one(S.Txn("reboot", foreign, ip="198.18.0.140", tries=2))
    check(t.result == "timeout" and not replies_to(cap, t),
          "not authoritative: an INIT-REBOOT for an address we have no record of gets no "
          "answer", "%s %s" % (t.result, t.replies))

    # B7: option 82 from a client (giaddr 0) is not ours to trust: dropped. A control
    # DISCOVER without it shows the same client would be answered.
    relay_info = bytes([82, 6, 1, 4]) + b"eth9"
    raw = S.Txn("raw", L.mac_for(4), listen=1.5)
    raw.packet = S.build_dhcp(S.DISCOVER, raw.mac, raw.xid, extra_options=relay_info)
    sim.one(raw)
    check(not raw.replies and not replies_to(cap, raw),
          "a DISCOVER with option 82 and giaddr 0 gets no OFFER (B7)", repr(raw.replies))
    ctrl = S.Txn("raw", L.mac_for(4), listen=2.0)
    ctrl.packet = S.build_dhcp(S.DISCOVER, ctrl.mac, ctrl.xid)
    sim.one(ctrl)
    check(any(r.type == S.OFFER for r in ctrl.replies),
          "the same DISCOVER without option 82 is OFFERed an address", repr(ctrl.replies))
    server.proc.send_signal(signal.SIGUSR1)
    server.wait_log(r"DHCP-STATS.*relay-info-without-relay=1")
    check(True, "the server counted the option-82 DISCOVER (relay-info-without-relay=1)")

    server.config.authoritative = True
    server.restart()

    t = sim.one(S.Txn("reboot", foreign, ip=x, tries=3))
    check(t.result == "nak", "authoritative: a foreign INIT-REBOOT for %s is NAKed (B3)" % x,
          "%s %s" % (t.result, t.replies))
    check(t.reply.ip_dst == "255.255.255.255" and t.reply.eth_dst == "ff:ff:ff:ff:ff:ff",
          "the NAK is broadcast (RFC 2131 4.1)", repr(t.reply))
    check(t.reply.server_id == L.SERVER_IP and t.reply.yiaddr == "0.0.0.0",
          "the NAK carries server id %s and no yiaddr" % L.SERVER_IP, repr(t.reply))
    t = sim.one(S.Txn("reboot", foreign, ip="198.18.9.5", tries=3))
    check(t.result == "nak", "authoritative: an INIT-REBOOT for an address on another "
          "network is NAKed", "%s %s" % (t.result, t.replies))
    sim.close()

    # A real client with a stale lease for the owner's address.
    stale = ctx.client(L.Dhclient(node_d, "stale"))
    with open(stale.lease_file, "w") as f:
        f.write(STALE_LEASE % (x, L.SERVER_IP))
    mark = len(cap.packets())
    stale.start()
    got = stale.wait_bound(timeout=40)
    req = cap.wait_for(lambda p: p.type == "REQUEST" and p.chaddr == node_d.mac and
                       p.requested_ip == x and p.ciaddr == "0.0.0.0" and p.server_id is None,
                       10, "dhclient's INIT-REBOOT REQUEST for %s" % x, after=mark)
    nak = cap.wait_for(lambda p: p.type == "NAK" and p.xid == req.xid, 10,
                       "a NAK to dhclient's INIT-REBOOT", after=mark)
    log("info - " + nak.summary())
    check(True, "dhclient's INIT-REBOOT for %s was NAKed" % x)
    check(got.ip != x and got.ip is not None and L.in_range(got.ip, "198.18.0.100",
                                                            "198.18.0.150"),
          "dhclient then obtained another address (%s)" % got.ip)
    acks = [p for p in cap.packets() if p.type == "ACK" and p.yiaddr == x and
            p.chaddr != node_a.mac]
    check(not acks, "nobody but the owner was ever ACKed %s" % x, repr(acks))

    check_renewed(cap, owner, lease, len(cap.packets()), owner.mark(), owner.renew)


if __name__ == "__main__":
    L.main("authoritative", body, tools=("udhcpc", "dhclient"))

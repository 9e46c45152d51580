#!/usr/bin/python3
"""Reply addressing (RFC 2131 section 4.1) as real clients see it.

* udhcpc without the broadcast bit (the default of dhclient, udhcpc and dhcpcd): the
  OFFER and ACK go unicast to yiaddr at chaddr (the server writes the ARP entry
  itself, as dnsmasq does) and the client binds: the unicast replies work.
* udhcpc -B sets the bit: OFFER and ACK are broadcast.
* A RENEWING request (ciaddr set) is answered unicast to ciaddr.
* Twenty simulated clients at once, none setting the bit, all bind: one ARP entry per
  client, written before each reply.
"""

import lan as L
import dhcpsim as S
from flows import addressing, check_obtained, check_renewed
from lan import check


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    node_a = lan.add_node("a", mac=L.mac_for(1))
    node_b = lan.add_node("b", mac=L.mac_for(2))
    node_s = lan.add_node("sim")
    cap = ctx.capture(srv)
    ctx.server(srv).start()

    a = ctx.client(L.Udhcpc(node_a, "plain"))
    a.start()
    lease_a = a.wait_bound()
    check_obtained(cap, a, lease_a)  # checks unicast OFFER and ACK (bit clear)
    ack = check_renewed(cap, a, lease_a, len(cap.packets()), a.mark(), a.renew)
    check(ack.ip_dst == lease_a.ip and ack.eth_dst == node_a.mac,
          "the RENEWING ACK went unicast to ciaddr %s" % lease_a.ip, ack.summary())

    b = ctx.client(L.Udhcpc(node_b, "flagged", extra=["-B"]))
    b.start()
    lease_b = b.wait_bound()
    ack_b = check_obtained(cap, b, lease_b)  # checks broadcast OFFER and ACK (bit set)
    req_b = [p for p in cap.packets() if p.type == "REQUEST" and p.xid == ack_b.xid]
    check(req_b and req_b[-1].broadcast_flag, "udhcpc -B set the broadcast bit")
    check(addressing(ack_b) == "broadcast", "the ACK to the broadcast-bit client was broadcast")

    sim = S.Sim(node_s, server_id=L.SERVER_IP)
    txns = [S.Txn("dora", L.mac_for(i, base=0x40)) for i in range(20)]
    sim.run(txns, window=20, timeout=30)
    acked = [t for t in txns if t.result == "ack"]
    check(len(acked) == 20, "20 simulated clients without the broadcast bit all bound",
          "%d bound: %s" % (len(acked), [t.result for t in txns]))
    wrong = [t.reply for t in acked if not (t.reply.ip_dst == t.reply.yiaddr and
                                            t.reply.eth_dst == t.mac)]
    wrong += [t.offer for t in acked if not (t.offer.ip_dst == t.offer.yiaddr and
                                             t.offer.eth_dst == t.mac)]
    check(not wrong, "each of their OFFERs and ACKs went unicast to yiaddr at chaddr",
          repr(wrong[:5]))
    check(len({t.reply.yiaddr for t in acked}) == 20, "they got 20 different addresses")
    sim.close()


if __name__ == "__main__":
    L.main("addressing", body, tools=("udhcpc",))

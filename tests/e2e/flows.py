"""Scenario steps shared by the end-to-end tests, each checked on the wire.

Every helper here checks what the server did (what it sent, and to whom) from the
packet capture, and what the client concluded from its script's events. The
checks about what the *client* sent only make sure the test exercised the state
it claims to (RFC 2131 section 4.3.2 and 4.4.5 describe the client states).
"""

import lan as L
from lan import check, log

RANGE_FIRST, RANGE_LAST = "198.18.0.100", "198.18.0.150"
LEASE_SECONDS = 120  # "2m" in the default range


def exchange(cap, mac, after=0):
    """Captured packets to or from the client with this hardware address."""
    return [p for p in cap.packets()[after:] if p.chaddr == mac]


def reply_to(cap, request, types=("ACK", "NAK"), timeout=10):
    """The server's reply (same xid and chaddr) to a captured client request."""
    return cap.wait_for(lambda p: p.op == 2 and p.xid == request.xid and
                        p.chaddr == request.chaddr and p.type in types, timeout,
                        "a %s to xid %08x" % ("/".join(types), request.xid))


def addressing(p):
    """How a reply was addressed: 'broadcast', 'unicast' (to yiaddr and chaddr) or other."""
    if p.eth_dst == "ff:ff:ff:ff:ff:ff" and p.ip_dst == "255.255.255.255":
        return "broadcast"
    if p.eth_dst == p.chaddr and p.ip_dst == p.yiaddr:
        return "unicast"
    return "other (%s to %s)" % (p.ip_dst, p.eth_dst)


def check_obtained(cap, client, lease, server_ip=L.SERVER_IP, first=RANGE_FIRST,
                   last=RANGE_LAST, lease_time=LEASE_SECONDS, after=0):
    """The client bound an address from the range via DISCOVER/OFFER/REQUEST/ACK."""
    who = "%s on %s" % (client.kind, client.node.role)
    check(lease.ip is not None and L.in_range(lease.ip, first, last),
          "%s got an address in %s-%s" % (who, first, last), "got %s" % lease.ip)
    if lease_time is not None:
        check(lease.lease_time == lease_time, "%s was given a lease time of %ds" %
              (who, lease_time), "client reports %s" % lease.lease_time)
    L.wait_until(lambda: lease.ip in client.node.addresses(), 10,
                 "%s on the interface of %s" % (lease.ip, who))
    check(True, "%s has %s on its interface" % (who, lease.ip))
    # The capture lags the wire by up to a second: wait for the ACK, then look back.
    cap.wait_for(lambda p: p.type == "ACK" and p.chaddr == client.node.mac and
                 p.yiaddr == lease.ip, 10, "the ACK of %s to %s" % (lease.ip, client.node.mac),
                 after=after)
    pk = exchange(cap, client.node.mac, after)
    offers = [p for p in pk if p.type == "OFFER" and p.yiaddr == lease.ip]
    check(offers, "the server OFFERed %s to %s" % (lease.ip, client.node.mac))
    check(all(p.server_id == server_ip for p in offers), "the OFFER carries server id %s" %
          server_ip, "; ".join(p.summary() for p in offers))
    acks = [p for p in pk if p.type == "ACK" and p.yiaddr == lease.ip]
    check(acks, "the server ACKed %s to %s" % (lease.ip, client.node.mac))
    ack = acks[-1]
    check(ack.server_id == server_ip, "the ACK carries server id %s" % server_ip, ack.summary())
    if lease_time is not None:
        check(ack.lease_time == lease_time, "the ACK carries lease time %d (option 51)" %
              lease_time, ack.summary())
    reqs = [p for p in pk if p.type == "REQUEST" and p.xid == ack.xid]
    discs = [p for p in pk if p.type == "DISCOVER" and p.xid == offers[-1].xid]
    log("info - replies addressed as: OFFER %s, ACK %s (client broadcast flag %s)" % (
        addressing(offers[-1]), addressing(ack), reqs[-1].broadcast_flag if reqs else "?"))
    # RFC 2131 section 4.1: without the broadcast bit (none of our clients sets it), a
    # reply to a client with no address goes unicast to yiaddr at chaddr; the client
    # binding at all shows that those unicast replies worked.
    check_reply_addressing(offers[-1], discs[-1] if discs else None, "OFFER")
    check_reply_addressing(ack, reqs[-1] if reqs else None, "ACK")
    return ack


def check_reply_addressing(reply, request, what):
    """A reply to a client without an address: unicast to yiaddr at chaddr unless the
    request set the broadcast bit, then broadcast (RFC 2131 section 4.1)."""
    if request is None or request.ciaddr != "0.0.0.0" or request.giaddr != "0.0.0.0":
        return
    want = "broadcast" if request.broadcast_flag else "unicast"
    check(addressing(reply) == want, "the %s to %s (broadcast bit %s) was sent %s" % (
        what, reply.chaddr, "set" if request.broadcast_flag else "clear", want),
        reply.summary())


def check_renewed(cap, client, lease, mark_pkt, mark_ev, trigger, state="RENEWING",
                  server_ip=L.SERVER_IP, timeout=30):
    """After trigger(), the client renews and keeps the same address.

    state: RENEWING (unicast REQUEST, ciaddr set, no option 50/54),
           REBINDING (broadcast REQUEST, ciaddr set) or
           INIT-REBOOT (broadcast REQUEST, ciaddr 0, option 50, no option 54).
    """
    who = "%s on %s" % (client.kind, client.node.role)
    trigger()
    ev = client.wait_event(client.BIND_REASONS, after=mark_ev, timeout=timeout)
    again = L.Lease(ev)
    check(again.ip == lease.ip, "%s kept %s after %s (client reports %s)" %
          (who, lease.ip, state, again.reason), "now %s" % again.ip)
    mac = client.node.mac

    def is_state_request(p):
        if not (p.from_client and p.type == "REQUEST" and p.chaddr == mac):
            return False
        if state == "INIT-REBOOT":
            return p.ciaddr == "0.0.0.0" and p.requested_ip == lease.ip and p.server_id is None
        return p.ciaddr == lease.ip and p.server_id is None and p.requested_ip is None
    req = cap.wait_for(is_state_request, 10, "a %s REQUEST from %s" % (state, mac),
                       after=mark_pkt)
    if state == "RENEWING":
        check(req.ip_dst == server_ip, "the renewal REQUEST was unicast to the server",
              req.summary())
    log("info - %s sent: %s" % (state, req.summary()))
    ack = reply_to(cap, req)
    check(ack.type == "ACK" and ack.yiaddr == lease.ip,
          "the server ACKed the %s REQUEST with yiaddr %s" % (state, lease.ip), ack.summary())
    if lease.lease_time is not None:
        check(ack.lease_time == lease.lease_time, "the %s ACK renews the full lease (%ds)" %
              (state, lease.lease_time), ack.summary())
    if state != "RENEWING":
        log("info - %s ACK addressed as %s" % (state, addressing(ack)))
    return ack


def check_released(cap, client, lease, mark_pkt, server_ip=L.SERVER_IP, timeout=15):
    """The client sent a RELEASE for its address and de-configured it."""
    who = "%s on %s" % (client.kind, client.node.role)
    rel = cap.wait_for(lambda p: p.type == "RELEASE" and p.chaddr == client.node.mac, timeout,
                       "a RELEASE from %s" % client.node.mac, after=mark_pkt)
    check(rel.ciaddr == lease.ip and rel.server_id == server_ip,
          "%s sent RELEASE for %s to server id %s" % (who, lease.ip, server_ip), rel.summary())
    L.wait_until(lambda: lease.ip not in client.node.addresses(), 10,
                 "%s to remove %s" % (who, lease.ip))
    check(True, "%s removed %s from its interface" % (who, lease.ip))
    return rel


class Prober:
    """Fresh one-shot udhcpc clients asking for a given address (option 50).

    RFC 2131 section 4.3.1: the server offers the requested address if it is valid
    and not already allocated. So a probe tells, on the wire, whether the server
    considers an address taken (after a restart) or free (after a RELEASE).
    """

    def __init__(self, ctx, lan, cap, role="probe"):
        self.ctx, self.lan, self.cap = ctx, lan, cap
        self.node = lan.add_node(role)
        self.count = 0

    def request(self, ip, timeout=30):
        """Offered address for a brand-new client (fresh MAC) that asks for ip."""
        self.count += 1
        mac = L.mac_for(self.count, base=0xE0)
        self.node.run(["ip", "link", "set", "eth0", "down"])
        self.node.run(["ip", "link", "set", "eth0", "address", mac])
        self.node.run(["ip", "link", "set", "eth0", "up"])
        self.node.mac = mac
        mark = len(self.cap.packets())
        c = self.ctx.client(L.Udhcpc(self.node, "probe%d" % self.count,
                                     extra=["-q", "-n", "-r", ip], name="udhcpc-probe%d" %
                                     self.count))
        c.start(tries=5, pause=1)
        lease = L.Lease(c.wait_event(c.BIND_REASONS, timeout=timeout))
        c.proc.wait(10)  # -q: quits after binding, keeping the lease
        offer = self.cap.wait_for(lambda p: p.type == "OFFER" and p.chaddr == mac, 10,
                                  "an OFFER to probe %s" % mac, after=mark)
        disc = [p for p in self.cap.packets()[mark:]
                if p.type == "DISCOVER" and p.chaddr == mac]
        check(disc and disc[0].requested_ip == ip,
              "probe %s asked for %s in its DISCOVER" % (mac, ip))
        self.node.run(["ip", "-4", "addr", "flush", "dev", "eth0"])
        return offer.yiaddr, lease


def client_lifecycle(ctx, make_client, renew, renew_state="RENEWING", release=None,
                     config=None):
    """The common life of one kind of client on a LAN with the server under test.

    1. client A obtains a lease from the range (lease time as configured);
    2. A renews (renew(client) forces it) and keeps the same address;
    3. client B (same kind, other MAC) on the same LAN gets a different address;
    4. A releases (release(client), default client.release()); the RELEASE is on
       the wire and the address leaves A's interface;
    5. a brand-new client asking for A's old address gets it: the server freed it;
    6. B renews and still has its address.
    """
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    node_a = lan.add_node("a", mac=L.mac_for(1))
    node_b = lan.add_node("b", mac=L.mac_for(2))
    cap = ctx.capture(srv)
    ctx.server(srv, config or L.ServerConfig(
        options=["option:router,198.18.0.1"], domain="lan")).start()

    a = ctx.client(make_client(node_a, "host-a"))
    a.start()
    lease_a = a.wait_bound(timeout=40)
    check_obtained(cap, a, lease_a)

    check_renewed(cap, a, lease_a, len(cap.packets()), a.mark(), lambda: renew(a),
                  state=renew_state)

    b = ctx.client(make_client(node_b, "host-b"))
    b.start()
    lease_b = b.wait_bound(timeout=40)
    check_obtained(cap, b, lease_b)
    check(lease_b.ip != lease_a.ip, "the second client got a different address (%s, A has %s)"
          % (lease_b.ip, lease_a.ip))

    mark = len(cap.packets())
    (release or (lambda c: c.release()))(a)
    check_released(cap, a, lease_a, mark)

    prober = Prober(ctx, lan, cap)
    offered, _ = prober.request(lease_a.ip)
    check(offered == lease_a.ip, "after the RELEASE, a new client asking for %s is offered it"
          % lease_a.ip, "offered %s" % offered)

    check_renewed(cap, b, lease_b, len(cap.packets()), b.mark(), lambda: renew(b),
                  state=renew_state)

#!/usr/bin/python3
"""Migration from dnsmasq (issue 4): dnsmasq itself serves a real client from a
configuration file, then stops; leasedns starts from the same file and keeps the
client's address and name.

Variant 1: `leasedns -C dnsmasq.conf --import-leases FILE` (FILE: dnsmasq's
--dhcp-leasefile). udhcpc renews (unicast REQUEST) and, restarted, rediscovers: it keeps
its address both times.
Variant 2: the configuration file itself says dhcp-leasefile=FILE (a dnsmasq command
line used unchanged): leasedns detects the dnsmasq lease file, imports it and keeps its
journal in the state directory. dhcpcd rebinds and keeps its address; the lease
survives a leasedns restart.

In both, the name answers from leasedns' DNS with the first query, and the dnsmasq lease
file is byte-identical afterwards.
"""

import os
import signal

import dnscheck as D
import lan as L
from lan import check, log

OBSERVER_IP = "198.18.0.9"

# The subset of dnsmasq options both servers read, as an existing dnsmasq.conf would be.
CONF = """interface=eth0
bind-interfaces
dhcp-range=198.18.0.100,198.18.0.150,255.255.255.0,10m
domain=lan
port=53
no-resolv
no-hosts
no-ping
log-dhcp
"""


class ConfServer(L.Server):
    """A server started from a dnsmasq configuration file, with an explicit command."""

    def __init__(self, node, kind, argv):
        super().__init__(node, kind=kind, dns_port=D.DNS_PORT)
        self.argv = argv

    def command(self):
        return list(self.argv)


def dnsmasq(ctx, node, conf, extra=()):
    s = ConfServer(node, "dnsmasq", ["dnsmasq", "-d", "-C", conf, "--pid-file=",
                                     "--log-facility=-"] + list(extra))
    ctx.servers.append(s)
    s.start()
    D.wait_dns_ready(s)
    return s


def leasedns(ctx, node, conf, state_dir, extra=()):
    s = ConfServer(node, "leasedns", [L.leasedns_bin(), "-C", conf, "--state-dir", state_dir,
                                      "--pid-file="] + list(extra))
    ctx.servers.append(s)
    s.start()
    D.wait_dns_ready(s)
    return s


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def wait_lease_line(path, name, ip):
    """dnsmasq rewrites its lease file after each change: wait for the client's line."""
    def line():
        try:
            text = read_bytes(path).decode()
        except OSError:
            return None
        hits = [x for x in text.splitlines() if (" %s %s " % (ip, name)) in x]
        return hits[0] if hits else None
    found = L.wait_until(line, 10, "%s in dnsmasq's lease file" % name)
    log("info - dnsmasq lease line: %s" % found)
    return found


def check_name(observer, name, ip, when):
    D.check_resolves(observer, name + ".lan", [ip],
                     what="%s: %s.lan answers %s from leasedns" % (when, name, ip))
    D.check_resolves(observer, ip, [name + ".lan."], reverse=True,
                     what="%s: -x %s answers %s.lan" % (when, ip, name))


def imported_count(server):
    m = server.wait_log(r"LEASES-IMPORTED.*?(\d+) leases imported")
    return int(m.group(1))


def variant_import_leases(ctx, lan, srv, observer):
    conf = lan.path("dnsmasq-1.conf")
    leases = lan.path("dnsmasq-1.leases")
    with open(conf, "w") as f:
        f.write(CONF)
    node = lan.add_node("udh", mac=L.mac_for(1, base=0x6d))
    old = dnsmasq(ctx, srv, conf, ["--dhcp-leasefile=" + leases])
    udh = ctx.client(L.Udhcpc(node, "mig-a"))
    udh.start()
    ip = udh.wait_bound(timeout=40).ip
    wait_lease_line(leases, "mig-a", ip)
    old.stop()
    before = read_bytes(leases)

    new = leasedns(ctx, srv, conf, lan.path("state-1"), ["--import-leases", leases])
    check(imported_count(new) == 1, "--import-leases: one lease imported from dnsmasq's file")
    check_name(observer, "mig-a", ip, "at once after the switch")

    mark = udh.mark()
    udh.renew()
    lease = udh.wait_bound(after=mark, timeout=20)
    check(lease.ip == ip and lease.server == L.SERVER_IP,
          "udhcpc renews with leasedns and keeps %s" % ip, repr(lease))

    # A fresh DISCOVER (udhcpc asks for no address): the imported lease decides.
    udh.stop()
    node.run(["ip", "-4", "addr", "flush", "dev", "eth0"])
    mark = udh.mark()
    udh.start()
    lease = udh.wait_bound(after=mark, timeout=30)
    check(lease.ip == ip, "a restarted udhcpc rediscovers and gets %s again" % ip, repr(lease))
    check_name(observer, "mig-a", ip, "after the rediscovery")
    udh.stop()
    new.stop()
    check(read_bytes(leases) == before, "dnsmasq's lease file is byte-identical afterwards")


def variant_leasefile(ctx, lan, srv, observer):
    conf = lan.path("dnsmasq-2.conf")
    leases = lan.path("dnsmasq-2.leases")
    state = lan.path("state-2")
    with open(conf, "w") as f:
        f.write(CONF + "dhcp-leasefile=%s\n" % leases)
    node = lan.add_node("dcd", mac=L.mac_for(2, base=0x6d))
    old = dnsmasq(ctx, srv, conf)
    dcd = ctx.client(L.Dhcpcd(node, "mig-b"))
    dcd.start()
    ip = dcd.wait_bound(timeout=40).ip
    wait_lease_line(leases, "mig-b", ip)
    old.stop()
    before = read_bytes(leases)

    new = leasedns(ctx, srv, conf, state)
    new.wait_log(r"LEASEFILE-DNSMASQ")
    check(imported_count(new) == 1,
          "dhcp-leasefile= naming dnsmasq's file: detected and its lease imported")
    check_name(observer, "mig-b", ip, "at once after the switch (-l)")
    journal = os.path.join(state, "leases.journal")
    check(read_bytes(journal)[:6] == b"LDNSJ1",
          "our journal went to the state directory: %s" % journal)

    mark = dcd.mark()
    dcd.rebind()
    lease = dcd.wait_bound(after=mark, timeout=20)
    check(lease.ip == ip, "dhcpcd -n asks leasedns again and keeps %s" % ip, repr(lease))

    # The lease is ours now: a restart finds it in the journal, and the unchanged dnsmasq
    # file is not read again (a lease that ended in leasedns must not come back from it).
    new.stop()
    again = leasedns(ctx, srv, conf, state)
    check(again.wait_log(r"IMPORT-DONE-BEFORE.*"),
          "after a restart the lease comes from the journal; the unchanged file is not "
          "imported again")
    check_name(observer, "mig-b", ip, "after a leasedns restart")
    again.stop()
    dcd.stop()
    check(read_bytes(leases) == before, "dnsmasq's lease file (-l) is byte-identical afterwards")


def body(ctx):
    L.require_tools("dnsmasq")
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    variant_import_leases(ctx, lan, srv, observer)
    variant_leasefile(ctx, lan, srv, observer)


if __name__ == "__main__":
    L.main("migration", body, tools=("dig", "udhcpc", "dhcpcd", "dnsmasq"))

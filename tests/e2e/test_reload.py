#!/usr/bin/python3
"""SIGHUP reloads the configuration without losing a lease or a query (ROBUSTNESS D9).

The server reads a dnsmasq-syntax --conf-file: a range, a reservation, a --host-record.
A real client (udhcpc) and simulated ones hold leases.

1. The conf-file grows the range, adds a reservation for a client that already holds a
   dynamic lease, changes a host-record and the upstream server; SIGHUP in the middle of
   a stream of 2,000 DNS queries over 2 s, a fifth of them forwarded to an upstream that
   answers after 0.3 s: every query is answered, and then the new upstream takes over; every lease renews to its address except
   the newly reserved client's, which is NAKed on renewal and moves to its reservation
   (the documented rule); DNS answers the new record and the lease names still resolve.
2. An invalid conf-file + SIGHUP: RELOAD-FAILED in the log, the daemon keeps serving with
   the old configuration (old record, leases renew); `leasectl reload` prints the error.
3. The range shrinks below the leases: nothing is deleted by the reload (names still
   resolve); at their next renewal the clients are NAKed and get addresses in the new
   range, and their names follow. A changed listen address is reported as needing a
   restart (RELOAD-RESTART-NEEDED) while the rest applies.
"""

import heapq
import os
import signal
import socket
import struct
import threading
import time

import dhcpsim as S
import dnscheck as D
import lan as L
from lan import check

OBSERVER_IP = "198.18.0.9"
MAC_A = L.mac_for(1, base=0x70)    # simulated, dynamic lease all along
MAC_B = L.mac_for(2, base=0x70)    # simulated, gets a reservation by the first reload
MAC_R = L.mac_for(3, base=0x70)    # simulated, reserved from the start
MAC_U = L.mac_for(4, base=0x70)    # udhcpc

UPSTREAM_1, UPSTREAM_2 = "198.18.0.53", "198.18.0.54"
ANSWER_1, ANSWER_2 = "198.18.5.1", "198.18.5.2"  # what each upstream answers for any name

BASE = """\
domain=lan
dhcp-authoritative
no-resolv
dhcp-host={mac_r},198.18.0.60,resv-host
"""
FIRST = BASE + """\
server=198.18.0.53
dhcp-range=198.18.0.100,198.18.0.150,255.255.255.0,2m
host-record=static-one.lan,198.18.0.200
"""
GROWN = BASE + """\
server=198.18.0.54
dhcp-range=198.18.0.100,198.18.0.170,255.255.255.0,2m
dhcp-host={mac_b},198.18.0.70,newres
host-record=static-one.lan,198.18.0.201
host-record=static-two.lan,198.18.0.202
"""
INVALID = GROWN + "dhcp-range=this,is,not,a,range\n"
SHRUNK = BASE + """\
server=198.18.0.54
listen-address=198.18.0.1
dhcp-range=198.18.0.160,198.18.0.170,255.255.255.0,2m
dhcp-host={mac_b},198.18.0.70,newres
host-record=static-one.lan,198.18.0.201
host-record=static-two.lan,198.18.0.202
"""

# Runs in the observer's namespace: `count` queries spread over `seconds`, alternating
# names ("{i}" replaced by the query's number: never cached), each with its own id; prints "sent N answered M bad K" and the ids not answered.
QUERY_STREAM = r"""
import random, socket, struct, sys, time
server, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
names = sys.argv[4:]
def query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.setblocking(False)
ids = random.sample(range(65536), count)
waiting, bad = set(), 0
def drain():
    global bad
    while True:
        try:
            data = s.recv(4096)
        except BlockingIOError:
            return
        qid, flags, _, ancount = struct.unpack(">HHHH", data[:8])
        if qid in waiting:
            waiting.discard(qid)
            if flags & 0xF != 0 or ancount == 0:
                bad += 1
start = time.monotonic()
for i, qid in enumerate(ids):
    while time.monotonic() < start + seconds * i / count:
        drain()
        time.sleep(0.0002)
    waiting.add(qid)
    s.sendto(query(qid, names[i % len(names)].replace("{i}", str(i))), (server, 53))
    drain()
deadline = time.monotonic() + 3
while waiting and time.monotonic() < deadline:
    drain()
    time.sleep(0.005)
print("sent %d answered %d bad %d" % (count, count - len(waiting), bad))
print("missing", sorted(waiting)[:20])
"""


class DelayedUpstream:
    """A DNS server on ADDR:53 in its own namespace that answers every A query with
    `answer` after `delay` seconds, so that forwarded queries are in flight for a while."""

    def __init__(self, node, ip, answer, delay=0.3):
        self.answer = socket.inet_aton(answer)
        self.delay = delay
        self.received = 0

        def make():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((ip, 53))
            s.settimeout(0.01)
            return s
        self.sock = S.socket_in_netns(node.ns, make)
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        L.on_cleanup(self.close)

    def _reply(self, query):
        qid, _flags, qdcount = struct.unpack(">HHH", query[:6])
        end = 12
        while end < len(query) and query[end] != 0:
            end += query[end] + 1
        question = query[12:end + 5]
        return (struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question +
                struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + self.answer)

    def _loop(self):
        due = []  # (time, seq, reply, address)
        seq = 0
        while not self._stop:
            now = time.monotonic()
            while due and due[0][0] <= now:
                _t, _s, reply, addr = heapq.heappop(due)
                try:
                    self.sock.sendto(reply, addr)
                except OSError:
                    pass
            try:
                query, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(query) < 17:
                continue
            self.received += 1
            seq += 1
            heapq.heappush(due, (now + self.delay, seq, self._reply(query), addr))

    def close(self):
        self._stop = True
        self._thread.join(timeout=2)
        self.sock.close()


def check_forwarded(node, name, want, what):
    r = D.dig(node, name)
    check(r.status == "NOERROR" and r.values("A") == [want], what, r.summary())


def write_conf(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text.format(mac_b=MAC_B, mac_r=MAC_R))
    os.rename(tmp, path)  # as an editor would: the server never reads half a file


def reload(server, n, expect=">RELOADED "):
    """SIGHUP, then wait for the n-th line carrying message id `expect`."""
    server.proc.send_signal(signal.SIGHUP)
    L.wait_until(lambda: server.log_text().count(expect) >= n, 10,
                 "reload %d to log %s" % (n, expect))


def renew_same(sim, mac, ip, what, hostname=None):
    t = sim.one(S.Txn("reboot", mac, ip=ip, hostname=hostname))
    check(t.result == "ack" and t.reply.yiaddr == ip, what, t.result)


def in_range(ip, first, last):
    return L.in_range(ip, "198.18.0.%d" % first, "198.18.0.%d" % last)


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    sim_node = lan.add_node("sim")
    node_u = lan.add_node("udh", mac=MAC_U)
    DelayedUpstream(D.add_upstream_node(lan, "up1", UPSTREAM_1), UPSTREAM_1, ANSWER_1)
    DelayedUpstream(D.add_upstream_node(lan, "up2", UPSTREAM_2), UPSTREAM_2, ANSWER_2)
    conf = lan.path("reload.conf")
    write_conf(conf, FIRST)
    control = lan.path("control.sock")
    config = L.ServerConfig(ranges=[], extra=["--conf-file=" + conf,
                                              "--control-socket=" + control])
    server = D.start_server(ctx, srv, config)
    sim = S.Sim(sim_node, server_id=L.SERVER_IP)
    L.on_cleanup(sim.close)

    udh = ctx.client(L.Udhcpc(node_u, "ru-host"))
    udh.start()
    a = sim.one(S.Txn("dora", MAC_A, hostname="sim-a"))
    b = sim.one(S.Txn("dora", MAC_B, hostname="sim-b"))
    r = sim.one(S.Txn("dora", MAC_R))
    check(a.result == b.result == r.result == "ack", "three simulated clients got leases",
          "%s %s %s" % (a.result, b.result, r.result))
    ip_a, ip_b = a.reply.yiaddr, b.reply.yiaddr
    check(r.reply.yiaddr == "198.18.0.60", "the reserved client got 198.18.0.60",
          r.reply.yiaddr)
    ip_u = udh.wait_bound(timeout=40).ip
    D.check_resolves(observer, "static-one.lan", ["198.18.0.200"])
    D.check_resolves(observer, "sim-a.lan", [ip_a])
    check_forwarded(observer, "before.example", ANSWER_1, "forwarded to upstream 1")

    # 1. A valid reload in the middle of a query stream; one query in five is forwarded
    # and waits 0.3 s upstream, so dozens are in flight when the upstream server changes.
    write_conf(conf, GROWN)
    stream = observer.spawn("query-stream", [
        "python3", "-c", QUERY_STREAM, L.SERVER_IP, "2000", "2",
        "static-one.lan", "sim-a.lan", "resv-host.lan", "ru-host.lan", "q{i}.example"])
    time.sleep(1.0)
    reload(server, 1)
    check(stream.wait(15) == 0, "the query stream finished", stream.output())
    out = stream.output()
    L.log("info - " + " ".join(out.split()))
    check("sent 2000 answered 2000 bad 0" in out,
          "every one of 2,000 queries around the reload was answered (NOERROR)", out)
    check("RELOAD-RESTART-NEEDED" not in server.log_text(),
          "no restart-only setting changed, none reported")
    server.wait_log("DNS-UPSTREAMS-CHANGED", timeout=5)
    check_forwarded(observer, "after.example", ANSWER_2,
                    "after the reload, queries go to the new upstream server")

    D.check_resolves(observer, "static-one.lan", ["198.18.0.201"],
                     what="the changed host-record answers its new address")
    D.check_resolves(observer, "static-two.lan", ["198.18.0.202"],
                     what="the added host-record answers")
    D.check_resolves(observer, "newres.lan", ["198.18.0.70"],
                     what="the added reservation's name answers at once")
    for name, ip in (("sim-a", ip_a), ("sim-b", ip_b), ("ru-host", ip_u),
                     ("resv-host", "198.18.0.60")):
        D.check_resolves(observer, name + ".lan", [ip],
                         what="after the reload the lease name %s.lan still answers" % name)
    renew_same(sim, MAC_A, ip_a, "a dynamic lease renews to its address after the reload",
               "sim-a")
    renew_same(sim, MAC_R, "198.18.0.60", "the reserved client renews its address")
    mark = udh.mark()
    udh.renew()
    ev = udh.wait_event(("renew", "bound"), after=mark, timeout=20)
    check(ev.get("ip") == ip_u, "udhcpc renews to its address after the reload", ev)
    # The rule for a client whose reservation was added: NAK on renewal, then it moves.
    t = sim.one(S.Txn("reboot", MAC_B, ip=ip_b))
    check(t.result == "nak", "the newly reserved client is NAKed when it renews %s" % ip_b,
          t.result)
    t = sim.one(S.Txn("dora", MAC_B, hostname="sim-b"))
    check(t.result == "ack" and t.reply.yiaddr == "198.18.0.70",
          "its next DORA gives it the reserved address", t.result)

    # 2. An invalid configuration is refused; the old one keeps running.
    write_conf(conf, INVALID)
    reload(server, 1, expect=">RELOAD-FAILED ")
    check(server.proc.alive(), "the daemon is still running after an invalid reload")
    check("this,is,not,a,range" in server.log_text() or "dhcp-range" in
          server.log_text().split("RELOAD-FAILED", 1)[1].splitlines()[0],
          "the log names the error")
    # leasectl reload: the same, with the error handed back to the caller.
    leasectl = os.path.join(os.path.dirname(L.leasedns_bin()), "leasectl")
    if os.access(leasectl, os.X_OK):
        res = L.run([leasectl, "--control-socket", control, "reload"], check=False)
        check(res.returncode != 0 and "'this' is not an IPv4 address" in res.stdout,
              "leasectl reload of the invalid file fails and prints the error",
              "exit %s: %s" % (res.returncode, res.stdout))
        check(server.log_text().count(">RELOAD-FAILED ") == 2, "the daemon logged it too")
    D.check_resolves(observer, "static-one.lan", ["198.18.0.201"],
                     what="after the refused reload the running records still answer")
    renew_same(sim, MAC_A, ip_a, "after the refused reload leases still renew", "sim-a")

    # 3. The range shrinks below every dynamic lease: the documented rule. A listen
    # address is added too: that needs a restart, is said so, and the rest applies.
    write_conf(conf, SHRUNK)
    reload(server, 2)
    check(">RELOAD-RESTART-NEEDED listen-address changed" in server.log_text(),
          "a changed listen address is reported as needing a restart")
    for name, ip in (("sim-a", ip_a), ("ru-host", ip_u)):
        D.check_resolves(observer, name + ".lan", [ip],
                         what="a lease outside the shrunk range is kept (%s.lan)" % name)
    t = sim.one(S.Txn("reboot", MAC_A, ip=ip_a, hostname="sim-a"))
    check(t.result == "nak", "a lease outside the shrunk range is NAKed at renewal", t.result)
    t = sim.one(S.Txn("dora", MAC_A, hostname="sim-a"))
    check(t.result == "ack" and in_range(t.reply.yiaddr, 160, 170),
          "its client gets an address in the new range", t.result)
    new_a = t.reply.yiaddr
    D.check_resolves(observer, "sim-a.lan", [new_a], what="its name follows the new address")
    mark = udh.mark()
    udh.renew()
    ev = udh.wait_event(("bound",), after=mark, timeout=30)
    check(in_range(ev.get("ip"), 160, 170), "udhcpc, NAKed, gets an address in the new range", ev)
    D.check_resolves(observer, "ru-host.lan", [ev.get("ip")], what="ru-host.lan follows it")
    check(server.proc.alive(), "the daemon is still running")


if __name__ == "__main__":
    L.main("reload", body, tools=("dig", "udhcpc"))

#!/usr/bin/python3
"""leasectl against a running leasedns (leasectl(1); ROBUSTNESS K: the control socket).

A server on a namespace LAN with DNS, a reservation and an extra hosts file; its control
socket lives in the test's directory (a Unix socket is a file: leasectl runs outside the
namespaces). udhcpc on the LAN takes a lease named "ctl-host".
1. The socket is mode 0660. `leases` (table, --json, --format dnsmasq) shows the lease;
   `records` shows its A and PTR with source "lease"; `hosts` the reservation and the
   hosts file's name; `stats` counts the DISCOVER, the ACK, a DNS query and journal syncs.
2. `lease release ADDR` answers once the removal is durable: dig at once gives NXDOMAIN
   for the name and the PTR; after kill -9 and a restart (which replaces the stale socket
   file) the lease is still gone.
3. Errors: no lease at that address, a malformed address, an unknown command (usage, 2),
   a socket that is not there (3, naming its path); `check` of a good and a bad config.
4. Abuse: random bytes, NUL and escape bytes, a 1 MB line, 40 connections at once, an idle
   connection: each gets an error (or is closed: idle 10 s, over 16 connections), the same
   connection keeps answering, and afterwards the daemon still answers leasectl and DNS.
"""

import json
import os
import random
import signal
import socket
import stat
import time

import dnscheck as D
import lan as L
from leasectl_client import ctl, ctl_json, leasectl_bin
from lan import check, log

OBSERVER_IP = "198.18.0.9"
PRINTER_MAC = "02:1e:00:00:77:01"


class Conn:
    """A raw connection to the control socket: bytes in, response lines out."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)  # blocking: waits while the daemon's backlog is full
        self.s.settimeout(10)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line.decode("utf-8"))

    def ask(self, data):
        self.s.sendall(data)
        return self.line()

    def close(self):
        self.s.close()


def lease_rows(sock):
    return {r["address"]: r for r in ctl_json(sock, "leases")}


def show_lease(sock, client_node, ip):
    rows = lease_rows(sock)
    row = rows.get(ip)
    check(row is not None and row["state"] == "bound" and row["hostname"] == "ctl-host" and
          row["mac"] == client_node.mac and 0 < row["expires_in"] <= 120,
          "leases --json shows %s bound to %s as ctl-host" % (ip, client_node.mac), str(rows))
    table, _ = ctl(sock, "leases")
    line = [l for l in table.splitlines() if l.startswith(ip + " ")]
    check(table.startswith("ADDRESS") and len(line) == 1 and client_node.mac in line[0] and
          "ctl-host" in line[0], "the leases table has a line for %s" % ip, table)
    dnsmasq, _ = ctl(sock, "leases", "--format", "dnsmasq")
    fields = dnsmasq.split()
    check(len(fields) == 5 and fields[1:4] == [client_node.mac, ip, "ctl-host"] and
          int(fields[0]) > time.time(),
          "leases --format dnsmasq prints dnsmasq's lease line", dnsmasq)


def show_records_hosts(sock, ip):
    records = ctl_json(sock, "records")
    mine = [(r["type"], r["data"], r["source"]) for r in records
            if r["name"] in ("ctl-host.lan", ".".join(reversed(ip.split("."))) + ".in-addr.arpa")]
    check(sorted(mine) == [("A", ip, "lease"), ("PTR", "ctl-host.lan", "lease")],
          "records shows ctl-host's A and PTR with source lease", str(records))
    table, _ = ctl(sock, "records")
    check(any(l.split()[:2] == ["ctl-host.lan", l.split()[1]] and l.split()[-1] == "lease"
              for l in table.splitlines()[1:] if l.strip()),
          "the records table lists ctl-host.lan with source lease", table)
    hosts = ctl_json(sock, "hosts")
    check(any(r["mac"] == PRINTER_MAC and r["address"] == "198.18.0.20" and
              r["hostname"] == "printer" for r in hosts["reservations"]),
          "hosts lists the reservation", str(hosts))
    check(any(h["name"] == "nas" and h["address"] == "198.18.0.30"
              for h in hosts["hosts_files"]),
          "hosts lists the extra hosts file's name", str(hosts))


def show_stats(sock):
    stats = ctl_json(sock, "stats")
    dhcp, dns, journal = stats.get("dhcp", {}), stats.get("dns", {}), stats.get("journal", {})
    check(dhcp.get("received_discover", 0) >= 1 and dhcp.get("sent_ack", 0) >= 1 and
          journal.get("syncs", 0) >= 1 and dns.get("queries", 0) >= 1 and
          "hits" in stats.get("cache", {}) and stats["leases"]["bound"] >= 1,
          "stats counts DISCOVERs, ACKs, journal syncs and DNS queries", str(stats))
    text, _ = ctl(sock, "stats")
    check("dhcp.sent_ack " in text and "journal.syncs " in text,
          "stats prints section.name value lines", text[:300])


def release(srv, observer, sock, ip):
    out, _ = ctl(sock, "lease", "release", ip)
    check(out.strip() == "released " + ip, "lease release %s answers 'released'" % ip, out)
    D.check_nxdomain(observer, "ctl-host.lan", what="ctl-host.lan is NXDOMAIN right after")
    D.check_nxdomain(observer, ip, reverse=True, what="-x %s is NXDOMAIN right after" % ip)
    check(ip not in lease_rows(sock), "leases no longer lists %s" % ip)
    # Durable before the answer: kill -9 now, and the restarted daemon has no such lease.
    srv.stop(signal.SIGKILL)
    check(os.path.exists(sock), "kill -9 leaves the socket file behind")
    srv.start()
    D.wait_dns_ready(srv)
    L.wait_until(lambda: os.path.exists(sock), 10, "the control socket after the restart")
    check(ip not in lease_rows(sock),
          "after kill -9 and a restart (stale socket replaced) %s is still released" % ip)


def errors(sock, tmpdir):
    _, err = ctl(sock, "lease", "release", "198.18.0.250", expect=1)
    check("no lease for 198.18.0.250" in err, "releasing a free address: exit 1, 'no lease'",
          err)
    _, err = ctl(sock, "lease", "release", "198.18.0.999", expect=1)
    check("not an IPv4 address" in err, "a malformed address: exit 1, the daemon says why", err)
    _, err = ctl(sock, "frobnicate", expect=2)
    check("unknown command" in err, "an unknown command: usage, exit 2", err)
    missing = os.path.join(tmpdir, "nowhere.sock")
    _, err = ctl(missing, "leases", expect=3)
    check(missing in err, "no socket: exit 3, and the message names the path", err)
    good = os.path.join(tmpdir, "good.toml")
    bad = os.path.join(tmpdir, "bad.toml")
    with open(good, "w") as f:
        f.write("[dhcp]\n")
    with open(bad, "w") as f:
        f.write("[dhcp]\nno_such_key = 1\n")
    out, _ = ctl(sock, "check", "--config", good)
    check("configuration OK" in out, "check accepts a valid file", out)
    _, err = ctl(sock, "check", "--config", bad, expect=1)
    check("bad.toml" in err, "check refuses an invalid file, naming it", err)
    _, err = ctl(sock, "check", "--dhcp-range=nonsense", expect=1)
    check("dhcp-range" in err, "check refuses a bad flag, naming it", err)


def abuse(sock, observer):
    rng = random.Random(4)
    c = Conn(sock)
    # Random bytes, many lines of them: every line gets one error, then a real request works.
    junk = bytes(rng.randrange(256) for _ in range(4000)).replace(b"\n", b"") + b"\n"
    r = c.ask(junk)
    check(r["ok"] is False and r["error"], "a line of random bytes gets an error", str(r))
    r = c.ask(b"stats\x00\x1b[2J\n")
    check(r["ok"] is False and "control characters" in r["error"],
          "NUL and escape bytes get an error", str(r))
    r = c.ask(b"version\n")
    check(r["ok"] is True and "version" in r["result"], "the same connection still answers")
    # A 1 MB line: one "request too long", the rest skipped to its newline, then on we go.
    c.s.sendall(b"x" * (1 << 20) + b"\nversion\n")
    r1, r2 = c.line(), c.line()
    check(r1["ok"] is False and r1["error"] == "request too long" and r2["ok"] is True,
          "a 1 MB line gets 'request too long' and the next request is answered",
          "%s %s" % (r1, r2))
    c.close()
    # 40 connections at once: 16 are served, the rest are told and closed.
    time.sleep(0.5)  # the daemon has seen the earlier connections close
    conns = [Conn(sock) for _ in range(40)]
    served = sum(1 for k in conns[:16] if (k.ask(b"version\n") or {}).get("ok"))
    told = sum(1 for k in conns[16:] if (k.line() or {}).get("error") == "too many connections")
    for k in conns:
        k.close()
    check(served == 16 and told == 24,
          "40 connections at once: 16 served, 24 told 'too many connections'",
          "served %d, told %d" % (served, told))
    # An idle connection is closed after 10 s.
    idle = Conn(sock)
    idle.s.settimeout(15)
    t0 = time.monotonic()
    gone = idle.s.recv(1) == b""
    took = time.monotonic() - t0
    idle.close()
    check(gone and 9 <= took <= 13, "an idle connection is closed after 10 s",
          "%.1f s" % took)
    out, _ = ctl(sock, "version")
    check(out.startswith("leasedns "), "after all that, leasectl still gets answers", out)
    r = D.dig(observer, "printer.lan")
    check(r.status == "NOERROR", "and DNS still answers", r.summary())


def body(ctx):
    lan = ctx.new_lan()
    srv_node = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    client_node = lan.add_node("udhcpc", mac=L.mac_for(1, base=0x70))
    sock = os.path.join(lan.dir, "ctl", "control.sock")  # the daemon makes ctl/
    hosts_file = lan.path("extra-hosts")
    with open(hosts_file, "w") as f:
        f.write("198.18.0.30 nas\n")
    config = D.dns_config(hosts=[PRINTER_MAC + ",198.18.0.20,printer"],
                          extra=["--control-socket=" + sock, "--addn-hosts=" + hosts_file])
    srv = D.start_server(ctx, srv_node, config)
    L.wait_until(lambda: os.path.exists(sock), 10, "the control socket")
    mode = stat.S_IMODE(os.stat(sock).st_mode)
    check(stat.S_ISSOCK(os.stat(sock).st_mode) and mode == 0o660,
          "the control socket is a socket with mode 0660", oct(mode))

    client = ctx.client(L.Udhcpc(client_node, "ctl-host"))
    client.start()
    lease = client.wait_bound(timeout=40)
    D.check_resolves(observer, "ctl-host.lan", [lease.ip])
    show_lease(sock, client_node, lease.ip)
    show_records_hosts(sock, lease.ip)
    show_stats(sock)
    client.stop(signal.SIGKILL)  # keeps quiet: no RELEASE, no renewal from now on
    release(srv, observer, sock, lease.ip)
    errors(sock, lan.dir)
    abuse(sock, observer)


if __name__ == "__main__":
    L.main("leasectl", body, tools=("dig", "udhcpc"))

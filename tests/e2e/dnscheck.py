"""DNS pieces for the end-to-end tests: dig from a namespace (parsed), waiting for the
server's port 53, an upstream resolver (unbound) and a silent upstream in namespaces of
the test's LAN. Python 3 standard library only.

Every query is made by `dig` run inside a namespace on the LAN (PRODUCT.md "How it is
tested"), never from the host. dig is told `+ignore` over UDP so that a truncated reply
shows its TC bit instead of being retried over TCP behind the test's back.
"""

import ipaddress
import os
import re
import socket
import struct
import threading
import time

import dhcpsim as S
import lan as L
from lan import check, log

DOMAIN = "lan"
DNS_PORT = 53
UPSTREAM_IP = "198.18.0.53"
UPSTREAM2_IP = "198.18.0.54"
SILENT_IP = "198.18.0.55"
ALLOWED_UPSTREAM_CLIENTS = "198.18.0.0/15"


def ptr_name(ip):
    """The in-addr.arpa name of an IPv4 address (RFC 1035 section 3.5)."""
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


def fqdn(name):
    return name if name.endswith(".") else name + "."


# ---------------------------------------------------------------------------
# dig, parsed


class Record:
    def __init__(self, line):
        parts = line.split(None, 4)
        self.name = parts[0].lower()
        self.ttl = int(parts[1])
        self.rclass = parts[2]
        self.rtype = parts[3]
        self.data = parts[4] if len(parts) > 4 else ""

    def __repr__(self):
        return "%s %d %s %s" % (self.name, self.ttl, self.rtype, self.data)


class Reply:
    """What dig printed: header (status, flags), sections, EDNS, or no reply at all."""

    def __init__(self, text, elapsed, argv):
        self.text = text
        self.elapsed = elapsed
        self.argv = argv
        m = re.search(r"status: ([A-Z]+)", text)
        self.status = m.group(1) if m else None  # None: no reply reached dig
        m = re.search(r";; flags: ([a-z ]*);", text)
        self.flags = set(m.group(1).split()) if m else set()
        m = re.search(r"; EDNS: version: \d+, flags:[^;]*; udp: (\d+)", text)
        self.edns_udp = int(m.group(1)) if m else None
        m = re.search(r"MSG SIZE\s+rcvd: (\d+)", text)
        self.size = int(m.group(1)) if m else None
        self.sections = {"ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
        current = None
        for line in text.splitlines():
            m = re.match(r";; ([A-Z]+) SECTION:", line)
            if m:
                current = m.group(1) if m.group(1) in self.sections else None
                continue
            if not line.strip() or line.startswith(";"):
                if not line.strip():
                    current = None
                continue
            if current:
                try:
                    self.sections[current].append(Record(line))
                except (ValueError, IndexError):
                    pass

    @property
    def answer(self):
        return self.sections["ANSWER"]

    @property
    def authority(self):
        return self.sections["AUTHORITY"]

    @property
    def aa(self):
        return "aa" in self.flags

    @property
    def tc(self):
        return "tc" in self.flags

    @property
    def answered(self):
        return self.status is not None

    def values(self, rtype):
        """The rdata of the answer records of this type, lower-cased."""
        return [r.data.lower() for r in self.answer if r.rtype == rtype]

    def soa(self):
        """The SOA records of the authority section."""
        return [r for r in self.authority if r.rtype == "SOA"]

    def summary(self):
        if not self.answered:
            return "no reply after %.2fs (%s)" % (self.elapsed, " ".join(self.argv[-6:]))
        s = "%s flags=[%s] in %.2fs" % (self.status, " ".join(sorted(self.flags)),
                                        self.elapsed)
        if self.answer:
            s += " answer=%s" % self.answer
        if self.authority:
            s += " authority=%s" % self.authority
        if self.edns_udp is not None:
            s += " edns-udp=%d" % self.edns_udp
        if self.size is not None:
            s += " size=%d" % self.size
        return s


def dig(node, name, rtype="A", server=L.SERVER_IP, port=DNS_PORT, tcp=False, edns=True,
        bufsize=None, reverse=False, timeout=2, tries=1):
    """One query from `node` with dig; returns a Reply (status None: nothing came back).

    edns=False sends no OPT record (RFC 6891), bufsize=N advertises N octets.
    reverse=True: `name` is an address, queried as `dig -x` does (PTR).
    """
    argv = ["dig", "@" + server, "-p", str(port), "+time=%d" % timeout, "+tries=%d" % tries]
    argv.append("+tcp" if tcp else "+ignore")
    if not edns:
        argv.append("+noedns")
    elif bufsize is not None:
        argv.append("+bufsize=%d" % bufsize)
    argv += ["-x", name] if reverse else [name, rtype]
    started = time.monotonic()
    res = node.run(argv, check=False, timeout=timeout * tries + 10)
    return Reply(res.stdout, time.monotonic() - started, argv)


def describe(node, name, rtype="A", reverse=False):
    return "%s from %s" % ("-x " + name if reverse else name + " " + rtype, node.role)


def check_resolves(node, name, want, rtype="A", reverse=False, what=None, **kw):
    """A single query answers NOERROR, authoritatively, with exactly `want` (a list)."""
    r = dig(node, name, rtype, reverse=reverse, **kw)
    want = [w.lower() for w in want]
    got = r.values("PTR" if reverse else rtype)
    check(r.status == "NOERROR" and sorted(got) == sorted(want) and r.aa,
          what or "%s answers %s (AA)" % (describe(node, name, rtype, reverse), want),
          r.summary())
    return r


def check_nxdomain(node, name, rtype="A", reverse=False, what=None, **kw):
    """NXDOMAIN from us: AA set and an SOA in the authority section (RFC 2308 section 3)."""
    r = dig(node, name, rtype, reverse=reverse, **kw)
    check(r.status == "NXDOMAIN" and r.aa and r.soa(),
          what or "%s is NXDOMAIN with AA and the SOA in authority" %
          describe(node, name, rtype, reverse), r.summary())
    return r


def wait_status(node, name, status, timeout, rtype="A", reverse=False, interval=0.05):
    """Polls until a query answers `status`; returns (reply, seconds it took)."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        r = dig(node, name, rtype, reverse=reverse, timeout=1)
        if r.status == status:
            return r, time.monotonic() - started
        if time.monotonic() >= deadline:
            return r, time.monotonic() - started
        time.sleep(interval)


# ---------------------------------------------------------------------------
# The server under test, with DNS


def listening_dns(server):
    """True once the server process listens on UDP and TCP port 53 (any address)."""
    if not server.proc.alive():
        raise L.CheckFailed("%s exited with %s:\n%s" % (server.kind, server.proc.returncode(),
                                                      server.proc.output()))
    pids = [server.proc.pid] + [p for p, _ in L._descendants(server.proc.pid)]
    ok = True
    for proto in ("-u", "-t"):
        out = server.node.run(["ss", "-H", proto, "-l", "-n", "-p", "sport = :%d" % DNS_PORT],
                              check=False).stdout
        ok = ok and any("pid=%d," % p in out for p in pids)
    return ok


def wait_dns_ready(server, timeout=15):
    L.wait_until(lambda: listening_dns(server), timeout,
                 "%s to listen on UDP and TCP port %d" % (server.kind, DNS_PORT))


def start_server(ctx, node, config):
    """The server under test with DNS on port 53; returns once DHCP and DNS listen."""
    server = ctx.server(node, config, dns_port=DNS_PORT)
    server.start()
    wait_dns_ready(server)
    return server


def restart_server(server, sig):
    """Stops the server with sig, starts it again and waits for DHCP and DNS."""
    server.stop(sig)
    server.start()
    wait_dns_ready(server)


def dns_config(ranges=None, hosts=None, extra=(), upstream=False):
    """A ServerConfig for DNS tests: domain lan; without `upstream`, --no-resolv and no
    --server, so nothing is forwarded anywhere (the namespaces have no way out anyway)."""
    flags = list(extra)
    if not upstream:
        flags.append("--no-resolv")
    return L.ServerConfig(ranges=ranges, hosts=hosts, domain=DOMAIN, extra=flags)


# ---------------------------------------------------------------------------
# Upstream servers on the LAN


class Unbound:
    """unbound as an upstream resolver in its own namespace: its own config file in the
    test's directory, in the foreground, answering only its local data (local-zone "."
    static: it never recurses, the namespace has no way out), logging every query."""

    def __init__(self, node, ip, local_data, name="unbound", ttl=300):
        self.node = node
        self.ip = ip
        self.name = name
        self.dir = node.lan.path(name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "unbound.conf")
        lines = ["server:",
                 "  do-daemonize: no", '  username: ""', '  chroot: ""',
                 '  directory: "%s"' % self.dir, '  pidfile: ""',
                 "  use-syslog: no", '  logfile: ""', "  verbosity: 1", "  log-queries: yes",
                 "  interface: %s" % ip, "  port: 53", "  do-ip6: no",
                 "  access-control: %s allow" % ALLOWED_UPSTREAM_CLIENTS,
                 '  module-config: "iterator"', '  local-zone: "." static']
        for rr in local_data:
            parts = rr.split(None, 1)
            lines.append('  local-data: "%s %d IN %s"' % (fqdn(parts[0]), ttl, parts[1]))
        lines += ["remote-control:", "  control-enable: no"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None
        self.procs = []

    def start(self, timeout=15):
        self.proc = self.node.spawn("%s-%d" % (self.name, len(self.procs) + 1),
                                    ["unbound", "-c", self.conf])
        self.procs.append(self.proc)
        L.wait_until(lambda: "start of service" in self.proc.output() or not self.proc.alive(),
                     timeout, "%s to start" % self.name)
        if not self.proc.alive():
            raise RuntimeError("%s failed to start:\n%s" % (self.name, self.proc.output()))
        return self

    def stop(self):
        if self.proc is not None:
            self.proc.stop()

    def queries(self):
        """(client, name, type) for every query unbound logged, this start and earlier."""
        out = []
        for proc in self.procs:
            text = proc.output()
            for m in re.finditer(r"info: (\d+\.\d+\.\d+\.\d+) (\S+)\. (\S+) IN", text):
                out.append((m.group(1), m.group(2).lower(), m.group(3)))
        return out

    def asked(self, name):
        """How many queries for `name` reached this upstream."""
        name = name.lower().rstrip(".")
        return sum(1 for _c, n, _t in self.queries() if n == name)


class SilentUpstream:
    """A UDP socket on ADDR:53 in a node's namespace that reads queries and never answers
    (an upstream that is up but does not reply). Counts what it received."""

    def __init__(self, node, ip=SILENT_IP):
        self.ip = ip

        def make():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((ip, 53))
            s.settimeout(0.2)
            return s
        self.sock = S.socket_in_netns(node.ns, make)
        self.received = 0
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        L.on_cleanup(self.close)

    def _loop(self):
        while not self._stop:
            try:
                self.sock.recv(4096)
                self.received += 1
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self._stop = True
        self._thread.join(timeout=2)
        self.sock.close()


def add_upstream_node(lan, role, ip):
    """A namespace on the LAN for an upstream server."""
    return lan.add_node(role, ip=ip)


def routed_node(lan, router_role, far_role, router_lan_ip, far_subnet):
    """A client behind a router, in a subnet that is not on the LAN.

    The router sits on the LAN (router_lan_ip) and has eth1 into a second veth pair to
    the far namespace; the far node's default route points at the router. Returns
    (router, far, router_far_ip, far_ip); whoever should answer the far node needs a
    route to far_subnet via router_lan_ip (see add_route)."""
    net = ipaddress.ip_network(far_subnet)
    hosts = list(net.hosts())
    router_far_ip, far_ip = str(hosts[0]), str(hosts[1])
    router = lan.add_node(router_role, ip=router_lan_ip)
    far = L.Node(lan, far_role, lan.add_namespace(far_role))
    lan.add_link(router, far, "eth1", "eth0")
    router.run(["ip", "addr", "add", "%s/%d" % (router_far_ip, net.prefixlen), "dev", "eth1"])
    router.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    far.run(["ip", "addr", "add", "%s/%d" % (far_ip, net.prefixlen), "dev", "eth0"])
    far.run(["ip", "route", "add", "default", "via", router_far_ip])
    far.ip = far_ip
    return router, far, router_far_ip, far_ip


def add_route(node, subnet, via):
    node.run(["ip", "route", "add", subnet, "via", via])


def info(msg):
    log("info - " + msg)


def wire_time(cap, packet):
    """The wall-clock time (epoch seconds) a captured packet was seen: read_pcap gives
    times relative to the first packet; the first record's header gives the base."""
    with open(cap.path, "rb") as f:
        head = f.read(40)
    magic = head[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    sec, frac = struct.unpack(end + "II", head[24:32])
    return sec + frac / (1e9 if nano else 1e6) + packet.ts

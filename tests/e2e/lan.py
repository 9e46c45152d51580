"""Virtual LANs of network namespaces for leasedns end-to-end tests.

Python 3 standard library only (Debian's /usr/bin/python3). Everything this module
creates is private to one test run:
  * namespaces are named  <prefix>-<pid>-<test>-<role>, so tests run in parallel;
  * all traffic stays inside those namespaces, on addresses in 198.18.0.0/15;
  * every process is started by us, tracked by PID (plus the descendants it forks)
    and killed by PID in cleanup; nothing is killed by name;
  * cleanup runs from `finally`, from atexit and on SIGTERM/SIGALRM (meson's
    timeout, our own hard deadline), and removes every namespace it made.

Observations are made on the protocol where possible: each client runs a script of
ours that records what the client was told (address, lease time) and a packet
capture (dumpcap) on the server's interface lets tests check what went over the
wire. The server's log is only read where the wire cannot show a fact.
"""

import atexit
import ipaddress
import os
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77  # meson's "skipped" exit code

SUBNET = ipaddress.ip_network("198.18.0.0/24")
SERVER_IP = "198.18.0.1"
PREFIX_LEN = 24

VERBOSE = os.environ.get("E2E_VERBOSE", "") not in ("", "0")


def log(msg):
    print(msg, flush=True)


def debug(msg):
    if VERBOSE:
        print("  . " + msg, flush=True)


class Skip(Exception):
    """The test cannot run here (not root, no netns, missing tool)."""


class CheckFailed(Exception):
    """A checked expectation did not hold."""


class Timeout(Exception):
    """A wait-for helper ran past its deadline."""


class HardTimeout(BaseException):
    """The whole test ran past its hard deadline (SIGALRM) or was terminated."""


# ---------------------------------------------------------------------------
# Small helpers


def run(cmd, check=True, timeout=20, capture=True, input_text=None):
    """Runs cmd (a list) to completion with a deadline; returns CompletedProcess."""
    debug("run: " + " ".join(shlex.quote(c) for c in cmd))
    res = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None,
                         stderr=subprocess.STDOUT if capture else None,
                         text=True, timeout=timeout, input=input_text)
    if check and res.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s" %
                           (res.returncode, " ".join(cmd), res.stdout or ""))
    return res


def wait_until(predicate, timeout, what, interval=0.1):
    """Polls predicate until it returns a true value (returned) or raises Timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Timeout("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def check(cond, what, detail=""):
    """Records one checked expectation: prints 'ok' or raises CheckFailed."""
    if cond:
        log("ok   - " + what)
    else:
        log("FAIL - " + what + (": " + detail if detail else ""))
        raise CheckFailed(what + (": " + detail if detail else ""))


def in_range(ip, first, last):
    a = ipaddress.ip_address(ip)
    return ipaddress.ip_address(first) <= a <= ipaddress.ip_address(last)


def mac_for(index, base=0x10):
    """A locally administered unicast MAC (02:...) unique within one test."""
    return "02:1e:%02x:%02x:%02x:%02x" % ((os.getpid() >> 8) & 0xFF, os.getpid() & 0xFF,
                                          base & 0xFF, index & 0xFF)


# ---------------------------------------------------------------------------
# Process tracking


def _read_stat(pid):
    """(ppid, starttime) of pid from /proc, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    rest = data[data.rfind(")") + 2:].split()
    return int(rest[1]), int(rest[19])


def _descendants(pid):
    """PIDs (with start times) of all live descendants of pid."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _read_stat(int(entry))
        if st:
            children.setdefault(st[0], []).append((int(entry), st[1]))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child[0])
    return out


class Proc:
    """A process we started (inside a namespace), with its output in a log file."""

    def __init__(self, name, cmd, log_path, env=None, stdout_to=None):
        """stdout_to: a file path that receives stdout through a pipe, copied and
        flushed as it arrives (dumpcap flushes each packet only into a pipe)."""
        self.name = name
        self.cmd = cmd
        self.log_path = log_path
        self._log = open(log_path, "ab")
        debug("spawn %s: %s" % (name, " ".join(shlex.quote(c) for c in cmd)))
        self.popen = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE if stdout_to else self._log,
                                      stderr=subprocess.STDOUT if not stdout_to else self._log,
                                      env=env)
        self._copier = None
        if stdout_to:
            self._copier = threading.Thread(target=self._copy, args=(stdout_to,), daemon=True)
            self._copier.start()
        self.pid = self.popen.pid
        st = _read_stat(self.pid)
        self.start_time = st[1] if st else None
        self.known_descendants = {}
        _TRACKER.add(self)

    def _copy(self, path):
        with open(path, "wb") as out:
            while True:
                chunk = os.read(self.popen.stdout.fileno(), 65536)
                if not chunk:
                    break
                out.write(chunk)
                out.flush()

    def alive(self):
        return self.popen.poll() is None

    def returncode(self):
        return self.popen.poll()

    def remember_descendants(self):
        """Notes the children this process forked, so cleanup can reap them too."""
        if self.alive():
            for pid, start in _descendants(self.pid):
                self.known_descendants[pid] = start

    def send_signal(self, sig):
        if self.alive():
            self.remember_descendants()
            os.kill(self.pid, sig)

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Timeout("%s (pid %d) still running after %.1fs" % (self.name, self.pid, timeout))

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Sends sig, waits, then SIGKILLs; also kills descendants left behind."""
        if self.alive():
            self.remember_descendants()
            try:
                os.kill(self.pid, sig)
                self.popen.wait(timeout=timeout)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
            if self.alive():
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    self.popen.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        self._kill_leftover_descendants()
        if self._copier is not None:
            self._copier.join(timeout=5)
        try:
            self._log.close()
        except OSError:
            pass
        return self.popen.poll()

    def _kill_leftover_descendants(self):
        for pid, start in list(self.known_descendants.items()):
            st = _read_stat(pid)
            if st and st[1] == start:  # same process, not a reused PID
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.known_descendants.clear()

    def output(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class _Tracker:
    """Every Proc and namespace this test made, for cleanup."""

    def __init__(self):
        self.procs = []
        self.namespaces = []
        self.cleanups = []
        self.cleaned = False

    def add(self, proc):
        self.procs.append(proc)

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # cleanup must go on
                log("cleanup: %s" % e)
        for p in self.procs:
            try:
                p.remember_descendants()
            except Exception:
                pass
        for p in reversed(self.procs):
            try:
                p.stop(timeout=3)
            except Exception as e:
                log("cleanup: stopping %s: %s" % (p.name, e))
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=20)
        self.namespaces.clear()


_TRACKER = _Tracker()
atexit.register(_TRACKER.cleanup)


def on_cleanup(fn):
    """Registers fn to run first during cleanup (e.g. stop a capture)."""
    _TRACKER.cleanups.append(fn)


# ---------------------------------------------------------------------------
# Namespaces and links


def _sanitize(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


class Node:
    """One network namespace with one interface (eth0) on the LAN."""

    def __init__(self, lan, role, ns):
        self.lan = lan
        self.role = role
        self.ns = ns
        self.iface = "eth0"
        self.mac = None
        self.ip = None

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.ns] + list(argv)

    def run(self, argv, **kw):
        return run(self.cmd(argv), **kw)

    def spawn(self, name, argv, env=None, stdout_to=None):
        return Proc("%s/%s" % (self.role, name), self.cmd(argv),
                    os.path.join(self.lan.dir, "%s-%s.log" % (self.role, _sanitize(name))),
                    env=env, stdout_to=stdout_to)

    def addresses(self):
        """IPv4 addresses now configured on eth0 (as the kernel sees them)."""
        out = self.run(["ip", "-4", "-o", "addr", "show", "dev", self.iface]).stdout
        return re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)

    def dig(self, name, server=SERVER_IP, port=53, rtype="A", timeout=10):
        """DNS query from this namespace (dig +short); returns the answer lines."""
        res = self.run(["dig", "@" + server, "-p", str(port), "+short", "+time=2", "+tries=2",
                        name, rtype], check=False, timeout=timeout)
        return [line for line in res.stdout.splitlines() if line and not line.startswith(";")]


class Lan:
    """A virtual LAN: a bridge in its own namespace, or one direct veth pair.

    topology="bridge": nodes are added with add_node(); each gets eth0 plugged
    into bridge br0 in the LAN's bridge namespace.
    topology="direct": exactly two nodes joined by one veth pair.
    """

    def __init__(self, test_name, topology="bridge", prefix="lde2e"):
        self.name = "%s-%d-%s" % (prefix, os.getpid(), _sanitize(test_name))
        self.topology = topology
        self.nodes = {}
        self.dir = tempfile.mkdtemp(prefix="%s-" % self.name)
        self._port = 0
        self.bridge_ns = None
        if topology == "bridge":
            self.bridge_ns = self._make_ns("br")
            self._in(self.bridge_ns, ["ip", "link", "add", "br0", "type", "bridge",
                                      "stp_state", "0", "forward_delay", "0"])
            self._in(self.bridge_ns, ["ip", "link", "set", "br0", "up"])
        elif topology != "direct":
            raise ValueError("unknown topology " + topology)

    # -- namespaces
    def _make_ns(self, role):
        ns = "%s-%s" % (self.name, role)
        if os.path.exists("/run/netns/" + ns):  # left by a dead process with our PID
            subprocess.run(["ip", "netns", "del", ns], timeout=20)
        run(["ip", "netns", "add", ns])
        _TRACKER.namespaces.append(ns)
        self._in(ns, ["ip", "link", "set", "lo", "up"])
        # IPv6 chatter (RS, MLD, DAD) is noise in captures: this is a DHCPv4 LAN.
        for key in ("net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6"):
            self._in(ns, ["sysctl", "-qw", key + "=1"], check=False)
        return ns

    def add_namespace(self, role):
        """A namespace of this LAN's run that is not on the LAN (a routed network, a
        peer behind a router): named, tracked and removed like the LAN's own."""
        return self._make_ns(role)

    def _in(self, ns, argv, **kw):
        return run(["ip", "netns", "exec", ns] + argv, **kw)

    def add_node(self, role, mac=None, ip=None, prefix_len=PREFIX_LEN):
        """A new namespace with eth0 on the LAN; ip (if given) is configured on it."""
        if role in self.nodes:
            raise ValueError("duplicate role " + role)
        ns = self._make_ns(role)
        node = Node(self, role, ns)
        node.mac, node.ip = mac, ip
        if self.topology == "bridge":
            self._port += 1
            port = "p%d" % self._port
            # Created directly inside the two namespaces: nothing touches the host's.
            run(["ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port,
                 "netns", self.bridge_ns])
            self._in(self.bridge_ns, ["ip", "link", "set", port, "master", "br0"])
            self._in(self.bridge_ns, ["ip", "link", "set", port, "up"])
        else:
            if len(self.nodes) == 0:
                self._first_direct = node
            elif len(self.nodes) == 1:
                run(["ip", "-n", self._first_direct.ns, "link", "add", "eth0", "type", "veth",
                     "peer", "name", "eth0", "netns", ns])
                for n in (self._first_direct, node):
                    self._configure(n, n.mac, n.ip, prefix_len)
            else:
                raise ValueError("a direct LAN has exactly two nodes")
        self.nodes[role] = node
        if self.topology == "bridge":
            self._configure(node, mac, ip, prefix_len)
        return node

    def _configure(self, node, mac, ip, prefix_len):
        if mac:
            self._in(node.ns, ["ip", "link", "set", "eth0", "address", mac])
        if ip:
            self._in(node.ns, ["ip", "addr", "add", "%s/%d" % (ip, prefix_len), "dev", "eth0"])
        self._in(node.ns, ["ip", "link", "set", "eth0", "up"])
        out = self._in(node.ns, ["cat", "/sys/class/net/eth0/address"]).stdout.strip()
        node.mac = out

    def add_link(self, a, b, a_ifname, b_ifname):
        """An extra veth between two nodes (e.g. a relay's second interface)."""
        run(["ip", "-n", a.ns, "link", "add", a_ifname, "type", "veth", "peer", "name",
             b_ifname, "netns", b.ns])
        a.run(["ip", "link", "set", a_ifname, "up"])
        b.run(["ip", "link", "set", b_ifname, "up"])

    def path(self, name):
        return os.path.join(self.dir, name)


# ---------------------------------------------------------------------------
# Packet capture and a minimal DHCP decoder (for assertions on the wire)

DHCP_TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
              7: "RELEASE", 8: "INFORM"}


def _ip4(b):
    return str(ipaddress.IPv4Address(b))


class DhcpPacket:
    """One captured DHCP packet: link, IP and UDP addressing plus the BOOTP fields."""

    def __init__(self, ts, eth_dst, eth_src, ip_src, ip_dst, sport, dport, payload):
        self.ts = ts
        self.eth_dst, self.eth_src = eth_dst, eth_src
        self.ip_src, self.ip_dst = ip_src, ip_dst
        self.sport, self.dport = sport, dport
        self.payload = payload
        self.op = payload[0]
        self.htype, self.hlen = payload[1], payload[2]
        self.xid = struct.unpack("!I", payload[4:8])[0]
        self.secs, self.flags = struct.unpack("!HH", payload[8:12])
        self.ciaddr = _ip4(payload[12:16])
        self.yiaddr = _ip4(payload[16:20])
        self.siaddr = _ip4(payload[20:24])
        self.giaddr = _ip4(payload[24:28])
        self.chaddr = ":".join("%02x" % x for x in payload[28:28 + min(self.hlen, 16)])
        self.options = {}
        self.option_order = []
        if payload[236:240] == b"\x63\x82\x53\x63":
            i = 240
            while i < len(payload):
                code = payload[i]
                if code == 0:
                    i += 1
                    continue
                if code == 255 or i + 1 >= len(payload):
                    break
                ln = payload[i + 1]
                val = payload[i + 2:i + 2 + ln]
                # RFC 3396: repeated options are concatenated.
                self.options[code] = self.options.get(code, b"") + val
                self.option_order.append(code)
                i += 2 + ln

    @property
    def type(self):
        v = self.options.get(53)
        return DHCP_TYPES.get(v[0], "TYPE%d" % v[0]) if v else "BOOTP"

    @property
    def broadcast_flag(self):
        return bool(self.flags & 0x8000)

    def opt_ip(self, code):
        v = self.options.get(code)
        return _ip4(v[:4]) if v and len(v) >= 4 else None

    def opt_u32(self, code):
        v = self.options.get(code)
        return struct.unpack("!I", v[:4])[0] if v and len(v) >= 4 else None

    @property
    def requested_ip(self):
        return self.opt_ip(50)

    @property
    def server_id(self):
        return self.opt_ip(54)

    @property
    def lease_time(self):
        return self.opt_u32(51)

    @property
    def hostname(self):
        v = self.options.get(12)
        return v.decode("ascii", "replace") if v is not None else None

    @property
    def client_id(self):
        v = self.options.get(61)
        return v.hex() if v is not None else None

    @property
    def from_client(self):
        return self.op == 1

    def summary(self):
        s = "%8.3f %s %s:%d > %s:%d (%s > %s) xid=%08x" % (
            self.ts, self.type.ljust(8), self.ip_src, self.sport, self.ip_dst, self.dport,
            self.eth_src, self.eth_dst, self.xid)
        if self.broadcast_flag:
            s += " flags=B"
        for name, v in (("ciaddr", self.ciaddr), ("yiaddr", self.yiaddr),
                        ("giaddr", self.giaddr)):
            if v != "0.0.0.0":
                s += " %s=%s" % (name, v)
        s += " chaddr=%s" % self.chaddr
        if self.requested_ip:
            s += " req=%s" % self.requested_ip
        if self.server_id:
            s += " sid=%s" % self.server_id
        if self.lease_time is not None:
            s += " lease=%d" % self.lease_time
        if self.hostname is not None:
            s += " name=%r" % self.hostname
        if self.client_id is not None:
            s += " cid=%s" % self.client_id
        s += " opts=%s" % ",".join(str(c) for c in self.option_order)
        return s


def read_pcap(path):
    """DHCP packets (UDP 67/68 over IPv4 over Ethernet) from a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s is not a classic pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("unexpected link type %d" % linktype)
    out, off, t0 = [], 24, None
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
        if off + 16 + incl > len(data):
            break  # the last record is still being written
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ts = sec + frac / (1e9 if nano else 1e6)
        if t0 is None:
            t0 = ts
        if len(frame) < 14 + 20 + 8:
            continue
        ethertype = struct.unpack("!H", frame[12:14])[0]
        if ethertype != 0x0800:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17:
            continue
        total = struct.unpack("!H", ip[2:4])[0]
        udp = ip[ihl:total]
        if len(udp) < 8:
            continue
        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
        if not ({sport, dport} & {67, 68}):
            continue
        payload = udp[8:ulen]
        if len(payload) < 240:
            continue
        mac = lambda b: ":".join("%02x" % x for x in b)
        out.append(DhcpPacket(ts - t0, mac(frame[0:6]), mac(frame[6:12]), _ip4(ip[12:16]),
                              _ip4(ip[16:20]), sport, dport, payload))
    return out


class Capture:
    """dumpcap on one interface of a node, writing classic pcap for read_pcap()."""

    def __init__(self, node, iface=None, name="capture"):
        self.node = node
        self.iface = iface or node.iface
        self.path = node.lan.path("%s-%s.pcap" % (node.role, name))
        tool = shutil.which("dumpcap") or shutil.which("tshark")
        if not tool:
            raise Skip("neither dumpcap nor tshark is installed")
        # Written to a pipe, dumpcap/tshark flush every packet: tests read the
        # capture while it runs.
        argv = [tool, "-q", "-i", self.iface, "-f", "udp port 67 or udp port 68"]
        argv += ["-P", "-w", "-"] if tool.endswith("dumpcap") else ["-F", "pcap", "-w", "-"]
        self.proc = node.spawn(name, argv, stdout_to=self.path)
        wait_until(lambda: "Capturing on" in self.proc.output() or not self.proc.alive(), 15,
                   "capture to start on %s" % self.iface)
        if not self.proc.alive():
            raise RuntimeError("capture failed: " + self.proc.output())
        time.sleep(0.3)
        on_cleanup(self.stop)

    def packets(self):
        """Packets captured so far (dumpcap flushes each packet to the file)."""
        try:
            return read_pcap(self.path)
        except (OSError, ValueError, struct.error):
            return []

    def wait_for(self, predicate, timeout, what, after=0):
        """Waits for a captured packet (index >= after) matching predicate."""
        def find():
            pk = self.packets()
            for p in pk[after:]:
                if predicate(p):
                    return p
            return None
        return wait_until(find, timeout, what, interval=0.2)

    def stop(self):
        if self.proc.alive():
            self.proc.stop(signal.SIGINT, timeout=5)

    def dump(self, title="packet exchange"):
        log("---- %s (%s) ----" % (title, self.path))
        for p in self.packets():
            log("  " + p.summary())
        if shutil.which("tshark") and os.path.exists(self.path):
            res = subprocess.run(["tshark", "-n", "-r", self.path], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, timeout=30)
            log("---- tshark -n -r %s ----" % self.path)
            for line in res.stdout.splitlines():
                log("  " + line)


# ---------------------------------------------------------------------------
# Servers


class ServerConfig:
    """dnsmasq-syntax DHCP options shared by leasedns and dnsmasq."""

    def __init__(self, ranges=None, hosts=None, options=None, authoritative=False,
                 domain=None, extra=None):
        self.ranges = ranges if ranges is not None else [
            "198.18.0.100,198.18.0.150,255.255.255.0,2m"]
        self.hosts = hosts or []      # "MAC,IP,NAME[,LEASETIME]"
        self.options = options or []  # "option:router,198.18.0.1"
        self.authoritative = authoritative
        self.domain = domain
        self.extra = extra or []

    def flags(self):
        f = ["--dhcp-range=" + r for r in self.ranges]
        f += ["--dhcp-host=" + h for h in self.hosts]
        f += ["--dhcp-option=" + o for o in self.options]
        if self.authoritative:
            f.append("--dhcp-authoritative")
        if self.domain:
            f.append("--domain=" + self.domain)
        return f + list(self.extra)


class Server:
    """The DHCP server under test (leasedns, or dnsmasq as a stand-in).

    kind "leasedns": $LEASEDNS_BIN -i IFACE ... --state-dir DIR -p 0 --no-ping --log-dhcp
    kind "dnsmasq":  dnsmasq -d --port=0 ... --dhcp-leasefile=DIR/dnsmasq.leases
    The state directory survives restarts; logs go to one file per start.
    ping=True leaves out --no-ping: the server probes fresh addresses (ICMP echo).
    wrapper: a command prefix (e.g. strace fault injection) for the server process.
    """

    def __init__(self, node, config=None, kind=None, iface=None, dns_port=0, ping=False,
                 wrapper=None):
        self.node = node
        self.ping = ping
        self.wrapper = list(wrapper or [])
        self.config = config or ServerConfig()
        self.kind = kind or server_kind()
        self.iface = iface or node.iface
        self.dns_port = dns_port
        self.state_dir = node.lan.path("server-state")
        os.makedirs(self.state_dir, exist_ok=True)
        self.proc = None
        self.starts = 0
        self.logs = []

    def command(self):
        if self.kind == "leasedns":
            return self.wrapper + [
                leasedns_bin(), "-i", self.iface, "--state-dir", self.state_dir,
                "-p", str(self.dns_port)] + ([] if self.ping else ["--no-ping"]) + [
                "--log-dhcp", "--pid-file=",
                # Each test's daemon its own control socket (tests run in parallel).
                "--control-socket=" + os.path.join(self.state_dir, "control.sock")
            ] + self.config.flags()
        return self.wrapper + [
            "dnsmasq", "-d", "--port=%d" % self.dns_port, "--interface=" + self.iface,
            "--bind-interfaces", "-C", "/dev/null", "--pid-file="] + (
            [] if self.ping else ["--no-ping"]) + [
            "--log-dhcp", "--log-facility=-",
            "--dhcp-leasefile=" + os.path.join(self.state_dir, "dnsmasq.leases"),
            ] + self.config.flags()

    def start(self, ready_timeout=15, wait=True, quiet=False):
        """Starts the server; with wait, returns once it listens on port 67."""
        self.starts += 1
        self.proc = self.node.spawn("%s-%d" % (self.kind, self.starts), self.command())
        self.logs.append(self.proc)
        if wait:
            self.wait_ready(ready_timeout)
        if not quiet:
            log("info - %s started (pid %d): %s" % (self.kind, self.proc.pid,
                                                   " ".join(self.command())))
        return self

    def _listening(self):
        if not self.proc.alive():
            raise CheckFailed("%s exited with %s:\n%s" % (self.kind, self.proc.returncode(),
                                                        self.proc.output()))
        # A UDP socket on port 67 (or a packet socket) owned by the server process.
        out = self.node.run(["ss", "-H", "-u", "-a", "-n", "-p", "sport = :67"],
                            check=False).stdout
        out += self.node.run(["ss", "-H", "-0", "-a", "-p"], check=False).stdout
        # With a wrapper (strace) the server is a child of the process we started.
        pids = [self.proc.pid] + [p for p, _ in _descendants(self.proc.pid)]
        return any("pid=%d," % p in out for p in pids)

    def wait_ready(self, timeout=15):
        wait_until(self._listening, timeout, "%s to listen on port 67" % self.kind)
        time.sleep(0.2)

    def stop(self, sig=signal.SIGTERM, timeout=10, quiet=False):
        """Stops the server; returns its exit status (negative = killed by signal)."""
        if self.proc is None:
            return None
        rc = self.proc.stop(sig, timeout=timeout)
        if not quiet:
            log("info - %s stopped with %s (exit status %s)" %
                (self.kind, signal.Signals(sig).name, rc))
        return rc

    def restart(self, sig=signal.SIGTERM):
        rc = self.stop(sig)
        self.start()
        return rc

    def log_text(self):
        """All server output so far (every start). For assertions the wire cannot make."""
        return "".join(p.output() for p in self.logs)

    def wait_log(self, pattern, timeout=10):
        rx = re.compile(pattern)
        return wait_until(lambda: rx.search(self.log_text()), timeout,
                          "server log to match %r" % pattern)

    def dump_log(self, tail=80):
        lines = self.log_text().splitlines()
        log("---- server log (%s, last %d of %d lines) ----" % (self.kind, min(tail, len(lines)),
                                                             len(lines)))
        for line in lines[-tail:]:
            log("  " + line)


def server_kind():
    """Which server the tests run: $E2E_SERVER (leasedns|dnsmasq), default leasedns."""
    kind = os.environ.get("E2E_SERVER", "leasedns")
    if kind not in ("leasedns", "dnsmasq"):
        raise Skip("E2E_SERVER must be leasedns or dnsmasq, not %r" % kind)
    return kind


def leasedns_bin():
    path = os.environ.get("LEASEDNS_BIN", "")
    if not path:
        raise Skip("LEASEDNS_BIN is not set (run from meson, or set E2E_SERVER=dnsmasq)")
    if not os.access(path, os.X_OK):
        raise CheckFailed("LEASEDNS_BIN=%s is not an executable file" % path)
    return path


# ---------------------------------------------------------------------------
# DHCP clients. Each records the events its script sees in <role>-<client>.events,
# one line of key=value pairs per event: reason, ip, mask, lease, server.


class Lease:
    def __init__(self, ev):
        self.ip = ev.get("ip")
        self.lease_time = int(ev["lease"]) if ev.get("lease", "").isdigit() else None
        self.reason = ev.get("reason")
        self.server = ev.get("server")

    def __repr__(self):
        return "Lease(%s, %ss, %s)" % (self.ip, self.lease_time, self.reason)


class Client:
    """Common parts of the client drivers."""

    BIND_REASONS = ()
    kind = "client"

    def __init__(self, node, hostname=None):
        self.node = node
        self.hostname = hostname
        self.base = node.lan.path("%s-%s" % (node.role, self.kind))
        self.events_path = self.base + ".events"
        self.script_path = self.base + ".script"
        self.proc = None
        open(self.events_path, "a").close()

    def events(self):
        out = []
        try:
            with open(self.events_path) as f:
                for line in f:
                    ev = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
                    out.append(ev)
        except OSError:
            pass
        return out

    def wait_event(self, reasons, after=0, timeout=30):
        """First script event (index >= after) whose reason is in reasons."""
        def find():
            if self.proc is not None and not self.proc.alive():
                evs = self.events()[after:]
                hit = [e for e in evs if e.get("reason") in reasons]
                if hit:
                    return hit[0]
                raise CheckFailed("%s exited (%s) before %s:\n%s" % (
                    self.kind, self.proc.returncode(), "/".join(reasons), self.proc.output()))
            for e in self.events()[after:]:
                if e.get("reason") in reasons:
                    return e
            return None
        return wait_until(find, timeout, "%s on %s to report %s" % (
            self.kind, self.node.role, "/".join(reasons)))

    def wait_bound(self, after=0, timeout=30):
        """The lease the client reports next (address, lease time)."""
        lease = Lease(self.wait_event(self.BIND_REASONS, after, timeout))
        log("info - %s on %s (mac %s) bound %s, lease %ss (%s)" % (
            self.kind, self.node.role, self.node.mac, lease.ip, lease.lease_time, lease.reason))
        return lease

    def mark(self):
        """Index for wait_event(after=...): events from now on."""
        return len(self.events())

    def _write_script(self, body):
        with open(self.script_path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(self.script_path, 0o755)

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None:
            return self.proc.stop(sig)
        return None

    def alive(self):
        return self.proc is not None and self.proc.alive()


_RECORD = ('printf "reason=%%s ip=%%s mask=%%s lease=%%s server=%%s t=%%s\\n" '
           '"%s" "%s" "%s" "%s" "%s" "$(date +%%s.%%N)" >> %s\n')


class Dhclient(Client):
    """ISC dhclient (isc-dhcp-client) with our -cf, -sf, -lf and -pf files.

    `send host-name` goes in the config file (dhclient has no flag for it).
    conf_extra: more dhclient.conf statements, e.g. "supersede dhcp-renewal-time 5;".
    """

    kind = "dhclient"
    BIND_REASONS = ("BOUND", "RENEW", "REBIND", "REBOOT")

    def __init__(self, node, hostname=None, conf_extra="", client_id=None):
        super().__init__(node, hostname)
        self.conf_path = self.base + ".conf"
        self.lease_file = self.base + ".leases"
        self.pid_file = self.base + ".pid"
        conf = ["timeout 40;", "retry 10;", "initial-interval 1;", "backoff-cutoff 2;",
                "reboot 10;", "select-timeout 0;"]
        if hostname:
            conf.append('send host-name "%s";' % hostname)
        if client_id:
            conf.append("send dhcp-client-identifier %s;" % client_id)
        conf.append("request subnet-mask, broadcast-address, routers, domain-name, "
                    "domain-name-servers, host-name, dhcp-lease-time, dhcp-renewal-time, "
                    "dhcp-rebinding-time;")
        conf.append(conf_extra)
        with open(self.conf_path, "w") as f:
            f.write("\n".join(conf) + "\n")
        # The replacement for dhclient-script: apply the address, record the event.
        self._write_script(
            'case "$reason" in\n'
            '  PREINIT) ip link set dev "$interface" up ;;\n'
            '  BOUND|RENEW|REBIND|REBOOT)\n'
            '    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then\n'
            '      ip -4 addr flush dev "$interface"; fi\n'
            '    ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;\n'
            '  EXPIRE|FAIL|RELEASE|STOP) ip -4 addr flush dev "$interface" ;;\n'
            'esac\n'
            'ip="$new_ip_address"; [ -n "$ip" ] || ip="$old_ip_address"\n' +
            _RECORD % ("$reason", "$ip", "$new_subnet_mask", "$new_dhcp_lease_time",
                       "$new_dhcp_server_identifier", shlex.quote(self.events_path)) +
            'exit 0\n')

    def _argv(self, *flags):
        return (["dhclient"] + list(flags) + ["-cf", self.conf_path, "-sf", self.script_path,
                                              "-lf", self.lease_file, "-pf", self.pid_file,
                                              self.node.iface])

    def start(self):
        """dhclient -d -v -1: one try (exits 2 on failure), stays in the foreground."""
        self.proc = self.node.spawn(self.kind, self._argv("-d", "-v", "-1"))
        return self

    def release(self, timeout=20):
        """dhclient -r: sends RELEASE and stops the running dhclient (from -pf)."""
        if self.proc is not None:
            self.proc.remember_descendants()
        res = self.node.run(self._argv("-r", "-v"), check=False, timeout=timeout)
        debug(res.stdout)
        if self.proc is not None:
            self.proc.wait(10)
        return res

    def stop_keep_lease(self):
        """Stops dhclient without a RELEASE (SIGTERM, as dhclient -x does)."""
        return self.stop(signal.SIGTERM)


class Udhcpc(Client):
    """busybox udhcpc: -f -s SCRIPT -x hostname:NAME; SIGUSR1 renews, SIGUSR2 releases."""

    kind = "udhcpc"
    BIND_REASONS = ("bound", "renew")

    def __init__(self, node, hostname=None, extra=None, name="udhcpc"):
        self.kind = name
        super().__init__(node, hostname)
        self.extra = list(extra or [])
        self._write_script(
            'case "$1" in\n'
            '  deconfig) ip -4 addr flush dev "$interface"; ip link set dev "$interface" up ;;\n'
            '  bound|renew)\n'
            '    cur=$(ip -4 -o addr show dev "$interface" | sed -n "s/.*inet \\([0-9.]*\\)\\/.*/\\1/p")\n'
            '    [ -n "$cur" ] && [ "$cur" != "$ip" ] && ip -4 addr flush dev "$interface"\n'
            '    ip addr replace "$ip/$mask" dev "$interface" ;;\n'
            'esac\n' +
            _RECORD % ("$1", "$ip", "$mask", "$lease", "$serverid",
                       shlex.quote(self.events_path)) +
            'exit 0\n')

    def start(self, tries=10, pause=2):
        argv = ["udhcpc", "-f", "-i", self.node.iface, "-s", self.script_path,
                "-t", str(tries), "-T", str(pause), "-A", "2"]
        if self.hostname:
            argv += ["-x", "hostname:" + self.hostname]
        self.proc = self.node.spawn(self.kind, argv + self.extra)
        return self

    def renew(self):
        self.proc.send_signal(signal.SIGUSR1)

    def release(self):
        self.proc.send_signal(signal.SIGUSR2)


class Dhcpcd(Client):
    """dhcpcd -4 -B -f /dev/null -h NAME --noipv4ll -c SCRIPT IFACE.

    dhcpcd keeps its control socket in /run/dhcpcd and leases in /var/lib/dhcpcd.
    Each client gets private copies, bind-mounted inside the mount namespace that
    `ip netns exec` creates, so parallel clients and the host never collide. Control
    commands (-N renew, -n rebind, -k release) run with the same mounts.
    """

    kind = "dhcpcd"
    BIND_REASONS = ("BOUND", "RENEW", "REBIND", "REBOOT", "STATIC")
    HOST_DIRS = ("/run/dhcpcd", "/var/lib/dhcpcd")

    def __init__(self, node, hostname=None, extra=None):
        super().__init__(node, hostname)
        self.extra = list(extra or [])
        self.private = []
        for d in self.HOST_DIRS:
            if not os.path.isdir(d):  # a fresh machine: dhcpcd never ran
                os.makedirs(d, mode=0o755, exist_ok=True)
            p = self.base + "-" + d.strip("/").replace("/", "-")
            os.makedirs(p, exist_ok=True)
            st = os.stat(d)
            os.chown(p, st.st_uid, st.st_gid)
            os.chmod(p, st.st_mode & 0o7777)
            self.private.append(p)
        # dhcpcd configures the address itself; the script only records.
        self._write_script(
            'ip="$new_ip_address"; [ -n "$ip" ] || ip="$old_ip_address"\n' +
            _RECORD % ("$reason", "$ip", "$new_subnet_cidr", "$new_dhcp_lease_time",
                       "$new_dhcp_server_identifier", shlex.quote(self.events_path)) +
            'exit 0\n')

    def _wrap(self, argv):
        mounts = " && ".join("mount --bind %s %s" % (shlex.quote(p), d)
                             for p, d in zip(self.private, self.HOST_DIRS))
        return ["sh", "-c", mounts + ' && exec "$@"', "sh"] + argv

    def _common(self):
        argv = ["-4", "-f", "/dev/null", "--noipv4ll", "-c", self.script_path]
        if self.hostname:
            argv += ["-h", self.hostname]
        return argv

    def start(self):
        argv = ["dhcpcd", "-B", "-d"] + self._common() + self.extra + [self.node.iface]
        self.proc = self.node.spawn(self.kind, self._wrap(argv))
        return self

    def control(self, flag, timeout=20):
        if self.proc is not None:
            self.proc.remember_descendants()
        return self.node.run(self._wrap(["dhcpcd", flag] + self._common() + [self.node.iface]),
                             check=False, timeout=timeout)

    def renew(self):
        """dhcpcd -N: RENEWING (unicast REQUEST with ciaddr)."""
        return self.control("-N")

    def rebind(self):
        """dhcpcd -n: reload configuration and rebind the interface."""
        return self.control("-n")

    def release(self):
        """dhcpcd -k: RELEASE and de-configure."""
        return self.control("-k")


# ---------------------------------------------------------------------------
# Test main


def require_tools(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        raise Skip("missing tools: " + ", ".join(missing))


def _preflight(tools, prefix="lde2e"):
    if os.geteuid() != 0:
        raise Skip("end-to-end tests need root (network namespaces)")
    require_tools("ip", "ss", *tools)
    probe = "%s-%d-probe" % (prefix, os.getpid())
    res = subprocess.run(["ip", "netns", "add", probe], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=20)
    if res.returncode != 0:
        raise Skip("ip netns is unavailable: " + res.stdout.strip())
    subprocess.run(["ip", "netns", "del", probe], timeout=20)
    if server_kind() == "leasedns":
        leasedns_bin()
    else:
        require_tools("dnsmasq")


def _raise_hard_timeout(signum, _frame):
    raise HardTimeout("hard timeout" if signum == signal.SIGALRM
                      else "terminated by signal %d" % signum)


class Context:
    """What a test's body gets: the LAN, and things to dump when it fails."""

    def __init__(self, name, prefix="lde2e"):
        self.name = name
        self.prefix = prefix
        self.lan = None
        self.captures = []
        self.servers = []
        self.clients = []

    def new_lan(self, topology="bridge"):
        self.lan = Lan(self.name, topology, prefix=self.prefix)
        return self.lan

    def capture(self, node, iface=None, name="capture"):
        c = Capture(node, iface, name)
        self.captures.append(c)
        return c

    def server(self, node, config=None, **kw):
        s = Server(node, config, **kw)
        self.servers.append(s)
        return s

    def client(self, c):
        self.clients.append(c)
        return c

    def dump(self):
        for c in self.captures:
            c.dump()
        for s in self.servers:
            s.dump_log()
        for c in self.clients:
            log("---- %s on %s: events ----" % (c.kind, c.node.role))
            for e in c.events():
                log("  %s" % e)
            if c.proc is not None:
                out = c.proc.output().splitlines()
                log("---- %s on %s: output (last 30 lines) ----" % (c.kind, c.node.role))
                for line in out[-30:]:
                    log("  " + line)


def _read_host_resolv():
    try:
        with open("/etc/resolv.conf", "rb") as f:
            return f.read()
    except OSError:
        return None


def _restore_host_resolv(content):
    if content is None:
        return
    try:
        with open("/etc/resolv.conf", "wb") as f:
            f.write(content)
    except OSError as e:
        log("cannot restore /etc/resolv.conf: %s" % e)


def main(name, body, tools=(), hard_timeout=150, prefix="lde2e"):
    """Runs body(ctx) with a hard deadline; exits 0 pass, 1 fail, 77 skip.

    prefix: namespace name prefix (lde2e for end-to-end tests, ldfault for fault tests).

    Cleanup (processes, namespaces) always runs. With E2E_KEEP=1 the temporary
    directory (logs, captures, leases) is kept; it is also kept on failure.
    """
    if "--hard-timeout" in sys.argv[1:-1]:  # from meson: a little under its own timeout
        hard_timeout = int(sys.argv[sys.argv.index("--hard-timeout") + 1])
    ctx = Context(name, prefix)
    signal.signal(signal.SIGALRM, _raise_hard_timeout)
    signal.signal(signal.SIGTERM, _raise_hard_timeout)
    signal.signal(signal.SIGINT, _raise_hard_timeout)
    status = 1
    started = time.monotonic()
    host_resolv = _read_host_resolv()
    try:
        _preflight(tools, prefix)
        log("# %s against %s" % (name, server_kind()))
        signal.alarm(hard_timeout)
        body(ctx)
        status = 0
    except Skip as e:
        log("SKIP: %s" % e)
        status = SKIP
    except (CheckFailed, Timeout, HardTimeout, RuntimeError, subprocess.TimeoutExpired) as e:
        log("FAIL: %s: %s" % (type(e).__name__, e))
        try:
            ctx.dump()
        except BaseException as e2:
            log("(dump failed: %s)" % e2)
    except Exception:
        import traceback
        traceback.print_exc()
        try:
            ctx.dump()
        except BaseException:
            pass
    finally:
        signal.alarm(0)
        _TRACKER.cleanup()
        if _read_host_resolv() != host_resolv:
            # Namespaces share the file system: a client hook (dhcpcd-run-hooks, a dhclient
            # script) that writes /etc/resolv.conf breaks the host. Put it back and fail.
            _restore_host_resolv(host_resolv)
            log("FAIL: the test changed the host's /etc/resolv.conf (restored)")
            status = 1
        if ctx.lan is not None:
            if status == 0 and os.environ.get("E2E_KEEP", "") in ("", "0"):
                shutil.rmtree(ctx.lan.dir, ignore_errors=True)
            else:
                log("kept %s" % ctx.lan.dir)
    log("%s: %s (%.1fs)" % (name, {0: "PASS", SKIP: "SKIP"}.get(status, "FAIL"),
                            time.monotonic() - started))
    sys.stdout.flush()
    sys.exit(status)

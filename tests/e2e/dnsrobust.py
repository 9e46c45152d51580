"""DNS robustness pieces for the end-to-end tests (ROBUSTNESS E, F, G): hand-made DNS
messages sent from sockets made inside the test's namespaces, a minimal reply decoder,
the daemon's resource use read from /proc, and a scriptable upstream server (a Python
socket in an upstream namespace that sees every query and answers as a test tells it).

Python 3 standard library only. dig is used elsewhere (dnscheck.py) for what a real
client does; here the tests need bytes dig will not send (lengths 0..17, a frame that
announces more than it carries, one byte a second, 100 pipelined queries, chosen EDNS
sizes, forged replies).
"""

import heapq
import os
import random
import select
import socket
import struct
import threading
import time

import dhcpsim as S
import lan as L

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33, "OPT": 41, "ANY": 255, "CAA": 257}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


# ---------------------------------------------------------------------------
# Messages


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def build_query(name, qtype="A", qid=None, edns=None, rd=True):
    """A query (RFC 1035 section 4.1); edns=N adds an OPT record advertising N octets."""
    qid = random.getrandbits(16) if qid is None else qid
    t = TYPES[qtype] if isinstance(qtype, str) else qtype
    head = struct.pack("!HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, 1 if edns is not None
                       else 0)
    msg = head + encode_name(name) + struct.pack("!HH", t, 1)
    if edns is not None:
        msg += b"\0" + struct.pack("!HHIH", 41, edns, 0, 0)
    return msg


def build_reply(query, answers=(), rcode=0, qname_override=None, qid=None):
    """A reply to `query` (bytes): its id (or qid), its question (or qname_override),
    the given A addresses as answers, TTL 60."""
    qid = struct.unpack("!H", query[:2])[0] if qid is None else qid
    rd = struct.unpack("!H", query[2:4])[0] & 0x0100
    end = 12
    while query[end] != 0:
        end += 1 + query[end]
    qtype_class = query[end + 1:end + 5]
    question = (encode_name(qname_override) if qname_override else query[12:end + 1]) + \
        qtype_class
    flags = 0x8000 | rd | 0x0080 | rcode
    msg = struct.pack("!HHHHHH", qid, flags, 1, len(answers), 0, 0) + question
    for a in answers:
        msg += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(a)
    return msg


def read_name(msg, off):
    """(name, offset after it) with compression (bounded: at most 64 jumps)."""
    labels, jumps, after = [], 0, None
    while True:
        ln = msg[off]
        if ln & 0xC0 == 0xC0:
            if after is None:
                after = off + 2
            off = ((ln & 0x3F) << 8) | msg[off + 1]
            jumps += 1
            if jumps > 64:
                raise ValueError("compression loop")
            continue
        if ln == 0:
            return ".".join(labels).lower() + ".", (after if after is not None else off + 1)
        labels.append(msg[off + 1:off + 1 + ln].decode("ascii", "replace"))
        off += 1 + ln


class Rr:
    def __init__(self, name, rtype, ttl, rdata, msg, rdata_off):
        self.name, self.rtype, self.ttl, self.rdata = name, rtype, ttl, rdata
        self.type_name = TYPE_NAMES.get(rtype, "TYPE%d" % rtype)
        self._msg, self._off = msg, rdata_off

    def value(self):
        if self.rtype == 1 and len(self.rdata) == 4:
            return socket.inet_ntoa(self.rdata)
        if self.rtype in (2, 5, 12):
            return read_name(self._msg, self._off)[0]
        return self.rdata.hex()

    def __repr__(self):
        return "%s %s %s" % (self.name, self.type_name, self.value())


class Msg:
    """A decoded DNS message: header, question, the records of each section."""

    def __init__(self, data):
        self.raw = data
        self.size = len(data)
        (self.id, self.flags, qd, an, ns, ar) = struct.unpack("!HHHHHH", data[:12])
        self.qr = bool(self.flags & 0x8000)
        self.aa = bool(self.flags & 0x0400)
        self.tc = bool(self.flags & 0x0200)
        self.rcode = self.flags & 0xF
        self.status = RCODES.get(self.rcode, "RCODE%d" % self.rcode)
        off = 12
        self.questions = []
        for _ in range(qd):
            name, off = read_name(data, off)
            qt, qc = struct.unpack("!HH", data[off:off + 4])
            off += 4
            self.questions.append((name, qt, qc))
        self.sections = []
        for count in (an, ns, ar):
            recs = []
            for _ in range(count):
                name, off = read_name(data, off)
                rt, _rc, ttl, rdlen = struct.unpack("!HHIH", data[off:off + 10])
                off += 10
                recs.append(Rr(name, rt, ttl, data[off:off + rdlen], data, off))
                off += rdlen
            self.sections.append(recs)
        self.answer, self.authority, self.additional = self.sections
        self.opt = [r for r in self.additional if r.rtype == 41]

    def values(self, rtype="A"):
        t = TYPES[rtype]
        return sorted(r.value() for r in self.answer if r.rtype == t)

    @property
    def qname(self):
        return self.questions[0][0] if self.questions else None

    def summary(self):
        flags = [f for f, on in (("qr", self.qr), ("aa", self.aa), ("tc", self.tc)) if on]
        return "id=%d %s [%s] q=%s an=%s ns=%d size=%d" % (
            self.id, self.status, " ".join(flags), self.questions, self.answer,
            len(self.authority), self.size)


def parse(data):
    try:
        return Msg(data)
    except (struct.error, IndexError, ValueError, UnicodeError):
        return None


def tcp_frame(msg):
    return struct.pack("!H", len(msg)) + msg


# ---------------------------------------------------------------------------
# Sockets in namespaces


def udp_socket(node, bind_ip="", timeout=2.0, rcvbuf=None):
    def make():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.bind((bind_ip, 0))
        s.settimeout(timeout)
        return s
    return S.socket_in_netns(node.ns, make)


def tcp_socket(node):
    """An unconnected TCP socket of node's namespace (connect() may be done later: the
    socket stays in the namespace it was made in)."""
    return S.socket_in_netns(node.ns, lambda: socket.socket(socket.AF_INET,
                                                              socket.SOCK_STREAM))


def tcp_connect(node, ip=L.SERVER_IP, port=53, timeout=3.0):
    s = tcp_socket(node)
    s.settimeout(timeout)
    s.connect((ip, port))
    return s


def udp_ask(sock, msg, server=L.SERVER_IP, port=53, timeout=2.0):
    """Sends msg, returns the decoded reply with the same id (or None on timeout)."""
    qid = struct.unpack("!H", msg[:2])[0]
    sock.sendto(msg, (server, port))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, _src = sock.recvfrom(65535)
        except socket.timeout:
            return None
        m = parse(data)
        if m is not None and m.id == qid:
            return m
    return None


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out")
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed by the server")
        buf += chunk
    return buf


def tcp_read_msg(sock, timeout=3.0):
    deadline = time.monotonic() + timeout
    ln = struct.unpack("!H", recv_exact(sock, 2, deadline))[0]
    return parse(recv_exact(sock, ln, deadline))


def tcp_ask(node, msg, ip=L.SERVER_IP, timeout=3.0):
    s = tcp_connect(node, ip, timeout=timeout)
    try:
        s.sendall(tcp_frame(msg))
        return tcp_read_msg(s, timeout)
    finally:
        s.close()


def wait_closed(sock, timeout):
    """Seconds until the peer closes (EOF or reset), or None if still open at timeout.
    Data the server sends meanwhile is read and dropped."""
    started = time.monotonic()
    deadline = started + timeout
    sock.setblocking(False)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([sock], [], [], left)
        if r:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            except (ConnectionResetError, OSError):
                return time.monotonic() - started
            if not data:
                return time.monotonic() - started


# ---------------------------------------------------------------------------
# The daemon, from /proc


def daemon_pid(server):
    """The server process's PID (`ip netns exec` execs it in place)."""
    return server.proc.pid


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def cpu_seconds(pid):
    """utime + stime of pid (all its threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    v = sorted(values)
    if not v:
        return None
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


# ---------------------------------------------------------------------------
# A scriptable upstream


class Upstream:
    """UDP sockets on ADDR:53 (and more addresses/ports) in an upstream namespace; one
    thread reads the queries that reach the first address, records them and calls
    `policy(up, query_bytes, src)`, which answers through up.send(...) now, or through
    up.later(seconds, fn) (run by the same thread), or not at all. Default: answer at
    once with ANSWER_IP.

    up.log: (monotonic time, src (ip, port), id, qname lower-case, qtype) per query."""

    ANSWER_IP = "11.22.33.44"

    def __init__(self, node, ips, port=53, extra_ports=(), policy=None):
        self.node = node
        self.log = []
        self.lock = threading.Lock()
        self.policy = policy or Upstream.answer_now
        self.socks = {}
        for ip in ips:
            for p in (port,) + tuple(extra_ports):
                self.socks[(ip, p)] = S.socket_in_netns(node.ns, self._maker(ip, p))
        self.main = self.socks[(ips[0], port)]
        self._stop = False
        self._due = []  # heap of (when, seq, fn)
        self._seq = 0
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        L.on_cleanup(self.close)

    @staticmethod
    def _maker(ip, port):
        def make():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind((ip, port))
            s.setblocking(False)
            return s
        return make

    @staticmethod
    def answer_now(up, query, src):
        up.send(build_reply(query, [Upstream.ANSWER_IP]), src)

    @staticmethod
    def silent(_up, _query, _src):
        pass

    def send(self, data, dst, via=None):
        """Sends from the main socket, or from the socket bound to `via` (ip, port)."""
        sock = self.socks[via] if via else self.main
        for _ in range(100):
            try:
                sock.sendto(data, dst)
                return
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                return

    def later(self, seconds, fn):
        """Runs fn on the responder's thread `seconds` from now (policies only)."""
        self._seq += 1
        heapq.heappush(self._due, (time.monotonic() + seconds, self._seq, fn))

    def _run_due(self):
        now = time.monotonic()
        while self._due and self._due[0][0] <= now:
            _when, _seq, fn = heapq.heappop(self._due)
            try:
                fn()
            except Exception as e:
                L.log("upstream timer error: %s" % e)

    def _loop(self):
        main = self.main
        while not self._stop:
            wait = 0.1
            if self._due:
                wait = max(0.0, min(wait, self._due[0][0] - time.monotonic()))
            r, _, _ = select.select([main], [], [], wait)
            self._run_due()
            if not r:
                continue
            for _ in range(256):
                try:
                    data, src = main.recvfrom(65535)
                except (BlockingIOError, OSError):
                    break
                m = parse(data)
                if m is None or not m.questions:
                    continue
                with self.lock:
                    self.log.append((time.monotonic(), src, m.id, m.qname, m.questions[0][1]))
                try:
                    self.policy(self, data, src)
                except Exception as e:  # a bad policy must not kill the responder
                    L.log("upstream policy error: %s" % e)

    def queries(self, suffix=""):
        with self.lock:
            return [q for q in self.log if q[3].endswith(suffix)]

    def close(self):
        self._stop = True
        self._thread.join(timeout=2)
        for s in self.socks.values():
            s.close()


def ask_many(sock, queries, window=100, timeout=3.0, server=L.SERVER_IP, port=53):
    """Sends the queries (bytes, distinct ids) from one UDP socket, at most `window`
    unanswered at a time; returns {id: Msg} of the replies that came back."""
    replies = {}
    outstanding = {}
    todo = list(queries)
    hard_deadline = time.monotonic() + timeout + len(queries) * 0.01
    last_progress = time.monotonic()
    sock.setblocking(False)
    while (todo or outstanding) and time.monotonic() < hard_deadline:
        while todo and len(outstanding) < window:
            q = todo.pop()
            qid = struct.unpack("!H", q[:2])[0]
            sock.sendto(q, (server, port))
            outstanding[qid] = q
        r, _, _ = select.select([sock], [], [], 0.2)
        if r:
            for _ in range(window):
                try:
                    data = sock.recv(65535)
                except BlockingIOError:
                    break
                m = parse(data)
                if m is not None and outstanding.pop(m.id, None) is not None:
                    replies[m.id] = m
                    last_progress = time.monotonic()
        if time.monotonic() - last_progress > timeout:
            break
    return replies

#!/usr/bin/python3
"""DNS under load for the fault tests: many queries in flight from one UDP socket, and a
steady-rate latency probe. Python 3 standard library only.

dnscheck.py (tests/e2e) runs dig, one process per query: right for checking one answer
in detail, far too slow for "every one of 300 names answers within 1 s" or "all 50,000
names are NXDOMAIN". Here queries are built and parsed by hand (RFC 1035 section 4):

  * Resolver(ns, server): a UDP socket made inside namespace `ns` (dhcpsim's
    socket_in_netns); bulk() sends a list of questions with up to `window` outstanding,
    retransmits the unanswered ones, matches replies by id AND question (so a late
    reply to an earlier query with a reused id is never taken for the current one).
  * `python3 dnsload.py pace ...`: a separate process (run in a namespace with
    Node.spawn) that asks one name at a fixed rate and writes every query's send time
    and latency as JSON when it gets SIGTERM or its duration ends. A process of its own,
    so the test's main loop (the DHCP simulator) cannot delay its sends or receipts.
"""

import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

A, PTR, AAAA = 1, 12, 28
NOERROR, NXDOMAIN = 0, 3
RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
               5: "REFUSED"}


def ptr_name(ip):
    """The in-addr.arpa name of an IPv4 address (RFC 1035 section 3.5)."""
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def build_query(qid, name, qtype):
    """A standard query, RD set (as dig sends), no EDNS."""
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + encode_name(name) + \
        struct.pack("!HH", qtype, 1)


def decode_name(msg, off):
    """(name without the final dot, lower case; offset after the name), following
    compression pointers (RFC 1035 section 4.1.4), at most 64 of them."""
    labels, end, jumps = [], None, 0
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            jumps += 1
            if jumps > 64:
                raise ValueError("compression loop")
            off = ((n & 0x3F) << 8) | msg[off + 1]
            continue
        off += 1
        if n == 0:
            break
        labels.append(msg[off:off + n].decode("ascii", "replace").lower())
        off += n
    return ".".join(labels), (end if end is not None else off)


class Answer:
    """One reply: rcode, AA, the question it answers and its answer records."""

    def __init__(self, msg):
        qid, flags, qd, an, ns, _ar = struct.unpack("!HHHHHH", msg[:12])
        self.id = qid
        self.rcode = flags & 0x0F
        self.aa = bool(flags & 0x0400)
        self.tc = bool(flags & 0x0200)
        off = 12
        self.qname, self.qtype = None, None
        for _ in range(qd):
            self.qname, off = decode_name(msg, off)
            self.qtype = struct.unpack("!H", msg[off:off + 2])[0]
            off += 4
        self.records = []   # (section, type, value) with value an address or a name
        for section, count in (("answer", an), ("authority", ns)):
            for _ in range(count):
                _owner, off = decode_name(msg, off)
                rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
                off += 10
                rdata = msg[off:off + rdlen]
                if rtype == A and rdlen == 4:
                    value = socket.inet_ntoa(rdata)
                elif rtype == PTR:
                    value = decode_name(msg, off)[0]
                else:
                    value = rdata
                self.records.append((section, rtype, value))
                off += rdlen

    def values(self, rtype):
        return sorted(v for s, t, v in self.records if s == "answer" and t == rtype)

    @property
    def status(self):
        return RCODE_NAMES.get(self.rcode, "RCODE%d" % self.rcode)

    def has_soa(self):
        return any(s == "authority" and t == 6 for s, t, _v in self.records)

    def __repr__(self):
        return "%s%s %s" % (self.status, " aa" if self.aa else "",
                            [(t, v) for s, t, v in self.records if s == "answer"])


class Query:
    """One question of a bulk run, and what came back (answer None: nothing did)."""

    def __init__(self, name, qtype):
        self.name = name.rstrip(".").lower()
        self.qtype = qtype
        self.id = None
        self.sent = 0
        self.first_sent = None
        self.next_at = 0.0
        self.answer = None
        self.answered_at = None

    def __repr__(self):
        return "%s %s: %s" % (self.name, {A: "A", PTR: "PTR"}.get(self.qtype, self.qtype),
                              self.answer if self.answer else "no reply after %d sends"
                              % self.sent)


class Resolver:
    """Many queries in flight over one UDP socket made in a network namespace."""

    def __init__(self, ns, server, port=53, socket_in_netns=None):
        self.server = (server, port)

        def make():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind(("0.0.0.0", 0))
            s.setblocking(False)
            return s
        if socket_in_netns is None:
            import dhcpsim
            socket_in_netns = dhcpsim.socket_in_netns
        self.sock = socket_in_netns(ns, make)
        self._next_id = random.getrandbits(16)

    def close(self):
        self.sock.close()

    def _send(self, q, now, retry):
        try:
            self.sock.sendto(build_query(q.id, q.name, q.qtype), self.server)
        except (BlockingIOError, ConnectionRefusedError):
            pass  # the retransmission covers it
        q.sent += 1
        if q.first_sent is None:
            q.first_sent = now
        q.next_at = now + retry

    def bulk(self, questions, window=128, timeout=5.0, retry=0.25, tries=8):
        """Asks every (name, qtype) of `questions`, at most `window` unanswered at a time,
        each sent up to `tries` times `retry` seconds apart, until all are answered or
        `timeout` seconds passed. Returns the Query objects (answer None if none came)."""
        queries = [Query(n, t) for n, t in questions]
        todo = iter(queries)
        active = {}      # id -> Query
        exhausted = False
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            while not exhausted and len(active) < window:
                q = next(todo, None)
                if q is None:
                    exhausted = True
                    break
                while self._next_id in active:
                    self._next_id = (self._next_id + 1) & 0xFFFF
                q.id = self._next_id
                self._next_id = (self._next_id + 1) & 0xFFFF
                active[q.id] = q
                self._send(q, now, retry)
            if not active and exhausted:
                break
            for q in list(active.values()):
                if now >= q.next_at:
                    if q.sent >= tries:
                        del active[q.id]
                    else:
                        self._send(q, now, retry)
            wait = min([q.next_at for q in active.values()] + [deadline]) - time.monotonic()
            r, _, _ = select.select([self.sock], [], [], max(0.0, min(wait, 0.05)))
            if not r:
                continue
            for _ in range(512):
                try:
                    msg = self.sock.recv(4096)
                except (BlockingIOError, InterruptedError, ConnectionRefusedError):
                    break
                try:
                    ans = Answer(msg)
                except (ValueError, IndexError, struct.error):
                    continue
                q = active.get(ans.id)
                if q is None or ans.qname != q.name or ans.qtype != q.qtype:
                    continue  # late, for an earlier query with the same id
                q.answer = ans
                q.answered_at = time.monotonic()
                del active[q.id]
        return queries


# ---------------------------------------------------------------------------
# Latency statistics


def percentile(sorted_values, p):
    """The p-th percentile (nearest rank) of an ascending list; None if empty."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


class LatencyStats:
    """p50/p99/max of a set of samples; a lost query counts as an infinite latency."""

    def __init__(self, samples):
        self.count = len(samples)
        self.lost = sum(1 for s in samples if s is None)
        lat = sorted(float("inf") if s is None else s for s in samples)
        self.p50 = percentile(lat, 50)
        self.p99 = percentile(lat, 99)
        self.max = lat[-1] if lat else None

    def ms(self, v):
        return "-" if v is None else ("lost" if v == float("inf") else "%.1f ms" % (v * 1000))

    def __str__(self):
        return "%d samples, p50 %s, p99 %s, max %s, %d lost" % (
            self.count, self.ms(self.p50), self.ms(self.p99), self.ms(self.max), self.lost)


def read_pace(path):
    """The samples a pacer wrote: a list of (wall-clock send time, latency or None,
    rcode or None, index of the name asked)."""
    with open(path) as f:
        return [tuple(s) for s in json.load(f)["samples"]]


def pace_stats(samples, start=None, end=None):
    """LatencyStats of the samples sent in [start, end) (wall-clock seconds)."""
    return LatencyStats([s[1] for s in samples
                         if (start is None or s[0] >= start) and (end is None or s[0] < end)])


def pacer_argv(server, names, rate, duration, out, qtype=A, lost_after=1.0):
    """The command line of a pacer process (to run in a namespace with Node.spawn);
    `names`: one name, or a list asked in turn."""
    names = [names] if isinstance(names, str) else list(names)
    return [sys.executable, os.path.abspath(__file__), "pace", "--server", server,
            "--name", ",".join(names), "--qtype", str(qtype), "--rate", str(rate),
            "--duration", str(duration), "--lost-after", str(lost_after), "--out", out]


class Pacer:
    """A pacer process in `node`'s namespace (see _pace); stop() returns its samples."""

    def __init__(self, node, server, names, rate, duration, tag="dns-pacer", qtype=A):
        self.out = node.lan.path(tag + ".json")
        self.proc = node.spawn(tag, pacer_argv(server, names, rate, duration, self.out,
                                               qtype=qtype))
        deadline = time.monotonic() + 10
        while "pacer started" not in self.proc.output():
            if not self.proc.alive() or time.monotonic() > deadline:
                raise RuntimeError("the DNS pacer did not start: " + self.proc.output())
            time.sleep(0.02)

    def stop(self, timeout=10):
        """Ends the run (SIGTERM); returns the samples (see read_pace)."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout)
        if not os.path.exists(self.out):
            raise RuntimeError("the DNS pacer wrote no samples: " + self.proc.output())
        return read_pace(self.out)


# ---------------------------------------------------------------------------
# The pacer process


def _pace(server, names, qtype, rate, duration, lost_after, out):
    """Sends one query every 1/rate seconds (on an absolute schedule, so a late send
    does not shift the rest), for each of `names` in turn, and records each one's
    latency and rcode; a reply later than lost_after seconds counts as lost. Stops
    after `duration` seconds or on SIGTERM, then writes the samples to `out` (JSON)
    and says "pacer done"."""
    stop = {"now": False}

    def on_term(_signum, _frame):
        stop["now"] = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind(("0.0.0.0", 0))
    sock.setblocking(False)
    dest = (server, 53)
    interval = 1.0 / rate
    samples = []        # [wall send time, latency or None, rcode or None, name index]
    pending = {}        # id -> (index, monotonic send time)
    qid = random.getrandbits(16)
    start = time.monotonic()
    next_send = start
    print("pacer started: %s (%d names) type %d every %.1f ms" % (
        names[0], len(names), qtype, interval * 1000), flush=True)
    while not stop["now"] and time.monotonic() - start < duration:
        now = time.monotonic()
        if now >= next_send:
            while qid in pending:
                qid = (qid + 1) & 0xFFFF
            which = len(samples) % len(names)
            try:
                sock.sendto(build_query(qid, names[which], qtype), dest)
            except (BlockingIOError, ConnectionRefusedError):
                pass
            pending[qid] = (len(samples), now)
            samples.append([time.time(), None, None, which])
            qid = (qid + 1) & 0xFFFF
            next_send += interval
            if next_send < now - 1.0:  # hopelessly behind (stopped?): do not burst
                next_send = now + interval
        for q, (i, sent) in list(pending.items()):
            if now - sent > lost_after:
                del pending[q]
        try:
            r, _, _ = select.select([sock], [], [], max(0.0, next_send - time.monotonic()))
        except InterruptedError:
            continue
        if r:
            got = time.monotonic()
            for _ in range(256):
                try:
                    msg = sock.recv(4096)
                except (BlockingIOError, InterruptedError, ConnectionRefusedError):
                    break
                if len(msg) < 12:
                    continue
                rid = struct.unpack("!H", msg[:2])[0]
                hit = pending.pop(rid, None)
                if hit is None:
                    continue
                i, sent = hit
                samples[i][1] = got - sent
                samples[i][2] = msg[3] & 0x0F
    # Replies still due get their chance (up to lost_after).
    end = time.monotonic() + min(lost_after, 1.0)
    while pending and time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], 0.05)
        if r:
            got = time.monotonic()
            try:
                msg = sock.recv(4096)
            except (BlockingIOError, InterruptedError, ConnectionRefusedError):
                continue
            if len(msg) >= 12:
                hit = pending.pop(struct.unpack("!H", msg[:2])[0], None)
                if hit is not None and got - hit[1] <= lost_after:
                    samples[hit[0]][1] = got - hit[1]
                    samples[hit[0]][2] = msg[3] & 0x0F
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"names": names, "rate": rate, "samples": samples}, f)
    os.rename(tmp, out)
    print("pacer done: %d queries" % len(samples), flush=True)


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description="DNS latency at a steady query rate")
    sub = p.add_subparsers(dest="cmd", required=True)
    pace = sub.add_parser("pace")
    pace.add_argument("--server", required=True)
    pace.add_argument("--name", required=True, help="NAME[,NAME...] asked in turn")
    pace.add_argument("--qtype", type=int, default=A)
    pace.add_argument("--rate", type=float, default=200.0)
    pace.add_argument("--duration", type=float, default=60.0)
    pace.add_argument("--lost-after", type=float, default=1.0)
    pace.add_argument("--out", required=True)
    a = p.parse_args(argv)
    _pace(a.server, a.name.split(","), a.qtype, a.rate, min(a.duration, 600.0), a.lost_after, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

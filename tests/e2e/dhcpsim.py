"""Many simulated DHCP clients on one interface of a namespace, from Python.

For the cases no real client can be made to do on demand (a foreign INIT-REBOOT, a
DISCOVER carrying option 82 without a relay) and for load (hundreds of clients with
their own MACs, in the fault tests). Python 3 standard library only.

Frames are built by hand and sent through an AF_PACKET socket created inside the
node's network namespace (setns on a short-lived thread: the socket stays in that
namespace). Requests leave from 0.0.0.0:68 to 255.255.255.255:67 like a real client
in INIT, without the broadcast flag unless asked, so the server's replies come back
unicast to the virtual client's MAC (the interface runs in promiscuous mode to see
them). Every packet stays on the test's LAN.
"""

import ctypes
import os
import random
import select
import socket
import struct
import threading
import time

CLONE_NEWNET = 0x40000000
ETH_P_IP = 0x0800
MAGIC = b"\x63\x82\x53\x63"

DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)
TYPE_NAMES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
              7: "RELEASE", 8: "INFORM"}

_libc = ctypes.CDLL(None, use_errno=True)


def socket_in_netns(ns, make):
    """Calls make() with the calling thread inside network namespace `ns` (a name from
    `ip netns`); the socket it returns belongs to that namespace for good."""
    box = {}

    def worker():
        try:
            fd = os.open("/run/netns/" + ns, os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, "setns(%s): %s" % (ns, os.strerror(err)))
            finally:
                os.close(fd)
            box["sock"] = make()
        except BaseException as e:  # handed to the caller
            box["error"] = e

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["sock"]


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def _ip(s):
    return socket.inet_aton(s)


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def build_frame(src_mac, payload, dst_mac="ff:ff:ff:ff:ff:ff", src_ip="0.0.0.0",
                dst_ip="255.255.255.255", sport=68, dport=67):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), random.getrandbits(16), 0, 64,
                      17, 0, _ip(src_ip), _ip(dst_ip))
    hdr = hdr[:10] + struct.pack("!H", _csum(hdr)) + hdr[12:]
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + struct.pack("!H", ETH_P_IP) + hdr + udp


def build_dhcp(msg_type, mac, xid, ciaddr="0.0.0.0", requested=None, server_id=None,
               client_id=None, hostname=None, broadcast=False, extra_options=b"",
               giaddr="0.0.0.0"):
    """A BOOTREQUEST with the options a simple client sends (53, 61, 50, 54, 12, 55)."""
    chaddr = mac_bytes(mac) + b"\0" * 10
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0,
                       0x8000 if broadcast else 0, _ip(ciaddr), _ip("0.0.0.0"),
                       _ip("0.0.0.0"), _ip(giaddr), chaddr, b"", b"")
    opts = bytes([53, 1, msg_type])
    if client_id is not None:
        opts += bytes([61, len(client_id)]) + client_id
    if requested:
        opts += bytes([50, 4]) + _ip(requested)
    if server_id:
        opts += bytes([54, 4]) + _ip(server_id)
    if hostname:
        opts += bytes([12, len(hostname)]) + hostname.encode()
    opts += bytes([55, 4, 1, 3, 6, 51]) + extra_options + b"\xff"
    return head + MAGIC + opts


class Reply:
    """A server reply seen on the wire (BOOTREPLY to port 68)."""

    def __init__(self, frame):
        self.eth_dst = mac_str(frame[0:6])
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        self.ip_src = socket.inet_ntoa(ip[12:16])
        self.ip_dst = socket.inet_ntoa(ip[16:20])
        p = ip[ihl + 8:]
        self.op = p[0]
        self.xid = struct.unpack("!I", p[4:8])[0]
        self.flags = struct.unpack("!H", p[10:12])[0]
        self.yiaddr = socket.inet_ntoa(p[16:20])
        self.chaddr = mac_str(p[28:34])
        self.options = {}
        i = 240
        while i < len(p):
            code = p[i]
            if code == 0:
                i += 1
                continue
            if code == 255 or i + 1 >= len(p):
                break
            ln = p[i + 1]
            self.options[code] = self.options.get(code, b"") + p[i + 2:i + 2 + ln]
            i += 2 + ln
        t = self.options.get(53)
        self.type = t[0] if t else 0
        sid = self.options.get(54)
        self.server_id = socket.inet_ntoa(sid[:4]) if sid and len(sid) >= 4 else None
        lt = self.options.get(51)
        self.lease_time = struct.unpack("!I", lt[:4])[0] if lt and len(lt) >= 4 else None

    @property
    def type_name(self):
        return TYPE_NAMES.get(self.type, "TYPE%d" % self.type)

    def __repr__(self):
        return "%s(yiaddr=%s to %s/%s xid=%08x)" % (self.type_name, self.yiaddr, self.ip_dst,
                                                    self.eth_dst, self.xid)


def _is_dhcp_reply(frame):
    if len(frame) < 14 + 20 + 8 + 240 or frame[12:14] != b"\x08\x00":
        return False
    ip = frame[14:]
    if ip[9] != 17:
        return False
    ihl = (ip[0] & 0x0F) * 4
    sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
    return sport == 67 and dport == 68 and ip[ihl + 8] == 2


class Txn:
    """One client transaction, driven by Sim.run().

    kind "dora":   DISCOVER -> OFFER -> REQUEST(server id, requested) -> ACK/NAK
    kind "reboot": REQUEST(requested = ip, no server id, ciaddr 0) -> ACK/NAK/silence
    kind "release": RELEASE(ciaddr = ip, server id), no reply expected
    kind "raw":    send `packet` (a DHCP payload) and collect replies until the deadline
    result: "ack", "nak", "timeout", "sent" (release), or "done" (raw)

    Retransmissions come every `interval` seconds, unless backoff > 1: then the wait
    grows by that factor after each one (RFC 2131 §4.1: 4 s, 8 s, 16 s... for
    interval 4, backoff 2), up to max_interval, each randomized by up to ±jitter
    seconds; it starts again from `interval` when the REQUEST follows an OFFER.
    """

    def __init__(self, kind, mac, ip=None, client_id=None, hostname=None, broadcast=False,
                 tries=4, interval=1.0, packet=None, listen=1.0, backoff=1.0, jitter=0.0,
                 max_interval=64.0):
        self.kind = kind
        self.mac = mac
        self.ip = ip
        self.client_id = client_id
        self.hostname = hostname
        self.broadcast = broadcast
        self.tries = tries
        self.interval = interval
        self.backoff = backoff
        self.jitter = jitter
        self.max_interval = max_interval
        self.wait = interval    # until the next retransmission (grows with backoff)
        self.packet = packet
        self.listen = listen
        self.xid = random.getrandbits(32)
        self.state = None
        self.sent = 0
        self.next_at = 0.0
        self.result = None
        self.offer = None
        self.reply = None       # the final ACK/NAK
        self.replies = []       # every reply seen (raw)
        self.offers = []        # every OFFER seen
        self.started = None
        self.finished = None


class Sim:
    """Drives many Txn objects over one AF_PACKET socket in a namespace."""

    def __init__(self, node, server_id=None):
        self.node = node
        self.server_id = server_id
        node.run(["ip", "link", "set", node.iface, "promisc", "on"])
        iface = node.iface

        def make():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
            s.bind((iface, ETH_P_IP))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.setblocking(False)
            return s
        self.sock = socket_in_netns(node.ns, make)
        # Called with (txn, Reply) for every DHCP reply seen; txn is None when the reply
        # matches no running transaction (late, or for another client).
        self.on_reply = None
        self.unmatched = 0

    def close(self):
        self.sock.close()

    def _send(self, txn, payload):
        frame = build_frame(txn.mac, payload)
        try:
            self.sock.send(frame)
        except BlockingIOError:
            pass  # dropped like on a busy wire; the retransmission covers it
        txn.sent += 1

    def _transmit(self, txn, now):
        sid = self.server_id
        if txn.kind == "dora":
            if txn.state == "selecting":
                p = build_dhcp(REQUEST, txn.mac, txn.xid, requested=txn.offer.yiaddr,
                               server_id=txn.offer.server_id, client_id=txn.client_id,
                               hostname=txn.hostname, broadcast=txn.broadcast)
            else:
                txn.state = "init"
                p = build_dhcp(DISCOVER, txn.mac, txn.xid, client_id=txn.client_id,
                               hostname=txn.hostname, broadcast=txn.broadcast,
                               requested=txn.ip)
        elif txn.kind == "reboot":
            txn.state = "init-reboot"
            p = build_dhcp(REQUEST, txn.mac, txn.xid, requested=txn.ip, client_id=txn.client_id,
                           hostname=txn.hostname, broadcast=txn.broadcast)
        elif txn.kind == "release":
            p = build_dhcp(RELEASE, txn.mac, txn.xid, ciaddr=txn.ip, server_id=sid,
                           client_id=txn.client_id)
            self._send(txn, p)
            txn.result = "sent"
            txn.finished = now
            return
        else:
            p = txn.packet
            txn.state = "raw"
        self._send(txn, p)
        if txn.kind == "raw":
            txn.next_at = now + txn.listen
        elif txn.backoff == 1.0 and not txn.jitter:
            txn.next_at = now + txn.interval
        else:
            txn.next_at = now + max(0.0, txn.wait + random.uniform(-txn.jitter, txn.jitter))
            txn.wait = min(txn.wait * txn.backoff, txn.max_interval)

    def _timeout(self, txn, now):
        if txn.kind == "raw":
            txn.result = "done"
            txn.finished = now
            return
        tries = txn.tries
        if txn.sent >= tries * (2 if txn.kind == "dora" else 1):
            txn.result = "timeout"
            txn.finished = now
            return
        if txn.kind == "dora" and txn.state == "selecting" and txn.sent >= tries + 2:
            txn.state = "init"  # the REQUEST went unanswered: start over
        self._transmit(txn, now)

    def _receive(self, by_xid, now):
        got = 0
        for _ in range(256):
            try:
                frame = self.sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                break
            if not _is_dhcp_reply(frame):
                continue
            r = Reply(frame)
            txn = by_xid.get(r.xid)
            if txn is not None and (txn.result is not None or r.chaddr != txn.mac):
                txn = None
            if self.on_reply:
                self.on_reply(txn, r)
            if txn is None:
                self.unmatched += 1
                continue
            got += 1
            txn.replies.append(r)
            if txn.kind == "raw":
                continue
            if r.type == OFFER:
                txn.offers.append(r)
                if txn.kind == "dora" and txn.state == "init":
                    txn.offer = r
                    txn.state = "selecting"
                    txn.wait = txn.interval
                    self._transmit(txn, now)
            elif r.type in (ACK, NAK) and (txn.kind == "reboot" or txn.state == "selecting"):
                txn.reply = r
                txn.result = "ack" if r.type == ACK else "nak"
                txn.finished = now
        return got

    def run(self, txns, window=32, timeout=60.0, stop=None, drain=0.0):
        """Runs the transactions (a list or any iterable, read lazily), at most `window`
        at a time; returns when all are done, after `timeout` seconds, or when stop()
        returns true. Unfinished ones keep result None. Then reads replies for `drain`
        more seconds (they still reach on_reply)."""
        source = iter(txns)
        exhausted = False
        active, by_xid = [], {}
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if now >= deadline or (stop is not None and stop()):
                break
            while not exhausted and len(active) < window:
                t = next(source, None)
                if t is None:
                    exhausted = True
                    break
                t.started = now
                by_xid[t.xid] = t
                active.append(t)
                self._transmit(t, now)
            for t in active:
                if t.result is None and now >= t.next_at:
                    self._timeout(t, now)
            still = []
            for t in active:
                if t.result is None:
                    still.append(t)
                else:
                    by_xid.pop(t.xid, None)
            active = still
            if not active and exhausted:
                break
            wait = min([t.next_at for t in active] + [deadline]) - time.monotonic()
            r, _, _ = select.select([self.sock], [], [], max(0.0, min(wait, 0.05)))
            if r:
                self._receive(by_xid, time.monotonic())
        end = time.monotonic() + drain
        while time.monotonic() < end:
            r, _, _ = select.select([self.sock], [], [], max(0.0, end - time.monotonic()))
            if r:
                self._receive(by_xid, time.monotonic())
        return txns

    def one(self, txn, timeout=30.0):
        self.run([txn], window=1, timeout=timeout)
        return txn

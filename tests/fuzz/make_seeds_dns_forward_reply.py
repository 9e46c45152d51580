#!/usr/bin/env python3
"""Writes the seed corpus of the dns_forward_reply fuzz target: upstream replies of the
shapes resolvers send (Unbound/BIND style: QR RD RA, compression, OPT 1232), for the
question the target asks (www.example.com A IN) and a few others, including hostile and
broken ones. Run from anywhere; it rewrites tests/fuzz/corpus/dns_forward_reply/.

    python3 h3-dns-forward-seeds.py /work/main
"""
import os
import struct
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "tests/fuzz/corpus/dns_forward_reply")

A, NS, CNAME, SOA, MX, TXT, AAAA, OPT = 1, 2, 5, 6, 15, 16, 28, 41
QR, AA, TC, RD, RA, AD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0020


class Msg:
    def __init__(self, flags=QR | RD | RA, rcode=0, msg_id=0x5a5a):
        self.flags = flags | rcode
        self.id = msg_id
        self.body = b""
        self.names = {}
        self.counts = [0, 0, 0, 0]

    def name(self, text, compress=True):
        labels = [l for l in text.split(".") if l]
        out = b""
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            if compress and suffix in self.names:
                return out + struct.pack("!H", 0xC000 | self.names[suffix])
            offset = 12 + len(self.body) + len(out)
            if offset < 0x3FFF:
                self.names.setdefault(suffix, offset)
            out += bytes([len(labels[i])]) + labels[i].encode()
        return out + b"\0"

    def question(self, qname, qtype=A, qclass=1):
        self.body += self.name(qname) + struct.pack("!HH", qtype, qclass)
        self.counts[0] += 1
        return self

    def rr(self, section, owner, rtype, rdata_fn, ttl=300, rclass=1):
        head = self.name(owner) + struct.pack("!HHI", rtype, rclass, ttl)
        # rdata may contain compressed names, written right after the length field.
        self.body += head
        start = len(self.body)
        self.body += b"\0\0"
        rdata = rdata_fn(self)
        self.body = self.body[:start] + struct.pack("!H", len(rdata)) + rdata
        self.counts[section] += 1
        return self

    def opt(self, size=1232, do=False):
        self.body += b"\0" + struct.pack("!HHIH", OPT, size, 0x8000 if do else 0, 0)
        self.counts[3] += 1
        return self

    def bytes(self):
        return struct.pack("!HH4H", self.id, self.flags, *self.counts) + self.body


def ip4(text):
    return lambda m: bytes(int(x) for x in text.split("."))


def ip6(*groups):
    return lambda m: b"".join(struct.pack("!H", g) for g in groups)


def target(text):
    return lambda m: m.name(text)


def mx(pref, text):
    return lambda m: struct.pack("!H", pref) + m.name(text)


def soa(zone, ttl_min):
    return lambda m: (m.name("ns1." + zone) + m.name("hostmaster." + zone) +
                      struct.pack("!5I", 2026112701, 7200, 900, 1209600, ttl_min))


def txt(text):
    data = text.encode()
    return lambda m: bytes([len(data)]) + data


AN, NSEC, AR = 1, 2, 3
WWW = "www.example.com"
seeds = {}

seeds["a-simple"] = Msg().question(WWW).rr(AN, WWW, A, ip4("93.184.216.34")).opt().bytes()
seeds["cname-chain"] = (
    Msg().question(WWW)
    .rr(AN, WWW, CNAME, target("www.example.com.cdn.example.net"), 3600)
    .rr(AN, "www.example.com.cdn.example.net", CNAME, target("edge7.cdn.example.net"), 60)
    .rr(AN, "edge7.cdn.example.net", A, ip4("203.0.113.7"), 20)
    .rr(AN, "edge7.cdn.example.net", A, ip4("203.0.113.8"), 20).opt().bytes())
seeds["cname-chain-reversed"] = (
    Msg().question(WWW)
    .rr(AN, "edge.example.net", A, ip4("203.0.113.9"))
    .rr(AN, WWW, CNAME, target("edge.example.net")).bytes())
seeds["nxdomain-soa"] = (
    Msg(rcode=3).question(WWW)
    .rr(NSEC, "example.com", SOA, soa("example.com", 60), 3600).opt().bytes())
seeds["nodata-soa"] = (
    Msg().question(WWW, AAAA)
    .rr(NSEC, "example.com", SOA, soa("example.com", 300), 900).opt().bytes())
seeds["cname-to-nxdomain"] = (
    Msg(rcode=3).question(WWW)
    .rr(AN, WWW, CNAME, target("gone.example.net"))
    .rr(NSEC, "example.net", SOA, soa("example.net", 30), 30).bytes())
seeds["rebind-private-a"] = (
    Msg().question(WWW)
    .rr(AN, WWW, A, ip4("192.168.1.1")).rr(AN, WWW, A, ip4("10.0.0.1"))
    .rr(AN, WWW, A, ip4("127.0.0.1")).rr(AN, WWW, A, ip4("100.64.1.1"))
    .rr(AN, WWW, A, ip4("93.184.216.34")).bytes())
seeds["rebind-private-aaaa"] = (
    Msg().question(WWW, AAAA)
    .rr(AN, WWW, AAAA, ip6(0, 0, 0, 0, 0, 0, 0, 1))
    .rr(AN, WWW, AAAA, ip6(0xfd12, 0, 0, 0, 0, 0, 0, 1))
    .rr(AN, WWW, AAAA, ip6(0xfe80, 0, 0, 0, 0, 0, 0, 1))
    .rr(AN, WWW, AAAA, ip6(0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0101))
    .rr(AN, WWW, AAAA, ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)).opt().bytes())
seeds["rebind-ok-domain"] = (
    Msg().question("nas.corp.example").rr(AN, "nas.corp.example", A, ip4("10.1.2.3")).bytes())
seeds["out-of-bailiwick"] = (
    Msg().question(WWW)
    .rr(AN, WWW, A, ip4("93.184.216.34"))
    .rr(AN, "www.bank.example", A, ip4("203.0.113.66"), 86400)
    .rr(NSEC, "bank.example", NS, target("ns.attacker.example"), 86400)
    .rr(NSEC, "example.com", NS, target("a.iana-servers.net"))
    .rr(AR, "ns.attacker.example", A, ip4("203.0.113.67"))
    .rr(AR, "a.iana-servers.net", A, ip4("199.43.135.53")).opt().bytes())
seeds["mx-with-glue"] = (
    Msg().question("example.com", MX)
    .rr(AN, "example.com", MX, mx(10, "mail.example.com"))
    .rr(AN, "example.com", MX, mx(20, "backup.example.net"))
    .rr(AR, "mail.example.com", A, ip4("203.0.113.25"))
    .rr(AR, "mail.example.com", AAAA, ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x25))
    .opt(4096, do=True).bytes())
seeds["tc-set"] = (
    Msg(flags=QR | RD | RA | TC).question(WWW).rr(AN, WWW, A, ip4("93.184.216.34")).bytes())
large = Msg().question(WWW, TXT)
for i in range(12):
    large.rr(AN, WWW, TXT, txt(chr(ord("a") + i) * 200))
seeds["large-txt"] = large.opt().bytes()
seeds["cut-mid-record"] = seeds["cname-chain"][:70]
seeds["servfail"] = Msg(rcode=2).question(WWW).opt().bytes()
seeds["wrong-question"] = Msg().question("www.example.org").rr(
    AN, "www.example.org", A, ip4("93.184.216.34")).bytes()
seeds["qr-clear"] = Msg(flags=RD).question(WWW).rr(AN, WWW, A, ip4("93.184.216.34")).bytes()
mixed = Msg(flags=QR | RD | RA | AD).question("wWw.ExAmPlE.cOm")
seeds["mixed-case-ad"] = mixed.rr(AN, "WWW.example.COM", A, ip4("93.184.216.34")).bytes()
# A compression pointer to itself in the answer owner (RFC 9267 §2).
loop = bytearray(Msg().question(WWW).bytes())
loop += struct.pack("!H", 0xC000 | len(loop)) + struct.pack("!HHIH", A, 1, 300, 4) + bytes(4)
loop[7] = 1
seeds["pointer-loop"] = bytes(loop)

os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    os.remove(os.path.join(OUT, f))
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {OUT}")

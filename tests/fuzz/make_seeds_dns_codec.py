#!/usr/bin/env python3
"""Writes the seed corpora of the DNS codec fuzz targets (dns_decode, dns_roundtrip):
queries, replies shaped like those of common resolvers (compression, EDNS, NXDOMAIN with
SOA, MX/SRV/TXT/CNAME chains), and, for dns_decode only, hostile inputs from ROBUSTNESS
E1-E3. Addresses are documentation ones (198.18.0.0/15, 2001:db8::/32). The dig-* files
in both corpora are not written here: they are queries captured once from dig 9.18 sent
to a UDP listener on 127.0.0.1, and stay as they are. Run from anywhere:

    python3 tests/fuzz/make_seeds_dns_codec.py
"""
import os
import struct

QR, AA, TC, RD, RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080
A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, OPT = 1, 2, 5, 6, 12, 15, 16, 28, 33, 41


class Msg:
    """A message with RFC 1035 §4.1.4 compression of owner and rdata names."""

    def __init__(self, id_, flags):
        self.id, self.flags = id_, flags
        self.body = bytearray()
        self.counts = [0, 0, 0, 0]
        self.names = {}  # lower-case suffix -> offset

    def name(self, text, compress=True):
        labels = [l for l in text.split(".") if l]
        out = bytearray()
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            if compress and suffix in self.names:
                out += struct.pack(">H", 0xC000 | self.names[suffix])
                return bytes(out)
            offset = 12 + len(self.body) + len(out)
            if offset < 0x3FFF:
                self.names.setdefault(suffix, offset)
            out += bytes([len(labels[i])]) + labels[i].encode()
        return bytes(out + b"\0")

    def question(self, qname, qtype, qclass=1):
        self.body += self.name(qname) + struct.pack(">HH", qtype, qclass)
        self.counts[0] += 1
        return self

    def rr(self, section, owner, rtype, ttl, rdata_parts, klass=1):
        """rdata_parts: bytes, or ("name", text) for a compressible name."""
        self.body += self.name(owner) + struct.pack(">HHI", rtype, klass, ttl)
        len_at = len(self.body)
        self.body += b"\0\0"
        for part in rdata_parts:
            self.body += self.name(part[1]) if isinstance(part, tuple) else part
        struct.pack_into(">H", self.body, len_at, len(self.body) - len_at - 2)
        self.counts[section] += 1
        return self

    def opt(self, udp=1232, version=0, do=False, options=b"", ext_rcode=0):
        ttl = (ext_rcode << 24) | (version << 16) | (0x8000 if do else 0)
        self.body += b"\0" + struct.pack(">HHIH", OPT, udp, ttl, len(options)) + options
        self.counts[3] += 1
        return self

    def wire(self):
        return struct.pack(">HHHHHH", self.id, self.flags, *self.counts) + bytes(self.body)


def soa(mname, rname, serial):
    return [("n", mname), ("n", rname), struct.pack(">IIIII", serial, 3600, 900, 604800, 60)]


def seeds():
    s = {}
    s["query-a"] = Msg(0x1001, RD).question("host.lan", A).wire()
    s["query-0x20-edns"] = Msg(0x1002, RD).question("HoSt.LaN", AAAA).opt(4096).wire()
    s["query-cookie-do"] = (Msg(0x1003, RD).question("lan", SOA)
                            .opt(1232, do=True, options=b"\x00\x0a\x00\x08" + bytes(range(8)))
                            .wire())
    s["reply-a-edns"] = (Msg(0x2001, QR | AA | RD | RA).question("host.lan", A)
                         .rr(1, "host.lan", A, 300, [bytes([198, 18, 0, 10])]).opt().wire())
    s["reply-aaaa"] = (Msg(0x2002, QR | RD | RA).question("Host.Lan", AAAA)
                       .rr(1, "host.lan", AAAA, 60, [bytes.fromhex("20010db8000000000000000000000010")])
                       .wire())
    s["reply-nxdomain-soa"] = (Msg(0x2003, QR | AA | RD | RA | 3).question("nope.lan", A)
                               .rr(2, "lan", SOA, 60, soa("ns.lan", "hostmaster.lan", 2026112701))
                               .opt(1232, do=True).wire())
    s["reply-cname-chain"] = (Msg(0x2004, QR | RD | RA).question("www.example.com", A)
                              .rr(1, "www.example.com", CNAME, 300, [("n", "cdn.example.net")])
                              .rr(1, "cdn.example.net", CNAME, 60, [("n", "edge.cdn.example.net")])
                              .rr(1, "edge.cdn.example.net", A, 20, [bytes([198, 19, 1, 1])])
                              .rr(1, "edge.cdn.example.net", A, 20, [bytes([198, 19, 1, 2])])
                              .opt().wire())
    s["reply-mx-additional"] = (Msg(0x2005, QR | RD | RA).question("example.com", MX)
                                .rr(1, "example.com", MX, 3600, [struct.pack(">H", 10), ("n", "mx1.example.com")])
                                .rr(1, "example.com", MX, 3600, [struct.pack(">H", 20), ("n", "MX2.Example.com")])
                                .rr(3, "mx1.example.com", A, 3600, [bytes([198, 18, 5, 1])])
                                .rr(3, "mx2.example.com", A, 3600, [bytes([198, 18, 5, 2])])
                                .wire())
    s["reply-srv"] = (Msg(0x2006, QR | AA | RD | RA).question("_sip._tcp.lan", SRV)
                      .rr(1, "_sip._tcp.lan", SRV, 60, [struct.pack(">HHH", 10, 5, 5060), ("n", "pbx.lan")])
                      .rr(3, "pbx.lan", A, 60, [bytes([198, 18, 0, 20])]).opt().wire())
    s["reply-txt-ns"] = (Msg(0x2007, QR | RD | RA).question("example.org", TXT)
                         .rr(1, "example.org", TXT, 300, [b"\x0bv=spf1 -all\x05hello"])
                         .rr(2, "example.org", NS, 86400, [("n", "a.iana-servers.net")])
                         .rr(2, "example.org", NS, 86400, [("n", "b.iana-servers.net")])
                         .opt(1232).wire())
    s["reply-ptr"] = (Msg(0x2008, QR | AA | RD | RA).question("10.0.18.198.in-addr.arpa", PTR)
                      .rr(1, "10.0.18.198.in-addr.arpa", PTR, 300, [("n", "host.lan")]).wire())
    s["reply-badvers"] = Msg(0x2009, QR).question("lan", SOA).opt(1232, ext_rcode=1).wire()
    s["reply-truncated-tc"] = Msg(0x200A, QR | TC | RD | RA).question("big.lan", TXT).wire()
    # Hostile inputs (ROBUSTNESS E1-E3).
    s["e1-zeros-17"] = bytes(17)
    s["e1-ff-17"] = b"\xff" * 17
    s["e2-pointer-loop"] = struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01"
    s["e2-forward-pointer"] = struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 0) + b"\xc0\x12\x00\x01\x00\x01\x01a\x00"
    s["e2-label-64"] = struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 0) + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01"
    past_end = Msg(3, QR).question("a.lan", A)
    past_end.counts[1] = 1  # an A record claiming 9 octets of rdata, 4 present
    s["e2-rdlength-past-end"] = past_end.wire() + bytes([0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 1, 2, 3, 4])
    s["e3-two-opt"] = Msg(4, RD).question("a.lan", A).opt().opt().wire()
    s["e3-update"] = Msg(5, 5 << 11).question("lan", SOA).wire()
    return s


CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def main():
    targets = {
        "dns_decode": lambda name: True,
        "dns_roundtrip": lambda name: name.startswith(("query-", "reply-")),
    }
    for target, wanted in targets.items():
        out = os.path.join(CORPUS, target)
        os.makedirs(out, exist_ok=True)
        written = 0
        for name, data in seeds().items():
            if wanted(name):
                with open(os.path.join(out, name), "wb") as f:
                    f.write(data)
                written += 1
        print(f"wrote {written} seeds to {out}")


if __name__ == "__main__":
    main()

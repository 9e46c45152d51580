#!/usr/bin/env python3
"""Seeds for tests/fuzz/corpus/dns_query_path: one selector byte + one DNS query.
Selector: bit0 TCP, bit1 non-local client, bit2 --bogus-priv, bit3 --domain-needed,
bits4-5 upstream (0 one A record, 1 ninety records, 2 failure, 3 NXDOMAIN)."""
import os, struct, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "dns_query_path")

def name(text):
    out = b""
    for label in text.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"

def query(qname, qtype, qclass=1, qid=0x2a17, flags=0x0100, edns=None, version=0, qdcount=1,
          raw_question=None):
    question = raw_question if raw_question is not None else name(qname) + struct.pack("!HH", qtype, qclass)
    ar = 1 if edns is not None else 0
    msg = struct.pack("!HHHHHH", qid, flags, qdcount, 0, 0, ar) + question
    if edns is not None:
        msg += b"\0" + struct.pack("!HHIH", 41, edns, version << 16, 0)
    return msg

A, NS, PTR, MX, TXT, AAAA, ANY, AXFR = 1, 2, 12, 15, 16, 28, 255, 252
seeds = {
    "a-forward": (0x00, query("www.Example.com", A)),
    "aaaa-lease-name": (0x00, query("laptop.lan", AAAA)),
    "a-lease-name-edns": (0x00, query("LAPTOP.lan", A, edns=1232)),
    "ptr-lease": (0x00, query("50.0.18.198.in-addr.arpa", PTR)),
    "mx-edns4096-big-upstream": (0x10, query("example.com", MX, edns=4096)),
    "a-edns4096-big-upstream": (0x10, query("example.com", A, edns=4096)),
    "a-plain-big-upstream": (0x10, query("example.com", A)),
    "any-tcp": (0x01, query("example.com", ANY)),
    "axfr-udp": (0x00, query("lan", AXFR)),
    "axfr-tcp": (0x01, query("lan", AXFR)),
    "ptr-private-bogus-priv": (0x04, query("5.0.168.192.in-addr.arpa", PTR)),
    "bare-name-domain-needed": (0x08, query("fileserver", A)),
    "tld-ns-domain-needed": (0x08, query("com", NS)),
    "badvers": (0x00, query("example.com", A, edns=4096, version=1)),
    "notimp-update": (0x00, query("lan", 6, flags=5 << 11)),
    "formerr-two-questions": (0x00, query("example.com", A, qdcount=2)),
    "formerr-pointer-loop": (0x00, query("", 0, raw_question=b"\xc0\x0c" + struct.pack("!HH", 1, 1))),
    "non-local-client": (0x02, query("example.com", A)),
    "chaos-version-bind": (0x00, query("version.bind", TXT, qclass=3)),
    "upstream-failure": (0x20, query("example.org", A)),
    "upstream-nxdomain": (0x30, query("nothing.example.org", A, edns=512)),
    "local-only-domain": (0x00, query("host.corp.example", A)),
    "localhost-mx": (0x00, query("printer.localhost", MX)),
    "too-short": (0x00, b"\x2a\x17\x01\x00\x00"),
    "response": (0x00, query("example.com", A, flags=0x8180)),
}
os.makedirs(OUT, exist_ok=True)
for seed, (selector, msg) in seeds.items():
    with open(os.path.join(OUT, seed), "wb") as f:
        f.write(bytes([selector]) + msg)
print(len(seeds), "seeds")

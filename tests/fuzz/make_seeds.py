#!/usr/bin/env python3
"""Writes the seed corpora of the DHCP, host name, option 81 and journal fuzz targets.

The packets follow the shapes real clients send (option order, parameter request lists,
client ids and vendor classes of ISC dhclient 4.4, BusyBox udhcpc 1.36 and dhcpcd 9.4),
with documentation addresses (198.18.0.0/15) and locally administered MACs. Run from
anywhere; it rewrites tests/fuzz/corpus/<target>/ (the placeholder seed0 files stay).

    python3 tests/fuzz/make_seeds.py
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

COOKIE = bytes([99, 130, 83, 99])
MAC = bytes([0x02, 0x42, 0xC6, 0x12, 0x00, 0x21])
SERVER = bytes([198, 18, 0, 1])


def ip(a, b, c, d):
    return bytes([a, b, c, d])


def opt(code, value):
    value = bytes(value)
    out = b""
    # RFC 3396: split values over 255 octets.
    while True:
        piece, value = value[:255], value[255:]
        out += bytes([code, len(piece)]) + piece
        if not value:
            return out


def header(op=1, xid=0x3903F326, secs=0, flags=0, ciaddr=b"\0" * 4, yiaddr=b"\0" * 4,
           siaddr=b"\0" * 4, giaddr=b"\0" * 4, htype=1, hlen=6, hops=0, chaddr=MAC,
           sname=b"", file=b""):
    return (bytes([op, htype, hlen, hops]) + struct.pack("!IHH", xid, secs, flags) + ciaddr +
            yiaddr + siaddr + giaddr + chaddr.ljust(16, b"\0") + sname.ljust(64, b"\0") +
            file.ljust(128, b"\0"))


def packet(options, pad_to=300, **kw):
    p = header(**kw) + COOKIE + b"".join(options) + b"\xff"
    return p.ljust(pad_to, b"\0")


# --- dhclient 4.4 (Debian): no client id, host name, PRL with 1,28,2,3,15,6,119,12,44,47,26,121,42
DHCLIENT_PRL = bytes([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42])
dhclient_discover = packet([opt(53, [1]), opt(50, ip(198, 18, 0, 50)), opt(12, b"laptop"),
                            opt(55, DHCLIENT_PRL)])
dhclient_request = packet([opt(53, [3]), opt(54, SERVER), opt(50, ip(198, 18, 0, 50)),
                           opt(12, b"laptop"), opt(55, DHCLIENT_PRL)], secs=2)
dhclient_renew = packet([opt(53, [3]), opt(12, b"laptop"), opt(55, DHCLIENT_PRL)],
                        ciaddr=ip(198, 18, 0, 50))
dhclient_release = packet([opt(53, [7]), opt(54, SERVER)], ciaddr=ip(198, 18, 0, 50))
dhclient_fqdn = packet([opt(53, [3]), opt(54, SERVER), opt(50, ip(198, 18, 0, 50)),
                        opt(81, b"\x01\x00\x00laptop.lan"), opt(55, DHCLIENT_PRL)])

# --- BusyBox udhcpc 1.36: client id 01:MAC, max size 576, vendor class, broadcast flag
UDHCPC_PRL = bytes([1, 3, 6, 12, 15, 28, 42])
udhcpc_discover = packet([opt(53, [1]), opt(61, b"\x01" + MAC), opt(57, struct.pack("!H", 576)),
                          opt(60, b"udhcp 1.36.1"), opt(12, b"router-os"), opt(55, UDHCPC_PRL)],
                         pad_to=548, flags=0x8000)
udhcpc_request = packet([opt(53, [3]), opt(61, b"\x01" + MAC), opt(50, ip(198, 18, 0, 60)),
                         opt(54, SERVER), opt(57, struct.pack("!H", 576)),
                         opt(60, b"udhcp 1.36.1"), opt(12, b"router-os"), opt(55, UDHCPC_PRL)],
                        pad_to=548, flags=0x8000)
udhcpc_decline = packet([opt(53, [4]), opt(61, b"\x01" + MAC), opt(50, ip(198, 18, 0, 60)),
                         opt(54, SERVER)], pad_to=548)

# --- dhcpcd 9.4: RFC 4361 client id (ff, IAID, DUID-LLT), max size 1472, rapid commit, FQDN (E)
DUID = b"\xff" + bytes([0x6f, 0x12, 0x00, 0x21]) + b"\x00\x01\x00\x01\x2c\x3e\x10\x77" + MAC
DHCPCD_PRL = bytes([1, 121, 33, 3, 6, 28, 51, 58, 59, 119])
dhcpcd_discover = packet([opt(53, [1]), opt(61, DUID), opt(57, struct.pack("!H", 1472)),
                          opt(80, b""), opt(60, b"dhcpcd-9.4.1:Linux-6.1.0:x86_64:GenuineIntel"),
                          opt(12, b"workstation"),
                          opt(81, b"\x05\x00\x00\x0bworkstation\x03lan\x00"),
                          opt(55, DHCPCD_PRL)], pad_to=300)
dhcpcd_inform = packet([opt(53, [8]), opt(61, DUID), opt(57, struct.pack("!H", 1472)),
                        opt(55, DHCPCD_PRL)], ciaddr=ip(198, 18, 0, 77))
dhcpcd_init_reboot = packet([opt(53, [3]), opt(61, DUID), opt(50, ip(198, 18, 0, 70)),
                             opt(57, struct.pack("!H", 1472)), opt(12, b"workstation"),
                             opt(55, DHCPCD_PRL)])

# --- a relayed DISCOVER with option 82 (circuit id, remote id) and giaddr
relayed = packet([opt(53, [1]), opt(12, b"remote-pc"), opt(55, DHCLIENT_PRL),
                  opt(82, b"\x01\x06eth1/3\x02\x06" + MAC)], giaddr=ip(198, 19, 1, 1), hops=1)

# --- overload 52=3: options continue in file, then sname (RFC 2131 §4.1, RFC 3396 §5)
overloaded = packet([opt(53, [1]), opt(52, [3]), opt(12, b"split-")],
                    file=opt(12, b"name") + opt(60, b"pxe") + b"\xff",
                    sname=opt(15, b"lan") + b"\xff")
# --- a host name split into two instances (RFC 3396), and a 300-octet option 82
long_options = packet([opt(53, [3]), opt(12, b"a" * 255 + b"b" * 20), opt(82, bytes(range(256)) + b"x" * 44),
                       opt(81, b"\x05\x00\x00" + b"\x3f" + b"c" * 63 + b"\x03lan\x00")], pad_to=0)
# --- a server OFFER (BOOTREPLY) as we send it
offer = packet([opt(53, [2]), opt(54, SERVER), opt(51, struct.pack("!I", 3600)),
                opt(58, struct.pack("!I", 1800)), opt(59, struct.pack("!I", 3150)),
                opt(1, ip(255, 255, 255, 0)), opt(3, SERVER), opt(6, SERVER), opt(15, b"lan"),
                opt(119, b"\x03lan\x00\x07example\x03com\x00"),
                opt(121, b"\x18\xc6\x33\x64" + SERVER + b"\x00" + SERVER)],
               op=2, yiaddr=ip(198, 18, 0, 50), siaddr=SERVER)
# --- edge shapes: no END, wrong fixed lengths, hlen 16 / htype 0, PAD only, minimal
no_end = header() + COOKIE + opt(53, [1]) + opt(12, b"noend")
wrong_lengths = packet([opt(53, [3]), opt(50, bytes([198, 18, 0])), opt(54, SERVER + b"\x09"),
                        opt(51, b"\x0e\x10")])
infiniband = packet([opt(53, [1]), opt(61, b"\xff" + bytes(20))], htype=32, hlen=0, chaddr=b"")
pad_only = (header() + COOKIE).ljust(576, b"\0")
minimal = header() + COOKIE

DHCP_SEEDS = {
    "dhclient-discover": dhclient_discover,
    "dhclient-request": dhclient_request,
    "dhclient-renew": dhclient_renew,
    "dhclient-release": dhclient_release,
    "dhclient-fqdn-ascii": dhclient_fqdn,
    "udhcpc-discover": udhcpc_discover,
    "udhcpc-request": udhcpc_request,
    "udhcpc-decline": udhcpc_decline,
    "dhcpcd-discover-rapid-commit": dhcpcd_discover,
    "dhcpcd-inform": dhcpcd_inform,
    "dhcpcd-init-reboot": dhcpcd_init_reboot,
    "relayed-option82": relayed,
    "overload-3": overloaded,
    "long-options-rfc3396": long_options,
    "server-offer": offer,
    "no-end": no_end,
    "wrong-fixed-lengths": wrong_lengths,
    "htype32-hlen0": infiniband,
    "pad-only-576": pad_only,
    "minimal-240": minimal,
}

# --- host names: first octet picks the domain ("", lan, home.arpa, Example.COM., long)
HOSTNAME_SEEDS = {
    "plain": b"\x01laptop",
    "our-domain": b"\x01Laptop.LAN.",
    "home-arpa": b"\x02nas.home.arpa",
    "foreign": b"\x01evil.example.com",
    "sub-of-ours": b"\x01a.b.lan",
    "space": b"\x01my laptop",
    "utf8": b"\x01caf\xc3\xa9",
    "nul": b"\x01host\x00evil",
    "dashes": b"\x01-host-",
    "reserved": b"\x01WPAD",
    "label-63": b"\x01" + b"a" * 63,
    "label-64": b"\x01" + b"a" * 64,
    "long-domain": b"\x04" + b"h" * 40 + b".a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s",
    "windows": b"\x00DESKTOP-4F2K9QJ",
    "trailing-nul": b"\x01windows-pc\x00",
}

# --- option 81 values (flags, RCODE1, RCODE2, name)
FQDN_SEEDS = {
    "ascii-s": b"\x01\x00\x00laptop.lan",
    "ascii-n": b"\x08\x00\x00laptop",
    "wire-es": b"\x05\x00\x00\x06laptop\x03lan\x00",
    "wire-partial": b"\x04\x00\x00\x06laptop",
    "wire-root-only": b"\x04\x00\x00\x00",
    "wire-pointer": b"\x04\x00\x00\x06laptop\xc0\x03",
    "wire-label-64": b"\x04\x00\x00\x40" + b"a" * 64 + b"\x00",
    "wire-dot-in-label": b"\x04\x00\x00\x03a.b\x00",
    "s-and-n": b"\x09\x00\x00host",
    "client-o-mbz": b"\xf3\xff\xffhost",
    "windows-e": b"\x05\x00\x00\x0fDESKTOP-4F2K9QJ\x00",
    "empty": b"\x00\x00\x00",
}


# --- lease journals (src/leases/journal.cpp layout)
def record(kind, state, addr, client, mac, name, expires, granted):
    payload = (bytes([1, kind, state]) + addr + bytes([len(client)]) + client + bytes([len(mac)]) +
               mac + bytes([len(name)]) + name + struct.pack("!qq", expires, granted))
    return struct.pack("!II", len(payload), zlib.crc32(payload)) + payload


MAGIC = b"LDNSJ1\n\0"
NOW = 1_700_000_000
r1 = record(1, 2, ip(198, 18, 0, 5), b"\xff\x01" + MAC, MAC, b"laptop", NOW + 3600, NOW)
r2 = record(1, 2, ip(198, 18, 0, 6), b"\x01\x02\x00\x00\x00\x00\x07", bytes(6), b"printer",
            NOW + 86400, NOW - 60)
r3 = record(1, 3, ip(198, 18, 0, 7), b"", bytes(6), b"", NOW + 86400, NOW)
r4 = record(2, 2, ip(198, 18, 0, 5), b"\xff\x01" + MAC, MAC, b"laptop", NOW + 3600, NOW)
r5 = record(1, 2, ip(198, 18, 0, 8), DUID[:32], MAC, b"a\x00b\n\xff", 0, NOW)
journal = MAGIC + r1 + r2 + r3 + r4 + r5
JOURNAL_SEEDS = {
    "journal-five-records": journal,
    "journal-torn-tail": journal[:-7],
    "journal-garbage-tail": journal + b"\x00\x00\x01\x00garbage-after-the-records",
    "journal-zero-tail": journal + bytes(64),
    "journal-flipped-middle": journal[:60] + bytes([journal[60] ^ 0x40]) + journal[61:],
    "journal-magic-only": MAGIC,
    "journal-torn-magic": MAGIC[:5],
    "not-a-journal": b"1700003600 02:42:c6:12:00:21 198.18.0.5 laptop *\n",
    # Read as operation scripts by the second half of the target.
    "script-dora-churn": bytes([1, 5, 3, 6, 1, 5, 3, 4, 1, 6, 4, 1, 0x81, 7, 5, 0, 4, 50, 3, 3, 6, 4, 4,
                                200, 7, 5, 6, 1, 9, 9, 3, 1, 65, 66, 67, 4, 255, 1]),
    "script-names": bytes([1, 1, 1, 10, 3, 72, 111, 115, 116, 1, 2, 2, 10, 3, 104, 111, 83, 116, 2, 1,
                           1, 1, 1, 2, 2, 10, 3, 104, 111, 115, 116, 3, 2, 0, 20, 5, 2, 0, 0]),
}


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def captures():
    """The real client packets of tests/captures/ (ROBUSTNESS K: seed from captures)."""
    d = os.path.join(HERE, "..", "captures")
    out = {}
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            if name.endswith(".bin"):
                with open(os.path.join(d, name), "rb") as f:
                    out["capture-" + name[:-4]] = f.read()
    return out


if __name__ == "__main__":
    write("dhcp_decode", {**DHCP_SEEDS, **captures()})
    write("dhcp_roundtrip", {**DHCP_SEEDS, **captures()})
    write("hostname_sanitize", HOSTNAME_SEEDS)
    write("fqdn_option", FQDN_SEEDS)
    write("journal_replay", JOURNAL_SEEDS)

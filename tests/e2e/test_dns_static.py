#!/usr/bin/python3
"""The DNS zone's static data, asked with dig from a host on the LAN, no DHCP client.

* a reservation with address and name (--dhcp-host=MAC,IP,NAME) answers A and PTR from
  start-up, though that MAC never asked for a lease;
* --host-record, --cname, --mx-host, --srv-host, --txt-record, --address (the domain and
  every name under it), --addn-hosts;
* NXDOMAIN and NODATA carry the SOA in authority with AA set (RFC 2308 sections 2.1, 2.2);
  a reverse lookup of an unleased address of the served subnet is NXDOMAIN from us;
* answers on 127.0.0.1 too, over TCP (RFC 7766), EDNS echoed only when asked
  (RFC 6891 section 7), and TC over UDP when the answer does not fit: 512 octets without
  EDNS, min(client size, 1232) with it (ROBUSTNESS E4); the same question over TCP
  gets the whole answer.
"""

import re

import dnscheck as D
import lan as L
from lan import check

PRINTER = "198.18.0.20"
NAS = "198.18.0.30"
FROM_FILE = "198.18.0.40"
UNLEASED = "198.18.0.120"  # inside the dynamic range, never leased
MEDIUM_TEXT = ("0123456789abcdef" * 50)[:800]   # > 512 octets, < 1232
BIG_TEXT = ("fedcba9876543210" * 150)[:2400]   # > 1232 octets


def txt_of(reply):
    """The character-strings of the first TXT answer, joined."""
    txt = [r.data for r in reply.answer if r.rtype == "TXT"]
    return "".join(re.findall(r'"([^"]*)"', txt[0])) if txt else None


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    cli = lan.add_node("cli", ip="198.18.0.9")
    hosts_file = lan.path("addn-hosts")
    with open(hosts_file, "w") as f:
        f.write("# an extra hosts file\n%s fromfile.lan fromfile-alias.lan\n" % FROM_FILE)
    D.start_server(ctx, srv, D.dns_config(
        hosts=["%s,%s,printer" % (L.mac_for(9, base=0x70), PRINTER)],
        extra=["--host-record=nas.lan,nas-alias.lan,%s" % NAS,
               "--cname=www.lan,nas.lan",
               "--mx-host=lan,nas.lan,10",
               "--srv-host=_ldap._tcp.lan,nas.lan,389,0,100",
               "--txt-record=info.lan,hello world,second string",
               "--txt-record=medium.lan," + MEDIUM_TEXT,
               "--txt-record=big.lan," + BIG_TEXT,
               "--address=/ads.example/0.0.0.0",
               "--addn-hosts=" + hosts_file]))

    # A reservation's name answers before its device ever shows up.
    D.check_resolves(cli, "printer.lan", [PRINTER],
                     what="printer.lan (a reservation, no lease) answers %s" % PRINTER)
    D.check_resolves(cli, PRINTER, ["printer.lan."], reverse=True,
                     what="%s (a reservation, no lease) answers PTR printer.lan" % PRINTER)

    # Records from the command line.
    D.check_resolves(cli, "nas.lan", [NAS])
    D.check_resolves(cli, "nas-alias.lan", [NAS])
    D.check_resolves(srv, "nas.lan", [NAS], server="127.0.0.1",
                     what="the server answers on 127.0.0.1 too")
    D.check_resolves(cli, NAS, ["nas.lan."], reverse=True,
                     what="--host-record gives %s the PTR of its first name" % NAS)
    r = D.dig(cli, "www.lan", "A")
    check(r.status == "NOERROR" and r.values("CNAME") == ["nas.lan."] and
          r.values("A") == [NAS], "www.lan answers CNAME nas.lan and its A %s" % NAS,
          r.summary())
    r = D.dig(cli, "lan", "MX")
    check(r.status == "NOERROR" and r.values("MX") == ["10 nas.lan."],
          "lan MX answers 10 nas.lan (--mx-host)", r.summary())
    r = D.dig(cli, "_ldap._tcp.lan", "SRV")
    check(r.status == "NOERROR" and r.values("SRV") == ["0 100 389 nas.lan."],
          "_ldap._tcp.lan SRV answers 0 100 389 nas.lan (--srv-host)", r.summary())
    r = D.dig(cli, "info.lan", "TXT")
    check(r.status == "NOERROR" and r.values("TXT") == ['"hello world" "second string"'],
          'info.lan TXT answers "hello world" "second string" (--txt-record)', r.summary())
    for name in ("ads.example", "tracker.ads.example", "a.b.ads.example"):
        D.check_resolves(cli, name, ["0.0.0.0"],
                         what="%s answers 0.0.0.0 (--address=/ads.example/0.0.0.0)" % name)
    D.check_resolves(cli, "fromfile.lan", [FROM_FILE])
    D.check_resolves(cli, "fromfile-alias.lan", [FROM_FILE])
    D.check_resolves(cli, FROM_FILE, ["fromfile.lan."], reverse=True,
                     what="--addn-hosts gives %s the PTR of its first name" % FROM_FILE)

    # Negative answers: authoritative, with the SOA for negative caching.
    r = D.check_nxdomain(cli, "nosuch.lan")
    check([s.name for s in r.soa()] == ["lan."], "the NXDOMAIN's SOA is the zone lan.",
          r.summary())
    r = D.dig(cli, "nas.lan", "AAAA")
    check(r.status == "NOERROR" and not r.answer and r.aa and
          [s.name for s in r.soa()] == ["lan."],
          "nas.lan AAAA (an A-only name) is NODATA: NOERROR, no answer, AA, SOA lan.",
          r.summary())
    r = D.check_nxdomain(cli, UNLEASED, reverse=True,
                         what="-x %s (unleased, in the served subnet) is NXDOMAIN from us" %
                         UNLEASED)
    soa = r.soa()[0].name if r.soa() else "(none)"
    check(soa.endswith(".in-addr.arpa.") and D.fqdn(D.ptr_name(UNLEASED)).endswith("." + soa),
          "the reverse NXDOMAIN's SOA is a reverse zone above %s" % D.ptr_name(UNLEASED),
          r.summary())

    # Transports and sizes.
    D.check_resolves(cli, "nas.lan", [NAS], tcp=True, what="nas.lan answers over TCP")
    r = D.dig(cli, "nas.lan", bufsize=1400)
    check(r.status == "NOERROR" and r.edns_udp is not None and not r.tc,
          "a query with EDNS (bufsize 1400) gets an OPT record back", r.summary())
    r = D.dig(cli, "nas.lan", edns=False)
    check(r.status == "NOERROR" and r.edns_udp is None and r.values("A") == [NAS],
          "a query without EDNS gets no OPT record back", r.summary())

    r = D.dig(cli, "medium.lan", "TXT", edns=False)
    check(r.status is not None and r.tc and (r.size or 0) <= 512,
          "an 800-octet TXT over UDP without EDNS comes back with TC, in 512 octets",
          r.summary())
    r = D.dig(cli, "medium.lan", "TXT", bufsize=1232)
    check(r.status == "NOERROR" and not r.tc and txt_of(r) == MEDIUM_TEXT,
          "the same over UDP with EDNS bufsize 1232: the whole TXT, no TC", r.summary())
    r = D.dig(cli, "medium.lan", "TXT", edns=False, tcp=True)
    check(r.status == "NOERROR" and not r.tc and txt_of(r) == MEDIUM_TEXT,
          "the same over TCP without EDNS: the whole TXT", r.summary())
    r = D.dig(cli, "big.lan", "TXT", bufsize=4096)
    check(r.status is not None and r.tc and (r.size or 0) <= 1232,
          "a 2400-octet TXT over UDP with EDNS bufsize 4096: TC, at most 1232 octets",
          r.summary())
    r = D.dig(cli, "big.lan", "TXT", tcp=True)
    check(r.status == "NOERROR" and not r.tc and txt_of(r) == BIG_TEXT,
          "the same over TCP: the whole 2400-octet TXT", r.summary())


if __name__ == "__main__":
    L.main("dns-static", body, tools=("dig",))

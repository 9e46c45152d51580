#!/usr/bin/python3
"""Forwarding, caching and the forwarder's policies, against unbound upstreams on the
LAN (each with its own config: local data only, every query logged, so the tests see
what reached the upstream). The "public" answers are in 11.0.0.0/8: no filter calls that
private (dnsmasq's rebind filter also drops the documentation nets); they are data only,
nothing is ever sent to them.

Server flags: --server=UP1 --server=/corp.example/UP2 --server=/silent.example/SILENT
--no-resolv --stop-dns-rebind --bogus-priv --domain-needed.
* a forwarded name answers what UP1 holds (over UDP and TCP); asked again at once, it is served from the
  cache (UP1's log shows one query); with UP1 stopped it still answers, its TTL
  counted down (RFC 1035 section 4.1.3: the TTL left);
* corp.example goes to UP2 only (UP1 would give another address);
* --stop-dns-rebind: UP1's private answer (192.168.7.7) is not passed on (F8);
* --bogus-priv / --domain-needed: a private reverse name and a bare name never reach
  UP1 (F9; checked in UP1's log behind a later "barrier" query that did reach it);
* an upstream that is up but silent, and UP1 once stopped: SERVFAIL within ~3 s;
* a client in a routed subnet that is not local (198.19.7.0/24 behind a router) gets
  no answer, or REFUSED (G1: not an open resolver), though it reaches UP1 fine.
"""

import signal
import time

import dnscheck as D
import lan as L
from lan import check

OBSERVER_IP = "198.18.0.9"
ROUTER_IP = "198.18.0.254"
FAR_SUBNET = "198.19.7.0/24"
SERVFAIL_WITHIN = 3.5  # "within ~3 s"


def barrier(observer, up, name):
    """A query that reaches `up`; once its log shows it, earlier queries are logged too."""
    r = D.dig(observer, name)
    L.wait_until(lambda: up.asked(name) >= 1, 5, "%s in the upstream's query log" % name)
    return r


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    up1_node = lan.add_node("up1", ip=D.UPSTREAM_IP)
    up2_node = lan.add_node("up2", ip=D.UPSTREAM2_IP)
    silent_node = lan.add_node("silent", ip=D.SILENT_IP)
    _router, far, _rfar, far_ip = D.routed_node(lan, "router", "far", ROUTER_IP, FAR_SUBNET)
    for n in (srv, up1_node):
        D.add_route(n, FAR_SUBNET, ROUTER_IP)

    up1 = D.Unbound(up1_node, D.UPSTREAM_IP, [
        "www.example A 11.22.33.10", "cached.example A 11.22.33.11",
        "after-stop.example A 11.22.33.13", "barrier1.example A 11.22.33.21",
        "barrier2.example A 11.22.33.22", "host.corp.example A 11.22.33.1",
        "rebind.example A 192.168.7.7", "plainname A 11.22.33.99",
        "10.1.168.192.in-addr.arpa PTR private.example."], name="unbound-up1").start()
    up2 = D.Unbound(up2_node, D.UPSTREAM2_IP, ["host.corp.example A 11.22.33.77"],
                    name="unbound-up2").start()
    silent = D.SilentUpstream(silent_node, D.SILENT_IP)
    server = D.start_server(ctx, srv, D.dns_config(upstream=True, extra=[
        "--server=" + D.UPSTREAM_IP, "--server=/corp.example/" + D.UPSTREAM2_IP,
        "--server=/silent.example/" + D.SILENT_IP, "--no-resolv", "--stop-dns-rebind",
        "--bogus-priv", "--domain-needed", "--log-queries"]))

    r = D.dig(observer, "www.example")
    check(r.status == "NOERROR" and r.values("A") == ["11.22.33.10"],
          "www.example is forwarded to the upstream and answers 11.22.33.10", r.summary())

    r = D.dig(observer, "www.example", tcp=True)
    check(r.status == "NOERROR" and r.values("A") == ["11.22.33.10"],
          "www.example asked over TCP answers 11.22.33.10 too", r.summary())

    # The cache: one upstream query for two client queries.
    first = D.dig(observer, "cached.example")
    check(first.status == "NOERROR" and first.values("A") == ["11.22.33.11"],
          "cached.example answers 11.22.33.11", first.summary())
    first_at = time.monotonic()
    L.wait_until(lambda: up1.asked("cached.example") >= 1, 5, "cached.example in UP1's log")
    again = D.dig(observer, "cached.example")
    check(again.status == "NOERROR" and again.values("A") == ["11.22.33.11"],
          "cached.example asked again answers the same", again.summary())
    barrier(observer, up1, "barrier1.example")
    check(up1.asked("cached.example") == 1,
          "the second query was served from the cache: UP1 was asked once",
          "UP1 logged %d queries" % up1.asked("cached.example"))

    # Routing by domain.
    r = D.dig(observer, "host.corp.example")
    check(r.status == "NOERROR" and r.values("A") == ["11.22.33.77"],
          "host.corp.example answers UP2's 11.22.33.77 (--server=/corp.example/)",
          r.summary())
    L.wait_until(lambda: up2.asked("host.corp.example") >= 1, 5,
                 "host.corp.example in UP2's log")
    check(True, "UP2 was asked for host.corp.example")

    # Rebinding protection.
    r = D.dig(observer, "rebind.example")
    L.wait_until(lambda: up1.asked("rebind.example") >= 1, 5, "rebind.example in UP1's log")
    check(r.answered and "192.168.7.7" not in r.values("A"),
          "rebind.example: UP1's private 192.168.7.7 is not passed on (--stop-dns-rebind)",
          r.summary())
    D.info("rebind.example answered %s" % r.summary())

    # Names that must never leave.
    r_priv = D.dig(observer, "192.168.1.10", reverse=True)
    r_bare = D.dig(observer, "plainname")
    barrier(observer, up1, "barrier2.example")
    check(r_priv.answered and not r_priv.values("PTR") and
          up1.asked("10.1.168.192.in-addr.arpa") == 0,
          "-x 192.168.1.10 is answered without asking UP1 (--bogus-priv)", r_priv.summary())
    check(r_bare.answered and not r_bare.values("A") and up1.asked("plainname") == 0,
          "the bare name 'plainname' is answered without asking UP1 (--domain-needed)",
          r_bare.summary())
    check(up1.asked("host.corp.example") == 0, "UP1 was never asked for host.corp.example",
          "UP1 logged %d" % up1.asked("host.corp.example"))

    # An upstream that does not answer: SERVFAIL, fast.
    r = D.dig(observer, "x.silent.example", timeout=6)
    D.info("x.silent.example: %s" % r.summary())
    check(r.status == "SERVFAIL" and r.elapsed <= SERVFAIL_WITHIN,
          "x.silent.example (its upstream never answers) is SERVFAIL within %.1fs" %
          SERVFAIL_WITHIN, r.summary())
    check(silent.received >= 1, "the query did reach the silent upstream",
          "it received %d" % silent.received)

    # Not an open resolver.
    r = D.dig(far, "www.example", server=D.UPSTREAM_IP)
    check(r.status == "NOERROR", "the routed client %s reaches UP1 (the route works)" %
          far_ip, r.summary())
    r = D.dig(far, "www.example", timeout=2)
    D.info("the routed client asking the server: %s" % r.summary())
    check(r.status in (None, "REFUSED") and not r.answer,
          "the routed client %s (not a local subnet) gets no answer from the server" %
          far_ip, r.summary())

    # With UP1 stopped: cached names still answer, TTL counted down; others SERVFAIL.
    time.sleep(max(0.0, first_at + 2.5 - time.monotonic()))
    up1.stop()
    t1 = first.answer[0].ttl
    r = D.dig(observer, "cached.example")
    check(r.status == "NOERROR" and r.values("A") == ["11.22.33.11"],
          "with UP1 stopped, cached.example still answers from the cache", r.summary())
    check(r.answer and r.answer[0].ttl <= t1 - 2,
          "its TTL counted down (first %d, now at least 2 less)" % t1, r.summary())
    r = D.dig(observer, "after-stop.example", timeout=6)
    D.info("after-stop.example: %s" % r.summary())
    check(r.status == "SERVFAIL" and r.elapsed <= SERVFAIL_WITHIN,
          "with UP1 stopped, after-stop.example is SERVFAIL within %.1fs" % SERVFAIL_WITHIN,
          r.summary())


    # Upstreams from a resolv.conf-style file (--resolv-file), as from /etc/resolv.conf
    # by default: only its nameserver lines count.
    resolv = lan.path("upstreams.conf")
    with open(resolv, "w") as f:
        f.write("# written by the test\nsearch example\nnameserver %s\n" % D.UPSTREAM2_IP)
    server.stop(signal.SIGTERM)
    server.config = D.dns_config(upstream=True, extra=["--resolv-file=" + resolv])
    server.start()
    D.wait_dns_ready(server)
    r = D.dig(observer, "host.corp.example")
    check(r.status == "NOERROR" and r.values("A") == ["11.22.33.77"],
          "with --resolv-file naming UP2 and no --server, host.corp.example is forwarded to "
          "UP2 (11.22.33.77)", r.summary())


if __name__ == "__main__":
    L.main("dns-forward", body, tools=("dig", "unbound"))

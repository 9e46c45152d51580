#!/usr/bin/python3
"""The forwarder against forged, flooding, slow and looping upstreams (ROBUSTNESS F1-F4,
F6, F7). The upstream is a Python responder in an upstream namespace (dnsrobust.Upstream):
it sees every query the server forwards (source port, id, question) and answers as each
check tells it, with chosen ids, from chosen addresses and ports.

Server: --server=UP (everything) --server=/slow.test/SLOW --server=/silent.test/SILENT
--server=/loop.test/<its own address> --server=/mutual.test/<server B>, and a second
instance B forwarding mutual.test back to the first.
* F1: 2,000 distinct forwarded queries leave from >= 400 source ports (RFC 5452 section
  9.2), with ids that look random: few repeats, not sequential, both bytes spread.
* F2: a reply with the right id from another address (a second address of the upstream
  namespace), from another port, or with a different question is ignored: the client gets
  the genuine reply sent 100 ms after it.
* F3: 20 identical client queries in flight (the upstream answers after 300 ms): the
  upstream sees one query, each client gets the answer with its own id.
* F4: 500 wrong-id replies then the genuine one: the genuine one is taken, at the first try.
* F6: a silent upstream: SERVFAIL within 3 s. With ~1,000 queries for slow.test pending
  (its upstream answers after 1 s), local answers and another domain's forwarded answers
  keep their p99 (< 50 ms, < 100 ms); the server's RSS grows < 32 MB.
* F7: the server's own address as upstream, and two instances forwarding to each other:
  the query is answered (SERVFAIL or REFUSED) within 3 s and neither process spins (CPU
  time over the next 3 s < 0.3 s).
"""

import os
import random
import socket
import struct
import threading
import time

import dnscheck as D
import dnsrobust as R
import lan as L
from lan import check

CLIENT_IP = "198.18.0.9"
SERVER_B_IP = "198.18.0.2"
UP_IP = D.UPSTREAM_IP          # 198.18.0.53
ALT_IP = "198.18.0.56"         # a second address of the upstream namespace
SILENT_IP = D.SILENT_IP        # 198.18.0.55
SLOW_IP = "198.18.0.57"
NAS = "198.18.0.30"
GOOD = R.Upstream.ANSWER_IP
FORGED = "11.66.66.66"
F4_FLOOD = 500
SERVFAIL_WITHIN = 3.0
# io/upstream caps its live c-ares channels (~80 KB each), so ~1,000 pending queries
# cost a few MB, not one channel per four queries.
RSS_GROWTH_KB = 10 * 1024


def upstream_policy(f4_seen):
    """What UP answers, by the first label of the question."""
    def policy(up, query, src):
        m = R.parse(query)
        first = m.qname.split(".")[0]

        def genuine():
            up.send(R.build_reply(query, [GOOD]), src)

        if first.startswith("f2-addr"):
            up.send(R.build_reply(query, [FORGED]), src, via=(ALT_IP, 53))
            up.later(0.1, genuine)
        elif first.startswith("f2-port"):
            up.send(R.build_reply(query, [FORGED]), src, via=(UP_IP, 5353))
            up.later(0.1, genuine)
        elif first.startswith("f2-question"):
            up.send(R.build_reply(query, [FORGED], qname_override="other.fwd.test"), src)
            up.later(0.1, genuine)
        elif first == "same":
            up.later(0.3, genuine)
        elif first.startswith("f4") and m.qname not in f4_seen:
            f4_seen.add(m.qname)
            for k in range(1, F4_FLOOD + 1):
                up.send(R.build_reply(query, [FORGED], qid=(m.id + k) % 65536), src)
            up.later(0.05, genuine)
        else:
            genuine()
    return policy


def f1_ports_and_ids(cli, up):
    sock = R.udp_socket(cli, rcvbuf=1 << 20)
    tag = random.getrandbits(24)
    ids = random.sample(range(65536), 2000)
    queries = [R.build_query("f1-%d-%x.fwd.test" % (i, tag), "A", qid=qid)
               for i, qid in enumerate(ids)]
    started = time.monotonic()
    replies = R.ask_many(sock, queries, window=100, timeout=4)
    sock.close()
    D.info("F1: 2000 queries answered %d in %.1fs" % (len(replies), time.monotonic() - started))
    good = [m for m in replies.values() if m.values("A") == [GOOD]]
    check(len(good) >= 1990, "2,000 distinct forwarded queries are answered (>= 1,990)",
          "%d answered with the upstream's address" % len(good))
    seen = up.queries(".fwd.test.")
    seen = [q for q in seen if q[3].startswith("f1-") and ("-%x." % tag) in q[3]]
    ports = {q[1][1] for q in seen}
    up_ids = [q[2] for q in seen]
    distinct_ids = len(set(up_ids))
    sequential = sum(1 for a, b in zip(up_ids, up_ids[1:]) if (b - a) % 65536 in (1, 65535))
    highs = {i >> 8 for i in up_ids}
    lows = {i & 0xFF for i in up_ids}
    D.info("F1: the upstream saw %d queries from %d source ports; %d distinct ids, %d "
           "sequential steps, %d high bytes, %d low bytes" % (
               len(seen), len(ports), distinct_ids, sequential, len(highs), len(lows)))
    check(len(seen) >= 2000, "the upstream saw the 2,000 queries", "%d" % len(seen))
    check(len(ports) >= 400, "they left from at least 400 source ports", "%d" % len(ports))
    # 2,000 draws from 65,536 values repeat ~30 times on average (birthday bound); a
    # counter or a weak generator repeats far more, or steps by one.
    check(distinct_ids >= len(seen) - 80, "the upstream query ids rarely repeat (< 80 of %d)" %
          len(seen), "%d distinct" % distinct_ids)
    check(sequential <= 5, "the ids are not sequential", "%d steps of +-1" % sequential)
    check(len(highs) >= 240 and len(lows) >= 240,
          "both bytes of the id take (nearly) all 256 values",
          "%d high, %d low" % (len(highs), len(lows)))
    client_ids = set(replies)
    check(client_ids <= set(ids), "every client got its own id back")


def f2_forgeries(cli):
    sock = R.udp_socket(cli)
    for label, what in (("f2-addr", "the right id from another address (%s)" % ALT_IP),
                        ("f2-port", "the right id from another port (%s#5353)" % UP_IP),
                        ("f2-question", "the right id with another question")):
        name = "%s-%x.fwd.test" % (label, random.getrandbits(24))
        m = R.udp_ask(sock, R.build_query(name, "A"), timeout=3)
        check(m is not None and m.status == "NOERROR" and m.values("A") == [GOOD],
              "a reply with %s is ignored: the client gets the genuine answer" % what,
              m.summary() if m else "no reply")
    sock.close()


def f3_merge(cli, up):
    socks = [R.udp_socket(cli) for _ in range(20)]
    ids = random.sample(range(65536), 20)
    before = len(up.queries("same.fwd.test."))
    q = R.build_query("same.fwd.test", "A", qid=0)
    for s, qid in zip(socks, ids):
        s.sendto(struct.pack("!H", qid) + q[2:], (L.SERVER_IP, 53))
    answers = []
    for s, qid in zip(socks, ids):
        s.settimeout(3)
        try:
            m = R.parse(s.recv(65535))
        except socket.timeout:
            m = None
        answers.append(m is not None and m.id == qid and m.values("A") == [GOOD])
        s.close()
    asked = len(up.queries("same.fwd.test.")) - before
    check(all(answers), "20 identical queries in flight: every client gets the answer with "
          "its own id", "%d of 20 right" % sum(answers))
    check(asked == 1, "the upstream saw one query for the 20", "it saw %d" % asked)


def f4_flood(cli, up):
    sock = R.udp_socket(cli)
    name = "f4-%x.fwd.test" % random.getrandbits(24)
    t0 = time.monotonic()
    m = R.udp_ask(sock, R.build_query(name, "A"), timeout=3)
    elapsed = time.monotonic() - t0
    sock.close()
    asked = len(up.queries(name + "."))
    check(m is not None and m.values("A") == [GOOD],
          "%d wrong-id replies, then the genuine one: the client gets the genuine answer" %
          F4_FLOOD, m.summary() if m else "no reply")
    check(asked == 1 and elapsed < 0.65,
          "the genuine reply was taken at the first try (no retry after the flood)",
          "upstream asked %d times, answer after %.2fs" % (asked, elapsed))


def f6_silent_and_slow(cli, server, slow):
    r = D.dig(cli, "x.silent.test", timeout=6)
    check(r.status == "SERVFAIL" and r.elapsed <= SERVFAIL_WITHIN,
          "a silent upstream: SERVFAIL within %.0fs" % SERVFAIL_WITHIN, r.summary())

    pid = R.daemon_pid(server)
    rss_before = R.rss_kb(pid)
    stop = threading.Event()
    flood = {"sent": 0, "servfail": 0, "answered": 0}
    flood_sock = R.udp_socket(cli, rcvbuf=4 << 20)
    flood_sock.setblocking(False)
    tag = random.getrandbits(24)

    def flooder():
        i = 0
        next_at = time.monotonic()
        end = next_at + 3.2
        while not stop.is_set() and time.monotonic() < end:
            for _ in range(100):  # 1,000 a second: with 1 s answers, ~1,000 pending
                flood_sock.sendto(R.build_query("s%d-%x.slow.test" % (i, tag), "A"),
                                  (L.SERVER_IP, 53))
                i += 1
            flood["sent"] = i
            while True:
                try:
                    m = R.parse(flood_sock.recv(65535))
                except (BlockingIOError, OSError):
                    break
                if m is not None:
                    flood["servfail" if m.status == "SERVFAIL" else "answered"] += 1
            next_at += 0.1
            time.sleep(max(0.0, next_at - time.monotonic()))

    th = threading.Thread(target=flooder, daemon=True)
    th.start()
    time.sleep(1.2)
    sock = R.udp_socket(cli)
    local, other, lost = [], [], 0
    peak_rss = 0
    window_start = time.monotonic()
    n = 0
    while time.monotonic() < window_start + 1.8:
        n += 1
        for kind in ("local", "other"):
            name = "nas.lan" if kind == "local" else "o%d-%x.fwd.test" % (n, tag)
            t0 = time.monotonic()
            m = R.udp_ask(sock, R.build_query(name, "A"), timeout=1)
            dt = time.monotonic() - t0
            if m is None or m.values("A") != [NAS if kind == "local" else GOOD]:
                lost += 1
            else:
                (local if kind == "local" else other).append(dt)
        peak_rss = max(peak_rss, R.rss_kb(pid))
        time.sleep(0.01)
    window_end = time.monotonic()
    sock.close()
    stop.set()
    th.join(timeout=5)
    flood_sock.close()
    # How many distinct slow.test questions were waiting for the slow upstream during the
    # window (first arrival less than its 1 s delay before; retries are not counted).
    first = {}
    for q in slow.queries(".slow.test."):
        first.setdefault(q[3], q[0])
    arrivals = list(first.values())
    pending = [sum(1 for a in arrivals if t - 1.0 < a <= t)
               for t in (window_start, (window_start + window_end) / 2, window_end)]
    D.info("F6: %d slow.test queries sent, the slow upstream saw %d (%d with retries); "
           "pending at the start, middle and end of the window: %s; %d SERVFAIL, %d answers "
           "so far; %d fds at the end" % (
               flood["sent"], len(arrivals), len(slow.queries(".slow.test.")), pending,
               flood["servfail"], flood["answered"], R.fd_count(pid)))
    time.sleep(2.5)
    D.info("F6: RSS 2.5 s after the flood: %d kB, %d fds" % (R.rss_kb(pid), R.fd_count(pid)))
    p99_local, p99_other = R.percentile(local, 99), R.percentile(other, 99)
    D.info("F6: local p50 %.1f ms p99 %.1f ms (%d); other domain p50 %.1f ms p99 %.1f ms "
           "(%d); %d lost; RSS %d -> %d kB" % (
               1000 * R.percentile(local, 50), 1000 * p99_local, len(local),
               1000 * R.percentile(other, 50), 1000 * p99_other, len(other), lost,
               rss_before, peak_rss))
    check(min(pending) >= 700, "the load was real: >= 700 slow.test queries pending "
          "throughout the measurement", "pending %s" % pending)
    check(lost == 0, "every local and other-domain query is answered meanwhile",
          "%d lost" % lost)
    check(p99_local < 0.050, "local answers keep their p99 (< 50 ms) while ~1,000 "
          "slow.test queries are pending", "p99 %.1f ms" % (1000 * p99_local))
    check(p99_other < 0.100, "another domain's forwarded answers keep their p99 (< 100 ms)",
          "p99 %.1f ms" % (1000 * p99_other))
    # Each c-ares 1.18 channel (one per 4 upstream queries, for fresh source ports) costs
    # ~75 kB (its fixed query tables), so ~250 live channels are ~19 MB: the bound leaves
    # room for that, not for per-query buffers (a 64 kB buffer per query would be 64 MB).
    check(peak_rss - rss_before < RSS_GROWTH_KB,
          "the server's RSS grows < %d MB with ~1,000 pending" % (RSS_GROWTH_KB // 1024),
          "%d -> %d kB" % (rss_before, peak_rss))


def f7_loops(cli, servers, name, what):
    pids = [R.daemon_pid(s) for s in servers]
    t0 = time.monotonic()
    r = D.dig(cli, name, timeout=6)
    elapsed = time.monotonic() - t0
    check(r.status in ("SERVFAIL", "REFUSED") and elapsed <= SERVFAIL_WITHIN,
          "%s: %s is answered SERVFAIL or REFUSED within %.0fs" % (what, name,
                                                                   SERVFAIL_WITHIN),
          r.summary())
    cpu0 = [R.cpu_seconds(p) for p in pids]
    time.sleep(3)
    spent = [R.cpu_seconds(p) - c for p, c in zip(pids, cpu0)]
    check(all(s < 0.3 for s in spent), "%s: no server spins afterwards (CPU over 3 s < 0.3 s)"
          % what, "CPU seconds %s" % ["%.2f" % s for s in spent])
    for s in servers:
        check(s.proc.alive(), "%s: the server (pid %d) still runs" % (what, s.proc.pid))


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    srv_b = lan.add_node("srvb", ip=SERVER_B_IP)
    cli = lan.add_node("cli", ip=CLIENT_IP)
    upn = lan.add_node("up", ip=UP_IP)
    for ip in (ALT_IP, SILENT_IP, SLOW_IP):
        upn.run(["ip", "addr", "add", "%s/24" % ip, "dev", "eth0"])
    f4_seen = set()
    up = R.Upstream(upn, [UP_IP, ALT_IP], extra_ports=(5353,), policy=upstream_policy(f4_seen))
    R.Upstream(upn, [SILENT_IP], policy=R.Upstream.silent)
    slow = R.Upstream(upn, [SLOW_IP], policy=lambda u, q, src: u.later(
        1.0, lambda: u.send(R.build_reply(q, [GOOD]), src)))

    server = D.start_server(ctx, srv, D.dns_config(upstream=True, extra=[
        "--no-resolv", "--server=" + UP_IP, "--server=/slow.test/" + SLOW_IP,
        "--server=/silent.test/" + SILENT_IP, "--server=/loop.test/" + L.SERVER_IP,
        "--server=/mutual.test/" + SERVER_B_IP, "--host-record=nas.lan,%s" % NAS]))
    server_b = ctx.server(srv_b, D.dns_config(upstream=True, extra=[
        "--no-resolv", "--server=/mutual.test/" + L.SERVER_IP]), dns_port=D.DNS_PORT)
    server_b.state_dir = lan.path("server-b-state")  # its own journal
    os.makedirs(server_b.state_dir, exist_ok=True)
    server_b.start()
    D.wait_dns_ready(server_b)

    r = D.dig(cli, "hello.fwd.test")
    check(r.status == "NOERROR" and r.values("A") == [GOOD],
          "a forwarded name answers what the upstream responder says", r.summary())

    f1_ports_and_ids(cli, up)
    f2_forgeries(cli)
    f3_merge(cli, up)
    f4_flood(cli, up)
    f6_silent_and_slow(cli, server, slow)
    f7_loops(cli, [server], "x.loop.test", "the server's own address as upstream")
    f7_loops(cli, [server, server_b], "x.mutual.test", "two instances forwarding to each other")
    D.check_resolves(cli, "nas.lan", [NAS], what="nas.lan still answers after all that")


if __name__ == "__main__":
    L.main("dns-forgery", body, tools=("dig",))

#!/usr/bin/python3
"""The DNS listeners against malformed, oversized and abusive traffic (ROBUSTNESS E1,
E4, E7, G2), with hand-made messages from Python sockets in a client namespace.

* E1: a message of every length 0..17, all zeros and all 0xFF, over UDP and as TCP
  frames: the server stays up and the zone's SOA still answers.
* E4: a 531-octet query without EDNS (a long name and two records in additional) is
  answered; EDNS sizes 0, 511, 512, 1232, 4096, 65535 for an 800- and a 2400-octet TXT:
  the reply fits max(512, min(size, 1232)) (RFC 6891 section 6.2.5: below 512 means
  512) and TC is set exactly when the whole answer (as TCP gives it) does not fit.
* G2: ANY for a name with A, TXT and MX gets one RRset (RFC 8482 section 4.2); for every
  type asked of local names, reply size < 10 x query size.
* E7: a TCP frame of length 0 closes the connection at once; a frame announcing more
  than it carries is closed after the idle timeout (~10 s), so is a slowloris client
  (one byte a second), and neither delays other clients; 100 pipelined queries on one
  connection get 100 answers with their ids; 10,000 (or 1,000 if RLIMIT_NOFILE is too
  low) connections opened within 7 s (>= 2,000 must complete): the server holds at most
  256 (its fd count), UDP answers meanwhile, a new TCP query gets in at once (the
  longest-idle connection is closed for it), RSS grows < 20 MB, the fd count returns to baseline.
"""

import random
import resource
import select
import socket
import struct
import threading
import time

import dnscheck as D
import dnsrobust as R
import lan as L
from lan import check

CLIENT_IP = "198.18.0.9"
NAS = "198.18.0.30"
MULTI = "198.18.0.77"
MEDIUM_TEXT = ("0123456789abcdef" * 50)[:800]
BIG_TEXT = ("fedcba9876543210" * 150)[:2400]
IDLE_TIMEOUT = 10.0  # DnsTcpLimits::idle_timeout_ms
MAX_CONNECTIONS = 256  # DnsTcpLimits::max_connections
SLOW_OTHERS = 0.5      # an answer slower than this counts as delayed


def soa_answers(cli, server, what):
    check(server.proc.alive(), "the server is still running after " + what,
          "exit status %s" % server.proc.returncode())
    r = D.dig(cli, "lan", "SOA")
    check(r.status == "NOERROR" and [s.rtype for s in r.answer] == ["SOA"],
          "the SOA of lan still answers after " + what, r.summary())


def e1_short_messages(cli, server):
    payloads = [(n, b) for n in range(18) for b in (b"\x00", b"\xff")]
    sock = R.udp_socket(cli)
    for n, b in payloads:
        sock.sendto(b * n, (L.SERVER_IP, 53))
    replies = []
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            replies.append(sock.recv(65535))
        except socket.timeout:
            break
    sock.close()
    D.info("UDP lengths 0..17 (zeros, 0xFF): %d replies (%s)" % (
        len(replies), ", ".join(R.parse(r).status if R.parse(r) else "undecodable"
                                for r in replies)))
    check(all(R.parse(r) is not None and len(r) >= 12 for r in replies),
          "every reply to a short UDP message is a decodable DNS message")
    soa_answers(cli, server, "36 UDP messages of lengths 0..17")

    outcome = {}
    conns = []
    for n, b in payloads:
        s = R.tcp_connect(cli)
        s.sendall(struct.pack("!H", n) + b * n)
        conns.append(((n, b[0]), s))
    time.sleep(0.5)
    for key, s in conns:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            outcome[key] = "open"
        else:
            try:
                data = s.recv(65535)
                outcome[key] = "answered" if data else "closed"
            except OSError:
                outcome[key] = "reset"
        s.close()
    D.info("TCP frames: " + " ".join("%d/%02x:%s" % (n, b, o) for (n, b), o in
                                      sorted(outcome.items())))
    short_open = [k for k, o in outcome.items() if k[0] < 12 and o == "open"]
    check(not short_open, "every TCP frame shorter than a DNS header closes its connection",
          "still open: %s" % short_open)
    soa_answers(cli, server, "36 TCP frames of lengths 0..17")


def e4_sizes(cli):
    sock = R.udp_socket(cli)
    long_name = ".".join(c * 60 for c in "abcd") + ".lan"  # 249 octets in wire form
    q = R.build_query(long_name, "A", edns=None)
    extra = b""
    for _ in range(2):  # records in additional, not OPT: pointers to the question name
        extra += b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 0, 121) + bytes([120]) + \
            b"x" * 120
    big_q = q[:10] + struct.pack("!H", 2) + q[12:] + extra
    plain = R.udp_ask(sock, q)
    check(plain is not None and plain.status == "NXDOMAIN",
          "a %d-octet query for a 249-octet name under lan is NXDOMAIN" % len(q),
          plain.summary() if plain else "no reply")
    m = R.udp_ask(sock, big_q)
    check(len(big_q) > 512 and m is not None and m.status == plain.status and
          m.qname == long_name.lower() + "." and m.size <= 512,
          "a %d-octet query without EDNS is answered like the short one, in <= 512 octets" %
          len(big_q), m.summary() if m else "no reply")

    for name, text in (("medium.lan", MEDIUM_TEXT), ("big.lan", BIG_TEXT)):
        full = R.tcp_ask(cli, R.build_query(name, "TXT", edns=4096))
        check(full is not None and full.status == "NOERROR" and not full.tc,
              "%s TXT over TCP: the whole answer (%d octets)" % (name, full.size if full
                                                                  else 0),
              full.summary() if full else "no reply")
        for size in (0, 511, 512, 1232, 4096, 65535):
            limit = max(512, min(size, 1232))
            want_tc = full.size > limit
            m = R.udp_ask(sock, R.build_query(name, "TXT", edns=size))
            ok = (m is not None and m.size <= limit and m.tc == want_tc and
                  m.status == "NOERROR" and len(m.opt) == 1)
            if ok and not want_tc:
                ok = m.raw[12:] == full.raw[12:] or m.answer[0].rdata == full.answer[0].rdata
            check(ok, "%s TXT with EDNS size %d: reply <= %d octets, TC %s, OPT echoed" % (
                name, size, limit, "set" if want_tc else "clear"),
                m.summary() if m else "no reply")
    sock.close()


def g2_amplification(cli):
    sock = R.udp_socket(cli)
    for edns in (None, 4096):
        m = R.udp_ask(sock, R.build_query("multi.lan", "ANY", edns=edns))
        types = sorted(set(r.type_name for r in m.answer)) if m else []
        check(m is not None and m.status == "NOERROR" and len(types) == 1 and
              len(set(r.name for r in m.answer)) == 1,
              "ANY for multi.lan (A, TXT, MX) %s: one RRset (RFC 8482)" %
              ("with EDNS" if edns else "without EDNS"), m.summary() if m else "no reply")
        D.info("ANY multi.lan answered %s" % types)
    names = ["lan", "multi.lan", "nas.lan", "www.lan", "nosuch.lan", "_ldap._tcp.lan",
             D.ptr_name(NAS), D.ptr_name("198.18.0.120")]
    types = ["A", "NS", "CNAME", "SOA", "PTR", "HINFO", "MX", "TXT", "AAAA", "SRV", "ANY",
             "CAA", 65280]
    worst = (0.0, None)
    unanswered = []
    for name in names:
        for t in types:
            for edns in (None, 4096):
                q = R.build_query(name, t, edns=edns)
                m = R.udp_ask(sock, q)
                if m is None:
                    unanswered.append((name, t))
                    continue
                ratio = m.size / len(q)
                if ratio > worst[0]:
                    worst = (ratio, "%s %s edns=%s: %d/%d" % (name, t, edns, m.size, len(q)))
    check(not unanswered, "every type asked of a local name is answered", str(unanswered))
    check(worst[0] < 10, "reply/query size ratio < 10 for %d names x %d types" % (
        len(names), len(types)), "worst %.1f (%s)" % worst)
    D.info("worst reply/query ratio %.1f (%s)" % worst)
    for t, edns in (("TXT", None), ("TXT", 4096)):
        q = R.build_query("big.lan", t, edns=edns)
        m = R.udp_ask(sock, q)
        if m:
            D.info("big.lan TXT edns=%s (the admin's 2400-octet record): ratio %.1f" %
                   (edns, m.size / len(q)))
    sock.close()


def e7_frames_and_slowloris(cli):
    s = R.tcp_connect(cli)
    s.sendall(b"\x00\x00")
    t = R.wait_closed(s, 3)
    s.close()
    check(t is not None and t < 1.0, "a TCP frame of length 0 closes the connection at once",
          "still open after 3 s" if t is None else "closed after %.2fs" % t)

    results = {}

    def short_frame():
        c = R.tcp_connect(cli)
        c.sendall(struct.pack("!H", 100) + b"\x12" * 30)
        results["short"] = R.wait_closed(c, IDLE_TIMEOUT + 5)
        c.close()

    def slowloris():
        c = R.tcp_connect(cli)
        data = R.tcp_frame(R.build_query("nas.lan", "A"))
        started = time.monotonic()
        closed_at = None
        for i, byte in enumerate(data):
            try:
                c.send(bytes([byte]))
            except OSError:
                closed_at = time.monotonic() - started
                break
            t = R.wait_closed(c, 1.0)
            if t is not None:
                closed_at = time.monotonic() - started
                break
        results["slowloris"] = closed_at
        results["slowloris_bytes"] = i
        c.close()

    threads = [threading.Thread(target=f, daemon=True) for f in (short_frame, slowloris)]
    for th in threads:
        th.start()
    # Meanwhile, other clients over UDP and TCP.
    udp = R.udp_socket(cli)
    latencies, failures = [], 0
    deadline = time.monotonic() + IDLE_TIMEOUT + 1
    while time.monotonic() < deadline:
        for tcp in (False, True):
            q = R.build_query("nas.lan", "A")
            t0 = time.monotonic()
            try:
                m = R.tcp_ask(cli, q, timeout=2) if tcp else R.udp_ask(udp, q, timeout=2)
            except (OSError, ConnectionError):
                m = None
            if m is None or m.values("A") != [NAS]:
                failures += 1
            else:
                latencies.append(time.monotonic() - t0)
        time.sleep(0.2)
    udp.close()
    for th in threads:
        th.join(timeout=IDLE_TIMEOUT + 8)
    check(failures == 0 and latencies and max(latencies) < SLOW_OTHERS,
          "other clients are answered at once meanwhile (%d queries over UDP and TCP)" %
          (len(latencies) + failures),
          "%d failed, slowest %.3fs" % (failures, max(latencies or [0])))
    D.info("other clients: %d answers, slowest %.3fs" % (len(latencies), max(latencies)))
    t = results.get("short")
    check(t is not None and IDLE_TIMEOUT - 2 <= t <= IDLE_TIMEOUT + 3,
          "a frame announcing 100 octets with 30 sent is closed after the idle timeout",
          "still open" if t is None else "closed after %.1fs" % t)
    t = results.get("slowloris")
    check(t is not None and t <= IDLE_TIMEOUT + 3,
          "a slowloris client (one byte a second) is closed by the idle timeout",
          "closed after %s, %s bytes sent" % (t, results.get("slowloris_bytes")))
    D.info("slowloris closed after %.1fs (%d bytes sent)" % (t, results["slowloris_bytes"]))


def e7_pipelined(cli):
    names = [("nas.lan", "A"), ("multi.lan", "TXT"), ("nosuch.lan", "A"),
             (D.ptr_name(NAS), "PTR"), ("www.lan", "A")]
    ids = random.sample(range(65536), 100)
    sent = {}
    data = b""
    for i, qid in enumerate(ids):
        name, t = names[i % len(names)]
        sent[qid] = name + "."
        data += R.tcp_frame(R.build_query(name, t, qid=qid))
    s = R.tcp_connect(cli)
    s.sendall(data)
    got = {}
    try:
        for _ in range(100):
            m = R.tcp_read_msg(s, timeout=5)
            got[m.id] = m
    except (socket.timeout, ConnectionError, AttributeError) as e:
        D.info("pipelined: stopped after %d answers: %s" % (len(got), e))
    s.close()
    check(len(got) == 100 and set(got) == set(ids) and
          all(got[i].qname == sent[i] for i in ids),
          "100 pipelined queries on one TCP connection get 100 answers, each with its id "
          "and question", "%d answers, %d ids right" % (len(got), len(set(got) & set(ids))))


def open_many(cli, count, budget, window):
    """count non-blocking connects to the server from one namespace; returns the sockets
    whose connection completed within `budget` seconds."""
    def make():
        return [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    socks = R.S.socket_in_netns(cli.ns, make)
    pending = {}
    done = []
    poller = select.poll()
    deadline = time.monotonic() + budget
    i = 0
    while (i < count or pending) and time.monotonic() < deadline:
        while i < count and len(pending) < window:
            s = socks[i]
            i += 1
            s.setblocking(False)
            err = s.connect_ex((L.SERVER_IP, 53))
            if err in (0, 115):  # 0 or EINPROGRESS
                pending[s.fileno()] = s
                poller.register(s, select.POLLOUT)
            else:
                s.close()
        for fd, ev in poller.poll(100):
            s = pending.pop(fd, None)
            if s is None:
                continue
            poller.unregister(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(s)
            else:
                s.close()
    for s in list(pending.values()) + socks[i:]:
        s.close()
    return done


def still_open(socks):
    """The sockets the server has not closed (no EOF, reset or data pending)."""
    poller = select.poll()
    by_fd = {}
    for s in socks:
        poller.register(s, select.POLLIN | select.POLLRDHUP | select.POLLHUP | select.POLLERR)
        by_fd[s.fileno()] = s
    closed = {fd for fd, _ev in poller.poll(0)}
    return [s for fd, s in by_fd.items() if fd not in closed]


def e7_many_connections(cli, server, startup_fds):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for want in (10000, 1000):
        if hard >= want + 500:
            break
    else:
        D.info("RLIMIT_NOFILE hard limit %d: too low for 1,000 connections, skipped" % hard)
        return
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want + 500), hard))
    pid = R.daemon_pid(server)
    L.wait_until(lambda: R.fd_count(pid) <= startup_fds, 15,
                 "the server's earlier connections to be closed")
    base_fds, base_rss = R.fd_count(pid), R.rss_kb(pid)
    started = time.monotonic()
    # The connections are counted before the first accepted ones reach the idle timeout
    # (connect for at most 7 s, settle 0.5 s): the ones still open then are the held ones.
    socks = open_many(cli, want, budget=IDLE_TIMEOUT - 3, window=200)
    D.info("%d of %d connections completed in %.1fs (RLIMIT_NOFILE %d/%d)" % (
        len(socks), want, time.monotonic() - started, soft, hard))
    # Held connections are counted in the server (its descriptors): a client cannot tell a
    # connection the server holds from one still in its accept queue or whose handshake
    # the kernel dropped for a full queue. Closing an over-cap one takes a loop turn, hence
    # the small margin above the cap.
    peak_fds = 0
    for _ in range(5):
        time.sleep(0.1)
        peak_fds = max(peak_fds, R.fd_count(pid))
    peak_rss = R.rss_kb(pid)
    held = peak_fds - base_fds
    D.info("the server holds %d connections; %d look open from the client side" % (
        held, len(still_open(socks))))
    check(len(socks) >= min(want, 2000),
          "at least %d connections were made within %.0f s" % (min(want, 2000),
                                                               IDLE_TIMEOUT - 3),
          "%d completed" % len(socks))
    check(MAX_CONNECTIONS - 16 <= held <= MAX_CONNECTIONS + 4,
          "the server holds at most %d of them (its fd count) and closes the rest" %
          MAX_CONNECTIONS, "%d fds more than before" % held)
    r = D.dig(cli, "nas.lan")
    check(r.status == "NOERROR" and r.values("A") == [NAS],
          "a UDP query is answered while %d TCP connections are held" % held, r.summary())
    q = R.build_query("nas.lan", "A")
    t0 = time.monotonic()
    m = None
    # RFC 7766 section 6.2.3: the server makes room by closing the connection idle the
    # longest, so a newcomer gets in at once rather than after the idle timeout.
    while m is None and time.monotonic() - t0 < 3:
        try:
            m = R.tcp_ask(cli, q, timeout=1)
        except (OSError, ConnectionError):
            time.sleep(0.2)
    waited = time.monotonic() - t0
    check(m is not None and m.values("A") == [NAS],
          "a new TCP query is answered at once while the slots are held (the longest-idle "
          "connection makes room)", "no answer after %.1fs" % waited)
    D.info("the new TCP query got in after %.1fs" % waited)
    rss_now = R.rss_kb(pid)
    check(max(peak_rss, rss_now) - base_rss < 20 * 1024,
          "the server's RSS stays flat (< +20 MB)",
          "%d kB -> %d kB -> %d kB" % (base_rss, peak_rss, rss_now))
    D.info("RSS %d kB -> %d kB (held) -> %d kB; fds %d -> %d" % (base_rss, peak_rss, rss_now,
                                                               base_fds, peak_fds))
    for s in socks:
        s.close()
    try:
        L.wait_until(lambda: R.fd_count(pid) <= base_fds, 5, "the fd count to return")
    except L.Timeout:
        pass
    check(R.fd_count(pid) <= base_fds, "the server's fd count returns to its baseline",
          "%d, baseline %d" % (R.fd_count(pid), base_fds))


def body(ctx):
    # The many-connections part needs more descriptors than the default soft limit; the
    # server (started below) inherits the raised limit, as under systemd's LimitNOFILE.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 11000)), hard))
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    cli = lan.add_node("cli", ip=CLIENT_IP)
    server = D.start_server(ctx, srv, D.dns_config(extra=[
        "--host-record=nas.lan,%s" % NAS,
        "--host-record=multi.lan,%s" % MULTI,
        "--txt-record=multi.lan,some text",
        "--mx-host=multi.lan,nas.lan,5",
        "--cname=www.lan,nas.lan",
        "--srv-host=_ldap._tcp.lan,nas.lan,389,0,100",
        "--txt-record=medium.lan," + MEDIUM_TEXT,
        "--txt-record=big.lan," + BIG_TEXT]))
    pid = R.daemon_pid(server)
    check(open("/proc/%d/comm" % pid).read().strip() == server.kind,
          "the server's PID is the %s process itself" % server.kind)
    startup_fds = R.fd_count(pid)
    soa_answers(cli, server, "start-up")

    e1_short_messages(cli, server)
    e4_sizes(cli)
    g2_amplification(cli)
    e7_frames_and_slowloris(cli)
    e7_pipelined(cli)
    e7_many_connections(cli, server, startup_fds)
    soa_answers(cli, server, "everything above")


if __name__ == "__main__":
    L.main("dns-wire", body, tools=("dig",))

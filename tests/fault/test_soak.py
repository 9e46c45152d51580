#!/usr/bin/python3
"""ROBUSTNESS J5: a long mixed soak — DORA, renew, release, DNS queries of lease names
and of forwarded (then cached) names, control-socket requests — leaves no growth in
memory or file descriptors once warmed up.

Load, all bounded and repeating, so the lease table, the DNS cache and the journal
reach a steady size during the warm-up (what must not grow is everything else):
  * leasedns-loadgen (bench/loadgen.cpp) as a relay agent: DORA of a population of
    GEN_CLIENTS that repeats (--clients), SOAK_RATE exchanges/s, with host names, then
    a RENEWING round (loadgen renew) of the clients it recorded, in turn;
  * dhcpsim clients (tests/e2e/dhcpsim.py, SIM_CLIENTS with host names of their own):
    each loop turn some DORA, some INIT-REBOOT and some RELEASE, so the number of
    leases stays steady (every released client binds again later);
  * DNS (dnsload.Resolver): A and PTR of the bound dhcpsim names (each must answer its
    address), names under example. forwarded to a scripted upstream (tests/e2e/
    dnsrobust.Upstream, TTL 5 s): a fixed set (cached, expiring, asked again) and a few
    new ones each turn (the cache, 150 entries, is full and evicting after the warm-up);
  * the control socket: `leasectl --json leases` and `leasectl --json stats` each turn.
Every second the daemon's VmRSS, RssAnon (/proc/PID/status) and descriptor count
(/proc/PID/fd) are sampled. Checked, after the warm-up (a third of the run, at least
20 s):
  * RssAnon's median over the last quarter of the measurement exceeds its median over
    the first quarter by less than max(256 KiB, 2%) (SOAK_SANITIZER=1, for an ASan/UBSan
    build: max(4 MiB, 10%): its allocator keeps a quarantine of freed blocks);
  * the descriptor count with the load stopped equals the one in a pause after the
    warm-up;
  * the load ran: loadgen ACKs > 10 x SOAK_RATE, dhcpsim ACKs and RELEASEs, DNS
    answers of every kind, control requests all answered;
  * the server log has no error or warning line (nor any sanitizer report), and the
    daemon exits 0 on SIGTERM (an ASan build runs its leak check then).

SOAK_SECONDS: length of the run (default 45, CI). A long run, e.g. one hour:
    sudo SOAK_SECONDS=3600 meson test -C build fault-soak --timeout-multiplier 0
(or run this file with LEASEDNS_BIN and LEASEDNS_LOADGEN set); bench/RESULTS.md "J5
soak" records one. SOAK_RATE: loadgen exchanges per second (default 1000; the
sanitizer run in scripts/test.sh uses 100). Without leasedns-loadgen the test skips.
"""

import json
import os
import random
import re
import signal
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import dhcpsim as S  # noqa: E402
import dnsload as DL  # noqa: E402
import dnsrobust as R  # noqa: E402
import lan as L  # noqa: E402
from leasectl_client import leasectl_bin  # noqa: E402
import loadlib as LL  # noqa: E402
from lan import check, log  # noqa: E402

SERVER_IP = "198.18.4.1"
PREFIX = 22
RANGE = "198.18.4.10,198.18.7.250,255.255.252.0,1h"
RELAY_IP = "198.18.4.2"
LOAD_IP = "198.18.4.9"
UP_IP = "198.18.4.53"
SOAK_S = float(os.environ.get("SOAK_SECONDS", "45"))
RATE = int(os.environ.get("SOAK_RATE", "1000"))
SANITIZER = os.environ.get("SOAK_SANITIZER", "") not in ("", "0")
WARMUP_S = max(20.0, SOAK_S / 3)
FWD_TTL = 5                # the upstream's TTL: cached answers expire and are asked again
GEN_CLIENTS = 400
SIM_CLIENTS = 60           # each costs an ARP entry (see test_kill9.py)
FIXED_NAMES = ["w%d.example" % i for i in range(64)]
NEW_NAMES_PER_TURN = 4


class SimClients:
    """SIM_CLIENTS named clients, each bound or not; a turn DORAs some of the unbound,
    and INIT-REBOOTs or RELEASEs some of the bound."""

    def __init__(self, sim, rng):
        self.sim = sim
        self.rng = rng
        tag = os.getpid() & 0xFF
        self.macs = ["02:5a:%02x:00:%02x:%02x" % (tag, i >> 8, i & 0xFF)
                     for i in range(SIM_CLIENTS)]
        self.bound = {}   # mac -> ip
        self.acks = self.releases = self.failed = 0

    @staticmethod
    def name(mac):
        return "s" + mac.replace(":", "")

    def turn(self, count=12):
        unbound = [m for m in self.macs if m not in self.bound]
        bound = list(self.bound)
        self.rng.shuffle(unbound)
        self.rng.shuffle(bound)
        txns = [S.Txn("dora", m, hostname=self.name(m), tries=3, interval=0.5)
                for m in unbound[:count // 2]]
        for m in bound[:count - len(txns)]:
            if self.rng.random() < 0.5:
                txns.append(S.Txn("reboot", m, ip=self.bound[m], hostname=self.name(m),
                                  tries=3, interval=0.5))
            else:
                txns.append(S.Txn("release", m, ip=self.bound[m]))
        self.sim.run(txns, window=len(txns) or 1, timeout=3)
        for t in txns:
            if t.kind == "release":
                self.releases += 1
                self.bound.pop(t.mac, None)
            elif t.result == "ack":
                self.acks += 1
                self.bound[t.mac] = t.reply.yiaddr
            else:
                self.failed += 1
                self.bound.pop(t.mac, None)


class Dns:
    """Each turn: A and PTR of the bound dhcpsim names, forwarded names (fixed, then
    cached; and new ones)."""

    def __init__(self, resolver):
        self.resolver = resolver
        self.lease_ok = self.lease_bad = self.fwd_ok = self.fwd_bad = 0
        self.new_names = 0
        self.bad = []

    def turn(self, sims, rng):
        want = {}
        for mac, ip in list(sims.bound.items())[:20]:
            want[("%s.lan" % SimClients.name(mac), DL.A)] = ip
            want[(DL.ptr_name(ip), DL.PTR)] = "%s.lan" % SimClients.name(mac)
        fwd = [(n, DL.A) for n in rng.sample(FIXED_NAMES, 16)]
        for _ in range(NEW_NAMES_PER_TURN):
            self.new_names += 1
            fwd.append(("n%d.example" % self.new_names, DL.A))
        qs = self.resolver.bulk(list(want) + fwd, window=64, timeout=2.0, retry=0.3, tries=5)
        for q in qs:
            key = (q.name, q.qtype)
            a = q.answer
            if key in want:
                # A RELEASE may have raced the query: only a wrong value counts as bad.
                if a is not None and a.rcode == DL.NOERROR and a.values(q.qtype) == [want[key]]:
                    self.lease_ok += 1
                elif a is not None and a.rcode in (DL.NOERROR, DL.NXDOMAIN) and \
                        not a.values(q.qtype):
                    pass
                else:
                    self.lease_bad += 1
                    self.bad.append(repr(q))
            elif a is not None and a.rcode == DL.NOERROR and \
                    a.values(DL.A) == [R.Upstream.ANSWER_IP]:
                self.fwd_ok += 1
            else:
                self.fwd_bad += 1
                self.bad.append(repr(q))


def control_turn(sock, counts):
    for args in (["leases"], ["stats"]):
        res = subprocess.run([leasectl_bin(), "--control-socket", sock, "--json"] + args,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=10)
        ok = False
        if res.returncode == 0:
            try:
                ok = json.loads(res.stdout.splitlines()[0]).get("ok") is True
            except (ValueError, IndexError):
                ok = False
        counts["ok" if ok else "bad"] += 1
        if not ok and len(counts["errors"]) < 5:
            counts["errors"].append("%s: %s %s" % (args, res.stdout[:200], res.stderr[:200]))


def body(ctx):
    LL.loadgen_bin()
    leasectl_bin()
    rng = random.Random(int(os.environ.get("FAULT_SEED", "11")))
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    gen = lan.add_node("gen", ip=RELAY_IP, prefix_len=PREFIX)
    load = lan.add_node("load", ip=LOAD_IP, prefix_len=PREFIX)
    upn = lan.add_node("up", ip=UP_IP, prefix_len=PREFIX)
    # A short TTL: the cache goes through whole insert/expire/evict cycles during the
    # warm-up (with a long one, its first expiries would fall into the measurement).
    ttl60 = struct.pack("!HHIH", 1, 1, 60, 4)
    R.Upstream(upn, [UP_IP], policy=lambda up, q, src: up.send(
        R.build_reply(q, [R.Upstream.ANSWER_IP]).replace(
            ttl60, struct.pack("!HHIH", 1, 1, FWD_TTL, 4)), src))
    config = L.ServerConfig(ranges=[RANGE], authoritative=True, domain="lan",
                            extra=["--no-resolv", "--server=" + UP_IP])
    server = ctx.server(srv, config, dns_port=53)
    server.start()
    pid = server.proc.pid
    sock = os.path.join(server.state_dir, "control.sock")
    resolver = DL.Resolver(load.ns, SERVER_IP)
    sim = S.Sim(load, server_id=SERVER_IP)
    sims = SimClients(sim, rng)
    dns = Dns(resolver)
    control = {"ok": 0, "bad": 0, "errors": []}
    sampler = LL.Sampler(pid)
    record = lan.path("gen-record.txt")
    gen_runs = {"dora": 0, "renew": 0}
    gen_acks = {"dora": 0, "renew": 0}
    gen_naks = 0
    loadgen = None
    log("info - soak of %.0fs (warm-up %.0fs), loadgen %d exchanges/s over %d clients, %d "
        "dhcpsim clients%s" % (SOAK_S, WARMUP_S, RATE, GEN_CLIENTS, SIM_CLIENTS,
                               ", sanitizer build" if SANITIZER else ""))

    def next_loadgen():
        nonlocal loadgen, gen_naks
        if loadgen is not None:
            if not loadgen.done():
                return
            res = loadgen.result()
            gen_acks[res["mode"]] += res["acked"]
            gen_naks += res["naks"]
        mode = "renew" if gen_runs["dora"] > gen_runs["renew"] else "dora"
        gen_runs[mode] += 1
        if mode == "dora":
            if os.path.exists(record):
                os.unlink(record)   # the record file stays small (one round)
            args = ["dora", "--paced", "--rate", str(RATE), "--duration", "3",
                    "--clients", str(GEN_CLIENTS), "--seed", "9", "--hostnames",
                    "--client-id", "--record", record, "--timeout-ms", "1000",
                    "--retries", "3"]
        else:
            args = ["renew", record, "--rate", str(RATE), "--timeout-ms", "1000",
                    "--retries", "3", "--window", "64"]
        loadgen = LL.Loadgen(gen, SERVER_IP, args, tag="loadgen-%s-%d" % (mode, gen_runs[mode]))

    def run_load(until):
        while time.monotonic() < until:
            turn_start = time.monotonic()
            next_loadgen()
            sims.turn()
            dns.turn(sims, rng)
            control_turn(sock, control)
            sampler.sample()
            time.sleep(max(0.0, 1.0 - (time.monotonic() - turn_start)))

    def stop_loadgen():
        nonlocal loadgen
        if loadgen is not None:
            res = loadgen.result(timeout=20)
            gen_acks[res["mode"]] += res["acked"]
            loadgen = None

    started = time.monotonic()
    run_load(started + WARMUP_S)
    stop_loadgen()
    time.sleep(1.5)
    fds_quiet = LL.fd_count(pid)
    base = sampler.sample()
    log("info - after the warm-up: VmRSS %d kB, RssAnon %d kB, %d descriptors (quiet)" % (
        base[1], base[2], fds_quiet))
    measure_from = time.monotonic()
    run_load(started + SOAK_S)
    stop_loadgen()
    measure_to = time.monotonic()
    time.sleep(1.5)
    fds_end = LL.fd_count(pid)
    end = sampler.sample()

    measured = sampler.between(measure_from, measure_to)
    anon = [s[2] for s in measured]
    rss = [s[1] for s in measured]
    fds = [s[3] for s in measured]
    peak = max(anon + [end[2]])
    bound = max(4096, base[2] * 0.10) if SANITIZER else max(256, base[2] * 0.02)
    n = max(1, len(anon) // 10)
    log("info - RssAnon kB every second: %s" % " ".join(str(s[2]) for s in sampler.samples))
    log("info - after the warm-up (%.0fs): RssAnon first 10%% median %d kB, last 10%% median "
        "%d kB, peak %d kB; VmRSS %d..%d kB; descriptors %d..%d under load" % (
            measure_to - measure_from, statistics.median(anon[:n]), statistics.median(anon[-n:]),
            peak, min(rss), max(rss), min(fds), max(fds)))
    stats = LL.dhcp_stats(server, pid)
    log("info - load: loadgen %d DORA + %d renew ACKs (%d runs, %d NAKs); dhcpsim %d ACKs, "
        "%d releases, %d unanswered; DNS lease names %d right, %d wrong, forwarded/cached %d "
        "right, %d wrong; control %d answered, %d not; server: %s" % (
            gen_acks["dora"], gen_acks["renew"], sum(gen_runs.values()), gen_naks, sims.acks,
            sims.releases, sims.failed, dns.lease_ok, dns.lease_bad, dns.fwd_ok, dns.fwd_bad,
            control["ok"], control["bad"],
            ", ".join("%s=%s" % (k, stats[k]) for k in ("leases", "ack", "release", "syncs")
                      if k in stats)))

    # The trend, not single samples: a control request or a journal compaction makes
    # transient peaks of a few hundred kB that the allocator gives back.
    quarter = max(3, len(anon) // 4)
    early, late = statistics.median(anon[:quarter]), statistics.median(anon[-quarter:])
    check(late - early < bound, "memory: RssAnon median %d kB over the first quarter after "
          "the warm-up, %d kB over the last (%+d kB < %.0f kB; peak %d kB)" % (
              early, late, late - early, bound, peak))
    check(fds_end == fds_quiet, "descriptors: %d with the load stopped, as after the warm-up"
          % fds_end, "%d after the warm-up, %d at the end" % (fds_quiet, fds_end))
    secs = SOAK_S
    check(gen_acks["dora"] + gen_acks["renew"] > 10 * RATE * min(1.0, secs / 45),
          "the relayed load ran: %d DORA and %d renew ACKs" % (gen_acks["dora"],
                                                              gen_acks["renew"]))
    check(gen_acks["renew"] > 0 and sims.acks > SIM_CLIENTS and sims.releases > SIM_CLIENTS / 2,
          "renewals, %d dhcpsim ACKs and %d RELEASEs ran" % (sims.acks, sims.releases))
    check(dns.lease_ok > 100 and dns.fwd_ok > 100 and dns.lease_bad == 0 and dns.fwd_bad == 0,
          "DNS: %d lease-name and %d forwarded answers right, none wrong" % (dns.lease_ok,
                                                                             dns.fwd_ok),
          "; ".join(dns.bad[:8]))
    check(control["ok"] > 10 and control["bad"] == 0,
          "control socket: %d requests answered" % control["ok"], "; ".join(control["errors"]))
    check(sims.failed <= sims.acks // 50 + 2, "dhcpsim: %d of %d exchanges unanswered" % (
        sims.failed, sims.acks + sims.failed))
    rc = server.stop(signal.SIGTERM, timeout=30)
    text = server.log_text()
    bad = [line for line in text.splitlines()
           if re.match(r"<[0-4]>", line) or "Sanitizer" in line or "runtime error" in line]
    check(not bad, "no error or warning line in the server log (%d lines)" % len(
        text.splitlines()), "\n".join(bad[:20]))
    check(rc == 0, "clean exit on SIGTERM%s" % (" (leak check passed)" if SANITIZER else ""),
          "exit status %s" % rc)
    resolver.close()
    sim.close()
    out = os.environ.get("SOAK_JSON")
    if out:
        with open(out, "w") as f:
            json.dump({"seconds": SOAK_S, "warmup": WARMUP_S, "rate": RATE,
                       "samples": sampler.samples, "fds_quiet": fds_quiet, "fds_end": fds_end,
                       "gen_acks": gen_acks, "sim_acks": sims.acks, "releases": sims.releases,
                       "dns_lease_ok": dns.lease_ok, "dns_fwd_ok": dns.fwd_ok,
                       "control_ok": control["ok"]}, f)


if __name__ == "__main__":
    LL.stretch_hard_timeout(SOAK_S + 90)
    L.main("soak", body, prefix="ldfault", hard_timeout=int(SOAK_S + 90))

#!/usr/bin/python3
"""Running as a service: systemd's notification protocol, -u/--user, SIGTERM under load.

No systemd is needed: the test is systemd's side of sd_notify(3). It listens on a Unix
datagram socket and starts leasedns with NOTIFY_SOCKET pointing at it (WATCHDOG_USEC=2 s,
WATCHDOG_PID = the daemon's own pid through `sh -c 'WATCHDOG_PID=$$ exec ...'`):
  * READY=1 comes once DHCP (port 67) and DNS (53, UDP and TCP) are bound and answering;
  * STATUS= lines come with READY=1 and again every few seconds, with the lease count;
  * WATCHDOG=1 comes periodically (at half of WATCHDOG_USEC);
  * SIGTERM: STOPPING=1, exit status 0.
-u nobody (started as root): /proc/PID/status shows nobody's uid and gid and exactly
CAP_NET_BIND_SERVICE, CAP_NET_RAW and CAP_NET_ADMIN (effective, permitted, bounding); a
real client (udhcpc, broadcast bit clear) gets its lease by unicast (the ARP entry needs
CAP_NET_ADMIN), its name answers in DNS, the journal and its directory belong to nobody,
and the lease survives a restart. A directory the user cannot write and an unknown user
stop the start-up with a message naming them.
SIGTERM under load (simulated clients, tests/fault/faultlib): exit status 0 in under 2 s,
and every acknowledged client gets its address back after the restart.
"""

import os
import random
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))

import dnscheck as D  # noqa: E402
import lan as L  # noqa: E402
from faultlib import PREFIX, RANGE, SERVER_IP, checked_load, verify_all  # noqa: E402
from lan import check, log  # noqa: E402

OBSERVER_IP = "198.18.4.9"
LOAD_IP = "198.18.4.8"
NOBODY = "nobody"
KEPT_CAPS = (1 << 10) | (1 << 12) | (1 << 13)  # NET_BIND_SERVICE, NET_ADMIN, NET_RAW


class NotifyListener:
    """systemd's end of sd_notify: every datagram, with the time it arrived."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)  # the daemon writes to it after dropping to -u's user
        self.sock.settimeout(0.2)
        self.messages = []  # (monotonic time, {key: value})
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        L.on_cleanup(self.close)

    def _read(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines()
                          if "=" in line)
            with self.lock:
                self.messages.append((time.monotonic(), fields))

    def mark(self):
        with self.lock:
            return len(self.messages)

    def since(self, mark, key):
        with self.lock:
            return [(t, m) for t, m in self.messages[mark:] if key in m]

    def wait(self, mark, key, timeout, value=None):
        def found():
            hits = [h for h in self.since(mark, key) if value is None or h[1][key] == value]
            return hits[0] if hits else None
        return L.wait_until(found, timeout, "%s from the daemon" % key, interval=0.02)

    def close(self):
        self.running = False
        self.sock.close()


def notify_wrapper(notify):
    """env + sh: NOTIFY_SOCKET and WATCHDOG_USEC, and WATCHDOG_PID = the pid that `exec`
    hands to leasedns (ip netns exec and env exec too: the same process all along)."""
    return ["env", "NOTIFY_SOCKET=" + notify.path, "WATCHDOG_USEC=2000000",
            "sh", "-c", 'WATCHDOG_PID=$$ exec "$@"', "sh"]


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def timed_stop(server):
    """SIGTERM; returns (exit status, seconds until it exited)."""
    t0 = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    try:
        rc = server.proc.wait(10)
    except L.Timeout:
        rc = None
    elapsed = time.monotonic() - t0
    server.stop()
    return rc, elapsed


def part_notify(ctx, srv, obs, client_node, notify):
    log("# sd_notify: READY, STATUS, WATCHDOG, STOPPING")
    cfg = D.dns_config(ranges=[RANGE], extra=["--control-socket=" + srv.lan.path("ctl.sock")])
    server = ctx.server(srv, cfg, dns_port=53, wrapper=notify_wrapper(notify))
    mark = notify.mark()
    server.start(wait=False)
    _t, ready = notify.wait(mark, "READY", 15, value="1")
    # Acting on READY=1 at once must find everything up: ports bound, DNS answering.
    check(server._listening() and D.listening_dns(server),
          "at READY=1, DHCP port 67 and DNS port 53 (UDP and TCP) are bound")
    r = D.dig(obs, "nothing-here.lan", server=SERVER_IP)
    check(r.status == "NXDOMAIN", "right after READY=1, DNS answers (NXDOMAIN for an unknown "
          "name)", r.summary())
    check("STATUS" in ready and "leases: 0" in ready["STATUS"],
          "READY=1 comes with a STATUS= line counting the leases", str(ready))

    udh = ctx.client(L.Udhcpc(client_node, "svc-host"))
    udh.start()
    ip = udh.wait_bound(timeout=30).ip
    L.wait_until(lambda: any("leases: 1" in m["STATUS"] for _t, m in notify.since(mark, "STATUS")),
                 10, "a STATUS= line with the new lease")
    statuses = notify.since(mark, "STATUS")
    check(len(statuses) >= 2, "STATUS= is refreshed while it runs (%d lines: %s)" %
          (len(statuses), ", ".join(repr(m["STATUS"]) for _t, m in statuses[-3:])))

    wd_mark = notify.mark()
    time.sleep(4.5)
    dogs = [t for t, _m in notify.since(wd_mark, "WATCHDOG")]
    gaps = [b - a for a, b in zip(dogs, dogs[1:])]
    check(len(dogs) >= 4 and all(g < 1.6 for g in gaps),
          "WATCHDOG=1 arrives every second with WATCHDOG_USEC=2000000 (%d in 4.5 s, gaps %s)" %
          (len(dogs), ["%.2f" % g for g in gaps]))

    stop_mark = notify.mark()
    rc, elapsed = timed_stop(server)
    check(bool(notify.since(stop_mark, "STOPPING")), "SIGTERM: STOPPING=1 is sent")
    check(rc == 0 and elapsed < 2.0, "SIGTERM: exit status 0 in %.2fs" % elapsed,
          "exit status %s" % rc)
    return udh, ip


def part_user(ctx, lan, srv, obs, udh, ip, notify):
    log("# -u nobody: uid, gid, capabilities, unicast replies, DNS, journal")
    # The user must be able to reach the state directory through the test's directory.
    os.chmod(lan.dir, 0o755)
    import pwd
    nobody = pwd.getpwnam(NOBODY)
    control_dir = lan.path("control")
    os.makedirs(control_dir, exist_ok=True)
    extra = ["-u", NOBODY, "--control-socket=" + os.path.join(control_dir, "control.sock")]
    cfg = D.dns_config(ranges=[RANGE], extra=extra)
    server = ctx.server(srv, cfg, dns_port=53, wrapper=notify_wrapper(notify))
    capture = ctx.capture(srv)
    mark = notify.mark()
    server.start()
    notify.wait(mark, "READY", 15, value="1")
    D.wait_dns_ready(server)
    st = proc_status(server.proc.pid)
    uids, gids = st["Uid"].split(), st["Gid"].split()
    check(all(int(u) == nobody.pw_uid for u in uids) and
          all(int(g) == nobody.pw_gid for g in gids),
          "-u nobody: real, effective, saved and fs uid/gid are nobody's (Uid %s, Gid %s)" %
          (st["Uid"], st["Gid"]))
    check(st["Groups"].split() in ([], [str(nobody.pw_gid)]),
          "no supplementary group of root's is kept (Groups: %r)" % st["Groups"])
    caps = {k: int(st[k], 16) for k in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb")}
    check(caps["CapEff"] == KEPT_CAPS and caps["CapPrm"] == KEPT_CAPS and
          caps["CapBnd"] == KEPT_CAPS and caps["CapInh"] == 0 and caps["CapAmb"] == 0,
          "capabilities: exactly NET_BIND_SERVICE, NET_RAW and NET_ADMIN (%s)" %
          ", ".join("%s %016x" % kv for kv in caps.items()))

    state = server.state_dir
    journal = os.path.join(state, "leases.journal")
    for path in (state, journal):
        s = os.stat(path)
        check(s.st_uid == nobody.pw_uid, "%s belongs to nobody" % os.path.basename(path),
              "uid %d" % s.st_uid)

    # The known client renews (its lease came from the root run), a new one gets a lease
    # by unicast: no broadcast bit, the ARP entry set with CAP_NET_ADMIN.
    node2 = lan.add_node("udh2", mac=L.mac_for(2, base=0x51))
    udh2 = ctx.client(L.Udhcpc(node2, "svc-two"))
    after = len(capture.packets())
    udh2.start()
    ip2 = udh2.wait_bound(timeout=30).ip
    ack = capture.wait_for(lambda p: p.type == "ACK" and p.chaddr == node2.mac, 5,
                           "the ACK to the second client", after=after)
    check(not ack.broadcast_flag and ack.eth_dst == node2.mac and ack.ip_dst == ip2,
          "as nobody, the ACK is unicast to the new client (%s)" % ack.summary())
    check("DHCP-ARP-FAILED" not in server.log_text(),
          "as nobody, the ARP entries are written (no DHCP-ARP-FAILED in the log)")
    D.check_resolves(obs, "svc-two.lan", [ip2], what="as nobody, svc-two.lan answers %s" % ip2,
                     server=SERVER_IP)
    D.check_resolves(obs, "svc-host.lan", [ip],
                     what="as nobody, svc-host.lan (leased while root) answers %s" % ip,
                     server=SERVER_IP)

    rc, elapsed = timed_stop(server)
    check(rc == 0 and elapsed < 2.0, "-u nobody: SIGTERM exits 0 in %.2fs" % elapsed,
          "exit status %s" % rc)
    server.start()
    D.wait_dns_ready(server)
    D.check_resolves(obs, "svc-two.lan", [ip2],
                     what="after a restart as nobody, the lease it wrote as nobody answers",
                     server=SERVER_IP)
    check(os.stat(journal).st_uid == nobody.pw_uid,
          "after the restart (journal rewritten at start-up) the journal belongs to nobody")
    timed_stop(server)

    # A lease file directory that is not root's and not the user's: not given away, and
    # the start-up stops instead of running with a journal it could not compact.
    foreign = lan.path("foreign")
    os.makedirs(foreign, exist_ok=True)
    os.chown(foreign, 1, 1)  # daemon:daemon
    bad = ctx.server(srv, D.dns_config(ranges=[RANGE], extra=extra + [
        "--dhcp-leasefile=" + os.path.join(foreign, "leases.journal")]), dns_port=53)
    bad.start(wait=False)
    rc = bad.proc.wait(10)
    out = bad.proc.output()
    check(rc == 1 and "cannot write to " + foreign in out,
          "a lease directory nobody cannot write stops the start-up (exit %s)" % rc,
          out[-400:])

    unknown = ctx.server(srv, D.dns_config(ranges=[RANGE], extra=["-u", "no-such-user-h12"]),
                         dns_port=53)
    unknown.start(wait=False)
    rc = unknown.proc.wait(10)
    out = unknown.proc.output()
    check(rc == 1 and "unknown user 'no-such-user-h12'" in out,
          "an unknown user stops the start-up with a message naming it (exit %s)" % rc,
          out[-300:])
    udh2.stop()


def part_sigterm_under_load(ctx, srv, load_node):
    log("# SIGTERM under load")
    rng = random.Random(int(os.environ.get("FAULT_SEED", str(int(time.time())))))
    server = ctx.server(srv, L.ServerConfig(ranges=[RANGE], authoritative=True, domain="lan",
                                            extra=["--no-resolv", "--control-socket=" +
                                                   srv.lan.path("ctl.sock")]), dns_port=53)
    ledger, pop, sim = checked_load(load_node, rng)
    L.on_cleanup(sim.close)
    server.start()
    # Known clients first: from then on the load (new clients and reboots) is endless
    # and only the server's exit ends it, so SIGTERM always lands under load.
    sim.run(pop.txns(20, reboots=0), window=16, timeout=20)
    for cycle in (1, 2, 3):
        proc = server.proc
        delay = rng.uniform(0.3, 1.0)
        result = {}

        def stopper():
            result["t0"] = time.monotonic()
            os.kill(proc.pid, signal.SIGTERM)
            try:
                result["rc"] = proc.popen.wait(timeout=10)
            except Exception:
                result["rc"] = None
            result["elapsed"] = time.monotonic() - result["t0"]

        timer = threading.Timer(delay, stopper)
        acks_before = ledger.acks
        timer.start()
        sim.run(pop.txns(30), window=16, timeout=delay + 10, stop=lambda: not proc.alive(),
                drain=0.3)
        timer.join()
        server.stop()
        check(result.get("rc") == 0 and result["elapsed"] < 2.0,
              "cycle %d: SIGTERM after %.2fs of load (%d ACKs): exit status 0 in %.2fs" %
              (cycle, delay, ledger.acks - acks_before, result.get("elapsed", -1)),
              "exit status %s" % result.get("rc"))
        server.start()
        verify_all(sim, ledger, pop, "cycle %d" % cycle)
    check(ledger.acks > 0, "the load was acknowledged (%d ACKs, %d clients)" %
          (ledger.acks, len(ledger.clients)))
    server.stop()


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    obs = lan.add_node("obs", ip=OBSERVER_IP, prefix_len=PREFIX)
    load = lan.add_node("load", ip=LOAD_IP, prefix_len=PREFIX)
    client_node = lan.add_node("udh", mac=L.mac_for(1, base=0x51))
    notify = NotifyListener(lan.path("notify.sock"))
    udh, ip = part_notify(ctx, srv, obs, client_node, notify)
    part_user(ctx, lan, srv, obs, udh, ip, notify)
    part_sigterm_under_load(ctx, srv, load)


if __name__ == "__main__":
    L.main("service", body, tools=("dig", "udhcpc"), hard_timeout=90)

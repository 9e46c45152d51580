#!/usr/bin/python3
"""The wall clock is stepped under a running server (ROBUSTNESS D8): a Raspberry Pi has
no real-time clock, so NTP sets its time some while after boot, often by hours or days.

The server runs under libfaketime with a time offset it reads from a file at every
clock read (FAKETIME_TIMESTAMP_FILE, no cache) and the real monotonic clock
(FAKETIME_DONT_FAKE_MONOTONIC): rewriting the file steps the server's wall clock as
NTP or `date -s` would. A simulated client takes a 2-minute lease with a host name;
its remaining lifetime is read with `leasectl leases --json` (expires_in).

  * +1 day: the lease does not expire (its name keeps answering, its remaining lifetime
    is what it was), the server notices the step (CLOCK-STEP) and rewrites its journal,
    so after a restart, still a day ahead, the lease and its name are there;
  * then back 1 hour: the lease does not outlive its grant: its remaining lifetime is
    still under 2 minutes, not an hour more;
  * a restart with the clock a day behind the journal (a Pi booting without RTC, before
    NTP): the server says so (CLOCK-BEHIND) and the lease keeps the lifetime it had at
    the last grant, counted from the start, not a day more.
"""

import os
import time

import dhcpsim as S
import dnscheck as D
import lan as L
import leasectl_client as C
from lan import check

OBSERVER_IP = "198.18.0.9"
LEASE_SECONDS = 120  # the shortest lease time (as dnsmasq)
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def remaining(server, ip):
    rows = {r["address"]: r for r in C.ctl_json(C.socket_of(server), "leases")}
    check(ip in rows, "leasectl lists the lease of %s" % ip, sorted(rows))
    return rows[ip]["expires_in"]


def check_remaining(server, ip, granted, when):
    want = LEASE_SECONDS - (time.monotonic() - granted)
    left = remaining(server, ip)
    check(abs(left - want) <= 3, "%s: the lease has %s s left (%.0f s expected)" %
          (when, left, want))


def set_offset(path, spec):
    with open(path + ".tmp", "w") as f:
        f.write(spec + "\n")
    os.replace(path + ".tmp", path)


def body(ctx):
    if not os.path.exists(LIBFAKETIME):
        raise L.Skip("libfaketime is not installed (Debian package faketime)")
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    sim_node = lan.add_node("sim")
    offset_file = lan.path("faketime-offset")
    set_offset(offset_file, "+0")
    wrapper = ["env", "LD_PRELOAD=" + LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE=" + offset_file,
               "FAKETIME_NO_CACHE=1", "FAKETIME_DONT_FAKE_MONOTONIC=1"]
    config = D.dns_config(ranges=["198.18.0.100,198.18.0.150,255.255.255.0,2m"])
    server = ctx.server(srv, config, dns_port=D.DNS_PORT, wrapper=wrapper)
    server.start()
    D.wait_dns_ready(server)

    sim = S.Sim(sim_node, server_id=L.SERVER_IP)
    L.on_cleanup(sim.close)
    t = sim.one(S.Txn("dora", L.mac_for(7, base=0x70), hostname="clk-host"))
    granted = time.monotonic()
    check(t.result == "ack", "the simulated client 'clk-host' got a lease", t.result)
    check(t.reply.lease_time == LEASE_SECONDS, "lease time %s s" % t.reply.lease_time)
    ip = t.reply.yiaddr
    D.check_resolves(observer, "clk-host.lan", [ip], what="clk-host.lan answers %s" % ip)

    check_remaining(server, ip, granted, "before any step")

    # NTP sets the clock a day ahead.
    set_offset(offset_file, "+1d")
    server.wait_log(r"CLOCK-STEP the wall clock was stepped by 86[34]\d\d s", timeout=15)
    D.check_resolves(observer, "clk-host.lan", [ip],
                     what="a day later by the wall clock, clk-host.lan still answers")
    check_remaining(server, ip, granted, "after a step of +1 day")
    # The journal was rewritten in the new time: a restart (still a day ahead) keeps it.
    time.sleep(0.5)
    D.restart_server(server, L.signal.SIGTERM)
    D.check_resolves(observer, "clk-host.lan", [ip],
                     what="after a restart a day ahead, clk-host.lan still answers")
    check_remaining(server, ip, granted, "after a restart a day ahead")

    # Then back an hour (an operator's `date -s`): the lease keeps its time, no more.
    set_offset(offset_file, "+23h")
    server.wait_log(r"CLOCK-STEP the wall clock was stepped by -3[56]\d\d s", timeout=15)
    check_remaining(server, ip, granted, "after a step back of 1 hour")
    D.check_resolves(observer, "clk-host.lan", [ip],
                     what="after the step back, clk-host.lan still answers")

    # A restart with the clock a day behind the journal's last grant.
    set_offset(offset_file, "-1d")
    D.restart_server(server, L.signal.SIGTERM)
    restarted = time.monotonic()
    # (the last grant is in the time of the steps above: a day minus an hour ahead)
    server.wait_log(r"CLOCK-BEHIND the journal's last grant is \d+ s later", timeout=5)
    left = remaining(server, ip)
    check(0 < left <= LEASE_SECONDS,
          "a day behind at start: the lease has %s s left (at most its %d s from the start, "
          "not a day more)" % (left, LEASE_SECONDS))
    D.check_resolves(observer, "clk-host.lan", [ip],
                     what="a day behind at start, clk-host.lan still answers")
    L.log("info - restarted %.1f s ago" % (time.monotonic() - restarted))


if __name__ == "__main__":
    L.main("clock-step", body, tools=("dig",))

#!/usr/bin/python3
"""--dhcp-script with dnsmasq's semantics (dnsmasq(8), --dhcp-script): a script that
appends its arguments and its DNSMASQ_* environment to a file sees `add` for a new
lease, `old` for a renewal (twice when it changes the name: the old name in
DNSMASQ_OLD_HOSTNAME, then the new one as argument), `del` on release, and
`old` for every existing lease when the server starts again. With E2E_SERVER=dnsmasq the
same test runs against dnsmasq itself, which is how these semantics were checked. A script that
sleeps 5 s delays neither DHCP nor DNS answers: runs happen beside the loop, in order.

Clients are simulated (dhcpsim) so that each lease change happens exactly when the
test says.
"""

import os
import signal
import time

import dhcpsim as S
import dnscheck as D
import lan as L
from lan import check, log

OBSERVER_IP = "198.18.0.9"
CLIENT_ID = b"\x01\x02\xaa\xbb\xcc\xdd\xee"  # option 61 of the second client

RECORD = ('#!/bin/sh\n'
          '%s'
          'printf "call %%s | %%s\\n" "$*" "$(env | grep ^DNSMASQ_ | sort | tr "\\n" " ")"'
          ' >> %s\n')


def write_script(path, calls_path, sleep=0):
    with open(path, "w") as f:
        f.write(RECORD % ("sleep %d\n" % sleep if sleep else "", calls_path))
    os.chmod(path, 0o755)


class Call:
    def __init__(self, line):
        args, _, env = line.partition(" | ")
        self.args = args.split()[1:]
        self.env = dict(kv.split("=", 1) for kv in env.split() if "=" in kv)

    def __repr__(self):
        return "%s %s" % (" ".join(self.args), self.env)


def calls(path):
    try:
        with open(path) as f:
            return [Call(line.rstrip("\n")) for line in f if line.startswith("call ")]
    except OSError:
        return []


def wait_calls(path, count, timeout=10):
    return L.wait_until(lambda: len(calls(path)) >= count and calls(path), timeout,
                        "%d script calls in %s" % (count, path))


def dora(sim, mac, name, client_id=None):
    t = sim.one(S.Txn("dora", mac, hostname=name, client_id=client_id))
    check(t.result == "ack", "%s (%s) got a lease" % (name, mac), t.result)
    return t


def body(ctx):
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    sim_node = lan.add_node("sim")
    script = lan.path("lease-script.sh")
    calls_path = lan.path("calls.txt")
    write_script(script, calls_path)
    server = D.start_server(ctx, srv, D.dns_config(extra=["--dhcp-script=" + script]))
    sim = S.Sim(sim_node, server_id=L.SERVER_IP)
    L.on_cleanup(sim.close)

    mac_a, mac_b, mac_c = (L.mac_for(i, base=0x5c) for i in (1, 2, 3))
    a = dora(sim, mac_a, "scr-a")
    ip_a = a.reply.yiaddr
    got = wait_calls(calls_path, 1)
    check(got[0].args == ["add", mac_a, ip_a, "scr-a"], "a new lease runs `add MAC IP NAME`",
          repr(got))
    env = got[0].env
    check(env.get("DNSMASQ_DOMAIN") == "lan" and env.get("DNSMASQ_INTERFACE") == "eth0",
          "add: DNSMASQ_DOMAIN=lan and DNSMASQ_INTERFACE=eth0", repr(env))
    expires = int(env.get("DNSMASQ_LEASE_EXPIRES", "0"))
    remaining = int(env.get("DNSMASQ_TIME_REMAINING", "0"))
    check(abs(expires - time.time() - 120) < 10 and 100 <= remaining <= 120,
          "add: DNSMASQ_LEASE_EXPIRES is the expiry (now + 2 min), DNSMASQ_TIME_REMAINING "
          "the seconds left", repr(env))
    check("DNSMASQ_CLIENT_ID" not in env and "DNSMASQ_OLD_HOSTNAME" not in env,
          "add: no DNSMASQ_CLIENT_ID (no option 61 sent) and no DNSMASQ_OLD_HOSTNAME",
          repr(env))

    # A renewal runs `old MAC IP NAME`. One under a new name is announced first with
    # `old MAC IP` and the old name in DNSMASQ_OLD_HOSTNAME, then `old MAC IP NEWNAME`.
    t = sim.one(S.Txn("reboot", mac_a, ip=ip_a, hostname="scr-a"))
    check(t.result == "ack", "scr-a renewed", t.result)
    got = wait_calls(calls_path, 2)
    check(got[1].args == ["old", mac_a, ip_a, "scr-a"] and
          "DNSMASQ_OLD_HOSTNAME" not in got[1].env,
          "a renewal runs `old MAC IP NAME`", repr(got[1]))
    t = sim.one(S.Txn("reboot", mac_a, ip=ip_a, hostname="scr-a2"))
    check(t.result == "ack", "scr-a renewed as scr-a2", t.result)
    got = wait_calls(calls_path, 4)
    check(got[2].args == ["old", mac_a, ip_a] and
          got[2].env.get("DNSMASQ_OLD_HOSTNAME") == "scr-a",
          "a rename runs `old MAC IP` with DNSMASQ_OLD_HOSTNAME=old name", repr(got[2]))
    check(got[3].args == ["old", mac_a, ip_a, "scr-a2"] and
          "DNSMASQ_OLD_HOSTNAME" not in got[3].env,
          "... then `old MAC IP NEWNAME`", repr(got[3]))

    sim.one(S.Txn("release", mac_a, ip=ip_a))
    got = wait_calls(calls_path, 5)
    check(got[4].args == ["del", mac_a, ip_a, "scr-a2"] and
          "DNSMASQ_TIME_REMAINING" not in got[4].env,
          "a release runs `del MAC IP NAME` (no DNSMASQ_TIME_REMAINING)", repr(got[4]))

    b = dora(sim, mac_b, "scr-keep", client_id=CLIENT_ID)
    ip_b = b.reply.yiaddr
    got = wait_calls(calls_path, 6)
    check(got[5].args == ["add", mac_b, ip_b, "scr-keep"] and
          got[5].env.get("DNSMASQ_CLIENT_ID") == CLIENT_ID.hex(":"),
          "a client sending option 61 has it in DNSMASQ_CLIENT_ID", repr(got[5]))

    # Start-up: `old` for every existing lease, as dnsmasq does (dnsmasq 2.90 may run it
    # twice for a lease; leasedns runs it once).
    keep = ["old", mac_b, ip_b, "scr-keep"]
    before = len(got)
    D.restart_server(server, signal.SIGTERM)
    wait_calls(calls_path, before + 1)
    time.sleep(0.5)
    after = calls(calls_path)[before:]
    check(after and all(x.args == keep for x in after),
          "after a restart the script sees `old` for the one existing lease", repr(after))

    # A slow script: start-up runs `old` for scr-keep, which sleeps 5 s; meanwhile a new
    # client is served and its name answers at once.
    write_script(script, calls_path, sleep=5)
    before = len(calls(calls_path))
    restarted = time.monotonic()
    D.restart_server(server, signal.SIGTERM)
    c = dora(sim, mac_c, "scr-fast")
    took = c.finished - c.started
    check(took < 1.0, "DHCP is answered while the script sleeps (DORA took %.2fs)" % took)
    r, dns_took = D.wait_status(observer, "scr-fast.lan", "NOERROR", 2)
    check(r.status == "NOERROR" and dns_took < 1.0,
          "DNS answers the new name while the script sleeps (%.2fs)" % dns_took, r.summary())
    if time.monotonic() - restarted < 4.5:  # else the 5 s sleep may be over: nothing to see
        check(len(calls(calls_path)) == before, "the sleeping start-up run has not finished yet",
              repr(calls(calls_path)[before:]))
    fast = ["add", mac_c, c.reply.yiaddr, "scr-fast"]
    L.wait_until(lambda: any(x.args == fast for x in calls(calls_path)[before:]), 20,
                 "the script's `add` for scr-fast")
    after = [x.args for x in calls(calls_path)[before:]]
    check(len(after) >= 2 and after[-1] == fast and all(x == keep for x in after[:-1]),
          "runs happen one at a time, in order: the start-up `old`, then `add`", repr(after))
    log("info - %d script calls" % len(calls(calls_path)))


if __name__ == "__main__":
    L.main("dhcp-script", body, tools=("dig",))

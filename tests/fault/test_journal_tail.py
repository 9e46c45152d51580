#!/usr/bin/python3
"""ROBUSTNESS D3 against the real binary: a damaged journal at start-up.

40 simulated clients hold leases, then one more client Z is ACKed: the journal's
last record is Z's grant. With the server stopped, the journal is then
  * truncated at every byte inside Z's record (a write torn by a crash): the server
    starts, loads the 40 other leases (not Z's: that write never completed, so its
    ACK never left), warns, and keeps the damaged file aside as JOURNAL.corrupt-*;
    after one such start every one of the 40 clients is re-ACKed its address;
  * followed by garbage: all 41 leases load, with a warning;
  * corrupted in the middle (one byte of record 20 flipped): the documented policy,
    replay stops at the first bad record: the server starts, loads the 19 before it,
    warns and keeps the file aside.
Never fatal. The record layout (magic "LDNSJ1\\n\\0", then u32 length, u32 CRC-32,
payload; big-endian) is in include/leasedns/leases/journal.hpp.
"""

import glob
import os
import random
import re
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import dhcpsim as S  # noqa: E402
import lan as L  # noqa: E402
from faultlib import PREFIX, RANGE, SERVER_IP, checked_load, verify_all  # noqa: E402
from lan import check, log  # noqa: E402

MAGIC = b"LDNSJ1\n\0"
CLIENTS = 40


def records(data):
    """(offset, total length) of each whole record after the magic."""
    out, i = [], len(MAGIC)
    while i + 8 <= len(data):
        n = struct.unpack("!I", data[i:i + 4])[0]
        if i + 8 + n > len(data):
            break
        out.append((i, 8 + n))
        i += 8 + n
    return out


def start_until_loaded(server, timeout=10):
    """Starts the server and waits for its "N leases loaded" line; returns N (or None if
    it exited first) and leaves it running."""
    server.start(wait=False, quiet=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(r"(\d+) leases loaded", server.proc.output())
        if m:
            return int(m.group(1))
        if not server.proc.alive():
            return None
        time.sleep(0.02)
    raise L.Timeout("no 'leases loaded' line within %ds" % timeout)


def body(ctx):
    rng = random.Random(3)
    lan = ctx.new_lan()
    srv = lan.add_node("srv", ip=SERVER_IP, prefix_len=PREFIX)
    load = lan.add_node("load")
    server = ctx.server(srv, L.ServerConfig(ranges=[RANGE], authoritative=True))
    journal = os.path.join(server.state_dir, "leases.journal")
    ledger, pop, sim = checked_load(load, rng)

    server.start()
    sim.run([pop.new_txn() for _ in range(CLIENTS)], window=16, timeout=30)
    check(len(ledger.clients) == CLIENTS, "%d clients obtained leases" % CLIENTS)
    z = sim.one(pop.new_txn())
    check(z.result == "ack", "client Z obtained %s" % (z.reply and z.reply.yiaddr))
    server.stop(signal.SIGKILL)

    with open(journal, "rb") as f:
        full = f.read()
    recs = records(full)
    check(recs and recs[-1][0] + recs[-1][1] == len(full),
          "the journal is %d whole records (%d bytes)" % (len(recs), len(full)))
    last_off, last_len = recs[-1]
    z_ip = z.reply.yiaddr
    check(bytes(int(x) for x in z_ip.split(".")) in full[last_off:],
          "the last record is Z's grant (%s)" % z_ip)

    def write_journal(data):
        for f in glob.glob(journal + ".corrupt-*"):
            os.unlink(f)
        with open(journal, "wb") as f:
            f.write(data)

    def one_start(data, want):
        write_journal(data)
        n = start_until_loaded(server)
        ok = n == want and server.proc.alive()
        warned = "JOURNAL-TAIL" in server.proc.output()
        kept = glob.glob(journal + ".corrupt-*")
        return ok, warned, kept, n

    bad = []
    for cut in range(1, last_len):
        ok, warned, kept, n = one_start(full[:last_off + cut], CLIENTS)
        if not (ok and warned and kept):
            bad.append("cut at byte %d of %d: loaded %s, alive %s, warned %s, kept %s" % (
                cut, last_len, n, server.proc.alive(), warned, kept))
        server.stop(signal.SIGKILL, quiet=True)
    check(not bad, "truncated at each of the %d bytes inside the last record: the server "
          "starts, loads the %d earlier leases, warns and keeps the damaged file aside" %
          (last_len - 1, CLIENTS), "; ".join(bad[:5]))

    # One torn start in full: the other clients keep their addresses, Z is not lost
    # to anyone either (an authoritative server gives a free address back).
    write_journal(full[:last_off + last_len // 2])
    server.start(quiet=True)
    del ledger.clients[z.mac]
    ledger.holder.pop(z_ip, None)
    verify_all(sim, ledger, pop, "after a torn last record")
    server.stop(signal.SIGKILL, quiet=True)

    ok, warned, kept, n = one_start(full + bytes(rng.getrandbits(8) for _ in range(37)),
                                    CLIENTS + 1)
    check(ok and warned and kept, "garbage after the last record: all %d leases load, with a "
          "warning, the file kept aside" % (CLIENTS + 1),
          "loaded %s, warned %s, kept %s" % (n, warned, kept))
    server.stop(signal.SIGKILL, quiet=True)

    off, ln = recs[19]
    flipped = bytearray(full)
    flipped[off + 8 + ln // 2 - 4] ^= 0x40
    ok, warned, kept, n = one_start(bytes(flipped), 19)
    check(ok and warned and kept, "a flipped byte in record 20: the server starts, loads the "
          "19 records before it, warns and keeps the file aside (the documented policy)",
          "loaded %s, warned %s, kept %s" % (n, warned, kept))
    log("info - " + [ln for ln in server.proc.output().splitlines()
                     if "JOURNAL-TAIL" in ln][0].strip())
    server.stop(signal.SIGKILL, quiet=True)
    sim.close()


if __name__ == "__main__":
    L.main("journal-tail", body, prefix="ldfault", hard_timeout=120)

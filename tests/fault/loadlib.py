"""Shared pieces of the long-running load tests (ROBUSTNESS J3 overload, J5 soak): the
DHCP load generator (bench/loadgen.cpp, leasedns-loadgen) run as a relay agent in a
namespace of the test's LAN, the daemon's memory and descriptors read from /proc, and
its DHCP-STATS counters (SIGUSR1).

The load generator is found in $LEASEDNS_LOADGEN (tests/fault/meson.build sets it when
the build has -Dbench=true), else next to the build's bench/ directory; without it the
tests that need it skip (exit 77)."""

import json
import os
import re
import signal
import sys
import time

import lan as L


def stretch_hard_timeout(seconds):
    """A long run (SOAK_SECONDS, OVERLOAD_SECONDS) needs more than the hard deadline meson
    passes (--hard-timeout N, sized for CI): raise it to `seconds` if that is more."""
    argv = sys.argv
    if "--hard-timeout" in argv[1:-1]:
        i = argv.index("--hard-timeout") + 1
        argv[i] = str(max(int(argv[i]), int(seconds)))


def loadgen_bin(required=True):
    """The leasedns-loadgen executable, or None (required: Skip instead)."""
    path = os.environ.get("LEASEDNS_LOADGEN", "")
    if not path and os.environ.get("LEASEDNS_BIN"):
        app = os.path.dirname(os.path.abspath(os.environ["LEASEDNS_BIN"]))
        path = os.path.join(app, "..", "..", "bench", "leasedns-loadgen")
    if path and os.access(path, os.X_OK):
        return os.path.abspath(path)
    if required:
        raise L.Skip("leasedns-loadgen not found (build with -Dbench=true or set "
                     "LEASEDNS_LOADGEN)")
    return None


class Loadgen:
    """One leasedns-loadgen run in `node`'s namespace, relaying for `server_ip` from the
    node's address (giaddr): thousands of clients without an interface each. args: the
    mode and options (see loadgen --help). result() waits for its JSON line."""

    def __init__(self, node, server_ip, args, tag="loadgen", cpu=None):
        argv = [loadgen_bin(), ] + list(args) + ["--relay", node.ip, "--server", server_ip,
                                                 "--quiet"]
        if cpu is not None:
            argv = ["taskset", "-c", str(cpu)] + argv
        self.proc = node.spawn(tag, argv)

    def done(self):
        return not self.proc.alive()

    def result(self, timeout=30):
        """The run's JSON summary (dict); raises CheckFailed if there is none."""
        try:
            self.proc.wait(timeout)
        except L.Timeout:
            self.proc.stop(signal.SIGTERM)
        for line in reversed(self.proc.output().splitlines()):
            if line.startswith("{") and line.endswith("}"):
                return json.loads(line)
        raise L.CheckFailed("loadgen printed no summary (exit %s): %s" % (
            self.proc.returncode(), self.proc.output()[-2000:]))

    def stop(self):
        self.proc.stop(signal.SIGTERM)


def proc_status(pid):
    """{'VmRSS': kB, 'RssAnon': kB, ...} from /proc/PID/status (kB fields only)."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Sampler:
    """Memory (VmRSS, RssAnon, kB) and descriptor count of one process, once per call."""

    def __init__(self, pid):
        self.pid = pid
        self.samples = []   # (monotonic time, VmRSS kB, RssAnon kB, fds)

    def sample(self):
        st = proc_status(self.pid)
        s = (time.monotonic(), st.get("VmRSS", 0), st.get("RssAnon", 0), fd_count(self.pid))
        self.samples.append(s)
        return s

    def between(self, t0, t1=None):
        return [s for s in self.samples if s[0] >= t0 and (t1 is None or s[0] < t1)]


def dhcp_stats(server, pid, timeout=5):
    """The counters of a fresh DHCP-STATS line (SIGUSR1) as a dict: 'ack', 'offer',
    'discover', 'request', 'release', 'stale', 'overflow', 'leases' (where present)."""
    pattern = re.compile(r"DHCP-STATS.*")
    before = len(pattern.findall(server.log_text()))
    os.kill(pid, signal.SIGUSR1)
    L.wait_until(lambda: len(pattern.findall(server.log_text())) > before, timeout,
                 "a DHCP-STATS line")
    line = pattern.findall(server.log_text())[-1]
    stats = {k: int(v) for k, v in re.findall(r"\b([a-z_]+)=(\d+)", line)}
    m = re.search(r"leases (\d+)", line)
    if m:
        stats["leases"] = int(m.group(1))
    return stats

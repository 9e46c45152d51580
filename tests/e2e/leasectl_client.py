"""Runs leasectl (next to the leasedns under test) against a test's daemon: shared by the
end-to-end and fault tests that read the daemon's state through its control socket."""

import json
import os
import subprocess

import lan as L
from lan import check


def socket_of(server):
    """The control socket of `server` (lan.Server gives each daemon its own)."""
    return os.path.join(server.state_dir, "control.sock")


def leasectl_bin():
    path = os.path.join(os.path.dirname(L.leasedns_bin()), "leasectl")
    if not os.access(path, os.X_OK):
        raise L.CheckFailed("leasectl not found next to leasedns: %s" % path)
    return path


def ctl(sock, *args, expect=0):
    """Runs leasectl; checks its exit status; returns (stdout, stderr)."""
    argv = [leasectl_bin(), "--control-socket", sock] + list(args)
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=40)
    if res.returncode != expect:
        raise L.CheckFailed("%s exited %d, expected %d\nstdout: %s\nstderr: %s" % (
            " ".join(args), res.returncode, expect, res.stdout, res.stderr))
    return res.stdout, res.stderr


def ctl_json(sock, *args):
    out, _ = ctl(sock, "--json", *args)
    lines = out.splitlines()
    check(len(lines) == 1, "leasectl --json %s prints one line" % " ".join(args), out)
    reply = json.loads(lines[0])
    check(reply.get("ok") is True, "leasectl --json %s answers ok" % " ".join(args), out)
    return reply["result"]


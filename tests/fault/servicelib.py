"""What systemd and an operator see of a leasedns under test: `leasectl --json stats`
(the control socket) and the sd_notify(3) datagrams, read from a NOTIFY_SOCKET that the
test binds (there is no systemd as PID 1 here: the test plays its part)."""

import os
import socket
import threading
import time

import lan as L
import leasectl_client as C


def leasectl_stats(server):
    """`leasectl --json stats` of `server` (lan.Server): {section: {name: value}}."""
    return C.ctl_json(C.socket_of(server), "stats")


def journal_state(server):
    """leasectl stats' journal.state: "ok", "degraded" or "failed"."""
    return leasectl_stats(server)["journal"]["state"]


def wait_journal_state(server, want, timeout):
    seen = []

    def ok():
        s = journal_state(server)
        seen.append(s)
        return s == want
    try:
        L.wait_until(ok, timeout, "journal.state %s" % want, interval=0.05)
    except L.Timeout:
        raise L.CheckFailed("journal.state never became %s in %.1fs (last: %s)" %
                            (want, timeout, seen[-1:]))


class NotifySocket:
    """systemd's end of the notification protocol: a datagram socket bound at `path`; a
    thread receives every message as it arrives and keeps it as
    (time.monotonic() of arrival, {KEY: value})."""

    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.messages = []
        self.lock = threading.Lock()
        self.closing = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        L.on_cleanup(self.close)

    def _read(self):
        while not self.closing:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            now = time.monotonic()
            fields = dict(line.split("=", 1) for line in data.decode(errors="replace")
                          .splitlines() if "=" in line)
            with self.lock:
                self.messages.append((now, fields))

    def env(self, watchdog_usec=None):
        """Environment assignments for the service (an `env` wrapper's arguments)."""
        out = ["NOTIFY_SOCKET=" + self.path]
        if watchdog_usec:
            out.append("WATCHDOG_USEC=%d" % watchdog_usec)
        return out

    def since(self, t0, key=None):
        """Messages that arrived at or after t0 (monotonic), those with `key` if given."""
        with self.lock:
            return [(t, m) for t, m in self.messages
                    if t >= t0 and (key is None or key in m)]

    def wait_for(self, predicate, timeout, what, after=0.0):
        """The first message at or after `after` (monotonic) for which predicate(fields)."""
        def find():
            for t, m in self.since(after):
                if predicate(m):
                    return (t, m)
            return None
        return L.wait_until(find, timeout, what, interval=0.02)

    def close(self):
        self.closing = True
        self.reader.join(timeout=1)
        try:
            self.sock.close()
            os.unlink(self.path)
        except OSError:
            pass

#!/usr/bin/python3
"""busybox udhcpc against the server: lease, renew (SIGUSR1), second client,
release (SIGUSR2). udhcpc sends a client identifier (option 61) by default."""

import lan as L
from flows import client_lifecycle


def body(ctx):
    client_lifecycle(ctx, lambda node, name: L.Udhcpc(node, name), renew=lambda c: c.renew())


if __name__ == "__main__":
    L.main("udhcpc", body, tools=("udhcpc",))

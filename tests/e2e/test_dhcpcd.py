#!/usr/bin/python3
"""dhcpcd against the server: lease, renew (dhcpcd -N), second client, release
(dhcpcd -k). dhcpcd ARP-probes the offered address before using it (RFC 5227)."""

import lan as L
from flows import client_lifecycle


def body(ctx):
    client_lifecycle(ctx, lambda node, name: L.Dhcpcd(node, name), renew=lambda c: c.renew())


if __name__ == "__main__":
    L.main("dhcpcd", body, tools=("dhcpcd", "udhcpc"))

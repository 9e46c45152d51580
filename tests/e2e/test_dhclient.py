#!/usr/bin/python3
"""ISC dhclient against the server: lease, renew at T1, second client, release.

dhclient has no flag to renew now, so its config supersedes T1 (option 58) with
5 seconds: dhclient then reaches RENEWING on its own, as it would at T1.
"""

import lan as L
from flows import client_lifecycle


def make(node, name):
    return L.Dhclient(node, name, conf_extra="supersede dhcp-renewal-time 5;")


def body(ctx):
    # The renewal happens by itself 5 s after binding; nothing to trigger.
    client_lifecycle(ctx, make, renew=lambda c: None)


if __name__ == "__main__":
    L.main("dhclient", body, tools=("dhclient",))

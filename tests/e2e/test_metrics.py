#!/usr/bin/python3
"""Prometheus metrics over HTTP (--metrics-listen; leasedns(8) METRICS; ROBUSTNESS K).

A server on a namespace LAN with DNS and --metrics-listen=127.0.0.1#PORT: the endpoint
lives on the server namespace's own loopback, so every HTTP request below is made by
python inside that namespace (`ip netns exec`), never from the host.
1. /metrics answers 200 text/plain; version=0.0.4 with # HELP and # TYPE lines; the
   socket is bound to 127.0.0.1 only and the LAN cannot reach it.
2. udhcpc gets a lease and dig resolves its name; then the page counts it: a DISCOVER
   received, an ACK sent, one bound lease, a DNS query, a journal sync, with the same
   figures leasectl stats shows.
3. HEAD: the head without the body. Another path: 404; another method: 405 with Allow; a
   body: 413; pipelined requests on one connection: both answered.
4. Malformed requests (garbage, no Host, a 3 KB target, HTTP/2.0) get 400/414/505 and the
   connection is closed; they are counted, and the page is still served. Of 20 idle
   connections the 4 over the limit are told 503; an idle one is closed after 10 s.
5. Restarted without --metrics-listen, leasedns listens on no TCP port but DNS's 53.
"""

import json
import os
import subprocess

import dnscheck as D
import lan as L
from lan import check, log

OBSERVER_IP = "198.18.0.9"
PORT = 9153

# Run inside the server's namespace: one HTTP request with urllib, the outcome as JSON.
FETCH = r'''
import json, sys, urllib.error, urllib.request
method, url, body = sys.argv[1], sys.argv[2], sys.argv[3].encode() or None
req = urllib.request.Request(url, method=method, data=body)
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        status, headers, data = r.status, dict(r.headers), r.read()
except urllib.error.HTTPError as e:
    status, headers, data = e.code, dict(e.headers), e.read()
print(json.dumps({"status": status, "headers": headers, "body": data.decode("utf-8")}))
'''

# Raw bytes (hex) in, everything the server sends until it closes out (or TIMEOUT).
RAW = r'''
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(bytes.fromhex(sys.argv[3]))
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    print(data.decode("latin-1") + "\n<closed>")
except socket.timeout:
    print(data.decode("latin-1") + "\n<TIMEOUT>")
except ConnectionError as e:
    print(data.decode("latin-1") + "\n<error %s>" % e)
'''


# 20 idle connections at once: how many were told 503 at once, and how long the first one
# stayed open without a request.
CAPS = r'''
import json, socket, sys, time
conns = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15) for _ in range(20)]
time.sleep(0.5)
told = 0
for s in conns[16:]:
    s.settimeout(3)
    try:
        data = s.recv(4096)
        told += data.startswith(b"HTTP/1.1 503 ")
    except socket.timeout:
        pass
t0 = time.monotonic()
closed = conns[0].recv(1) == b""
print(json.dumps({"told": told, "closed": closed, "after": time.monotonic() - t0 + 0.5}))
'''


def fetch(node, path, method="GET", body=""):
    res = node.run(["python3", "-c", FETCH, method, "http://127.0.0.1:%d%s" % (PORT, path), body],
                   check=False, timeout=20)
    if res.returncode != 0:
        raise L.CheckFailed("HTTP %s %s failed: %s" % (method, path, res.stdout))
    return json.loads(res.stdout.strip().splitlines()[-1])


def raw(node, data, host="127.0.0.1"):
    res = node.run(["python3", "-c", RAW, host, str(PORT), data.hex()], check=False, timeout=20)
    return res.stdout


def samples(text):
    """{'name{labels}': value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def wait_metrics(node):
    def up():
        try:
            return fetch(node, "/metrics")["status"] == 200
        except (L.CheckFailed, ValueError, IndexError):
            return False
    L.wait_until(up, 10, "the metrics endpoint to answer")


def leasedns_tcp_ports(srv):
    out = srv.node.run(["ss", "-H", "-l", "-t", "-n", "-p"], check=False).stdout
    ports = set()
    for line in out.splitlines():
        if "pid=%d," % srv.proc.pid in line:
            ports.add(line.split()[3])
    return ports


def page_and_format(srv_node):
    r = fetch(srv_node, "/metrics")
    check(r["status"] == 200 and r["headers"].get("Content-Type", "").startswith(
        "text/plain; version=0.0.4"), "GET /metrics: 200 text/plain; version=0.0.4",
          "%s %s" % (r["status"], r["headers"]))
    text = r["body"]
    check("# HELP leasedns_dhcp_packets_received_total " in text and
          "# TYPE leasedns_dhcp_packets_received_total counter" in text and
          "# TYPE leasedns_leases gauge" in text,
          "the page has # HELP and # TYPE lines", text[:400])
    return text


def counts_moved(srv_node, sock, lease_ip):
    text = fetch(srv_node, "/metrics")["body"]
    s = samples(text)
    acks = s.get('leasedns_dhcp_packets_sent_total{type="ack"}', 0)
    check(s.get('leasedns_dhcp_packets_received_total{type="discover"}', 0) >= 1 and acks >= 1,
          "a DISCOVER received and an ACK sent are counted", str(acks))
    check(s.get('leasedns_leases{state="bound"}') == 1, "one bound lease (%s)" % lease_ip,
          str(s.get('leasedns_leases{state="bound"}')))
    check(s.get("leasedns_dns_queries_total", 0) >= 1 and
          s.get('leasedns_dns_answers_total{source="local"}', 0) >= 1,
          "the DNS query is counted", str(s.get("leasedns_dns_queries_total")))
    check(s.get("leasedns_journal_syncs_total", 0) >= 1, "journal syncs are counted")
    # The same data source as leasectl stats: the same figures.
    leasectl = os.path.join(os.path.dirname(L.leasedns_bin()), "leasectl")
    res = subprocess.run([leasectl, "--control-socket", sock, "--json", "stats"],
                         stdout=subprocess.PIPE, text=True, timeout=20)
    stats = json.loads(res.stdout)["result"]
    check(stats["dhcp"]["sent_ack"] == acks and stats["leases"]["bound"] == 1 and
          stats["journal"]["syncs"] >= s["leasedns_journal_syncs_total"],
          "leasectl stats shows the same figures", str(stats["dhcp"]))


def http_semantics(srv_node):
    r = fetch(srv_node, "/metrics", "HEAD")
    check(r["status"] == 200 and r["body"] == "" and int(r["headers"]["Content-Length"]) > 100,
          "HEAD /metrics: 200, the length, no body", str(r["headers"]))
    r = fetch(srv_node, "/")
    check(r["status"] == 404, "GET /: 404", str(r["status"]))
    r = fetch(srv_node, "/metrics", "DELETE")
    check(r["status"] == 405 and r["headers"].get("Allow") == "GET, HEAD",
          "DELETE /metrics: 405 with Allow: GET, HEAD", str(r))
    r = fetch(srv_node, "/metrics", "POST", "x=1")
    check(r["status"] == 413, "a request with a body: 413", str(r["status"]))
    out = raw(srv_node, b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
                        b"HEAD /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    check(out.count("HTTP/1.1 200 OK") == 2 and out.rstrip().endswith("<closed>"),
          "two pipelined requests on one connection: both answered, then closed", out[-200:])


def malformed(srv_node):
    for data, status in ((b"\x16\x03\x01\x00\xa5garbage\r\n\r\n", 400),
                         (b"GET /metrics HTTP/1.1\r\n\r\n", 400),
                         (b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
                         (b"GET /metrics HTTP/2.0\r\nHost: a\r\n\r\n", 505)):
        out = raw(srv_node, data)
        check(out.startswith("HTTP/1.1 %d " % status) and "Connection: close" in out and
              out.rstrip().endswith("<closed>"),
              "%r...: %d, then the connection is closed" % (data[:24], status), out[:200])
    s = samples(fetch(srv_node, "/metrics")["body"])
    check(s.get("leasedns_metrics_bad_requests_total", 0) >= 4,
          "malformed requests are counted, and the page is still served",
          str(s.get("leasedns_metrics_bad_requests_total")))


def limits(srv_node):
    res = srv_node.run(["python3", "-c", CAPS, str(PORT)], check=False, timeout=30)
    r = json.loads(res.stdout.strip().splitlines()[-1])
    check(r["told"] == 4, "20 connections at once: the 4 over the limit of 16 get 503", str(r))
    check(r["closed"] and 9 <= r["after"] <= 13,
          "a connection that sends no request is closed after 10 s", str(r))
    r = fetch(srv_node, "/metrics")
    check(r["status"] == 200 and "leasedns_metrics_rejected_connections_total 4" in r["body"],
          "then the page is served again, counting the 4 refused", str(r["status"]))


def body(ctx):
    lan = ctx.new_lan()
    srv_node = lan.add_node("srv", ip=L.SERVER_IP)
    observer = lan.add_node("obs", ip=OBSERVER_IP)
    client_node = lan.add_node("udhcpc", mac=L.mac_for(1, base=0x90))
    sock = os.path.join(lan.dir, "ctl", "control.sock")
    metrics_flag = "--metrics-listen=127.0.0.1#%d" % PORT
    config = D.dns_config(extra=["--control-socket=" + sock, metrics_flag])
    srv = D.start_server(ctx, srv_node, config)
    wait_metrics(srv_node)
    page_and_format(srv_node)
    ports = leasedns_tcp_ports(srv)
    check("127.0.0.1:%d" % PORT in ports and not any(p.endswith(":%d" % PORT) and
                                                      not p.startswith("127.") for p in ports),
          "the endpoint is bound to 127.0.0.1 only", str(ports))
    out = raw(observer, b"GET /metrics HTTP/1.0\r\n\r\n", host=L.SERVER_IP)
    check("HTTP/1.1" not in out and "ConnectionRefusedError" in out,
          "the LAN cannot reach it (connection refused)", out[-200:])

    client = ctx.client(L.Udhcpc(client_node, "m-host"))
    client.start()
    lease = client.wait_bound(timeout=40)
    D.check_resolves(observer, "m-host.lan", [lease.ip])
    counts_moved(srv_node, sock, lease.ip)
    http_semantics(srv_node)
    malformed(srv_node)
    limits(srv_node)

    client.stop()
    srv.stop()
    config.extra.remove(metrics_flag)
    srv.start()
    D.wait_dns_ready(srv)
    ports = leasedns_tcp_ports(srv)
    check(ports and all(p.endswith(":53") for p in ports),
          "without --metrics-listen leasedns listens on no TCP port but 53", str(ports))
    out = raw(srv_node, b"GET /metrics HTTP/1.0\r\n\r\n")
    check("HTTP/1.1" not in out and "ConnectionRefusedError" in out,
          "and 127.0.0.1:%d refuses connections" % PORT, out[-200:])


if __name__ == "__main__":
    L.main("metrics", body, tools=("dig", "udhcpc", "ss"))

// The DNS half's shell: UDP sockets and TCP listeners on our addresses, the pure query
// path in between, and c-ares for what must be forwarded. Replies to forwarded queries
// come back through the query path's deliver callback carrying the reply handle given in
// ClientInfo; a small table maps that handle to the UDP socket and client address, or to
// the TCP connection, until it is used.
#pragma once
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/dns/query_path.hpp"
#include "leasedns/io/dns_tcp.hpp"
#include "leasedns/io/dns_udp.hpp"
#include "leasedns/io/upstream.hpp"

namespace leasedns::io {

// Where DNS listens (dnsmasq with -i: the interfaces' addresses plus loopback):
// config.listen_addresses when given; else the IPv4 addresses of config.interfaces (or
// of every non-loopback interface when none is named) minus except_interfaces, plus
// 127.0.0.1. Duplicates removed, order kept.
std::vector<Ipv4> dns_listen_addresses(const config::Config& config,
                                       const std::vector<config::InterfaceAddress>& interfaces);

class DnsServer {
public:
    DnsServer(uv_loop_t* loop, const config::Config& config, std::vector<Ipv4> addresses,
              dns::QueryPath& path, const Log& log, const Clock& clock);
    ~DnsServer();
    DnsServer(const DnsServer&) = delete;
    DnsServer& operator=(const DnsServer&) = delete;

    // Binds every address (UDP and TCP) on config.dns_port; throws on failure.
    void start();
    // Queries from now on go to `path` (SIGHUP rebuilds it around the same forwarder and
    // cache, so forwarded queries in flight still complete).
    // Counters carry over (SIGUSR1 reports since start).
    void set_query_path(dns::QueryPath& path);
    // Closes sockets, listeners, connections and upstream channels.
    void stop();

    const std::vector<Ipv4>& addresses() const { return addresses_; }
    // Since start, across query-path rebuilds (leasectl stats).
    dns::QueryCounters query_counters() const;
    // One log line with the query, socket and upstream counters (SIGUSR1).
    void log_statistics() const;

private:
    struct Route {
        uint64_t tcp_connection = 0;  // 0: UDP
        uint32_t udp_socket = 0;
        Ipv4 addr;
        uint16_t port = 0;
    };

    Bytes on_udp(uint32_t socket, Bytes packet, Ipv4 from, uint16_t port, std::span<uint8_t> out);
    TcpAnswer on_tcp(uint64_t conn, Ipv4 peer, uint16_t port, Bytes message, std::span<uint8_t> out,
                     Bytes& reply);
    // After QueryPath::handle: remembers who waits for a forwarded answer and sends.
    void follow_up(dns::QueryResult& result, uint64_t handle, const Route& route);
    void on_upstream_done(uint64_t token, const Bytes* reply);
    void deliver(const dns::Waiter& waiter, Bytes reply);

    uv_loop_t* loop_;
    const config::Config& config_;
    std::vector<Ipv4> addresses_;
    dns::QueryPath* path_;
    Log log_;
    const Clock& clock_;
    std::unique_ptr<uint8_t[]> reply_arena_;  // DnsUdpSocket::kBatch slots of 64 KiB
    std::vector<std::unique_ptr<DnsUdpSocket>> udp_;
    DnsTcp tcp_;
    Upstream upstream_;
    std::unordered_map<uint64_t, Route> routes_;
    uint64_t next_handle_ = 1;
    uint64_t undeliverable_ = 0;
    dns::QueryCounters earlier_;  // of query paths replaced by set_query_path
    bool stopped_ = false;
};

}  // namespace leasedns::io

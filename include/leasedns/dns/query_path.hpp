// The pure query path (Knot Resolver's layers, collapsed): a client's bytes in, one
// outcome out — a reply written into the caller's buffer, a forward request for io/, or
// silence. Policy lives here: the local-clients-only ACL (G1), localhost, --bogus-priv
// (RFC 6303 private reverse space never forwarded, F9), --domain-needed, the zone, the
// cache, and routing to upstream groups. No sockets; time is a parameter.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/dns/cache.hpp"
#include "leasedns/dns/forwarder.hpp"
#include "leasedns/dns/message.hpp"
#include "leasedns/dns/zone.hpp"

namespace leasedns::dns {

struct ClientInfo {
    Ipv4 addr;
    uint16_t port = 0;
    bool tcp = false;
    uint64_t reply_handle = 0;  // io/'s token, copied into the Waiter when forwarding
};

enum class Outcome : uint8_t {
    Reply,    // send `reply` (a view into the caller's buffer)
    Forward,  // send `send.query` upstream for `send.group`, then call upstream_done()
    Waiting,  // merged onto a query already in flight: nothing to send now
    Drop,     // silence (reason counted)
};

struct QueryResult {
    Outcome outcome = Outcome::Drop;
    Bytes reply;
    Forwarder::Send send;
};

struct QueryCounters {
    uint64_t queries = 0, udp = 0, tcp = 0, answered_local = 0, answered_cache = 0,
             forwarded = 0, refused_acl = 0, dropped_short = 0, dropped_response = 0,
             formerr = 0, notimp = 0, badvers = 0, servfail = 0, blocked_private = 0,
             blocked_bare = 0;
};

class QueryPath {
public:
    // `local_networks`: clients allowed (the served subnets and our interfaces' subnets;
    // loopback is always allowed).
    QueryPath(const config::Config& config, Zone& zone, Cache& cache, Forwarder& forwarder,
              std::vector<Prefix> local_networks);

    // `out` must hold at least 65535 bytes (TCP); UDP replies are limited to
    // min(client EDNS size, 1232) or 512 without EDNS, with TC when they do not fit.
    QueryResult handle(Bytes packet, const ClientInfo& client, WallSeconds now, int64_t now_ms,
                       std::span<uint8_t> out);

    // io/upstream finished query `token` (reply nullptr on failure). Each waiting client's
    // reply goes out through `deliver`.
    void upstream_done(uint64_t token, const Bytes* reply, int64_t now_ms,
                       const std::function<void(const Waiter&, Bytes reply)>& deliver);

    const QueryCounters& counters() const;

private:
    const config::Config& config_;
    Zone& zone_;
    Cache& cache_;
    Forwarder& forwarder_;
    std::vector<Prefix> local_networks_;
    QueryCounters counters_;
};

}  // namespace leasedns::dns

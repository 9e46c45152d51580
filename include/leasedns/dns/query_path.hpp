// The pure query path (Knot Resolver's layers, collapsed): a client's bytes in, one
// outcome out — a reply written into the caller's buffer, a forward request for io/, or
// silence. Policy lives here: the local-clients-only ACL (G1), localhost, --bogus-priv
// (RFC 6303 private reverse space never forwarded, F9), --domain-needed, the zone, the
// cache, and routing to upstream groups. No sockets; time is a parameter.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
    uint64_t queries = 0, udp = 0, tcp = 0, answered_local = 0, answered_cache = 0, forwarded = 0,
             refused_acl = 0, dropped_short = 0, dropped_response = 0, formerr = 0, notimp = 0,
             badvers = 0, servfail = 0, blocked_private = 0, blocked_bare = 0;
    // refused: REFUSED answers (class not IN, zone transfer over TCP, no upstream server);
    // merged: joined a query already in flight; local_only: NXDOMAIN for a --local domain;
    // relayed: upstream answers delivered to clients (SERVFAILs for failures included).
    uint64_t refused = 0, merged = 0, local_only = 0, relayed = 0;
};

// The reply size a client may receive (ROBUSTNESS E4): TCP 65535; UDP with EDNS the
// advertised size clamped to [512, 1232] (RFC 6891 §6.2.5, DNS flag day 2020,
// CVE-2023-28450); UDP without EDNS 512 (RFC 1035 §4.2.1).
size_t reply_size_limit(bool tcp, const std::optional<Edns>& edns);

// RFC 6303 (and RFC 7793 for 100.64/10): names in the reverse zones of private, loopback,
// link-local, documentation and unspecified addresses, IPv4 (in-addr.arpa) and IPv6
// (ip6.arpa), that a resolver answers locally and never asks the Internet about.
bool is_private_reverse(const Name& name);

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
    // A reply without records (FORMERR, REFUSED, NXDOMAIN...) to a decoded query.
    Bytes local_error(const Query& query, Rcode rcode, size_t limit, std::span<uint8_t> out);
    bool client_allowed(Ipv4 addr) const;

    const config::Config& config_;
    Zone& zone_;
    Cache& cache_;
    Forwarder& forwarder_;
    std::vector<Prefix> local_networks_;
    QueryCounters counters_;
};

}  // namespace leasedns::dns

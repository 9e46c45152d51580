// The DNS half assembled: files read, zone, cache, forwarder and query path built, the
// server listening. Kept out of app/ so that main() stays wiring only, and so that the
// SIGHUP rebuild lives next to what it rebuilds.
#pragma once
#include <uv.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/config/config.hpp"
#include "leasedns/core/clock.hpp"
#include "leasedns/core/log.hpp"
#include "leasedns/dns/cache.hpp"
#include "leasedns/dns/forwarder.hpp"
#include "leasedns/dns/query_path.hpp"
#include "leasedns/dns/zone.hpp"
#include "leasedns/io/dns_server.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::io {

class DnsService {
public:
    DnsService(uv_loop_t* loop, const config::Config& config,
               std::vector<config::InterfaceAddress> interfaces, leases::LeaseTable& table,
               const Log& log, const Clock& clock);
    ~DnsService();
    DnsService(const DnsService&) = delete;
    DnsService& operator=(const DnsService&) = delete;

    // Reads resolv.conf and the hosts files, builds the zone (subscribed to the lease
    // table: call after the journal has been loaded) and binds the sockets. Throws.
    void start();
    // Re-reads the hosts files, rebuilds the zone and the query path, empties the cache,
    // with the configuration it runs now. Upstream servers and queries in flight are kept.
    void reload();
    // Reload (io/reloader) with a new configuration: static records, hosts files, local
    // domains, query policy, cache size, upstream servers (and resolv.conf, re-read) apply
    // from the next query on; the zone is rebuilt and the cache emptied. The sockets stay:
    // the Reloader has put the running listen addresses and port into `next`.
    // Forwarded queries in flight are never lost: when the upstream servers changed, the
    // new ones take over once no query is pending on the old ones (the old forwarder keeps
    // taking queries until then, at most kUpstreamSwapDeadlineMs).
    void reconfigure(const config::Config& next);
    void stop();

    // What the zone answers and why (leasectl records); empty before start().
    std::vector<std::string> describe_records(WallSeconds now) const;

    static constexpr uint64_t kUpstreamSwapDeadlineMs = 30'000;

    // ROBUSTNESS C6: names the zone answers statically, which DHCP must not register.
    bool is_static_label(std::string_view label) const;
    void log_statistics() const;
    // leasectl stats: counters since start. Only after start().
    dns::QueryCounters query_counters() const { return server_->query_counters(); }
    const dns::CacheCounters& cache_counters() const { return cache_->counters(); }
    const dns::ForwarderCounters& forwarder_counters() const { return forwarder_->counters(); }

private:
    void build_zone_and_path();
    std::vector<dns::UpstreamGroup> upstream_groups() const;
    void log_upstreams(const std::vector<dns::UpstreamGroup>& groups) const;
    void try_swap_forwarder();
    void swap_forwarder();
    void stop_swap_timer();

    uv_loop_t* loop_;
    // The running configuration. Each query path refers to the generation it was built
    // with; a reload makes a new one and the old one lives until its path is replaced.
    std::shared_ptr<const config::Config> config_;
    // What DnsServer reads through its reference (port, log_queries): owned here, for the
    // server's whole life; a reload updates log_queries in place.
    config::Config server_settings_;
    std::shared_ptr<const config::Config> path_config_;  // what path_ was built with
    std::vector<config::InterfaceAddress> interfaces_;
    leases::LeaseTable& table_;
    Log log_;
    const Clock& clock_;
    std::vector<Ipv4> addresses_;
    std::vector<Prefix> served_subnets_;
    std::vector<Prefix> local_networks_;
    std::vector<Ipv4> own_addresses_;
    std::string hostname_;
    std::unique_ptr<dns::Cache> cache_;
    std::unique_ptr<dns::Forwarder> forwarder_;
    std::unique_ptr<dns::Zone> zone_;
    std::unique_ptr<dns::QueryPath> path_;
    // Upstream servers changed by a reload: the forwarder that takes over once forwarder_
    // has nothing pending (its tokens would otherwise reach the new one), and the timer
    // that waits for that moment.
    std::unique_ptr<dns::Forwarder> next_forwarder_;
    // Replaced forwarders are kept, idle (a few hundred bytes each, one per reload that
    // changed the upstreams): io/Upstream keys its channels by group address, and a freed
    // group's address reused by a new group would send to the old servers.
    std::vector<std::unique_ptr<dns::Forwarder>> retired_forwarders_;
    std::string forwarder_settings_, next_forwarder_settings_;  // groups + rebind, as text
    uv_timer_t* swap_timer_ = nullptr;
    uint64_t swap_deadline_ms_ = 0;
    std::unique_ptr<DnsServer> server_;
};

}  // namespace leasedns::io

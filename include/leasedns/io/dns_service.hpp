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
    // SIGHUP: re-reads the hosts files, rebuilds the zone and the query path, empties the
    // cache. Upstream servers and queries in flight are kept.
    void reload();
    void stop();

    // ROBUSTNESS C6: names the zone answers statically, which DHCP must not register.
    bool is_static_label(std::string_view label) const;
    void log_statistics() const;

private:
    void build_zone_and_path();

    uv_loop_t* loop_;
    const config::Config& config_;
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
    std::unique_ptr<DnsServer> server_;
};

}  // namespace leasedns::io

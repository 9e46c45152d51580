#include "leasedns/io/dns_service.hpp"

#include <unistd.h>

#include <algorithm>

#include "dns_files.hpp"

namespace leasedns::io {

namespace {

// This machine's name, first label, lower case (dnsmasq answers it with our address).
std::string short_hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return {};
    std::string name(buf);
    name = name.substr(0, name.find('.'));
    for (char& c : name)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return name;
}

void add_prefix(std::vector<Prefix>& out, Prefix p) {
    if (std::find_if(out.begin(), out.end(), [&](const Prefix& q) {
            return q.network == p.network && q.length == p.length;
        }) == out.end())
        out.push_back(p);
}

std::string endpoint_text(const dns::Endpoint& e) {
    return e.addr.str() + "#" + std::to_string(e.port);
}

}  // namespace

DnsService::DnsService(uv_loop_t* loop, const config::Config& config,
                       std::vector<config::InterfaceAddress> interfaces, leases::LeaseTable& table,
                       const Log& log, const Clock& clock)
    : loop_(loop),
      config_(config),
      interfaces_(std::move(interfaces)),
      table_(table),
      log_(log),
      clock_(clock),
      addresses_(dns_listen_addresses(config, interfaces_)),
      hostname_(short_hostname()) {
    for (const auto& r : config_.ranges) add_prefix(served_subnets_, r.subnet);
    local_networks_ = served_subnets_;
    for (const auto& i : interfaces_) {
        if (i.loopback) continue;
        if (std::find(addresses_.begin(), addresses_.end(), i.addr) == addresses_.end()) continue;
        own_addresses_.push_back(i.addr);
        add_prefix(local_networks_, i.prefix);
    }
    // --listen-address names an address of ours that getifaddrs may not list (yet).
    for (Ipv4 a : addresses_) {
        bool loopback = (a.value >> 24) == 127;
        if (!loopback &&
            std::find(own_addresses_.begin(), own_addresses_.end(), a) == own_addresses_.end())
            own_addresses_.push_back(a);
    }
}

DnsService::~DnsService() {
    stop();
    if (zone_) table_.unsubscribe(zone_.get());
}

void DnsService::start() {
    auto resolv = read_resolv_servers(config_, log_);
    std::vector<dns::Endpoint> own;
    for (Ipv4 a : addresses_) own.push_back(dns::Endpoint{a, config_.dns_port});
    auto groups = dns::build_upstream_groups(config_, resolv, own);
    for (const auto& g : groups) {
        std::string where = g.domain.is_root() ? "" : " for domain " + g.domain.text();
        if (g.local_only && g.servers.empty()) {
            log_.info("DNS-UPSTREAM", "using only locally-known addresses" + where);
            continue;
        }
        if (g.servers.empty()) {
            if (g.domain.is_root())
                log_.warning("DNS-NO-UPSTREAM",
                             "no upstream servers configured: names outside our zones fail");
            continue;
        }
        for (const auto& s : g.servers)
            log_.info("DNS-UPSTREAM", "using nameserver " + endpoint_text(s) + where);
    }
    forwarder_ = std::make_unique<dns::Forwarder>(std::move(groups), config_);
    cache_ = std::make_unique<dns::Cache>(config_.cache_size, !config_.no_negcache);
    build_zone_and_path();
    server_ = std::make_unique<DnsServer>(loop_, config_, addresses_, *path_, log_, clock_);
    server_->start();
    std::string list;
    for (Ipv4 a : addresses_) list += (list.empty() ? "" : ", ") + a.str();
    log_.info("DNS-LISTEN", "listening on " + list + " port " + std::to_string(config_.dns_port) +
                                " (udp and tcp); cache size " + std::to_string(config_.cache_size));
}

void DnsService::build_zone_and_path() {
    dns::ZoneInputs inputs;
    inputs.config = &config_;
    inputs.served_subnets = served_subnets_;
    inputs.own_addresses = own_addresses_;
    inputs.server_hostname = hostname_;
    inputs.hosts_files = read_hosts_files(config_, log_);
    auto zone = std::make_unique<dns::Zone>(inputs, table_);
    auto path =
        std::make_unique<dns::QueryPath>(config_, *zone, *cache_, *forwarder_, local_networks_);
    if (zone_) table_.unsubscribe(zone_.get());
    table_.subscribe(zone.get());
    if (server_) server_->set_query_path(*path);
    path_ = std::move(path);  // the old path (which refers to the old zone) goes first
    zone_ = std::move(zone);
}

void DnsService::reload() {
    if (!server_) return;
    build_zone_and_path();
    size_t dropped = cache_->size();
    cache_->clear();
    log_.notice("DNS-RELOADED", "hosts files re-read, zone rebuilt (serial " +
                                    std::to_string(zone_->serial()) + "), " +
                                    std::to_string(dropped) + " cache entries dropped");
}

void DnsService::stop() {
    if (server_) server_->stop();
}

bool DnsService::is_static_label(std::string_view label) const {
    return zone_ && zone_->is_static_label(label);
}

void DnsService::log_statistics() const {
    if (!server_) return;
    server_->log_statistics();
    const auto& c = cache_->counters();
    const auto& f = forwarder_->counters();
    auto n = [](uint64_t v) { return std::to_string(v); };
    log_.notice("DNS-CACHE",
                "cache size " + n(config_.cache_size) + ", entries " + n(cache_->size()) +
                    ", hits " + n(c.hits) + ", misses " + n(c.misses) + ", inserted " +
                    n(c.inserted) + ", evicted " + n(c.evicted) + ", expired " + n(c.expired) +
                    "; forwarder pending " + n(forwarder_->pending()) + ", forwarded " +
                    n(f.forwarded) + ", merged " + n(f.merged) + ", replies " + n(f.replies) +
                    ", servfail " + n(f.servfail) + ", dropped (full) " + n(f.dropped_full) +
                    ", wrong question " + n(f.rejected_question) + ", rebind filtered " +
                    n(f.rebind_filtered) + ", out of bailiwick " + n(f.out_of_bailiwick));
}

}  // namespace leasedns::io

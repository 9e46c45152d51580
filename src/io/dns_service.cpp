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
      config_(std::make_shared<const config::Config>(config)),
      server_settings_(config),
      interfaces_(std::move(interfaces)),
      table_(table),
      log_(log),
      clock_(clock),
      addresses_(dns_listen_addresses(config, interfaces_)),
      hostname_(short_hostname()) {
    for (const auto& i : interfaces_) {
        if (i.loopback) continue;
        if (std::find(addresses_.begin(), addresses_.end(), i.addr) == addresses_.end()) continue;
        own_addresses_.push_back(i.addr);
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

std::vector<dns::UpstreamGroup> DnsService::upstream_groups() const {
    auto resolv = read_resolv_servers(*config_, log_);
    std::vector<dns::Endpoint> own;
    for (Ipv4 a : addresses_) own.push_back(dns::Endpoint{a, config_->dns_port});
    return dns::build_upstream_groups(*config_, resolv, own);
}

namespace {

// What a Forwarder is built from, as text: two equal texts make equal forwarders.
std::string forwarder_settings(const std::vector<dns::UpstreamGroup>& groups,
                               const config::Config& config) {
    std::string out = config.stop_dns_rebind ? "rebind-stop" : "rebind-allow";
    for (const auto& d : config.rebind_domain_ok) out += " ok:" + d;
    for (const auto& g : groups) {
        out += "\n" + g.domain.text() + (g.local_only ? " local" : "");
        for (const auto& e : g.servers) out += " " + endpoint_text(e);
    }
    return out;
}

}  // namespace

void DnsService::log_upstreams(const std::vector<dns::UpstreamGroup>& groups) const {
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
}

void DnsService::start() {
    auto groups = upstream_groups();
    log_upstreams(groups);
    forwarder_settings_ = forwarder_settings(groups, *config_);
    forwarder_ = std::make_unique<dns::Forwarder>(std::move(groups), *config_);
    build_zone_and_path();
    server_ =
        std::make_unique<DnsServer>(loop_, server_settings_, addresses_, *path_, log_, clock_);
    server_->start();
    std::string list;
    for (Ipv4 a : addresses_) list += (list.empty() ? "" : ", ") + a.str();
    log_.info("DNS-LISTEN", "listening on " + list + " port " + std::to_string(config_->dns_port) +
                                " (udp and tcp); cache size " +
                                std::to_string(config_->cache_size));
}

// A new zone, cache and query path from config_ (the forwarder is kept). The old path,
// which refers to the old zone and cache, is dropped first.
void DnsService::build_zone_and_path() {
    served_subnets_.clear();
    for (const auto& r : config_->ranges) add_prefix(served_subnets_, r.subnet);
    local_networks_ = served_subnets_;
    for (const auto& i : interfaces_)
        if (std::find(own_addresses_.begin(), own_addresses_.end(), i.addr) != own_addresses_.end())
            add_prefix(local_networks_, i.prefix);
    dns::ZoneInputs inputs;
    inputs.config = config_.get();
    inputs.served_subnets = served_subnets_;
    inputs.own_addresses = own_addresses_;
    inputs.server_hostname = hostname_;
    inputs.hosts_files = read_hosts_files(*config_, log_);
    auto zone = std::make_unique<dns::Zone>(inputs, table_);
    auto cache = std::make_unique<dns::Cache>(config_->cache_size, !config_->no_negcache);
    auto path =
        std::make_unique<dns::QueryPath>(*config_, *zone, *cache, *forwarder_, local_networks_);
    if (zone_) table_.unsubscribe(zone_.get());
    table_.subscribe(zone.get());
    if (server_) server_->set_query_path(*path);
    path_ = std::move(path);
    zone_ = std::move(zone);
    cache_ = std::move(cache);
    path_config_ = config_;  // the previous generation goes once nothing refers to it
}

void DnsService::reload() {
    if (!server_) return;
    size_t dropped = cache_->size();
    build_zone_and_path();
    log_.notice("DNS-RELOADED", "hosts files re-read, zone rebuilt (serial " +
                                    std::to_string(zone_->serial()) + "), " +
                                    std::to_string(dropped) + " cache entries dropped");
}

void DnsService::reconfigure(const config::Config& next) {
    // The running path keeps the previous generation alive (path_config_) until replaced.
    config_ = std::make_shared<const config::Config>(next);
    server_settings_.log_queries = next.log_queries;
    if (!server_) return;  // not started: start() reads config_
    auto groups = upstream_groups();
    std::string settings = forwarder_settings(groups, *config_);
    if (settings == forwarder_settings_) {
        // Back to (or still) the running upstreams: a swap still waiting is cancelled.
        next_forwarder_.reset();
        stop_swap_timer();
    } else if (!next_forwarder_ || settings != next_forwarder_settings_) {
        log_upstreams(groups);
        next_forwarder_settings_ = settings;
        next_forwarder_ = std::make_unique<dns::Forwarder>(std::move(groups), *config_);
    }
    reload();
    if (next_forwarder_) try_swap_forwarder();
}

// The forwarder's tokens are only meaningful to it, and DnsServer hands every upstream
// completion to the current path: so the old forwarder stays until nothing is pending on
// it. Checked at once and then every few milliseconds; a forwarder is idle often under
// any realistic load (queries finish in milliseconds). Past the deadline the swap is
// forced and the stragglers' replies are ignored (their clients retry).
void DnsService::try_swap_forwarder() {
    if (!next_forwarder_) return;
    uint64_t now = uv_now(loop_);
    if (forwarder_->pending() == 0 || (swap_timer_ && now >= swap_deadline_ms_)) {
        if (forwarder_->pending() != 0)
            log_.warning("DNS-UPSTREAM-SWAP-FORCED",
                         std::to_string(forwarder_->pending()) +
                             " forwarded queries still pending on the old upstream servers "
                             "after " +
                             std::to_string(kUpstreamSwapDeadlineMs / 1000) +
                             " s; their replies will be ignored");
        stop_swap_timer();
        swap_forwarder();
        return;
    }
    if (swap_timer_) return;
    swap_deadline_ms_ = now + kUpstreamSwapDeadlineMs;
    swap_timer_ = new uv_timer_t;
    uv_timer_init(loop_, swap_timer_);
    swap_timer_->data = this;
    uv_timer_start(
        swap_timer_, [](uv_timer_t* t) { static_cast<DnsService*>(t->data)->try_swap_forwarder(); },
        2, 2);
}

void DnsService::swap_forwarder() {
    auto path = std::make_unique<dns::QueryPath>(*config_, *zone_, *cache_, *next_forwarder_,
                                                 local_networks_);
    server_->set_query_path(*path);
    path_ = std::move(path);  // the old path referred to the old forwarder: gone first
    path_config_ = config_;
    retired_forwarders_.push_back(std::move(forwarder_));
    forwarder_ = std::move(next_forwarder_);
    forwarder_settings_ = std::move(next_forwarder_settings_);
    size_t dropped = cache_->size();
    cache_->clear();  // answers the old upstreams gave while we waited
    log_.notice("DNS-UPSTREAMS-CHANGED", "the new upstream servers take over; " +
                                             std::to_string(dropped) + " cache entries dropped");
}

void DnsService::stop_swap_timer() {
    if (!swap_timer_) return;
    uv_timer_stop(swap_timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(swap_timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    swap_timer_ = nullptr;
}

void DnsService::stop() {
    stop_swap_timer();
    next_forwarder_.reset();
    if (server_) server_->stop();
}

std::vector<std::string> DnsService::describe_records(WallSeconds now) const {
    return zone_ ? zone_->describe_records(now) : std::vector<std::string>{};
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
                "cache size " + n(config_->cache_size) + ", entries " + n(cache_->size()) +
                    ", hits " + n(c.hits) + ", misses " + n(c.misses) + ", inserted " +
                    n(c.inserted) + ", evicted " + n(c.evicted) + ", expired " + n(c.expired) +
                    "; forwarder pending " + n(forwarder_->pending()) + ", forwarded " +
                    n(f.forwarded) + ", merged " + n(f.merged) + ", replies " + n(f.replies) +
                    ", servfail " + n(f.servfail) + ", dropped (full) " + n(f.dropped_full) +
                    ", wrong question " + n(f.rejected_question) + ", rebind filtered " +
                    n(f.rebind_filtered) + ", out of bailiwick " + n(f.out_of_bailiwick));
}

}  // namespace leasedns::io

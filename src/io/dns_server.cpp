#include "leasedns/io/dns_server.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "dns_query_log.hpp"

namespace leasedns::io {

namespace {
constexpr size_t kReplySlot = 65536;  // QueryPath::handle wants room for a TCP answer
constexpr Ipv4 kLoopback = Ipv4::from_octets(127, 0, 0, 1);
// Adds b's counters to a's. QueryCounters is nothing but uint64_t fields, so it is
// summed as an array (new fields are then summed without anyone remembering to).
void add_counters(dns::QueryCounters& a, const dns::QueryCounters& b) {
    static_assert(std::is_trivially_copyable_v<dns::QueryCounters> &&
                  sizeof(dns::QueryCounters) % sizeof(uint64_t) == 0);
    constexpr size_t n = sizeof(dns::QueryCounters) / sizeof(uint64_t);
    uint64_t x[n], y[n];
    std::memcpy(x, &a, sizeof a);
    std::memcpy(y, &b, sizeof b);
    for (size_t i = 0; i < n; ++i) x[i] += y[i];
    std::memcpy(&a, x, sizeof a);
}

}  // namespace

std::vector<Ipv4> dns_listen_addresses(const config::Config& config,
                                       const std::vector<config::InterfaceAddress>& interfaces) {
    std::vector<Ipv4> out;
    auto add = [&out](Ipv4 a) {
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    };
    if (!config.listen_addresses.empty()) {
        for (Ipv4 a : config.listen_addresses) add(a);
        return out;
    }
    auto named = [](const std::vector<std::string>& names, const std::string& n) {
        return std::find(names.begin(), names.end(), n) != names.end();
    };
    for (const auto& i : interfaces) {
        bool wanted = config.interfaces.empty() ? !i.loopback : named(config.interfaces, i.name);
        if (named(config.except_interfaces, i.name)) wanted = false;
        if (wanted) add(i.addr);
    }
    add(kLoopback);  // dnsmasq listens on lo as well when given -i
    return out;
}

DnsServer::DnsServer(uv_loop_t* loop, const config::Config& config, std::vector<Ipv4> addresses,
                     dns::QueryPath& path, const Log& log, const Clock& clock)
    : loop_(loop),
      config_(config),
      addresses_(std::move(addresses)),
      path_(&path),
      log_(log),
      clock_(clock),
      tcp_(loop, log),
      upstream_(loop, log,
                [this](uint64_t token, const Bytes* reply) { on_upstream_done(token, reply); }) {}

DnsServer::~DnsServer() {
    stop();
}

void DnsServer::start() {
    reply_arena_ = std::make_unique_for_overwrite<uint8_t[]>(DnsUdpSocket::kBatch * kReplySlot);
    std::span<uint8_t> arena(reply_arena_.get(), DnsUdpSocket::kBatch * kReplySlot);
    for (Ipv4 a : addresses_) {
        auto s = std::make_unique<DnsUdpSocket>(loop_, a, config_.dns_port, arena);
        s->open();
        udp_.push_back(std::move(s));
        tcp_.listen(a, config_.dns_port);
    }
    for (uint32_t i = 0; i < udp_.size(); ++i)
        udp_[i]->start([this, i](Bytes packet, Ipv4 from, uint16_t port, std::span<uint8_t> out) {
            return on_udp(i, packet, from, port, out);
        });
    tcp_.start([this](uint64_t conn, Ipv4 peer, uint16_t port, Bytes message,
                      std::span<uint8_t> out,
                      Bytes& reply) { return on_tcp(conn, peer, port, message, out, reply); });
}

void DnsServer::set_query_path(dns::QueryPath& path) {
    add_counters(earlier_, path_->counters());
    path_ = &path;
}

Bytes DnsServer::on_udp(uint32_t socket, Bytes packet, Ipv4 from, uint16_t port,
                        std::span<uint8_t> out) {
    uint64_t handle = next_handle_++;
    dns::ClientInfo client{.addr = from, .port = port, .tcp = false, .reply_handle = handle};
    if (config_.log_queries) log_query(log_, packet, from, false);
    uint64_t cached_before = config_.log_queries ? path_->counters().answered_cache : 0;
    dns::QueryResult r = path_->handle(packet, client, clock_.now(), clock_.monotonic_ms(), out);
    if (r.outcome == dns::Outcome::Reply) {
        if (config_.log_queries)
            log_answer(log_,
                       path_->counters().answered_cache != cached_before ? "cached" : "config",
                       r.reply);
        return r.reply;
    }
    follow_up(r, handle, Route{.udp_socket = socket, .addr = from, .port = port});
    return {};
}

TcpAnswer DnsServer::on_tcp(uint64_t conn, Ipv4 peer, uint16_t port, Bytes message,
                            std::span<uint8_t> out, Bytes& reply) {
    uint64_t handle = next_handle_++;
    dns::ClientInfo client{.addr = peer, .port = port, .tcp = true, .reply_handle = handle};
    if (config_.log_queries) log_query(log_, message, peer, true);
    uint64_t cached_before = config_.log_queries ? path_->counters().answered_cache : 0;
    dns::QueryResult r = path_->handle(message, client, clock_.now(), clock_.monotonic_ms(), out);
    switch (r.outcome) {
        case dns::Outcome::Reply:
            if (config_.log_queries)
                log_answer(log_,
                           path_->counters().answered_cache != cached_before ? "cached" : "config",
                           r.reply);
            reply = r.reply;
            return TcpAnswer::Reply;
        case dns::Outcome::Forward:
        case dns::Outcome::Waiting:
            follow_up(r, handle, Route{.tcp_connection = conn, .addr = peer, .port = port});
            return TcpAnswer::Pending;
        case dns::Outcome::Drop:
            break;
    }
    // Over TCP a message the query path will not even answer is garbage (E7).
    return TcpAnswer::Close;
}

void DnsServer::follow_up(dns::QueryResult& result, uint64_t handle, const Route& route) {
    if (result.outcome != dns::Outcome::Forward && result.outcome != dns::Outcome::Waiting) return;
    // The route goes in first: the upstream may fail, and deliver, before send() returns.
    routes_.emplace(handle, route);
    if (result.outcome == dns::Outcome::Forward) {
        if (config_.log_queries) log_forwarded(log_, result.send.query, result.send.group);
        upstream_.send(result.send);
    }
}

void DnsServer::on_upstream_done(uint64_t token, const Bytes* reply) {
    if (stopped_) return;
    path_->upstream_done(token, reply, clock_.monotonic_ms(),
                         [this](const dns::Waiter& w, Bytes b) { deliver(w, b); });
}

void DnsServer::deliver(const dns::Waiter& waiter, Bytes reply) {
    auto it = routes_.find(waiter.reply_handle);
    if (it == routes_.end()) {
        ++undeliverable_;
        return;
    }
    Route route = it->second;
    routes_.erase(it);
    if (config_.log_queries) log_answer(log_, "reply", reply);
    if (route.tcp_connection != 0) {
        if (!tcp_.deliver(route.tcp_connection, reply)) ++undeliverable_;  // client went away
        return;
    }
    if (route.udp_socket < udp_.size())
        udp_[route.udp_socket]->send_to(reply, route.addr, route.port);
}

void DnsServer::stop() {
    if (stopped_) return;
    stopped_ = true;
    for (auto& s : udp_) s->close();
    tcp_.close();
    upstream_.close();
    routes_.clear();
}

dns::QueryCounters DnsServer::query_counters() const {
    dns::QueryCounters q = earlier_;
    add_counters(q, path_->counters());
    return q;
}

void DnsServer::log_statistics() const {
    dns::QueryCounters q = query_counters();
    DnsUdpCounters udp;
    for (const auto& s : udp_) {
        udp.received += s->counters().received;
        udp.sent += s->counters().sent;
        udp.send_errors += s->counters().send_errors;
        udp.oversized += s->counters().oversized;
    }
    const auto& t = tcp_.counters();
    const auto& u = upstream_.counters();
    auto n = [](uint64_t v) { return std::to_string(v); };
    std::string line = "queries " + n(q.queries) + " (udp " + n(q.udp) + ", tcp " + n(q.tcp) + ")";
    line += "; local " + n(q.answered_local) + ", cached " + n(q.answered_cache) + ", forwarded " +
            n(q.forwarded) + ", merged " + n(q.merged) + ", relayed " + n(q.relayed);
    line += "; servfail " + n(q.servfail) + ", refused " + n(q.refused) + ", local-only " +
            n(q.local_only) + ", not local client " + n(q.refused_acl) + ", private reverse " +
            n(q.blocked_private) + ", bare names " + n(q.blocked_bare);
    line += "; formerr " + n(q.formerr) + ", notimp " + n(q.notimp) + ", badvers " + n(q.badvers) +
            ", dropped " + n(q.dropped_short + q.dropped_response);
    line += "; udp in " + n(udp.received) + " out " + n(udp.sent) + " send errors " +
            n(udp.send_errors) + " oversized " + n(udp.oversized);
    line += "; tcp connections " + n(t.accepted) + " open " + n(tcp_.connections()) +
            " rejected (full) " + n(t.rejected_full) + " idle closed " + n(t.closed_idle) +
            " garbage closed " + n(t.closed_garbage) + " slow readers " + n(t.closed_slow_reader);
    line += "; upstream sent " + n(u.sent) + " replies " + n(u.replies) + " failures " +
            n(u.failures) + " pending " + n(upstream_.pending()) + " channels " +
            n(u.channels_opened) + "; undeliverable " + n(undeliverable_);
    log_.notice("DNS-STATS", line);
}

}  // namespace leasedns::io

// RFC 2131 §4.3: the server's side of every message type. Each handler decides from the
// request, the lease table and the configuration; nothing here touches a socket or a file.
#include "leasedns/dhcp/engine.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

#include "leasedns/dhcp/hostname.hpp"
#include "reply_options.hpp"
#include "subnets.hpp"

namespace leasedns::dhcp {

using leases::ClientId;
using leases::Lease;
using leases::LeaseState;

struct Engine::State {
    config::Config cfg;
    leases::LeaseTable& table;
    SubnetMap subnets;
    std::vector<Ipv4> own;
    std::unordered_map<uint64_t, size_t> reservation_by_mac;
    std::unordered_map<std::string, size_t> reservation_by_id;
    std::unordered_map<std::string, size_t> reservation_by_name;
    std::vector<Ipv4> reserved_addrs;  // sorted: every reservation's address
    Decision decision;
    std::vector<uint8_t> fqdn_reply;
    Engine::NameGuard name_guard;  // C6: names the DNS zone answers statically

    explicit State(leases::LeaseTable& t) : table(t) {}

    bool is_own(Ipv4 a) const { return std::find(own.begin(), own.end(), a) != own.end(); }
    bool is_reserved(Ipv4 a) const {
        return std::binary_search(reserved_addrs.begin(), reserved_addrs.end(), a);
    }

    const config::Reservation* reservation_for(const Message& m) const {
        if (auto id = m.options.get(opt::kClientId)) {
            auto it = reservation_by_id.find(std::string(id->begin(), id->end()));
            if (it != reservation_by_id.end()) return &cfg.reservations[it->second];
        }
        if (m.htype == 1 && m.hlen == 6) {
            auto it = reservation_by_mac.find(mac_key(m.mac()));
            if (it != reservation_by_mac.end()) return &cfg.reservations[it->second];
        }
        return nullptr;
    }

    static uint64_t mac_key(const Mac& mac) {
        uint64_t k = 0;
        for (uint8_t o : mac.octets) k = (k << 8) | o;
        return k;
    }
};

namespace {

ClientId client_id_of(const Message& m) {
    if (auto id = m.options.get(opt::kClientId); id && !id->empty())
        return ClientId::from_option61(*id);
    size_t hlen = std::min<size_t>(m.hlen, m.chaddr.size());
    return ClientId::from_hardware(m.htype, Bytes(m.chaddr.data(), hlen));
}

uint64_t hash_bytes(Bytes b) {
    // FNV-1a: a stable per-client starting point in the pool (dnsmasq hashes the MAC the
    // same way), so a forgotten client tends to get its old address back.
    uint64_t h = 1469598103934665603ull;
    for (uint8_t c : b) h = (h ^ c) * 1099511628211ull;
    return h;
}

}  // namespace

Engine::Engine(const config::Config& config, std::span<const Ipv4> own_addresses,
               leases::LeaseTable& table)
    : state_(std::make_unique<State>(table)) {
    reconfigure(config, own_addresses);
}

Engine::~Engine() = default;

void Engine::reconfigure(const config::Config& config, std::span<const Ipv4> own_addresses) {
    State& s = *state_;
    s.cfg = config;
    s.own.assign(own_addresses.begin(), own_addresses.end());
    s.subnets = SubnetMap(s.cfg.ranges);
    s.reservation_by_mac.clear();
    s.reservation_by_id.clear();
    s.reservation_by_name.clear();
    s.reserved_addrs.clear();
    std::vector<Ipv4> excluded = s.own;
    for (size_t i = 0; i < s.cfg.reservations.size(); ++i) {
        const auto& r = s.cfg.reservations[i];
        if (r.mac) s.reservation_by_mac.emplace(State::mac_key(*r.mac), i);
        if (!r.client_id.empty())
            s.reservation_by_id.emplace(std::string(r.client_id.begin(), r.client_id.end()), i);
        if (!r.hostname.empty()) s.reservation_by_name.emplace(r.hostname, i);
        if (r.addr) {
            excluded.push_back(*r.addr);
            s.reserved_addrs.push_back(*r.addr);
        }
    }
    std::sort(s.reserved_addrs.begin(), s.reserved_addrs.end());
    std::vector<leases::PoolRange> pools;
    for (const auto& r : s.cfg.ranges) pools.push_back({r.start, r.end});
    s.table.set_pools(pools, excluded);
}

void Engine::set_name_guard(NameGuard is_reserved_elsewhere) {
    state_->name_guard = std::move(is_reserved_elsewhere);
}

void Engine::report_conflict(Ipv4 addr, WallSeconds now) {
    ++counters_.conflicts;
    state_->table.decline(addr, now + state_->cfg.decline_seconds);
}

// ---------------------------------------------------------------------------------------

namespace {

struct Context {
    const Message& req;
    const Arrival& arrival;
    WallSeconds now;
    const Subnet* subnet;
    Ipv4 server_id;
    ClientId client;
    const config::Reservation* reservation;
};

}  // namespace

class EngineLogic {
public:
    EngineLogic(Engine::State& s, Counters& c) : s_(s), c_(c), d_(s.decision) {}

    void handle(const Message& req, const Arrival& arrival, WallSeconds now) {
        reset();
        if (req.op != Message::kBootRequest) return drop(DropReason::NotRequest);
        auto type = req.type();
        if (!type) return drop(DropReason::NoMessageType);
        ++c_.received_by_type[static_cast<size_t>(*type)];
        if (*type == MessageType::Offer || *type == MessageType::Ack || *type == MessageType::Nak)
            return drop(DropReason::UnexpectedType);
        // RFC 3046 §2.1: a client never sends relay agent information itself.
        if (req.giaddr.is_zero() && req.options.has(opt::kRelayAgent))
            return drop(DropReason::RelayInfoUnrelayed);

        Ipv4 server_id = arrival.local_addr;
        if (server_id.is_zero() && !s_.own.empty()) server_id = s_.own.front();
        const Subnet* subnet = nullptr;
        if (!req.giaddr.is_zero()) {
            subnet = s_.subnets.find(req.giaddr);
        } else if (*type == MessageType::Inform && !req.ciaddr.is_zero()) {
            subnet = s_.subnets.find(req.ciaddr);
            if (subnet && !subnet->prefix.contains(arrival.local_addr) &&
                s_.subnets.find(arrival.local_addr) != subnet)
                subnet = nullptr;
        } else {
            subnet = s_.subnets.find(arrival.local_addr);
        }
        if (!subnet) return drop(DropReason::NoSubnet);

        Context ctx{
            req, arrival, now, subnet, server_id, client_id_of(req), s_.reservation_for(req)};
        if (ctx.reservation && ctx.reservation->ignore) return drop(DropReason::IgnoredHost);

        switch (*type) {
            case MessageType::Discover:
                return discover(ctx);
            case MessageType::Request:
                return request(ctx);
            case MessageType::Decline:
                return decline(ctx);
            case MessageType::Release:
                return release(ctx);
            case MessageType::Inform:
                return inform(ctx);
            default:
                return drop(DropReason::UnexpectedType);
        }
    }

private:
    void reset() {
        d_.verdict = Verdict::Drop;
        d_.drop = DropReason::None;
        d_.needs_durability = false;
        d_.probe_first = false;
        d_.log_line.clear();
    }

    void drop(DropReason r) {
        d_.verdict = Verdict::Drop;
        d_.drop = r;
        ++c_.dropped[static_cast<size_t>(r)];
    }

    // --- address choice -----------------------------------------------------------------

    // May `addr` be given to this client now?
    bool allocatable(const Context& ctx, Ipv4 addr) const {
        if (!ctx.subnet->prefix.contains(addr)) return false;
        const Lease* at = s_.table.find_by_addr(addr);
        if (at)
            return at->state != LeaseState::Declined && at->client == ctx.client &&
                   still_served(ctx, addr);
        if (ctx.reservation && ctx.reservation->addr == addr) return true;
        // Reserved and server addresses are excluded from the pools, so is_free is false.
        return ctx.subnet->pool_containing(addr).has_value() && s_.table.is_free(addr);
    }

    // The reload rule (leasedns(8), RELOAD): may the client keep `addr`, which it holds
    // already? Yes while the address lies in one of its subnet's ranges and is neither
    // ours nor reserved for another client, or is its own reservation's address. A lease
    // left outside them by a reload (a range shrunk, an address reserved for someone else,
    // the client's reservation moved to a free address) is never deleted: it stays until
    // it expires, is released, or the client asks to renew it; then the client is NAKed
    // (RFC 2131 §4.3.2: the address is not valid any more) and gets an address from the
    // current configuration with its next DISCOVER, which ends the old lease.
    bool still_served(const Context& ctx, Ipv4 addr) const {
        if (!ctx.subnet->prefix.contains(addr)) return false;
        if (ctx.reservation && ctx.reservation->addr) {
            Ipv4 reserved = *ctx.reservation->addr;
            if (reserved == addr) return true;
            // Its reservation moved: move the client there only when it can have it (a
            // lease of someone else keeps that address until it ends).
            const Lease* there = s_.table.find_by_addr(reserved);
            bool free_for_it =
                ctx.subnet->prefix.contains(reserved) && !s_.is_own(reserved) &&
                (!there || (there->client == ctx.client && there->state != LeaseState::Declined));
            if (free_for_it) return false;
        }
        if (s_.is_own(addr) || s_.is_reserved(addr)) return false;
        return ctx.subnet->pool_containing(addr).has_value();
    }

    std::optional<Ipv4> choose_for_discover(const Context& ctx) const {
        if (const Lease* mine = s_.table.find_by_client(ctx.client);
            mine && still_served(ctx, mine->addr))
            return mine->addr;
        if (ctx.reservation && ctx.reservation->addr && allocatable(ctx, *ctx.reservation->addr))
            return ctx.reservation->addr;
        if (s_.table.bound_count() >= s_.cfg.lease_max) return std::nullopt;
        if (auto want = ctx.req.options.get_ipv4(opt::kRequestedAddress);
            want && allocatable(ctx, *want))
            return want;
        uint64_t hint = hash_bytes(ctx.client.bytes());
        const auto& pools = ctx.subnet->pools;
        for (size_t i = 0; i < pools.size(); ++i) {
            size_t pool = pools[(hint + i) % pools.size()];
            if (auto a = s_.table.pick_free(pool, hint)) return a;
        }
        return std::nullopt;
    }

    uint32_t lease_time_for(const Context& ctx, Ipv4 addr) const {
        uint32_t max = ctx.subnet->lease_time_for(addr);
        if (ctx.reservation && ctx.reservation->lease_time) max = *ctx.reservation->lease_time;
        auto asked = ctx.req.options.get_u32(opt::kLeaseTime);
        if (!asked) return max;
        // ROBUSTNESS B9: clamp the client's wish to [minimum, configured].
        uint32_t t = std::min(*asked, max);
        return std::max(t, std::min(s_.cfg.min_lease_seconds, max));
    }

    // --- host names ---------------------------------------------------------------------

    struct NameChoice {
        std::string label;
        std::optional<ClientFqdn> fqdn;
        std::string_view domain;  // the domain of the address: names live there
    };

    // dnsmasq's get_domain(): the client's domain follows the address it gets (or, for
    // INFORM, the one it has), so --domain=D,RANGE names the clients inside RANGE.
    const std::string& domain_for(Ipv4 addr) const { return s_.cfg.domain_for(addr); }

    NameChoice choose_name(const Context& ctx, Ipv4 addr) {
        NameChoice out;
        out.domain = domain_for(addr);
        std::string raw;
        if (auto v = ctx.req.options.get(opt::kClientFqdn)) {
            out.fqdn = parse_client_fqdn(*v);
            if (out.fqdn) raw = out.fqdn->name;
        }
        if (raw.empty()) {
            if (auto v = ctx.req.options.get(opt::kHostName)) raw.assign(v->begin(), v->end());
        }
        if (!raw.empty()) {
            std::string reason;
            if (auto label = sanitize_hostname(raw, out.domain, &reason)) {
                out.label = *label;
            } else if (s_.cfg.log_dhcp) {
                d_.log_line += " (host name not registered: " + reason + ")";
            }
        }
        if (out.label.empty() && ctx.reservation) out.label = ctx.reservation->hostname;
        if (!out.label.empty()) {
            // C6/C7: a name reserved for another host, answered statically by DNS, or held
            // by another live lease, is not taken over; the first holder keeps it (RFC
            // 4703's choice). A reservation's own name stays its client's: the zone lists
            // reservations' names as static too, so the guard is asked only for others.
            auto r = s_.reservation_by_name.find(out.label);
            bool reserved_for_other = r != s_.reservation_by_name.end() &&
                                      &s_.cfg.reservations[r->second] != ctx.reservation;
            bool own_reserved_name = ctx.reservation && ctx.reservation->hostname == out.label;
            bool static_name = !own_reserved_name && s_.name_guard && s_.name_guard(out.label);
            const Lease* holder = s_.table.find_by_name(out.label);
            if (reserved_for_other || static_name || (holder && !(holder->client == ctx.client))) {
                if (s_.cfg.log_dhcp) d_.log_line += " (host name " + out.label + " is taken)";
                out.label.clear();
            }
        }
        return out;
    }

    // --- replies ------------------------------------------------------------------------

    void start_reply(const Context& ctx, MessageType type, Ipv4 yiaddr,
                     std::optional<uint32_t> lease_time, std::string_view hostname,
                     std::string_view nak_message = {}) {
        const Message& req = ctx.req;
        Message& r = d_.reply;
        r.op = Message::kBootReply;
        r.htype = req.htype;
        r.hlen = req.hlen;
        r.hops = 0;
        r.xid = req.xid;
        r.secs = 0;
        r.flags = req.flags;
        r.ciaddr = (type == MessageType::Nak) ? Ipv4() : req.ciaddr;
        r.yiaddr = yiaddr;
        r.siaddr = Ipv4();
        r.giaddr = req.giaddr;
        r.chaddr = req.chaddr;
        r.sname.fill(0);
        r.file.fill(0);
        Ipv4 client_addr = yiaddr.is_zero() ? req.ciaddr : yiaddr;
        std::string_view domain =
            client_addr.is_zero() ? std::string_view(s_.cfg.domain) : domain_for(client_addr);
        ReplyOptionInputs in{
            type,     ctx.server_id, ctx.subnet->prefix,   lease_time,     domain,
            hostname, s_.fqdn_reply, s_.cfg.dns_port != 0, s_.cfg.options, nak_message};
        build_reply_options(req, in, r);
        d_.verdict = Verdict::Reply;
        address_reply(ctx, type);
        auto max = req.options.get_u16(opt::kMaxMessageSize).value_or(576);
        // RFC 2132 §9.10: the minimum legal value is 576; cap at an Ethernet payload.
        d_.max_reply_size = std::clamp<size_t>(max, 576, 1472);
    }

    // RFC 2131 §4.1, "reply addressing".
    void address_reply(const Context& ctx, MessageType type) {
        const Message& req = ctx.req;
        if (!req.giaddr.is_zero()) {
            d_.destination = Destination::Relay;
            d_.destination_addr = req.giaddr;
            // §4.3.2: a NAK through a relay asks it to broadcast to the client.
            if (type == MessageType::Nak) d_.reply.flags |= Message::kBroadcastFlag;
        } else if (type == MessageType::Nak) {
            d_.destination = Destination::Broadcast;
        } else if (!req.ciaddr.is_zero()) {
            d_.destination = Destination::Client;
            d_.destination_addr = req.ciaddr;
        } else if (req.broadcast_flag() || req.htype != 1 || req.hlen != 6) {
            d_.destination = Destination::Broadcast;
        } else {
            d_.destination = Destination::UnicastHardware;
            d_.destination_addr = d_.reply.yiaddr;
            d_.destination_mac = req.mac();
        }
    }

    void nak(const Context& ctx, std::string_view why) {
        s_.fqdn_reply.clear();
        start_reply(ctx, MessageType::Nak, Ipv4(), std::nullopt, {}, why);
        ++c_.naks;
        if (s_.cfg.log_dhcp) d_.log_line = "DHCPNAK(" + ctx.client.str() + ") " + std::string(why);
    }

    void log_event(const char* what, Ipv4 addr, const Context& ctx, std::string_view name) {
        if (!s_.cfg.log_dhcp) return;
        std::string line = std::string(what) + "(" + addr.str() + ") " + ctx.req.mac().str();
        if (!name.empty()) line += " " + std::string(name);
        d_.log_line = line + d_.log_line;
    }

    // Binds addr to the client and prepares the ACK (also used by rapid commit).
    void grant(const Context& ctx, Ipv4 addr, bool rapid) {
        NameChoice name = choose_name(ctx, addr);
        uint32_t lease_time = lease_time_for(ctx, addr);
        Lease lease;
        lease.addr = addr;
        lease.state = LeaseState::Bound;
        lease.client = ctx.client;
        lease.mac = ctx.req.mac();
        lease.hostname = name.label;
        lease.granted = ctx.now;
        lease.expires = lease_time == config::kInfiniteLease ? 0 : ctx.now + lease_time;
        if (!s_.table.bind(lease)) {
            // Only possible if the address was taken between our checks: never ACK it.
            return nak(ctx, "address not available");
        }
        set_fqdn_reply(name);
        start_reply(ctx, MessageType::Ack, addr, lease_time, name.label);
        if (rapid) d_.reply.options.set(opt::kRapidCommit, {});
        d_.needs_durability = true;
        ++c_.acks;
        log_event("DHCPACK", addr, ctx, name.label);
    }

    void set_fqdn_reply(const NameChoice& name) {
        s_.fqdn_reply.clear();
        if (!name.fqdn) return;
        std::string fqdn =
            name.label.empty() ? std::string() : name.label + "." + std::string(name.domain);
        bool updates =
            !name.label.empty() && s_.cfg.dns_port != 0 && !(name.fqdn->flags & ClientFqdn::kFlagN);
        s_.fqdn_reply = build_client_fqdn_reply(*name.fqdn, fqdn, updates);
    }

    // --- message types ------------------------------------------------------------------

    void discover(const Context& ctx) {
        auto addr = choose_for_discover(ctx);
        if (!addr) return drop(DropReason::PoolExhausted);
        if (s_.cfg.rapid_commit && ctx.req.options.has(opt::kRapidCommit)) {
            // RFC 4039: commit at once and answer with an ACK carrying option 80.
            return grant(ctx, *addr, true);
        }
        bool fresh = s_.table.find_by_addr(*addr) == nullptr;
        if (!s_.table.hold_offer(*addr, ctx.client, ctx.req.mac(),
                                 ctx.now + s_.cfg.offer_hold_seconds))
            return drop(DropReason::PoolExhausted);
        NameChoice name = choose_name(ctx, *addr);
        set_fqdn_reply(name);
        start_reply(ctx, MessageType::Offer, *addr, lease_time_for(ctx, *addr), name.label);
        d_.probe_first = s_.cfg.ping && fresh;
        ++c_.offers;
        log_event("DHCPOFFER", *addr, ctx, name.label);
    }

    void request(const Context& ctx) {
        const Message& req = ctx.req;
        auto server_id = req.options.get_ipv4(opt::kServerId);
        auto requested = req.options.get_ipv4(opt::kRequestedAddress);
        bool authoritative = s_.cfg.authoritative;

        if (server_id) {
            // SELECTING (§4.3.2): the client picked a server.
            if (!s_.is_own(*server_id)) {
                // It chose another server: free what we offered at once (ROBUSTNESS B2).
                if (const Lease* mine = s_.table.find_by_client(ctx.client);
                    mine && mine->state == LeaseState::Offered)
                    s_.table.release(mine->addr, ctx.client);
                return drop(DropReason::OtherServer);
            }
            if (!requested) return drop(DropReason::MissingField);
            if (allocatable(ctx, *requested)) return grant(ctx, *requested, false);
            return nak(ctx, "requested address not available");
        }

        Ipv4 addr;
        if (requested && req.ciaddr.is_zero()) {
            addr = *requested;  // INIT-REBOOT
        } else if (!req.ciaddr.is_zero()) {
            addr = req.ciaddr;  // RENEWING (unicast) or REBINDING (broadcast)
        } else {
            return drop(DropReason::MissingField);
        }
        if (!ctx.subnet->prefix.contains(addr)) {
            // The client moved to another network: tell it, if we may speak for this one.
            if (authoritative) return nak(ctx, "wrong network");
            return drop(DropReason::WrongAddress);
        }
        const Lease* at = s_.table.find_by_addr(addr);
        if (at && at->client == ctx.client && at->state != LeaseState::Declined) {
            if (still_served(ctx, addr)) return grant(ctx, addr, false);
            // Our own record, so we may speak for it even when not authoritative.
            return nak(ctx, "address no longer served (configuration changed)");
        }
        if (at) {
            // Someone else's address (ROBUSTNESS B3/B4): their lease is untouched.
            if (authoritative) return nak(ctx, "address in use");
            return drop(DropReason::NotOwner);
        }
        // No record of this client at this address (e.g. our lease database was lost).
        // §4.3.2 says a server with no record stays silent; an authoritative server knows
        // the address is free and gives it back, as dnsmasq does, so the client keeps it.
        if (!authoritative) return drop(DropReason::NoRecord);
        if (allocatable(ctx, addr)) return grant(ctx, addr, false);
        return nak(ctx, "address not available");
    }

    void decline(const Context& ctx) {
        auto server_id = ctx.req.options.get_ipv4(opt::kServerId);
        if (!server_id || !s_.is_own(*server_id)) return drop(DropReason::OtherServer);
        auto addr = ctx.req.options.get_ipv4(opt::kRequestedAddress);
        if (!addr) return drop(DropReason::MissingField);
        const Lease* at = s_.table.find_by_addr(*addr);
        // ROBUSTNESS B6 (as Kea): only the holder may decline an address.
        if (!at || at->state == LeaseState::Declined || !(at->client == ctx.client))
            return drop(DropReason::NotOwner);
        s_.table.decline(*addr, ctx.now + s_.cfg.decline_seconds);
        ++c_.declines;
        d_.needs_durability = true;
        log_event("DHCPDECLINE", *addr, ctx, {});
    }

    void release(const Context& ctx) {
        auto server_id = ctx.req.options.get_ipv4(opt::kServerId);
        if (!server_id || !s_.is_own(*server_id)) return drop(DropReason::OtherServer);
        const Lease* at = s_.table.find_by_addr(ctx.req.ciaddr);
        if (!at || at->state != LeaseState::Bound || !s_.table.release(ctx.req.ciaddr, ctx.client))
            return drop(DropReason::NotOwner);
        ++c_.releases;
        log_event("DHCPRELEASE", ctx.req.ciaddr, ctx, {});
    }

    void inform(const Context& ctx) {
        // §4.3.5: configuration only, never a lease; reply to ciaddr.
        if (ctx.req.ciaddr.is_zero()) return drop(DropReason::MissingField);
        if (!ctx.subnet->prefix.contains(ctx.req.ciaddr)) return drop(DropReason::NoSubnet);
        s_.fqdn_reply.clear();
        start_reply(ctx, MessageType::Ack, Ipv4(), std::nullopt, {});
        ++c_.informs;
        log_event("DHCPINFORM", ctx.req.ciaddr, ctx, {});
    }

    Engine::State& s_;
    Counters& c_;
    Decision& d_;
};

const Decision& Engine::handle(const Message& request, const Arrival& arrival, WallSeconds now) {
    EngineLogic(*state_, counters_).handle(request, arrival, now);
    return state_->decision;
}

}  // namespace leasedns::dhcp

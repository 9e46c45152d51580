// Draft -> Config: defaults filled in, ranges resolved against the machine's interfaces
// (or derived for `-i IFACE` alone), reservation names cleaned, options encoded, then
// everything checked against everything else. Errors name the source of the value.
#include <algorithm>

#include "draft_fields.hpp"
#include "leasedns/dhcp/hostname.hpp"
#include "leasedns/dhcp/option_catalogue.hpp"
#include "sources.hpp"
#include "text.hpp"

namespace leasedns::config {

namespace {

struct Failure {
    std::string message;
};
[[noreturn]] void fail(const Origin& o, const std::string& message) {
    throw Failure{o.error(message)};
}

template <typename T>
void copy_field(T& out, const std::optional<Setting<T>>& in) {
    if (in) out = in->value;
}
template <typename T>
void copy_field(std::optional<T>& out, const std::optional<Setting<T>>& in) {
    if (in) out = in->value;
}
template <typename T>
void copy_field(std::vector<T>& out, const ListSetting<T>& in) {
    if (!in.set) return;
    out.clear();
    for (const auto& item : in.items) out.push_back(item.value);
}

// dnsmasq's interface names may end in '*' (a prefix match).
bool interface_matches(std::string_view pattern, std::string_view name) {
    if (!pattern.empty() && pattern.back() == '*')
        return name.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
    return pattern == name;
}

class Assembler {
public:
    Assembler(const Draft& d, const std::vector<InterfaceAddress>& ifs) : d_(d), ifs_(ifs) {}

    Config run() {
        std::apply([&](auto... f) { (copy_field(cfg_.*(f.second), d_.*(f.first)), ...); },
                   kDirectFields);
        check_interfaces();
        resolve_ranges();
        resolve_subnet_domains();
        if (d_.dhcp_enabled && !d_.dhcp_enabled->value) {
            cfg_.ranges.clear();
            cfg_.dhcp_enabled = false;
        } else {
            cfg_.dhcp_enabled = !cfg_.ranges.empty();
        }
        resolve_reservations();
        encode_options();
        if (cfg_.min_lease_seconds > 0) {
            for (auto& r : cfg_.ranges)
                r.lease_time = std::max(r.lease_time, cfg_.min_lease_seconds);
        }
        return std::move(cfg_);
    }

private:
    const Draft& d_;
    const std::vector<InterfaceAddress>& ifs_;
    Config cfg_;

    bool served(const InterfaceAddress& i) const {
        for (const auto& ex : d_.except_interfaces.items)
            if (interface_matches(ex.value, i.name)) return false;
        if (d_.interfaces.items.empty()) return !i.loopback;
        for (const auto& in : d_.interfaces.items)
            if (interface_matches(in.value, i.name)) return true;
        return false;
    }

    void check_interfaces() {
        for (const auto& in : d_.interfaces.items) {
            if (in.value.back() == '*') continue;
            bool exists = std::any_of(ifs_.begin(), ifs_.end(),
                                      [&](const auto& i) { return i.name == in.value; });
            // Only a default range needs the interface now; with explicit ranges an
            // interface that comes up later (a bridge, a VPN) is served when it does.
            if (!exists && !d_.ranges.set && d_.ranges.items.empty())
                fail(in.origin, "interface " + in.value + " has no IPv4 address");
        }
    }

    // PRODUCT.md "The embedded default": the upper half of each served interface's
    // subnet, skipping the network and broadcast addresses (the engine also never
    // hands out the server's own addresses).
    void derive_default_ranges() {
        if (d_.interfaces.items.empty()) return;  // DNS only unless told where to serve
        for (const auto& i : ifs_) {
            if (i.loopback || !served(i)) continue;
            Origin o = Origin::derived("default range for -i " + i.name);
            if (i.prefix.length > 30) {
                fail(o, "the subnet " + i.prefix.str() +
                            " is too small for a default range; give --dhcp-range");
            }
            uint32_t size = ~Prefix::mask_for(i.prefix.length) + 1u;
            Range r;
            r.subnet = i.prefix;
            r.start = Ipv4(i.prefix.network.value + std::max<uint32_t>(size / 2, 1));
            r.end = Ipv4(i.prefix.broadcast().value - 1);
            r.interface = i.name;
            bool duplicate = std::any_of(cfg_.ranges.begin(), cfg_.ranges.end(),
                                         [&](const Range& x) { return x.subnet == r.subnet; });
            if (!duplicate) cfg_.ranges.push_back(r);
        }
    }

    void resolve_ranges() {
        if (d_.ranges.items.empty()) {
            derive_default_ranges();
            return;
        }
        std::vector<const Origin*> origins;
        for (const auto& item : d_.ranges.items) {
            const RangeDraft& rd = item.value;
            const Origin& o = item.origin;
            Range r;
            r.start = rd.start;
            r.end = rd.end;
            if (r.end < r.start)
                fail(o, "the range ends (" + r.end.str() + ") before it starts (" + r.start.str() +
                            ")");
            const InterfaceAddress* local = nullptr;
            for (const auto& i : ifs_) {
                if (!i.loopback && i.prefix.contains(r.start) &&
                    (!rd.netmask || i.prefix.mask() == *rd.netmask)) {
                    local = &i;
                    break;
                }
            }
            if (rd.netmask) {
                r.subnet = Prefix::of(r.start, *Prefix::length_of_mask(*rd.netmask));
            } else if (local) {
                r.subnet = local->prefix;
            } else {
                fail(o, r.start.str() +
                            " is not on a local interface's subnet; give the netmask "
                            "(START,END,NETMASK) for a subnet reached through a relay");
            }
            if (local) r.interface = local->name;
            if (!r.subnet.contains(r.end))
                fail(o, r.end.str() + " is not in the subnet " + r.subnet.str() + " of " +
                            r.start.str());
            if (r.subnet.length <= 30 &&
                (r.start == r.subnet.network || r.end == r.subnet.broadcast()))
                fail(o, "the range includes the network or broadcast address of " + r.subnet.str());
            if (rd.broadcast && *rd.broadcast != r.subnet.broadcast())
                fail(o, "broadcast " + rd.broadcast->str() + " does not match the subnet " +
                            r.subnet.str());
            r.lease_time = rd.lease_time.value_or(43200);
            for (size_t k = 0; k < cfg_.ranges.size(); ++k) {
                const Range& other = cfg_.ranges[k];
                if (!(r.end < other.start || other.end < r.start))
                    fail(o, "overlaps the range " + other.start.str() + "-" + other.end.str() +
                                " set at " + origins[k]->describe());
                if (other.subnet.network == r.subnet.network &&
                    other.subnet.length != r.subnet.length)
                    fail(o, "netmask disagrees with the range set at " + origins[k]->describe());
            }
            cfg_.ranges.push_back(r);
            origins.push_back(&o);
        }
    }

    // --domain=DOMAIN,RANGE entries, then the `domain` of TOML ranges (for the range's
    // whole subnet). Nested ranges are fine (the smallest wins); the same range twice
    // with two domains is ambiguous.
    void resolve_subnet_domains() {
        cfg_.subnet_domains.clear();
        std::vector<const Origin*> origins;
        auto add = [&](const SubnetDomain& sd, const Origin& o) {
            for (size_t k = 0; k < cfg_.subnet_domains.size(); ++k) {
                const SubnetDomain& other = cfg_.subnet_domains[k];
                if (other.first != sd.first || other.last != sd.last) continue;
                if (other.domain == sd.domain) return;
                fail(o, "the range " + sd.first.str() + "-" + sd.last.str() +
                            " already has the domain " + other.domain + ", set at " +
                            origins[k]->describe());
            }
            cfg_.subnet_domains.push_back(sd);
            origins.push_back(&o);
        };
        for (const auto& item : d_.subnet_domains.items) add(item.value, item.origin);
        if (d_.ranges.items.size() != cfg_.ranges.size()) return;  // derived ranges: no keys
        for (size_t k = 0; k < cfg_.ranges.size(); ++k) {
            const auto& item = d_.ranges.items[k];
            if (item.value.domain.empty()) continue;
            const Prefix& subnet = cfg_.ranges[k].subnet;
            add(SubnetDomain{item.value.domain, subnet.network, subnet.broadcast()}, item.origin);
        }
    }

    const Range* range_for_subnet(Ipv4 a) const {
        for (const auto& r : cfg_.ranges)
            if (r.subnet.contains(a)) return &r;
        return nullptr;
    }

    void resolve_reservations() {
        cfg_.reservations.clear();
        std::vector<const Origin*> origins;
        for (const auto& item : d_.reservations.items) {
            Reservation r = item.value;
            const Origin& o = item.origin;
            if (!r.hostname.empty()) {
                std::string reason;
                // A dotted name keeps its first label only in the domain of its address.
                const std::string& domain = r.addr ? cfg_.domain_for(*r.addr) : cfg_.domain;
                auto label = dhcp::sanitize_hostname(r.hostname, domain, &reason);
                if (!label) fail(o, "host name '" + r.hostname + "': " + reason);
                r.hostname = *label;
            }
            if (r.addr && cfg_.dhcp_enabled && !range_for_subnet(*r.addr))
                fail(o, r.addr->str() + " is not in a served subnet (no --dhcp-range covers it)");
            for (size_t k = 0; k < cfg_.reservations.size(); ++k) {
                const Reservation& other = cfg_.reservations[k];
                // One host with several network cards: dnsmasq lets one dhcp-host name
                // several MACs, which share the address and the name.
                bool same_host = r.mac && other.mac && r.addr == other.addr &&
                                 r.hostname == other.hostname && r.lease_time == other.lease_time;
                if (r.mac && other.mac == r.mac && r.client_id == other.client_id)
                    fail(o, "MAC address " + r.mac->str() + " is already reserved at " +
                                origins[k]->describe());
                if (!r.mac && !r.client_id.empty() && other.client_id == r.client_id)
                    fail(o, "this client id is already reserved at " + origins[k]->describe());
                if (!same_host && r.addr && other.addr == r.addr)
                    fail(o, r.addr->str() + " is already reserved at " + origins[k]->describe());
                if (!same_host && !r.hostname.empty() && other.hostname == r.hostname)
                    fail(o, "the name " + r.hostname + " is already reserved at " +
                                origins[k]->describe());
            }
            cfg_.reservations.push_back(r);
            origins.push_back(&o);
        }
    }

    void encode_options() {
        cfg_.options.clear();
        for (const auto& item : d_.options.items) {
            const OptionDraft& od = item.value;
            OptionSetting s;
            s.code = od.code;
            s.force = od.force;
            s.subnet = od.subnet;
            if (od.raw) {
                s.value = *od.raw;
            } else if (!od.values.empty()) {
                auto bytes = dhcp::encode_option_value(od.code, od.values);
                if (!bytes) fail(item.origin, bytes.error());
                s.value = *bytes;
            }
            if (s.value.size() > 255 * 8)
                fail(item.origin, "the value is longer than a reply can carry");
            cfg_.options.push_back(std::move(s));
        }
    }
};

}  // namespace

Result<Config, ConfigError> assemble(const Draft& draft,
                                     const std::vector<InterfaceAddress>& interfaces) {
    try {
        return Assembler(draft, interfaces).run();
    } catch (const Failure& f) {
        return Err{ConfigError{f.message}};
    }
}

}  // namespace leasedns::config

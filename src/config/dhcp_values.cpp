// --dhcp-range, --dhcp-host and --dhcp-option values in dnsmasq's syntax (dnsmasq(8)).
// Only the syntax is checked here; whether a range fits a subnet, a name is a valid
// label or a value suits its option is decided once everything is read (validate.cpp).
#include <algorithm>
#include <cctype>

#include "leasedns/dhcp/option_catalogue.hpp"
#include "option_table.hpp"
#include "text.hpp"

namespace leasedns::config {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::optional<std::string> reject_tag(std::string_view field) {
    if (starts_with(field, "tag:") || starts_with(field, "set:"))
        return "tags are not supported yet ('" + std::string(field) + "')";
    return std::nullopt;
}

std::string not_ipv4(std::string_view field) {
    if (field.find(':') != std::string_view::npos || starts_with(field, "["))
        return "IPv6 is not supported yet ('" + std::string(field) + "')";
    return "'" + std::string(field) + "' is not an IPv4 address";
}

}  // namespace

// [tag:x,][set:x,]START,END[,NETMASK[,BROADCAST]][,LEASETIME]
std::optional<std::string> apply_dhcp_range(ApplyContext& ctx, std::string_view value,
                                            const Origin& origin) {
    auto fields = split_fields(value);
    if (fields.empty()) return std::string("needs START,END[,NETMASK][,LEASETIME]");
    if (auto e = reject_tag(fields[0])) return e;
    RangeDraft r;
    auto start = Ipv4::parse(fields[0]);
    if (!start) return not_ipv4(fields[0]);
    r.start = *start;
    if (fields.size() < 2) return std::string("needs an end address: START,END");
    std::string mode = to_lower(fields[1]);
    if (mode == "static") {
        return std::string(
            "the 'static' mode (a subnet served only to reserved hosts, without a pool) "
            "is not supported yet; give a range START,END");
    }
    if (mode == "proxy") return std::string("the 'proxy' mode (proxy DHCP) is not supported");
    auto end = Ipv4::parse(fields[1]);
    if (!end) {
        if (!fields[1].empty() && std::isalpha(static_cast<unsigned char>(fields[1][0])))
            return "mode '" + fields[1] + "' is not supported";
        return not_ipv4(fields[1]);
    }
    r.end = *end;
    size_t i = 2;
    if (i < fields.size()) {
        if (auto mask = Ipv4::parse(fields[i])) {
            if (!Prefix::length_of_mask(*mask))
                return "'" + fields[i] + "' is not a netmask (its bits must be contiguous)";
            r.netmask = *mask;
            ++i;
            if (i < fields.size()) {
                if (auto bcast = Ipv4::parse(fields[i])) {
                    r.broadcast = *bcast;
                    ++i;
                }
            }
        }
    }
    if (i < fields.size()) {
        auto t = parse_lease_time(fields[i]);
        if (!t) return t.error();
        r.lease_time = *t;
        ++i;
    }
    if (i < fields.size()) return "unexpected '" + fields[i] + "' after the lease time";
    ctx.draft.ranges.add(r, origin);
    return std::nullopt;
}

// dnsmasq takes the fields in any order and tells them apart by their shape:
// [MAC...][,id:CLIENTID][,ADDR][,NAME][,LEASETIME][,ignore]
std::optional<std::string> apply_dhcp_host(ApplyContext& ctx, std::string_view value,
                                           const Origin& origin) {
    auto fields = split_fields(value);
    if (fields.empty()) return std::string("needs MAC|id:CLIENTID[,ADDR][,NAME][,LEASETIME]");
    Reservation r;
    std::vector<Mac> macs;
    bool have_id = false;
    for (const auto& f : fields) {
        if (f.empty()) return std::string("empty field");
        if (auto e = reject_tag(f)) return e;
        if (starts_with(to_lower(f), "id:")) {
            if (have_id) return std::string("more than one id:");
            auto id = parse_client_id(f.substr(3));
            if (!id) return id.error();
            r.client_id = *id;
            have_id = true;
        } else if (to_lower(f) == "ignore") {
            r.ignore = true;
        } else if (f.front() == '[') {
            return "IPv6 is not supported yet ('" + f + "')";
        } else if (auto mac = Mac::parse(f)) {
            if (std::find(macs.begin(), macs.end(), *mac) != macs.end())
                return "MAC address " + f + " given twice";
            macs.push_back(*mac);
        } else if (auto addr = Ipv4::parse(f)) {
            if (r.addr) return "two IPv4 addresses ('" + r.addr->str() + "' and '" + f + "')";
            r.addr = *addr;
        } else if (looks_like_lease_time(f)) {
            if (r.lease_time) return "two lease times ('" + f + "')";
            auto t = parse_lease_time(f);
            if (!t) return t.error();
            r.lease_time = *t;
        } else if (f.find(':') != std::string::npos || f.find('*') != std::string::npos) {
            return "'" + f +
                   "' is not a MAC address aa:bb:cc:dd:ee:ff (wildcards and hardware types "
                   "are not supported)";
        } else if (f.find_first_not_of("0123456789.") == std::string::npos) {
            return not_ipv4(f);
        } else {
            if (!r.hostname.empty()) return "two names ('" + r.hostname + "' and '" + f + "')";
            r.hostname = f;
        }
    }
    if (macs.empty() && !have_id && r.hostname.empty())
        return std::string("needs a MAC address, an id: or a name to know the client by");
    // dnsmasq lets one entry name several MACs (a laptop's wired and wireless cards):
    // one reservation each, sharing the address and the name.
    if (macs.empty()) {
        ctx.draft.reservations.add(r, origin);
    } else {
        for (const auto& mac : macs) {
            Reservation copy = r;
            copy.mac = mac;
            ctx.draft.reservations.add(copy, origin);
        }
    }
    return std::nullopt;
}

// DOMAIN | DOMAIN,ADDR/LEN[,local] | DOMAIN,START,END (dnsmasq's --domain). The first
// form sets the default domain; the others name the clients of one address range.
std::optional<std::string> apply_domain(ApplyContext& ctx, std::string_view value,
                                        const Origin& origin) {
    auto fields = split_fields(value);
    std::string domain;
    if (!fields.empty() && !fields[0].empty()) {
        if (fields[0] == "#")
            return std::string("'#' (the domain from resolv.conf) is not supported yet");
        auto d = normalize_domain(fields[0]);
        if (!d) return d.error();
        domain = *d;
    }
    if (fields.size() <= 1) {
        ctx.draft.domain = Setting<std::string>{domain, origin};
        return std::nullopt;
    }
    if (domain.empty()) return std::string("a domain for an address range needs a name");
    auto range = parse_domain_range(std::span<const std::string>(fields).subspan(1));
    if (!range) return range.error();
    ctx.draft.subnet_domains.add(SubnetDomain{domain, range->first, range->last}, origin);
    return std::nullopt;
}

Result<SubnetDomain, std::string> parse_domain_range(std::span<const std::string> fields) {
    const std::string kForms = "ADDR/PREFIXLEN[,local] or START,END";
    SubnetDomain out;
    if (fields.empty()) return Err{"needs an address range: " + kForms};
    if (fields[0].find('/') != std::string::npos) {
        auto prefix = Prefix::parse(fields[0]);
        if (!prefix) return Err{"'" + fields[0] + "' is not a subnet like 198.18.1.0/24"};
        out.first = prefix->network;
        out.last = prefix->broadcast();
        // dnsmasq's `local` also declares --local for the domain and the reverse zone;
        // both are answered here already (they are our zones), so it changes nothing.
        if (fields.size() == 2 && to_lower(fields[1]) == "local") return out;
        if (fields.size() > 1) return Err{"unexpected '" + fields[1] + "' (expected local)"};
        return out;
    }
    auto first = Ipv4::parse(fields[0]);
    if (!first) {
        if (fields[0].find(':') != std::string::npos) return Err{not_ipv4(fields[0])};
        if (fields.size() == 1 && fields[0].find_first_not_of("0123456789.") != std::string::npos)
            return Err{
                "a domain per interface (DOMAIN,INTERFACE) is not supported yet; give "
                "the interface's subnet as " +
                kForms};
        return Err{not_ipv4(fields[0])};
    }
    if (fields.size() < 2) return Err{"'" + fields[0] + "' alone is not a range; give " + kForms};
    auto last = Ipv4::parse(fields[1]);
    if (!last) return Err{not_ipv4(fields[1])};
    if (fields.size() > 2) {
        if (to_lower(fields[2]) == "local")
            return Err{std::string("'local' is only allowed after ADDR/PREFIXLEN")};
        return Err{"unexpected '" + fields[2] + "' after the range"};
    }
    if (*last < *first)
        return Err{"the range ends (" + last->str() + ") before it starts (" + first->str() + ")"};
    out.first = *first;
    out.last = *last;
    return out;
}

namespace {

std::optional<std::string> dhcp_option(ApplyContext& ctx, std::string_view value,
                                       const Origin& origin, bool force) {
    auto fields = split_fields(value);
    if (fields.empty()) return std::string("needs CODE or option:NAME, then the values");
    const std::string& spec = fields[0];
    if (auto e = reject_tag(spec)) return e;
    for (std::string_view p : {"encap:", "vi-encap:", "vendor:"}) {
        if (starts_with(spec, p))
            return "encapsulated and vendor options ('" + spec + "') are not supported yet";
    }
    if (starts_with(spec, "option6:")) return std::string("DHCPv6 options are not supported");
    OptionDraft o;
    o.force = force;
    std::string_view name = spec;
    bool prefixed = starts_with(spec, "option:");
    if (prefixed) name.remove_prefix(7);
    if (auto code = parse_uint(name, 255)) {
        // RFC 2132 §3.1/§3.2: 0 (pad) and 255 (end) are not options.
        if (*code == 0 || *code == 255) return "option " + std::string(name) + " is reserved";
        o.code = static_cast<uint8_t>(*code);
    } else if (prefixed) {
        const auto* info = dhcp::find_option(name);
        if (!info) return "unknown option name '" + std::string(name) + "'";
        o.code = info->code;
    } else {
        return "'" + spec + "' is not an option number or option:NAME";
    }
    o.values.assign(fields.begin() + 1, fields.end());
    ctx.draft.options.add(o, origin);
    return std::nullopt;
}

}  // namespace

std::optional<std::string> apply_dhcp_option(ApplyContext& ctx, std::string_view value,
                                             const Origin& origin) {
    return dhcp_option(ctx, value, origin, false);
}

std::optional<std::string> apply_dhcp_option_force(ApplyContext& ctx, std::string_view value,
                                                   const Origin& origin) {
    return dhcp_option(ctx, value, origin, true);
}

}  // namespace leasedns::config
